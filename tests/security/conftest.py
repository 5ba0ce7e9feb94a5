"""Security tests print their figures (without ``-s``) through pytest's terminal reporter."""

from __future__ import annotations

import pytest


@pytest.fixture
def figure(request):
    """``figure("text")`` prints a measured figure under the test's name."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")

    def say(text: str) -> None:
        if reporter is not None:
            reporter.write_line(f"[{request.node.name}] {text}")

    return say
