"""The ``emply:`` part of the world document: :func:`load` builds it, :func:`dump` writes it.

Shape (every key optional; ids are generated when left out; references may name
an object by id or by a readable key, shown after ``|``)::

    emply:
      customer: contoso
      apiKeys:     [{name: ci, key: <secret> | keySha256: <hex>, permissions: [read, write, settings]}]
      departments: [{id, title, customId, parentId | parent: <title|customId>,
                     managerId | manager: <employee number|email>, active}]
      roles:       [{id, name, isAdministrator}]
      employees:   [{id, number, firstName, middleName, lastName, email, jobTitle,
                     departmentId | department, phones: {work, mobile}, resignationDate,
                     status: Archived, archivedAt}]
      users:       [{id, email, firstName, middleName, lastName, departmentId | department,
                     language, timeZone, currency, origin: integration|manual, entraObjectId,
                     employeeId | employee: <number|email>, calendarSyncEnabled, createdAt, createdBy,
                     roles: [<role name|id> | {roleId | role, source, groupId, grantedBy, grantedAt}],
                     status: deactivated, deactivation: {reason, by, at, note},
                     photo: {contentType, base64, entraEtag},   # bytes generated without base64
                     calendars: [{id, entraCalendarId, name, isDefault, enabled}]}]
      events:      [{id, userId | user: <email>, subject, start, end, body,
                     origin: emply|microsoft365, calendarId | calendar: <name>, entraEventId,
                     entraLinks, removedAt}]
      integration: {tenant: {id, domains, onPremisesSyncEnabled} | null,
                    syncedGroups: [{groupId | group: <Entra displayName>, displayName,
                                    roleId | role, departmentId | department, language,
                                    timeZone, currency}],
                    updateRolesAfterFirstSync, calendarSync, updateEntra, deleteInEntra,
                    createInEntra, deactivationThreshold: {minimum, ratio}, removedGroups}
      audit:       [{at, actor, setting, old, new}]
      journal:     [{seq, kind, at, ...data}]
      deletedEntraLinks: [<Entra object id>]
      syncStore:   {...}        # whatever the sync core keeps, as is

API keys are dumped as ``keySha256`` only, so a dump never holds a key. When a
``tenant`` (the world's Entra tenant) is given to :func:`load`, an integration
without a ``tenant`` key is configured for it (``tenant: null`` leaves it
unconfigured), its id and domains default to it, and synced groups may be named
by their Entra displayName.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from mocks.emply import views
from mocks.emply.changes import EVERYONE
from mocks.emply.errors import EmplyError, day
from mocks.emply.errors import timestamp as parse_time
from mocks.emply.integration import RemovedGroup
from mocks.emply.models import (
    DEACTIVATION_REASONS,
    ROLE_SOURCES,
    SYSTEM,
    AuditEntry,
    Deactivation,
    DomainEvent,
    Emply,
    RoleAssignment,
    iso,
)

TOP_KEYS = frozenset({"customer", "apiKeys", "departments", "roles", "employees", "users", "events",
                      "integration", "audit", "journal", "deletedEntraLinks", "syncStore",
                      "createdInEntraLinks", "keptInEntraLinks"})


class EmplyLoadError(ValueError):
    """The ``emply:`` document cannot be loaded; the message names the path inside it."""


def load(emply: Emply, doc: dict[str, Any], tenant: Any = None) -> None:
    """Fill a fresh ``emply`` from ``doc``; raises :class:`EmplyLoadError` naming the bad path."""
    if not isinstance(doc, dict):
        raise EmplyLoadError("emply: expected a mapping")
    unknown = sorted(set(doc) - TOP_KEYS)
    if unknown:
        raise EmplyLoadError(f"emply.{unknown[0]}: unknown key (expected one of {', '.join(sorted(TOP_KEYS))})")
    if doc.get("customer") is not None:
        emply.customer = str(doc["customer"])
    loader = _Loader(emply, tenant)
    for key, step in (("apiKeys", loader.api_key), ("departments", loader.department),
                      ("roles", loader.role), ("employees", loader.employee),
                      ("departments", loader.department_manager), ("users", loader.user),
                      ("events", loader.event)):
        for index, item in enumerate(_items(doc, key)):
            with _at(f"emply.{key}[{index}]"):
                step(_mapping(item), index)
    for employee_id, when in loader.resignations.items():
        emply.employees[employee_id].resignation_date = when
    for employee_id, at in loader.archived.items():
        emply.employees[employee_id].archived_at = at
    if doc.get("integration") is not None:
        with _at("emply.integration"):
            loader.integration(_mapping(doc["integration"]))
    emply.audit.clear()  # loading is not a change made by anyone
    for index, item in enumerate(_items(doc, "audit")):
        with _at(f"emply.audit[{index}]"):
            item = _mapping(item)
            emply.audit.append(AuditEntry(parse_time(item.get("at"), "at"), str(item.get("actor", SYSTEM)),
                                          str(item.get("setting")), item.get("old"), item.get("new")))
    for index, item in enumerate(_items(doc, "journal")):
        with _at(f"emply.journal[{index}]"):
            item = dict(_mapping(item))
            item.pop("seq", None)
            kind, at = str(item.pop("kind")), parse_time(item.pop("at"), "at")
            emply.journal.append(DomainEvent(len(emply.journal) + 1, kind, at, item))
    emply.deleted_entra_links.update(str(x) for x in _items(doc, "deletedEntraLinks"))
    emply.created_in_entra.update(str(x) for x in _items(doc, "createdInEntraLinks"))
    emply.kept_in_entra.update(str(x) for x in _items(doc, "keptInEntraLinks"))
    if doc.get("syncStore") is not None:
        emply.sync_store.update(_mapping(doc["syncStore"]))
    with _at("emply.employees"):
        emply.archive_due()
    # The loader sets some fields directly: a reader of the change log plans everyone again.
    emply.changes.add(EVERYONE, None)


def dump(emply: Emply) -> dict[str, Any]:
    """The customer as a document :func:`load` accepts; API keys only as hashes."""
    with emply.lock:
        users = []
        for u in emply.users.values():
            item = views.user(emply, u)
            for derived in ("isAdministrator", "hasPhoto", "status"):
                item.pop(derived)
            item["roles"] = [{"roleId": a.role_id, "source": a.source, "groupId": a.group_id,
                              "grantedBy": a.granted_by, "grantedAt": iso(a.granted_at)} for a in u.roles]
            if u.photo is not None:
                item["photo"] = {"contentType": u.photo.content_type,
                                 "base64": base64.b64encode(u.photo.content).decode(),
                                 "entraEtag": u.photo.entra_etag, "updatedAt": iso(u.photo.updated_at),
                                 "updatedBy": u.photo.updated_by}
            item["calendars"] = [{k: v for k, v in views.calendar(c).items() if k != "canDisable"}
                                 for c in u.calendars]
            users.append(item)
        employees = []
        for e in emply.employees.values():
            item = views.employee(emply, e)
            item.pop("userId")
            employees.append(item)
        settings = emply.settings.to_dict()
        settings.pop("configured")
        return {
            "customer": emply.customer,
            "apiKeys": [{"name": k.name, "keySha256": k.key_sha256, "permissions": sorted(k.permissions)}
                        for k in emply.api_keys.values()],
            "departments": [views.department(d) for d in emply.departments.values()],
            "roles": [views.role(r) for r in emply.roles.values()],
            "employees": employees,
            "users": users,
            "events": [{k: v for k, v in views.event(x).items() if k != "createdAt"}
                       for x in emply.events.values()],
            "integration": settings,
            "audit": [views.audit_entry(a) for a in emply.audit],
            "journal": [views.domain_event(e) for e in emply.journal],
            "deletedEntraLinks": sorted(emply.deleted_entra_links),
            "createdInEntraLinks": sorted(emply.created_in_entra),
            "keptInEntraLinks": sorted(emply.kept_in_entra),
            "syncStore": emply.sync_store,
        }


# -- helpers --------------------------------------------------------------------------------
class _at:
    """Context manager that prefixes model refusals with the document path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        if exc is None or isinstance(exc, EmplyLoadError) and str(exc).startswith("emply."):
            return False
        if isinstance(exc, EmplyError | EmplyLoadError | ValueError | KeyError | TypeError):
            message = exc.message if isinstance(exc, EmplyError) else str(exc)
            raise EmplyLoadError(f"{self.path}: {message}") from exc
        return False


