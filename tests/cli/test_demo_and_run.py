"""`emply-sim demo` shows the FAQ's role cases as behaviour.md's table has them, and
`emply-sim run` runs a world forward in simulated time."""

from __future__ import annotations

import re

from click.testing import CliRunner
from rich.console import Console

from emply_sim.cli import cli
from emply_sim.demo import run_demo

# The four cases of SYNC-6 (docs/rules.md): roles after the run, for a user without an
# employee profile, and for one connected to an employee (never changed).
MEGAN_AFTER = {"a": {"Employee", "HR", "Manager"}, "b": {"Employee", "HR", "Manager"},
               "c": {"Employee", "HR"}, "d": {"New employee", "HR", "Manager"}}
RAY_AFTER = {"a": {"Employee", "HR", "Manager"}, "b": {"Employee", "HR", "Manager"},
             "c": {"Manager"}, "d": {"Employee", "HR", "Manager"}}


def _rows(text: str, title: str) -> dict[str, set[str]]:
    """The 'roles after' column of the cases table under ``title``, by case letter."""
    section = text[text.index(title):]
    rows = {}
    for line in section.splitlines()[4:]:
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) < 5 or not re.fullmatch(r"[a-d]", cells[0]):
            if rows:
                break
            continue
        rows[cells[0]] = set(cells[4].split(", "))
    return rows


def test_the_demo_shows_the_four_role_cases_as_the_rules_state_them():
    console = Console(record=True, width=220)
    shown = run_demo("faq", console)
    text = console.export_text()
    assert _rows(text, "the Megan Jordan cases") == MEGAN_AFTER
    assert _rows(text, "the Ray Ross case") == RAY_AFTER
    assert {r.case: set(r.after) for r in shown["megan"]} == MEGAN_AFTER
    assert {answer["rule"] for answer in shown["deactivation"]["why"].values()} == {
        "SYNC-3", "DEL-1"}
    assert shown["deactivation"]["restored"] == "active"
    calendars = {c["name"]: (c["enabled"], c["canDisable"]) for c in shown["calendars"]["calendars"]}
    assert calendars["Calendar"] == (True, False)
    assert calendars["Team planning"] == (False, True) and "Board meetings" not in calendars
    assert (shown["resignation"]["pending"], shown["resignation"]["archived"],
            shown["resignation"]["user"]) == ("Pending", "Archived", "deactivated")


def test_demo_of_another_scenario_and_a_bad_one():
    runner = CliRunner()
    result = runner.invoke(cli, ["demo", "external-users"])
    assert result.exit_code == 0, result.output
    assert "the first sync" in result.output
    bad = runner.invoke(cli, ["demo", "no-such-world"])
    assert bad.exit_code == 1 and "no-such-world" in bad.output


def test_run_forward_two_hours_gives_four_scheduled_runs():
    result = CliRunner().invoke(cli, ["run", "faq", "--for", "2h", "--no-changes"])
    assert result.exit_code == 0, result.output
    assert "4 run(s) in 2h" in result.output
    assert result.output.count("schedule") == 4


def test_run_refuses_a_duration_it_cannot_read():
    result = CliRunner().invoke(cli, ["run", "faq", "--for", "soon"])
    assert result.exit_code == 1
    assert "--for: 'soon' is not a duration" in result.output
