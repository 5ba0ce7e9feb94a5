"""Run ``emply-sim`` in-process with click's runner, or as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from emply_sim.cli import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def run():
    """``run("scenarios", "--validate", ...)`` -> click Result (stdout, stderr, exit_code)."""
    runner = CliRunner()

    def _run(*args: str):
        return runner.invoke(cli, list(args), prog_name="emply-sim")
    return _run


@pytest.fixture
def spawn():
    """Start ``python -m emply_sim.cli ARGS`` as a subprocess; killed at the end if still running."""
    started: list[subprocess.Popen] = []
    env = {k: v for k, v in os.environ.items()
           if k not in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy",
                        "ALL_PROXY", "all_proxy")}
    env.update(PYTHONUNBUFFERED="1", NO_PROXY="127.0.0.1,localhost")

    def _spawn(*args: str) -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-m", "emply_sim.cli", *args], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started.append(process)
        return process

    yield _spawn
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
