"""Reliability measurements of the sync hosted by Emply (issue 8), shared by the tests
under ``tests/reliability`` (which assert) and ``emply-sim reliability`` (which prints).

Each ``measure_*`` function builds its own in-process worlds, drives the sync, and
returns a small report of counted figures; nothing sleeps in real time (Retry-After
waits move the simulation clock, injected latency is recorded, not slept).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from mocks.entra import mailbox
from mocks.generate import Options, generate
from mocks.graph.faults import FaultPlan
from mocks.inprocess import EMPLY_URL, InProcess
from mocks.world import World
from mocks.worldfile import load

PERMISSIONS = ["User.ReadWrite.All", "GroupMember.Read.All", "ProfilePhoto.Read.All",
               "Calendars.ReadWrite", "Organization.Read.All"]
API_KEY = "reliability-key"
# The fault mix: 20 % throttled, 5 % unavailable, 1 % dropped, and latency.
FAULTS: dict[str, Any] = {"throttleRate": 0.20, "unavailableRate": 0.05, "dropRate": 0.01,
                          "latencyMs": 25, "retryAfter": 2}
# Convergence (issue 15, item 7). The bound that holds for every seed: a phase converges at
# its first run that reads everything and makes every change (status success); only runs
# stopped by SAFE-1 or left partial come before it, so it converges within
# stops + partials + 1 runs. How many runs stop is chance: each attempt of a request fails
# with the plan's fault rate r, a request gives up after 6 attempts (r**6), and a run of R
# requests stops with p = 1 - (1 - r**6)**R, so k runs in a row stop with probability p**k.
# MAX_RUNS caps a measurement, it is not a promise.
MAX_RUNS = 10
RETRY_ATTEMPTS = 6  # sync_core.graph.GraphClient's attempts per request


# ---------------------------------------------------------------------------
# Worlds
# ---------------------------------------------------------------------------
def world_doc(seed: int, users: int, *, groups: int = 8, employees: float = 0.02,
              events_every: int = 50, threshold: dict[str, Any] | None = None) -> dict[str, Any]:
    """A generated world with calendar and role sync on, some Emply users (with Emply
    events to push to Entra) and some Entra events to import: every kind of write the
    sync makes is exercised."""
    integration: dict[str, Any] = {"updateRolesAfterFirstSync": True, "calendarSync": True}
    if threshold is not None:
        integration["deactivationThreshold"] = threshold
    base = {"seed": seed, "clock": "2026-01-05T08:00:00Z",
            "entra": {"tenant": {"displayName": "Reliability"},
                      "apps": [{"displayName": "Emply People", "permissions": PERMISSIONS}]},
            "emply": {"apiKeys": [{"name": "reliability", "key": API_KEY,
                                   "permissions": ["read", "write", "settings"]}],
                      "integration": integration}}
    doc = generate(Options(users=users, groups=groups, seed=seed, photos=0.3, calendars=0.05,
                           employees=employees), base)
    for i, user in enumerate(doc["entra"]["users"]):
        if events_every and i % events_every == 1:
            day = 6 + i % 20
            event = {"subject": f"Meeting {i}",
                     "start": {"dateTime": f"2026-01-{day:02d}T09:00:00", "timeZone": "UTC"},
                     "end": {"dateTime": f"2026-01-{day:02d}T10:00:00", "timeZone": "UTC"}}
            user["calendars"] = [{"name": "Calendar", "isDefault": True, "events": [event]},
                                 *user.get("calendars", [])]
    emply_users = [u for u in doc["emply"].get("users", []) if u.get("employee")]
    doc["emply"]["events"] = [
        {"user": u["email"], "subject": f"Emply review {n}", "start": "2026-01-20T13:00:00Z",
         "end": "2026-01-20T14:00:00Z"} for n, u in enumerate(emply_users[:10])]
    return doc


class Harness:
    """One in-process world with the sync hosted by Emply, off its 30-minute schedule."""

    def __init__(self, doc: dict[str, Any], faults: dict[str, Any] | None = None) -> None:
        self.world = World()
        load(self.world, doc)
        self.inproc = InProcess(self.world)
        self.world.clock.unsubscribe(self.inproc.engine.on_clock)  # runs only when told
        self.latency_ms = 0
        if faults:
            plan = FaultPlan.from_json(faults)
            plan.sleeper = self._record_latency  # latency is counted, never slept
            self.world.faults = plan

    def _record_latency(self, seconds: float) -> None:
        self.latency_ms += round(seconds * 1000)

    @property
    def engine(self):
        return self.inproc.engine

    def run(self, **kwargs: Any):
        return self.engine.run("reliability", **kwargs)

    def emply_client(self, api_key: str | None = API_KEY) -> httpx.Client:
        params = {"apiKey": api_key} if api_key else {}
        return self.inproc.client(base_url=f"{EMPLY_URL}/v1/{self.world.emply.customer}",
                                  params=params)

    def faults_injected(self) -> Counter[str]:
        return Counter(e.fault for e in self.world.journal.entries() if e.fault)

    def early_retries(self) -> int:
        return len(self.world.journal.violations())

    def close(self) -> None:
        self.inproc.close()


# ---------------------------------------------------------------------------
# What a QA tester compares
# ---------------------------------------------------------------------------
def projection(world: World) -> dict[str, tuple]:
    """Per e-mail: status, deactivation reason, role names, Entra link, photo from Entra,
    calendars (name, default, enabled) and the events shown or pushed (ids left out)."""
    e = world.emply
    with e.lock:
        events: dict[str, list[tuple]] = {}
        for ev in e.events.values():
            if ev.removed_at is None:
                events.setdefault(ev.user_id, []).append(
                    (ev.origin, ev.subject, ev.start.isoformat(), ev.end.isoformat(),
                     len(ev.entra_links)))
        out = {}
        for user in e.users.values():
            out[user.email.strip().lower()] = (
                user.status, user.deactivation.reason if user.deactivation else None,
                tuple(sorted(e.roles[r].name for r in user.role_ids)), user.entra_object_id,
                bool(user.photo and user.photo.entra_etag),
                tuple(sorted((c.name, c.is_default, c.enabled) for c in user.calendars)),
                tuple(sorted(events.get(user.id, []))))
        return out


def mismatches(state: dict[str, tuple], expected: dict[str, tuple]) -> list[str]:
    """E-mails whose projection differs (missing on either side counts)."""
    return sorted(k for k in set(state) | set(expected) if state.get(k) != expected.get(k))


def deactivated(state: dict[str, tuple]) -> set[str]:
    return {k for k, v in state.items() if v[0] == "deactivated"}


def duplicates(world: World) -> list[str]:
    """Duplicate users or events, in Emply or in Entra (each described in words)."""
    found: list[str] = []
    e, t = world.emply, world.tenant
    with e.lock:
        emails = Counter(u.email.strip().lower() for u in e.users.values())
        found += [f"Emply user {m} x{n}" for m, n in emails.items() if n > 1]
        shown = Counter((ev.user_id, ev.calendar_id, ev.entra_event_id)
                        for ev in e.events.values()
                        if ev.origin == "microsoft365" and ev.removed_at is None)
        found += [f"Emply event {k[2]} x{n}" for k, n in shown.items() if n > 1]
        made = Counter((ev.user_id, ev.subject, ev.start, ev.end) for ev in e.events.values()
                       if ev.origin == "emply" and ev.removed_at is None)
        found += [f"Emply event {k[1]!r} x{n}" for k, n in made.items() if n > 1]
    with t.lock:
        upns = Counter(str(u.props.get("userPrincipalName", "")).lower() for u in t.users.values())
        found += [f"Entra user {m} x{n}" for m, n in upns.items() if n > 1]
        transactions = Counter((t.calendars[ev.calendar_id].owner_id, ev.props["transactionId"])
                               for ev in t.events.values()
                               if ev.props.get("transactionId") and ev.calendar_id in t.calendars)
        found += [f"Entra event transaction {k[1]} x{n}" for k, n in transactions.items() if n > 1]
    return found


# ---------------------------------------------------------------------------
# 1. Faults
# ---------------------------------------------------------------------------
@dataclass
class RunOutcome:
    """One run under faults: its status and what it did to the Emply state."""

    phase: str
    status: str
    matches_reference: bool
    unchanged: bool
    deactivated: int


@dataclass
class FaultReport:
    seed: int
    users: int
    runs: list[RunOutcome] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    latency_ms: int = 0
    requests: int = 0
    round_trips: int = 0  # outer requests: latency is added once per round trip
    mismatches: int = 0  # e-mails differing from the fault-free run after the last run
    unconverged_phases: list[str] = field(default_factory=list)
    early_retries: int = 0
    spurious_deactivations: int = 0
    unclean_stops: int = 0  # a stopped run that changed something
    duplicates: list[str] = field(default_factory=list)
    server_errors: int = 0  # 5xx answers from Graph that were not injected faults
    seconds: float = 0.0
    # runs until each phase converged, and runs of a phase that ended success without
    # reaching the fault-free state (the bound says: never)
    runs_to_converge: dict[str, int] = field(default_factory=dict)
    bound_violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.unconverged_phases or self.early_retries
                    or self.spurious_deactivations or self.unclean_stops or self.duplicates
                    or self.server_errors or self.bound_violations)


def change_entra(world: World, seed: int, share: float = 0.02) -> None:
    """The same Entra changes in any world built from the same document: some people
    leave every synced group, some are deleted, some disabled, some join a group."""
    import random

    t = world.tenant
    synced = [g.group_id for g in world.emply.settings.synced_groups]
    rng = random.Random(f"changes:{seed}")
    users = sorted(t.users)
    picked = rng.sample(users, max(4, round(len(users) * share)))
    for i, uid in enumerate(picked):
        kind = i % 4
        if kind == 0:
            for group in synced:
                if uid in t.groups[group].members:
                    t.remove_member(group, uid)
        elif kind == 1:
            t.delete_user(uid)
        elif kind == 2:
            t.users[uid].props["accountEnabled"] = False  # also for hybrid users (on-premises)
            t.record("user", uid, "upsert", properties=("accountEnabled",))
        else:
            group = synced[i % len(synced)]
            if uid not in t.groups[group].members:
                t.add_member(group, uid)
    # Someone new, with a photo: created in Emply with it in the same run (PIC-1).
    domain = next(d.id for d in t.domains.values() if d.is_verified)
    joiner = t.add_user({"userPrincipalName": f"joiner.{seed}@{domain}",
                         "mail": f"joiner.{seed}@{domain}", "displayName": f"Joiner {seed}",
                         "givenName": "Joiner", "surname": str(seed)})
    mailbox.set_photo(t, joiner.id, f"photo of joiner {seed}".encode(), "image/jpeg")
    t.add_member(synced[0], joiner.id)


def measure_faults(seed: int, users: int = 1000, faults: dict[str, Any] | None = None,
                   max_runs: int = MAX_RUNS) -> FaultReport:
    """A fault-free world and a faulted one from the same document: a full sync, then an
    incremental one after Entra changes; the faulted one must reach the fault-free state
    within ``max_runs`` runs each time. Every run in between either matches it, or stopped
    (SAFE-1) without changing anything, or is ``partial`` (a change failed after its
    retries, reported, and made by a later run)."""
    started = time.perf_counter()
    doc = world_doc(seed, users)
    plan = dict(FAULTS if faults is None else faults, seed=seed)
    report = FaultReport(seed, users)
    reference, faulted = Harness(doc), Harness(doc, plan)
    try:
        for phase in ("full", "incremental"):
            if phase == "incremental":
                change_entra(reference.world, seed)
                change_entra(faulted.world, seed)
            reference.run()
            expected = projection(reference.world)
            allowed = deactivated(expected)
            applied = 0
            for count in range(1, max_runs + 1):
                before = projection(faulted.world)
                result = faulted.run()
                if result.status != "failure":
                    applied += 1
                    if applied > 1:  # the twin runs as often (its daily refresh window
                        reference.run()  # moves with every run that applies)
                        expected = projection(reference.world)
                after = projection(faulted.world)
                wrong = mismatches(after, expected)
                newly = deactivated(after) - deactivated(before)
                report.spurious_deactivations += len(deactivated(after) - allowed)
                stopped = result.status == "failure"
                if stopped and after != before:
                    report.unclean_stops += 1
                report.runs.append(RunOutcome(phase, result.status, not wrong, after == before,
                                              len(newly)))
                if result.status == "success" and wrong:  # the bound: success converges
                    report.bound_violations.append(f"{phase} run {count}: {wrong[:3]}")
                if not wrong:
                    report.runs_to_converge[phase] = count
                    break
            else:
                report.unconverged_phases.append(phase)
            report.mismatches = len(mismatches(projection(faulted.world), expected))
        report.faults = faulted.faults_injected()
        report.latency_ms = faulted.latency_ms
        report.requests = faulted.world.journal.last_seq
        report.round_trips = sum(1 for e in faulted.world.journal.entries() if e.batch is None)
        report.early_retries = faulted.early_retries()
        report.duplicates = duplicates(faulted.world) + duplicates(reference.world)
        report.server_errors = sum(1 for sim in (reference, faulted)
                                   for entry in sim.world.journal.entries()
                                   if (entry.status or 0) >= 500 and not entry.fault)
    finally:
        reference.close()
        faulted.close()
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------------------
# 2. Partial reads
# ---------------------------------------------------------------------------
class Outage:
    """WSGI middleware inside the Graph app's fault layer: once armed, the ``at``-th
    request (counting outer requests only) and every request after it are answered 503
    with ``Retry-After`` until :meth:`disarm`, so the run's read stops at that page."""

    def __init__(self, app, retry_after: int = 5) -> None:
        from mocks.graph.faults import BATCH_ENVIRON_KEY

        self.app = app
        self.retry_after = retry_after
        self._batch_key = BATCH_ENVIRON_KEY
        self.at: int | None = None
        self.seen = 0
        self.refused = 0
        self.urls: list[str] = []  # the outer requests seen while armed, in order
        self.inner: dict[int, list[str]] = {}  # a batch's position -> its inner paths
        self.only: Callable[[str], bool] | None = None  # refuse only paths this accepts

    def arm(self, at: int | None) -> None:
        self.at, self.seen, self.refused, self.urls, self.inner = at, 0, 0, [], {}

    def disarm(self) -> None:
        self.at = None

    def __call__(self, environ, start_response):
        outer = environ.get(self._batch_key) is None
        if outer:
            self.seen += 1
            self.urls.append(f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
                             + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else ""))
        else:
            self.inner.setdefault(self.seen, []).append(environ.get("PATH_INFO", ""))
        if self.at is not None and self.seen >= self.at and (
                self.only is None or self.only(environ.get("PATH_INFO", ""))):
            self.refused += 1
            body = (b'{"error":{"code":"serviceNotAvailable","message":"The service is '
                    b'temporarily unavailable (outage injected by the reliability test)."}}')
            start_response("503 Service Unavailable", [
                ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                ("Retry-After", str(self.retry_after))])
            return [body]
        return self.app(environ, start_response)


