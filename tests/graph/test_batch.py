"""JSON batching: limits, ids, dependsOn, per-request auth, binary bodies, inner throttling."""

from __future__ import annotations

import base64

from .extras_conftest_helpers import SIM, error_of, png, sim_fixture  # noqa: F401

ROLES = ("User.ReadWrite.All", "Calendars.ReadWrite")


def get(i: int | str, url: str, **more) -> dict:
    return {"id": str(i), "method": "GET", "url": url, **more}


def responses(body: dict) -> dict[str, dict]:
    return {r["id"]: r for r in body["responses"]}


def test_twenty_requests_run_and_answer_by_id(sim):
    client = sim.client(*ROLES)
    users = [sim.ray, sim.megan, sim.lars]
    batch = [get(i, f"/users/{users[i % 3].id}") for i in range(20)]
    response = client.post("/$batch", json={"requests": batch})
    assert response.status_code == 200
    answers = responses(response.json())
    assert len(answers) == 20
    for i in range(20):
        assert answers[str(i)]["status"] == 200
        assert answers[str(i)]["body"]["id"] == users[i % 3].id
        assert answers[str(i)]["headers"]["Content-Type"].startswith("application/json")


def test_twenty_one_requests_are_refused(sim):
    batch = [get(i, "/users") for i in range(21)]
    status, code, message = error_of(sim.client(*ROLES).post("/$batch", json={"requests": batch}))
    assert (status, code) == (400, "BadRequest")
    assert "21" in message and "20" in message
    assert len(sim.world.journal.entries()) == 1  # the batch itself; nothing inside ran


def test_duplicate_ids_are_refused_case_insensitively(sim):
    batch = [get("a", "/users"), get("A", f"/users/{sim.ray.id}")]
    status, code, message = error_of(sim.client(*ROLES).post("/$batch", json={"requests": batch}))
    assert (status, code) == (400, "BadRequest") and "'A'" in message


def test_malformed_batches_are_refused_with_the_reason(sim):
    client = sim.client(*ROLES)
    cases = [
        ({}, "'requests'"),
        ({"requests": []}, "'requests'"),
        ({"requests": [{"id": "1", "url": "/users"}]}, "'method'"),
        ({"requests": [get(1, "/users", dependsOn=["9"])]}, "'9'"),
        ({"requests": [get(1, "/users", dependsOn=["2"]), get(2, "/users", dependsOn=["1"])]},
         "cycle"),
        ({"requests": [get(1, "/users", dependsOn="2")]}, "dependsOn"),
    ]
    for body, needle in cases:
        status, _, message = error_of(client.post("/$batch", json=body))
        assert status == 400 and needle in message, (body, message)


def test_depends_on_orders_requests_and_a_failed_dependency_gives_424(sim):
    client = sim.client(*ROLES)
    batch = [
        get("check", "/users/ghost@contoso.com"),  # fails: 404
        {"id": "rename", "method": "PATCH", "url": f"/users/{sim.ray.id}", "dependsOn": ["check"],
         "headers": {"Content-Type": "application/json"}, "body": {"jobTitle": "Should not happen"}},
        get("after", f"/users/{sim.ray.id}", dependsOn=["rename"]),
        {"id": "ok", "method": "PATCH", "url": f"/users/{sim.megan.id}",
         "headers": {"Content-Type": "application/json"}, "body": {"jobTitle": "Lead"}},
        get("read", f"/users/{sim.megan.id}?$select=jobTitle", dependsOn=["ok"]),
    ]
    answers = responses(client.post("/$batch", json={"requests": batch}).json())
    assert answers["check"]["status"] == 404
    assert answers["rename"]["status"] == 424
    assert "'check'" in answers["rename"]["body"]["error"]["message"]
    assert answers["after"]["status"] == 424  # its dependency did not succeed either
    assert answers["ok"]["status"] == 204
    assert answers["read"]["status"] == 200 and answers["read"]["body"]["jobTitle"] == "Lead"
    assert sim.tenant.users[sim.ray.id].props["jobTitle"] == "CFO"
    assert [r["id"] for r in client.post("/$batch", json={"requests": batch}).json()["responses"]] \
        == ["check", "rename", "after", "ok", "read"]


