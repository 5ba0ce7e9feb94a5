"""OpenAPI 3 document of the Emply People mock's API, built from one table of operations.

Served at ``/openapi.json`` and ``/v1/{customer}/openapi.json``. A test compares the
paths and methods here with the Flask routes, so the document stays true.
Operations Emply's public API documentation does not show are marked *assumed*.
"""

from __future__ import annotations

import re
from typing import Any

V1 = "/v1/{customer}"
ASSUMED = ("(Assumed: Emply's public API documentation does not show this resource; the mock "
           "follows the style of its documented resources.)")

# (method, path, summary, permission, assumed, request schema, success status, response schema,
#  query parameters)
Operation = tuple[str, str, str, str | None, bool, str | None, int, str | None, tuple[str, ...]]

OPERATIONS: list[Operation] = [
    ("get", "/openapi.json", "This OpenAPI document", None, True, None, 200, None, ()),
    ("get", f"{V1}/openapi.json", "This OpenAPI document", None, True, None, 200, None, ()),
    # employees (documented by Emply: id, firstName, middleName, lastName, email, number, status)
    ("get", f"{V1}/employees", "List employees", "read", False, None, 200, "EmployeeList", ("status",)),
    ("post", f"{V1}/employees", "Create an employee", "write", False, "EmployeeInput", 201, "Employee", ()),
    ("get", f"{V1}/employees/find-by-name", "Find employees by e-mail or name", "read", False, None, 200,
     "EmployeeList", ("email", "name")),
    ("get", f"{V1}/employees/{{employee_id}}", "Get an employee", "read", False, None, 200, "Employee", ()),
    ("patch", f"{V1}/employees/{{employee_id}}", "Change an employee", "write", False, "EmployeeInput",
     200, "Employee", ()),
    ("delete", f"{V1}/employees/{{employee_id}}", "Delete an employee without a user", "write", True,
     None, 204, None, ()),
    ("put", f"{V1}/employees/{{employee_id}}/resignation",
     "Set or clear the resignation date (Active -> Pending -> Archived on that date)", "write", True,
     "Resignation", 200, "Employee", ()),
    # departments (documented: id, customId, parentId, title, managerId, active)
    ("get", f"{V1}/departments", "List departments", "read", False, None, 200, "DepartmentList", ()),
    ("post", f"{V1}/departments", "Create a department", "write", False, "DepartmentInput", 201,
     "Department", ()),
    ("get", f"{V1}/departments/{{department_id}}", "Get a department", "read", False, None, 200,
     "Department", ()),
    ("patch", f"{V1}/departments/{{department_id}}", "Change a department", "write", False,
     "DepartmentInput", 200, "Department", ()),
    ("delete", f"{V1}/departments/{{department_id}}", "Delete an unused department", "write", False,
     None, 204, None, ()),
    # roles
    ("get", f"{V1}/roles", "List roles", "read", True, None, 200, "RoleList", ()),
    ("post", f"{V1}/roles", "Create a role", "write", True, "RoleInput", 201, "Role", ()),
    ("get", f"{V1}/roles/{{role_id}}", "Get a role", "read", True, None, 200, "Role", ()),
    ("patch", f"{V1}/roles/{{role_id}}", "Change a role", "write", True, "RoleInput", 200, "Role", ()),
    ("delete", f"{V1}/roles/{{role_id}}", "Delete a role nobody holds", "write", True, None, 204, None, ()),
    # users
    ("get", f"{V1}/users", "List users", "read", True, None, 200, "UserList", ("status", "email")),
    ("post", f"{V1}/users", "Create a user by hand (origin manual)", "write", True, "UserInput", 201,
     "User", ()),
    ("get", f"{V1}/users/deactivated", "List deactivated users, with reason and who deactivated them",
     "read", True, None, 200, "UserList", ()),
    ("get", f"{V1}/users/{{user_id}}", "Get a user", "read", True, None, 200, "User", ()),
    ("patch", f"{V1}/users/{{user_id}}", "Change a user (connect or disconnect an employee)", "write",
     True, "UserInput", 200, "User", ()),
    ("delete", f"{V1}/users/{{user_id}}",
     "Delete a user (one holding an administrator role needs another administrator)", "write", True,
     None, 204, None, ()),
    ("post", f"{V1}/users/{{user_id}}/deactivate", "Deactivate a user by hand (reason manual)", "write",
     True, "Deactivate", 200, "User", ()),
    ("post", f"{V1}/users/{{user_id}}/activate", "Reactivate a user", "write", True, None, 200, "User", ()),
    ("get", f"{V1}/users/{{user_id}}/roles", "List a user's roles and where each came from", "read",
     True, None, 200, "RoleAssignmentList", ()),
    ("post", f"{V1}/users/{{user_id}}/roles", "Give a user a role", "write", True, "RoleAssignmentInput",
     201, "RoleAssignment", ()),
    ("delete", f"{V1}/users/{{user_id}}/roles/{{role_id}}",
     "Take a role from a user (an administrator role only by another administrator, named in "
     "X-Acting-User)", "write", True, None, 204, None, ()),
    ("get", f"{V1}/users/{{user_id}}/photo", "Get the user's photo (bytes)", "read", True, None, 200,
     "photo", ()),
    ("put", f"{V1}/users/{{user_id}}/photo", "Put the user's photo (image/jpeg or image/png bytes)",
     "write", True, "photo", 200, "PhotoInfo", ()),
    ("delete", f"{V1}/users/{{user_id}}/photo", "Remove the user's photo", "write", True, None, 204,
     None, ()),
    ("get", f"{V1}/users/{{user_id}}/calendars", "List the user's Microsoft 365 calendars", "read",
     True, None, 200, "CalendarList", ()),
    ("patch", f"{V1}/users/{{user_id}}/calendars/{{calendar_id}}",
     "Enable or disable a calendar (the default calendar cannot be disabled)", "write", True,
     "CalendarSwitch", 200, "Calendar", ()),
    # Emply's calendar
    ("get", f"{V1}/calendar/events", "List events in Emply's calendar", "read", True, None, 200,
     "EventList", ("userId", "includeRemoved")),
    ("post", f"{V1}/calendar/events", "Create an event in Emply's calendar", "write", True,
     "EventInput", 201, "Event", ()),
    ("get", f"{V1}/calendar/events/{{event_id}}", "Get an event", "read", True, None, 200, "Event", ()),
    ("patch", f"{V1}/calendar/events/{{event_id}}", "Change an event made in Emply", "write", True,
     "EventInput", 200, "Event", ()),
    ("delete", f"{V1}/calendar/events/{{event_id}}", "Delete an event made in Emply", "write", True,
     None, 204, None, ()),
    # the integration
    ("get", f"{V1}/integrations/entra-id", "Read the Entra ID integration settings", "read", True,
     None, 200, "IntegrationSettings", ()),
    ("patch", f"{V1}/integrations/entra-id",
     "Change the integration settings (audited; one tenant; no write-to-Entra option in a hybrid "
     "tenant; no synced group mapped to an administrator role)", "settings", True,
     "IntegrationChange", 200, "IntegrationSettings", ()),
    ("delete", f"{V1}/integrations/entra-id",
     "Remove the integration (users keep their data; Microsoft 365 events leave Emply's calendar)",
     "settings", True, None, 200, "IntegrationRemoved", ()),
    ("get", f"{V1}/integrations/entra-id/audit", "Audit trail of settings changes", "settings", True,
     None, 200, "AuditList", ()),
    ("post", f"{V1}/integrations/entra-id/synced-groups", "Add a synced group (last in order)",
     "settings", True, "SyncedGroup", 201, "IntegrationSettings", ()),
    ("patch", f"{V1}/integrations/entra-id/synced-groups/{{group_id}}",
     "Change a synced group's mapped role or defaults", "settings", True, "SyncedGroupChange", 200,
     "IntegrationSettings", ()),
    ("delete", f"{V1}/integrations/entra-id/synced-groups/{{group_id}}",
     "Remove a synced group from the integration", "settings", True, None, 200,
     "IntegrationSettings", ()),
    # the hosted sync core
    ("post", f"{V1}/integrations/entra-id/runs",
     "Run the sync now (409 while a run is under way or without an integration)", "write", True,
     None, 201, "RunResult", ()),
    ("get", f"{V1}/integrations/entra-id/runs", "List sync runs, newest first", "read", True, None,
     200, "RunList", ("limit",)),
    ("get", f"{V1}/integrations/entra-id/runs/{{run_id}}",
     "One run with every change: rule id, reason, old and new values", "read", True, None, 200,
     "RunDetail", ()),
    ("post", f"{V1}/integrations/entra-id/runs/{{run_id}}/confirm",
     "Confirm a held run: plan again on current data and apply (SAFE-2)", "settings", True, None,
     201, "RunResult", ()),
    ("post", f"{V1}/integrations/entra-id/runs/{{run_id}}/reject",
     "Reject a held run: nothing is applied (SAFE-2)", "settings", True, None, 200, "Rejected", ()),
    ("post", f"{V1}/integrations/entra-id/sync-user",
     "Sync one Entra user now, with each step shown", "write", True, "SyncUser", 201, "RunResult",
     ()),
    ("get", f"{V1}/integrations/entra-id/changes", "Changes from the run log, newest first",
     "read", True, None, 200, "ChangeList", ("runId", "userId", "rule", "kind", "limit")),
    ("get", f"{V1}/users/{{user_id}}/deactivation-reason",
     "Why is this user deactivated? (SYNC-8)", "read", True, None, 200, "DeactivationReason", ()),
]

