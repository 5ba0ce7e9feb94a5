"""examples/consumer: a project of its own runs its feature on the installed plugin."""

from __future__ import annotations

import json

from tests.bdd.conftest import ROOT, run_pytest

CONSUMER = ROOT / "examples" / "consumer"


def test_the_consumer_project_has_no_conftest_and_only_calls_scenarios():
    assert not (CONSUMER / "conftest.py").exists()
    module = (CONSUMER / "test_warehouse.py").read_text(encoding="utf-8")
    assert "scenarios(" in module and "import" in module and "def " not in module


def test_the_consumer_project_passes_in_parallel_with_a_trace_report(tmp_path):
    trace, cucumber = tmp_path / "trace.md", tmp_path / "cucumber.json"
    result = run_pytest("-q", "-n", "2", "--emply-sim-trace", str(trace),
                        f"--cucumberjson={cucumber}", cwd=CONSUMER)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
    # pytest-bdd keeps its scenario reports per process; the plugin carries them to the
    # xdist controller, so cucumber JSON is whole under -n as well
    [feature] = json.loads(cucumber.read_text(encoding="utf-8"))
    assert sorted(e["name"] for e in feature["elements"]) == [
        "Leaving the warehouse group deactivates",
        "New warehouse staff get their roles and the first group's defaults"]
    text = trace.read_text(encoding="utf-8")
    assert "| SYNC-6 | role sync" in text and "| passed |" in text
    assert "Warehouse staff at Fabrikam: Leaving the warehouse group deactivates" in text
    assert "| TEN-1 | a single tenant, any number of domains | 0 | not run |" in text


def test_one_rule_id_is_selected_by_its_tag(tmp_path):
    result = run_pytest("-q", "-m", "SYNC-8", "--junitxml", str(tmp_path / "junit.xml"),
                        cwd=CONSUMER)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 deselected" in result.stdout
    junit = (tmp_path / "junit.xml").read_text(encoding="utf-8")
    assert 'name="emply_sim_scenario"' in junit and "SYNC-8" in junit
