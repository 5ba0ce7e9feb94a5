"""Graph routes for relationships: manager and directReports, memberOf and
transitiveMemberOf (of users and groups), getMemberGroups, checkMemberGroups and
directoryObjects/getByIds.

The state lives in the tenant model (``Tenant.managers``, group members); routes
shape it as directory objects carrying ``@odata.type``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from mocks.entra.models import Group, User
from mocks.graph.auth import requires
from mocks.graph.errors import GraphError
from mocks.graph.navigation import related, typed
from mocks.graph.odata import (
    DIRECTORY_OBJECT_TYPE,
    GROUP_TYPE,
    USER_TYPE,
    bad_request,
    context_url,
    count_only,
    json_body,
    page,
    parse_query,
)
from mocks.graph.users import find_user, not_found, tenant

bp = Blueprint("graph_relations", __name__)

CASTS = {"microsoft.graph.user": (User, USER_TYPE, "users"),
         "microsoft.graph.group": (Group, GROUP_TYPE, "groups")}
MAX_CHECK_IDS = 20  # checkMemberGroups takes at most 20 group ids


def directory_object(key: str, kind: str) -> User | Group:
    """A user (by id or UPN) for ``kind`` "users", a group by id for "groups"; else 404."""
    if kind == "users":
        return find_user(key)
    if kind == "directoryObjects" and tenant().users.get(key.lower()) is not None:
        return tenant().users[key.lower()]
    group = tenant().groups.get(key.lower())
    if group is None:
        raise not_found(key)
    return group


def listing(objects: list[User | Group], cast: str | None):
    """A page of related directory objects, optionally cast to users or groups."""
    if cast is None:
        q = parse_query(DIRECTORY_OBJECT_TYPE)
        return page(objects, lambda o: typed(o, q.select), "directoryObjects",
                    etype=DIRECTORY_OBJECT_TYPE, query=q, props=lambda o: o.props)
    if cast.startswith("graph."):  # the alias Microsoft's SDKs send
        cast = "microsoft." + cast
    if cast not in CASTS:
        raise bad_request(f"Resource not found for the segment '{cast}'.")
    kind, etype, context = CASTS[cast]
    q = parse_query(etype)
    chosen = [o for o in objects if isinstance(o, kind)]
    return page(chosen, lambda o: typed(o, q.select), context, etype=etype, query=q,
                props=lambda o: o.props)


def counted(objects: list[User | Group]) -> Response:
    """``.../$count``: the number as text, with ConsistencyLevel: eventual as Graph needs."""
    q = parse_query(DIRECTORY_OBJECT_TYPE, allowed={"$filter", "$search"}, count_segment=True)
    if not q.eventual:
        raise bad_request("$count is not currently supported.", "Request_BadRequest")
    return Response(str(count_only(objects, q, lambda o: o.props)), mimetype="text/plain")


def _related(kind: str, key: str, name: str) -> list[User | Group]:
    obj = directory_object(key, kind)
    t = tenant()
    with t.lock:
        found = related(t, obj, name)
    return list(found) if isinstance(found, list) else []


# -- manager and direct reports ------------------------------------------------------
@bp.get("/users/<key>/manager")
@requires("users.read")
def get_manager(key: str):
    """The user's manager as a directory object; 404 when none is assigned."""
    q = parse_query(USER_TYPE, allowed={"$select"})
    user = find_user(key)
    manager = tenant().manager_of(user.id)
    if manager is None:
        raise not_found("manager")
    body = {"@odata.context": context_url("directoryObjects", q.select, entity=True)}
    body.update(typed(manager, q.select))
    return body


@bp.get("/users/<key>/manager/$ref")
@requires("users.read")
def get_manager_ref(key: str):
    user = find_user(key)
    manager = tenant().manager_of(user.id)
    if manager is None:
        raise not_found("manager")
    return {"@odata.context": context_url("$ref"),
            "@odata.id": context_url("").split("$metadata#")[0] + f"directoryObjects/{manager.id}"}


@bp.put("/users/<key>/manager/$ref")
@requires("users.write")
def set_manager(key: str):
    """Body ``{"@odata.id": "https://graph.microsoft.com/v1.0/users/{id}"}``; 204."""
    user = find_user(key)
    manager = find_user(_ref_id(json_body()))
    if manager.id == user.id:
        raise GraphError(400, "Request_BadRequest", "A user cannot be their own manager.")
    tenant().set_manager(user.id, manager.id)
    return Response(status=204)


@bp.delete("/users/<key>/manager/$ref")
@requires("users.write")
def remove_manager(key: str):
    tenant().remove_manager(find_user(key).id)
    return Response(status=204)


def _ref_id(body: dict[str, Any]) -> str:
    """The object id at the end of a body's ``@odata.id`` URL."""
    ref = body.get("@odata.id")
    if not isinstance(ref, str) or not ref.strip().rstrip("/"):
        raise bad_request("Invalid object identifier ''.", "Request_BadRequest")
    return ref.strip().rstrip("/").rsplit("/", 1)[-1]