def test_each_inner_request_is_authorised_on_its_own(sim):
    client = sim.client("User.Read.All")
    batch = [get(1, f"/users/{sim.ray.id}"), get(2, f"/users/{sim.ray.id}/calendars")]
    answers = responses(client.post("/$batch", json={"requests": batch}).json())
    assert answers["1"]["status"] == 200
    assert answers["2"]["status"] == 403
    assert answers["2"]["body"]["error"]["code"] == "Authorization_RequestDenied"
    status, code, _ = error_of(sim.client().post("/$batch", json={"requests": batch}))
    assert (status, code) == (401, "InvalidAuthenticationToken")


def test_binary_bodies_are_base64_both_ways(sim):
    client = sim.client(*ROLES)
    image = png(32, 16)
    put = {"id": "put", "method": "PUT", "url": f"/users/{sim.ray.id}/photo/$value",
           "headers": {"Content-Type": "image/png"}, "body": base64.b64encode(image).decode()}
    read = get("read", f"/users/{sim.ray.id}/photo/$value", dependsOn=["put"])
    answers = responses(client.post("/$batch", json={"requests": [put, read]}).json())
    assert answers["put"]["status"] == 200
    assert answers["read"]["headers"]["Content-Type"] == "image/png"
    assert base64.b64decode(answers["read"]["body"]) == image
    bad = dict(put, id="bad", body="***not base64***")
    answer = responses(client.post("/$batch", json={"requests": [bad]}).json())["bad"]
    assert answer["status"] == 400 and "base64" in answer["body"]["error"]["message"]


def test_body_without_content_type_and_nested_batch_are_refused_per_request(sim):
    client = sim.client(*ROLES)
    batch = [{"id": "1", "method": "PATCH", "url": f"/users/{sim.ray.id}", "body": {"jobTitle": "x"}},
             {"id": "2", "method": "POST", "url": "/$batch", "headers": {"Content-Type": "application/json"},
              "body": {"requests": []}},
             {"id": "3", "method": "TRACE", "url": "/users"},
             get(4, "users?$select=displayName")]
    answers = responses(client.post("/$batch", json={"requests": batch}).json())
    assert answers["1"]["status"] == 400 and "Content-Type" in answers["1"]["body"]["error"]["message"]
    assert answers["2"]["status"] == 400 and "$batch" in answers["2"]["body"]["error"]["message"]
    assert answers["3"]["status"] == 400
    assert answers["4"]["status"] == 200 and len(answers["4"]["body"]["value"]) == 3
    assert sim.tenant.users[sim.ray.id].props["jobTitle"] == "CFO"


def test_inner_throttling_shows_in_the_inner_response_while_the_batch_is_200(sim):
    client = sim.client(*ROLES, client_request_id="batch-42")
    plan = {"seed": 1, "rules": [{"pathPrefix": "/users", "methods": ["GET"], "throttleRate": 1,
                                  "retryAfter": 7}]}
    assert client.put(f"{SIM}/faults", json=plan).status_code == 200
    batch = [get(1, f"/users/{sim.ray.id}"), {"id": "2", "method": "PATCH",
             "url": f"/users/{sim.ray.id}", "headers": {"Content-Type": "application/json"},
             "body": {"jobTitle": "Chair"}}]
    response = client.post("/$batch", json={"requests": batch})
    assert response.status_code == 200
    answers = responses(response.json())
    assert answers["1"]["status"] == 429
    assert answers["1"]["headers"]["Retry-After"] == "7"
    assert answers["1"]["body"]["error"]["code"] == "TooManyRequests"
    assert answers["2"]["status"] == 204
    inner = [e for e in sim.world.journal.entries() if e.batch]
    assert [(e.method, e.status, e.fault) for e in inner] == [("GET", 429, "throttle"),
                                                               ("PATCH", 204, None)]
    outer = sim.world.journal.entries()[-1]
    assert outer.url == "/v1.0/$batch" and outer.status == 200
    assert all(e.batch == outer.requestId and e.clientRequestId == "batch-42" for e in inner)


def test_an_inner_header_with_a_line_break_gets_its_own_400_not_a_500(sim):
    client = sim.client(*ROLES)
    batch = [get(1, "/users", headers={"Prefer": "a\r\nX-Injected: yes"}),
             get(2, f"/users/{sim.ray.id}")]
    response = client.post("/$batch", json={"requests": batch})
    assert response.status_code == 200
    answers = responses(response.json())
    assert answers["1"]["status"] == 400
    assert answers["1"]["body"]["error"]["code"] == "BadRequest"
    assert "line breaks" in answers["1"]["body"]["error"]["message"]
    assert answers["2"]["status"] == 200 and answers["2"]["body"]["id"] == sim.ray.id
