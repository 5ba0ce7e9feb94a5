"""The guided FAQ tour of the demo pages: the FAQ's stories, one step at a time.

Each step says what is about to happen, does (or lets the presenter do) one thing in
Entra or Emply, runs the sync, and shows the people involved before and after, with
the rule id and the FAQ question it answers. Entra changes go through Graph as the
tenant's administrator app (:mod:`mocks.emply.entra_admin`), Emply changes through
the model's public methods with the acting user, exactly as the pages' own forms do.

A step starts from the world the steps before it leave, in the built-in ``faq``
world; starting (or restarting) at step *n* loads that world afresh and replays
steps 1 to *n*-1 in it, so the tour can be restarted at any step.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mocks.emply.entra_admin import GraphAdmin, register_admin_app

SCENARIO = "faq"
MEGAN, RAY = "megan.jordan@contoso.com", "ray.ross@contoso.com"
LARS, SOFIE, MADS = "lars.nielsen@contoso.com", "sofie.hansen@contoso.com", "mads.jensen@contoso.com"
# Rules whose failures the FAQ world shows on purpose (Mads is an employee without a user).
EXPECTED_FAILURES = {"SYNC-7": "by design, an employee without a user account is reported "
                               "instead of getting a second user; the next run connects them "
                               "once an account exists (SYNC-7)"}


class TourError(RuntimeError):
    """A step cannot be played now; the message says why and what to do."""


class Context:
    """What a step acts with: the world, Graph as the administrator, Emply, the engine."""

    def __init__(self, world, admin: GraphAdmin, engine, actor: str) -> None:
        self.world, self.admin, self.engine, self.actor = world, admin, engine, actor

    @property
    def emply(self):
        return self.world.emply

    def entra_id(self, email: str) -> str:
        user = self.world.tenant.user_by_id_or_upn(email)
        if user is None:
            raise TourError(f"{email} is not in Entra")
        return user.id

    def group_id(self, name: str) -> str:
        for group in self.world.tenant.groups.values():
            if group.props.get("displayName") == name:
                return group.id
        raise TourError(f"no Entra group named {name}")

    def role_id(self, name: str) -> str:
        role = self.emply.role_by_name(name)
        if role is None:
            raise TourError(f"no Emply role named {name}")
        return role.id

    def user_id(self, email: str) -> str:
        user = self.emply.user_by_email(email)
        if user is None:
            raise TourError(f"{email} has no Emply user")
        return user.id

    def leave_group(self, email: str, group: str) -> None:
        self.admin.remove_member(self.group_id(group), self.entra_id(email))

    def join_group(self, email: str, group: str) -> None:
        self.admin.add_member(self.group_id(group), self.entra_id(email))

    def revoke(self, email: str, *roles: str) -> None:
        for role in roles:
            self.emply.revoke_role(self.user_id(email), self.role_id(role), self.actor)

    def run(self):
        return self.engine.run("manual")


Action = Callable[[Context], Any]


@dataclass(frozen=True)
class Step:
    """One story of the FAQ as the tour plays it."""

    key: str
    title: str
    rule: str
    question: str
    about: str  # what is about to happen
    people: tuple[str, ...]
    action_text: str  # what the tour does, or what the presenter can do instead
    action: Action | None = None
    by_hand: str | None = None  # where in the pages a presenter does it themselves
    setup_text: str | None = None
    setup: Action | None = None
    look_for: str = ""
    runs_sync: bool = True


def _none(_ctx: Context) -> None:
    return None


def _case_c_setup(ctx: Context) -> None:
    ctx.join_group(MEGAN, "HR")
    ctx.run()


def _case_d_setup(ctx: Context) -> None:
    ctx.emply.grant_role(ctx.user_id(MEGAN), ctx.role_id("Manager"), ctx.actor)


def _remap(ctx: Context) -> None:
    ctx.emply.update_synced_group(ctx.group_id("Employee"), {"roleId": ctx.role_id("New employee")},
                                  ctx.actor)


def _second_calendar(ctx: Context) -> None:
    from mocks.entra import mailbox

    mailbox.add_calendar(ctx.world.tenant, ctx.entra_id(MEGAN), "Projects")


def _calendar_sync_on(ctx: Context) -> None:
    ctx.emply.update_settings({"calendarSync": True}, ctx.actor)


def _resign_and_wait(ctx: Context) -> None:
    user = ctx.emply.user(ctx.user_id(RAY))
    now = ctx.world.clock.now()
    tomorrow = (now + timedelta(days=1)).date()
    ctx.emply.set_resignation_date(user.employee_id, tomorrow.isoformat(), ctx.actor)
    midnight = datetime.combine(tomorrow, datetime.min.time(), tzinfo=now.tzinfo)
    ctx.world.clock.advance(midnight - now + timedelta(minutes=1))


def _lower_threshold(ctx: Context) -> None:
    ctx.emply.update_settings({"deactivationThreshold": {"minimum": 2, "ratio": 0.2}}, ctx.actor)


def _empty_groups(ctx: Context) -> None:
    for name in ("Employee", "HR"):
        group = ctx.world.tenant.groups[ctx.group_id(name)]
        for member in list(group.members):
            ctx.admin.remove_member(group.id, member)


def _confirm(ctx: Context):
    held = ctx.engine.held_run()
    if held is None:
        raise TourError("no run is held; play the step before this one first")
    return ctx.engine.confirm(held, ctx.actor)


SYNC_FAQ = "FAQ, Sync and update of users"
ROLES_Q = f"{SYNC_FAQ}, question 6: what does the toggle “update roles after first sync” do?"

STEPS: tuple[Step, ...] = (
    Step("first-sync", "The first sync", "SYNC-1",
         f"{SYNC_FAQ}, questions 1 and 7: how is an Entra user matched to an Emply user, and "
         "why does the sync report an error for someone?",
         "Nothing has been synced yet. Ray Ross and Megan Jordan already have Emply users with "
         "the same e-mail as their Entra users; Lars Nielsen and Sofie Hansen do not; Mads "
         "Jensen is an employee in Emply but has no user account.",
         (RAY, MEGAN, LARS, SOFIE, MADS), "Nothing to do: the sync runs for the first time.",
         look_for="Ray and Megan are linked by e-mail and keep their roles; Lars and Sofie are "
                  "created with the roles of their groups; Mads is reported (SYNC-7), which "
                  "makes the run end “partial”. That is the expected outcome in this world."),
    Step("case-a", "Case a: nothing changed", "SYNC-6", ROLES_Q,
         "Megan Jordan (no employee profile) is in the groups Employee and HR and has the roles "
         "Employee, HR and Manager. Nothing changes before this run.",
         (MEGAN,), "Nothing to do: the sync runs again.",
         look_for="Her roles match her groups, so nothing changes: Manager stays."),
    Step("case-b", "Case b: Megan leaves the group HR", "SYNC-6", ROLES_Q,
         "An Entra administrator removes Megan Jordan from the group HR.",
         (MEGAN,), "Remove Megan Jordan from the Entra group HR (through Graph).",
         action=lambda ctx: ctx.leave_group(MEGAN, "HR"),
         by_hand="Entra ID page, group HR: Remove next to Megan Jordan.",
         look_for="Her roles do not change: HR is now an extra role, like Manager."),
    Step("case-c", "Case c: roles taken away in Emply", "SYNC-6", ROLES_Q,
         "Megan is back in HR (the tour puts her back and syncs once). Now someone takes the "
         "roles Employee and HR away from her in Emply.",
         (MEGAN,), "Remove the roles Employee and HR from Megan Jordan in Emply.",
         action=lambda ctx: ctx.revoke(MEGAN, "Employee", "HR"),
         by_hand="Users page, Megan Jordan: Remove next to Employee and next to HR.",
         setup_text="Megan Jordan rejoins the Entra group HR, and the sync runs once.",
         setup=_case_c_setup,
         look_for="The sync gives back Employee and HR (her groups) and drops Manager, the role "
                  "no group maps to."),
    Step("case-d", "Case d: the group Employee is remapped", "SYNC-6", ROLES_Q,
         "Megan has Employee, HR and Manager again (the tour gives Manager back by hand). An "
         "Emply administrator maps the group Employee to the role “New employee”.",
         (MEGAN,), "Map the synced group Employee to the role New employee.",
         action=_remap,
         by_hand="Integration page, synced group Employee: choose New employee, Save.",
         setup_text="The role Manager is given back to Megan Jordan by hand in Emply.",
         setup=_case_d_setup,
         look_for="Employee is replaced by New employee; HR and Manager stay."),
    Step("ray", "Ray Ross: connected to an employee", "SYNC-6", ROLES_Q,
         "Ray Ross has the same groups and roles as Megan had, but he is connected to an "
         "employee profile. Someone takes his roles Employee and HR away in Emply.",
         (RAY,), "Remove the roles Employee and HR from Ray Ross in Emply.",
         action=lambda ctx: ctx.revoke(RAY, "Employee", "HR"),
         by_hand="Users page, Ray Ross: Remove next to Employee and next to HR.",
         look_for="Nothing is given back: the employee profile controls Ray's user, so the "
                  "sync never changes his roles (unlike Megan in case c)."),
    Step("calendar", "A calendar switched on", "CAL-1",
         "FAQ, Calendars, questions 1 and 2: how is the calendar synchronised, and why is a "
         "calendar not synchronised?",
         "Megan has her default calendar and a second one, Projects, that she can edit. "
         "Calendar sync is off.",
         (MEGAN,), "Switch calendar sync on in the integration settings.",
         action=_calendar_sync_on,
         by_hand="Integration page: Switch on next to Calendar sync.",
         setup_text="A second calendar, Projects, is made in Megan's mailbox (mailbox set-up: "
                    "Graph has no call for it, so the tour does it in the simulated mailbox).",
         setup=_second_calendar,
         look_for="Her default calendar arrives enabled with no Disable button; Projects "
                  "arrives disabled, for her to switch on (CAL-2)."),
    Step("leave", "Lars leaves every synced group", "SYNC-3",
         f"{SYNC_FAQ}, questions 3 and 8: what happens to a user removed from the Entra group, "
         "and why are users deactivated?",
         "Lars Nielsen, created by the first sync, is only in the group Employee.",
         (LARS,), "Remove Lars Nielsen from the Entra group Employee (through Graph).",
         action=lambda ctx: ctx.leave_group(LARS, "Employee"),
         by_hand="Entra ID page, group Employee: Remove next to Lars Nielsen.",
         look_for="Lars is deactivated with the reason “left_synced_groups” and shows under "
                  "deactivated users."),
    Step("rejoin", "Lars rejoins and is reactivated", "SYNC-3",
         f"{SYNC_FAQ}, question 3: what happens to a user removed from the Entra group?",
         "Lars was deactivated by the sync itself. An Entra administrator adds him to the "
         "group Employee again.",
         (LARS,), "Add Lars Nielsen to the Entra group Employee (through Graph).",
         action=lambda ctx: ctx.join_group(LARS, "Employee"),
         by_hand="Entra ID page, group Employee: choose Lars Nielsen, Add member.",
         look_for="The sync reactivates him: the cause of its own deactivation is gone."),
    Step("delete", "Sofie is deleted in Entra", "DEL-1",
         "FAQ, Delete users, question 1: how do the rules for deletion of users work?",
         "An Entra administrator deletes Sofie Hansen. She moves to Entra's deleted users.",
         (SOFIE,), "Delete Sofie Hansen in Entra (through Graph).",
         action=lambda ctx: ctx.admin.delete_user(ctx.entra_id(SOFIE)),
         by_hand="Entra ID page, Sofie Hansen: Delete.",
         look_for="Her Emply user is deactivated with the reason “deleted_in_entra”; in Entra "
                  "she can be restored for 30 days."),
    Step("resign", "Ray resigns", "DEL-2",
         "FAQ, Delete users, question 2: a user deleted in Entra is still active in Emply; "
         "why?",
         "Ray's employee profile controls his user. HR enters a resignation date, tomorrow: "
         "the employee becomes Pending, and Archived on that date.",
         (RAY,), "Set Ray Ross's resignation date to tomorrow, then move the clock past "
                 "midnight (the scheduled runs happen on the way).",
         action=_resign_and_wait,
         by_hand="Employees page, Ray Ross: resignation date, Set; then +30 min until the "
                 "date is reached.",
         look_for="The employee is Archived and Emply itself deactivates the user with the "
                  "reason “employee_archived” (DEL-2) when the date comes; the Entra user is "
                  "untouched, since “delete in Entra ID” is off (DEL-1)."),
    Step("mass", "A mass deactivation is held", "SAFE-2",
         "FAQ, Sync and update of users, question 8: why are users in Emply being "
         "deactivated?",
         "Someone empties the groups Employee and HR in Entra by mistake. For this small world "
         "the threshold is lowered to 2 users (the default is 10).",
         (MEGAN, LARS), "Remove every member of the groups Employee and HR (through Graph).",
         action=_empty_groups,
         by_hand="Entra ID page: Remove every member of Employee and HR.",
         setup_text="The deactivation threshold is set to at least 2 users and over 20 %.",
         setup=_lower_threshold,
         look_for="The run is held: it would deactivate everyone, so nothing is applied until "
                  "someone decides."),
    Step("confirm", "The held run is confirmed", "SAFE-2",
         "FAQ, Sync and update of users, question 8: why are users in Emply being "
         "deactivated?",
         "The held run waits for a person. Confirming plans again on current data and applies "
         "it, with the threshold lifted for that one run.",
         (MEGAN, LARS), "Confirm the held run.",
         action=_confirm, runs_sync=False,
         by_hand="Sync runs page: Confirm run.",
         look_for="Megan and Lars are deactivated with the reason “left_synced_groups”."),
)


# -- the people, before and after ----------------------------------------------------------------
def snapshot(world, emails: tuple[str, ...]) -> list[dict[str, str]]:
    """What a presenter points at for each person: Entra account and groups, Emply user."""
    e, tenant = world.emply, world.tenant
    rows = []
    for email in emails:
        entra = tenant.user_by_id_or_upn(email)
        deleted = next((u for u in tenant.deleted_users.values()
                        if u.props.get("userPrincipalName") == email), None)
        if entra is not None:
            account = "enabled" if entra.props.get("accountEnabled") is not False else "disabled"
            groups = sorted(g.props.get("displayName") or g.id for g in tenant.groups.values()
                            if entra.id in g.members)
        else:
            account, groups = ("deleted (restorable)" if deleted else "none"), []
        user = e.user_by_email(email)
        employee = None
        if user is not None and user.employee_id:
            employee = e.employees.get(user.employee_id)
        else:
            employee = next((x for x in e.employees.values()
                             if (x.email or "").casefold() == email.casefold()), None)
        if user is None:
            status, roles, calendars = "no user", "—", "—"
        else:
            status = "active" if user.active else f"deactivated ({user.deactivation.reason})"
            roles = ", ".join(sorted(e.roles[r].name for r in user.role_ids if r in e.roles)) or "none"
            calendars = ", ".join(
                f"{c.name} ({'enabled' if c.enabled else 'disabled'}"
                f"{', default' if c.is_default else ''})" for c in user.calendars) or "none"
        name = (entra or deleted).props.get("displayName") if (entra or deleted) else email
        rows.append({"name": name, "email": email, "Entra account": account,
                     "Entra groups": ", ".join(groups) or "none", "Emply user": status,
                     "Emply roles": roles,
                     "Employee": f"{employee.status}" if employee is not None else "none",
                     "Calendars": calendars})
    return rows


COLUMNS = ("Entra account", "Entra groups", "Emply user", "Emply roles", "Employee", "Calendars")


@dataclass
class Played:
    """What happened when a step was played, for its page."""

    before: list[dict[str, str]]
    after: list[dict[str, str]] | None = None
    run: dict[str, Any] | None = None
    by: str = "tour"  # "tour" or "presenter"


@dataclass
class Tour:
    """Where the tour is in the current world: the step that is ready, and what was played."""

    ready: int | None = None  # index of the step whose "before" is taken, not yet played
    played: dict[int, Played] = field(default_factory=dict)
    busy: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        self.ready, self.played = None, {}

    @property
    def done_upto(self) -> int:
        """How many steps, from the first, have been played in this world."""
        n = 0
        while n in self.played and self.played[n].after is not None:
            n += 1
        return n

    # -- moving through the tour ---------------------------------------------------------------
    def start(self, index: int, ctx_factory: Callable[[], Context]) -> None:
        """Get step ``index`` ready: continue from the step before, or reload and replay."""
        _check(index)
        with self._only_one():
            self._start(index, ctx_factory)

    def _only_one(self):
        """One tour action at a time (two browsers on one demo server); the other is told."""
        if not self.busy.acquire(blocking=False):
            raise TourError("The tour is busy with another step; try again in a moment.")
        return _Release(self.busy)

    def _start(self, index: int, ctx_factory: Callable[[], Context]) -> None:
        if self.ready == index:
            return
        if not (self.ready is None and self.done_upto == index and index > 0):
            from mocks import scenarios

            world = ctx_factory().world
            scenarios.load_world(SCENARIO, world)
            register_admin_app(world.tenant)
            self.reset()
            ctx = ctx_factory()
            for i in range(index):
                step = STEPS[i]
                (step.setup or _none)(ctx)
                (step.action or _none)(ctx)
                result = ctx.run() if step.runs_sync else None
                self.played[i] = Played([], [], _summary(ctx, result, step), "replay")
        ctx = ctx_factory()
        step = STEPS[index]
        (step.setup or _none)(ctx)
        self.played.pop(index, None)
        self.played[index] = Played(snapshot(ctx.world, step.people))
        self.ready = index

    def play(self, index: int, ctx: Context, by_presenter: bool = False) -> Played:
        """Do the step's action (unless the presenter did it), run the sync, take the after."""
        _check(index)
        with self._only_one():
            return self._play(index, ctx, by_presenter)

    def _play(self, index: int, ctx: Context, by_presenter: bool) -> Played:
        if self.ready != index:
            raise TourError(f"Step {index + 1} is not ready: start it first (this reloads the "
                            "FAQ world and replays the steps before it).")
        step = STEPS[index]
        done_by_presenter = by_presenter and step.action is not None
        result = None if done_by_presenter else (step.action or _none)(ctx)
        if step.runs_sync:
            result = ctx.run()
        elif by_presenter:
            runs = ctx.engine.store.runs(limit=1)
            result = runs[0] if runs else None
        played = self.played[index]
        played.after = snapshot(ctx.world, step.people)
        played.run = _summary(ctx, result, step)
        played.by = "presenter" if by_presenter and step.action is not None else "tour"
        self.ready = None
        return played


