"""The whole permission table, walked from the Graph app's own URL map (issue 2).

Every route of the Graph app except the ``/_sim/`` control API, with every method it
answers, must have a case here and a permission entry in ``mocks.graph.auth.PERMISSIONS``;
a new route without either fails :func:`test_every_graph_route_has_a_case_and_a_permission`.
For each route: no token and bad tokens get 401 ``InvalidAuthenticationToken``, a token
holding only permissions the route does not accept gets 403
``Authorization_RequestDenied`` and changes nothing, and a token with any one accepted
permission succeeds. Every error carries Graph's body and echoes ``client-request-id``.
``$batch`` needs only a valid token: its inner requests are checked one by one.
"""

from __future__ import annotations

import itertools
import struct
import time
import uuid
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mocks.entra import mailbox
from mocks.graph.app import create_app
from mocks.graph.auth import PERMISSIONS
from mocks.identity.models import TokenService
from mocks.world import World

from .conftest import assert_graph_error, graph_client, issue, small_world

# Application permissions Graph has that no route of the mock accepts.
UNRELATED = ("Mail.Read", "Sites.Read.All", "Application.Read.All", "AuditLog.Read.All")
ALL_KNOWN = sorted({p for accepted in PERMISSIONS.values() for p in accepted} | set(UNRELATED))
_n = itertools.count()


def png(width: int = 4, height: int = 4) -> bytes:
    """A real, tiny grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


# -- fresh objects for the routes that change or need something ---------------------
def fresh_user(world: World) -> str:
    n = next(_n)
    return world.tenant.add_user({"userPrincipalName": f"walk{n}@contoso.com",
                                  "displayName": f"Walk {n}", "mail": f"walk{n}@contoso.com"}).id


def user_with_photo(world: World) -> str:
    uid = fresh_user(world)
    mailbox.upload_photo(world.tenant, uid, png(), "image/png")
    return uid


def deleted_user(world: World) -> str:
    uid = fresh_user(world)
    world.tenant.delete_user(uid)
    return uid


def group(world: World) -> str:
    return next(g.id for g in world.tenant.groups.values()
                if g.props["displayName"] == "Employee")


def member_to_remove(world: World) -> str:
    uid = fresh_user(world)
    world.tenant.add_member(group(world), uid)
    return f"/groups/{group(world)}/members/{uid}/$ref"


def default_calendar(world: World) -> tuple[str, str]:
    uid = world.tenant.user_by_id_or_upn("ray.ross@contoso.com").id
    return uid, mailbox.default_calendar(world.tenant, uid).id


def new_user_body() -> dict[str, Any]:
    n = next(_n)
    return {"accountEnabled": True, "displayName": f"New {n}", "mailNickname": f"new{n}",
            "userPrincipalName": f"new{n}@contoso.com",
            "passwordProfile": {"password": "P4ss-w0rd!"}}


EVENT = {"subject": "Walk", "start": {"dateTime": "2026-01-07T09:00:00", "timeZone": "UTC"},
         "end": {"dateTime": "2026-01-07T10:00:00", "timeZone": "UTC"}}
RAY = "ray.ross@contoso.com"
Build = Callable[[World], tuple[str, dict[str, Any]]]


def get(path: str | Callable[[World], str]) -> Build:
    return lambda w: (path(w) if callable(path) else path, {})


def send_json(path: Callable[[World], str], body: Callable[[], dict] | dict | None) -> Build:
    return lambda w: (path(w), {"json": body() if callable(body) else body})


def send_png(path: Callable[[World], str]) -> Build:
    return lambda w: (path(w), {"content": png(), "headers": {"Content-Type": "image/png"}})


def cal_path(suffix: str) -> Callable[[World], str]:
    def build(w: World) -> str:
        uid, cid = default_calendar(w)
        return f"/users/{uid}/calendars/{cid}{suffix}"
    return build


def add_member_request(w: World) -> tuple[str, dict[str, Any]]:
    ref = f"https://graph.microsoft.com/v1.0/directoryObjects/{fresh_user(w)}"
    return f"/groups/{group(w)}/members/$ref", {"json": {"@odata.id": ref}}


def new_event(w: World) -> tuple[str, str, str]:
    """A fresh user's default calendar with one event: (user id, calendar id, event id)."""
    uid = fresh_user(w)
    calendar = mailbox.default_calendar(w.tenant, uid)
    event, _ = mailbox.create_event(w.tenant, uid, calendar.id, dict(EVENT))
    return uid, calendar.id, event.id


