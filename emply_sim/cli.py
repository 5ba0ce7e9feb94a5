"""The ``emply-sim`` command: list, check and generate scenarios, and serve a world over HTTPS.

Every command is one click function on the :func:`cli` group; adding a command is
adding one decorated function (the sync core adds ``demo`` and ``run`` below).
Failures end with one clear line on stderr and a non-zero exit, never a traceback
(set ``EMPLY_SIM_DEBUG=1`` to see one for an unexpected error).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from mocks import scenarios as scenario_files
from mocks.generate import APP_NAME, SYNC_PERMISSIONS, Options, generate

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

# Started with the served world, stopped before it: ``hook(world, served)`` may return a
# stop function. The sync core registers its 30-minute scheduler here.
SERVE_HOOKS: list[Callable[[Any, Any], Callable[[], None] | None]] = []


class Failure(click.ClickException):
    """A failure the user can act on: printed as one line, exit status 1."""

    def show(self, file: Any = None) -> None:
        click.echo(f"emply-sim: error: {self.format_message()}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="emply-entra-sim", prog_name="emply-sim")
def cli() -> None:
    """Simulate Microsoft Entra ID and Emply People, and the integration between them.

    Start with `emply-sim scenarios` to see the built-in worlds, and
    `emply-sim serve faq` to serve one over HTTPS on this machine.
    """


# -- helpers shared by commands ------------------------------------------------------------------
@contextlib.contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback drawing a rich bar on stderr (terminals only)."""
    if not enabled or not err.is_terminal:
        yield lambda done, total: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def open_scenario(scenario: str, world: Any = None) -> tuple[dict[str, Any], Any]:
    """``(document, world)`` for a scenario name or file, or a :class:`Failure` saying why not."""
    try:
        status = err.status(f"Loading {scenario}…") if err.is_terminal else contextlib.nullcontext()
        with progress_bar(f"Generating {scenario}") as progress, status:
            return scenario_files.load_world(scenario, world, progress=progress)
    except scenario_files.ScenarioError as exc:
        raise Failure(str(exc)) from None


def _echo_error(message: str) -> None:
    click.echo(f"emply-sim: error: {message}", err=True)


# -- scenarios ----------------------------------------------------------------------------------
@cli.command("scenarios")
@click.option("--validate", "validate_", is_flag=True,
              help="Check the FILES (or built-in names) instead of listing; all built-ins if none.")
@click.argument("files", nargs=-1, metavar="[FILE|NAME]...")
def scenarios_command(validate_: bool, files: tuple[str, ...]) -> None:
    """List the built-in scenarios, or check scenario files.

    With FILES (or --validate), each is loaded into a throw-away world; a broken one is
    reported as FILE:LINE: PATH: what was expected, and the exit status is 1.
    """
    if validate_ or files:
        _validate_files(list(files) or scenario_files.list_builtin())
        return
    table = Table(title="Built-in scenarios", title_justify="left", show_lines=False)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("users", justify="right")
    table.add_column("groups", justify="right")
    table.add_column("description")
    for name in scenario_files.list_builtin():
        try:
            doc, _ = scenario_files.parse(scenario_files.builtin_text(name), name)
            counts = scenario_files.summary(doc)
        except (scenario_files.ScenarioError, ValueError) as exc:
            table.add_row(name, "?", "?", Text(f"broken: {exc}", style="red"))
            continue
        users = f"{counts['users']:,}" + (" gen." if counts["generated"] else "")
        table.add_row(name, users, str(counts["groups"]), Text(_first_sentence(doc)))
    out.print(table)
    out.print(Text("Serve one: emply-sim serve NAME    Check a file: emply-sim scenarios "
                   "--validate FILE"), style="dim", soft_wrap=True)


def _first_sentence(doc: dict[str, Any]) -> str:
    text = " ".join(str(doc.get("description") or "").split())
    end = text.find(". ")
    return text if end < 0 else text[:end + 1]


def _validate_files(files: list[str]) -> None:
    refused = 0
    for source in files:
        try:
            doc, world = open_scenario(source)
        except Failure as exc:
            refused += 1
            _echo_error(exc.format_message())
            continue
        out.print(Text.assemble(("ok ", "bold green"), source,
                                f"  ({len(world.tenant.users):,} users, "
                                f"{len(world.tenant.groups):,} groups, "
                                f"{len(world.emply.users):,} Emply users)"))
    if refused:
        raise Failure(f"{refused} of {len(files)} scenario file(s) refused")


