"""Emply People REST routes under ``/v1/{customer}/``: parse, call the model, format.

Authentication is Emply's ``apiKey`` query parameter (an ``X-Api-Key`` header is
also taken). A change made on behalf of a person names that Emply user in the
``X-Acting-User`` header. Every rule lives in :mod:`mocks.emply.models`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from mocks.emply import views
from mocks.emply.errors import EmplyError
from mocks.emply.models import Emply, key_actor, user_actor

bp = Blueprint("emply_api", __name__)


# -- request plumbing ---------------------------------------------------------------
def emply() -> Emply:
    """The world's current Emply customer (``World.reset`` replaces it, so read it per request)."""
    return current_app.config["WORLD"].emply


@bp.url_value_preprocessor
def _customer(endpoint: str | None, values: dict[str, Any] | None) -> None:
    customer = (values or {}).pop("customer", None)
    if customer is not None and customer.lower() != emply().customer.lower():
        raise EmplyError(404, "unknown_customer", f"No Emply customer named '{customer}'.")


def api_key_from_request() -> str | None:
    return request.args.get("apiKey") or request.headers.get("X-Api-Key")


def needs(permission: str) -> Callable:
    """Decorator: the request's API key must exist (401) and carry ``permission`` (403)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            key = api_key_from_request()
            if not key:
                raise EmplyError(401, "missing_api_key",
                                 "No API key: pass it as the apiKey query parameter.")
            api_key = emply().authenticate(key)
            if api_key is None:
                raise EmplyError(401, "invalid_api_key", "The API key is not valid for this customer.")
            if permission not in api_key.permissions:
                raise EmplyError(403, "insufficient_permission",
                                 f"API key '{api_key.name}' lacks the '{permission}' permission "
                                 "needed for this request.")
            g.api_key = api_key
            return view(*args, **kwargs)

        wrapped.permission = permission  # type: ignore[attr-defined]
        return wrapped

    return decorate


def actor() -> str:
    """Who is acting: the ``X-Acting-User`` Emply user, else the API key itself."""
    acting = request.headers.get("X-Acting-User")
    if acting is not None:
        acting = acting.strip()
        if acting not in emply().users:
            raise EmplyError(422, "unknown_acting_user",
                             f"X-Acting-User: no Emply user with id '{acting}'.")
        return user_actor(acting)
    return key_actor(g.api_key.name)


def body() -> dict[str, Any]:
    """The request's JSON object body, or a clear 400/415."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise EmplyError(400, "missing_body", "The request needs a JSON object as its body.")
    if not request.is_json:
        raise EmplyError(415, "unsupported_media_type",
                         "Send the body as JSON with the header Content-Type: application/json.")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise EmplyError(400, "malformed_json", "The body is not UTF-8 encoded JSON.") from None
    except json.JSONDecodeError as exc:
        raise EmplyError(400, "malformed_json",
                         f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, "
                         f"column {exc.colno}.") from None
    if not isinstance(data, dict):
        raise EmplyError(400, "invalid_body", "The body must be a JSON object.")
    return data


def flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false"):
        raise EmplyError(400, "invalid_value", f"Query parameter '{name}' must be true or false.")
    return value == "true"


def created(payload: dict[str, Any]) -> tuple[Response, int]:
    return jsonify(payload), 201


def no_content() -> tuple[str, int]:
    return "", 204


# -- employees -----------------------------------------------------------------------
@bp.get("/employees")
@needs("read")
def list_employees():
    status = request.args.get("status")
    if status is not None and status not in ("Active", "Pending", "Archived"):
        raise EmplyError(400, "invalid_value", "'status' must be Active, Pending or Archived.")
    e = emply()
    with e.lock:
        return jsonify([views.employee(e, x) for x in e.employees.values()
                        if status is None or x.status == status])