QUERY_PARAMETERS: dict[str, dict[str, Any]] = {
    "limit": {"description": "At most this many items.", "schema": {"type": "integer"}},
    "runId": {"description": "Only changes of this run.", "schema": {"type": "integer"}},
    "rule": {"description": "Only changes made by this rule id, e.g. SYNC-6.",
             "schema": {"type": "string"}},
    "kind": {"description": "Only this kind of change, e.g. deactivate.",
             "schema": {"type": "string"}},
    "status": {"description": "Filter by status (employees: Active, Pending, Archived; users: "
                              "active, deactivated).", "schema": {"type": "string"}},
    "email": {"description": "E-mail, compared after trimming and case-folding.",
              "schema": {"type": "string"}},
    "name": {"description": "Part of the employee's name.", "schema": {"type": "string"}},
    "userId": {"description": "Only this user's events (or changes).", "schema": {"type": "string"}},
    "includeRemoved": {"description": "Also events removed from the calendar.",
                       "schema": {"type": "boolean", "default": False}},
}


def _s(type_: str, **extra: Any) -> dict[str, Any]:
    return {"type": type_, **extra}


_STR, _NSTR, _BOOL = _s("string"), _s("string", nullable=True), _s("boolean")
_TIME = _s("string", format="date-time")


def _obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = list(required)
    return out