def event_path(form: str) -> Callable[[World], str]:
    def build(w: World) -> str:
        uid, cid, eid = new_event(w)
        return form.format(uid=uid, cid=cid, eid=eid)
    return build


def fresh_group(w: World) -> str:
    n = next(_n)
    return w.tenant.add_group({"displayName": f"Walk group {n}", "mailNickname": f"wg{n}"}).id


def owner_to_remove(w: World) -> str:
    gid, uid = fresh_group(w), fresh_user(w)
    w.tenant.add_owner(gid, uid)
    return f"/groups/{gid}/owners/{uid}/$ref"


def managed_user(w: World) -> str:
    uid = fresh_user(w)
    w.tenant.set_manager(uid, w.tenant.user_by_id_or_upn(RAY).id)
    return uid


def new_group_body() -> dict[str, Any]:
    n = next(_n)
    return {"displayName": f"New group {n}", "mailEnabled": False, "mailNickname": f"ng{n}",
            "securityEnabled": True}


def ref_to(path: Callable[[World], str], target: Callable[[World], str]) -> Build:
    return lambda w: (path(w), {"json": {"@odata.id": f"{GRAPH}/directoryObjects/{target(w)}"}})


MEMBER_OF = "/v1.0/<any(users,groups):kind>/<key>"
WINDOW = "startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-02-01T00:00:00Z"
EVENT_FORMS = {"/v1.0/users/<key>/events/<event_id>": "/users/{uid}/events/{eid}",
               "/v1.0/users/<key>/calendar/events/<event_id>": "/users/{uid}/calendar/events/{eid}",
               "/v1.0/users/<key>/calendars/<calendar_id>/events/<event_id>":
                   "/users/{uid}/calendars/{cid}/events/{eid}"}
GRAPH = "https://graph.microsoft.com/v1.0"