@bp.get("/users/<key>/directReports")
@requires("users.read")
def list_direct_reports(key: str):
    return listing(_related("users", key, "directReports"), None)


@bp.get("/users/<key>/directReports/<cast>")
@requires("users.read")
def list_direct_reports_cast(key: str, cast: str):
    if cast == "$count":
        return counted(_related("users", key, "directReports"))
    return listing(_related("users", key, "directReports"), cast)


# -- memberships -------------------------------------------------------------------
@bp.get("/<any(users,groups):kind>/<key>/<any(memberOf,transitiveMemberOf):name>")
@requires("memberships.read")
def list_member_of(kind: str, key: str, name: str):
    """Groups the user or group belongs to: directly (memberOf) or through nesting."""
    return listing(_related(kind, key, name), None)


@bp.get("/<any(users,groups):kind>/<key>/<any(memberOf,transitiveMemberOf):name>/<cast>")
@requires("memberships.read")
def list_member_of_cast(kind: str, key: str, name: str, cast: str):
    if cast == "$count":
        return counted(_related(kind, key, name))
    return listing(_related(kind, key, name), cast)


@bp.get("/<any(users,groups):kind>/<key>/<any(memberOf,transitiveMemberOf):name>/<cast>/$count")
@requires("memberships.read")
def count_member_of_cast(kind: str, key: str, name: str, cast: str):
    """``.../memberOf/microsoft.graph.group/$count``: how many of that type."""
    cast = "microsoft." + cast if cast.startswith("graph.") else cast
    if cast not in CASTS:
        raise bad_request(f"Resource not found for the segment '{cast}'.")
    return counted([o for o in _related(kind, key, name) if isinstance(o, CASTS[cast][0])])


@bp.post("/<any(users,groups,directoryObjects):kind>/<key>/getMemberGroups")
@requires("memberships.read")
def get_member_groups(kind: str, key: str):
    """Ids of every group the object belongs to, nested ones included."""
    body = json_body()
    only = body.get("securityEnabledOnly")
    if not isinstance(only, bool):
        raise bad_request("Invalid value specified for parameter 'securityEnabledOnly': a "
                          "boolean is required.", "Request_BadRequest")
    groups = [g for g in _related(kind, key, "transitiveMemberOf")
              if not only or g.props.get("securityEnabled")]
    return {"@odata.context": context_url("Collection(Edm.String)"),
            "value": [g.id for g in groups]}


@bp.post("/<any(users,groups,directoryObjects):kind>/<key>/checkMemberGroups")
@requires("memberships.read")
def check_member_groups(kind: str, key: str):
    """Which of up to 20 given group ids the object belongs to, directly or through nesting."""
    ids = json_body().get("groupIds")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise bad_request("Invalid value specified for parameter 'groupIds': an array of "
                          "group ids is required.", "Request_BadRequest")
    if len(ids) > MAX_CHECK_IDS:
        raise bad_request(f"At most {MAX_CHECK_IDS} group ids can be checked in one request.",
                          "Request_BadRequest")
    member_of = {g.id for g in _related(kind, key, "transitiveMemberOf")}
    return {"@odata.context": context_url("Collection(Edm.String)"),
            "value": [i for i in ids if i.lower() in member_of]}


# -- directory objects -------------------------------------------------------------------
@bp.get("/directoryObjects/<object_id>")
@requires("directory.read")
def get_directory_object(object_id: str):
    """A user or group by id, as a typed directory object (directoryobject-get.md)."""
    q = parse_query(None, allowed={"$select"})
    obj = directory_object(object_id, "directoryObjects")
    body = {"@odata.context": context_url("directoryObjects", q.select, entity=True)}
    body.update(typed(obj, q.select))
    return body


# -- getByIds -------------------------------------------------------------------------
TYPES = {"user": User, "group": Group}


@bp.post("/directoryObjects/getByIds")
@requires("directory.read")
def get_by_ids():
    """Up to 1,000 directory objects by id, each typed; unknown ids are left out."""
    body = json_body()
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise bad_request("Invalid value specified for parameter 'ids': a non-empty array of "
                          "object ids is required.", "Request_BadRequest")
    if len(ids) > 1000:
        raise bad_request("At most 1000 ids can be given in one request.", "Request_BadRequest")
    types = body.get("types")
    if types is not None and (not isinstance(types, list) or not all(
            isinstance(k, str) and k.lower().removeprefix("microsoft.graph.") in TYPES
            for k in types)):
        raise bad_request("Invalid value specified for parameter 'types': only user and group "
                          "are directory object types of this tenant.", "Request_BadRequest")
    kinds = tuple(TYPES[k.lower().removeprefix("microsoft.graph.")] for k in types or TYPES)
    t = tenant()
    found = []
    with t.lock:
        for object_id in ids:
            obj = t.users.get(object_id.lower()) or t.groups.get(object_id.lower())
            if obj is not None and isinstance(obj, kinds):
                found.append(typed(obj))
    return {"@odata.context": context_url("directoryObjects"), "value": found}