# -- generate -----------------------------------------------------------------------------------
@cli.command("generate")
@click.option("-n", "--users", type=int, default=Options.users, show_default=True,
              help="How many Entra users.")
@click.option("--groups", type=int, default=Options.groups, show_default=True,
              help="How many groups: all staff, managers, then departments.")
@click.option("--seed", type=int, default=Options.seed, show_default=True,
              help="Same seed, same document.")
@click.option("--locale", default=Options.locale, show_default=True,
              help="Faker locale of the names (da_DK, sv_SE, no_NO, de_DE, en_US …).")
@click.option("--photos", type=float, default=Options.photos, show_default=True,
              help="Share of users with a photo.")
@click.option("--calendars", type=float, default=Options.calendars, show_default=True,
              help="Share of users with a calendar shared with colleagues.")
@click.option("--hybrid", type=float, default=Options.hybrid, show_default=True,
              help="Share of users synced from on-premises AD.")
@click.option("--disabled", type=float, default=Options.disabled, show_default=True,
              help="Share of users with accountEnabled false.")
@click.option("--employees", type=float, default=Options.employees, show_default=True,
              help="Share of users with an Emply employee profile and account already.")
@click.option("--domain", "domains", multiple=True, metavar="DOMAIN",
              help="A verified domain (repeat; the first is the default). "
                   "Default: contoso.com and the locale's country domain.")
@click.option("--name", default=None, help="The scenario's name (default: from the file name).")
@click.option("-o", "--output", default="-", metavar="FILE", show_default=True,
              help="Where to write the scenario YAML ('-' for standard output).")
def generate_command(users: int, groups: int, seed: int, locale: str, photos: float,
                     calendars: float, hybrid: float, disabled: float, employees: float,
                     domains: tuple[str, ...], name: str | None, output: str) -> None:
    """Write a generated scenario: realistic users, groups, photos and calendars from a seed."""
    raw: dict[str, Any] = {"users": users, "groups": groups, "seed": seed, "locale": locale,
                           "photos": photos, "calendars": calendars, "hybrid": hybrid,
                           "disabled": disabled, "employees": employees}
    if domains:
        raw["domains"] = list(domains)
    try:
        options = Options.from_doc(raw, "generate")
    except ValueError as exc:
        raise Failure(str(exc).replace("generate.", "--", 1)) from None
    if name is None:
        name = Path(output).name.rsplit(".", 1)[0] if output != "-" else f"generated-{seed}"
    base = {"name": name,
            "description": f"Generated: {users:,} users in {groups} groups, locale {locale}, "
                           f"seed {seed}.",
            "seed": seed, "clock": "2026-01-05T08:00:00Z"}
    started = time.perf_counter()
    with progress_bar("Generating users", enabled=users >= 1000) as progress:
        doc = generate(options, base, progress)
    header = (f"# Generated by: emply-sim generate --users {users} --groups {groups} --seed {seed} "
              f"--locale {locale}\n# Same options and seed give the same file.\n")
    text = header + dump_yaml(doc)
    if output == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise Failure(f"cannot write {output}: {exc.strerror or exc}") from None
    err.print(f"Wrote {output}: {len(doc['entra']['users']):,} users, "
              f"{len(doc['entra']['groups']):,} groups in "
              f"{time.perf_counter() - started:.2f} s", soft_wrap=True)


def dump_yaml(doc: dict[str, Any]) -> str:
    """A world document as readable YAML: one line per user, group or share."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100,
                     default_flow_style=None)


# -- serve --------------------------------------------------------------------------------------
@cli.command("serve")
@click.argument("scenario", default="faq", metavar="[SCENARIO]")
@click.option("--port-file", type=click.Path(dir_okay=False), default=None,
              help="Write the URLs and credentials as JSON here once the servers answer.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Beyond loopback, /_sim/ needs the printed sim token.")
@click.option("--log-requests", is_flag=True, help="Log every request to stderr.")
@click.option("--real-time", is_flag=True,
              help="Let the simulation clock follow the wall clock, so the sync runs every 30 "
                   "real minutes (default: time moves only through POST /_sim/clock).")
def serve_command(scenario: str, port_file: str | None, host: str, log_requests: bool,
                  real_time: bool) -> None:
    """Serve the identity platform, Graph and Emply People over HTTPS until stopped.

    SCENARIO is a built-in name or a YAML file (default: faq). Stop with Ctrl-C or SIGTERM.
    """
    with stop_signals() as stop:
        doc, world = open_scenario(scenario)
        _check_can_listen(host)
        if real_time:
            SERVE_HOOKS.append(_follow_wall_clock)
        try:
            if not stop.is_set():
                _serve(world, doc, scenario, host, port_file, log_requests, stop)
        finally:
            if real_time:
                SERVE_HOOKS.remove(_follow_wall_clock)


def _follow_wall_clock(world: Any, served: Any) -> Callable[[], None]:
    """A serve hook: the world's clock moves with real time until the server stops."""
    from mocks.clock import WallClockDriver

    return WallClockDriver(lambda: world.clock).start().stop


