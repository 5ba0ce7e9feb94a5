"""An inner request of a ``$batch`` is answered as the same request sent alone would be.

Status, headers and body of each inner answer are compared with a direct request
(request ids and dates differ by nature, and a direct answer's Content-Length is not
repeated in a batch). Also pinned: the journal entry of each inner request, faults
aimed at inner requests, tokens and permissions per inner request.
"""

from __future__ import annotations

import base64
import time

import pytest

from .extras_conftest_helpers import SIM, png, sim_fixture  # noqa: F401

ROLES = ("User.ReadWrite.All", "Calendars.ReadWrite", "ProfilePhoto.ReadWrite.All")
_IDS = ("request-id", "client-request-id")


def _comparable(status: int, headers: dict[str, str], body) -> tuple:
    """An answer without what differs between two sendings: request ids, dates, length."""
    kept = {k.lower(): v for k, v in headers.items()
            if k.lower() not in (*_IDS, "content-length", "date")}
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        body = {**body, "error": {k: v for k, v in body["error"].items() if k != "innerError"}}
    return status, kept, body


def _direct(client, method: str, url: str, headers: dict[str, str] | None = None,
            body=None) -> tuple:
    response = client.request(method, url, headers=headers or {},
                              content=None if body is None else
                              (body if isinstance(body, bytes) else None),
                              json=None if body is None or isinstance(body, bytes) else body)
    ctype = response.headers.get("content-type", "")
    if not response.content:
        content = None
    elif "json" in ctype:
        content = response.json()
    else:
        content = response.content
    return _comparable(response.status_code, dict(response.headers), content)


def _inner(answer: dict) -> tuple:
    body = answer.get("body")
    ctype = answer["headers"].get("Content-Type", "")
    if body is not None and "json" not in ctype:
        body = base64.b64decode(body)
    return _comparable(answer["status"], answer["headers"], body)


def _cases(sim) -> list[tuple[str, str, dict[str, str], object]]:
    ray, megan = sim.ray.id, sim.megan.id
    return [
        ("GET", f"/users/{ray}", {}, None),
        ("GET", "/users?$top=2&$select=displayName,id", {}, None),  # with a nextLink
        ("GET", "/users/nobody@contoso.com", {}, None),  # 404 with Graph's error body
        ("GET", "/users?$select=noSuchProperty", {}, None),  # 400 from the OData layer
        ("GET", "/users?$count=true", {"ConsistencyLevel": "eventual"}, None),
        ("GET", f"/users/{ray}/CALENDARS", {}, None),  # segments are not case-sensitive
        ("GET", f"/users/{megan}/calendar/events", {"Prefer": 'outlook.timezone="UTC"'}, None),
        ("GET", f"/users/{ray}/photo", {}, None),
        ("GET", f"/users/{ray}/photo/$value", {}, None),  # image bytes, base64 in a batch
        ("GET", f"/users/{megan}/photo/$value", {}, None),  # no photo: 404
        ("GET", "/noSuchThing", {}, None),  # no route: Graph's 400
        ("DELETE", "/organization", {}, None),  # a route without that method: 405
        ("GET", "/users?$filter=" + "(" * 150 + "true" + ")" * 150, {}, None),  # the guard
        ("PATCH", f"/users/{ray}", {"Content-Type": "application/json"},
         {"accountEnabled": "not a boolean"}),  # refused: nothing changes
    ]


def test_each_inner_answer_is_the_answer_of_the_same_request_alone(sim):
    client = sim.client(*ROLES, client_request_id="same-run")
    assert client.put(f"/users/{sim.ray.id}/photo/$value", content=png(48, 48),
                      headers={"Content-Type": "image/png"}).status_code == 200
    cases = _cases(sim)
    alone = [_direct(client, method, url, headers, body) for method, url, headers, body in cases]
    requests = [{"id": str(i), "method": method, "url": url,
                 **({"headers": headers} if headers else {}),
                 **({"body": body} if body is not None else {})}
                for i, (method, url, headers, body) in enumerate(cases)]
    response = client.post("/$batch", json={"requests": requests})
    assert response.status_code == 200
    answers = {r["id"]: r for r in response.json()["responses"]}
    for i, expected in enumerate(alone):
        assert _inner(answers[str(i)]) == expected, cases[i][:2]
    statuses = [answers[str(i)]["status"] for i in range(len(cases))]
    assert statuses == [200, 200, 404, 400, 200, 200, 200, 200, 200, 404, 400, 405, 400, 400]


