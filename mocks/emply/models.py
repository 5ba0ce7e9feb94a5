"""State and rules of one Emply People customer.

Plain Python objects, no HTTP: the REST API (:mod:`mocks.emply.responses`), the
pages and the sync core all change Emply through the public methods of
:class:`Emply`, so every rule that protects data holds on every path. Each public
method takes the customer's re-entrant lock; a caller that needs several steps to
be atomic may hold ``emply.lock`` around them.

Who made a change is an *actor* string: ``"user:<emply user id>"`` (a person),
``"apikey:<key name>"`` (an API client without a person), ``"sync"`` (the sync
core) or ``"system"`` (Emply itself, e.g. archiving on a resignation date).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from mocks.clock import SimClock, isoformat_z
from mocks.emply import errors as v
from mocks.emply import integration
from mocks.emply.changes import EMPLOYEE, ENTRA_LINK, EVERYONE, USER, ChangeLog
from mocks.emply.errors import EmplyError, not_found
from mocks.emply.integration import IntegrationSettings
from mocks.ids import IdFactory

SYNC = "sync"
SYSTEM = "system"
PERMISSIONS = frozenset({"read", "write", "settings"})
# SYNC-8 / DEL-2 reason codes, and "manual" for a deactivation by hand.
DEACTIVATION_REASONS = frozenset({
    "left_synced_groups", "group_removed_from_integration", "deleted_in_entra",
    "disabled_in_entra", "employee_archived", "manual",
})
ORIGINS = frozenset({"integration", "manual"})
ROLE_SOURCES = frozenset({"manual", "integration"})
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
MAX_PHOTO_BYTES = 4 * 1024 * 1024

EMPLOYEE_FIELDS = frozenset({"firstName", "middleName", "lastName", "email", "number", "jobTitle",
                             "departmentId", "phones", "resignationDate"})
USER_FIELDS = frozenset({"email", "firstName", "middleName", "lastName", "departmentId",
                         "language", "timeZone", "currency", "employeeId", "calendarSyncEnabled"})
DEPARTMENT_FIELDS = frozenset({"title", "customId", "parentId", "managerId", "active"})
ROLE_FIELDS = frozenset({"name", "isAdministrator"})
EVENT_FIELDS = frozenset({"subject", "start", "end", "body"})
# User fields the connected employee profile is in control of.
FROM_EMPLOYEE = ("email", "firstName", "middleName", "lastName")


def user_actor(user_id: str) -> str:
    return f"user:{user_id}"


def key_actor(name: str) -> str:
    return f"apikey:{name}"


def acting_user_id(actor: str) -> str | None:
    """The Emply user behind ``actor``, or ``None`` when it is not a person."""
    return actor.partition(":")[2] if actor.startswith("user:") else None


def key_hash(key: str) -> str:
    """API keys are kept only as SHA-256 hashes, so no dump can reveal one."""
    return hashlib.sha256(key.encode()).hexdigest()


# -- objects -------------------------------------------------------------------
@dataclass
class ApiKey:
    name: str
    key_sha256: str
    permissions: frozenset[str]


@dataclass
class Department:
    id: str
    title: str
    custom_id: str | None = None
    parent_id: str | None = None
    manager_id: str | None = None  # an employee id
    active: bool = True


@dataclass
class Role:
    id: str
    name: str
    is_admin: bool = False


@dataclass(slots=True)
class RoleAssignment:
    """One role a user holds, and where it came from (by hand, or the sync via a group)."""

    role_id: str
    source: str  # "manual" | "integration"
    group_id: str | None
    granted_by: str
    granted_at: datetime


@dataclass(slots=True)
class Deactivation:
    reason: str  # one of DEACTIVATION_REASONS
    by: str  # actor
    at: datetime
    note: str | None = None


@dataclass(slots=True)
class Photo:
    content: bytes
    content_type: str
    updated_at: datetime
    updated_by: str
    entra_etag: str | None = None  # set when the sync copied it from Entra (PIC-1)

    @property
    def etag(self) -> str:
        return hashlib.sha256(self.content).hexdigest()[:16]


@dataclass(slots=True)
class UserCalendar:
    """A user's Microsoft 365 calendar as Emply knows it (CAL-2)."""

    id: str
    entra_calendar_id: str
    name: str
    is_default: bool = False
    enabled: bool = False

    @property
    def can_disable(self) -> bool:
        return not self.is_default


@dataclass(slots=True)
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    middle_name: str | None = None
    department_id: str | None = None
    language: str | None = None
    time_zone: str | None = None
    currency: str | None = None
    origin: str = "manual"  # "integration" (created by the sync) | "manual" (by hand)
    entra_object_id: str | None = None
    employee_id: str | None = None
    created_at: datetime | None = None
    created_by: str = SYSTEM
    deactivation: Deactivation | None = None
    roles: list[RoleAssignment] = field(default_factory=list)
    photo: Photo | None = None
    calendar_sync_enabled: bool = True
    calendars: list[UserCalendar] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.deactivation is None

    @property
    def status(self) -> str:
        return "active" if self.active else "deactivated"

    @property
    def role_ids(self) -> list[str]:
        return [a.role_id for a in self.roles]

    def assignment(self, role_id: str) -> RoleAssignment | None:
        return next((a for a in self.roles if a.role_id == role_id), None)

    def calendar(self, calendar_id: str) -> UserCalendar | None:
        return next((c for c in self.calendars
                     if calendar_id in (c.id, c.entra_calendar_id)), None)


@dataclass(slots=True)
class Employee:
    id: str
    number: str
    first_name: str
    last_name: str
    middle_name: str | None = None
    email: str | None = None
    job_title: str | None = None
    department_id: str | None = None
    phones: dict[str, str | None] = field(default_factory=lambda: {"work": None, "mobile": None})
    resignation_date: date | None = None
    archived_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def status(self) -> str:
        """Lifecycle (DEL-2): Active, Pending once a resignation date is set, Archived on it."""
        if self.archived_at is not None:
            return "Archived"
        return "Pending" if self.resignation_date else "Active"


@dataclass(slots=True)
class CalendarEvent:
    """An event in Emply's calendar: made in Emply, or shown from Microsoft 365 (CAL-1)."""

    id: str
    user_id: str
    subject: str
    start: datetime
    end: datetime
    origin: str  # "emply" | "microsoft365"
    body: str | None = None
    calendar_id: str | None = None  # Emply calendar id, for Microsoft 365 events
    entra_event_id: str | None = None
    # For events made in Emply: Entra calendar id -> Entra event id it was written to.
    entra_links: dict[str, str] = field(default_factory=dict)
    created_at: datetime | None = None
    removed_at: datetime | None = None


