"""The /_sim/ control API, the same on every app: clock, reset, the token when served remotely."""

from __future__ import annotations

import jwt
import pytest
import yaml

LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com"
EMPLY = "https://emply.local"


@pytest.fixture(params=[LOGIN, GRAPH, EMPLY], ids=["identity", "graph", "emply"])
def sim(request, client):
    """POST/GET helpers for /_sim/ on one app."""
    base = request.param

    class Sim:
        def get(self, path, **kw):
            return client.get(f"{base}/_sim/{path}", **kw)

        def post(self, path, **kw):
            return client.post(f"{base}/_sim/{path}", **kw)

    return Sim()


def test_clock_reads_the_worlds_time(sim, world):
    assert sim.get("clock").json() == {"now": "2026-01-05T08:00:00Z"}


@pytest.mark.parametrize(("body", "now"), [
    ({"advance": "PT30M"}, "2026-01-05T08:30:00Z"),
    ({"advance": "P1DT2H"}, "2026-01-06T10:00:00Z"),
    ({"advance": "P2W"}, "2026-01-19T08:00:00Z"),
    ({"advance": "PT1.5S"}, "2026-01-05T08:00:01Z"),
    ({"advanceSeconds": 1800}, "2026-01-05T08:30:00Z"),
    ({"set": "2026-02-01T12:00:00Z"}, "2026-02-01T12:00:00Z"),
    ({"set": "2026-02-01T14:00:00+02:00"}, "2026-02-01T12:00:00Z"),
])
def test_clock_moves_forward(sim, world, body, now):
    response = sim.post("clock", json=body)
    assert response.status_code == 200
    assert response.json() == {"now": now, "previous": "2026-01-05T08:00:00Z"}
    assert sim.get("clock").json()["now"] == now
    assert world.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ") == now


def test_clock_moves_are_heard_by_the_worlds_listeners(sim, world):
    heard = []
    world.clock.subscribe(lambda old, new: heard.append((new - old).total_seconds()))
    sim.post("clock", json={"advance": "PT30M"})
    assert heard == [1800.0]


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"set": "2025-12-31T00:00:00Z"}, 409, "never moves backwards"),
    ({"advance": "P1M"}, 400, "'P1M' is not an ISO 8601 duration"),
    ({"advance": "PT"}, 400, "is not an ISO 8601 duration"),
    ({"advance": "30 minutes"}, 400, "is not an ISO 8601 duration"),
    ({"advanceSeconds": -5}, 400, "advanceSeconds: expected a number of seconds"),
    ({"advanceSeconds": "60"}, 400, "advanceSeconds: expected a number"),
    ({"set": "tomorrow"}, 400, "set: 'tomorrow' is not an ISO 8601 timestamp"),
    ({"advance": "PT1M", "advanceSeconds": 60}, 400, "exactly one of"),
    ({}, 400, "exactly one of"),
    ({"jump": "PT1M"}, 400, "jump: unknown property"),
])
def test_bad_clock_moves_are_refused_and_time_stands_still(sim, world, body, status, words):
    response = sim.post("clock", json=body)
    assert response.status_code == status
    assert words in response.json()["error"]["message"]
    assert set(response.json()["error"]) == {"code", "message"}
    assert sim.get("clock").json()["now"] == "2026-01-05T08:00:00Z"


def test_a_body_that_is_not_json_is_refused(sim):
    # Issue 15 (F1): a text/plain body is refused for its type (415) before it is read.
    response = sim.post("clock", content=b"advance=PT1M", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]["message"]
    response = sim.post("clock", content=b"advance=PT1M",
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]
    response = sim.post("clock", json=["PT1M"])
    assert response.json()["error"]["message"] == "the body must be a JSON object"


def test_reset_empties_the_world_and_restarts_its_clock(sim, world, app):
    world.clock.advance(3600)
    old_tenant = world.tenant.id
    response = sim.post("reset", json={"seed": 11, "clock": "2026-03-02T09:00:00Z"})

    assert response.status_code == 200
    assert response.json()["seed"] == 11
    assert response.json()["clock"] == "2026-03-02T09:00:00Z"
    assert world.tenant.apps == {} and world.tenant.domains == {}
    assert world.tenant.id == response.json()["tenantId"] != old_tenant
    assert sim.get("clock").json()["now"] == "2026-03-02T09:00:00Z"


