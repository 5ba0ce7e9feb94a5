"""The traceability report a QA lead reads: every rule id, its scenarios, and their results.

:class:`TraceReport` is a pytest plugin object: it collects the outcome of every
scenario from the test reports (which carry the scenario's rule ids, also under
pytest-xdist) and writes Markdown, or HTML when the path ends with ``.html``, at the
end of the session.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SCENARIO_PROPERTY = "emply_sim_scenario"
ORDER = {"failed": 0, "passed": 1, "skipped": 2}


@dataclass
class ScenarioResult:
    nodeid: str
    feature: str
    scenario: str
    rules: list[str]
    outcome: str = "passed"
    duration: float = 0.0


@dataclass(eq=False)  # registered as a pytest plugin, which must be hashable
class TraceReport:
    """Collects scenario results and writes the rule -> scenarios -> result report."""

    path: str
    rules: dict[str, str]
    results: dict[str, ScenarioResult] = field(default_factory=dict)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        info = dict(report.user_properties).get(SCENARIO_PROPERTY)
        if info is None:
            return
        data = json.loads(info)
        result = self.results.get(report.nodeid)
        if result is None:
            result = self.results[report.nodeid] = ScenarioResult(
                report.nodeid, data["feature"], data["scenario"], data["rules"])
        result.duration += report.duration
        if report.failed:
            result.outcome = "failed"
        elif report.skipped and result.outcome != "failed":
            result.outcome = "skipped"

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        target = Path(self.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        text = self.html() if target.suffix.lower() in (".html", ".htm") else self.markdown()
        target.write_text(text, encoding="utf-8")

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.write_line(f"emply-sim traceability report: {self.path}")

    # -- content -------------------------------------------------------------------------------
    def by_rule(self) -> dict[str, list[ScenarioResult]]:
        """Every known rule (document order), then unknown ids, each with its scenarios."""
        table: dict[str, list[ScenarioResult]] = {rule: [] for rule in self.rules}
        for result in sorted(self.results.values(), key=lambda r: r.nodeid):
            for rule in result.rules:
                table.setdefault(rule, []).append(result)
        return table

    @staticmethod
    def verdict(results: list[ScenarioResult]) -> str:
        if not results:
            return "not run"
        return min((r.outcome for r in results), key=lambda o: ORDER.get(o, 3))

    def summary(self) -> dict[str, int]:
        verdicts = [self.verdict(r) for r in self.by_rule().values()]
        return {name: verdicts.count(name) for name in ("passed", "failed", "skipped", "not run")}

    def markdown(self) -> str:
        counts = self.summary()
        lines = ["# Traceability: rules -> scenarios -> results", "",
                 "Rules: " + ", ".join(f"{n} {k}" for k, n in counts.items())
                 + f". Scenarios run: {len(self.results)}.", "",
                 "| rule | what it says | scenarios | result |", "|---|---|---|---|"]
        table = self.by_rule()
        for rule, results in table.items():
            title = self.rules.get(rule, "**not a rule of docs/rules.md**")
            lines.append(f"| {rule} | {title} | {len(results)} | {self.verdict(results)} |")
        for rule, results in table.items():
            lines += ["", f"## {rule} — {self.rules.get(rule, 'unknown rule id')}", ""]
            if not results:
                lines.append("- no scenario ran for this rule")
            for r in results:
                lines.append(f"- **{r.outcome}** — {r.feature}: {r.scenario} (`{r.nodeid}`)")
        return "\n".join(lines) + "\n"

    def html(self) -> str:
        esc = html.escape
        colour = {"passed": "#d4edda", "failed": "#f8d7da", "skipped": "#fff3cd", "not run": "#eee"}
        rows, details = [], []
        for rule, results in self.by_rule().items():
            verdict = self.verdict(results)
            rows.append(f"<tr style='background:{colour.get(verdict, '#fff')}'><td>{esc(rule)}</td>"
                        f"<td>{esc(self.rules.get(rule, 'not a rule of docs/rules.md'))}</td>"
                        f"<td>{len(results)}</td><td>{verdict}</td></tr>")
            items = "".join(f"<li><b>{r.outcome}</b> {esc(r.feature)}: {esc(r.scenario)} "
                            f"<code>{esc(r.nodeid)}</code></li>" for r in results) \
                or "<li>no scenario ran for this rule</li>"
            details.append(f"<h2 id='{esc(rule)}'>{esc(rule)}</h2><ul>{items}</ul>")
        counts = ", ".join(f"{n} {k}" for k, n in self.summary().items())
        return ("<!doctype html><meta charset='utf-8'><title>Traceability</title>"
                "<style>body{font-family:sans-serif}td,th{padding:4px 8px;border:1px solid #ccc}"
                "table{border-collapse:collapse}</style>"
                f"<h1>Traceability: rules → scenarios → results</h1><p>Rules: {counts}. "
                f"Scenarios run: {len(self.results)}.</p><table><tr><th>rule</th>"
                "<th>what it says</th><th>scenarios</th><th>result</th></tr>"
                + "".join(rows) + "</table>" + "".join(details))
