"""Random bad input at the in-process Graph app: never a 5xx, always Graph's error body.

Hypothesis throws random ``$filter``, ``$select``, ``$top``, ``$skiptoken`` (and the other
query options) at the collections, random JSON (and non-JSON) bodies at ``POST /users``,
``PATCH /users/{id}`` and event creation, and random bytes at ``PUT .../photo/$value``.
Runs are deterministic (``derandomize=True``) and small. After a refused write the
tenant's users (and photos, events) are exactly as before; after an accepted one the
tenant still answers its listings.
"""

from __future__ import annotations

import base64
import copy
import json
import logging
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mocks.entra import mailbox
from mocks.entra.models import USER_PROPERTIES
from mocks.graph.app import create_app
from mocks.graph.odata import GROUP_TYPE, USER_TYPE
from mocks.world import World

from .conftest import assert_graph_error, graph_client, issue, small_world
from .test_permission_table import png

ROLES = ("Directory.ReadWrite.All", "Calendars.ReadWrite", "ProfilePhoto.ReadWrite.All")
SWEEP = settings(max_examples=120, derandomize=True, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.too_slow])
SMALL_SWEEP = settings(SWEEP, max_examples=80)


@pytest.fixture(autouse=True)
def _quiet_graph_logger():
    # A 5xx would be logged with its stack trace; the assertions report it instead.
    logger = logging.getLogger("mocks.graph")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


class Tenant:
    """A small world, its Graph app and a client allowed to do everything probed here."""

    def __init__(self) -> None:
        self.world: World = small_world(seed=67)
        self.app = create_app(self.world)
        self.client = graph_client(self.world, self.app, issue(self.world, *ROLES))
        self.ray = self.world.tenant.user_by_id_or_upn("ray.ross@contoso.com").id
        self.megan = self.world.tenant.user_by_id_or_upn("megan.jordan@contoso.com").id
        mailbox.upload_photo(self.world.tenant, self.ray, png(), "image/png")
        self.group = next(iter(self.world.tenant.groups))

    def snapshot(self) -> dict[str, Any]:
        """Everything a refused write must leave alone."""
        t = self.world.tenant
        return {"users": copy.deepcopy({uid: u.props for uid, u in t.users.items()}),
                "deleted": sorted(t.deleted_users), "changes": t.last_seq,
                "photos": dict(t.photos), "events": {k: copy.deepcopy(e.props)
                                                     for k, e in t.events.items()}}

    def still_answers(self) -> None:
        """The listings still work after whatever was written."""
        for path, params in (("/users", {"$select": ",".join(USER_TYPE.properties)}),
                             ("/users", {"$orderby": "displayName"}),
                             ("/users", {"$filter": "startswith(displayName,'a')"}),
                             (f"/users/{self.ray}/events", {})):
            response = self.client.get(path, params=params)
            assert response.status_code == 200, (path, response.text)


def check_answer(response: httpx.Response) -> None:
    """Never a 5xx; a 4xx carries Graph's error body."""
    assert response.status_code < 500, (response.request.method, str(response.request.url),
                                        response.text)
    if response.status_code >= 400:
        assert_graph_error(response)


# -- query options ---------------------------------------------------------------------
GUID = "6e1f2d3c-4b5a-4978-8c6d-5e4f3a2b1c0d"
PROPERTY_NAMES = sorted(set(USER_TYPE.properties) | set(GROUP_TYPE.properties)) + [
    "displayname", "nope", "members", "otherMails/any(x:x", "x", "*", ""]
LITERALS = st.one_of(
    st.sampled_from(["'a'", "''", "'o''brien'", "'", "true", "false", "null", "42", "-1.5",
                     GUID, "'ray.ross@contoso.com'", "('a','b')", "()"]),
    st.text(max_size=8).map(lambda t: "'" + t.replace("'", "''") + "'"))
OPERATORS = st.sampled_from(["eq", "ne", "in", "lt", "ge", "and", "or", "not", "startswith(",
                             "endswith(", "any(", "all(", "(", ")", ",", "/", ":", "x:", "x",
                             "eq null", "$count", "has"])