@bp.get("/employees/find-by-name")
@needs("read")
def find_employees():
    email, name = request.args.get("email"), request.args.get("name")
    if not email and not name:
        raise EmplyError(400, "missing_field", "Give 'email' or 'name' as a query parameter.")
    e = emply()
    with e.lock:
        return jsonify([views.employee(e, x) for x in e.find_employees(email=email, name=name)])


@bp.post("/employees")
@needs("write")
def create_employee():
    e = emply()
    return created(views.employee(e, e.add_employee(body(), actor())))


@bp.get("/employees/<employee_id>")
@needs("read")
def get_employee(employee_id: str):
    e = emply()
    return jsonify(views.employee(e, e.employee(employee_id)))


@bp.patch("/employees/<employee_id>")
@needs("write")
def update_employee(employee_id: str):
    e = emply()
    return jsonify(views.employee(e, e.update_employee(employee_id, body(), actor())))


@bp.put("/employees/<employee_id>/resignation")
@needs("write")
def set_resignation(employee_id: str):
    data = body()
    if "resignationDate" not in data or set(data) != {"resignationDate"}:
        raise EmplyError(400, "invalid_body", "Send {\"resignationDate\": \"YYYY-MM-DD\"} (or null).")
    e = emply()
    return jsonify(views.employee(e, e.set_resignation_date(employee_id, data["resignationDate"],
                                                            actor())))


@bp.delete("/employees/<employee_id>")
@needs("write")
def delete_employee(employee_id: str):
    emply().delete_employee(employee_id)
    return no_content()


# -- departments ------------------------------------------------------------------------
@bp.get("/departments")
@needs("read")
def list_departments():
    e = emply()
    with e.lock:
        return jsonify([views.department(d) for d in e.departments.values()])


@bp.post("/departments")
@needs("write")
def create_department():
    return created(views.department(emply().add_department(body())))


@bp.get("/departments/<department_id>")
@needs("read")
def get_department(department_id: str):
    return jsonify(views.department(emply().department(department_id)))


@bp.patch("/departments/<department_id>")
@needs("write")
def update_department(department_id: str):
    return jsonify(views.department(emply().update_department(department_id, body())))


@bp.delete("/departments/<department_id>")
@needs("write")
def delete_department(department_id: str):
    emply().delete_department(department_id)
    return no_content()


# -- roles -------------------------------------------------------------------------------
@bp.get("/roles")
@needs("read")
def list_roles():
    e = emply()
    with e.lock:
        return jsonify([views.role(r) for r in e.roles.values()])


def _admin_rights_need_settings(what: str) -> None:
    """F11: granting or removing administrator rights (a role assignment, or a role made or
    unmade administrator) needs the key's 'settings' permission, not only 'write'; else a
    write key could make a user administrator and, acting as them, remove the real one."""
    if "settings" not in g.api_key.permissions:
        raise EmplyError(403, "insufficient_permission",
                         f"API key '{g.api_key.name}' lacks the 'settings' permission needed to "
                         f"{what} (administrator rights).")


def _is_admin_role(role_id: str) -> bool:
    role = emply().roles.get(role_id)
    return role is not None and role.is_admin


@bp.post("/roles")
@needs("write")
def create_role():
    data = body()
    if data.get("isAdministrator") is True:
        _admin_rights_need_settings("create an administrator role")
    return created(views.role(emply().add_role(data)))


@bp.get("/roles/<role_id>")
@needs("read")
def get_role(role_id: str):
    return jsonify(views.role(emply().role(role_id)))


@bp.patch("/roles/<role_id>")
@needs("write")
def update_role(role_id: str):
    data = body()
    if "isAdministrator" in data and data["isAdministrator"] != _is_admin_role(role_id):
        _admin_rights_need_settings("change whether a role is an administrator role")
    return jsonify(views.role(emply().update_role(role_id, data)))


@bp.delete("/roles/<role_id>")
@needs("write")
def delete_role(role_id: str):
    emply().delete_role(role_id)
    return no_content()


