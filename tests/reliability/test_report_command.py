"""``emply-sim reliability``: documented, validated, and printing every figure (the full
report itself takes about a minute; it is run and pasted in docs/reliability.md)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from emply_sim.cli import cli

FIGURES = ("runs", "faults injected", "state mismatches", "early retries", "500s seen",
           "duplicates", "spurious deactivations")


def test_the_command_is_there_and_refuses_bad_options():
    runner = CliRunner()
    helped = runner.invoke(cli, ["reliability", "--help"])
    assert helped.exit_code == 0 and "--seeds" in helped.output and "--soak" in helped.output
    refused = runner.invoke(cli, ["reliability", "--seeds", "0"])
    assert refused.exit_code == 2 and "--seeds" in refused.output


def test_the_documented_report_shows_every_figure_with_zeros_where_they_must_be():
    doc = (Path(__file__).parents[2] / "docs" / "reliability.md").read_text()
    assert "emply-sim reliability" in doc
    report = doc.split("```text", 1)[1].split("```", 1)[0]
    for figure in FIGURES:
        assert figure in report, figure
    assert "Verdict: every figure that must be zero is zero" in report