def install_outage(harness: Harness) -> Outage:
    """Put an :class:`Outage` under the Graph app's fault and journal layer."""
    traffic = harness.inproc.graph_app.wsgi_app  # mocks.graph.faults.GraphTraffic
    outage = Outage(traffic.wsgi_app)
    traffic.wsgi_app = outage
    return outage


@dataclass
class BoundaryOutcome:
    """A run whose Graph read failed from request ``at`` on, and the run after it."""

    kind: str  # "full" or "delta"
    at: int
    request: str  # the first refused request
    status: str
    reported: bool  # the run's record names the Graph error
    changed: bool  # the Emply state changed in the failed run
    deactivated: int
    then_status: str = ""
    converged: bool = False


@dataclass
class PartialReadReport:
    outcomes: list[BoundaryOutcome] = field(default_factory=list)
    early_retries: int = 0
    duplicates: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return bool(self.outcomes) and not self.early_retries and not self.duplicates and all(
            o.status == "failure" and o.reported and not o.changed and not o.deactivated
            and o.converged for o in self.outcomes)


def _read_requests(urls: list[str]) -> list[int]:
    """1-based positions of the paged reads (the page boundaries) in a run's requests."""
    return [i + 1 for i, url in enumerate(urls) if url.startswith("GET ")]


