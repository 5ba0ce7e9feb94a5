"""The sync's standing copy of an Emply customer, brought up to date from the change log.

The first read snapshots every user, employee and calendar event as the plain records
of :mod:`sync_core.model`; every later read re-snapshots only the users and employees
the model's change log names (:mod:`mocks.emply.changes`), so a run over a quiet
30,000-user customer costs what changed. The lookups the engine and the rules need
(by e-mail, by Entra link, unlinked users, SAFE-2's base, calendars not read yet) are
kept up to date the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import chain
from typing import Any

from mocks.emply.changes import Changes
from mocks.emply.models import SYNC, Emply
from sync_core.model import (
    Employee,
    EmplyCalendar,
    EmplyEvent,
    EmplyUser,
    EmplyView,
    event_key,
    normalise_email,
)

Shown = dict[str, frozenset[tuple[str, str, str, str]]]


class Snapshot:
    """Plain records of one customer as of change number ``seq``."""

    def __init__(self, emply: Emply) -> None:
        """A full snapshot; the caller holds the model's lock."""
        self.emply = emply
        self.seq = emply.changes.seq
        self.users: dict[str, EmplyUser] = {}
        self.employees: dict[str, Employee] = {}
        self.by_email: dict[str, EmplyUser] = {}
        self.by_entra: dict[str, EmplyUser] = {}
        self.unlinked: set[str] = set()
        self.active_synced: set[str] = set()
        self.calendars_unread: set[str] = set()
        self.user_of_employee: dict[str, str] = {}
        self.events: dict[str, tuple[EmplyEvent, ...]] = {}  # made in Emply, by user
        # Microsoft 365 events shown, by Entra calendar and user (a shared calendar can be
        # several users'), and their union by calendar as the rules read it.
        self.shown_by_calendar: dict[str, dict[str, frozenset]] = {}
        self.calendars_of: dict[str, tuple[str, ...]] = {}  # user id -> calendars shown
        self.shown: Shown = {}
        self._role_sets: dict[frozenset[str], frozenset[str]] = {}
        for user in emply.users.values():
            self._put_user(user)
        for emp in emply.employees.values():
            self._put_employee(emp.id)
        self._put_events(set(emply.users))

    def refresh(self, changes: Changes) -> None:
        """Re-snapshot what the change log named since ``seq``; the caller holds the lock.

        The rules take users in the snapshot's order, and the change log hands out sets, so
        users and employees new to the snapshot are put in the model's order (a fresh
        snapshot's): the run log must not depend on the process's hash seed."""
        e = self.emply
        self.seq = e.changes.seq
        employees = set(changes.employees)
        new_users = []
        # Users and employees keep their place: the rules take them in the model's order.
        for user_id in changes.users:
            old = self.users.get(user_id)
            user = e.users.get(user_id)
            if old is None:
                if user is not None:
                    new_users.append(user_id)
                continue
            self._drop_user(old, gone=user is None)
            employees.add(old.employee_id or "")
            if user is not None:
                self._put_user(user)
                employees.add(user.employee_id or "")
        for user_id in in_model_order(new_users, e.users):
            user = e.users[user_id]
            self._put_user(user)
            employees.add(user.employee_id or "")
        new_employees = []
        for employee_id in employees - {""}:
            if employee_id not in e.employees:
                self.employees.pop(employee_id, None)
            elif employee_id in self.employees:
                self._put_employee(employee_id)
            else:
                new_employees.append(employee_id)
        for employee_id in in_model_order(new_employees, e.employees):
            self._put_employee(employee_id)
        if changes.users:
            self._put_events(changes.users)

    def view(self, deleted: frozenset[str]) -> EmplyView:
        """The rules' view: copies of the standing dicts (C-speed), nothing rebuilt."""
        e = self.emply
        return EmplyView(
            users=dict(self.users), employees=dict(self.employees),
            admin_roles=frozenset(r.id for r in e.roles.values() if r.is_admin),
            role_names={r.id: r.name for r in e.roles.values()},
            deleted_entra_links=deleted, kept_in_entra=frozenset(e.kept_in_entra),
            events=tuple(chain.from_iterable(self.events.values())),
            shown_events=dict(self.shown),
            by_email=dict(self.by_email), by_entra=dict(self.by_entra),
            unlinked=frozenset(self.unlinked), active_synced=len(self.active_synced),
            calendars_unread=frozenset(self.calendars_unread))

    # -- users -----------------------------------------------------------------------
    def _put_user(self, user: Any) -> None:
        record = _user(user, self.emply.created_in_entra, self._role_sets)
        self.users[record.id] = record
        self.by_email[_email_key(record.email)] = record
        if record.entra_id:
            self.by_entra[record.entra_id] = record
            if record.active and not record.created_in_entra:
                self.active_synced.add(record.id)
            if record.calendar_sync and not record.calendars:
                self.calendars_unread.add(record.entra_id)
        else:
            self.unlinked.add(record.id)
        if record.employee_id:
            self.user_of_employee[record.employee_id] = record.id

    def _drop_user(self, record: EmplyUser, gone: bool) -> None:
        if gone:
            del self.users[record.id]
        email = _email_key(record.email)
        if self.by_email.get(email) is record:
            del self.by_email[email]
        if record.entra_id:
            if self.by_entra.get(record.entra_id) is record:
                del self.by_entra[record.entra_id]
            self.calendars_unread.discard(record.entra_id)
        self.unlinked.discard(record.id)
        self.active_synced.discard(record.id)
        if record.employee_id and self.user_of_employee.get(record.employee_id) == record.id:
            del self.user_of_employee[record.employee_id]

    def _put_employee(self, employee_id: str) -> None:
        emp = self.emply.employees[employee_id]
        self.employees[employee_id] = _employee(emp, self.emply,
                                                self.user_of_employee.get(employee_id))

    # -- calendar events (CAL-1) ------------------------------------------------------
    def _put_events(self, user_ids: set[str]) -> None:
        """Rebuild the events of these users: made in Emply, and Microsoft 365 ones shown."""
        touched: set[str] = set()
        for user_id in user_ids:
            self.events.pop(user_id, None)
            for cal in self.calendars_of.pop(user_id, ()):
                self.shown_by_calendar[cal].pop(user_id, None)
                touched.add(cal)
        made: dict[str, list[EmplyEvent]] = {}
        shown: dict[str, dict[str, set[tuple[str, str, str, str]]]] = {}
        users = self.emply.users
        for ev in self.emply.events.values():
            if ev.user_id not in user_ids or ev.removed_at is not None:
                continue
            if ev.origin == "emply":
                made.setdefault(ev.user_id, []).append(EmplyEvent(
                    ev.id, ev.user_id, ev.subject, _iso(ev.start), _iso(ev.end),
                    pushed_to=frozenset(ev.entra_links)))
            elif ev.origin == "microsoft365" and ev.user_id in users:
                cal = next((c.entra_calendar_id for c in users[ev.user_id].calendars
                            if c.id == ev.calendar_id), None)
                if cal:
                    shown.setdefault(ev.user_id, {}).setdefault(cal, set()).add(event_key(
                        ev.entra_event_id or "", ev.subject, _iso(ev.start), _iso(ev.end)))
        for user_id, events in made.items():
            self.events[user_id] = tuple(events)
        for user_id, by_calendar in shown.items():
            self.calendars_of[user_id] = tuple(by_calendar)
            for cal, keys in by_calendar.items():
                self.shown_by_calendar.setdefault(cal, {})[user_id] = frozenset(keys)
                touched.add(cal)
        for cal in sorted(touched):  # the shown calendars' order: not the hash seed's
            sets = self.shown_by_calendar.get(cal)
            if sets:
                self.shown[cal] = frozenset().union(*sets.values())
            else:
                self.shown.pop(cal, None)
                self.shown_by_calendar.pop(cal, None)