# -- users -------------------------------------------------------------------------------
@bp.get("/users")
@needs("read")
def list_users():
    status, email = request.args.get("status"), request.args.get("email")
    if status is not None and status not in ("active", "deactivated"):
        raise EmplyError(400, "invalid_value", "'status' must be active or deactivated.")
    e = emply()
    with e.lock:
        users = [u for u in e.users.values() if status is None or u.status == status]
        if email is not None:
            users = [u for u in users if u.email.casefold() == email.strip().casefold()]
        return jsonify([views.user(e, u) for u in users])


@bp.get("/users/deactivated")
@needs("read")
def list_deactivated_users():
    e = emply()
    with e.lock:
        return jsonify([views.user(e, u) for u in e.deactivated_users()])


@bp.post("/users")
@needs("write")
def create_user():
    e = emply()
    return created(views.user(e, e.add_user(body(), actor())))


@bp.get("/users/<user_id>")
@needs("read")
def get_user(user_id: str):
    e = emply()
    with e.lock:
        return jsonify(views.user(e, e.user(user_id)))


@bp.patch("/users/<user_id>")
@needs("write")
def update_user(user_id: str):
    e = emply()
    user = e.update_user(user_id, body(), actor())
    with e.lock:
        return jsonify(views.user(e, user))


@bp.delete("/users/<user_id>")
@needs("write")
def delete_user(user_id: str):
    emply().delete_user(user_id, actor())
    return no_content()


@bp.post("/users/<user_id>/deactivate")
@needs("write")
def deactivate_user(user_id: str):
    data = body() if request.get_data().strip() else {}
    unknown = sorted(set(data) - {"note"})
    if unknown:
        raise EmplyError(400, "unknown_field",
                         f"'{unknown[0]}' cannot be set here; a deactivation by hand takes only "
                         "an optional 'note' (its reason is 'manual').")
    e = emply()
    user = e.deactivate_user(user_id, "manual", actor(), data.get("note"))
    with e.lock:
        return jsonify(views.user(e, user))


@bp.post("/users/<user_id>/activate")
@needs("write")
def activate_user(user_id: str):
    e = emply()
    user = e.activate_user(user_id, actor())
    with e.lock:
        return jsonify(views.user(e, user))


# -- role assignments ------------------------------------------------------------------
@bp.get("/users/<user_id>/roles")
@needs("read")
def list_user_roles(user_id: str):
    e = emply()
    with e.lock:
        return jsonify([views.assignment(e, a) for a in e.user(user_id).roles])


@bp.post("/users/<user_id>/roles")
@needs("write")
def assign_role(user_id: str):
    data = body()
    unknown = sorted(set(data) - {"roleId"})
    if unknown:
        raise EmplyError(400, "unknown_field", f"'{unknown[0]}' is not a field of a role assignment "
                                               "(send {\"roleId\": ...}).")
    role_id = data.get("roleId")
    if not isinstance(role_id, str) or not role_id.strip():
        raise EmplyError(400, "missing_field", "'roleId' is required.")
    e = emply()
    if _is_admin_role(role_id.strip()):
        _admin_rights_need_settings("grant an administrator role")
    return created(views.assignment(e, e.grant_role(user_id, role_id.strip(), actor())))


@bp.delete("/users/<user_id>/roles/<role_id>")
@needs("write")
def unassign_role(user_id: str, role_id: str):
    if _is_admin_role(role_id):
        _admin_rights_need_settings("remove an administrator role")
    emply().revoke_role(user_id, role_id, actor())
    return no_content()


# -- photos --------------------------------------------------------------------------------
def photo_response(user_id: str) -> Response:
    """The user's photo bytes with their type and ETag, or 404 ``photo_not_found``."""
    photo = emply().user(user_id).photo
    if photo is None:
        raise EmplyError(404, "photo_not_found", f"User '{user_id}' has no photo.")
    response = Response(photo.content, mimetype=photo.content_type)
    response.headers["ETag"] = f'"{photo.etag}"'
    return response