def measure_partial_reads(users: int = 1150, seed: int = 3,
                          delta_page_size: int = 4) -> PartialReadReport:
    """Fail Graph from each page of a run's read on, in turn: full reads (users and group
    members come in pages of 999, so ``users`` > 999 gives several) and delta rounds
    (pages of ``delta_page_size``), and the first two pages of per-user reads. Every
    such run must deactivate nobody, change nothing and report the error; the run after
    it must reach the state of a fault-free twin world with the same changes."""
    started = time.perf_counter()
    report = PartialReadReport()
    doc = world_doc(seed, users, groups=3, employees=0.0, events_every=0)
    doc["emply"]["integration"]["calendarSync"] = False
    reference, h = Harness(doc), Harness(doc)
    try:
        for sim in (reference, h):
            sim.inproc.graph_app.config["DELTA_PAGE_SIZE"] = delta_page_size
            sim.run()
        outage = install_outage(h)
        round_no = 0
        for kind in ("full", "delta"):
            # Where this kind of run's pages are: a fault-free run of it (with changes).
            round_no += 1
            for sim in (reference, h):
                change_entra(sim.world, seed * 1000 + round_no, share=0.01)
            if kind == "full":
                h.engine.directory.forget()  # a full read, in pages
            outage.arm(None)
            reference.run(lift_threshold=True)
            h.run(lift_threshold=True)
            urls = list(outage.urls)
            batches = [i for i, url in enumerate(urls, 1) if "$batch" in url]
            # Group members come in batches too (issue 13): those batches are pages of the
            # directory read, the per-user reads follow them.
            members = [i for i in batches
                       if any("/members" in p for p in outage.inner.get(i, ()))]
            per_user = [i for i in batches if i not in members]
            # Every page the read phase GETs or batches (before the per-user reads), then the
            # first two pages of per-user reads ($batch); the apply phase comes after them.
            boundaries = [i for i, url in enumerate(urls[:per_user[0] - 1], 1)
                          if url.startswith("GET ") or i in members] + per_user[:2]
            for at in boundaries:
                # Fresh changes a partial read would misjudge (people leaving, deleted,
                # disabled, someone new with a photo), the same in both worlds.
                round_no += 1
                for sim in (reference, h):
                    change_entra(sim.world, seed * 1000 + round_no, share=0.01)
                reference.run(lift_threshold=True)
                expected = projection(reference.world)
                if kind == "full":
                    h.engine.directory.forget()
                before = projection(h.world)
                outage.arm(at)
                result = h.run(lift_threshold=True)
                failed_at = outage.urls[at - 1] if len(outage.urls) >= at else "(none)"
                outage.disarm()  # and the next run follows at once
                after = projection(h.world)
                run = h.engine.store.run(result.run_id)
                outcome = BoundaryOutcome(
                    kind, at, failed_at.split("?")[0], result.status,
                    bool(run and run.message and "503" in run.message), after != before,
                    len(deactivated(after) - deactivated(before)))
                then = h.run(lift_threshold=True)
                outcome.then_status = then.status
                outcome.converged = not mismatches(projection(h.world), expected)
                report.outcomes.append(outcome)
        report.early_retries = h.early_retries()
        report.duplicates = duplicates(h.world)
    finally:
        reference.close()
        h.close()
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------------------
# 3. Mass change (SAFE-2)
# ---------------------------------------------------------------------------
@dataclass
class MassChangeReport:
    active_before: int = 0
    would_deactivate: int = 0
    held_status: str = ""
    held_again_status: str = ""
    changed_while_held: int = 0  # e-mails whose state changed before the confirmation
    staged: int = 0  # changes in the held plan
    applied: int = 0  # changes the confirmation carried out
    plan_differences: int = 0  # changes in one and not the other
    deactivated_after: int = 0
    confirm_status: int = 0

    @property
    def ok(self) -> bool:
        return (self.held_status == "held" and self.held_again_status == "held"
                and not self.changed_while_held and self.staged == self.applied > 0
                and not self.plan_differences and self.confirm_status == 201
                and self.deactivated_after == self.would_deactivate)