class _Release:
    """Releases the tour's lock at the end of a ``with`` block."""

    def __init__(self, lock: threading.Lock) -> None:
        self.lock = lock

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc_info: object) -> None:
        self.lock.release()


def _check(index: int) -> None:
    if not 0 <= index < len(STEPS):
        raise TourError(f"The tour has steps 1 to {len(STEPS)}; there is no step {index + 1}.")


def _summary(ctx: Context, result, step: Step) -> dict[str, Any] | None:
    """The run a step made: status, counts, and its changes for the people involved."""
    if result is None:
        return None
    if not hasattr(result, "run_id"):  # a run from the store (the presenter ran it)
        run_id, status, counts, message = result.id, result.status, result.counts, result.message
    else:
        run_id, status, counts, message = (result.run_id, result.status, result.counts,
                                           result.message)
    changes = ctx.engine.store.changes(run_id=run_id, limit=500)
    wanted = {e.casefold() for e in step.people}
    involved = [c for c in changes if (c.get("email") or "").casefold() in wanted]
    failures = [c for c in changes if c["status"] == "failure"]
    unexpected = [c for c in failures if c["rule"] not in EXPECTED_FAILURES]
    note = None
    if status == "partial" and failures and not unexpected:
        note = "; ".join(sorted({EXPECTED_FAILURES[c["rule"]] for c in failures}))
    return {"id": run_id, "status": status, "counts": dict(counts or {}), "message": message,
            "changes": list(reversed(involved)), "expected_note": note,
            "others": len(changes) - len(involved)}


def expected_label(change: dict[str, Any]) -> str | None:
    """Why a failed change is the outcome the FAQ world is built to show, if it is."""
    if change.get("status") == "failure":
        return EXPECTED_FAILURES.get(change.get("rule", ""))
    return None


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True)
