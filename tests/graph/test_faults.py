"""Fault injection and the request journal: rates, reproducibility, no side effects, early retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from mocks.graph.faults import FaultPlan, FaultPlanError, Journal, JournalEntry

from .extras_conftest_helpers import SIM, error_of, sim_fixture  # noqa: F401

ROLES = ("User.ReadWrite.All", "Calendars.ReadWrite")


def set_plan(client: httpx.Client, **plan) -> dict:
    response = client.put(f"{SIM}/faults", json=plan)
    assert response.status_code == 200, response.text
    return response.json()


def statuses(client: httpx.Client, url: str, n: int) -> list[int]:
    return [client.get(url).status_code for _ in range(n)]


def test_no_faults_by_default_and_every_request_is_journaled(sim):
    client = sim.client(*ROLES, client_request_id="req-1")
    assert client.get(f"{SIM}/faults").json() == FaultPlan().to_json()
    assert statuses(client, f"/users/{sim.ray.id}", 50) == [200] * 50
    client.get("/users/ghost@contoso.com?client_secret=hunter2&$select=id")
    entries = client.get(f"{SIM}/journal").json()["entries"]
    assert len(entries) == 51
    last = entries[-1]
    assert last["method"] == "GET" and last["status"] == 404
    assert last["url"] == "/v1.0/users/ghost@contoso.com?client_secret=***&$select=id"
    assert "hunter2" not in str(entries)
    assert last["clientRequestId"] == "req-1"
    assert last["client"] == sim.registration.client_id
    assert last["simTime"] == "2026-01-05T08:00:00Z" and last["fault"] is None


def test_throttle_rate_is_honoured_with_retry_after_and_reproducible(sim):
    client = sim.client(*ROLES)
    set_plan(client, throttleRate=0.3, retryAfter=3, seed=42)
    first = statuses(client, f"/users/{sim.ray.id}", 1000)
    throttled = first.count(429)
    assert 240 <= throttled <= 360  # 300 expected; the bounds are more than 4 sigma wide
    assert set(first) == {200, 429}
    response = next(r for r in (client.get(f"/users/{sim.ray.id}") for _ in range(100))
                    if r.status_code == 429)
    assert response.headers["Retry-After"] == "3"
    assert error_of(response)[1] == "TooManyRequests"
    assert response.json()["error"]["innerError"]["request-id"] == response.headers["request-id"]
    set_plan(client, throttleRate=0.3, retryAfter=3, seed=42)  # same seed: same draws
    assert statuses(client, f"/users/{sim.ray.id}", 1000) == first
    set_plan(client, throttleRate=0.3, retryAfter=3, seed=43)
    assert statuses(client, f"/users/{sim.ray.id}", 1000) != first


def test_unavailable_and_throttle_share_one_draw(sim):
    client = sim.client(*ROLES)
    set_plan(client, throttleRate=0.2, unavailableRate=0.2, retryAfter=1, seed=7)
    seen = statuses(client, "/users", 1000)
    assert 150 <= seen.count(429) <= 250 and 150 <= seen.count(503) <= 250
    response = next(r for r in (client.get("/users") for _ in range(100)) if r.status_code == 503)
    assert error_of(response)[1] == "serviceNotAvailable"
    assert response.headers["Retry-After"] == "1"


def test_dropped_connection_is_a_transport_error_in_process(sim):
    client = sim.client(*ROLES)
    set_plan(client, dropRate=0.5, seed=3)
    outcomes = []
    for _ in range(400):
        try:
            outcomes.append(client.get("/users").status_code)
        except httpx.TransportError as exc:
            assert isinstance(exc, httpx.RemoteProtocolError)
            outcomes.append("dropped")
    assert 150 <= outcomes.count("dropped") <= 250
    dropped = [e for e in sim.world.journal.entries() if e.fault == "drop"]
    assert len(dropped) == outcomes.count("dropped") and all(e.status is None for e in dropped)


def test_dropped_connection_closes_the_socket_when_served(sim, monkeypatch):
    from mocks.serving import ServedWorld

    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    sim.world.faults = FaultPlan(drop_rate=1.0)
    with ServedWorld(sim.world) as served, \
            httpx.Client(verify=served.ssl_context(), trust_env=False) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"{served.graph_url}/users",
                       headers={"Authorization": f"Bearer {sim.token('User.Read.All')}"})
        sim.world.faults = FaultPlan()
        ok = client.get(f"{served.graph_url}/users",
                        headers={"Authorization": f"Bearer {sim.token('User.Read.All')}"})
        assert ok.status_code == 200


def test_faulted_requests_change_nothing(sim):
    client = sim.client(*ROLES)
    set_plan(client, seed=1, rules=[
        {"pathPrefix": "/users", "methods": ["PATCH", "POST", "DELETE"], "throttleRate": 0.5,
         "unavailableRate": 0.5}])
    before = sim.tenant.last_seq
    assert client.patch(f"/users/{sim.ray.id}", json={"jobTitle": "X"}).status_code in (429, 503)
    assert client.delete(f"/users/{sim.megan.id}").status_code in (429, 503)
    event = {"subject": "x", "start": {"dateTime": "2026-01-06T09:00:00", "timeZone": "UTC"},
             "end": {"dateTime": "2026-01-06T10:00:00", "timeZone": "UTC"}}
    assert client.post(f"/users/{sim.ray.id}/events", json=event).status_code in (429, 503)
    assert sim.tenant.last_seq == before
    assert sim.tenant.users[sim.ray.id].props["jobTitle"] == "CFO"
    assert sim.megan.id in sim.tenant.users and sim.tenant.events == {}
    assert client.get(f"/users/{sim.ray.id}").status_code == 200  # GET is not in the rule


def test_rules_pick_paths_and_methods(sim):
    client = sim.client(*ROLES, **{"ConsistencyLevel": "eventual"})
    set_plan(client, rules=[{"pathPrefix": "/v1.0/groups", "throttleRate": 1.0}])
    assert statuses(client, "/users", 20) == [200] * 20
    assert statuses(client, "/groups", 20) == [429] * 20
    assert client.get(f"{SIM}/journal").status_code == 200  # the control API is never faulted


def test_latency_is_added_through_the_sleeper(sim):
    client = sim.client(*ROLES)
    set_plan(client, latencyMs=250)
    slept: list[float] = []
    sim.world.faults.sleeper = slept.append
    assert statuses(client, "/users", 4) == [200] * 4
    assert slept == [0.25] * 4
    assert {e.latencyMs for e in sim.world.journal.entries()} == {250}


def test_early_retry_is_flagged_and_waiting_on_the_sim_clock_is_not(sim):
    client = sim.client(*ROLES)
    set_plan(client, throttleRate=1.0, retryAfter=10)
    url = f"/users/{sim.ray.id}"
    assert client.get(url).status_code == 429
    sim.world.clock.advance(5)
    assert client.get(url).status_code == 429  # too early: only 5 of 10 seconds
    sim.world.clock.advance(10)
    set_plan(client)  # faults off again
    assert client.get(url).status_code == 200  # waited Retry-After on the simulation clock
    assert client.get(f"/users/{sim.megan.id}").status_code == 200  # another URL
    body = client.get(f"{SIM}/journal?violations=true").json()
    assert body["violationCount"] == 1
    [violation] = body["entries"]
    assert violation["url"] == f"/v1.0{url}" and violation["violatedRetryAfter"] == 10
    assert violation["simTime"] == "2026-01-05T08:00:05Z"


def test_retry_by_another_app_or_after_wall_time_is_not_a_violation():
    journal = Journal()
    sim_now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    throttled = JournalEntry(0, "", "", "GET", "/v1.0/users", 429, None, "r1", "app-a",
                             fault="throttle", retryAfter=2)
    journal.record(throttled, wall=1000.0, sim=sim_now)
    assert journal.check_retry("app-a", "GET", "/v1.0/users", 1001.0, sim_now) == 2
    assert journal.check_retry("app-b", "GET", "/v1.0/users", 1001.0, sim_now) is None
    assert journal.check_retry("app-a", "POST", "/v1.0/users", 1001.0, sim_now) is None
    assert journal.check_retry("app-a", "GET", "/v1.0/users", 1002.0, sim_now) is None
    assert journal.check_retry("app-a", "GET", "/v1.0/users", 1001.0,
                               sim_now + timedelta(seconds=2)) is None


def test_journal_since_clear_and_bound(sim):
    client = sim.client(*ROLES)
    statuses(client, "/users", 5)
    last = client.get(f"{SIM}/journal").json()["lastSeq"]
    statuses(client, "/groups", 2)
    newer = client.get(f"{SIM}/journal?since={last}").json()["entries"]
    assert [e["url"] for e in newer] == ["/v1.0/groups"] * 2
    assert client.delete(f"{SIM}/journal").status_code == 204
    body = client.get(f"{SIM}/journal").json()
    assert body["entries"] == [] and body["lastSeq"] == last + 2
    for bad in ("since=-1", "since=yesterday", "violations=maybe"):
        status, code, message = error_of(client.get(f"{SIM}/journal?{bad}"))
        assert (status, code) == (400, "invalidRequest") and bad.split("=")[0] in message
    small = Journal(maxlen=3)
    for i in range(5):
        small.record(JournalEntry(0, "", "", "GET", f"/v1.0/u{i}", 200, None, "r", "a"),
                     wall=0.0, sim=datetime(2026, 1, 1, tzinfo=UTC))
    assert [e.seq for e in small.entries()] == [3, 4, 5]


@pytest.mark.parametrize("plan, needle", [
    ({"throttleRate": 1.5}, "throttleRate"),
    ({"throttleRate": 0.6, "dropRate": 0.6}, "sum to at most 1"),
    ({"retryAfter": 2.5}, "retryAfter"),
    ({"latencyMs": -1}, "latencyMs"),
    ({"seed": "abc"}, "seed"),
    ({"throttlerate": 0.1}, "throttlerate: unknown setting"),
    ({"rules": [{"pathPrefix": "users", "throttleRate": 0.1}]}, "rules[0].pathPrefix"),
    ({"rules": [{"pathPrefix": "/users", "unavailableRate": True}]}, "rules[0].unavailableRate"),
    ({"rules": {"pathPrefix": "/users"}}, "rules"),
    ([0.1], "JSON object"),
])
def test_invalid_fault_plans_are_refused_and_the_plan_kept(sim, plan, needle):
    client = sim.client(*ROLES)
    set_plan(client, throttleRate=0.1, seed=9)
    status, code, message = error_of(client.put(f"{SIM}/faults", json=plan))
    assert (status, code) == (400, "invalidFaultPlan")
    assert needle in message
    assert client.get(f"{SIM}/faults").json()["throttleRate"] == 0.1
    with pytest.raises(FaultPlanError):
        FaultPlan.from_json(plan)


def test_put_faults_rejects_non_json(sim):
    client = sim.client(*ROLES)
    response = client.put(f"{SIM}/faults", content=b"{nope", headers={"Content-Type": "application/json"})
    assert error_of(response)[:2] == (400, "invalidRequest")


def test_world_reset_turns_faults_off_and_empties_the_journal(sim):
    client = sim.client(*ROLES)
    set_plan(client, throttleRate=1.0)
    client.get("/users")
    sim.world.reset()
    assert not sim.world.faults.active and sim.world.journal.entries() == []


def test_control_routes_need_the_sim_token_when_one_is_set(sim):
    sim.world.sim_token = "let-me-in"
    client = sim.client(*ROLES)
    assert error_of(client.get(f"{SIM}/journal"))[:2] == (401, "unauthorized")
    assert client.get(f"{SIM}/journal", headers={"X-Sim-Token": "let-me-in"}).status_code == 200
    assert client.put(f"{SIM}/faults", json={"throttleRate": 1},
                      headers={"Authorization": "Bearer let-me-in"}).status_code == 200