@bp.get("/users/<user_id>/photo")
@needs("read")
def get_photo(user_id: str):
    return photo_response(user_id)


@bp.put("/users/<user_id>/photo")
@needs("write")
def put_photo(user_id: str):
    photo = emply().set_photo(user_id, request.get_data(), request.content_type or "", actor())
    return jsonify({"contentType": photo.content_type, "size": len(photo.content),
                    "etag": photo.etag, "updatedAt": views.iso(photo.updated_at),
                    "updatedBy": photo.updated_by})


@bp.delete("/users/<user_id>/photo")
@needs("write")
def delete_photo(user_id: str):
    emply().delete_photo(user_id, actor())
    return no_content()


# -- calendars -----------------------------------------------------------------------------
@bp.get("/users/<user_id>/calendars")
@needs("read")
def list_calendars(user_id: str):
    e = emply()
    with e.lock:
        return jsonify([views.calendar(c) for c in e.user(user_id).calendars])


@bp.patch("/users/<user_id>/calendars/<calendar_id>")
@needs("write")
def switch_calendar(user_id: str, calendar_id: str):
    data = body()
    if set(data) != {"enabled"}:
        raise EmplyError(400, "invalid_body", "Send {\"enabled\": true} or {\"enabled\": false}.")
    return jsonify(views.calendar(emply().set_calendar_enabled(user_id, calendar_id,
                                                               data["enabled"], actor())))


# -- events in Emply's calendar ---------------------------------------------------------------
@bp.get("/calendar/events")
@needs("read")
def list_events():
    e = emply()
    user_id = request.args.get("userId")
    if user_id is not None:
        e.user(user_id)
    with e.lock:
        return jsonify([views.event(x) for x in e.list_events(user_id, flag("includeRemoved"))])


@bp.post("/calendar/events")
@needs("write")
def create_event():
    return created(views.event(emply().add_event(body(), actor())))


@bp.get("/calendar/events/<event_id>")
@needs("read")
def get_event(event_id: str):
    return jsonify(views.event(emply().event(event_id)))


@bp.patch("/calendar/events/<event_id>")
@needs("write")
def update_event(event_id: str):
    return jsonify(views.event(emply().update_event(event_id, body())))


@bp.delete("/calendar/events/<event_id>")
@needs("write")
def delete_event(event_id: str):
    emply().delete_event(event_id)
    return no_content()


# -- the Entra ID integration ------------------------------------------------------------------
@bp.get("/integrations/entra-id")
@needs("read")
def get_integration():
    return jsonify(emply().settings.to_dict())


@bp.patch("/integrations/entra-id")
@needs("settings")
def change_integration():
    return jsonify(emply().update_settings(body(), actor()).to_dict())


@bp.delete("/integrations/entra-id")
@needs("settings")
def remove_integration():
    removed = emply().remove_integration(actor())
    return jsonify({"removed": True, "microsoft365EventsRemoved": removed,
                    "settings": emply().settings.to_dict()})


@bp.get("/integrations/entra-id/audit")
@needs("settings")
def integration_audit():
    e = emply()
    with e.lock:
        return jsonify([views.audit_entry(a) for a in e.audit])


@bp.post("/integrations/entra-id/synced-groups")
@needs("settings")
def add_synced_group():
    return created(emply().add_synced_group(body(), actor()).to_dict())


@bp.patch("/integrations/entra-id/synced-groups/<group_id>")
@needs("settings")
def update_synced_group(group_id: str):
    return jsonify(emply().update_synced_group(group_id, body(), actor()).to_dict())


@bp.delete("/integrations/entra-id/synced-groups/<group_id>")
@needs("settings")
def remove_synced_group(group_id: str):
    return jsonify(emply().remove_synced_group(group_id, actor()).to_dict())