def _list(ref: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}


SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": _obj({"error": _obj({"code": _STR, "message": _STR}, ("code", "message"))}, ("error",)),
    "Employee": _obj({
        "id": _STR, "firstName": _STR, "middleName": _NSTR, "lastName": _STR, "email": _NSTR,
        "number": _STR, "status": _s("string", enum=["Active", "Pending", "Archived"]),
        "jobTitle": _NSTR, "departmentId": _NSTR,
        "phones": _obj({"work": _NSTR, "mobile": _NSTR}),
        "resignationDate": _s("string", format="date", nullable=True),
        "archivedAt": _s("string", format="date-time", nullable=True), "userId": _NSTR}),
    "EmployeeInput": _obj({
        "firstName": _STR, "middleName": _NSTR, "lastName": _STR, "email": _NSTR, "number": _STR,
        "jobTitle": _NSTR, "departmentId": _NSTR, "phones": _obj({"work": _NSTR, "mobile": _NSTR}),
        "resignationDate": _s("string", format="date", nullable=True)}),
    "Resignation": _obj({"resignationDate": _s("string", format="date", nullable=True)},
                        ("resignationDate",)),
    "Department": _obj({"id": _STR, "customId": _NSTR, "parentId": _NSTR, "title": _STR,
                        "managerId": _NSTR, "active": _BOOL}),
    "DepartmentInput": _obj({"customId": _NSTR, "parentId": _NSTR, "title": _STR,
                             "managerId": _NSTR, "active": _BOOL}),
    "Role": _obj({"id": _STR, "name": _STR, "isAdministrator": _BOOL}),
    "RoleInput": _obj({"name": _STR, "isAdministrator": _BOOL}),
    "RoleAssignment": _obj({"roleId": _STR, "name": _STR, "isAdministrator": _BOOL,
                            "source": _s("string", enum=["manual", "integration"]),
                            "groupId": _NSTR, "grantedBy": _STR, "grantedAt": _TIME}),
    "RoleAssignmentInput": _obj({"roleId": _STR}, ("roleId",)),
    "Deactivation": _obj({"reason": _s("string", enum=[
        "left_synced_groups", "group_removed_from_integration", "deleted_in_entra",
        "disabled_in_entra", "employee_archived", "manual"]),
        "by": _s("string", description="user:<id>, apikey:<name>, sync or system"),
        "at": _TIME, "note": _NSTR}),
    "Deactivate": _obj({"note": _STR}),
    "User": _obj({
        "id": _STR, "email": _STR, "firstName": _STR, "middleName": _NSTR, "lastName": _STR,
        "status": _s("string", enum=["active", "deactivated"]),
        "deactivation": {"$ref": "#/components/schemas/Deactivation", "nullable": True},
        "departmentId": _NSTR, "language": _NSTR, "timeZone": _NSTR, "currency": _NSTR,
        "origin": _s("string", enum=["integration", "manual"]), "entraObjectId": _NSTR,
        "employeeId": _NSTR, "isAdministrator": _BOOL, "roles": _list("RoleAssignment"),
        "hasPhoto": _BOOL, "calendarSyncEnabled": _BOOL, "createdAt": _TIME, "createdBy": _STR}),
    "UserInput": _obj({
        "email": _STR, "firstName": _STR, "middleName": _NSTR, "lastName": _STR,
        "departmentId": _NSTR, "language": _NSTR, "timeZone": _NSTR, "currency": _NSTR,
        "employeeId": _NSTR, "calendarSyncEnabled": _BOOL}),
    "PhotoInfo": _obj({"contentType": _STR, "size": _s("integer"), "etag": _STR,
                       "updatedAt": _TIME, "updatedBy": _STR}),
    "Calendar": _obj({"id": _STR, "entraCalendarId": _STR, "name": _STR, "isDefault": _BOOL,
                      "enabled": _BOOL, "canDisable": _BOOL}),
    "CalendarSwitch": _obj({"enabled": _BOOL}, ("enabled",)),
    "Event": _obj({"id": _STR, "userId": _STR, "subject": _STR, "start": _TIME, "end": _TIME,
                   "body": _NSTR, "origin": _s("string", enum=["emply", "microsoft365"]),
                   "calendarId": _NSTR, "entraEventId": _NSTR,
                   "entraLinks": _s("object", additionalProperties=_STR),
                   "createdAt": _TIME, "removedAt": _s("string", format="date-time", nullable=True)}),
    "EventInput": _obj({"userId": _STR, "subject": _STR, "start": _TIME, "end": _TIME,
                        "body": _NSTR}),
    "Tenant": _obj({"id": _STR, "domains": _s("array", items=_STR),
                    "onPremisesSyncEnabled": _BOOL}),
    "SyncedGroup": _obj({"groupId": _STR, "displayName": _NSTR, "roleId": _NSTR,
                         "departmentId": _NSTR, "language": _NSTR, "timeZone": _NSTR,
                         "currency": _NSTR}, ("groupId",)),
    "SyncedGroupChange": _obj({"displayName": _NSTR, "roleId": _NSTR, "departmentId": _NSTR,
                               "language": _NSTR, "timeZone": _NSTR, "currency": _NSTR}),
    "Threshold": _obj({"minimum": _s("integer", minimum=1, default=10),
                       "ratio": _s("number", minimum=0, maximum=1, default=0.2)}),
    "IntegrationSettings": _obj({
        "configured": _BOOL, "tenant": {"$ref": "#/components/schemas/Tenant", "nullable": True},
        "syncedGroups": _list("SyncedGroup"), "updateRolesAfterFirstSync": _BOOL,
        "calendarSync": _BOOL, "updateEntra": _BOOL, "deleteInEntra": _BOOL, "createInEntra": _BOOL,
        "deactivationThreshold": {"$ref": "#/components/schemas/Threshold"},
        "removedGroups": _s("array", items=_obj({"groupId": _STR, "displayName": _NSTR,
                                                   "roleId": _NSTR, "removedAt": _TIME}))}),
    "IntegrationChange": _obj({
        "tenant": {"$ref": "#/components/schemas/Tenant"}, "syncedGroups": _list("SyncedGroup"),
        "updateRolesAfterFirstSync": _BOOL, "calendarSync": _BOOL, "updateEntra": _BOOL,
        "deleteInEntra": _BOOL, "createInEntra": _BOOL,
        "deactivationThreshold": {"$ref": "#/components/schemas/Threshold"}}),
    "IntegrationRemoved": _obj({"removed": _BOOL, "microsoft365EventsRemoved": _s("integer"),
                                "settings": {"$ref": "#/components/schemas/IntegrationSettings"}}),
    "AuditEntry": _obj({"at": _TIME, "actor": _STR, "setting": _STR, "old": {}, "new": {}}),
    "Change": _obj({
        "id": _s("integer"), "runId": _s("integer"), "at": _TIME, "kind": _STR,
        "action": _s("string", enum=["create", "update", "disable", "delete", "skip", "other"]),
        "status": _s("string", enum=["success", "failure", "skipped", "warning"]),
        "rule": _STR, "reason": _STR, "entraId": _NSTR, "emplyUserId": _NSTR, "email": _NSTR,
        "old": {}, "new": {}, "error": _NSTR}),
    "Run": _obj({"id": _s("integer"), "trigger": _STR, "scope": _NSTR, "started": _TIME,
                 "ended": _s("string", format="date-time", nullable=True),
                 "status": _s("string", enum=["running", "success", "partial", "failure", "held",
                                              "confirmed", "rejected", "interrupted"]),
                 "counts": _s("object", additionalProperties=_s("integer")), "message": _NSTR}),
    "RunList": _obj({"value": _list("Run"), "heldRun": _s("integer", nullable=True),
                     "nextScheduledRun": _s("string", format="date-time", nullable=True)}),
    "RunDetail": {"allOf": [{"$ref": "#/components/schemas/Run"}, _obj({
        "changes": _list("Change"), "heldPlan": _s("array", nullable=True, items={})})]},
    "RunResult": {"allOf": [{"$ref": "#/components/schemas/RunDetail"},
                            _obj({"runId": _s("integer")})]},
    "Rejected": _obj({"runId": _s("integer"), "status": _STR}),
    "SyncUser": _obj({"entraObjectId": _STR, "userPrincipalName": _STR}),
    "ChangeList": _obj({"value": _list("Change")}),
    "DeactivationReason": _obj({
        "userId": _STR, "status": _s("string", enum=["active", "deactivated"]),
        "reason": _NSTR, "reasonText": _NSTR, "deactivatedBy": _NSTR,
        "at": _s("string", format="date-time", nullable=True), "note": _NSTR,
        "rule": _NSTR, "runId": _s("integer", nullable=True), "message": _NSTR}),
}
for _name in ("Employee", "Department", "Role", "User", "RoleAssignment", "Calendar", "Event"):
    SCHEMAS[f"{_name}List"] = _list(_name)