# (URL rule as Flask has it, method) -> how to build a request that succeeds when allowed.
CASES: dict[tuple[str, str], Build] = {
    ("/v1.0/users", "GET"): get("/users"),
    ("/v1.0/users", "POST"): send_json(lambda w: "/users", new_user_body),
    ("/v1.0/users/$count", "GET"): get("/users/$count"),
    ("/v1.0/users/<key>", "GET"): get(f"/users/{RAY}"),
    ("/v1.0/users/<key>", "PATCH"): send_json(lambda w: f"/users/{fresh_user(w)}",
                                             {"jobTitle": "Walker"}),
    ("/v1.0/users/<key>", "DELETE"): get(lambda w: f"/users/{fresh_user(w)}"),
    ("/v1.0/users/delta", "GET"): get("/users/delta"),
    ("/v1.0/users/delta()", "GET"): get("/users/delta()"),
    ("/v1.0/groups", "GET"): get("/groups"),
    ("/v1.0/groups/<group_id>", "GET"): get(lambda w: f"/groups/{group(w)}"),
    ("/v1.0/groups/<group_id>/members", "GET"): get(lambda w: f"/groups/{group(w)}/members"),
    ("/v1.0/groups/<group_id>/members/<cast>", "GET"):
        get(lambda w: f"/groups/{group(w)}/members/microsoft.graph.user"),
    ("/v1.0/groups/<group_id>/transitiveMembers", "GET"):
        get(lambda w: f"/groups/{group(w)}/transitiveMembers"),
    ("/v1.0/groups/<group_id>/transitiveMembers/<cast>", "GET"):
        get(lambda w: f"/groups/{group(w)}/transitiveMembers/graph.user"),
    ("/v1.0/groups/<group_id>/members/$ref", "POST"): add_member_request,
    ("/v1.0/groups/<group_id>/members/<member_id>/$ref", "DELETE"): get(member_to_remove),
    ("/v1.0/groups/delta", "GET"): get("/groups/delta"),
    ("/v1.0/groups/delta()", "GET"): get("/groups/delta()"),
    ("/v1.0/directory/deletedItems/microsoft.graph.user", "GET"):
        get("/directory/deletedItems/microsoft.graph.user"),
    ("/v1.0/directory/deletedItems/graph.user", "GET"): get("/directory/deletedItems/graph.user"),
    ("/v1.0/directory/deletedItems/microsoft.graph.group", "GET"):
        get("/directory/deletedItems/microsoft.graph.group"),
    ("/v1.0/directory/deletedItems/graph.group", "GET"):
        get("/directory/deletedItems/graph.group"),
    ("/v1.0/directory/deletedItems/<item_id>", "GET"):
        get(lambda w: f"/directory/deletedItems/{deleted_user(w)}"),
    ("/v1.0/directory/deletedItems/<item_id>", "DELETE"):
        get(lambda w: f"/directory/deletedItems/{deleted_user(w)}"),
    ("/v1.0/directory/deletedItems/<item_id>/restore", "POST"):
        get(lambda w: f"/directory/deletedItems/{deleted_user(w)}/restore"),
    ("/v1.0/domains", "GET"): get("/domains"),
    ("/v1.0/domains/<domain_id>", "GET"): get("/domains/contoso.dk"),
    ("/v1.0/organization", "GET"): get("/organization"),
    ("/v1.0/organization/<org_id>", "GET"): get(lambda w: f"/organization/{w.tenant.id}"),
    ("/v1.0/users/<key>/photo", "GET"): get(lambda w: f"/users/{user_with_photo(w)}/photo"),
    ("/v1.0/users/<key>/photo", "DELETE"): get(lambda w: f"/users/{user_with_photo(w)}/photo"),
    ("/v1.0/users/<key>/photo/$value", "DELETE"):
        get(lambda w: f"/users/{user_with_photo(w)}/photo/$value"),
    ("/v1.0/users/<key>/photo/$value", "GET"):
        get(lambda w: f"/users/{user_with_photo(w)}/photo/$value"),
    ("/v1.0/users/<key>/photos", "GET"): get(lambda w: f"/users/{user_with_photo(w)}/photos"),
    ("/v1.0/users/<key>/photos/<size>", "GET"):
        get(lambda w: f"/users/{user_with_photo(w)}/photos/48x48"),
    ("/v1.0/users/<key>/photo/<size>/$value", "GET"):
        get(lambda w: f"/users/{user_with_photo(w)}/photo/48x48/$value"),
    ("/v1.0/users/<key>/photos/<size>/$value", "GET"):
        get(lambda w: f"/users/{user_with_photo(w)}/photos/48x48/$value"),
    ("/v1.0/users/<key>/photo/$value", "PUT"): send_png(lambda w: f"/users/{fresh_user(w)}/photo/$value"),
    ("/v1.0/users/<key>/photo/$value", "PATCH"):
        send_png(lambda w: f"/users/{fresh_user(w)}/photo/$value"),
    ("/v1.0/users/<key>/calendars", "GET"): get(f"/users/{RAY}/calendars"),
    ("/v1.0/users/<key>/calendars/<calendar_id>", "GET"): get(cal_path("")),
    ("/v1.0/users/<key>/calendar", "GET"): get(f"/users/{RAY}/calendar"),
    ("/v1.0/users/<key>/calendars/<calendar_id>/events", "GET"): get(cal_path("/events")),
    ("/v1.0/users/<key>/calendars/<calendar_id>/events", "POST"):
        send_json(cal_path("/events"), EVENT),
    ("/v1.0/users/<key>/calendar/events", "GET"): get(f"/users/{RAY}/calendar/events"),
    ("/v1.0/users/<key>/calendar/events", "POST"):
        send_json(lambda w: f"/users/{RAY}/calendar/events", EVENT),
    ("/v1.0/users/<key>/events", "GET"): get(f"/users/{RAY}/events"),
    ("/v1.0/users/<key>/events", "POST"): send_json(lambda w: f"/users/{RAY}/events", EVENT),
    # issue 14: relationships, group writes, events by id
    (MEMBER_OF + "/<any(memberOf,transitiveMemberOf):name>", "GET"): get(f"/users/{RAY}/memberOf"),
    (MEMBER_OF + "/<any(memberOf,transitiveMemberOf):name>/<cast>", "GET"):
        get(lambda w: f"/groups/{group(w)}/transitiveMemberOf/microsoft.graph.group"),
    (MEMBER_OF + "/<any(memberOf,transitiveMemberOf):name>/<cast>/$count", "GET"):
        get(f"/users/{RAY}/memberOf/microsoft.graph.group/$count"),
    ("/v1.0/groups/<group_id>/<any(members,transitiveMembers):name>/<cast>/$count", "GET"):
        get(lambda w: f"/groups/{group(w)}/members/microsoft.graph.user/$count"),
    ("/v1.0/<any(users,groups,directoryObjects):kind>/<key>/checkMemberGroups", "POST"):
        send_json(lambda w: f"/directoryObjects/{group(w)}/checkMemberGroups",
                  lambda: {"groupIds": []}),
    ("/v1.0/<any(users,groups,directoryObjects):kind>/<key>/getMemberGroups", "POST"):
        send_json(lambda w: f"/users/{RAY}/getMemberGroups", {"securityEnabledOnly": True}),
    ("/v1.0/directoryObjects/<object_id>", "GET"): get(lambda w: f"/directoryObjects/{group(w)}"),
    ("/v1.0/directoryObjects/getByIds", "POST"):
        lambda w: ("/directoryObjects/getByIds",
                   {"json": {"ids": [group(w)], "types": ["group"]}}),
    ("/v1.0/groups", "POST"): send_json(lambda w: "/groups", new_group_body),
    ("/v1.0/groups/$count", "GET"): get("/groups/$count"),
    ("/v1.0/groups/<group_id>", "DELETE"): get(lambda w: f"/groups/{fresh_group(w)}"),
    ("/v1.0/groups/<group_id>", "PATCH"):
        send_json(lambda w: f"/groups/{fresh_group(w)}", {"description": "Walked"}),
    ("/v1.0/groups/<group_id>/owners", "GET"): get(lambda w: f"/groups/{group(w)}/owners"),
    ("/v1.0/groups/<group_id>/owners/$ref", "POST"):
        ref_to(lambda w: f"/groups/{fresh_group(w)}/owners/$ref", fresh_user),
    ("/v1.0/groups/<group_id>/owners/<owner_id>/$ref", "DELETE"): get(owner_to_remove),
    **{(rule, "GET"): get(event_path(form)) for rule, form in EVENT_FORMS.items()},
    **{(rule, "PATCH"): send_json(event_path(form), {"subject": "Walked"})
       for rule, form in EVENT_FORMS.items()},
    **{(rule, "DELETE"): get(event_path(form)) for rule, form in EVENT_FORMS.items()},
    ("/v1.0/users/<key>/calendarView", "GET"): get(f"/users/{RAY}/calendarView?{WINDOW}"),
    ("/v1.0/users/<key>/calendar/calendarView", "GET"):
        get(f"/users/{RAY}/calendar/calendarView?{WINDOW}"),
    ("/v1.0/users/<key>/calendars/<calendar_id>/calendarView", "GET"):
        get(cal_path(f"/calendarView?{WINDOW}")),
    ("/v1.0/users/<key>/directReports", "GET"): get(f"/users/{RAY}/directReports"),
    ("/v1.0/users/<key>/directReports/<cast>", "GET"):
        get(f"/users/{RAY}/directReports/microsoft.graph.user"),
    ("/v1.0/users/<key>/manager", "GET"): get(lambda w: f"/users/{managed_user(w)}/manager"),
    ("/v1.0/users/<key>/manager/$ref", "GET"):
        get(lambda w: f"/users/{managed_user(w)}/manager/$ref"),
    ("/v1.0/users/<key>/manager/$ref", "PUT"):
        ref_to(lambda w: f"/users/{fresh_user(w)}/manager/$ref",
               lambda w: w.tenant.user_by_id_or_upn(RAY).id),
    ("/v1.0/users/<key>/manager/$ref", "DELETE"):
        get(lambda w: f"/users/{managed_user(w)}/manager/$ref"),
}


