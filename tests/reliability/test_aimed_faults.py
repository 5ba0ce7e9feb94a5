"""Faults QA can aim (issue 15, item 9): a rule matches a query string or the n-th matching
request, and injects its fault every time the same way, whatever the seed."""

from __future__ import annotations

import pytest

from mocks import scenarios
from mocks.inprocess import GRAPH_URL, InProcess
from mocks.world import World

SIM = GRAPH_URL.removesuffix("/v1.0") + "/_sim"


@pytest.fixture
def graph():
    world = World()
    scenarios.load_world("faq", world)
    sim = InProcess(world)
    app = next(iter(world.tenant.apps.values()))
    token = sim.msal_app(app.client_id, app.secret).acquire_token_for_client(
        scopes=["https://graph.microsoft.com/.default"])["access_token"]
    client = sim.client(base_url=GRAPH_URL, headers={"Authorization": f"Bearer {token}"})
    client.world = world
    client.sim = sim
    yield client
    sim.close()


def _pages(client, url: str) -> list[int]:
    """Follow a paged read; the status of every page request (a 503 is retried once)."""
    statuses = []
    while url:
        response = client.get(url)
        statuses.append(response.status_code)
        if response.status_code == 503:
            continue
        url = response.json().get("@odata.nextLink")
    return statuses


def _plan(client, rules: list[dict], seed: int = 0) -> None:
    response = client.put(f"{SIM}/faults", json={"seed": seed, "rules": rules})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("seed", [0, 1, 99])
def test_503_on_the_second_page_of_a_group_member_read(graph, seed):
    group = next(g for g in graph.world.tenant.groups.values() if len(g.members) >= 3)
    members = f"/groups/{group.id}/members"
    _plan(graph, [{"pathPrefix": members, "fault": "unavailable", "nth": [2]}], seed)
    assert _pages(graph, f"{GRAPH_URL}{members}?$top=1") == [200, 503, 200] + [200] * (
        len(group.members) - 2)
    other = next(g for g in graph.world.tenant.groups.values() if g.id != group.id)
    assert graph.get(f"/groups/{other.id}/members?$top=1").status_code == 200


def test_a_rule_can_match_a_query_parameter(graph):
    group = next(g for g in graph.world.tenant.groups.values() if len(g.members) >= 3)
    members = f"/groups/{group.id}/members"
    # Only follow-up pages carry a skip token: the first of them fails, once.
    _plan(graph, [{"pathPrefix": members, "query": "$skiptoken", "fault": "unavailable",
                   "nth": 1}])
    assert _pages(graph, f"{GRAPH_URL}{members}?$top=1")[:3] == [200, 503, 200]
    _plan(graph, [{"pathPrefix": "/users", "query": "$top=2", "fault": "throttle"}])
    assert graph.get("/users?$top=2").status_code == 429
    assert graph.get("/users?$top=3").status_code == 200
    assert graph.get("/users?$top=2").status_code == 429  # no nth: every matching request


def test_the_sync_retries_an_aimed_fault_and_the_journal_shows_it(graph):
    emply = graph.world.emply
    synced = emply.settings.synced_groups[0].group_id
    _plan(graph, [{"pathPrefix": f"/groups/{synced}/members", "fault": "unavailable",
                   "nth": [1], "retryAfter": 1}])
    result = graph.sim.engine.run()
    # The read completed after the retry (SAFE-1 did not stop the run); the faq world's own
    # SYNC-7 error makes its first run partial either way.
    assert result.status in ("success", "partial"), result.message
    assert not [a for a in result.actions if a["rule"] == "SAFE-1"]
    assert result.counts.get("create_user", 0) > 0
    journal = graph.get(f"{SIM}/journal").json()["entries"]
    faulted = [e for e in journal if e["fault"] == "unavailable"]
    assert len(faulted) == 1 and f"/groups/{synced}/members" in faulted[0]["url"]


@pytest.mark.parametrize(("rule", "words"), [
    ({"pathPrefix": "/users", "fault": "explode"}, "fault: expected one of"),
    ({"pathPrefix": "/users", "nth": [0], "fault": "drop"}, "nth: expected a whole number"),
    ({"pathPrefix": "/users", "nth": [2]}, "give the 'fault'"),
    ({"pathPrefix": "/users", "query": 5}, "query: expected a query string"),
])
def test_bad_aimed_rules_are_refused_with_their_path(graph, rule, words):
    response = graph.put(f"{SIM}/faults", json={"rules": [rule]})
    assert response.status_code == 400
    assert words in response.json()["error"]["message"]
    assert "rules[0]." in response.json()["error"]["message"]