@contextlib.contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or Ctrl-C (SIGINT) while inside; the old handlers come back after."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals reach the main thread only; the caller stops by setting the event
        return
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(world: Any, doc: dict[str, Any], scenario: str, host: str, port_file: str | None,
           log_requests: bool, stop: threading.Event) -> None:
    from mocks import exposure, guard
    from mocks.serving import ServedWorld

    client_id, client_secret = _app_credentials(world)
    api_key = _emply_key(world, doc)
    if exposure.beyond_loopback(host):  # F8: nothing predictable is left open to the network
        api_key = exposure.fresh_credentials(world)
        client_id, client_secret = _app_credentials(world)
    guard.install_log_redaction()  # F9: --log-requests never shows a secret
    served = ServedWorld(world, host=host, quiet=not log_requests)
    try:
        served.start()
    except (OSError, SystemExit) as exc:  # werkzeug exits when it cannot bind
        reason = exc.strerror if isinstance(exc, OSError) else "the address cannot be bound"
        raise Failure(f"cannot listen on {host}: {reason or exc}") from None
    stoppers: list[Callable[[], None]] = []
    written = False
    try:
        _wait_until_answering(served)
        for hook in SERVE_HOOKS:
            stopper = hook(world, served)
            if stopper is not None:
                stoppers.append(stopper)
        info = {
            "identity_url": served.identity_url,
            "graph_url": served.graph_url,
            "authority": served.authority,
            "tenant_id": world.tenant.id,
            "client_id": client_id,
            "client_secret": client_secret,
            "ca_file": served.ca_file,
            "emply_url": f"{served.emply_url}/v1/{world.emply.customer}",
            "emply_customer": world.emply.customer,
            "emply_api_key": api_key,
            "sim_token": served.sim_token,
        }
        _print_served(scenario, info)
        if port_file:
            _write_json(Path(port_file), info)
            written = True
        while not stop.wait(0.2):
            pass
        err.print("Stopping…")
    finally:
        for stopper in reversed(stoppers):
            with contextlib.suppress(Exception):
                stopper()
        served.stop()
        if written:
            with contextlib.suppress(OSError):
                Path(port_file or "").unlink()


def _check_can_listen(host: str) -> None:
    """Fail with the system's reason when ``host`` cannot be listened on (before anything starts)."""
    try:
        infos = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.bind(address)
    except OSError as exc:
        raise Failure(f"cannot listen on {host}: {exc.strerror or exc}") from None


def _app_credentials(world: Any) -> tuple[str, str]:
    """Client id and secret of the app the sync signs in as (added when the world has none)."""
    apps = list(world.tenant.apps.values())
    app = next((a for a in apps if a.display_name == APP_NAME), apps[0] if apps else None)
    if app is None:
        app = world.tenant.add_app(APP_NAME, set(SYNC_PERMISSIONS))
        err.print(f"The scenario has no app registration; added '{APP_NAME}' with "
                  f"{', '.join(SYNC_PERMISSIONS)}.", soft_wrap=True)
    return app.client_id, app.secret


def _emply_key(world: Any, doc: dict[str, Any]) -> str:
    """An Emply API key in clear: the scenario's first, or a fresh one (keys are stored hashed)."""
    for entry in (doc.get("emply") or {}).get("apiKeys") or []:
        if isinstance(entry, dict) and entry.get("key") and world.emply.authenticate(entry["key"]):
            return str(entry["key"])
    name, n = "emply-sim-serve", 2
    while name in world.emply.api_keys:
        name, n = f"emply-sim-serve-{n}", n + 1
    return str(world.emply.add_api_key(name, {"read", "write", "settings"}))