BATCH_RULE = ("/v1.0/$batch", "POST")
ANSWERED = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def graph_routes(app) -> dict[tuple[str, str], str]:
    """(rule, method) -> endpoint for every Graph route (everything but /_sim/)."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/_sim"):
            continue
        for method in sorted((rule.methods or set()) & ANSWERED):
            found[(rule.rule, method)] = rule.endpoint
    return found


@pytest.fixture(scope="module")
def world() -> World:
    return small_world(seed=53)


@pytest.fixture(scope="module")
def app(world):
    return create_app(world)


class Prepared:
    """One case's request, built (with whatever it needs created) before it is sent."""

    def __init__(self, world: World, case: tuple[str, str]) -> None:
        self.method = case[1]
        self.path, self.kwargs = CASES[case](world)
        self.client_request_id = str(uuid.uuid4())

    def send(self, app, world: World, token: str | None) -> httpx.Response:
        headers = {"client-request-id": self.client_request_id, "ConsistencyLevel": "eventual",
                   **self.kwargs.get("headers", {})}
        kwargs = {k: v for k, v in self.kwargs.items() if k != "headers"}
        with graph_client(world, app, token) as client:
            return client.request(self.method, self.path, headers=headers, **kwargs)


def call(app, world: World, case: tuple[str, str], token: str | None) -> tuple[httpx.Response, str]:
    """Build and send the case's request; the response and the client-request-id sent."""
    prepared = Prepared(world, case)
    return prepared.send(app, world, token), prepared.client_request_id


