"""API keys and permissions, the error format, key redaction, and /_sim/ on the Emply app."""

from __future__ import annotations

import json
import logging
import threading

import httpx
import pytest
from werkzeug.serving import make_server

from mocks.emply import loader
from mocks.emply.app import create_app


def test_no_key_and_wrong_key_get_401(api, err):
    err(api.with_key(None).get("/employees"), 401, "missing_api_key", "apiKey")
    err(api.with_key("not-a-key").get("/employees"), 401, "invalid_api_key")


def test_key_in_header_is_accepted_too(client, keys):
    response = client.get("/v1/contoso/roles", headers={"X-Api-Key": keys["read"]})
    assert response.status_code == 200 and len(response.json()) == 4


@pytest.mark.parametrize(("key", "method", "path", "body", "permission"), [
    ("read", "POST", "/roles", {"name": "X"}, "write"),
    ("read", "PATCH", "/integrations/entra-id", {"calendarSync": True}, "settings"),
    ("write", "PATCH", "/integrations/entra-id", {"calendarSync": True}, "settings"),
    ("write", "DELETE", "/integrations/entra-id", None, "settings"),
    ("settings", "POST", "/users", {"email": "a@b.com", "firstName": "A", "lastName": "B"}, "write"),
])
def test_keys_without_the_permission_get_403_and_nothing_changes(api, keys, key, method, path,
                                                                 body, permission, world, err):
    before = loader.dump(world.emply)
    response = api.with_key(keys[key]).request(method, path, json=body)
    err(response, 403, "insufficient_permission", permission)
    assert loader.dump(world.emply) == before


def test_each_permission_allows_its_own_requests(api, keys):
    assert api.with_key(keys["read"]).get("/integrations/entra-id").status_code == 200
    assert api.with_key(keys["write"]).post("/roles", json={"name": "X"}).status_code == 201
    assert api.with_key(keys["settings"]).patch("/integrations/entra-id",
                                                json={"calendarSync": True}).status_code == 200


def test_unknown_customer_is_404(api, err):
    other = type(api)(api.client, api.key, customer="fabrikam")
    err(other.get("/employees"), 404, "unknown_customer", "fabrikam")


def test_malformed_json_wrong_content_type_and_non_object_bodies(api, err):
    err(api.post("/roles", content=b'{"name": "X",', headers={"Content-Type": "application/json"}),
        400, "malformed_json", "line 1")
    err(api.post("/roles", content=b"name=X", headers={"Content-Type": "application/x-www-form-urlencoded"}),
        415, "unsupported_media_type", "application/json")
    err(api.post("/roles", json=["X"]), 400, "invalid_body", "object")
    err(api.post("/roles"), 400, "missing_body")
    err(api.post("/roles", content=b"\xff\xfe", headers={"Content-Type": "application/json"}), 400,
        "malformed_json")


def test_unknown_routes_and_methods_get_json_errors(api, client, err):
    err(api.get("/nothing-here"), 404, "not_found", "/v1/contoso/nothing-here")
    err(api.request("PUT", "/roles"), 405, "method_not_allowed", "PUT")
    err(client.get("/"), 404, "not_found")


def test_no_500_for_hostile_input(api, ids):
    bodies = [{"firstName": {"x": 1}, "lastName": "B"}, {"firstName": "A" * 5000, "lastName": "B"},
              {"firstName": None, "lastName": None}, {"number": True, "firstName": "A", "lastName": "B"},
              {"phones": "123", "firstName": "A", "lastName": "B"}]
    for body in bodies:
        response = api.post("/employees", json=body)
        assert response.status_code == 400, (body, response.text)
        assert "Traceback" not in response.text
    for path, params in (("/users/%00", {}), ("/employees/..%2f..", {}),
                         ("/calendar/events", {"userId": "\xff\x00"}),
                         ("/users", {"status": "gone"})):
        response = api.get(path, params=params)
        assert response.status_code in (400, 404) and response.json()["error"]["code"], path


def test_the_key_never_appears_in_error_bodies(api, keys):
    for response in (api.with_key(keys["read"]).post("/roles", json={"name": "X"}),
                     api.get("/users/nope"), api.get("/no/such/route"),
                     api.post("/roles", content=b"{", headers={"Content-Type": "application/json"}),
                     api.with_key(keys["all"] + "x").get("/roles")):
        assert keys["all"] not in response.text and keys["read"] not in response.text


def test_the_key_never_appears_in_a_state_dump(world, client, keys):
    dumped = json.dumps(loader.dump(world.emply))
    state = client.get("/_sim/state")
    assert state.status_code == 200
    for key in keys.values():
        assert key not in dumped and key not in state.text
    assert "keySha256" in dumped


def test_request_log_redacts_the_api_key(api, keys, caplog):
    with caplog.at_level(logging.INFO, logger="mocks.emply.requests"):
        api.get("/roles")
        api.with_key(keys["all"] + "-wrong").get("/roles")
    lines = [r.getMessage() for r in caplog.records if r.name == "mocks.emply.requests"]
    assert any("/v1/contoso/roles?apiKey=[REDACTED]" in line and "200" in line for line in lines)
    assert any("401" in line for line in lines)
    assert all(keys["all"] not in line for line in lines)


def test_served_access_log_redacts_the_api_key(world, keys, caplog):
    """The werkzeug server logs every request line; the key must not be in it."""
    server = make_server("127.0.0.1", 0, create_app(world), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            response = httpx.get(f"http://127.0.0.1:{server.server_port}/v1/contoso/roles",
                                 params={"apiKey": keys["all"], "x": "1"})
    finally:
        server.shutdown()
        thread.join()
    assert response.status_code == 200
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /v1/contoso/roles?apiKey=[REDACTED]&x=1" in line for line in access), access
    assert all(keys["all"] not in line for line in access)


def test_sim_api_loads_a_world_and_moves_the_shared_clock(client, world):
    doc = {"emply": {"apiKeys": [{"name": "demo", "key": "demo-key-123", "permissions": ["read", "write"]}],
                     "employees": [{"number": "7", "firstName": "Leaving", "lastName": "Soon",
                                    "email": "leaving@contoso.com", "resignationDate": "2026-01-10"}]}}
    assert client.post("/_sim/load", json=doc).status_code == 200
    employees = client.get("/v1/contoso/employees", params={"apiKey": "demo-key-123"}).json()
    assert [e["status"] for e in employees] == ["Pending"]
    moved = client.post("/_sim/clock", json={"advance": "P5D"})
    assert moved.status_code == 200 and world.clock.now().date().isoformat() == "2026-01-10"
    employees = client.get("/v1/contoso/employees", params={"apiKey": "demo-key-123"}).json()
    assert [e["status"] for e in employees] == ["Archived"]
    assert client.post("/_sim/reset", json={}).status_code == 200
    assert client.get("/v1/contoso/employees", params={"apiKey": "demo-key-123"}).status_code == 401