FILTERS = st.one_of(st.text(max_size=40),
                    st.lists(st.one_of(st.sampled_from(PROPERTY_NAMES), LITERALS, OPERATORS),
                             max_size=10).map(" ".join))
SELECTS = st.one_of(st.text(max_size=20),
                    st.lists(st.one_of(st.sampled_from(PROPERTY_NAMES), st.text(max_size=6)),
                             max_size=5).map(",".join))
TOPS = st.one_of(st.integers(-2000, 2000).map(str), st.text(max_size=6),
                 st.sampled_from(["", " 5", "+7", "1e3", "999", "1000", "0x10", "99999999999999999999"]))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=8)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


SKIPTOKENS = st.one_of(
    st.text(max_size=30),
    st.binary(max_size=30).map(lambda b: "RFNwdA" + _b64(b)),
    JSON_VALUES.map(lambda v: "RFNwdA" + _b64(json.dumps(v).encode())),
    st.tuples(st.sampled_from(["p", "k", "x"]), JSON_VALUES).map(
        lambda kv: "RFNwdA" + _b64(json.dumps(list(kv)).encode())),
    st.tuples(st.binary(max_size=40), st.binary(max_size=12)).map(
        lambda pair: f"{_b64(pair[0])}.{_b64(pair[1])}"))  # shaped like a delta token
WINDOW_ENDS = st.one_of(st.sampled_from(
    ["2026-01-01T00:00:00Z", "2026-01-01", "0001-01-01T00:00:00+14:00", "yesterday", "",
     "9999-12-31T23:59:59-14:00"]), st.text(max_size=8))  # calendarView's time window
OPTIONS = st.fixed_dictionaries({}, optional={
    "startDateTime": WINDOW_ENDS, "endDateTime": WINDOW_ENDS,
    "$filter": FILTERS, "$select": SELECTS, "$top": TOPS, "$skiptoken": SKIPTOKENS,
    "$deltatoken": SKIPTOKENS, "$orderby": SELECTS, "$count": st.sampled_from(["true", "false", "1", ""]),
    "$expand": st.sampled_from(["members", "manager", "", "memberOf", "manager,memberOf",
                                "manager($select=id,displayName)", "members($select=", "owners"]),
    "$search": st.one_of(st.text(max_size=8), st.sampled_from(
        ['"displayName:ra"', '"displayName:ra" OR "mail:me"', '"city:x"', '"displayName"',
         '"displayName:a" AND', '"displayName:a" XOR "mail:b"'])),
    "$Top": TOPS, "$unknown": st.text(max_size=4)})
COLLECTIONS = ["/users", "/groups", "/users/delta", "/groups/delta", "/users/$count",
               "/directory/deletedItems/microsoft.graph.user", "/domains",
               "/users/{ray}/calendars", "/users/{ray}/events", "/groups/{group}/members",
               "/groups/{group}/transitiveMembers/microsoft.graph.user",
               # issue 14
               "/groups/$count", "/groups/{group}/members/$count", "/groups/{group}/owners",
               "/users/{ray}/memberOf", "/users/{ray}/transitiveMemberOf/microsoft.graph.group",
               "/users/{ray}/directReports", "/users/{ray}/manager", "/users/{ray}",
               "/groups/{group}", "/users/{ray}/calendarView"]