def state(world: World) -> tuple[int, int, int, int]:
    """What a refused request must not change: the change log, photos, events, calendars."""
    t = world.tenant
    return t.last_seq, len(t.photos), len(t.events), len(t.calendars)


def test_every_graph_route_has_a_case_and_a_permission(app):
    routes = graph_routes(app)
    assert set(routes) == set(CASES) | {BATCH_RULE}, (
        "routes without a case here:", sorted(set(routes) - set(CASES) - {BATCH_RULE}),
        "cases without a route:", sorted(set(CASES) - set(routes)))
    assert "/static/<path:filename>" not in {rule for rule, _ in routes}
    for (rule, method), endpoint in routes.items():
        if (rule, method) == BATCH_RULE:
            continue
        operation = getattr(app.view_functions[endpoint], "graph_operation", None)
        assert operation in PERMISSIONS, (rule, method, "has no permission entry")


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda c: f"{c[1]} {c[0]}")
def test_route_follows_the_permission_table(app, world, case):
    endpoint = graph_routes(app)[case]
    accepted = PERMISSIONS[app.view_functions[endpoint].graph_operation]

    response, crid = call(app, world, case, None)
    assert_graph_error(response, 401, "InvalidAuthenticationToken", crid)

    others = [p for p in ALL_KNOWN if p not in accepted]
    prepared = Prepared(world, case)
    before = state(world)
    response = prepared.send(app, world, issue(world, *others))
    error = assert_graph_error(response, 403, "Authorization_RequestDenied",
                               prepared.client_request_id)
    assert error["message"] == "Insufficient privileges to complete the operation."
    assert state(world) == before  # refused: nothing written

    for permission in accepted:
        response, _ = call(app, world, case, issue(world, permission))
        assert 200 <= response.status_code < 300, (permission, response.status_code, response.text)


