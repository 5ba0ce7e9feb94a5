"""The issue-15 part of ``emply-sim reliability``: every probe of the rules' hardening, the
aimed faults and the intruder's findings answers as it must, with its figures."""

from __future__ import annotations

from emply_sim.hardening import measure_hardening


def test_every_hardening_probe_answers_as_it_must(figure):
    report = measure_hardening()
    figure(f"{report.probes} probes; EXT-1 active through {report.ext1_runs} runs; 7-day jump "
           f"{report.far_jump_runs} run; year 8999 in {report.far_jump_seconds:.2f} s; billion "
           f"laughs refused in {report.laughs_seconds:.2f} s; aimed faults {report.aimed_seeds}/3; "
           f"wrong {len(report.wrong)}, 500s {report.server_errors}")
    assert report.wrong == [] and report.server_errors == 0
    assert report.probes >= 40
    assert report.ext1_runs == 4 and report.far_jump_runs == 1 and report.aimed_seeds == 3
