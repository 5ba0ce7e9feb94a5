"""Same world, same actions, same bytes: QA diffs these outputs between runs.

Each command runs in two fresh processes with different hash seeds, so nothing may
depend on set or dict order that Python randomises per process.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.bdd.conftest import ROOT

CONSUMER = ROOT / "examples" / "consumer"


def _output(args: list[str], hash_seed: str, cwd=ROOT) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(PYTHONHASHSEED=hash_seed, COLUMNS="120")
    result = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.parametrize("args", [
    ["-m", "emply_sim.cli", "run", "faq", "--for", "2h"],
    ["-m", "emply_sim.cli", "run", "calendars", "--for", "1h"],
    ["-m", "emply_sim.cli", "demo", "faq"],
], ids=["run-faq", "run-calendars", "demo-faq"])
def test_the_same_command_prints_the_same_bytes_in_two_processes(args):
    first, second = _output(args, "1"), _output(args, "2")
    assert first.strip(), "the command printed nothing"
    assert first == second


def test_the_traceability_report_is_the_same_for_the_same_results(tmp_path):
    reports = []
    for seed in ("1", "2"):
        path = tmp_path / f"trace-{seed}.md"
        _output(["-m", "pytest", "-q", "-p", "no:cacheprovider", "--emply-sim-trace",
                 str(path)], seed, cwd=CONSUMER)
        reports.append(path.read_bytes())
    assert b"| SYNC-6 |" in reports[0]
    assert reports[0] == reports[1]
