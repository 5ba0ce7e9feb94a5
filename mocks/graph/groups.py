"""Graph routes: /groups — list (OData), get, create, members and transitive members (with casts), $ref.

Members are listed as directory objects, each carrying ``@odata.type``; the casts
``/microsoft.graph.user`` and ``/microsoft.graph.group`` keep one kind only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

from mocks.entra.models import Group, User
from mocks.graph.auth import requires
from mocks.graph.errors import GraphError
from mocks.graph.odata import (
    DIRECTORY_OBJECT_TYPE,
    GROUP_TYPE,
    USER_TYPE,
    EntityType,
    Query,
    bad_request,
    entity,
    json_body,
    page,
    parse_query,
    shape,
)
from mocks.graph.users import not_found, tenant, user_json

bp = Blueprint("graph_groups", __name__)

CASTS: dict[str, tuple[type, EntityType, str]] = {
    "microsoft.graph.user": (User, USER_TYPE, "users"),
    "microsoft.graph.group": (Group, GROUP_TYPE, "groups"),
}


def group_json(group: Group) -> dict[str, Any]:
    return dict(group.props)


def object_json(obj: User | Group, query: Query) -> dict[str, Any]:
    """A member as a directory object: ``@odata.type`` first, then its own default set."""
    if isinstance(obj, User):
        body = {"@odata.type": "#microsoft.graph.user", **user_json(obj)}
        return body if query.select else shape(body, None, USER_TYPE)
    return {"@odata.type": "#microsoft.graph.group", **group_json(obj)}


def find_group(group_id: str) -> Group:
    group = tenant().groups.get(group_id) or tenant().groups.get(group_id.lower())
    if group is None:
        raise not_found(group_id)
    return group


def _sorted_groups() -> list[Group]:
    return sorted(tenant().groups.values(), key=lambda g: g.id)


@bp.get("/groups")
@requires("groups.read")
def list_groups():
    q = parse_query(GROUP_TYPE)
    with tenant().lock:
        return page(_sorted_groups(), group_json, "groups", etype=GROUP_TYPE, query=q,
                    key=lambda g: g.id, props=lambda g: g.props)


@bp.get("/groups/<group_id>")
@requires("groups.read")
def get_group(group_id: str):
    q = parse_query(GROUP_TYPE, allowed={"$select"})
    return entity(group_json(find_group(group_id)), "groups", GROUP_TYPE, q)


# Properties a new group may be given; the four Microsoft requires are checked below.
CREATE_REQUIRED = ("displayName", "mailEnabled", "mailNickname", "securityEnabled")
CREATE_WRITABLE = frozenset({*CREATE_REQUIRED, "description", "groupTypes", "visibility"})


@bp.post("/groups")
@requires("groups.create")
def create_group():
    """A security or Microsoft 365 group; answers 201 with the group (no owners or members)."""
    body = json_body()
    for name, value in body.items():
        if name.startswith("@odata.") or name.endswith("@odata.bind"):
            continue
        if name not in CREATE_WRITABLE:
            raise bad_request(f"The property '{name}' does not exist on type "
                              "'microsoft.graph.group'. Make sure to only use property names "
                              "that are defined by the type or mark the type as open type.")
        text = name in ("displayName", "mailNickname", "description", "visibility")
        ok = (isinstance(value, bool) if name in ("mailEnabled", "securityEnabled") else
              isinstance(value, list) and all(isinstance(v, str) for v in value)
              if name == "groupTypes" else isinstance(value, str) or (value is None and text))
        if not ok:
            raise bad_request(f"Invalid value specified for property '{name}' of resource "
                              "'Group'.", "Request_BadRequest")
    for name in CREATE_REQUIRED:
        if body.get(name) in (None, ""):
            raise bad_request(f"Invalid value specified for property '{name}' of resource "
                              "'Group'.", "Request_BadRequest")
    props = {k: v for k, v in body.items() if k in CREATE_WRITABLE}
    group = tenant().add_group(props)
    response = current_app.json.response(entity(group_json(group), "groups", GROUP_TYPE))
    response.status_code = 201
    return response


def _members(group_id: str, transitive: bool, cast: str | None):
    group = find_group(group_id)
    t = tenant()
    with t.lock:
        ids = t.transitive_members(group.id) if transitive else list(group.members)
        objects: list[User | Group] = []
        for member_id in ids:
            obj = t.users.get(member_id) or t.groups.get(member_id)
            if obj is not None:
                objects.append(obj)
    if cast is None:
        q = parse_query(DIRECTORY_OBJECT_TYPE)
        return page(objects, lambda o: object_json(o, q), "directoryObjects",
                    etype=DIRECTORY_OBJECT_TYPE, query=q, props=lambda o: o.props)
    if cast.startswith("graph."):  # Graph's namespace alias, as Microsoft's SDKs send it
        cast = "microsoft." + cast
    if cast not in CASTS:
        raise bad_request("Resource not found for the segment "
                          f"'{cast}'.")
    kind, etype, context = CASTS[cast]
    q = parse_query(etype)
    chosen = [o for o in objects if isinstance(o, kind)]
    return page(chosen, lambda o: object_json(o, q), context, etype=etype, query=q,
                props=lambda o: o.props)


@bp.get("/groups/<group_id>/members")
@requires("groups.read")
def list_members(group_id: str):
    return _members(group_id, False, None)


@bp.get("/groups/<group_id>/members/<cast>")
@requires("groups.read")
def list_members_cast(group_id: str, cast: str):
    return _members(group_id, False, cast)


@bp.get("/groups/<group_id>/transitiveMembers")
@requires("groups.read")
def list_transitive_members(group_id: str):
    return _members(group_id, True, None)


@bp.get("/groups/<group_id>/transitiveMembers/<cast>")
@requires("groups.read")
def list_transitive_members_cast(group_id: str, cast: str):
    return _members(group_id, True, cast)


@bp.post("/groups/<group_id>/members/$ref")
@requires("groups.write")
def add_member(group_id: str):
    """Body ``{"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/{id}"}``."""
    body = json_body()
    ref = body.get("@odata.id")
    if not isinstance(ref, str) or not ref.rstrip("/"):
        raise bad_request("Invalid object identifier ''.", "Request_BadRequest")
    member_id = ref.rstrip("/").rsplit("/", 1)[-1].lower()
    group = find_group(group_id)
    if member_id not in tenant().users and member_id not in tenant().groups:
        raise not_found(member_id)
    if member_id == group.id:
        raise GraphError(400, "Request_BadRequest", "A group cannot be a member of itself.")
    tenant().add_member(group.id, member_id)
    return Response(status=204)


@bp.delete("/groups/<group_id>/members/<member_id>/$ref")
@requires("groups.write")
def remove_member(group_id: str, member_id: str):
    group = find_group(group_id)
    tenant().remove_member(group.id, member_id.lower())
    return Response(status=204)
