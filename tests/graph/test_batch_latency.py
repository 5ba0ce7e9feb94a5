"""Injected latency is per round trip: a batch of 20 waits once, as Graph runs the
inner requests server-side (the 100 ms latency benchmark relies on this)."""

from __future__ import annotations

from mocks.graph.faults import FaultPlan

from .extras_conftest_helpers import sim_fixture  # noqa: F401


def test_a_batch_pays_the_latency_once_not_per_inner_request(sim):
    client = sim.client("User.ReadWrite.All")
    sim.world.faults = FaultPlan(latency_ms=100)
    slept: list[float] = []
    sim.world.faults.sleeper = slept.append
    batch = [{"id": str(i), "method": "GET", "url": "/users?$select=id"} for i in range(20)]
    response = client.post("/$batch", json={"requests": batch})
    assert response.status_code == 200
    assert [r["status"] for r in response.json()["responses"]] == [200] * 20
    assert slept == [0.1]  # the outer request only
    entries = sim.world.journal.entries()
    outer = [e for e in entries if e.batch is None]
    inner = [e for e in entries if e.batch is not None]
    assert [e.latencyMs for e in outer] == [100]
    assert len(inner) == 20 and {e.latencyMs for e in inner} == {0}