def _change_key(change: dict[str, Any]) -> tuple:
    import json

    return (change["kind"], change.get("rule"), change.get("entraId"), change.get("emplyUserId"),
            json.dumps(change.get("new"), sort_keys=True, default=str))


def measure_mass_change(users: int = 120, seed: int = 5, share: float = 0.3) -> MassChangeReport:
    """``share`` of the synced users leave every synced group at once: the run is held
    (SAFE-2) and changes nothing, a second trigger is held too, and confirming through
    Emply's API applies exactly the plan the held run staged (nothing changed between)."""
    import random

    report = MassChangeReport()
    h = Harness(world_doc(seed, users, groups=3, employees=0.05, events_every=0))
    try:
        h.run()
        t = h.world.tenant
        synced = [g.group_id for g in h.world.emply.settings.synced_groups]
        in_scope = sorted({m for g in synced for m in t.groups[g].members if m in t.users})
        linked = {u.entra_object_id for u in h.world.emply.users.values()
                  if u.entra_object_id and u.active}
        report.active_before = len(linked)
        leaving = random.Random(seed).sample([m for m in in_scope if m in linked],
                                             round(share * len(linked)))
        for uid in leaving:
            for group in synced:
                if uid in t.groups[group].members:
                    t.remove_member(group, uid)
        api = h.emply_client()
        before = projection(h.world)
        held = api.post("/integrations/entra-id/runs").json()
        report.held_status = held["status"]
        report.would_deactivate = held["counts"].get("deactivate", 0)
        report.held_again_status = api.post("/integrations/entra-id/runs").json()["status"]
        report.changed_while_held = len(mismatches(projection(h.world), before))
        plan = api.get(f"/integrations/entra-id/runs/{held['runId']}").json()["heldPlan"] or []
        confirmed = api.post(f"/integrations/entra-id/runs/{held['runId']}/confirm")
        report.confirm_status = confirmed.status_code
        applied = confirmed.json().get("changes", [])
        staged_keys = Counter(_change_key(c) for c in plan)
        applied_keys = Counter(_change_key(c) for c in applied
                               if c["status"] in ("success", "skipped"))
        report.staged, report.applied = len(plan), sum(applied_keys.values())
        report.plan_differences = sum(((staged_keys - applied_keys)
                                       + (applied_keys - staged_keys)).values())
        report.deactivated_after = len(deactivated(projection(h.world)) - deactivated(before))
    finally:
        h.close()
    return report


# ---------------------------------------------------------------------------
# 4. Crashes
# ---------------------------------------------------------------------------
def settle(engine, max_runs: int = 3) -> int:
    """Run with full reads until a run changes nothing: everyone's per-user reads are then
    done (events of calendars added in an earlier run arrive with the user's next read,
    which otherwise comes within a day). Returns the runs made."""
    for n in range(1, max_runs + 1):
        engine.directory.forget()
        result = engine.run("settle", lift_threshold=True)
        if result.status == "success" and not any(
                k for k in result.counts if k not in ("skipped",)):
            return n
    return max_runs


class Crash(BaseException):
    """The host process dying in the middle of a run (nothing in the engine catches it)."""


@dataclass
class CrashOutcome:
    k: int
    crashed: bool
    marked: str  # the crashed run's status in the log after the restart
    restart_status: str
    converged: bool
    duplicates: list[str]
    lock_free: bool
    marked_by: str = ""  # "engine" (the exception's way out) or "restart" (a hard stop)