@dataclass
class AuditEntry:
    """One audited change of the integration settings: who, when, old -> new."""

    at: datetime
    actor: str
    setting: str
    old: Any
    new: Any


@dataclass
class DomainEvent:
    """Something the sync core may react to, e.g. ``employee_archived`` (DEL-2)."""

    seq: int
    kind: str
    at: datetime
    data: dict[str, Any]


Listener = Callable[[DomainEvent], None]


# -- the customer -----------------------------------------------------------------
class Emply:
    """One Emply People customer: users, employees, departments, roles, calendars, settings."""

    def __init__(self, clock: SimClock, ids: IdFactory, customer: str = "contoso") -> None:
        self.clock = clock
        self.ids = ids
        self.customer = customer
        self.lock = threading.RLock()
        self.api_keys: dict[str, ApiKey] = {}  # by name
        self.departments: dict[str, Department] = {}
        self.roles: dict[str, Role] = {}
        self.employees: dict[str, Employee] = {}
        self.users: dict[str, User] = {}
        self.events: dict[str, CalendarEvent] = {}
        self.settings = IntegrationSettings()
        self.audit: list[AuditEntry] = []
        self.journal: list[DomainEvent] = []
        # Entra ids of linked users deleted in Emply, for DEL-1 ("delete in Entra ID").
        self.deleted_entra_links: set[str] = set()
        # EXT-1: Entra ids of users made by hand in Emply whose Entra account the sync made.
        self.created_in_entra: set[str] = set()
        # DEL-1 does not reach back: Entra ids of users deleted (or whose employee was
        # archived) while "delete in Entra ID" was off; the sync never deletes them in Entra.
        self.kept_in_entra: set[str] = set()
        # Whatever the sync core keeps between runs; JSON-shaped, dumped as is.
        self.sync_store: dict[str, Any] = {}
        self._listeners: list[Listener] = []
        # Lookups by e-mail and Entra link, kept complete by every path that adds, removes
        # or renames a user (rare renames rebuild them), so the sync stays fast at 10,000 users.
        self._by_email: dict[str, str] = {}
        self._by_entra: dict[str, str] = {}
        # Every mutation below is recorded here, so the hosted sync can plan only what
        # changed since its last run (issue 13); see :mod:`mocks.emply.changes`.
        self.changes = ChangeLog()
        clock.subscribe(self._on_clock)

    def now(self) -> datetime:
        return self.clock.now()

    # -- hooks ---------------------------------------------------------------
    def on(self, listener: Listener) -> None:
        """Call ``listener(event)`` for every domain event (outside the model's lock)."""
        self._listeners.append(listener)

    def _record(self, kind: str, **data: Any) -> DomainEvent:
        event = DomainEvent(len(self.journal) + 1, kind, self.now(), data)
        self.journal.append(event)
        return event

    def _dispatch(self, events: list[DomainEvent]) -> None:
        for event in events:
            for listener in list(self._listeners):
                listener(event)

    # -- API keys ------------------------------------------------------------
    def add_api_key(self, name: str, permissions: set[str] | frozenset[str] | list[str],
                    key: str | None = None, *, key_sha256: str | None = None) -> str | None:
        """Register a key; returns the key (generated when not given), or ``None`` if a hash was given."""
        name = str(v.text(name, "name", required=True))
        perms = frozenset(permissions)
        if not perms or perms - PERMISSIONS:
            raise EmplyError(400, "invalid_value",
                             f"API key permissions must be some of {sorted(PERMISSIONS)}.")
        with self.lock:
            if name in self.api_keys:
                raise EmplyError(409, "api_key_exists", f"An API key named '{name}' already exists.")
            if key_sha256 is None:
                key = key or self.ids.token(20)
                key_sha256 = key_hash(key)
            self.api_keys[name] = ApiKey(name, key_sha256, perms)
            return key

    def authenticate(self, key: str | None) -> ApiKey | None:
        """The API key matching ``key``, or ``None``."""
        if not key:
            return None
        digest = key_hash(key)
        with self.lock:
            for api_key in self.api_keys.values():
                if hmac.compare_digest(api_key.key_sha256, digest):
                    return api_key
        return None

    # -- departments ---------------------------------------------------------
    def department(self, department_id: str) -> Department:
        with self.lock:
            dept = self.departments.get(department_id)
            if dept is None:
                raise not_found("department", department_id)
            return dept

    def add_department(self, body: dict[str, Any], *, id: str | None = None) -> Department:
        with self.lock:
            v.unknown_fields(body, DEPARTMENT_FIELDS, "a department")
            dept = Department(id or self.ids.guid(), str(v.text(body.get("title"), "title", required=True)))
            self._apply_department(dept, body)
            self.departments[dept.id] = dept
            return dept

    def update_department(self, department_id: str, body: dict[str, Any]) -> Department:
        with self.lock:
            dept = self.department(department_id)
            v.unknown_fields(body, DEPARTMENT_FIELDS, "a department")
            trial = Department(**vars(dept))
            if "title" in body:
                trial.title = str(v.text(body["title"], "title", required=True))
            self._apply_department(trial, body)
            vars(dept).update(vars(trial))
            self.changes.add(EVERYONE, None)
            return dept

    def _apply_department(self, dept: Department, body: dict[str, Any]) -> None:
        """Check and set the optional fields on ``dept`` (a not-yet-kept object)."""
        if "customId" in body:
            custom = v.text(body["customId"], "customId")
            if custom and any(d.custom_id == custom and d.id != dept.id for d in self.departments.values()):
                raise EmplyError(409, "custom_id_in_use",
                                 f"Another department already has customId '{custom}'.")
            dept.custom_id = custom
        if "parentId" in body:
            parent = v.text(body["parentId"], "parentId")
            if parent is not None:
                if parent not in self.departments:
                    raise EmplyError(422, "unknown_department",
                                     f"'parentId': no department with id '{parent}'.")
                seen, cursor = set(), parent
                while cursor:
                    if cursor == dept.id or cursor in seen:
                        raise EmplyError(422, "department_cycle",
                                         f"Department '{parent}' cannot be the parent: it is "
                                         f"'{dept.title}' itself or one of its sub-departments.")
                    seen.add(cursor)
                    cursor = self.departments[cursor].parent_id
            dept.parent_id = parent
        if "managerId" in body:
            manager = v.text(body["managerId"], "managerId")
            if manager is not None and manager not in self.employees:
                raise EmplyError(422, "unknown_employee",
                                 f"'managerId': no employee with id '{manager}'.")
            dept.manager_id = manager
        if "active" in body:
            dept.active = v.boolean(body["active"], "active")

    def delete_department(self, department_id: str) -> None:
        with self.lock:
            dept = self.department(department_id)
            users = [u for u in self.users.values() if u.department_id == dept.id]
            employees = [e for e in self.employees.values() if e.department_id == dept.id]
            children = [d for d in self.departments.values() if d.parent_id == dept.id]
            groups = [g for g in self.settings.synced_groups if g.department_id == dept.id]
            if users or employees or children or groups:
                what = ", ".join(f"{len(x)} {name}" for x, name in (
                    (users, "user(s)"), (employees, "employee(s)"),
                    (children, "sub-department(s)"), (groups, "synced group(s)")) if x)
                raise EmplyError(409, "department_in_use",
                                 f"Department '{dept.title}' is still used by {what}; "
                                 "move them first or set the department inactive.")
            del self.departments[dept.id]

    def _check_department(self, department_id: str | None, field_name: str = "departmentId") -> None:
        if department_id is not None and department_id not in self.departments:
            raise EmplyError(422, "unknown_department",
                             f"'{field_name}': no department with id '{department_id}'.")

    # -- roles ---------------------------------------------------------------
    def role(self, role_id: str) -> Role:
        with self.lock:
            role = self.roles.get(role_id)
            if role is None:
                raise not_found("role", role_id)
            return role

    def role_by_name(self, name: str) -> Role | None:
        with self.lock:
            return next((r for r in self.roles.values()
                         if r.name.casefold() == name.strip().casefold()), None)

    def add_role(self, body: dict[str, Any], *, id: str | None = None) -> Role:
        with self.lock:
            v.unknown_fields(body, ROLE_FIELDS, "a role")
            name = str(v.text(body.get("name"), "name", required=True))
            if self.role_by_name(name):
                raise EmplyError(409, "role_name_in_use", f"A role named '{name}' already exists.")
            is_admin = v.boolean(body.get("isAdministrator", False), "isAdministrator")
            role = Role(id or self.ids.guid(), name, is_admin)
            self.roles[role.id] = role
            self.changes.add(EVERYONE, None)
            return role

    def update_role(self, role_id: str, body: dict[str, Any]) -> Role:
        with self.lock:
            role = self.role(role_id)
            v.unknown_fields(body, ROLE_FIELDS, "a role")
            name = role.name
            if "name" in body:
                name = str(v.text(body["name"], "name", required=True))
                other = self.role_by_name(name)
                if other and other.id != role.id:
                    raise EmplyError(409, "role_name_in_use", f"A role named '{name}' already exists.")
            is_admin = role.is_admin
            if "isAdministrator" in body:
                is_admin = v.boolean(body["isAdministrator"], "isAdministrator")
            if is_admin and not role.is_admin:
                mapped = [g for g in self.settings.synced_groups if g.role_id == role.id]
                if mapped:
                    raise EmplyError(422, "admin_role_mapping_refused",
                                     f"Role '{role.name}' cannot become an administrator role: synced "
                                     f"group '{mapped[0].display_name or mapped[0].group_id}' maps "
                                     "to it, and the sync never grants administrator access (SYNC-9).")
            if role.is_admin and not is_admin and self._holders(role.id):
                raise EmplyError(409, "role_in_use",
                                 f"Role '{role.name}' is held by users; it cannot stop being an "
                                 "administrator role while anyone holds it.")
            role.name, role.is_admin = name, is_admin
            self.changes.add(EVERYONE, None)  # role names and SYNC-9's admin roles
            return role

    def delete_role(self, role_id: str) -> None:
        with self.lock:
            role = self.role(role_id)
            holders = self._holders(role.id)
            groups = [g for g in self.settings.synced_groups if g.role_id == role.id]
            if holders or groups:
                raise EmplyError(409, "role_in_use",
                                 f"Role '{role.name}' is held by {len(holders)} user(s) and mapped by "
                                 f"{len(groups)} synced group(s); remove those first.")
            del self.roles[role.id]
            self.changes.add(EVERYONE, None)

    def _holders(self, role_id: str) -> list[User]:
        return [u for u in self.users.values() if role_id in u.role_ids]

    def is_admin(self, user: User) -> bool:
        """Whether ``user`` holds an administrator role."""
        return any(self.roles[r].is_admin for r in user.role_ids if r in self.roles)

    # -- employees -----------------------------------------------------------
    def employee(self, employee_id: str) -> Employee:
        with self.lock:
            emp = self.employees.get(employee_id)
            if emp is None:
                raise not_found("employee", employee_id)
            return emp

    def employee_user(self, employee_id: str) -> User | None:
        """The user connected to the employee, if any."""
        with self.lock:
            return next((u for u in self.users.values() if u.employee_id == employee_id), None)

    def find_employees(self, email: str | None = None, name: str | None = None) -> list[Employee]:
        """Employees whose e-mail is ``email`` (case-insensitive) and/or whose name contains ``name``."""
        with self.lock:
            found = list(self.employees.values())
            if email is not None:
                key = email.strip().casefold()
                found = [e for e in found if (e.email or "").casefold() == key]
            if name is not None:
                key = name.strip().casefold()
                found = [e for e in found if key in " ".join(
                    p for p in (e.first_name, e.middle_name, e.last_name) if p).casefold()]
            return found

    def add_employee(self, body: dict[str, Any], actor: str = SYSTEM, *,
                     id: str | None = None) -> Employee:
        with self.lock:
            v.unknown_fields(body, EMPLOYEE_FIELDS, "an employee")
            emp = Employee(id or self.ids.guid(), "", "", "", created_at=self.now())
            self._apply_employee(emp, {"number": body.get("number") or self._next_number(), **body},
                                 creating=True)
            self.employees[emp.id] = emp
            self.changes.add(EMPLOYEE, emp.id)
        self.archive_due()
        return emp

    def update_employee(self, employee_id: str, body: dict[str, Any], actor: str = SYSTEM) -> Employee:
        """PATCH an employee; a connected user's names and e-mail follow the profile."""
        with self.lock:
            emp = self.employee(employee_id)
            v.unknown_fields(body, EMPLOYEE_FIELDS, "an employee")
            if emp.archived_at is not None:
                raise EmplyError(409, "employee_archived",
                                 f"Employee '{emp.id}' is archived and can no longer be changed.")
            trial = Employee(**{**_values(emp), "phones": dict(emp.phones)})
            self._apply_employee(trial, body, creating=False)
            user = self.employee_user(emp.id)
            if user is not None:
                self._check_user_email(trial.email or user.email, user.id)
            _assign(emp, trial)
            self.changes.add(EMPLOYEE, emp.id)
            if user is not None:
                self._copy_from_employee(user, emp)
                self.changes.add(USER, user.id)
                self._reindex()
        self.archive_due()
        return emp

    def _apply_employee(self, emp: Employee, body: dict[str, Any], *, creating: bool) -> None:
        for api, attr in (("firstName", "first_name"), ("lastName", "last_name")):
            if creating or api in body:
                setattr(emp, attr, v.text(body.get(api), api, required=True))
        if "middleName" in body:
            emp.middle_name = v.text(body["middleName"], "middleName")
        if "jobTitle" in body:
            emp.job_title = v.text(body["jobTitle"], "jobTitle")
        if "number" in body:
            number = body["number"]
            number = str(v.text(str(number) if isinstance(number, int) and not isinstance(number, bool)
                                else number, "number", required=True))
            if any(e.number == number and e.id != emp.id for e in self.employees.values()):
                raise EmplyError(409, "number_in_use",
                                 f"Another employee already has number '{number}'.")
            emp.number = number
        if "email" in body:
            address = v.email(body["email"])
            if address and any((e.email or "").casefold() == address.casefold() and e.id != emp.id
                               and e.archived_at is None for e in self.employees.values()):
                raise EmplyError(409, "email_in_use",
                                 f"Another employee already has the e-mail '{address}'.")
            emp.email = address
        if "departmentId" in body:
            emp.department_id = v.text(body["departmentId"], "departmentId")
            self._check_department(emp.department_id)
        if "phones" in body:
            phones = body["phones"]
            if not isinstance(phones, dict):
                raise EmplyError(400, "invalid_value", "'phones' must be an object with work and mobile.")
            v.unknown_fields(phones, {"work", "mobile"}, "phones")
            for kind in ("work", "mobile"):
                if kind in phones:
                    emp.phones[kind] = v.text(phones[kind], f"phones.{kind}")
        if "resignationDate" in body:
            emp.resignation_date = v.day(body["resignationDate"], "resignationDate")

    def _next_number(self) -> str:
        numbers = [int(e.number) for e in self.employees.values() if e.number.isdigit()]
        return str(max(numbers, default=1000) + 1)

    def set_resignation_date(self, employee_id: str, when: date | str | None,
                             actor: str = SYSTEM) -> Employee:
        """DEL-2: a date makes the employee Pending, and Archived on that date; ``None`` undoes it."""
        return self.update_employee(employee_id, {"resignationDate": when}, actor)

    def delete_employee(self, employee_id: str) -> None:
        with self.lock:
            emp = self.employee(employee_id)
            user = self.employee_user(emp.id)
            if user is not None:
                raise EmplyError(409, "employee_connected",
                                 f"Employee '{emp.id}' is connected to user '{user.id}'; employees "
                                 "leave through a resignation date (DEL-2), or disconnect the user first.")
            managed = [d for d in self.departments.values() if d.manager_id == emp.id]
            if managed:
                raise EmplyError(409, "employee_in_use",
                                 f"Employee '{emp.id}' manages department '{managed[0].title}'.")
            del self.employees[emp.id]
            self.changes.add(EMPLOYEE, emp.id)

    def archive_due(self) -> list[DomainEvent]:
        """Archive every employee whose resignation date has come (by the simulation clock).

        The connected user is deactivated with reason ``employee_archived`` (DEL-2); an
        ``employee_archived`` event goes to the journal and the listeners.
        """
        events: list[DomainEvent] = []
        with self.lock:
            now = self.now()
            for emp in self.employees.values():
                if emp.archived_at or not emp.resignation_date or emp.resignation_date > now.date():
                    continue
                emp.archived_at = now
                # Emply's own doing, even when a clock move inside a sync run triggered it.
                self.changes.add(EMPLOYEE, emp.id, by_sync=False)
                user = self.employee_user(emp.id)
                if user is not None:
                    self.changes.add(USER, user.id, by_sync=False)
                if user is not None and (user.active or user.deactivation.by == SYNC):
                    user.deactivation = Deactivation("employee_archived", SYSTEM, now)
                if user is not None and user.entra_object_id and not self.settings.delete_in_entra:
                    self.kept_in_entra.add(user.entra_object_id)
                events.append(self._record(
                    "employee_archived", employeeId=emp.id, userId=user.id if user else None,
                    entraObjectId=user.entra_object_id if user else None))
        self._dispatch(events)
        return events

    def _on_clock(self, old: datetime, new: datetime) -> None:
        if new.date() != old.date():
            self.archive_due()

    # -- users ---------------------------------------------------------------
    def user(self, user_id: str) -> User:
        with self.lock:
            user = self.users.get(user_id)
            if user is None:
                raise not_found("user", user_id)
            return user

    def user_by_email(self, address: str) -> User | None:
        """SYNC-1: the user whose e-mail is identical after trimming and case-folding."""
        key = address.strip().casefold()
        with self.lock:
            user = self.users.get(self._by_email.get(key, ""))
            return user if user is not None and user.email.casefold() == key else None

    def user_by_entra_id(self, object_id: str) -> User | None:
        with self.lock:
            user = self.users.get(self._by_entra.get(object_id, ""))
            return user if user is not None and user.entra_object_id == object_id else None

    def _reindex(self) -> None:
        """Rebuild the e-mail and Entra-link lookups (after a rename or a bulk change)."""
        self._by_email = {u.email.casefold(): u.id for u in self.users.values()}
        self._by_entra = {u.entra_object_id: u.id for u in self.users.values()
                          if u.entra_object_id}

    def deactivated_users(self) -> list[User]:
        with self.lock:
            return [u for u in self.users.values() if not u.active]

    def _check_user_email(self, address: str, user_id: str | None) -> None:
        other = self.user_by_email(address)
        if other is not None and other.id != user_id:
            raise EmplyError(409, "email_in_use", f"User '{other.id}' already has the e-mail '{address}'.")

    def add_user(self, body: dict[str, Any], actor: str = SYSTEM, *, origin: str = "manual",
                 entra_object_id: str | None = None, id: str | None = None) -> User:
        """Create a user; ``origin="integration"`` when the sync creates it (with its Entra id)."""
        with self.lock:
            v.unknown_fields(body, USER_FIELDS, "a user")
            if origin not in ORIGINS:
                raise EmplyError(400, "invalid_value", f"origin must be one of {sorted(ORIGINS)}.")
            user = User(id or self.ids.guid(), "", "", "", origin=origin, created_at=self.now(),
                        created_by=actor)
            employee_id = v.text(body.get("employeeId"), "employeeId")
            emp = self._connectable(employee_id, None) if employee_id else None
            fields = body  # only read, unless an employee profile adds to it
            if emp is not None:  # the employee profile is in control (PIC-1)
                fields = {**body, **self._employee_fields(emp, body)}
            self._apply_user(user, fields, creating=True)
            self._check_user_email(user.email, None)
            if entra_object_id:
                self._check_entra_link(entra_object_id, None)
                user.entra_object_id = entra_object_id
            user.employee_id = emp.id if emp else None
            self.users[user.id] = user
            self.changes.add(USER, user.id)
            self._by_email[user.email.casefold()] = user.id
            if user.entra_object_id:
                self._by_entra[user.entra_object_id] = user.id
            return user

    def update_user(self, user_id: str, body: dict[str, Any], actor: str = SYSTEM) -> User:
        """PATCH a user. Names and e-mail of a connected user are changed on the employee."""
        with self.lock:
            user = self.user(user_id)
            v.unknown_fields(body, USER_FIELDS, "a user")
            fields = dict(body)
            employee_id = user.employee_id
            if "employeeId" in fields:
                employee_id = v.text(fields.pop("employeeId"), "employeeId")
            managed = [k for k in FROM_EMPLOYEE if k in fields]
            if employee_id and managed and (employee_id == user.employee_id):
                raise EmplyError(409, "managed_by_employee",
                                 f"User '{user.id}' is connected to employee '{employee_id}', which is "
                                 f"in control of '{managed[0]}'; change it on the employee profile.")
            emp = None
            if employee_id and employee_id != user.employee_id:
                emp = self._connectable(employee_id, user.id)
                fields.update(self._employee_fields(emp, {}))
            trial = User(**{**_values(user), "roles": list(user.roles),
                            "calendars": list(user.calendars)})
            self._apply_user(trial, fields, creating=False)
            self._check_user_email(trial.email, user.id)
            trial.employee_id = employee_id
            _assign(user, trial)
            self.changes.add(USER, user.id)
            self._reindex()
            return user

    def _apply_user(self, user: User, body: dict[str, Any], *, creating: bool) -> None:
        # Field by field, in this order (the first wrong one is the one refused).
        if creating or "email" in body:
            user.email = str(v.email(body.get("email"), required=True))
        if creating or "firstName" in body:
            user.first_name = v.text(body.get("firstName"), "firstName", required=True)
        if creating or "lastName" in body:
            user.last_name = v.text(body.get("lastName"), "lastName", required=True)
        if "middleName" in body:
            user.middle_name = v.text(body["middleName"], "middleName")
        if "language" in body:
            user.language = v.text(body["language"], "language")
        if "timeZone" in body:
            user.time_zone = v.text(body["timeZone"], "timeZone")
        if "currency" in body:
            user.currency = v.text(body["currency"], "currency")
        if "departmentId" in body:
            user.department_id = v.text(body["departmentId"], "departmentId")
            self._check_department(user.department_id)
        if "calendarSyncEnabled" in body:
            user.calendar_sync_enabled = v.boolean(body["calendarSyncEnabled"], "calendarSyncEnabled")

    def _connectable(self, employee_id: str, user_id: str | None) -> Employee:
        emp = self.employees.get(employee_id)
        if emp is None:
            raise EmplyError(422, "unknown_employee", f"'employeeId': no employee with id '{employee_id}'.")
        other = self.employee_user(emp.id)
        if other is not None and other.id != user_id:
            raise EmplyError(409, "employee_connected",
                             f"Employee '{emp.id}' is already connected to user '{other.id}'.")
        if emp.archived_at is not None:
            raise EmplyError(409, "employee_archived", f"Employee '{emp.id}' is archived.")
        if not emp.email:
            raise EmplyError(422, "employee_without_email",
                             f"Employee '{emp.id}' has no e-mail; a user connected to it needs one.")
        return emp

    @staticmethod
    def _employee_fields(emp: Employee, fields: dict[str, Any]) -> dict[str, Any]:
        return {"email": emp.email, "firstName": emp.first_name, "middleName": emp.middle_name,
                "lastName": emp.last_name,
                **({"departmentId": emp.department_id} if emp.department_id and
                   "departmentId" not in fields else {})}

    @staticmethod
    def _copy_from_employee(user: User, emp: Employee) -> None:
        user.email = emp.email or user.email
        user.first_name, user.middle_name, user.last_name = emp.first_name, emp.middle_name, emp.last_name

    def link_entra(self, user_id: str, object_id: str | None, actor: str = SYNC) -> User:
        """Keep the link to the Entra user by object id (SYNC-1); ``None`` unlinks."""
        with self.lock:
            user = self.user(user_id)
            if object_id:
                self._check_entra_link(object_id, user.id)
            if user.entra_object_id:
                self._by_entra.pop(user.entra_object_id, None)
                if user.entra_object_id != object_id:
                    self.changes.add(ENTRA_LINK, user.entra_object_id)
            user.entra_object_id = object_id or None
            self.changes.add(USER, user.id)
            if object_id:
                self._by_entra[object_id] = user.id
            return user

    def _check_entra_link(self, object_id: str, user_id: str | None) -> None:
        other = self.user_by_entra_id(object_id)
        if other is not None and other.id != user_id:
            raise EmplyError(409, "entra_link_in_use",
                             f"Entra user '{object_id}' is already linked to user '{other.id}'.")

    def delete_user(self, user_id: str, actor: str) -> None:
        """Delete a user; one holding an administrator role needs another administrator."""
        with self.lock:
            user = self.user(user_id)
            for role_id in user.role_ids:
                if self.roles[role_id].is_admin:
                    self._check_admin_removal(user, self.roles[role_id], actor, "delete")
            del self.users[user.id]
            self.changes.add(USER, user.id)
            if user.entra_object_id:
                self.changes.add(ENTRA_LINK, user.entra_object_id)
            self._by_email.pop(user.email.casefold(), None)
            self._by_entra.pop(user.entra_object_id or "", None)
            self.events = {k: e for k, e in self.events.items() if e.user_id != user.id}
            if user.entra_object_id:
                self.deleted_entra_links.add(user.entra_object_id)
                if not self.settings.delete_in_entra:
                    self.kept_in_entra.add(user.entra_object_id)
            self._record("user_deleted", userId=user.id, entraObjectId=user.entra_object_id, by=actor)

    def deactivate_user(self, user_id: str, reason: str, actor: str, note: str | None = None) -> User:
        """Deactivate with a reason code (SYNC-8). The sync never deactivates external users (EXT-1)."""
        with self.lock:
            user = self.user(user_id)
            if reason not in DEACTIVATION_REASONS:
                raise EmplyError(400, "invalid_value",
                                 f"Unknown deactivation reason '{reason}' (one of "
                                 f"{', '.join(sorted(DEACTIVATION_REASONS))}).")
            if actor == SYNC and user.entra_object_id is None:
                raise EmplyError(409, "external_user",
                                 f"User '{user.id}' was made in Emply outside the synced groups and is "
                                 "never deactivated by the sync (EXT-1).")
            if not user.active:
                raise EmplyError(409, "already_deactivated",
                                 f"User '{user.id}' is already deactivated ({user.deactivation.reason}).")
            user.deactivation = Deactivation(reason, actor, self.now(), v.text(note, "note", max_len=1000))
            self.changes.add(USER, user.id)
            return user

    def activate_user(self, user_id: str, actor: str) -> User:
        """Reactivate. The sync only undoes its own deactivations (SYNC-3)."""
        with self.lock:
            user = self.user(user_id)
            if user.active:
                raise EmplyError(409, "already_active", f"User '{user.id}' is already active.")
            emp = self.employees.get(user.employee_id) if user.employee_id else None
            if emp is not None and emp.archived_at is not None:
                raise EmplyError(409, "employee_archived",
                                 f"User '{user.id}' is connected to archived employee '{emp.id}' and "
                                 "cannot be reactivated.")
            if actor == SYNC and user.deactivation.by != SYNC:
                raise EmplyError(409, "deactivated_by_hand",
                                 f"User '{user.id}' was deactivated by {user.deactivation.by}, not by the "
                                 "sync, and stays deactivated (SYNC-3).")
            user.deactivation = None
            self.changes.add(USER, user.id)
            return user

    # -- role assignments ------------------------------------------------------
    def grant_role(self, user_id: str, role_id: str, actor: str, *, source: str = "manual",
                   group_id: str | None = None) -> RoleAssignment:
        with self.lock:
            user = self.user(user_id)
            role = self.roles.get(role_id)
            if role is None:
                raise EmplyError(422, "unknown_role", f"No role with id '{role_id}'.")
            if source not in ROLE_SOURCES:
                raise EmplyError(400, "invalid_value", f"source must be one of {sorted(ROLE_SOURCES)}.")
            if actor == SYNC and role.is_admin:
                raise EmplyError(422, "admin_role_by_sync_refused",
                                 f"The sync never grants the administrator role '{role.name}' (SYNC-9).")
            if user.assignment(role_id):
                raise EmplyError(409, "role_already_assigned",
                                 f"User '{user.id}' already holds role '{role.name}'.")
            assignment = RoleAssignment(role.id, source, group_id, actor, self.now())
            user.roles.append(assignment)
            self.changes.add(USER, user.id)
            return assignment

    def revoke_role(self, user_id: str, role_id: str, actor: str) -> None:
        """Remove a role; an administrator role only by another administrator (SYNC-9)."""
        with self.lock:
            user = self.user(user_id)
            assignment = user.assignment(role_id)
            if assignment is None:
                raise EmplyError(404, "role_assignment_not_found",
                                 f"User '{user.id}' does not hold role '{role_id}'.")
            role = self.roles[role_id]
            if role.is_admin:
                self._check_admin_removal(user, role, actor, "remove")
            user.roles.remove(assignment)
            self.changes.add(USER, user.id)

    def set_roles(self, user_id: str, role_ids: list[str], actor: str, *,
                  source: str = "manual", groups: dict[str, str] | None = None) -> User:
        """Make the user's roles exactly ``role_ids`` in one step (all checks first).

        Kept roles keep their origin; new ones get ``source`` and the group id from
        ``groups`` (role id -> Entra group id), as the sync core records them.
        """
        with self.lock:
            user = self.user(user_id)
            wanted = list(dict.fromkeys(role_ids))
            held = user.role_ids  # as they are before this call (read once, not per role)
            roles = self.roles
            for role_id in wanted:
                role = roles.get(role_id)
                if role is None:
                    raise EmplyError(422, "unknown_role", f"No role with id '{role_id}'.")
                if actor == SYNC and role.is_admin and role_id not in held:
                    raise EmplyError(422, "admin_role_by_sync_refused",
                                     f"The sync never grants the administrator role "
                                     f"'{role.name}' (SYNC-9).")
            for role_id in held:
                if role_id not in wanted and roles[role_id].is_admin:
                    self._check_admin_removal(user, roles[role_id], actor, "remove")
            kept = [a for a in user.roles if a.role_id in wanted]
            now = self.now()
            group_of = groups or {}
            added = [RoleAssignment(r, source, group_of.get(r), actor, now)
                     for r in wanted if r not in held]
            user.roles = kept + added
            self.changes.add(USER, user.id)
            return user

    def _check_admin_removal(self, user: User, role: Role, actor: str, verb: str) -> None:
        acting_id = acting_user_id(actor)
        acting = self.users.get(acting_id) if acting_id else None
        if acting is None:
            raise EmplyError(403, "admin_role_protected",
                             f"Administrator role '{role.name}' can only be removed by another user "
                             "with an administrator role, named in the X-Acting-User header (SYNC-9).")
        if acting.id == user.id:
            raise EmplyError(403, "admin_role_protected",
                             f"User '{user.id}' cannot {verb} their own administrator role "
                             f"'{role.name}'; another administrator must do it (SYNC-9).")
        if not acting.active or not self.is_admin(acting):
            raise EmplyError(403, "admin_role_protected",
                             f"Acting user '{acting.id}' holds no administrator role (or is "
                             f"deactivated) and cannot {verb} administrator role '{role.name}' (SYNC-9).")

    # -- photos ----------------------------------------------------------------
    def set_photo(self, user_id: str, content: bytes, content_type: str, actor: str,
                  *, entra_etag: str | None = None) -> Photo:
        """Store the user's photo; the sync never changes a connected user's photo (PIC-1)."""
        with self.lock:
            user = self.user(user_id)
            content_type = (content_type or "").split(";")[0].strip().lower()
            if content_type not in PHOTO_TYPES:
                raise EmplyError(415, "unsupported_media_type",
                                 f"A photo must be image/jpeg or image/png, not '{content_type or 'none'}'.")
            if not content:
                raise EmplyError(400, "empty_photo", "The photo has no content.")
            if len(content) > MAX_PHOTO_BYTES:
                raise EmplyError(422, "photo_too_large", "A photo may be at most 4 MB.")
            if actor == SYNC and user.employee_id:
                raise EmplyError(409, "connected_user_photo",
                                 f"User '{user.id}' is connected to an employee; the sync never changes "
                                 "their photo (PIC-1).")
            user.photo = Photo(bytes(content), content_type, self.now(), actor, entra_etag)
            self.changes.add(USER, user.id)
            return user.photo

    def delete_photo(self, user_id: str, actor: str) -> None:
        with self.lock:
            user = self.user(user_id)
            if user.photo is None:
                raise EmplyError(404, "photo_not_found", f"User '{user.id}' has no photo.")
            if actor == SYNC and user.employee_id:
                raise EmplyError(409, "connected_user_photo",
                                 f"User '{user.id}' is connected to an employee; the sync never changes "
                                 "their photo (PIC-1).")
            user.photo = None
            self.changes.add(USER, user.id)

    # -- calendars ---------------------------------------------------------------
    def upsert_calendar(self, user_id: str, entra_calendar_id: str, name: str,
                        is_default: bool = False) -> UserCalendar:
        """Add (or rename) a user's calendar: the default enabled, any other disabled (CAL-2)."""
        with self.lock:
            user = self.user(user_id)
            entra_calendar_id = str(v.text(entra_calendar_id, "entraCalendarId", required=True))
            name = str(v.text(name, "name", required=True))
            calendar = next((c for c in user.calendars if c.entra_calendar_id == entra_calendar_id), None)
            if calendar is not None:
                calendar.name = name
                self.changes.add(USER, user.id)
                return calendar
            if is_default and any(c.is_default for c in user.calendars):
                raise EmplyError(409, "default_calendar_exists",
                                 f"User '{user.id}' already has a default calendar.")
            calendar = UserCalendar(self.ids.guid(), entra_calendar_id, name, is_default, is_default)
            user.calendars.append(calendar)
            self.changes.add(USER, user.id)
            return calendar

    def set_calendar_enabled(self, user_id: str, calendar_id: str, enabled: bool,
                             actor: str = SYSTEM) -> UserCalendar:
        with self.lock:
            user = self.user(user_id)
            calendar = user.calendar(calendar_id)
            if calendar is None:
                raise EmplyError(404, "calendar_not_found",
                                 f"User '{user.id}' has no calendar with id '{calendar_id}'.")
            enabled = v.boolean(enabled, "enabled")
            if not enabled and not calendar.can_disable:
                raise EmplyError(409, "default_calendar_cannot_be_disabled",
                                 f"'{calendar.name}' is the user's default calendar; it is always "
                                 "enabled and cannot be disabled (CAL-2).")
            calendar.enabled = enabled
            self.changes.add(USER, user.id)
            return calendar

    def remove_calendar(self, user_id: str, calendar_id: str) -> None:
        """The sync removes a calendar the user lost edit rights on; its events go too."""
        with self.lock:
            user = self.user(user_id)
            calendar = user.calendar(calendar_id)
            if calendar is None:
                raise EmplyError(404, "calendar_not_found",
                                 f"User '{user.id}' has no calendar with id '{calendar_id}'.")
            user.calendars.remove(calendar)
            self.events = {k: e for k, e in self.events.items() if e.calendar_id != calendar.id}
            self.changes.add(USER, user.id)

    # -- events in Emply's calendar ---------------------------------------------
    def event(self, event_id: str) -> CalendarEvent:
        with self.lock:
            event = self.events.get(event_id)
            if event is None or event.removed_at is not None:
                raise not_found("event", event_id)
            return event

    def list_events(self, user_id: str | None = None, include_removed: bool = False) -> list[CalendarEvent]:
        with self.lock:
            return [e for e in self.events.values()
                    if (user_id is None or e.user_id == user_id)
                    and (include_removed or e.removed_at is None)]

    def add_event(self, body: dict[str, Any], actor: str = SYSTEM, *, id: str | None = None) -> CalendarEvent:
        """An event made in Emply (the sync writes it to the user's enabled calendars, CAL-1)."""
        with self.lock:
            v.unknown_fields(body, EVENT_FIELDS | {"userId"}, "an event")
            user_id = str(v.text(body.get("userId"), "userId", required=True))
            if user_id not in self.users:
                raise EmplyError(422, "unknown_user", f"'userId': no user with id '{user_id}'.")
            event = CalendarEvent(id or self.ids.guid(), user_id, "", self.now(), self.now(),
                                  "emply", created_at=self.now())
            self._apply_event(event, body, creating=True)
            self.events[event.id] = event
            self.changes.add(USER, user_id)
            return event

    def update_event(self, event_id: str, body: dict[str, Any]) -> CalendarEvent:
        with self.lock:
            event = self.event(event_id)
            self._check_emply_event(event)
            v.unknown_fields(body, EVENT_FIELDS, "an event")
            trial = CalendarEvent(**{**_values(event), "entra_links": dict(event.entra_links)})
            self._apply_event(trial, body, creating=False)
            _assign(event, trial)
            self.changes.add(USER, event.user_id)
            return event

    def delete_event(self, event_id: str) -> None:
        with self.lock:
            event = self.event(event_id)
            self._check_emply_event(event)
            del self.events[event.id]
            self.changes.add(USER, event.user_id)

    @staticmethod
    def _check_emply_event(event: CalendarEvent) -> None:
        if event.origin != "emply":
            raise EmplyError(409, "microsoft365_event_read_only",
                             f"Event '{event.id}' comes from the user's Microsoft 365 calendar; "
                             "change it there.")

    @staticmethod
    def _apply_event(event: CalendarEvent, body: dict[str, Any], *, creating: bool) -> None:
        if creating or "subject" in body:
            event.subject = str(v.text(body.get("subject"), "subject", required=True))
        if creating or "start" in body:
            event.start = v.timestamp(body.get("start"), "start")
        if creating or "end" in body:
            event.end = v.timestamp(body.get("end"), "end")
        if "body" in body:
            event.body = v.text(body["body"], "body", max_len=10000)
        if event.end <= event.start:
            raise EmplyError(422, "invalid_time_range", "'end' must be after 'start'.")

    def upsert_m365_event(self, user_id: str, calendar_id: str, entra_event_id: str, subject: str,
                          start: datetime | str, end: datetime | str) -> CalendarEvent:
        """Show (or refresh) an event of the user's enabled Microsoft 365 calendar (CAL-1)."""
        with self.lock:
            user = self.user(user_id)
            calendar = user.calendar(calendar_id)
            if calendar is None:
                raise EmplyError(404, "calendar_not_found",
                                 f"User '{user.id}' has no calendar with id '{calendar_id}'.")
            event = next((e for e in self.events.values() if e.entra_event_id == entra_event_id
                          and e.origin == "microsoft365" and e.removed_at is None), None)
            body = {"subject": subject, "start": start, "end": end}
            if event is None:
                event = CalendarEvent(self.ids.guid(), user.id, "", self.now(), self.now(),
                                      "microsoft365", calendar_id=calendar.id,
                                      entra_event_id=entra_event_id, created_at=self.now())
                self._apply_event(event, body, creating=True)
                self.events[event.id] = event
            else:
                self._apply_event(event, body, creating=False)
            self.changes.add(USER, user.id)
            return event

    def retire_m365_events(self, user_id: str, calendar_id: str, keep: set[str]) -> int:
        """Remove from Emply's calendar the Microsoft 365 events of one calendar that are no
        longer there (CAL-1); returns how many went."""
        with self.lock:
            user = self.user(user_id)
            calendar = user.calendar(calendar_id)
            if calendar is None:
                raise EmplyError(404, "calendar_not_found",
                                 f"User '{user.id}' has no calendar with id '{calendar_id}'.")
            gone = [e for e in self.events.values()
                    if e.origin == "microsoft365" and e.removed_at is None
                    and e.calendar_id == calendar.id and e.entra_event_id not in keep]
            for event in gone:
                event.removed_at = self.now()
            if gone:
                self.changes.add(USER, user.id)
            return len(gone)

    def link_event(self, event_id: str, entra_calendar_id: str, entra_event_id: str) -> CalendarEvent:
        """Record that an Emply event was written to an Entra calendar (the sync core)."""
        with self.lock:
            event = self.event(event_id)
            event.entra_links[entra_calendar_id] = entra_event_id
            self.changes.add(USER, event.user_id)
            return event

    # -- integration settings -----------------------------------------------------
    def update_settings(self, body: dict[str, Any], actor: str) -> IntegrationSettings:
        """Change the settings (PATCH semantics); each changed setting is audited."""
        with self.lock:
            new, diffs = integration.changed(self.settings, body, roles=self.roles,
                                             departments=self.departments, now=self.now())
            now = self.now()
            for name, old, value in diffs:
                self.audit.append(AuditEntry(now, actor, name, old, value))
            self.settings = new
            self.changes.add(EVERYONE, None)
            return new

    def add_synced_group(self, body: dict[str, Any], actor: str) -> IntegrationSettings:
        """Append a synced group (last in order)."""
        with self.lock:
            groups = [g.to_dict() for g in self.settings.synced_groups]
            return self.update_settings({"syncedGroups": [*groups, body]}, actor)

    def update_synced_group(self, group_id: str, body: dict[str, Any], actor: str) -> IntegrationSettings:
        with self.lock:
            if self.settings.group(group_id) is None:
                raise not_found("synced_group", group_id)
            if not isinstance(body, dict):
                raise EmplyError(400, "invalid_body", "The change must be a JSON object.")
            v.unknown_fields(body, integration.GROUP_FIELDS - {"groupId"}, "a synced group")
            groups = [{**g.to_dict(), **body} if g.group_id == group_id else g.to_dict()
                      for g in self.settings.synced_groups]
            return self.update_settings({"syncedGroups": groups}, actor)

    def remove_synced_group(self, group_id: str, actor: str) -> IntegrationSettings:
        with self.lock:
            if self.settings.group(group_id) is None:
                raise not_found("synced_group", group_id)
            groups = [g.to_dict() for g in self.settings.synced_groups if g.group_id != group_id]
            return self.update_settings({"syncedGroups": groups}, actor)

    def remove_integration(self, actor: str) -> int:
        """INT-1: forget the settings; users keep their data; Microsoft 365 events disappear.

        Returns how many Microsoft 365 events were removed from Emply's calendar.
        """
        with self.lock:
            if not self.settings.configured:
                raise EmplyError(409, "integration_not_configured",
                                 "There is no Entra ID integration to remove.")
            now = self.now()
            old = self.settings.to_dict()
            self.settings = IntegrationSettings()
            self.changes.add(EVERYONE, None)
            self.audit.append(AuditEntry(now, actor, "integration", old, None))
            removed = 0
            for event in self.events.values():
                if event.origin == "microsoft365" and event.removed_at is None:
                    event.removed_at = now
                    removed += 1
            self._record("integration_removed", by=actor, eventsRemoved=removed)
            return removed

    # -- convenience ---------------------------------------------------------------
    def describe(self, actor: str) -> str:
        """A readable name for an actor, for pages and logs."""
        user_id = acting_user_id(actor)
        if user_id and user_id in self.users:
            u = self.users[user_id]
            return f"{u.first_name} {u.last_name} ({u.email})"
        return actor


def _values(record: Any) -> dict[str, Any]:
    """A slotted record's fields by name (records have no ``__dict__``: memory, issue 13)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def _assign(record: Any, source: Any) -> None:
    """Copy every field of ``source`` onto ``record`` (a checked trial copy made real)."""
    for f in fields(record):
        setattr(record, f.name, getattr(source, f.name))


def iso(value: datetime | None) -> str | None:
    return isoformat_z(value) if value else None
