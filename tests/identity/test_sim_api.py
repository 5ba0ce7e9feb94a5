"""The /_sim/ control API, the same on every app: clock, reset, the token when served remotely."""

from __future__ import annotations

import jwt
import pytest

LOGIN = "https://login.microsoftonline.com"
GRAPH = "https://graph.microsoft.com"


@pytest.fixture(params=[LOGIN, GRAPH], ids=["identity", "graph"])
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
    response = sim.post("clock", content=b"advance=PT1M", headers={"Content-Type": "text/plain"})
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
