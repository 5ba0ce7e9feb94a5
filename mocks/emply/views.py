"""JSON shapes of Emply's objects, as the API returns them (and the state dump reuses them)."""

from __future__ import annotations

from typing import Any

from mocks.emply.models import (
    AuditEntry,
    CalendarEvent,
    Department,
    DomainEvent,
    Employee,
    Emply,
    Role,
    RoleAssignment,
    User,
    UserCalendar,
    iso,
)


def department(d: Department) -> dict[str, Any]:
    return {"id": d.id, "customId": d.custom_id, "parentId": d.parent_id, "title": d.title,
            "managerId": d.manager_id, "active": d.active}


def role(r: Role) -> dict[str, Any]:
    return {"id": r.id, "name": r.name, "isAdministrator": r.is_admin}


def employee(emply: Emply, e: Employee) -> dict[str, Any]:
    user = emply.employee_user(e.id)
    return {"id": e.id, "firstName": e.first_name, "middleName": e.middle_name,
            "lastName": e.last_name, "email": e.email, "number": e.number, "status": e.status,
            "jobTitle": e.job_title, "departmentId": e.department_id, "phones": dict(e.phones),
            "resignationDate": e.resignation_date.isoformat() if e.resignation_date else None,
            "archivedAt": iso(e.archived_at), "userId": user.id if user else None}


def assignment(emply: Emply, a: RoleAssignment) -> dict[str, Any]:
    r = emply.roles.get(a.role_id)
    return {"roleId": a.role_id, "name": r.name if r else None,
            "isAdministrator": bool(r and r.is_admin), "source": a.source, "groupId": a.group_id,
            "grantedBy": a.granted_by, "grantedAt": iso(a.granted_at)}


def deactivation(u: User) -> dict[str, Any] | None:
    d = u.deactivation
    return None if d is None else {"reason": d.reason, "by": d.by, "at": iso(d.at), "note": d.note}


def user(emply: Emply, u: User) -> dict[str, Any]:
    return {"id": u.id, "email": u.email, "firstName": u.first_name, "middleName": u.middle_name,
            "lastName": u.last_name, "status": u.status, "deactivation": deactivation(u),
            "departmentId": u.department_id, "language": u.language, "timeZone": u.time_zone,
            "currency": u.currency, "origin": u.origin, "entraObjectId": u.entra_object_id,
            "employeeId": u.employee_id, "isAdministrator": emply.is_admin(u),
            "roles": [assignment(emply, a) for a in u.roles],
            "hasPhoto": u.photo is not None, "calendarSyncEnabled": u.calendar_sync_enabled,
            "createdAt": iso(u.created_at), "createdBy": u.created_by}


def calendar(c: UserCalendar) -> dict[str, Any]:
    return {"id": c.id, "entraCalendarId": c.entra_calendar_id, "name": c.name,
            "isDefault": c.is_default, "enabled": c.enabled, "canDisable": c.can_disable}


def event(e: CalendarEvent) -> dict[str, Any]:
    return {"id": e.id, "userId": e.user_id, "subject": e.subject, "start": iso(e.start),
            "end": iso(e.end), "body": e.body, "origin": e.origin, "calendarId": e.calendar_id,
            "entraEventId": e.entra_event_id, "entraLinks": dict(e.entra_links),
            "createdAt": iso(e.created_at), "removedAt": iso(e.removed_at)}


def audit_entry(a: AuditEntry) -> dict[str, Any]:
    return {"at": iso(a.at), "actor": a.actor, "setting": a.setting, "old": a.old, "new": a.new}


def domain_event(e: DomainEvent) -> dict[str, Any]:
    return {"seq": e.seq, "kind": e.kind, "at": iso(e.at), **e.data}