def _items(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key) or []
    if not isinstance(value, list):
        raise EmplyLoadError(f"emply.{key}: expected a list")
    return value


def _mapping(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise EmplyLoadError("expected a mapping")
    return item


def _pick(item: dict[str, Any], keys: set[str] | frozenset[str]) -> dict[str, Any]:
    return {k: item[k] for k in keys if k in item}


class _Loader:
    def __init__(self, emply: Emply, tenant: Any) -> None:
        self.emply = emply
        self.tenant = tenant
        self.department_ids: list[str] = []  # in document order, for the second pass
        self.archived: dict[str, Any] = {}  # employee id -> archived at, set after the users
        self.resignations: dict[str, Any] = {}  # employee id -> resignation date, likewise

    # references ---------------------------------------------------------------
    def department_ref(self, item: dict[str, Any], key: str = "department") -> str | None:
        if item.get(f"{key}Id") is not None or key not in item:
            return item.get(f"{key}Id")
        ref = str(item[key])
        for d in self.emply.departments.values():
            if ref in (d.id, d.custom_id) or d.title.casefold() == ref.casefold():
                return d.id
        raise EmplyLoadError(f"{key}: no department '{ref}'")

    def role_ref(self, ref: str) -> str:
        if ref in self.emply.roles:
            return ref
        role = self.emply.role_by_name(ref)
        if role is None:
            raise EmplyLoadError(f"no role '{ref}'")
        return role.id

    def employee_ref(self, item: dict[str, Any], key: str) -> str | None:
        if item.get(f"{key}Id") is not None or key not in item:
            return item.get(f"{key}Id")
        ref = str(item[key])
        for e in self.emply.employees.values():
            if ref in (e.id, e.number) or (e.email or "").casefold() == ref.casefold():
                return e.id
        raise EmplyLoadError(f"{key}: no employee '{ref}'")

    def user_ref(self, item: dict[str, Any]) -> str:
        if item.get("userId") is not None:
            return str(item["userId"])
        ref = str(item.get("user"))
        user = self.emply.users.get(ref) or self.emply.user_by_email(ref)
        if user is None:
            raise EmplyLoadError(f"user: no user '{ref}'")
        return user.id

    # objects --------------------------------------------------------------------
    def api_key(self, item: dict[str, Any], index: int) -> None:
        self.emply.add_api_key(item.get("name") or f"key{index + 1}", item.get("permissions") or [],
                               key=item.get("key"), key_sha256=item.get("keySha256"))

    def department(self, item: dict[str, Any], index: int) -> None:
        body = _pick(item, {"title", "customId", "active"})
        body["parentId"] = self.department_ref(item, "parent")
        self.department_ids.append(self.emply.add_department(body, id=item.get("id")).id)

    def department_manager(self, item: dict[str, Any], index: int) -> None:
        manager = self.employee_ref(item, "manager")
        if manager is not None:
            self.emply.update_department(self.department_ids[index], {"managerId": manager})

    def role(self, item: dict[str, Any], index: int) -> None:
        self.emply.add_role(_pick(item, {"name", "isAdministrator"}), id=item.get("id"))

    def employee(self, item: dict[str, Any], index: int) -> None:
        body = _pick(item, {"number", "firstName", "middleName", "lastName", "email", "jobTitle",
                            "phones"})
        body["departmentId"] = self.department_ref(item)
        emp = self.emply.add_employee(body, SYSTEM, id=item.get("id"))
        # Set once the users are in: archiving (and its journal entry) waits until the whole
        # document is in, and a dumped world's user may be connected to this employee.
        self.resignations[emp.id] = day(item.get("resignationDate"), "resignationDate")
        if item.get("createdAt"):
            emp.created_at = parse_time(item["createdAt"], "createdAt")
        if item.get("status") == "Archived" or item.get("archivedAt"):
            # Archived once the users are in: a dumped world's user may be connected to it.
            self.archived[emp.id] = parse_time(item.get("archivedAt") or self.emply.now(),
                                               "archivedAt")

    def user(self, item: dict[str, Any], index: int) -> None:
        body = _pick(item, {"email", "firstName", "middleName", "lastName", "language", "timeZone",
                            "currency", "calendarSyncEnabled"})
        body["departmentId"] = self.department_ref(item)
        employee_id = self.employee_ref(item, "employee")
        if employee_id:
            body["employeeId"] = employee_id
        user = self.emply.add_user(body, str(item.get("createdBy") or SYSTEM),
                                   origin=item.get("origin") or "manual",
                                   entra_object_id=item.get("entraObjectId"), id=item.get("id"))
        if item.get("createdAt"):
            user.created_at = parse_time(item["createdAt"], "createdAt")
        for r_index, ref in enumerate(item.get("roles") or []):
            spec = ref if isinstance(ref, dict) else {"role": ref}
            role_id = self.role_ref(str(spec.get("roleId") or spec.get("role")))
            if user.assignment(role_id):
                raise EmplyLoadError(f"roles[{r_index}]: role listed twice")
            at = parse_time(spec["grantedAt"], "grantedAt") if spec.get("grantedAt") else self.emply.now()
            if (spec.get("source") or "manual") not in ROLE_SOURCES:
                raise EmplyLoadError(f"roles[{r_index}].source: expected one of {sorted(ROLE_SOURCES)}")
            user.roles.append(RoleAssignment(role_id, spec.get("source") or "manual", spec.get("groupId"),
                                             str(spec.get("grantedBy") or SYSTEM), at))
        deactivation = item.get("deactivation")
        if deactivation or item.get("status") == "deactivated":
            d = _mapping(deactivation or {})
            if (d.get("reason") or "manual") not in DEACTIVATION_REASONS:
                raise EmplyLoadError(f"deactivation.reason: expected one of {sorted(DEACTIVATION_REASONS)}")
            user.deactivation = Deactivation(
                str(d.get("reason") or "manual"), str(d.get("by") or SYSTEM),
                parse_time(d["at"], "deactivation.at") if d.get("at") else self.emply.now(), d.get("note"))
        if item.get("photo") is not None:
            self.photo(user, _mapping(item["photo"]))
        for c_index, cal in enumerate(item.get("calendars") or []):
            cal = _mapping(cal)
            try:
                calendar = self.emply.upsert_calendar(user.id, cal.get("entraCalendarId") or cal.get("name"),
                                                      cal.get("name"), bool(cal.get("isDefault")))
            except EmplyError as exc:
                raise EmplyLoadError(f"calendars[{c_index}]: {exc.message}") from exc
            calendar.id = cal.get("id") or calendar.id
            if "enabled" in cal and not calendar.is_default:
                calendar.enabled = bool(cal["enabled"])

    def photo(self, user: Any, spec: dict[str, Any]) -> None:
        content_type = str(spec.get("contentType") or "image/jpeg")
        if spec.get("base64"):
            content = base64.b64decode(spec["base64"], validate=True)
        else:  # a small deterministic stand-in image
            digest = hashlib.sha256(user.email.encode()).digest()
            content = (b"\x89PNG\r\n\x1a\n" if content_type == "image/png" else b"\xff\xd8\xff\xe0") + digest
        self.emply.set_photo(user.id, content, content_type, str(spec.get("updatedBy") or SYSTEM),
                             entra_etag=spec.get("entraEtag"))
        if spec.get("updatedAt"):
            user.photo.updated_at = parse_time(spec["updatedAt"], "photo.updatedAt")

    def event(self, item: dict[str, Any], index: int) -> None:
        user_id = self.user_ref(item)
        origin = item.get("origin") or "emply"
        if origin == "microsoft365":
            user = self.emply.user(user_id)
            ref = item.get("calendarId") or item.get("calendar")
            calendar = user.calendar(str(ref)) or next(
                (c for c in user.calendars if c.name.casefold() == str(ref).casefold()), None)
            if calendar is None:
                raise EmplyLoadError(f"calendar: user '{user.email}' has no calendar '{ref}'")
            event = self.emply.upsert_m365_event(user_id, calendar.id,
                                                 str(item.get("entraEventId") or self.emply.ids.guid()),
                                                 item.get("subject"), item.get("start"), item.get("end"))
            if item.get("id"):
                self.emply.events[item["id"]] = self.emply.events.pop(event.id)
                event.id = item["id"]
        elif origin == "emply":
            body = {**_pick(item, {"subject", "start", "end", "body"}), "userId": user_id}
            event = self.emply.add_event(body, SYSTEM, id=item.get("id"))
            event.entra_links.update(item.get("entraLinks") or {})
        else:
            raise EmplyLoadError(f"origin: expected emply or microsoft365, got '{origin}'")
        if item.get("body") is not None:
            event.body = str(item["body"])
        if item.get("removedAt"):
            event.removed_at = parse_time(item["removedAt"], "removedAt")

    def integration(self, item: dict[str, Any]) -> None:
        known = {"configured", "tenant", "syncedGroups", "removedGroups", "updateRolesAfterFirstSync",
                 "calendarSync", "updateEntra", "deleteInEntra", "createInEntra",
                 "deactivationThreshold"}  # "configured" is in a dump; it follows from tenant
        unknown = sorted(set(item) - known)
        if unknown:  # a misspelt setting must not be silently left at its default
            raise EmplyLoadError(f"{unknown[0]}: unknown setting (expected one of "
                                 f"{', '.join(sorted(known - {'configured'}))})")
        body = _pick(item, {"updateRolesAfterFirstSync", "calendarSync", "updateEntra",
                            "deleteInEntra", "createInEntra", "deactivationThreshold"})
        # No "tenant" key: the world's Entra tenant (when known); "tenant: null": not configured.
        if item.get("tenant") is not None or "tenant" not in item and self.tenant is not None:
            body["tenant"] = self.tenant_body(_mapping(item.get("tenant") or {}))
        groups = []
        for g_index, group in enumerate(item.get("syncedGroups") or []):
            with _at(f"syncedGroups[{g_index}]"):
                groups.append(self.group_body(_mapping(group)))
        body["syncedGroups"] = groups
        settings = self.emply.update_settings(body, SYSTEM)
        for r_index, removed in enumerate(item.get("removedGroups") or []):
            with _at(f"removedGroups[{r_index}]"):
                removed = _mapping(removed)
                settings.removed_groups.append(RemovedGroup(
                    str(removed["groupId"]), removed.get("displayName"), removed.get("roleId"),
                    parse_time(removed.get("removedAt") or self.emply.now(), "removedAt")))

    def tenant_body(self, doc: dict[str, Any]) -> dict[str, Any]:
        body = dict(doc)
        if self.tenant is not None:
            body.setdefault("id", self.tenant.id)
            if body["id"] == self.tenant.id:
                body.setdefault("domains", sorted(d.id for d in self.tenant.domains.values()
                                                  if d.is_verified))
                body.setdefault("onPremisesSyncEnabled", bool(self.tenant.on_premises_sync_enabled))
        if not body.get("id"):
            raise EmplyLoadError("tenant.id: required (or load it through a world with an Entra tenant)")
        return body

    def group_body(self, doc: dict[str, Any]) -> dict[str, Any]:
        body = _pick(doc, {"groupId", "displayName", "language", "timeZone", "currency"})
        if doc.get("roleId") or doc.get("role"):
            body["roleId"] = self.role_ref(str(doc.get("roleId") or doc.get("role")))
        body["departmentId"] = self.department_ref(doc)
        if "groupId" not in body:
            ref = str(doc.get("group") or doc.get("displayName") or "")
            group = None
            if self.tenant is not None:
                group = self.tenant.groups.get(ref) or next(
                    (g for g in self.tenant.groups.values()
                     if (g.props.get("displayName") or "").casefold() == ref.casefold()), None)
            if group is None:
                raise EmplyLoadError(f"group: no Entra group '{ref}' (give groupId, or load it "
                                     "through a world whose Entra tenant has that group)")
            body["groupId"] = group.id
            body.setdefault("displayName", group.props.get("displayName"))
        return body

