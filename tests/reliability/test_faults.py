"""Faults: 1,000-user generated worlds over five seeds, Graph throttling 20 % of requests
(429 with Retry-After), answering 503 to 5 %, dropping 1 % of connections and adding
latency. Each run ends in exactly the fault-free Emply state, or stops cleanly (SAFE-1)
having changed nothing, or reports a change that failed after its retries (partial);
every phase converges at its first run that ends success, so within its SAFE-1 stops +
partial runs + 1 (the bound of issue 15, item 7); no early retry, no spurious
deactivation, no duplicate user or event."""

from __future__ import annotations

import pytest

from emply_sim.reliability import (
    FAULTS,
    MAX_RUNS,
    Harness,
    install_outage,
    measure_faults,
    world_doc,
)
from mocks.graph.faults import FaultPlan

SEEDS = range(5)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_faulty_graph_changes_nothing_it_should_not(seed, figure):
    report = measure_faults(seed, users=1000)
    runs = ", ".join(f"{o.phase}:{o.status}{'=' if o.matches_reference else '≠'}"
                     for o in report.runs)
    figure(f"seed {seed}: {len(report.runs)} runs ({runs}); faults "
           f"{dict(sorted(report.faults.items()))}, latency {report.latency_ms} ms recorded "
           f"over {report.requests} requests; mismatches {report.mismatches}, early retries "
           f"{report.early_retries}, spurious deactivations {report.spurious_deactivations}, "
           f"duplicates {len(report.duplicates)}; {report.seconds:.1f} s")
    # The plan really injected every kind of fault.
    assert report.faults["throttle"] > 0.15 * report.requests
    assert report.faults["unavailable"] > 0.03 * report.requests
    assert report.faults["drop"] > 0
    # Latency comes once per round trip: a batch's inner requests add none (issue 13).
    assert report.latency_ms >= FAULTS["latencyMs"] * report.round_trips * 0.9
    assert report.unconverged_phases == [], f"not converged within {MAX_RUNS} runs"
    # The convergence bound (item 7): the first run that ends success converges, so a phase
    # needs at most its SAFE-1 stops + partial runs + 1.
    assert report.bound_violations == []
    for phase, count in report.runs_to_converge.items():
        ran = [o for o in report.runs if o.phase == phase]
        assert count <= sum(o.status in ("failure", "partial") for o in ran) + 1
    assert report.mismatches == 0
    for outcome in report.runs:
        # Every run either reached the fault-free state, or stopped having changed nothing,
        # or (partial) reported a change that failed after its retries; the phase then
        # converged (above).
        if outcome.status == "failure":
            assert outcome.unchanged and outcome.deactivated == 0, outcome
        elif outcome.status == "success":
            assert outcome.matches_reference, outcome
        else:
            assert outcome.status == "partial", outcome
    assert report.early_retries == 0
    assert report.spurious_deactivations == 0
    assert report.unclean_stops == 0
    assert report.duplicates == []


def test_a_run_right_after_one_that_gave_up_on_throttling_does_not_retry_early():
    """The client gives up after its last attempt was throttled; a run triggered at once
    must still not send that request before Retry-After has passed (also inside $batch)."""
    for where in ("delta", "batch"):
        h = Harness(world_doc(4, 30, groups=3, events_every=0))
        try:
            if where == "delta":
                h.world.faults = FaultPlan.from_json({"rules": [
                    {"pathPrefix": "/users/delta", "throttleRate": 1.0, "retryAfter": 7}]})
            else:  # the photo metadata reads inside $batch answer 503 with Retry-After
                outage = install_outage(h)
                outage.only = lambda path: path.endswith("/photo")
                outage.arm(1)
            assert h.run().status == "failure"
            h.world.faults = FaultPlan()
            if where == "batch":
                outage.disarm()
            assert h.run().status == "success"
            assert h.world.journal.violations() == [], where
        finally:
            h.close()
