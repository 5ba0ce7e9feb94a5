"""The traceability report: rule -> scenarios -> result, as Markdown and HTML."""

from __future__ import annotations

from emply_sim.bdd.report import ScenarioResult, TraceReport

RULES = {"AB-1": "first rule", "AB-2": "second rule", "AB-3": "third rule"}


def _report(tmp_path, name="trace.md"):
    report = TraceReport(str(tmp_path / name), RULES)
    report.results = {
        "f::one": ScenarioResult("f::one", "Feature", "one", ["AB-1"], "passed"),
        "f::two": ScenarioResult("f::two", "Feature", "two", ["AB-1", "AB-2"], "failed"),
        "f::three": ScenarioResult("f::three", "Feature", "three", ["ZZ-9"], "passed"),
    }
    return report


def test_a_failed_scenario_fails_its_rules_and_unrun_rules_show(tmp_path):
    report = _report(tmp_path)
    table = report.by_rule()
    assert [report.verdict(table[r]) for r in ("AB-1", "AB-2", "AB-3", "ZZ-9")] == [
        "failed", "failed", "not run", "passed"]
    assert report.summary() == {"passed": 1, "failed": 2, "skipped": 0, "not run": 1}


def test_markdown_and_html_name_every_rule_and_scenario(tmp_path):
    report = _report(tmp_path)
    text = report.markdown()
    assert "| AB-1 | first rule | 2 | failed |" in text
    assert "| AB-3 | third rule | 0 | not run |" in text
    assert "not a rule of docs/rules.md" in text  # ZZ-9
    assert "**failed** — Feature: two (`f::two`)" in text
    page = report.html()
    assert "<td>AB-2</td>" in page and "f::three" in page
