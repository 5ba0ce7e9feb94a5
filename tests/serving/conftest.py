"""What every served-world test needs from the environment."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_environment_overrides(monkeypatch):
    """requests (inside MSAL) lets these override ``verify=``, and proxies would take
    127.0.0.1 away: the tests talk to the served world directly, trusting its own CA."""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy",
                 "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
