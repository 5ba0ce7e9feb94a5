"""The sync engine: read both sides, plan with the pure rules, apply, log.

Runs happen every 30 minutes on the world's clock (SYNC-2), on demand, and for one
user on demand; they never overlap. Every change is logged with its rule id and
reason (SAFE-3). A run that would deactivate too many users is held (SAFE-2) and a
run that could not read everything changes nothing (SAFE-1).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sync_core import rules
from sync_core.directory import Directory
from sync_core.entra import EntraAdapter
from sync_core.graph import GraphError
from sync_core.model import Action, EmplyView, EntraView, LastState, Plan, Refused, Settings
from sync_core.store import LOG_ACTION, Store

INTERVAL = timedelta(minutes=30)
RUNS_PER_DAY = 48


class EmplyPort(Protocol):
    """What the engine needs from the Emply system it is hosted in."""

    def settings(self) -> Settings | None: ...
    def read(self, links: dict[str, str]) -> EmplyView: ...
    def changed_since(self, seq: int) -> Any: ...  # .users, .entra_links; None: anything
    def apply(self, action: Action, entra: EntraAdapter, store: Store) -> Action | None: ...
    def now(self) -> datetime: ...


class AlreadyRunning(Exception):
    """SYNC-2: a trigger while a run is under way."""


class NotConfigured(Exception):
    """There is no integration to run (never set up, or removed: INT-1)."""


class NothingHeld(Exception):
    """Confirm or reject named a run that is not the held one."""


class Described(Sequence[dict[str, Any]]):
    """A run's changes in the run log's shape, described when read: a 30,000-user first
    run keeps 75,000 (action, status, error) triples, not 75,000 dicts (issue 13)."""

    def __init__(self) -> None:
        # Three parallel lists, not a tuple per change: 25,000 fewer objects for the
        # collector to go over while a first run applies.
        self._actions: list[Action] = []
        self._statuses: list[str] = []
        self._errors: list[str | None] = []

    def add(self, action: Action, status: str, error: str | None = None) -> None:
        self._actions.append(action)
        self._statuses.append(status)
        self._errors.append(error)

    def __len__(self) -> int:
        return len(self._actions)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [_describe(*item) for item in zip(self._actions[index],
                                                      self._statuses[index],
                                                      self._errors[index], strict=True)]
        return _describe(self._actions[index], self._statuses[index], self._errors[index])

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented


@dataclass
class RunResult:
    run_id: int
    status: str  # success, failure, held, partial (some changes failed)
    counts: dict[str, int] = field(default_factory=dict)
    message: str | None = None
    actions: Sequence[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"runId": self.run_id, "status": self.status, "counts": self.counts,
                "message": self.message, "changes": list(self.actions)}


class SyncEngine:
    """One integration's engine over an Emply port, an Entra adapter and a store."""

    def __init__(self, emply: EmplyPort, entra: EntraAdapter, store: Store,
                 on_applied: Callable[[Action, int], None] | None = None) -> None:
        self.emply = emply
        self.entra = entra
        self.store = store
        self._running = threading.Lock()
        self.on_applied = on_applied  # test hook: called after each applied change
        self.next_due: datetime | None = None
        self.directory = Directory(store)
        self._next_cursor: int | None = None  # the daily refresh window, moved on apply
        self._due: list[str] = []  # the users whose photos and calendars this run reads
        self._now_at: datetime | None = None  # see _now
        self._now_text = ""
        store.mark_interrupted(self._now())  # runs a crash left "running" (a restart)

    # -- scheduling (SYNC-2) ---------------------------------------------------------
    def schedule_from(self, start: datetime) -> None:
        self.next_due = start + INTERVAL

    def on_clock(self, old: datetime, new: datetime) -> None:
        """Clock listener: a 30-minute slot that came due starts a run, never overlapping.
        Decision (SYNC-2): like a scheduler that was asleep, the slots a jump of the clock
        missed coalesce into one run at the new time, so a jump of years returns at once."""
        if self.next_due is None or self.next_due > new:
            return
        missed = (new - self.next_due) // INTERVAL + 1
        self.next_due += missed * INTERVAL
        # A run under way covers this slot; with no integration there is nothing to run.
        with contextlib.suppress(AlreadyRunning, NotConfigured):
            self.run("schedule")

    @property
    def running(self) -> bool:
        return self._running.locked()

    # -- runs -------------------------------------------------------------------------------
    def run(self, trigger: str = "manual", *, lift_threshold: bool = False) -> RunResult:
        if not self._running.acquire(blocking=False):
            raise AlreadyRunning("a sync run is already under way")
        try:
            return self._run(trigger, lift_threshold)
        except BaseException:
            self._mark_interrupted()
            raise
        finally:
            self._running.release()

    def _mark_interrupted(self) -> None:
        """A run that an exception stopped is logged as interrupted, not left running; the
        next run plans again from the last complete state and converges."""
        with contextlib.suppress(Exception):  # keep the original exception
            self.store.mark_interrupted(self._now())

    def _run(self, trigger: str, lift_threshold: bool, only: str | None = None) -> RunResult:
        settings = self.emply.settings()
        if settings is None:
            raise NotConfigured("the Entra ID integration is not set up")
        run_id = self.store.start_run(trigger, self._now(), scope=only)
        baseline = None
        if only is None:  # any run that does not apply cleanly makes the next plan everyone
            baseline = self.store.get("planned")
            self.store.delete("planned")
        held = self.store.get("held_run")
        if held and not lift_threshold and only is None:
            message = f"run {held} is held and waits for a person to confirm or reject it (SAFE-2)"
            self.store.finish_run(run_id, "held", self._now(), {}, message)
            return RunResult(run_id, "held", message=message)

        links = self.store.links()
        emply_view = self.emply.read(links)
        entra_view, changed = self._read_entra(settings, emply_view, only)
        last = self.store.last_state()  # read once: _apply goes back to it for failed users
        candidates = None
        digest = _digest(settings)  # once a run: 300 synced groups make it a few ms
        if only is None and not lift_threshold and entra_view.complete:
            candidates = self._candidates(baseline, digest, changed)
        result = rules.plan(entra_view, emply_view, settings, last,
                            lift_threshold=lift_threshold or only is not None,
                            candidates=candidates)
        if only is not None:
            result = _only_user(result, only)

        if result.aborted:
            with self.store.buffered():
                for action in result.actions:
                    self.store.log_change(run_id, self._now(), action, "failure")
            self.store.finish_run(run_id, "failure", self._now(), {"error": 1},
                                  result.abort_reason)
            return RunResult(run_id, "failure", {"error": 1}, result.abort_reason,
                             [_describe(a, "failure") for a in result.actions])
        if result.held:
            return self._hold(run_id, result)
        seq = emply_view.seq
        # The views are planned: let them go before applying, so a first run's photos,
        # calendars and events read are freed for the writes, not held next to them.
        del emply_view, entra_view
        applied = self._apply(run_id, result, only, last)
        self._settle(applied, result, only, seq, digest)
        refresh = getattr(self.emply, "refresh", None)
        if refresh is not None:  # the host's copy takes this run's own writes in now
            refresh()
        return applied

    # -- incremental planning (issue 13) --------------------------------------------------
    def _candidates(self, baseline: dict[str, Any] | None, digest: str,
                    changed: set[str] | None) -> rules.Candidates | None:
        """The users that can have changed since the last cleanly applied run, or None to
        plan everyone: a first run, a full read, changed settings or mapping, a held,
        failed, partial or interrupted run before this one, or an Emply change that
        concerns everyone (settings, roles, departments, a load)."""
        if baseline is None or changed is None or baseline.get("settings") != digest:
            return None
        emply = self.emply.changed_since(int(baseline["seq"]))
        if emply is None:
            return None
        entra = set(changed) | set(self._due) | set(baseline.get("followUp", ()))
        return rules.Candidates(frozenset(entra | emply.entra_links), frozenset(emply.users))

    def _settle(self, applied: RunResult, result: Plan, only: str | None, seq: int | None,
                digest: str) -> None:
        """After a clean run, note where the next one may start from: the Emply change
        number read, the settings, and the users linked now (their first role sync and
        status come in the next run, SYNC-6), which the next run plans again."""
        linked = {a.entra_id for a in result.actions if a.kind == "link_user" and a.entra_id}
        if only is not None:  # one user on demand: the next run still plans what it owed
            planned = self.store.get("planned")
            if planned is not None and linked and applied.status == "success":
                planned["followUp"] = sorted(set(planned["followUp"]) | linked)
                self.store.put("planned", planned)
            elif applied.status != "success":
                self.store.delete("planned")
            return
        if applied.status == "success" and seq is not None:
            self.store.put("planned", {"seq": seq, "settings": digest,
                                       "followUp": sorted(linked)})

    def _read_entra(self, settings: Settings, emply: EmplyView,
                    only: str | None) -> tuple[EntraView, set[str] | None]:
        """Bring the directory copy up to date (delta, or a full read), then do the
        per-user reads that are due. Any failure gives an incomplete view (SAFE-1).
        Returns the view and the users delta reported changed (None after a full read)."""
        directory = self.directory
        self._next_cursor = None
        self._due: list[str] = []
        try:
            changed = self._refresh_directory(settings.group_ids)
        except GraphError as exc:
            return EntraView(complete=False, errors=(str(exc),)), None
        # The directory's own member sets: the rules only read them, within this run.
        view = EntraView(
            users=directory.users,
            members={g: directory.members.get(g, frozenset()) for g in settings.group_ids},
            tenant_hybrid=directory.tenant_hybrid, domains=directory.domains,
            default_domain=directory.default_domain)
        in_scope_set, in_scope = directory.in_scope(settings.group_ids)
        view.synced_members = directory.members_of(settings.group_ids)
        view.use_index(directory.groups_index(settings.group_ids), settings.group_ids)
        if only is not None:
            due = [only] if only in in_scope_set else []
        elif changed is None:
            due = in_scope  # a full read refreshes everyone
        else:
            due = self._due_per_user_reads(in_scope, in_scope_set, changed)
        by_entra = emply.user_by_entra_id()
        by_email = emply.user_by_email()
        if settings.calendar_sync and only is None:
            # Calendar sync just switched on (for all, or for one user): every default
            # calendar exists, so a user with none in Emply has not been read yet.
            if emply.calendars_unread is not None:
                unread = emply.calendars_unread & in_scope_set
            else:
                unread = {uid for uid in in_scope if (u := by_entra.get(uid)) is not None
                          and u.calendar_sync and not u.calendars}
            due = sorted(set(due) | unread)
        self._due = due
        photo_users, calendar_users, event_calendars = [], [], []
        for uid in due:
            user = by_entra.get(uid) or by_email.get(directory.users[uid].email)
            if user is None or not user.employee_id:
                photo_users.append(uid)  # PIC-1: only users without an employee profile
            if settings.calendar_sync and (user is None or user.calendar_sync):
                calendar_users.append(uid)
                for cal in (user.calendars if user else ()):
                    if cal.enabled:
                        event_calendars.append((uid, cal.entra_id))
        try:
            reads = self.entra.per_user_reads(photo_users, calendar_users, event_calendars)
            view.photo_etags, view.calendars, view.events = (reads.photo_etags, reads.calendars,
                                                             reads.events)
        except GraphError as exc:
            view.complete = False
            view.errors = (str(exc),)
        return view, changed

    def _refresh_directory(self, group_ids: list[str]) -> set[str] | None:
        """Delta round when the copy covers the synced groups; else a full read.

        Returns the users that changed, or None after a full read (everyone). A delta
        link Graph no longer knows (410) falls back to a clean full read.
        """
        directory = self.directory
        if directory.covers(group_ids):
            try:
                user_items, users_link = self.entra.delta_round(directory.users_link or "")
                group_items, groups_link = self.entra.delta_round(directory.groups_link or "")
            except GraphError as exc:
                if exc.status != 410:
                    raise
                directory.forget()
            else:
                changed = directory.apply(user_items, group_items, users_link, groups_link)
                pending = set(self.store.get("pending_refresh", [])) | changed
                self.store.put("pending_refresh", sorted(pending))
                return pending
        users_link, groups_link = self.entra.delta_start()
        view = self.entra.read_directory(group_ids)
        if not view.complete:
            raise GraphError("GET", "directory", None, "incomplete", "; ".join(view.errors))
        directory.default_domain = view.default_domain
        directory.replace(view.users, view.members, view.tenant_hybrid, view.domains,
                          users_link, groups_link)
        # SAFE-1: until a run has applied, everyone read is still due for per-user reads,
        # so a run stopped after this (or held, or crashed) does not skip anyone's photo.
        self.store.put("pending_refresh", sorted(view.users))
        return None

    def _due_per_user_reads(self, in_scope: list[str], in_scope_set: frozenset[str],
                            changed: set[str]) -> list[str]:
        """Photos and calendars are not in delta: each user is read once a day, spread
        evenly over the runs (a rolling window of 1/48 of the users), and at once when
        delta reported them changed (decision, issue 7)."""
        if not in_scope:
            return []
        if changed.issuperset(in_scope_set):  # everyone is read anyway, as after a full read
            return in_scope
        share = -(-len(in_scope) // RUNS_PER_DAY)
        cursor = self.store.get("refresh_cursor", 0) % len(in_scope)
        window = in_scope[cursor:cursor + share]
        window += in_scope[:max(0, cursor + share - len(in_scope))]
        # Moved on when the run applies: a stopped run's window is read again (SAFE-1).
        self._next_cursor = (cursor + share) % len(in_scope)
        return sorted(set(window) | (changed & in_scope_set))

    def _hold(self, run_id: int, result: Plan) -> RunResult:
        """SAFE-2: nothing is applied; the staged changes are logged as such."""
        with self.store.buffered():
            for action in result.actions:
                if action.kind == "deactivate":
                    self.store.log_change(run_id, self._now(), action, "skipped",
                                          "staged: held by the deactivation threshold")
        counts = dict(Counter(a.kind for a in result.actions))
        self.store.finish_run(run_id, "held", self._now(), counts, result.hold_reason,
                              plan=[_describe(a, "staged") for a in result.actions])
        self.store.put("held_run", run_id)
        return RunResult(run_id, "held", counts, result.hold_reason,
                         [_describe(a, "staged") for a in result.actions])

    def _apply(self, run_id: int, result: Plan, only: str | None, last: LastState) -> RunResult:
        counts: Counter[str] = Counter()
        described = Described()
        failed: set[str] = set()
        # PIC-1's photo bytes are fetched ahead, 20 to a $batch, in the order they are copied.
        self.entra.expect_photos(a.entra_id for a in result.actions
                                 if a.kind == "set_photo" and a.entra_id)
        with self.store.buffered():  # the run log goes out in lots, however the loop ends
            actions = result.actions
            for at, planned in enumerate(actions):
                status, error, action = self._apply_one(planned, result.state)
                if action is not planned:  # kept as applied (ids filled in), not both
                    actions[at] = action
                if status == "failure" and action.entra_id:
                    failed.add(action.entra_id)
                self.store.log_change(run_id, self._now(), action, status, error)
                counts[action.kind if status == "success" else status] += 1
                described.add(action, status, error)
                if self.on_applied is not None and status == "success":
                    self.store.flush()  # the hook sees the run log as it stands
                    self.on_applied(action, sum(counts.values()))
        for uid in failed:  # a user whose change failed is planned again from the old state
            if uid in last.user_groups:
                result.state.user_groups[uid] = last.user_groups[uid]
            else:
                result.state.user_groups.pop(uid, None)
        self.store.save_state(result.state, only={only} if only else None,
                              covered=result.covered)
        if only is None:  # the per-user reads this run was due are done and applied,
            # except for users whose change failed: they are read again next run.
            self.store.put("pending_refresh", sorted(failed))
            if self._next_cursor is not None:
                self.store.put("refresh_cursor", self._next_cursor)
        status = "success" if not (counts["failure"]) else "partial"
        message = (f"{counts['failure']} change(s) could not be made; the run log says why "
                   "for each (status failure)") if counts["failure"] else None
        self.store.finish_run(run_id, status, self._now(), dict(counts), message)
        return RunResult(run_id, status, dict(counts), message, described)

    def _apply_one(self, action: Action, state: LastState) -> tuple[str, str | None, Action]:
        """Apply one action; returns its status, the error, and the action as applied (with
        the Emply id of a user made in this run filled in)."""
        if action.kind == "skip":
            return "skipped", None, action
        if action.kind == "error":
            return "failure", action.reason, action
        try:
            action = self.emply.apply(action, self.entra, self.store) or action
        except GraphError as exc:
            if action.kind == "update_entra" and exc.status == 400:
                # SYNC-11: Graph refused an on-premises-mastered change; not retried.
                state.refused_entra_updates[action.entra_id or ""] = rules._digest(action.new)
                return "skipped", f"SYNC-11: Graph refused the change: {exc.message}", action
            return "failure", str(exc), action
        except (Refused, ValueError, KeyError) as exc:
            # An Emply refusal is one failed change; the run goes on and ends partial.
            return "failure", str(exc), action
        return "success", None, action

    # -- one user on demand -------------------------------------------------------------
    def sync_user(self, key: str) -> RunResult:
        """Like Entra's provision on demand: plan and apply for one user (object id or
        user principal name), each step shown."""
        if not self._running.acquire(blocking=False):
            raise AlreadyRunning("a sync run is already under way")
        try:
            entra_id = self.entra.user_id(key)
            return self._run("on-demand", False, only=entra_id)
        except BaseException:
            self._mark_interrupted()
            raise
        finally:
            self._running.release()

    # -- held runs (SAFE-2) ------------------------------------------------------------
    def confirm(self, run_id: int, actor: str) -> RunResult:
        """Re-plan on current data and apply that plan, threshold lifted for this run."""
        self._take_held(run_id, "confirmed", actor)
        return self.run("confirmation", lift_threshold=True)

    def reject(self, run_id: int, actor: str) -> None:
        self._take_held(run_id, "rejected", actor)

    def _take_held(self, run_id: int, status: str, actor: str) -> None:
        if self.store.get("held_run") != run_id:
            raise NothingHeld(f"run {run_id} is not the held run")
        self.store.delete("held_run")
        self.store.set_run_status(run_id, status, f"held run {status} by {actor}")

    def held_run(self) -> int | None:
        return self.store.get("held_run")

    # -- "why is this user deactivated?" (SYNC-8) --------------------------------------
    def why_deactivated(self, emply_user_id: str) -> dict[str, Any] | None:
        for change in self.store.changes(emply_user_id=emply_user_id, kind="deactivate"):
            if change["status"] == "success":
                return change
        return None

    def _now(self) -> str:
        """The host's "now" (the simulation clock when simulated), as Graph writes it.
        Formatted once per distinct time: a simulated run logs 25,000 changes at one."""
        now = self.emply.now()
        if now != self._now_at:
            self._now_at, self._now_text = now, now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._now_text


def _digest(settings: Settings) -> str:
    """A fingerprint of the settings: an incremental plan needs them unchanged."""
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]


def _only_user(result: Plan, entra_id: str) -> Plan:
    result.actions = [a for a in result.actions if a.entra_id == entra_id]
    return result


def _describe(action: Action, status: str, error: str | None = None) -> dict[str, Any]:
    """A change in the run log's one shape (the same keys as ``Store.changes``)."""
    return {"kind": action.kind, "action": LOG_ACTION.get(action.kind, "other"),
            "status": status, "rule": action.rule, "reason": action.reason,
            "entraId": action.entra_id, "emplyUserId": action.emply_id or None,
            "email": action.email, "old": action.old, "new": action.new, "error": error}


def new_password() -> str:
    """A throw-away initial password for users created in Entra (EXT-1)."""
    return "Aa1!" + secrets.token_urlsafe(12)