def test_inner_error_bodies_carry_their_own_request_id_and_the_outer_client_request_id(sim):
    client = sim.client(*ROLES, client_request_id="outer-7")
    requests = [{"id": "a", "method": "GET", "url": "/users/nobody@contoso.com"},
                {"id": "b", "method": "GET", "url": "/users/nobody@contoso.com",
                 "headers": {"client-request-id": "inner-b"}}]
    answers = {r["id"]: r for r in client.post("/$batch", json={"requests": requests})
               .json()["responses"]}
    for key, client_id in (("a", "outer-7"), ("b", "inner-b")):
        inner = answers[key]["body"]["error"]["innerError"]
        assert inner["request-id"] == answers[key]["headers"]["request-id"]
        assert inner["client-request-id"] == client_id
        assert answers[key]["headers"]["client-request-id"] == client_id
        assert inner["date"] == sim.world.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
    assert answers["a"]["headers"]["request-id"] != answers["b"]["headers"]["request-id"]


def test_each_inner_request_has_its_journal_entry(sim):
    client = sim.client(*ROLES, client_request_id="journal-1")
    since = sim.world.journal.last_seq
    requests = [{"id": "1", "method": "GET", "url": f"/users/{sim.ray.id}?$select=id"},
                {"id": "2", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users/nobody"},
                {"id": "3", "method": "GET", "url": f"/users/{sim.ray.id}/calendars",
                 "headers": {"client-request-id": "own"}}]
    response = client.post("/$batch", json={"requests": requests})
    answers = {r["id"]: r for r in response.json()["responses"]}
    journal = sim.client().get(f"{SIM}/journal", params={"since": since}).json()["entries"]
    outer = journal[-1]
    assert (outer["method"], outer["url"], outer["status"], outer["batch"]) == (
        "POST", "/v1.0/$batch", 200, None)
    assert outer["requestId"] == response.headers["request-id"]
    inner = journal[:-1]
    assert [(e["method"], e["url"], e["status"]) for e in inner] == [
        ("GET", f"/v1.0/users/{sim.ray.id}?$select=id", 200),
        ("GET", "/v1.0/users/nobody", 404),
        ("GET", f"/v1.0/users/{sim.ray.id}/calendars", 200)]
    assert [e["requestId"] for e in inner] == [answers[k]["headers"]["request-id"]
                                               for k in ("1", "2", "3")]
    assert [e["clientRequestId"] for e in inner] == ["journal-1", "journal-1", "own"]
    assert {e["batch"] for e in inner} == {outer["requestId"]}
    assert {e["client"] for e in inner} == {sim.registration.client_id}
    assert [e["seq"] for e in journal] == sorted(e["seq"] for e in journal)
    assert all(e["fault"] is None and e["latencyMs"] == 0 for e in journal)


def test_faults_aimed_at_inner_requests_answer_inside_the_batch(sim):
    client = sim.client(*ROLES)
    plan = {"rules": [
        {"pathPrefix": f"/users/{sim.megan.id}/photo", "fault": "unavailable", "nth": [2],
         "retryAfter": 9},
        {"pathPrefix": f"/users/{sim.lars.id}", "fault": "drop"},  # never inside a batch
        {"pathPrefix": f"/users/{sim.ray.id}", "throttleRate": 1, "retryAfter": 3}]}
    assert client.put(f"{SIM}/faults", json=plan).status_code == 200
    requests = [{"id": str(i), "method": "GET", "url": url} for i, url in enumerate([
        f"/users/{sim.megan.id}/photo", f"/users/{sim.megan.id}/photo",
        f"/users/{sim.megan.id}/photo", f"/users/{sim.lars.id}", f"/users/{sim.ray.id}"])]
    response = client.post("/$batch", json={"requests": requests})
    assert response.status_code == 200
    answers = [r for r in response.json()["responses"]]
    assert [a["status"] for a in answers] == [200, 503, 200, 200, 429]
    assert answers[1]["headers"]["Retry-After"] == "9"
    assert answers[1]["body"]["error"]["code"] == "serviceNotAvailable"
    assert answers[4]["headers"]["Retry-After"] == "3"
    assert answers[4]["body"]["error"]["innerError"]["request-id"] == \
        answers[4]["headers"]["request-id"]
    inner = [e for e in sim.world.journal.entries() if e.batch]
    assert [(e.status, e.fault, e.retryAfter) for e in inner] == [
        (200, None, None), (503, "unavailable", 9), (200, None, None), (200, None, None),
        (429, "throttle", 3)]


def test_an_expired_outer_token_stops_the_batch_before_any_inner_request(sim):
    reg = sim.registration
    expired = sim.world.tokens.issue(sim.tenant.id, reg.client_id, reg.object_id, list(ROLES),
                                     now=time.time() - 7200)
    client = sim.client()
    requests = [{"id": "1", "method": "GET", "url": f"/users/{sim.ray.id}",
                 "headers": {"Authorization": f"Bearer {sim.token(*ROLES)}"}}]
    response = client.post("/$batch", json={"requests": requests},
                           headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
    assert "expired" in response.json()["error"]["message"]
    assert [e.batch for e in sim.world.journal.entries()] == [None]


@pytest.mark.parametrize("inner_roles", [("Calendars.ReadWrite",), ()])
def test_an_inner_authorization_header_never_replaces_the_outer_token(sim, inner_roles):
    client = sim.client("User.Read.All")
    own = {"Authorization": f"Bearer {sim.token(*inner_roles)}"} if inner_roles else \
        {"Authorization": "Bearer garbage"}
    requests = [{"id": "1", "method": "GET", "url": f"/users/{sim.ray.id}/calendars",
                 "headers": own},
                {"id": "2", "method": "GET", "url": f"/users/{sim.ray.id}", "headers": own}]
    answers = {r["id"]: r for r in client.post("/$batch", json={"requests": requests})
               .json()["responses"]}
    assert answers["1"]["status"] == 403  # the outer token lacks a calendar permission
    assert answers["1"]["body"]["error"]["code"] == "Authorization_RequestDenied"
    assert answers["2"]["status"] == 200  # and the outer token is what authenticates it


def test_inner_requests_of_one_batch_do_not_share_request_state(sim):
    """Each inner request has its own request id, claims and query, as a request alone."""
    client = sim.client("User.Read.All", "Calendars.Read")
    requests = [{"id": str(i), "method": "GET", "url": url} for i, url in enumerate([
        "/users/nobody", f"/users/{sim.ray.id}?$select=displayName", "/users/nobody",
        f"/users/{sim.ray.id}/calendars", "/users?$top=1", f"/users/{sim.ray.id}"])]
    answers = client.post("/$batch", json={"requests": requests}).json()["responses"]
    ids = [a["headers"]["request-id"] for a in answers]
    assert len(set(ids)) == len(ids)
    assert answers[0]["body"]["error"]["innerError"]["request-id"] == ids[0]
    assert answers[2]["body"]["error"]["innerError"]["request-id"] == ids[2]
    assert list(answers[1]["body"]) == ["@odata.context", "displayName", "id"]
    assert "@odata.nextLink" in answers[4]["body"] and len(answers[4]["body"]["value"]) == 1
    assert "jobTitle" in answers[5]["body"]  # the default property set, not the $select above


def test_an_inner_request_that_fails_inside_the_mock_leaves_the_others_untouched(sim):
    """A 500 in one inner request (its context torn down) does not leak into the next."""
    client = sim.client(*ROLES)
    photo_view = sim.app.view_functions["graph_photos.get_photo_metadata"]

    def broken(key):
        if key == sim.megan.id:
            raise RuntimeError("boom")
        return photo_view(key)

    sim.app.view_functions["graph_photos.get_photo_metadata"] = broken
    requests = [{"id": str(i), "method": "GET", "url": f"/users/{user.id}/photo"}
                for i, user in enumerate([sim.ray, sim.megan, sim.lars])]
    requests.append({"id": "3", "method": "GET", "url": "/users/nobody"})
    answers = client.post("/$batch", json={"requests": requests}).json()["responses"]
    assert [a["status"] for a in answers] == [200, 500, 200, 404]
    assert answers[1]["body"]["error"]["code"] == "generalException"
    assert "boom" not in str(answers[1])  # no stack trace or message from inside
    assert answers[2]["body"]["@odata.id"].endswith(f"/users('{sim.lars.id}')/photo")
    ids = [a["headers"]["request-id"] for a in answers]
    assert len(set(ids)) == 4 and answers[3]["body"]["error"]["innerError"]["request-id"] == ids[3]
    sim.app.view_functions["graph_photos.get_photo_metadata"] = photo_view
    assert client.get(f"/users/{sim.megan.id}/photo").status_code == 200  # contexts all popped


def test_an_inner_request_context_can_be_copied_for_a_thread(sim):
    """Flask's copy_current_request_context works inside an inner request as alone."""
    import threading

    from flask import copy_current_request_context, jsonify, request

    def view():
        seen = {}

        @copy_current_request_context
        def in_thread():
            seen["path"] = request.path

        worker = threading.Thread(target=in_thread)
        worker.start()
        worker.join()
        return jsonify(seen)

    sim.app.add_url_rule("/v1.0/copied", "copied", view)
    client = sim.client(*ROLES)
    answer = client.post("/$batch", json={"requests": [
        {"id": "1", "method": "GET", "url": "/copied"}]}).json()["responses"][0]
    assert (answer["status"], answer["body"]) == (200, {"path": "/v1.0/copied"})


@pytest.mark.parametrize(("path", "query", "headers"), [
    ("/v1.0/users/ray/photo", "", {}),
    ("/v1.0/users/æøå", "$filter=x eq 'ø'", {}),  # not ASCII: the builder's latin-1 string
    ("/v1.0/users", "$top=1", {"Connection": "Upgrade", "Upgrade": "websocket"}),
    ("/v1.0/users", "", {"Host": "other.example:8443"}),
])
def test_an_inner_requests_url_binding_is_the_one_flask_makes(sim, path, query, headers):
    """The batch binds the URL map once per host; each inner request's adapter must be
    what binding its own environ gives."""
    from flask import Request
    from werkzeug.test import EnvironBuilder

    from mocks.graph.inner import BatchShared

    def environ(p: str, q: str, h: dict) -> dict:
        builder = EnvironBuilder(path=p, query_string=q, headers=h, method="GET",
                                 base_url="https://graph.example/")
        try:
            return builder.get_environ()
        finally:
            builder.close()

    app = sim.app
    shared = BatchShared(app)
    first = Request(environ("/v1.0/users/seed", "", headers))  # binds for this host
    shared.url_adapter(first, app.create_url_adapter)
    request = Request(environ(path, query, headers))
    got = shared.url_adapter(request, app.create_url_adapter)
    want = app.url_map.bind_to_environ(request.environ, server_name=None, subdomain="")
    fields = ("server_name", "script_name", "subdomain", "url_scheme", "path_info",
              "default_method", "query_args", "websocket")
    assert {f: getattr(got, f) for f in fields} == {f: getattr(want, f) for f in fields}


def test_inner_requests_of_one_path_shape_each_get_their_own_answer(sim):
    """Paths that differ only in their ids (as the refresh sends them) are each answered as
    alone: other ids, the same id twice, another method, a calendar the user cannot see."""
    from mocks.entra import mailbox

    client = sim.client(*ROLES)
    assert client.put(f"/users/{sim.ray.id}/photo/$value", content=png(64, 64),
                      headers={"Content-Type": "image/png"}).status_code == 200
    ray, megan, lars = sim.ray.id, sim.megan.id, sim.lars.id
    cal = {u: mailbox.default_calendar(sim.tenant, u).id for u in (ray, megan, lars)}
    event = {"subject": "Review", "start": {"dateTime": "2026-01-06T09:00:00", "timeZone": "UTC"},
             "end": {"dateTime": "2026-01-06T10:00:00", "timeZone": "UTC"}}
    assert client.post(f"/users/{megan}/events", json=event).status_code == 201
    events = "$select=id,subject,start,end,transactionId&$top=100"
    cases = [
        *[("GET", f"/users/{u}/photo", {}, None) for u in (ray, megan, lars, ray)],
        *[("GET", f"/users/{u}/calendars?$select=id,name,isDefaultCalendar,canEdit", {}, None)
          for u in (lars, ray, megan)],
        ("GET", f"/users/{ray}/calendars/{ray}/events?{events}", {}, None),  # one id twice
        *[("GET", f"/users/{u}/calendars/{cal[u]}/events?{events}", {}, None)
          for u in (ray, megan, lars)],
        ("GET", f"/users/{ray}/calendars/{cal[megan]}/events?{events}", {}, None),  # not his
        ("DELETE", f"/users/{lars}/calendars", {}, None),  # same shape, no such method
        ("GET", f"/users/{lars}/photo/$value", {}, None),  # no photo: 404
        ("GET", f"/users/{ray}/photo/$value", {}, None),
    ]
    alone = [_direct(client, method, url, headers, body) for method, url, headers, body in cases]
    requests = [{"id": str(i), "method": method, "url": url}
                for i, (method, url, _headers, _body) in enumerate(cases)]
    answers = {r["id"]: r for r in client.post("/$batch", json={"requests": requests})
               .json()["responses"]}
    for i, expected in enumerate(alone):
        assert _inner(answers[str(i)]) == expected, cases[i][:2]
    bodies = [answers[str(i)].get("body") for i in range(len(cases))]
    assert [b["@odata.id"].split("'")[1] for b in bodies[:4]] == [ray, megan, lars, ray]
    assert [len(b["value"]) for b in bodies[8:11]] == [0, 1, 0]
    assert [answers[str(i)]["status"] for i in (7, 11, 12, 13, 14)] == [404, 404, 405, 404, 200]
