"""Partial reads (SAFE-1): Graph fails from each page of a run's read on, in turn — every
page of the full read (users and group members in pages of 999, a 1,200-user world), every
page of a delta round (pages of 4), the first two pages of per-user reads ($batch).
That run deactivates nobody, changes nothing and reports the Graph error; the next run
reaches the state of a fault-free twin world."""

from __future__ import annotations

from emply_sim.reliability import (
    Harness,
    install_outage,
    measure_partial_reads,
    mismatches,
    projection,
    world_doc,
)


def test_a_failure_at_any_page_boundary_changes_nothing_and_the_next_run_converges(figure):
    report = measure_partial_reads()
    kinds = {k: sum(1 for o in report.outcomes if o.kind == k) for k in ("full", "delta")}
    figure(f"{len(report.outcomes)} page boundaries failed in turn ({kinds['full']} in full "
           f"reads, {kinds['delta']} in delta rounds); failed runs that changed something "
           f"{sum(o.changed for o in report.outcomes)}, deactivated "
           f"{sum(o.deactivated for o in report.outcomes)}, did not report the error "
           f"{sum(not o.reported for o in report.outcomes)}; next runs not converged "
           f"{sum(not o.converged for o in report.outcomes)}; early retries "
           f"{report.early_retries}; {report.seconds:.1f} s")
    # Several pages of each kind. A full read is organization + 2 delta starts + 2 user
    # pages + the member batches + 2 per-user batches: since issue 13 batched the member
    # pages, 8 or more (it was 10 when each group's members were a GET of their own).
    assert kinds["full"] >= 8 and kinds["delta"] >= 4
    pages = {o.request for o in report.outcomes}
    assert {"GET /v1.0/users", "GET /v1.0/users/delta", "GET /v1.0/groups/delta",
            "POST /v1.0/$batch"} <= pages
    for outcome in report.outcomes:
        assert outcome.status == "failure", outcome
        assert outcome.reported, outcome
        assert not outcome.changed and outcome.deactivated == 0, outcome
        assert outcome.then_status == "success" and outcome.converged, outcome
    assert report.early_retries == 0
    assert report.duplicates == []


def test_a_change_that_failed_after_its_retries_is_made_by_the_next_run(figure):
    """A photo Graph would not hand over (503 on every retry) makes the run partial; the
    next run reads that user again and copies the photo, as a fault-free twin has it."""
    doc = world_doc(8, 40, groups=3, employees=0.0, events_every=0)
    reference, h = Harness(doc), Harness(doc)
    try:
        reference.run()
        expected = projection(reference.world)
        outage = install_outage(h)
        outage.only = lambda path: path.endswith("/photo/$value")  # only the photo bytes
        outage.arm(1)
        first = h.run()
        outage.disarm()
        failed = [c for c in first.actions if c["status"] == "failure"]
        figure(f"first run {first.status} with {len(failed)} failed photo copies; then "
               f"{h.run().status}")
        assert first.status == "partial" and failed and {c["kind"] for c in failed} == {"set_photo"}
        assert mismatches(projection(h.world), expected) == []
        assert h.world.journal.violations() == []
    finally:
        reference.close()
        h.close()