def test_random_query_options_never_break_a_collection():
    tenant = Tenant()
    before = tenant.snapshot()

    @SWEEP
    @given(path=st.sampled_from(COLLECTIONS), options=OPTIONS, advanced=st.booleans())
    @example(path="/users", options={"$filter": "otherMails/any(x:x eq 'a') and not (id ne null)",
                                     "$count": "true"}, advanced=True)
    @example(path="/users", options={"$top": "٣"}, advanced=False)
    @example(path="/users", options={"$filter": "(" * 5000 + "displayName eq 'a'" + ")" * 5000},
             advanced=False)
    @example(path="/users", options={"$filter": "not " * 3000 + "displayName eq 'a'",
                                     "$count": "true"}, advanced=True)
    @example(path="/users", options={"$filter": "createdDateTime ge 2026-13-45T00:00:00Z"},
             advanced=False)
    @example(path="/users", options={"$skiptoken": "RFNwdA" + _b64(b'["p", 99999999999999999999]')},
             advanced=False)
    def probe(path: str, options: dict[str, str], advanced: bool) -> None:
        headers = {"ConsistencyLevel": "eventual"} if advanced else {}
        url = path.format(ray=tenant.ray, group=tenant.group)
        response = tenant.client.get(url, params=options, headers=headers)
        check_answer(response)
        if response.status_code == 200 and not url.endswith("$count"):
            body = response.json()
            single = path in ("/users/{ray}", "/groups/{group}", "/users/{ray}/manager")
            if path.endswith("calendarView"):
                assert "startDateTime" in options and "endDateTime" in options
            assert isinstance(body["id"] if single else body["value"], str if single else list)

    probe()
    assert tenant.snapshot() == before  # reads changed nothing


# -- users: POST and PATCH bodies --------------------------------------------------------
USER_KEYS = sorted(USER_PROPERTIES) + ["passwordProfile", "@odata.type", "unknownProperty",
                                       "DisplayName", "manager"]
PLAUSIBLE = st.sampled_from(["x@contoso.com", "x@contoso.dk", "x@evil.example",
                             "ray.ross@contoso.com", "RAY.ROSS@contoso.com", "", " ", "x", "@",
                             "x@", "@contoso.com", "no-at-sign", "Jane Doe"])
USER_VALUES = st.one_of(JSON_VALUES, PLAUSIBLE, st.just({"password": "P4ss-w0rd!"}),
                        st.lists(PLAUSIBLE, max_size=3))
USER_BODIES = st.dictionaries(st.sampled_from(USER_KEYS), USER_VALUES, max_size=6)
VALID_NEW_USER = {"accountEnabled": True, "displayName": "Jane Doe", "mailNickname": "jane",
                  "userPrincipalName": "jane.doe@contoso.com",
                  "passwordProfile": {"password": "P4ss-w0rd!"}}


@st.composite
def new_user_bodies(draw) -> dict[str, Any]:
    """A valid create body with a few of its properties replaced, removed or added."""
    body = dict(VALID_NEW_USER)
    for key in draw(st.lists(st.sampled_from(USER_KEYS), min_size=1, max_size=3)):
        if draw(st.booleans()) and key in body:
            del body[key]
        else:
            body[key] = draw(USER_VALUES)
    return body


RAW_BODIES = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([b"", b"null", b"[]", b"{", b'{"displayName":', b'"text"', b"1e999",
                     b'{"displayName": "\\ud800"}', b'{"accountEnabled": NaN}',
                     b"\xef\xbb\xbf{}", b'{"a":1}' * 3]))
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8",
                                 "text/plain", "", "application/x-www-form-urlencoded",
                                 "application/merge-patch+json", "multipart/form-data"])


