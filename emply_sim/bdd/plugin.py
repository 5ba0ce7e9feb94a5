"""The ``emply_sim`` pytest plugin: the step library, its fixtures, rule-id marks and reports.

Registered by the entry point ``[project.entry-points.pytest11] emply_sim``, so any
project that installs ``emply-entra-sim`` can write ``.feature`` files on these steps.

Options:

* ``--emply-sim-port-file PATH``: run against apps served by ``emply-sim serve
  --port-file PATH`` (each scenario loads its world through ``/_sim/load``);
* ``--emply-sim-serve``: start ``emply-sim serve`` for the session and run against it;
* ``--emply-sim-trace PATH``: write a traceability report (rule id -> scenarios ->
  result), Markdown, or HTML when PATH ends with ``.html``.

Without either served option every scenario gets its own in-process world.
"""

from __future__ import annotations

import json

import pytest

from emply_sim.bdd.report import SCENARIO_PROPERTY, TraceReport
from emply_sim.bdd.rules import known_rules, looks_like_rule_id
from emply_sim.bdd.system import InProcessTarget, ServedTarget, Target

BDD_CONTEXT = "emply_sim_bdd_context"
pytest_plugins = ["emply_sim.bdd.steps"]  # the step definitions and the emply_sim fixture



def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("emply-sim", "Emply / Entra ID simulation (Gherkin steps)")
    group.addoption("--emply-sim-port-file", metavar="PATH", default=None,
                    help="run the scenarios against the apps of `emply-sim serve --port-file PATH`")
    group.addoption("--emply-sim-serve", action="store_true", default=False,
                    help="start `emply-sim serve` for the session and run the scenarios "
                         "against it over HTTPS")
    group.addoption("--emply-sim-trace", metavar="PATH", default=None,
                    help="write a traceability report: rule id -> scenarios -> result "
                         "(Markdown; HTML when PATH ends with .html)")


def served(config: pytest.Config) -> bool:
    """True when the scenarios run against served apps rather than in-process worlds."""
    return bool(config.getoption("--emply-sim-port-file") or config.getoption("--emply-sim-serve"))


def pytest_configure(config: pytest.Config) -> None:
    for rule_id, title in known_rules().items():
        config.addinivalue_line("markers", f"{rule_id}: {title} (rule of docs/rules.md)")
    workers = getattr(config.option, "numprocesses", None)
    if served(config) and workers not in (None, 0):
        raise pytest.UsageError(
            "served mode shares one server between scenarios, each of which reloads its world, "
            "so it cannot run under pytest-xdist (-n); run it without -n")
    trace = config.getoption("--emply-sim-trace")
    if trace and not hasattr(config, "workerinput"):  # the xdist controller writes it
        config.pluginmanager.register(TraceReport(trace, known_rules()), "emply_sim_trace")


def _target_scope(fixture_name: str, config: pytest.Config) -> str:
    return "session" if served(config) else "function"


@pytest.fixture(scope=_target_scope)
def emply_sim_target(request: pytest.FixtureRequest) -> Target:
    """Where scenarios run: a fresh in-process world each, or the one served world."""
    config = request.config
    port_file = config.getoption("--emply-sim-port-file")
    if port_file:
        target: Target = ServedTarget.from_port_file(port_file)
    elif config.getoption("--emply-sim-serve"):
        target = ServedTarget.serve()
    else:
        target = InProcessTarget()
    yield target
    target.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: after pytest-bdd's own wrapper
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Put the scenario's feature, name and rule ids on its report (they survive xdist).

    On an xdist worker, also carry pytest-bdd's scenario report on the test report, so
    the controller can write ``--cucumberjson`` (pytest-bdd keeps it in a registry that
    does not travel between processes).
    """
    report = yield
    if call.when == "setup":
        info = scenario_info(item)
        if info is not None:
            item.user_properties.append((SCENARIO_PROPERTY, json.dumps(info)))
            report.user_properties = list(item.user_properties)
    if hasattr(item.config, "workerinput"):
        context = _bdd_registry().get(report) if _bdd_registry() is not None else None
        if context is not None:
            setattr(report, BDD_CONTEXT, {"scenario": context.scenario, "name": context.name})
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """On the xdist controller, give pytest-bdd back the scenario report a worker sent."""
    data = getattr(report, BDD_CONTEXT, None)
    registry = _bdd_registry()
    if data and registry is not None and report not in registry:
        from pytest_bdd.reporting import ReportContext

        registry[report] = ReportContext(scenario=data["scenario"], name=data["name"])


def _bdd_registry():
    try:
        from pytest_bdd.reporting import test_report_context_registry
    except ImportError:  # another pytest-bdd layout: cucumber JSON stays pytest-bdd's business
        return None
    return test_report_context_registry


def scenario_info(item: pytest.Item) -> dict | None:
    """Feature, scenario and rule ids of a pytest-bdd test item (None for other tests)."""
    function = getattr(item, "obj", None)
    try:
        from pytest_bdd.scenario import scenario_wrapper_template_registry

        template = scenario_wrapper_template_registry.get(function)
    except (ImportError, TypeError):  # another pytest-bdd layout, or an object no registry holds
        return None
    if template is None:
        return None
    feature, name = template.feature.name, template.name
    tags = set(template.tags) | set(template.feature.tags)
    if getattr(template, "rule", None) is not None:
        tags |= set(template.rule.tags)
    rules = sorted(t for t in tags if looks_like_rule_id(t))
    return {"feature": feature, "scenario": name, "rules": rules, "nodeid": item.nodeid}
