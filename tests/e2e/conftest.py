"""Browser tests: Debian's Chromium, headless, driven by Playwright, over a served world.

Chromium comes from the system (``apt-get install chromium``), never from a browser
download: the path is ``EMPLY_SIM_CHROMIUM`` (default ``/usr/bin/chromium``).
Screenshots go to ``EMPLY_SIM_ARTIFACTS`` (default ``reports/screenshots/``) for CI.
The accessibility check injects axe-core from the npm registry, found at ``EMPLY_SIM_AXE``
(default ``node_modules/axe-core/axe.min.js`` in the repository, which git ignores).
A missing browser, Playwright or axe-core fails these tests with what to install; they
never skip.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mocks.serving import ServedWorld
from mocks.world import World

CHROMIUM = os.environ.get("EMPLY_SIM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("EMPLY_SIM_ARTIFACTS")
                 or Path(__file__).resolve().parents[2] / "reports" / "screenshots")
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(os.environ.get("EMPLY_SIM_AXE") or ROOT / "node_modules" / "axe-core" / "axe.min.js")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def missing_prerequisites() -> list[str]:
    """What is missing to run the browser tests, in words saying how to install it."""
    problems = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("Playwright for Python is not installed: `pip install playwright` "
                        "(or `pip install -e .[test]`); do not run `playwright install`, the "
                        "tests use the system's Chromium")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (Debian), or "
                        "set EMPLY_SIM_CHROMIUM to the browser's path")
    return problems


@pytest.fixture(scope="session")
def browser():
    problems = missing_prerequisites()
    if problems:
        pytest.fail("The browser tests cannot run: " + "; ".join(problems), pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, to inject into pages (``npm install axe-core``)."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not at {AXE}: run `npm install --no-save axe-core` in the "
                    "repository, or set EMPLY_SIM_AXE to the path of axe.min.js", pytrace=False)
    return AXE.read_text(encoding="utf-8")


def serious_violations(page, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations on the page, as readable lines."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['nodes'])}"
            for v in result if v["impact"] in ("serious", "critical")]


@pytest.fixture
def served(monkeypatch):
    # MSAL (requests) would let these override verify=; proxies would take 127.0.0.1 away.
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy",
                 "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with ServedWorld(World()) as served_world:
        yield served_world


@pytest.fixture
def page(browser, served):
    """A fresh browser tab on the served Emply app (its certificate is from a local CA)."""
    context = browser.new_context(ignore_https_errors=True, base_url=served.emply_url,
                                  viewport={"width": 1280, "height": 860})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot for the CI artifacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