@dataclass
class CrashReport:
    plan_size: int = 0
    outcomes: list[CrashOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return len(self.outcomes) >= 1 and all(
            o.crashed and o.marked == "interrupted" and o.restart_status == "success"
            and o.converged and not o.duplicates and o.lock_free for o in self.outcomes)


def crash_points(plan_size: int, count: int) -> list[int]:
    """``count`` values of k spread over 1..plan_size-1 (first and last included)."""
    if plan_size <= 1:
        return []
    count = min(count, plan_size - 1)
    if count == 1:
        return [1]
    return sorted({1 + round(i * (plan_size - 2) / (count - 1)) for i in range(count)})


def measure_crashes(tmp_dir: str, users: int = 30, seed: int = 11, points: int = 20
                    ) -> CrashReport:
    """Stop a run after k applied changes (the host dies), then start a new engine over
    the same SQLite file: it marks the run interrupted, its first run succeeds, and once
    settled (:func:`settle`) the world is in the state a world without a crash settles
    in, with no duplicate user or event."""
    import os

    from mocks.emply.hosting import IntegrationHost
    from mocks.inprocess import GRAPH_URL, IDENTITY_URL
    from sync_core.engine import SyncEngine
    from sync_core.store import Store

    started = time.perf_counter()
    report = CrashReport()
    doc = world_doc(seed, users, groups=4, employees=0.2, events_every=5)
    reference = Harness(doc)
    try:
        result = reference.run()
        report.plan_size = sum(v for k, v in result.counts.items() if k not in ("skipped",
                                                                                "failure"))
        settle(reference.engine)
        expected = projection(reference.world)
    finally:
        reference.close()
    for k in crash_points(report.plan_size, points):
        h = Harness(doc)
        path = os.path.join(tmp_dir, f"crash-{seed}-{k}.sqlite")
        host = IntegrationHost(h.world, h.inproc.client(), GRAPH_URL, IDENTITY_URL,
                               store_path=path, schedule=False)
        try:
            engine = host.engine

            def crash_after(action, applied, k=k):
                if applied >= k:
                    raise Crash(f"host stopped after {applied} applied changes")

            engine.on_applied = crash_after
            hard = k % 2 == 0
            if hard:  # the process dies outright: no handler of the engine runs
                engine._mark_interrupted = lambda: None
            crashed = False
            try:
                engine.run("reliability")
            except Crash:
                crashed = True
            lock_free = not engine.running
            left = engine.store.runs(limit=1)[0].status  # "running" after a hard stop
            # A new process: a new engine over the same store file.
            engine.store.close()
            restarted = SyncEngine(engine.emply, engine.entra, Store(path))
            try:
                again = restarted.run("reliability")
                crashed_run = restarted.store.runs(limit=2)[-1]
                settle(restarted)
                report.outcomes.append(CrashOutcome(
                    k, crashed, crashed_run.status, again.status,
                    not mismatches(projection(h.world), expected), duplicates(h.world),
                    lock_free, "restart" if left == "running" else "engine"))
            finally:
                restarted.store.close()
        finally:
            host.close()
            h.close()
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------------------
# 5. Overlap
# ---------------------------------------------------------------------------
@dataclass
class OverlapReport:
    triggers: int = 0
    started: int = 0  # 201 answers
    refused: int = 0  # 409 sync_already_running
    other: list[int] = field(default_factory=list)
    runs_logged: int = 0
    writes: int = 0  # API writes made from another thread while the run applied
    writes_lost: int = 0
    half_applied: int = 0  # e-mails differing from a twin that made the writes after the run

    @property
    def ok(self) -> bool:
        return (self.started == 1 and self.refused == self.triggers - 1 and not self.other
                and self.runs_logged == 1 and self.writes > 0 and not self.writes_lost
                and not self.half_applied)


def measure_overlap(triggers: int = 16, users: int = 40, seed: int = 13) -> OverlapReport:
    """``triggers`` threads ask Emply for a run at the same moment while the first run is
    held open: exactly one run. Then, while a run applies its changes, another thread
    writes through Emply's API (a hand-made user, a role, an employee, a mapping): every
    write is kept, and the result equals a twin world that made the same writes after
    its run."""
    report = OverlapReport(triggers=triggers)
    doc = world_doc(seed, users, groups=3, employees=0.1, events_every=0)
    h, twin = Harness(doc), Harness(doc)
    try:
        # -- many triggers at once ------------------------------------------------------
        gate, done = threading.Barrier(triggers), threading.Event()
        answered: list[int] = []
        lock = threading.Lock()

        def hold_open(action, applied):
            if applied == 1:
                done.wait(timeout=30)  # the other triggers answer while this run is open

        h.engine.on_applied = hold_open

        def trigger():
            with h.emply_client() as api:
                gate.wait(timeout=30)
                response = api.post("/integrations/entra-id/runs", timeout=60)
            with lock:
                answered.append(response.status_code)
                if response.status_code == 409:
                    assert response.json()["error"]["code"] == "sync_already_running"
                if sum(1 for s in answered if s != 201) == triggers - 1:
                    done.set()

        threads = [threading.Thread(target=trigger) for _ in range(triggers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        report.started = answered.count(201)
        report.refused = answered.count(409)
        report.other = [s for s in answered if s not in (201, 409)]
        report.runs_logged = len(h.engine.store.runs())
        h.engine.on_applied = None
        twin.run()

        # -- API writes while a run applies -------------------------------------------------
        for sim in (h, twin):
            change_entra(sim.world, seed, share=0.1)
        writes = _api_writes(h)
        errors: list[str] = []

        def interleave(action, applied):
            if applied % 3 == 0 and writes:
                write = writes.pop(0)
                worker = threading.Thread(target=lambda: errors.extend(write()))
                worker.start()
                worker.join(timeout=30)

        total = len(writes)
        h.engine.on_applied = interleave
        h.run(lift_threshold=True)
        h.engine.on_applied = None
        for write in writes:  # any the run had no turn for
            errors.extend(write())
        report.writes = total
        report.writes_lost = len(errors) + len(_missing_writes(h))
        twin.run(lift_threshold=True)
        for write in _api_writes(twin):
            write()
        for sim in (h, twin):
            sim.run(lift_threshold=True)
        report.half_applied = len(mismatches(projection(h.world), projection(twin.world)))
    finally:
        h.close()
        twin.close()
    return report


def _api_writes(h: Harness) -> list[Callable[[], list[str]]]:
    """Writes a person makes through Emply's API; each returns what went wrong."""
    e = h.world.emply

    def call(method: str, path: str, **kwargs: Any) -> list[str]:
        with h.emply_client() as api:
            response = api.request(method, path, **kwargs)
        return [] if response.status_code < 300 else [f"{method} {path}: {response.text}"]

    def role(name: str) -> str:
        return e.role_by_name(name).id

    def synced_user(n: int) -> str:
        users = sorted(u.id for u in e.users.values() if u.origin == "integration" and u.active)
        return users[n % len(users)]

    return [
        lambda: call("POST", "/users", json={"email": "walk-in@partner.example",
                                             "firstName": "Walk", "lastName": "In"}),
        lambda: call("POST", f"/users/{synced_user(0)}/roles", json={"roleId": role("Manager")}),
        lambda: call("POST", "/employees", json={"firstName": "New", "lastName": "Hire",
                                                 "email": "new.hire@partner.example"}),
        lambda: call("POST", f"/users/{synced_user(1)}/roles", json={"roleId": role("Manager")}),
        lambda: call("POST", "/roles", json={"name": "Auditor"}),
    ]


def _missing_writes(h: Harness) -> list[str]:
    e = h.world.emply
    missing = []
    if e.user_by_email("walk-in@partner.example") is None:
        missing.append("hand-made user")
    if not any(emp.email == "new.hire@partner.example" for emp in e.employees.values()):
        missing.append("employee")
    if e.role_by_name("Auditor") is None:
        missing.append("role")
    manager = e.role_by_name("Manager").id
    if sum(1 for u in e.users.values() if manager in u.role_ids) < 2:
        missing.append("granted roles")
    return missing


# ---------------------------------------------------------------------------
# 7. Bad input: schemathesis against Emply's OpenAPI document
# ---------------------------------------------------------------------------
@dataclass
class BadInputReport:
    operations: int = 0
    calls: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0  # 5xx answers
    violations: list[str] = field(default_factory=list)  # schema or status violations
    lost_data: list[str] = field(default_factory=list)  # refused requests that changed state
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.calls > 0 and not (self.server_errors or self.violations or self.lost_data)


def measure_bad_input(examples: int = 5, users: int = 20, seed: int = 1) -> BadInputReport:
    """Every operation of Emply's OpenAPI document (``/openapi.json``, through the WSGI
    app), with schemathesis' valid and invalid data, random and real object ids, as a key
    with every permission: no 500, every answer as documented (status, content type,
    schema), and a refused request leaves everything stored as it was."""
    import itertools
    import json

    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.failures import FailureGroup
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from mocks.emply.loader import dump

    started = time.perf_counter()
    report = BadInputReport()
    h = Harness(world_doc(seed, users, groups=3, employees=0.2, events_every=0))
    try:
        h.run()
        e = h.world.emply
        real = {"user_id": next(u.id for u in e.users.values() if u.origin == "integration"),
                "employee_id": next(iter(e.employees)), "role_id": e.role_by_name("Manager").id,
                "department_id": next(iter(e.departments)),
                "group_id": e.settings.synced_groups[0].group_id, "run_id": "1"}
        schema = schemathesis.openapi.from_wsgi("/openapi.json", h.inproc.emply_app)
        checks = [not_a_server_error, response_schema_conformance, status_code_conformance,
                  content_type_conformance]
        seen: set[str] = set()

        def state() -> str:
            return json.dumps(dump(e), sort_keys=True, default=str)

        operations = [r.ok() for r in schema.get_all_operations()]
        report.operations = len(operations)
        for op, mode, with_ids in itertools.product(operations, list(GenerationMode), (False, True)):
            params = {"customer": e.customer} if "{customer}" in op.path else {}
            if with_ids:
                names = [n for n in real if "{" + n + "}" in op.path]
                if not names or op.method.upper() == "DELETE":
                    continue  # real ids only where nothing stored is deleted on purpose
                params.update({n: real[n] for n in names})

            @given(case=op.as_strategy(generation_mode=mode, path_parameters=params or None))
            @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            def probe(case) -> None:
                before = state()
                response = case.call(params={"apiKey": API_KEY})
                report.calls += 1
                report.statuses[response.status_code] += 1
                if response.status_code >= 500:
                    report.server_errors += 1
                try:
                    case.validate_response(response, checks=checks)
                except FailureGroup as failures:
                    for failure in failures.exceptions:
                        text = f"{case.operation.label}: {failure.title}"
                        if text not in seen:
                            seen.add(text)
                            report.violations.append(text)
                if response.status_code >= 400 and state() != before:
                    report.lost_data.append(f"{case.operation.label} -> {response.status_code}")

            with contextlib.suppress(Unsatisfiable):  # nothing here can be made invalid
                probe()
    finally:
        h.close()
    report.seconds = time.perf_counter() - started
    return report


# ---------------------------------------------------------------------------
# 8. Security
# ---------------------------------------------------------------------------
PERMISSION_NAMES = ("read", "write", "settings")
SIM_TOKEN = "reliability-sim-token-0123456789"


@dataclass
class SecurityReport:
    routes: int = 0  # Emply API routes (rule x method) that need a permission
    cases: int = 0
    wrong: list[str] = field(default_factory=list)  # cases answered other than expected
    changed_on_refusal: list[str] = field(default_factory=list)
    public: list[str] = field(default_factory=list)  # routes without an API key, by design
    sim_routes: int = 0  # /_sim/ and /ui/ routes checked against the simulation token
    sim_wrong: list[str] = field(default_factory=list)
    secrets_checked: int = 0  # secret values looked for
    places_checked: int = 0
    leaks: list[str] = field(default_factory=list)  # "<secret kind> in <place>"

    @property
    def ok(self) -> bool:
        return self.cases > 0 and not (self.wrong or self.changed_on_refusal or self.sim_wrong
                                       or self.leaks)


def _url(rule, values: dict[str, str]) -> str:
    import re

    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values.get(m.group(1), "x"), rule.rule)


def _methods(rule) -> list[str]:
    return sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))


