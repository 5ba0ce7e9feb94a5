"""Mass change (SAFE-2), crashes and overlapping triggers, each with its figures."""

from __future__ import annotations

import pytest

from emply_sim.reliability import (
    Crash,
    Harness,
    measure_crashes,
    measure_mass_change,
    measure_overlap,
    projection,
    world_doc,
)


def test_a_mass_deactivation_is_held_until_confirmed_and_then_applies_the_held_plan(figure):
    report = measure_mass_change()
    figure(f"{report.would_deactivate} of {report.active_before} active synced users would be "
           f"deactivated: run {report.held_status}, next trigger {report.held_again_status}, "
           f"state changes while held {report.changed_while_held}; staged {report.staged}, "
           f"applied on confirmation {report.applied}, differences {report.plan_differences}")
    assert report.would_deactivate >= 10
    assert report.would_deactivate > 0.2 * report.active_before
    assert report.held_status == "held" and report.held_again_status == "held"
    assert report.changed_while_held == 0
    assert report.confirm_status == 201
    assert report.staged == report.applied == report.would_deactivate
    assert report.plan_differences == 0
    assert report.deactivated_after == report.would_deactivate


def test_a_run_stopped_after_k_changes_converges_after_a_restart(tmp_path, figure):
    report = measure_crashes(str(tmp_path), points=20)
    bad = [o for o in report.outcomes if not (o.converged and o.marked == "interrupted")]
    figure(f"plan of {report.plan_size} changes, host stopped after k = "
           f"{[o.k for o in report.outcomes]}; interrupted runs marked "
           f"{sum(o.marked == 'interrupted' for o in report.outcomes)} (by the restart after a "
           f"hard stop {sum(o.marked_by == 'restart' for o in report.outcomes)}), restarts converged "
           f"{sum(o.converged for o in report.outcomes)}, duplicates "
           f"{sum(len(o.duplicates) for o in report.outcomes)}; {report.seconds:.1f} s")
    assert len(report.outcomes) >= 20
    assert report.outcomes[0].k == 1 and report.outcomes[-1].k == report.plan_size - 1
    assert bad == []
    # Both ways a run ends up marked: by the engine as the exception leaves, and, after a
    # hard stop (no handler ran), by the new engine when it starts.
    assert {o.marked_by for o in report.outcomes} == {"engine", "restart"}
    for outcome in report.outcomes:
        assert outcome.crashed and outcome.lock_free, outcome
        assert outcome.restart_status == "success", outcome
        assert outcome.duplicates == [], outcome


def test_an_exception_escaping_a_run_leaves_it_marked_and_the_engine_usable():
    """Without a restart: the same engine, after an exception from the middle of its apply
    phase, shows the run as interrupted (not running for ever) and runs again."""
    h = Harness(world_doc(2, 20, groups=3, events_every=0))
    try:
        def crash(action, applied):
            if applied == 3:
                raise Crash("stopped")

        h.engine.on_applied = crash
        with pytest.raises(Crash):
            h.run()
        h.engine.on_applied = None
        assert not h.engine.running
        [crashed] = h.engine.store.runs()
        assert crashed.status == "interrupted" and crashed.ended is not None
        assert h.run().status == "success"
        assert h.run().counts == {}  # nothing left to do
        assert all(state[0] == "active" for state in projection(h.world).values())
    finally:
        h.close()


def test_concurrent_triggers_give_one_run_and_api_writes_during_a_run_are_kept(figure):
    report = measure_overlap()
    figure(f"{report.triggers} simultaneous triggers: {report.started} run started, "
           f"{report.refused} refused with 409, other answers {report.other}, runs logged "
           f"{report.runs_logged}; {report.writes} API writes during a run: lost "
           f"{report.writes_lost}, users differing from a twin that wrote afterwards "
           f"{report.half_applied}")
    assert report.started == 1 and report.refused == report.triggers - 1
    assert report.other == [] and report.runs_logged == 1
    assert report.writes == 5 and report.writes_lost == 0
    assert report.half_applied == 0