def _wait_until_answering(served: Any, timeout: float = 10.0) -> None:
    """Return once every served app answers HTTPS (any status), or fail after ``timeout``."""
    import httpx

    identity = f"{served.identity_url}/{served.world.tenant.id}/v2.0/.well-known/openid-configuration"
    urls = [identity, f"{served.graph_url}/organization"]
    if served.emply_url:
        urls.append(f"{served.emply_url}/openapi.json")
    deadline = time.monotonic() + timeout
    with httpx.Client(verify=served.ssl_context(), timeout=2.0, trust_env=False) as client:
        for url in urls:
            while True:
                try:
                    client.get(url)
                    break
                except httpx.TransportError as exc:
                    if time.monotonic() > deadline:
                        raise Failure(f"the server at {url} does not answer: {exc}") from None
                    time.sleep(0.05)


def _write_json(path: Path, info: dict[str, Any]) -> None:
    """Write atomically, so a reader polling for the file never sees half of it."""
    from mocks.exposure import write_private

    try:
        write_private(path, json.dumps(info, indent=2) + "\n")  # F10: 0600, it holds secrets
    except OSError as exc:
        raise Failure(f"cannot write the port file {path}: {exc.strerror or exc}") from None


def _print_served(scenario: str, info: dict[str, Any]) -> None:
    """The URLs and credentials, one per line and never wrapped, so they copy cleanly."""
    out.print(Text(f"Serving scenario '{scenario}' over HTTPS", style="bold"))
    rows = [("Identity", info["identity_url"]), ("Authority (MSAL)", info["authority"]),
            ("Graph", info["graph_url"]),
            ("Emply People", info["emply_url"]), ("Tenant id", info["tenant_id"]),
            ("Client id", info["client_id"]), ("Client secret", info["client_secret"]),
            ("Emply customer", info["emply_customer"]), ("Emply API key", info["emply_api_key"]),
            ("CA file", info["ca_file"]),
            ("Sim token", info["sim_token"] or "(none: /_sim/ is open on loopback)")]
    for label, value in rows:
        out.print(Text.assemble((f"  {label:<22}", "cyan"), str(value)), soft_wrap=True)
    out.print(Text(f"Try: curl --cacert {info['ca_file']} "
                   f"\"{info['emply_url']}/employees?apiKey={info['emply_api_key']}\""),
              soft_wrap=True)
    out.print("Press Ctrl-C to stop.", style="dim")
    out.file.flush()


# -- demo and run: the sync core in-process ------------------------------------------------------
@cli.command("demo")
@click.argument("scenario", default="faq", metavar="[SCENARIO]")
@click.option("--web", is_flag=True,
              help="Serve the world's Emply pages on 127.0.0.1 and print the guided FAQ tour's "
                   "URL, instead of printing the cases here.")
@click.option("--port", type=click.IntRange(0, 65535), default=8081, show_default=True,
              help="With --web: the port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True,
              help="With --web: open the tour in the default browser too.")
def demo_command(scenario: str, web: bool, port: int, open_browser: bool) -> None:
    """Play the FAQ's cases in-process and show what the sync did, and why.

    With the built-in faq world (the default) it walks through the first sync, the four
    role cases of "update roles after first sync" for a user with and without an
    employee profile, deactivation and its reasons, calendars, and a resignation.
    Any other SCENARIO gets its first sync and an hour of scheduled runs. No servers.
    With --web, the same stories are a guided tour in the browser, until stopped.
    """
    if web:
        _demo_web(scenario, port, open_browser)
        return
    from emply_sim.demo import DemoError, run_demo

    try:
        run_demo(scenario, out)
    except scenario_files.ScenarioError as exc:
        raise Failure(str(exc)) from None
    except DemoError as exc:
        raise Failure(f"the demo cannot go on: {exc}") from None


def _demo_web(scenario: str, port: int, open_browser: bool) -> None:
    """Serve the dashboard over the scenario on 127.0.0.1 and print the tour's URL."""
    from mocks.dashboard import Dashboard

    with stop_signals() as stop:
        try:
            dashboard = Dashboard(scenario, port)
        except scenario_files.ScenarioError as exc:
            raise Failure(str(exc)) from None
        except OSError as exc:
            raise Failure(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}") from None
        dashboard.start()
        try:
            out.print(f"FAQ tour: {dashboard.tour_url}", soft_wrap=True)
            out.print(f"Emply pages: {dashboard.url}  (the tour plays the built-in faq world; "
                      "stop with Ctrl-C)", soft_wrap=True)
            if open_browser:
                import webbrowser

                webbrowser.open(dashboard.tour_url)
            while not stop.wait(0.2):
                pass
            err.print("Stopping…")
        finally:
            dashboard.stop()


