"""Reliability tests print their figures: ``figure(...)`` writes one line to the terminal
(through pytest's terminal reporter, so it shows without ``-s``) and keeps it for the
summary at the end of the session."""

from __future__ import annotations

import pytest

FIGURES: list[str] = []


@pytest.fixture
def figure(request):
    """``figure("text")`` prints a measured figure under the test's name."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")

    def say(text: str) -> None:
        line = f"[{request.node.name}] {text}"
        FIGURES.append(line)
        if reporter is not None:
            reporter.write_line(line)

    return say


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("reliability figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