def measure_security(users: int = 12, seed: int = 21) -> SecurityReport:
    """Every Emply route from the app's URL map against no API key, a wrong one and a key
    without the route's permission; every ``/_sim/`` route of every app (and Emply's
    pages) against no and a wrong simulation token; and every place a secret could leak
    to (logs at DEBUG, the run store, state dumps, the Graph journal, error bodies)."""
    import json
    import logging

    from mocks.emply.loader import dump

    report = SecurityReport()
    doc = world_doc(seed, users, groups=3, employees=0.2, events_every=2)
    keys = {p: f"only-{p}-key-{seed:04d}" for p in PERMISSION_NAMES}
    doc["emply"]["apiKeys"] += [{"name": f"no-{p}", "key": keys[p],
                                 "permissions": [q for q in PERMISSION_NAMES if q != p]}
                                for p in PERMISSION_NAMES]
    bodies: list[str] = []
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    capture = Capture(logging.DEBUG)
    capture.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s %(exc_text)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    h = Harness(doc, faults={**FAULTS, "seed": seed, "latencyMs": 0})
    try:
        h.run()
        h.world.faults = FaultPlan()
        e = h.world.emply
        app = h.inproc.emply_app
        values = {"customer": e.customer,
                  "user_id": next(u.id for u in e.users.values() if u.origin == "integration"),
                  "employee_id": next(iter(e.employees)), "role_id": e.role_by_name("Manager").id,
                  "department_id": next(iter(e.departments)), "run_id": "1",
                  "group_id": e.settings.synced_groups[0].group_id,
                  "event_id": next(iter(e.events), "x"), "calendar_id": "x"}
        http = h.inproc.client(base_url=EMPLY_URL)

        def state() -> str:
            return json.dumps(dump(e), sort_keys=True, default=str)

        # -- the Emply API: every route needs a key with its permission -------------------
        for rule in app.url_map.iter_rules():
            view = app.view_functions.get(rule.endpoint)
            permission = getattr(view, "permission", None)
            if permission is None:
                if not rule.rule.startswith("/static"):
                    report.public.append(rule.rule)
                continue
            url = _url(rule, values)
            for method in _methods(rule):
                report.routes += 1
                for case, params, headers, status, code in (
                        ("no key", {}, {}, 401, "missing_api_key"),
                        ("wrong key", {"apiKey": "not-a-key"}, {}, 401, "invalid_api_key"),
                        ("wrong header key", {}, {"X-Api-Key": "not-a-key"}, 401,
                         "invalid_api_key"),
                        (f"key without {permission}", {"apiKey": keys[permission]}, {}, 403,
                         "insufficient_permission")):
                    before = state()
                    response = http.request(method, url, params=params, headers=headers,
                                            json={} if method in ("POST", "PATCH", "PUT") else None)
                    report.cases += 1
                    bodies.append(response.text)
                    got = response.json().get("error", {}).get("code") if response.headers.get(
                        "content-type", "").startswith("application/json") else None
                    if response.status_code != status or got != code:
                        report.wrong.append(f"{method} {rule.rule} with {case}: "
                                            f"{response.status_code} {got}")
                    if state() != before:
                        report.changed_on_refusal.append(f"{method} {rule.rule} with {case}")

        # -- the simulation control API and the pages need the token beyond loopback ------
        h.world.sim_token = SIM_TOKEN
        try:
            for name, flask_app in (("identity", h.inproc.identity_app),
                                    ("graph", h.inproc.graph_app), ("emply", app)):
                client = h.inproc.client(base_url={"identity": "https://login.microsoftonline.com",
                                                   "graph": "https://graph.microsoft.com",
                                                   "emply": EMPLY_URL}[name])
                for rule in flask_app.url_map.iter_rules():
                    if not rule.rule.startswith(("/_sim", "/ui")) or rule.rule.startswith(
                            "/ui/static"):
                        continue
                    url = _url(rule, values)
                    for method in _methods(rule):
                        report.sim_routes += 1
                        for case, headers in (("no token", {}),
                                              ("wrong token", {"X-Sim-Token": "wrong"})):
                            before = state()
                            response = client.request(method, url, headers=headers)
                            bodies.append(response.text)
                            if response.status_code != 401:
                                report.sim_wrong.append(f"{name} {method} {rule.rule} with "
                                                        f"{case}: {response.status_code}")
                            if state() != before:
                                report.sim_wrong.append(f"{name} {method} {rule.rule} with "
                                                        f"{case}: changed the world")
                        if method == "GET" and "<" not in rule.rule:
                            ok = client.get(url, headers={"X-Sim-Token": SIM_TOKEN})
                            bodies.append(ok.text)
                            if ok.status_code == 401:
                                report.sim_wrong.append(f"{name} GET {rule.rule}: token refused")
                client.close()
            dumps = {name: h.inproc.client().get(f"{base}/_sim/state",
                                                 headers={"X-Sim-Token": SIM_TOKEN}).text
                     for name, base in (("identity", "https://login.microsoftonline.com"),
                                        ("graph", "https://graph.microsoft.com"),
                                        ("emply", EMPLY_URL))}
            journal = h.inproc.client().get("https://graph.microsoft.com/_sim/journal",
                                            headers={"X-Sim-Token": SIM_TOKEN}).text
        finally:
            h.world.sim_token = None

        # -- a wrong client secret at the token endpoint: the error must not echo it ---------
        apps = list(h.world.tenant.apps.values())
        bad = h.inproc.msal_app(apps[0].client_id, "wrong-secret-" + apps[0].secret[::-1])
        result = bad.acquire_token_for_client(scopes=["https://graph.microsoft.com/.default"])
        bodies.append(json.dumps(result))
        token = h.engine.entra.graph._tokens()

        # -- where secrets must never be found --------------------------------------------
        store = h.engine.store
        with store.transaction() as db:
            rows = [json.dumps([tuple(r) for r in db.execute(f"SELECT * FROM {t}")], default=str)
                    for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        places = {"logs": "\n".join(records), "run store": "\n".join(rows),
                  "error bodies": "\n".join(bodies), "Graph journal": journal,
                  **{f"{n} state dump": d for n, d in dumps.items()}}
        secrets = {"API key": [k["key"] for k in doc["emply"]["apiKeys"]],
                   "client secret": [a.secret for a in apps if a.secret]
                   + ["wrong-secret-" + apps[0].secret[::-1]],
                   "access token": [token], "simulation token": [SIM_TOKEN]}
        report.places_checked = len(places)
        report.secrets_checked = sum(len(v) for v in secrets.values())
        for kind, values_ in secrets.items():
            for secret in values_:
                for place, text in places.items():
                    if kind == "simulation token" and place == "error bodies":
                        continue  # the token is sent in requests, never answered; see below
                    if secret and secret in text:
                        report.leaks.append(f"{kind} in {place}")
        if any(SIM_TOKEN in b for b in bodies):
            report.leaks.append("simulation token in error bodies")
    finally:
        root.removeHandler(capture)
        root.setLevel(old_level)
        h.close()
    report.leaks = sorted(set(report.leaks))
    return report


# ---------------------------------------------------------------------------
# 9. The report (``emply-sim reliability``)
# ---------------------------------------------------------------------------
def _kinds(faults: Counter[str]) -> str:
    return ", ".join(f"{k} {faults.get(k, 0)}" for k in ("throttle", "unavailable", "drop"))


def print_report(seeds: int = 5, users: int = 1000, soak: bool = False,
                 say: Callable[[str], None] = print) -> bool:
    """Measure everything and print one line per figure; True when every figure that must
    be zero is zero. ``soak`` runs at least 20 seeds and larger budgets elsewhere."""
    import tempfile
    from datetime import UTC, datetime

    if soak:
        seeds = max(seeds, 20)
    started = time.perf_counter()
    say(f"Reliability report, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {seeds} seeds x {users} "
        f"users{' (soak)' if soak else ''}")
    ok = True

    # 1. Faults
    total_runs, faults, totals = 0, Counter(), Counter()
    say(f"Faults: Graph throttles {FAULTS['throttleRate']:.0%} of requests (429, Retry-After "
        f"{FAULTS['retryAfter']} s), answers {FAULTS['unavailableRate']:.0%} with 503, drops "
        f"{FAULTS['dropRate']:.0%} of connections, adds {FAULTS['latencyMs']} ms latency "
        "(recorded, not slept); a full sync, then an incremental one after Entra changes")
    for seed in range(seeds):
        r = measure_faults(seed, users)
        ok &= r.ok
        total_runs += len(r.runs)
        faults.update(r.faults)
        stops = sum(o.status == "failure" for o in r.runs)
        partial = sum(o.status == "partial" for o in r.runs)
        totals.update(mismatches=r.mismatches, early=r.early_retries,
                      spurious=r.spurious_deactivations, unclean=r.unclean_stops,
                      duplicates=len(r.duplicates), unconverged=len(r.unconverged_phases),
                      errors=r.server_errors, stops=stops, partial=partial,
                      violations=len(r.bound_violations),
                      latency=r.latency_ms,
                      requests=r.requests)
        say(f"  seed {seed}: runs {len(r.runs)} ({', '.join(o.phase + ' ' + o.status for o in r.runs)}), "
            f"SAFE-1 stops {stops} (changed nothing: {stops - sum(o.status == 'failure' and not o.unchanged for o in r.runs)}), partial {partial}; "
            f"faults injected {_kinds(r.faults)}; state mismatches {r.mismatches}; early retries "
            f"{r.early_retries}; spurious deactivations {r.spurious_deactivations}; duplicates "
            f"{len(r.duplicates)}; 500s {r.server_errors}; runs to converge "
            f"{r.runs_to_converge} (bound: stops + partials + 1), bound violations "
            f"{len(r.bound_violations)}; {r.seconds:.1f} s")
    say(f"  total: seeds {seeds}, runs {total_runs}, Graph requests {totals['requests']}, faults "
        f"injected {_kinds(faults)}, latency recorded {totals['latency'] / 1000:.0f} s; SAFE-1 "
        f"stops {totals['stops']}, stops that changed something {totals['unclean']}, partial "
        f"runs {totals['partial']} (a change failed after its retries), state "
        f"mismatches {totals['mismatches']}, convergence bound violations "
        f"{totals['violations']}, phases not converged within {MAX_RUNS} runs "
        f"{totals['unconverged']}, early "
        f"retries {totals['early']}, spurious deactivations {totals['spurious']}, duplicates "
        f"{totals['duplicates']}, 500s seen {totals['errors']}")

    # 2. Partial reads
    p = measure_partial_reads()
    ok &= p.ok
    say(f"Partial reads: {len(p.outcomes)} page boundaries failed in turn "
        f"({sum(o.kind == 'full' for o in p.outcomes)} in full reads, "
        f"{sum(o.kind == 'delta' for o in p.outcomes)} in delta rounds); runs that changed "
        f"something {sum(o.changed for o in p.outcomes)}, deactivated "
        f"{sum(o.deactivated for o in p.outcomes)}, did not report the error "
        f"{sum(not o.reported for o in p.outcomes)}; next runs not converged "
        f"{sum(not o.converged for o in p.outcomes)}; early retries {p.early_retries}; "
        f"duplicates {len(p.duplicates)}; {p.seconds:.1f} s")

    # 3. Mass change
    m = measure_mass_change()
    ok &= m.ok
    say(f"Mass change (SAFE-2): {m.would_deactivate} of {m.active_before} active synced users "
        f"would be deactivated: run {m.held_status}, next trigger {m.held_again_status}, state "
        f"changes while held {m.changed_while_held}; held plan {m.staged} changes, confirmation "
        f"applied {m.applied}, differences {m.plan_differences}")

    # 4. Crashes
    with tempfile.TemporaryDirectory(prefix="emply-sim-crash-") as tmp:
        c = measure_crashes(tmp, points=50 if soak else 20)
    ok &= c.ok
    say(f"Crashes: plan of {c.plan_size} changes stopped after k changes for {len(c.outcomes)} "
        f"values of k ({c.outcomes[0].k}..{c.outcomes[-1].k}); runs marked interrupted "
        f"{sum(o.marked == 'interrupted' for o in c.outcomes)} (by the restart after a hard stop "
        f"{sum(o.marked_by == 'restart' for o in c.outcomes)}); restarts not converged "
        f"{sum(not o.converged for o in c.outcomes)}; duplicates "
        f"{sum(len(o.duplicates) for o in c.outcomes)}; {c.seconds:.1f} s")

    # 5. Overlap
    o = measure_overlap(triggers=32 if soak else 16)
    ok &= o.ok
    say(f"Overlap: {o.triggers} simultaneous triggers: runs started {o.started}, refused with "
        f"409 {o.refused}, other answers {len(o.other)}, runs logged {o.runs_logged}; {o.writes} "
        f"API writes during a run: lost {o.writes_lost}, half-applied {o.half_applied}")

    # 7. Bad input
    b = measure_bad_input(examples=25 if soak else 5)
    ok &= b.ok
    say(f"Bad input (schemathesis, Emply OpenAPI): {b.operations} operations, {b.calls} requests; "
        f"500s seen {b.server_errors}, schema/status violations {len(b.violations)}, refused "
        f"requests that changed stored data {len(b.lost_data)}; {b.seconds:.1f} s")
    for violation in b.violations:
        say(f"  violation: {violation}")

    # 8. Security
    s = measure_security()
    ok &= s.ok
    say(f"Security: {s.routes} Emply routes x 4 intruder cases: wrongly answered {len(s.wrong)}, "
        f"changed state {len(s.changed_on_refusal)}; {s.sim_routes} /_sim/ and page routes "
        f"without or with a wrong token: wrongly answered {len(s.sim_wrong)}; {s.secrets_checked} "
        f"secrets looked for in {s.places_checked} places: leaks {len(s.leaks)}"
        + (f" ({', '.join(s.leaks)})" if s.leaks else ""))
    for line in s.wrong + s.changed_on_refusal + s.sim_wrong:
        say(f"  {line}")

    # 9. Issue 15: the rules' hardening, aimed faults and the intruder's findings
    from emply_sim.hardening import measure_hardening

    hr = measure_hardening()
    ok &= hr.ok
    say(f"Hardening (issue 15): {hr.probes} probes; EXT-1 users made in Emply active through "
        f"{hr.ext1_runs} of 4 runs; a 7-day clock jump ran {hr.far_jump_runs} scheduled run(s); "
        f"year 8999 reached in {hr.far_jump_seconds:.2f} s; billion-laughs YAML refused in "
        f"{hr.laughs_seconds:.2f} s; aimed 503 on the second page hit in {hr.aimed_seeds} of 3 "
        f"seeds; wrongly answered {len(hr.wrong)}, 500s {hr.server_errors}; {hr.seconds:.1f} s")
    for line in hr.wrong:
        say(f"  {line}")
    say("Convergence over 100 seeds: python benchmarks/convergence.py --seeds 100 --users 300")
    say("Model-based (Hypothesis state machine against a reference model of the rules): "
        "pytest tests/reliability/test_model_based.py (RELIABILITY_EXAMPLES=n for more)")
    say(f"Verdict: {'every figure that must be zero is zero' if ok else 'FAILED: see above'} "
        f"({time.perf_counter() - started:.0f} s)")
    return ok