@cli.command("run")
@click.argument("scenario", metavar="SCENARIO")
@click.option("--for", "duration", default="2h", show_default=True, metavar="DURATION",
              help="Simulated time to run: 90m, 2h, 1d or ISO 8601 (PT2H).")
@click.option("--changes/--no-changes", default=True, show_default=True,
              help="Print every change of the run log, not only the runs.")
def run_command(scenario: str, duration: str, changes: bool) -> None:
    """Run a world forward in simulated time and print the run log.

    The sync runs every 30 minutes of simulated time; nothing waits in real time.
    """
    from mocks.inprocess import InProcess

    span = _duration(duration)
    _, world = open_scenario(scenario)
    sim = InProcess(world)
    try:
        steps = max(1, int(span.total_seconds() // 1800))
        with progress_bar("Running", enabled=steps >= 8) as progress:
            for step in range(steps):
                world.clock.advance(min(span, timedelta(minutes=30)))
                progress(step + 1, steps)
        engine = sim.engine
        runs = list(reversed(engine.store.runs(limit=10_000)))
        table = Table(title=f"{scenario}: {len(runs)} run(s) in {duration} of simulated time",
                      title_justify="left")
        for column in ("run", "started", "trigger", "status", "changes", "message"):
            table.add_column(column, overflow="fold")
        for run in runs:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(run.counts.items())) or "none"
            table.add_row(str(run.id), run.started, run.trigger, run.status, counts,
                          run.message or "")
        out.print(table)
        if changes:
            log = Table(title="Run log", title_justify="left")
            for column in ("run", "change", "who", "rule", "status", "reason"):
                log.add_column(column, overflow="fold")
            for change in reversed(engine.store.changes(limit=100_000)):
                log.add_row(str(change["runId"]), change["kind"], change["email"] or "",
                            change["rule"], change["status"], change["reason"])
            out.print(log)
    finally:
        sim.close()


def _duration(text: str) -> timedelta:
    """``90m``, ``2h``, ``1d``, ``45s`` or an ISO 8601 duration, as a timedelta."""
    from mocks.sim import SimError, parse_duration

    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
    raw = text.strip().lower()
    if raw[:-1].replace(".", "", 1).isdigit() and raw[-1:] in unit:
        span = timedelta(**{unit[raw[-1]]: float(raw[:-1])})
    else:
        try:
            span = parse_duration(text)
        except SimError:
            raise Failure(f"--for: {text!r} is not a duration such as 90m, 2h, 1d or PT2H") from None
    if span <= timedelta(0):
        raise Failure("--for: the duration must be more than zero")
    return span


@cli.command("reliability")
@click.option("--seeds", type=click.IntRange(1, 1000), default=5, show_default=True,
              help="Generated worlds (seeds) run under Graph faults.")
@click.option("--users", type=click.IntRange(50, 20000), default=1000, show_default=True,
              help="Users in each faulted world.")
@click.option("--soak", is_flag=True, help="At least 20 seeds and larger budgets (minutes).")
def reliability_command(seeds: int, users: int, soak: bool) -> None:
    """Print the reliability report: faults, partial reads, held runs, crashes, overlapping
    runs, bad input and security, each with its figures (docs/reliability.md)."""
    from emply_sim import reliability

    if not reliability.print_report(seeds=seeds, users=users, soak=soak,
                                    say=lambda line: click.echo(line)):
        raise Failure("a figure that must be zero is not (see the report above)")


def main(argv: list[str] | None = None) -> None:
    """The console script: run :func:`cli`, turning any unexpected error into one line."""
    try:
        cli.main(args=argv, prog_name="emply-sim")
    except Exception as exc:  # a bug, not the user's mistake: still no traceback by default
        _echo_error(f"unexpected {type(exc).__name__}: {exc}")
        if os.environ.get("EMPLY_SIM_DEBUG"):
            traceback.print_exc()
        sys.exit(1)


if __name__ == "__main__":
    main()