def in_model_order(keys: list[str], model: dict[str, Any]) -> list[str]:
    """``keys`` (all in ``model``) in the model's order. The model only appends users and
    employees, so the new ones sit at its end: the walk starts there and stops once all are
    found, costing about as many steps as there are new keys, not the whole customer."""
    if len(keys) < 2:
        return list(keys)
    wanted = set(keys)
    found = []
    for key in reversed(model):
        if key in wanted:
            found.append(key)
            if len(found) == len(wanted):
                break
    found.reverse()
    return found


def _email_key(email: str) -> str:
    """SYNC-1's key; the user's own string when it is one already (memory)."""
    key = normalise_email(email)
    return email if key == email else key


def _user(u: Any, created_in_entra: set[str],
          role_sets: dict[frozenset[str], frozenset[str]]) -> EmplyUser:
    """One user as the rules read it; users share a few combinations of roles, so one
    frozenset of each is kept (memory)."""
    deactivation = u.deactivation
    roles = frozenset(u.role_ids)
    return EmplyUser(
        id=u.id, email=u.email, first_name=u.first_name, last_name=u.last_name,
        active=deactivation is None,
        deactivated_by=None if deactivation is None else (
            "sync" if deactivation.by == SYNC else "hand"),
        deactivation_reason=deactivation.reason if deactivation else None,
        roles=role_sets.setdefault(roles, roles), origin=u.origin, entra_id=u.entra_object_id,
        employee_id=u.employee_id, calendar_sync=u.calendar_sync_enabled,
        calendars=tuple(EmplyCalendar(c.entra_calendar_id, c.name, c.is_default, c.enabled)
                        for c in u.calendars),
        photo_etag=u.photo.entra_etag if u.photo else None,
        photo_from_entra=bool(u.photo and u.photo.entra_etag),
        created_in_entra=bool(u.entra_object_id) and u.entra_object_id in created_in_entra)


def _employee(emp: Any, emply: Emply, user_id: str | None) -> Employee:
    department = emply.departments.get(emp.department_id or "")
    return Employee(
        id=emp.id, email=emp.email or "", first_name=emp.first_name, last_name=emp.last_name,
        job_title=emp.job_title, department=department.title if department else None,
        mobile_phone=emp.phones.get("mobile"), business_phone=emp.phones.get("work"),
        status=emp.status, user_id=user_id)


def _iso(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