def test_reset_with_the_same_seed_gives_the_same_ids(sim, world):
    first = sim.post("reset", json={"seed": 3}).json()["tenantId"]
    second = sim.post("reset", json={"seed": 3}).json()["tenantId"]
    assert first == second


def test_reset_without_a_body_keeps_the_seed(sim, world):
    tenant_id = world.tenant.id
    response = sim.post("reset")
    assert response.status_code == 200
    assert response.json()["seed"] == 7
    assert response.json()["tenantId"] == tenant_id  # same seed, same first id


def test_reset_refuses_a_bad_seed_and_keeps_the_world(sim, world, app):
    response = sim.post("reset", json={"seed": "seven"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "seed: expected an integer"
    assert app.client_id in world.tenant.apps


def test_the_signing_key_survives_a_reset(client, world, app):
    [before] = client.get(f"{LOGIN}/{world.tenant.id}/discovery/v2.0/keys").json()["keys"]
    token = world.tokens.issue(world.tenant.id, app.client_id, app.object_id, [])
    client.post(f"{LOGIN}/_sim/reset", json={"seed": 1})
    [after] = client.get(f"{LOGIN}/{world.tenant.id}/discovery/v2.0/keys").json()["keys"]
    assert (before["kid"], before["n"], before["e"]) == (after["kid"], after["n"], after["e"])
    assert after["issuer"].endswith(f"/{world.tenant.id}/v2.0")  # the new tenant's
    assert jwt.get_unverified_header(token)["kid"] == after["kid"]


def test_unknown_routes_and_methods_are_named(sim):
    missing = sim.get("rewind")
    assert missing.status_code == 404
    assert "/_sim/rewind is not a simulation control route" in missing.json()["error"]["message"]
    wrong = sim.post("state")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["message"] == "/_sim/state accepts GET, not POST"
    assert wrong.headers["Allow"] == "GET"


def test_with_a_sim_token_every_request_must_carry_it(sim, world):
    world.sim_token = "s3cr3t-token"

    refused = sim.get("clock")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    assert "s3cr3t-token" not in refused.text
    assert sim.get("clock", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert sim.post("clock", json={"advance": "PT1H"}).status_code == 401
    assert world.clock.now().hour == 8  # the refused move did nothing

    assert sim.get("clock", headers={"Authorization": "Bearer s3cr3t-token"}).status_code == 200
    moved = sim.post("clock", json={"advance": "PT1H"}, headers={"X-Sim-Token": "s3cr3t-token"})
    assert moved.json()["now"] == "2026-01-05T09:00:00Z"
    # Unknown routes are behind the token too: nothing is learned without it.
    assert sim.get("rewind").status_code == 401


def test_the_sim_token_does_not_guard_the_mocked_apis(client, world, app):
    world.sim_token = "s3cr3t-token"
    response = client.post(f"{LOGIN}/{world.tenant.id}/oauth2/v2.0/token",
                           data={"grant_type": "client_credentials", "client_id": app.client_id,
                                 "client_secret": app.secret,
                                 "scope": "https://graph.microsoft.com/.default"})
    assert response.status_code == 200


DOCUMENT = {
    "seed": 42,
    "clock": "2026-04-01T07:00:00Z",
    "entra": {
        "tenant": {"id": "6f1c2a9e-1b7d-4c3e-9a55-2f7d3b0c8e11", "displayName": "Fabrikam"},
        "domains": [{"name": "fabrikam.com", "default": True}, {"name": "fabrikam.dk"}],
        "apps": [{"displayName": "Emply People", "clientId": "0b8e6a8e-3f7e-4a59-9d9a-6f0a4b1c2d3e",
                  "secret": "Fab~Secret.0042", "permissions": ["User.Read.All", "GroupMember.Read.All"]}],
        "users": [{"userPrincipalName": "ray.ross@fabrikam.com", "displayName": "Ray Ross",
                   "mail": "ray.ross@fabrikam.com"}],
        "groups": [{"displayName": "Employee", "members": ["ray.ross@fabrikam.com"]}],
    },
}
TENANT_ID = DOCUMENT["entra"]["tenant"]["id"]
CLIENT_ID = DOCUMENT["entra"]["apps"][0]["clientId"]


def fabrikam_token(client, secret="Fab~Secret.0042"):
    return client.post(f"{LOGIN}/fabrikam.dk/oauth2/v2.0/token",
                       data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                             "client_secret": secret, "scope": "https://graph.microsoft.com/.default"})


def test_load_replaces_the_world_with_the_document(sim, client, world):
    response = sim.post("load", json=DOCUMENT)

    assert response.status_code == 200, response.text
    assert response.json() == {"seed": 42, "clock": "2026-04-01T07:00:00Z", "tenantId": TENANT_ID,
                               "users": 1, "groups": 1, "apps": 1}
    assert sim.get("clock").json()["now"] == "2026-04-01T07:00:00Z"
    # The identity platform now serves the loaded tenant and its app.
    token = fabrikam_token(client)
    assert token.status_code == 200
    claims = jwt.decode(token.json()["access_token"], options={"verify_signature": False})
    assert (claims["tid"], claims["appid"]) == (TENANT_ID, CLIENT_ID)
    assert claims["roles"] == ["GroupMember.Read.All", "User.Read.All"]


def test_load_takes_yaml_as_scenario_files_hold_it(sim, client):
    body = yaml.safe_dump(DOCUMENT)
    response = sim.post("load", content=body, headers={"Content-Type": "application/yaml"})
    assert response.status_code == 200, response.text
    assert fabrikam_token(client).status_code == 200


def test_a_bad_document_is_refused_by_path_and_nothing_is_lost(sim, client, world, app):
    broken = {**DOCUMENT, "entra": {**DOCUMENT["entra"], "users": [
        {"userPrincipalName": "megan@elsewhere.com", "displayName": "Megan"}]}}
    response = sim.post("load", json=broken)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalidWorldDocument"
    assert error["message"].startswith("entra.users[0].userPrincipalName:")
    assert app.client_id in world.tenant.apps  # the world as it was
    assert sim.get("clock").json()["now"] == "2026-01-05T08:00:00Z"
    assert fabrikam_token(client).json()["error_codes"] == [90002]


def test_load_errors_never_echo_a_secret(sim):
    # A secret pasted into the wrong field, too: the error names the field, not the value.
    swapped = {"entra": {"apps": [{"displayName": "Emply People", "clientId": "Fab~Secret.0042",
                                   "secret": "Fab~Secret.0042"}]}}
    response = sim.post("load", json=swapped)
    assert response.status_code == 400
    assert "entra.apps[0].clientId" in response.json()["error"]["message"]
    assert "Fab~Secret.0042" not in response.text


def test_load_refuses_what_is_not_a_document(sim):
    assert sim.post("load").json()["error"]["message"].startswith("the request body is empty")
    unknown = sim.post("load", json={"entra": {}, "sharepoint": {}})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"].startswith("sharepoint: unknown top-level key")
    bad_yaml = sim.post("load", content="entra: [", headers={"Content-Type": "application/yaml"})
    assert bad_yaml.status_code == 400
    assert "not valid YAML" in bad_yaml.json()["error"]["message"]


def test_state_dumps_the_world_without_secrets_and_loads_back(sim, client):
    sim.post("load", json=DOCUMENT)
    state = sim.get("state")

    assert state.status_code == 200
    doc = state.json()
    assert doc["seed"] == 42 and doc["clock"] == "2026-04-01T07:00:00Z"
    assert doc["entra"]["tenant"]["id"] == TENANT_ID
    assert [u["userPrincipalName"] for u in doc["entra"]["users"]] == ["ray.ross@fabrikam.com"]
    assert "Fab~Secret.0042" not in state.text

    assert sim.post("reset").status_code == 200
    assert sim.post("load", json=doc).status_code == 200
    assert sim.get("state").json()["entra"]["users"] == doc["entra"]["users"]
    # The dump held no secret, so the old one no longer works.
    assert fabrikam_token(client).json()["error_codes"] == [7000215]
