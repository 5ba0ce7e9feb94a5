"""Helpers for the scenario tests.

This folder deliberately has no ``__init__.py``: as a package it would be imported as
``scenarios`` and hide the real ``scenarios`` package of built-in worlds.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from mocks.scenarios import ScenarioError, load_world


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str], Path]:
    """Write YAML text (dedented) to a scenario file and return its path."""
    def _write(text: str, name: str = "world.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return _write


@pytest.fixture
def refusal(write) -> Callable[[str], ScenarioError]:
    """The ScenarioError a scenario text is refused with (fails the test if it loads)."""
    def _refusal(text: str) -> ScenarioError:
        path = write(text)
        with pytest.raises(ScenarioError) as caught:
            load_world(path)
        assert str(caught.value).startswith(str(path)), "the message must name the file"
        return caught.value
    return _refusal