def test_refused_requests_change_nothing(app, world):
    """Denied writes leave the change log, photos and events exactly as they were."""
    uid = user_with_photo(world)
    uid_cal, cid = default_calendar(world)
    before, photo = state(world), world.tenant.photos[uid]
    token = issue(world, "User.Read.All", "Calendars.Read", "ProfilePhoto.Read.All")
    with graph_client(world, app, token) as client:
        assert client.patch(f"/users/{uid}", json={"jobTitle": "x"}).status_code == 403
        assert client.delete(f"/users/{uid}").status_code == 403
        assert client.post("/users", json=new_user_body()).status_code == 403
        assert client.delete(f"/users/{uid}/photo").status_code == 403
        assert client.put(f"/users/{uid}/photo/$value", content=png(8, 8),
                          headers={"Content-Type": "image/png"}).status_code == 403
        assert client.post(f"/users/{uid_cal}/calendars/{cid}/events", json=EVENT).status_code == 403
    assert state(world) == before and world.tenant.photos[uid] is photo


def bad_tokens(world: World) -> dict[str, str]:
    reg = next(iter(world.tenant.apps.values()))
    roles = ALL_KNOWN
    return {
        "garbage": "not-a-jwt",
        "empty bearer": "",
        "expired": world.tokens.issue(world.tenant.id, reg.client_id, reg.object_id, roles,
                                      now=time.time() - 7200),
        "wrong audience": world.tokens.issue(world.tenant.id, reg.client_id, reg.object_id, roles,
                                             audience="https://management.azure.com"),
        "other tenant": world.tokens.issue("11111111-1111-4111-8111-111111111111", reg.client_id,
                                           reg.object_id, roles),
        "wrongly signed": TokenService().issue(world.tenant.id, reg.client_id, reg.object_id,
                                               roles),
    }


def test_bad_tokens_get_401_on_every_route(app, world):
    tokens = bad_tokens(world)
    for case in sorted(CASES):
        prepared = Prepared(world, case)
        before = state(world)
        for why, token in tokens.items():
            response = prepared.send(app, world, token)
            assert response.status_code == 401, (case, why, response.text)
            assert_graph_error(response, 401, "InvalidAuthenticationToken",
                               prepared.client_request_id)
        assert state(world) == before, case
    batch = {"requests": [{"id": "1", "method": "GET", "url": "/users"}]}
    for why, token in tokens.items():
        with graph_client(world, app, token) as client:
            response = client.post("/$batch", json=batch, headers={"client-request-id": why})
        assert_graph_error(response, 401, "InvalidAuthenticationToken", why)


def test_batch_needs_a_token_and_checks_each_inner_request(app, world):
    body = {"requests": [{"id": "users", "method": "GET", "url": "/users"},
                         {"id": "domains", "method": "GET", "url": "/domains"}]}
    crid = str(uuid.uuid4())
    with graph_client(world, app) as anonymous:
        refused = anonymous.post("/$batch", json=body, headers={"client-request-id": crid})
    assert_graph_error(refused, 401, "InvalidAuthenticationToken", crid)

    with graph_client(world, app, issue(world, "User.Read.All")) as client:
        answered = client.post("/$batch", json=body, headers={"client-request-id": crid})
    assert answered.status_code == 200, answered.text
    by_id = {r["id"]: r for r in answered.json()["responses"]}
    assert by_id["users"]["status"] == 200
    assert by_id["domains"]["status"] == 403
    inner = by_id["domains"]["body"]["error"]
    assert inner["code"] == "Authorization_RequestDenied"
    assert inner["innerError"]["client-request-id"] == crid  # the outer id reaches inner requests
    assert inner["innerError"]["date"] and inner["innerError"]["request-id"]