SCHEMAS["AuditList"] = _list("AuditEntry")

ERRORS = {
    400: "Bad input: malformed JSON, a missing or invalid field (the message names it)",
    401: "No API key, or a key this customer does not know",
    403: "The API key lacks the permission, or the acting user may not do this",
    404: "No such object",
    409: "Refused because of the current state (e.g. a second tenant, the default calendar)",
    415: "Wrong Content-Type",
    422: "Refused by a rule (e.g. a group mapped to an administrator role, hybrid tenant)",
}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _operation(op: Operation) -> dict[str, Any]:
    method, path, summary, permission, assumed, req, status, resp, query = op
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", path)]
    params += [{"name": name, "in": "query", "required": False, **QUERY_PARAMETERS[name]}
               for name in query]
    description = summary + "."
    if permission:
        description += f" API key permission: `{permission}`."
    if assumed:
        description += " " + ASSUMED
    out: dict[str, Any] = {"summary": summary, "description": description,
                           "operationId": f"{method}_{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_')}",
                           "tags": [path.split("/")[3] if path.startswith("/v1/") else "meta"]}
    if params:
        out["parameters"] = params
    if permission:
        out["security"] = [{"apiKey": []}, {"apiKeyHeader": []}]
        out["parameters"] = out.get("parameters", []) + [{
            "name": "X-Acting-User", "in": "header", "required": False,
            "description": "The Emply user on whose behalf the change is made (audit, "
                           "administrator-role protection).", "schema": {"type": "string"}}]
    if req == "photo":
        out["requestBody"] = {"required": True, "content": {
            "image/jpeg": {"schema": _s("string", format="binary")},
            "image/png": {"schema": _s("string", format="binary")}}}
    elif req:
        out["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": _ref(req)}}}
    if resp == "photo":
        ok: dict[str, Any] = {"description": "The photo", "content": {
            "image/jpeg": {"schema": _s("string", format="binary")},
            "image/png": {"schema": _s("string", format="binary")}}}
    elif resp:
        ok = {"description": "OK", "content": {"application/json": {"schema": _ref(resp)}}}
    elif path.endswith("openapi.json"):
        ok = {"description": "This document", "content": {"application/json": {"schema": {}}}}
    else:
        ok = {"description": "Done, no content"}
    responses: dict[str, Any] = {str(status): ok}
    for code, text in ERRORS.items():
        if permission or code == 404:
            responses[str(code)] = {"description": text, "content": {
                "application/json": {"schema": _ref("Error")}}}
    out["responses"] = responses
    return out


def document(customer: str = "contoso") -> dict[str, Any]:
    """The whole OpenAPI 3.0 document, with ``customer`` as the default server variable."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op[1], {})[op[0]] = _operation(op)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Emply People (mock)",
            "version": "1.0.0",
            "description": (
                "Mock of Emply People's REST API for the Entra ID integration harness. Resources "
                "live under /v1/{customer}/ and take Emply's apiKey query parameter. Employees and "
                "departments follow the shapes of Emply's public API; users, roles, photos, "
                "calendars and the integration are assumed (each says so). Errors are "
                "{\"error\": {\"code\", \"message\"}}. The simulation control API under /_sim/ is "
                "documented with the simulation, not here."),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "query", "name": "apiKey",
                           "description": "An API key with the permissions read, write and/or "
                                          "settings."},
                "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            },
        },
    }