def send(client: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    """``body`` as JSON, or (raw bytes, content type) as they are."""
    if isinstance(body, tuple):
        content, ctype = body
        headers = {"Content-Type": ctype} if ctype else {}
        return client.request(method, path, content=content, headers=headers)
    # json.dumps keeps NaN and Infinity, which Python's JSON reader on the server accepts.
    return client.request(method, path, content=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json"})


def test_random_user_bodies_are_refused_cleanly_and_lose_nothing():
    tenant = Tenant()
    refused = 0

    @SWEEP
    @given(method=st.sampled_from(["POST", "PATCH"]), target=st.sampled_from(["ray", "megan", "nobody"]),
           body=st.one_of(USER_BODIES, new_user_bodies(), JSON_VALUES,
                          st.tuples(RAW_BODIES, CONTENT_TYPES)))
    @example(method="PATCH", target="ray", body={"userPrincipalName": None})
    @example(method="PATCH", target="ray", body={"userPrincipalName": "megan.jordan@contoso.com"})
    @example(method="POST", target="ray", body={**VALID_NEW_USER, "id": GUID})
    @example(method="POST", target="ray", body=(b'{"displayName": "\\ud800"}', "application/json"))
    def probe(method: str, target: str, body: Any) -> None:
        nonlocal refused
        before = tenant.snapshot()
        key = {"ray": tenant.ray, "megan": tenant.megan, "nobody": "nobody@contoso.com"}[target]
        path = "/users" if method == "POST" else f"/users/{key}"
        response = send(tenant.client, method, path, body)
        check_answer(response)
        if response.status_code >= 400:
            refused += 1
            assert tenant.snapshot() == before, (method, body, response.text)
        else:
            assert response.status_code == (201 if method == "POST" else 204), response.text
            if method == "POST":
                created = response.json()["id"]
                assert tenant.client.get(f"/users/{created}").status_code == 200
        tenant.still_answers()

    probe()
    assert refused > 0  # the sweep did reach the refusals


# -- groups: POST and PATCH bodies (issue 14) -----------------------------------------------
GROUP_KEYS = ["displayName", "mailEnabled", "mailNickname", "securityEnabled", "groupTypes",
              "visibility", "description", "members@odata.bind", "owners@odata.bind", "id",
              "mail", "nope", "isAssignableToRole"]
BIND_VALUES = st.lists(st.sampled_from([f"https://graph.microsoft.com/v1.0/users/{GUID}",
                                        "https://graph.microsoft.com/v1.0/directoryObjects/", "",
                                        "ray.ross@contoso.com", "x"]), max_size=3)
GROUP_VALUES = st.one_of(JSON_VALUES, BIND_VALUES, st.sampled_from(
    [["Unified"], ["DynamicMembership"], "Private", "Public", "g1", True, False]))
VALID_NEW_GROUP = {"displayName": "Finance", "mailEnabled": False, "mailNickname": "finance",
                   "securityEnabled": True}


@st.composite
def group_bodies(draw) -> dict[str, Any]:
    body = dict(VALID_NEW_GROUP)
    for key in draw(st.lists(st.sampled_from(GROUP_KEYS), min_size=1, max_size=3)):
        if draw(st.booleans()) and key in body:
            del body[key]
        else:
            body[key] = draw(GROUP_VALUES)
    return body


def test_random_group_bodies_are_refused_cleanly_and_lose_nothing():
    tenant = Tenant()

    def groups_state() -> Any:
        t = tenant.world.tenant
        return (copy.deepcopy({g: (x.props, list(x.members)) for g, x in t.groups.items()}),
                copy.deepcopy(t.owners), t.last_seq)

    @SMALL_SWEEP
    @given(method=st.sampled_from(["POST", "PATCH"]),
           body=st.one_of(group_bodies(), st.dictionaries(st.sampled_from(GROUP_KEYS),
                                                          GROUP_VALUES, max_size=4),
                          JSON_VALUES, st.tuples(RAW_BODIES, CONTENT_TYPES)))
    @example(method="POST", body={**VALID_NEW_GROUP, "members@odata.bind": [
        f"https://graph.microsoft.com/v1.0/directoryObjects/{GUID}"]})
    def probe(method: str, body: Any) -> None:
        before = groups_state()
        path = "/groups" if method == "POST" else f"/groups/{tenant.group}"
        response = send(tenant.client, method, path, body)
        check_answer(response)
        if response.status_code >= 400:
            assert groups_state() == before, (method, body, response.text)
        else:
            assert response.status_code == (201 if method == "POST" else 204), response.text
        assert tenant.client.get("/groups").status_code == 200

    probe()


# -- photos -------------------------------------------------------------------------------
MAGIC = st.sampled_from([b"", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xff\xd8", b"\xff\xd8\xff\xc0",
                         b"\xff\xd8\xff\xe0\x00\x00", b"GIF89a", b"GIF87a", b"BM"])
PHOTO_TYPES = st.one_of(
    st.sampled_from(["image/jpeg", "image/png", "image/gif", "image/bmp", "image/jpg",
                     "image/pjpeg", "IMAGE/PNG; q=1", "text/plain", "", "application/octet-stream",
                     "image/svg+xml"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20))


def test_random_photo_bytes_never_break_or_lose_a_photo():
    tenant = Tenant()

    @SMALL_SWEEP
    @given(target=st.sampled_from(["ray", "megan"]), magic=MAGIC, tail=st.binary(max_size=80),
           ctype=PHOTO_TYPES, method=st.sampled_from(["PUT", "PATCH"]))
    @example(target="ray", magic=b"\xff\xd8", tail=b"\xff\xc0\x00\x00", ctype="image/jpeg",
             method="PUT")
    @example(target="ray", magic=b"", tail=b"\x00" * (4 * 1024 * 1024 + 1), ctype="image/png",
             method="PUT")
    def probe(target: str, magic: bytes, tail: bytes, ctype: str, method: str) -> None:
        uid = tenant.ray if target == "ray" else tenant.megan
        before = tenant.snapshot()
        content = magic + tail
        headers = {"Content-Type": ctype} if ctype else {}
        response = tenant.client.request(method, f"/users/{uid}/photo/$value", content=content,
                                         headers=headers)
        check_answer(response)
        if response.status_code >= 400:
            assert tenant.snapshot() == before, (ctype, content[:20], response.text)
            assert tenant.world.tenant.photos.get(uid) is before["photos"].get(uid)
            return
        assert response.status_code == 200
        stored = tenant.client.get(f"/users/{uid}/photo/$value")
        assert stored.status_code == 200 and stored.content == content
        meta = tenant.client.get(f"/users/{uid}/photo").json()
        width, height = mailbox.image_size(content, meta["@odata.mediaContentType"])
        assert (meta["width"], meta["height"]) == (width, height)
        assert tenant.snapshot()["users"] == before["users"]  # a photo is no directory change

    probe()


# -- events ------------------------------------------------------------------------------
ZONES = st.sampled_from(["UTC", "Romance Standard Time", "Pacific Standard Time",
                         "Tokyo Standard Time", "Europe/Copenhagen", "Mars/Olympus", "", None, 5])
DATETIMES = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["2026-01-05T09:00:00", "2026-01-05T09:00:00.1234567", "2026-01-05",
                     "2026-01-05T09:00:00Z", "2026-01-05T09:00:00+14:00", "0001-01-01T00:00:00",
                     "9999-12-31T23:59:59", "yesterday", ""]),
    st.text(max_size=12))
DTZ = st.one_of(st.fixed_dictionaries({"dateTime": DATETIMES, "timeZone": ZONES}), JSON_VALUES)
EVENT_BODIES = st.one_of(
    st.fixed_dictionaries({"subject": st.one_of(st.text(max_size=10), JSON_VALUES),
                           "start": DTZ, "end": DTZ},
                          optional={"body": JSON_VALUES, "location": JSON_VALUES,
                                    "transactionId": st.one_of(st.text(max_size=6), JSON_VALUES),
                                    "isAllDay": JSON_VALUES, "nope": JSON_VALUES}),
    JSON_VALUES)


def test_random_event_bodies_never_poison_a_mailbox():
    tenant = Tenant()

    @SMALL_SWEEP
    @given(body=EVENT_BODIES, zone=ZONES)
    @example(body={"subject": "Year one", "start": {"dateTime": "0001-01-01T00:00:00",
                                                    "timeZone": "Pacific Standard Time"},
                   "end": {"dateTime": "0001-01-01T01:00:00", "timeZone": "Pacific Standard Time"}},
             zone="UTC")
    @example(body={"subject": "Before 1000", "start": {"dateTime": "0999-03-01T10:00:00",
                                                       "timeZone": "UTC"},
                   "end": {"dateTime": "0999-03-01T11:00:00", "timeZone": "UTC"}},
             zone="Tokyo Standard Time")
    def probe(body: Any, zone: Any) -> None:
        before = tenant.snapshot()
        response = send(tenant.client, "POST", f"/users/{tenant.ray}/events", body)
        check_answer(response)
        if response.status_code >= 400:
            assert tenant.snapshot() == before, (body, response.text)
        else:
            assert response.status_code == 201
        prefer = {"Prefer": f'outlook.timezone="{zone}"'} if isinstance(zone, str) and zone else {}
        listed = tenant.client.get(f"/users/{tenant.ray}/events", params={"$top": "999"},
                                   headers=prefer)
        check_answer(listed)
        if listed.status_code == 200:
            assert len(listed.json()["value"]) == len(tenant.world.tenant.events)

    probe()


# -- the issue's list of bad input, each with its status and code ----------------------
RAY = "ray.ross@contoso.com"
JSON = {"Content-Type": "application/json"}
KNOWN_BAD: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("GET", f"/users/{GUID}", {}, 404, "Request_ResourceNotFound"),
    ("GET", "/users", {"params": {"$filter": "displayName eq"}}, 400, "BadRequest"),
    ("GET", "/users", {"params": {"$top": "1000"}}, 400, "Request_BadRequest"),
    ("GET", "/users", {"params": {"$top": "\u0663"}}, 400, "Request_BadRequest"),  # Arabic-Indic 3
    ("GET", "/users", {"params": {"$skiptoken": "garbage"}}, 400, "Request_BadRequest"),
    ("POST", "/users", {"content": b"{", "headers": JSON}, 400, "BadRequest"),
    ("POST", "/users", {"content": b"{}", "headers": {"Content-Type": "text/plain"}}, 400,
     "BadRequest"),
    ("PATCH", f"/users/{RAY}", {"json": {"accountEnabled": "yes"}}, 400, "Request_BadRequest"),
    ("PUT", f"/users/{RAY}/photo/$value",
     {"content": b"\0" * (4 * 1024 * 1024 + 1), "headers": {"Content-Type": "image/jpeg"}},
     413, "RequestEntityTooLarge"),
    ("PUT", f"/users/{RAY}/photo/$value",
     {"content": b"hello", "headers": {"Content-Type": "text/plain"}}, 415, "UnsupportedMediaType"),
    # issue 14
    ("GET", "/users", {"params": {"$filter": "(" * 5000 + "displayName eq 'a'" + ")" * 5000}},
     400, "BadRequest"),
    ("GET", "/users", {"params": {"$search": '"displayName:ra"'}}, 400, "Request_UnsupportedQuery"),
    ("GET", "/users", {"params": {"$expand": "manager,memberOf"}}, 400, "Request_BadRequest"),
    ("GET", f"/users/{RAY}/manager", {}, 404, "Request_ResourceNotFound"),
    ("POST", "/groups", {"json": {"displayName": "x"}}, 400, "Request_BadRequest"),
    ("PATCH", f"/users/{RAY}/events/{GUID}", {"json": {"subject": "x"}}, 404, "ErrorItemNotFound"),
    ("POST", "/users/ray.ross@contoso.com/checkMemberGroups", {"json": {"groupIds": "x"}}, 400,
     "Request_BadRequest"),
    ("POST", "/directoryObjects/getByIds", {"json": {"ids": []}}, 400, "Request_BadRequest"),
    ("POST", f"/users/{RAY}/events",
     {"json": {"subject": "x", "start": {"dateTime": "0001-01-01T00:00:00",
                                         "timeZone": "Pacific Standard Time"},
               "end": {"dateTime": "0001-01-01T01:00:00", "timeZone": "Pacific Standard Time"}}},
     400, "ErrorPropertyValidationFailure"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), KNOWN_BAD,
                         ids=[f"{m} {p} {status}" for m, p, _, status, _ in KNOWN_BAD])
def test_known_bad_input_gets_its_status_and_code(method, path, kwargs, status, code):
    tenant = Tenant()
    before = tenant.snapshot()
    crid = "bad-input-check"
    headers = {"client-request-id": crid, **kwargs.get("headers", {})}
    response = tenant.client.request(method, path, headers=headers,
                                     **{k: v for k, v in kwargs.items() if k != "headers"})
    assert_graph_error(response, status, code, crid)
    assert tenant.snapshot() == before
