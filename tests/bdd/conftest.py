"""Helpers for the tests of the emply_sim plugin: paths and running pytest in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ROOT / "features"


def run_pytest(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """``python -m pytest`` in ``cwd`` (the plugin comes from the installed entry point)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture
def root() -> Path:
    return ROOT
