"""Graph routes: /groups — list (OData), get, create, members and transitive members (with casts), $ref.

Members are listed as directory objects, each carrying ``@odata.type``; the casts
``/microsoft.graph.user`` and ``/microsoft.graph.group`` keep one kind only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

from mocks.entra.models import GROUP_WRITABLE, EntraError, Group, User
from mocks.graph.auth import requires
from mocks.graph.errors import GraphError
from mocks.graph.navigation import expansion, user_rows, user_selected
from mocks.graph.odata import (
    DIRECTORY_OBJECT_TYPE,
    GROUP_TYPE,
    USER_TYPE,
    EntityType,
    Query,
    bad_request,
    count_only,
    entity,
    host_url,
    json_body,
    page,
    parse_query,
    shape,
)
from mocks.graph.users import not_found, tenant

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
        body = {"@odata.type": "#microsoft.graph.user", **user_selected(obj, query.select)}
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
    t = tenant()
    with t.lock:
        return page(_sorted_groups(), group_json, "groups", etype=GROUP_TYPE, query=q,
                    key=lambda g: g.id, props=lambda g: g.props,
                    extra=(lambda g: expansion(t, g, q)) if q.expand else None)


@bp.get("/groups/$count")
@requires("groups.read")
def count_groups():
    q = parse_query(GROUP_TYPE, allowed={"$filter", "$search"}, count_segment=True)
    if not q.eventual:
        raise bad_request("$count is not currently supported.", "Request_BadRequest")
    with tenant().lock:
        n = count_only(_sorted_groups(), q, lambda g: g.props)
    return Response(str(n), mimetype="text/plain")


@bp.get("/groups/<group_id>")
@requires("groups.read")
def get_group(group_id: str):
    q = parse_query(GROUP_TYPE, allowed={"$select", "$expand"})
    group = find_group(group_id)
    return {**entity(group_json(group), "groups", GROUP_TYPE, q), **expansion(tenant(), group, q)}


# -- create, update, delete (group-post-groups.md, group-update.md, group-delete.md) --
REQUIRED_ON_CREATE = ("displayName", "mailEnabled", "mailNickname", "securityEnabled")
BOOLEAN_GROUP = frozenset({"mailEnabled", "securityEnabled", "isAssignableToRole"})
LIST_GROUP = frozenset({"groupTypes", "resourceBehaviorOptions"})
GROUP_TYPES = frozenset({"Unified", "DynamicMembership"})
VISIBILITIES = frozenset({"Public", "Private", "HiddenMembership"})
MAX_BINDS = 20  # members and owners a single create or update may bind


def invalid_group_value(name: str) -> GraphError:
    return bad_request(f"Invalid value specified for property '{name}' of resource 'Group'.",
                       "Request_BadRequest")


def validate_group_body(body: dict[str, Any], creating: bool
                        ) -> tuple[dict[str, Any], list[str], list[str]]:
    """A create/update body's property changes, member ids and owner ids (checked, not applied)."""
    changes: dict[str, Any] = {}
    binds: dict[str, list[str]] = {"members": [], "owners": []}
    for name, value in body.items():
        if name in ("members@odata.bind", "owners@odata.bind"):
            kind = name.split("@", 1)[0]
            if not creating and kind == "owners":
                raise bad_request("Owners cannot be bound in an update; add them with "
                                  "POST /groups/{id}/owners/$ref.", "Request_BadRequest")
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip()
                                                      for v in value):
                raise bad_request(f"Invalid value for '{name}': an array of directory object "
                                  "URLs is required.", "Request_BadRequest")
            binds[kind] = [v.strip().rstrip("/").rsplit("/", 1)[-1].lower() for v in value]
            continue
        if name.startswith("@odata."):
            continue
        if name not in GROUP_WRITABLE:
            if name in GROUP_TYPE.properties:
                raise bad_request(f"Property '{name}' is read-only and cannot be set.",
                                  "Request_BadRequest")
            raise bad_request(f"The property '{name}' does not exist on type "
                              "'microsoft.graph.group'. Make sure to only use property names "
                              "that are defined by the type.")
        if name in BOOLEAN_GROUP:
            ok = isinstance(value, bool) or (value is None and name == "isAssignableToRole")
        elif name in LIST_GROUP:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
            ok = ok and (name != "groupTypes" or set(value) <= GROUP_TYPES)
        elif name == "visibility":
            ok = value is None or (isinstance(value, str) and value in VISIBILITIES)
        else:
            ok = value is None or isinstance(value, str)
        if not ok or (name in ("displayName", "mailNickname") and not (value or "").strip()):
            raise invalid_group_value(name)
        changes[name] = value
    if len(binds["members"]) + len(binds["owners"]) > MAX_BINDS:
        raise bad_request(f"At most {MAX_BINDS} members and owners can be bound in one request.",
                          "Request_BadRequest")
    t = tenant()
    for object_id in binds["members"] + binds["owners"]:
        if object_id not in t.users and object_id not in t.groups:
            raise not_found(object_id)
    if any(o not in t.users for o in binds["owners"]):
        raise bad_request("Only users can be owners of a group.", "Request_BadRequest")
    if creating:
        for name in REQUIRED_ON_CREATE:
            if changes.get(name) in (None, ""):
                raise invalid_group_value(name)
        if changes["mailEnabled"] and "Unified" not in (changes.get("groupTypes") or []):
            raise bad_request("Creating mail-enabled security groups or distribution groups "
                              "is not supported through Microsoft Graph.", "Request_BadRequest")
    return changes, binds["members"], binds["owners"]


def _mail_of(nickname: str) -> str:
    default = next((d.id for d in tenant().domains.values() if d.is_default),
                   next(iter(tenant().domains), "contoso.com"))
    return f"{nickname}@{default}"


@bp.post("/groups")
@requires("groups.create")
def create_group():
    """Create a security or Microsoft 365 group, members and owners bound in the same call."""
    changes, members, owners = validate_group_body(json_body(), creating=True)
    if len(set(members)) != len(members) or len(set(owners)) != len(owners):
        raise bad_request("One or more added object references already exist for the following "
                          "modified properties: 'members'.", "Request_BadRequest")
    if changes.get("mailEnabled"):
        changes["mail"] = _mail_of(changes["mailNickname"])
        changes["proxyAddresses"] = [f"SMTP:{changes['mail']}"]
    if "Unified" in (changes.get("groupTypes") or []):
        changes.setdefault("visibility", "Public")
    t = tenant()
    with t.lock:
        group = t.add_group(changes, members=members)
        for owner in owners:
            t.add_owner(group.id, owner)
    location = (f"{host_url()}v2/{t.id}/directoryObjects/"
                f"{group.id}/Microsoft.DirectoryServices.Group")
    body = entity(group_json(group), "groups", GROUP_TYPE)
    # group-post-groups.md Example 2: the new group's @odata.id follows its context
    body = {"@odata.context": body.pop("@odata.context"), "@odata.id": location, **body}
    response = current_app.json.response(body)
    response.status_code = 201
    response.headers["Location"] = location
    return response


@bp.patch("/groups/<group_id>")
@requires("groups.manage")
def update_group(group_id: str):
    """Change writable properties and/or add up to 20 members (``members@odata.bind``); 204."""
    group = find_group(group_id)
    changes, members, _ = validate_group_body(json_body(), creating=False)
    t = tenant()
    with t.lock:
        if any(m in group.members for m in members) or len(set(members)) != len(members):
            raise bad_request("One or more added object references already exist for the "
                              "following modified properties: 'members'.", "Request_BadRequest")
        if group.id in members:
            raise GraphError(400, "Request_BadRequest", "A group cannot be a member of itself.")
        if changes:
            t.update_group(group.id, changes)
        for member in members:
            t.add_member(group.id, member)
    return Response(status=204)


@bp.delete("/groups/<group_id>")
@requires("groups.manage")
def delete_group(group_id: str):
    """Microsoft 365 groups go to deleted items for 30 days; security groups are gone."""
    tenant().delete_group(find_group(group_id).id)
    return Response(status=204)


# -- owners -------------------------------------------------------------------------
@bp.get("/groups/<group_id>/owners")
@requires("groups.read")
def list_owners(group_id: str):
    group = find_group(group_id)
    t = tenant()
    with t.lock:
        owners = [t.users[o] for o in t.owners.get(group.id, []) if o in t.users]
    q = parse_query(DIRECTORY_OBJECT_TYPE)
    return page(owners, lambda o: object_json(o, q), "directoryObjects",
                etype=DIRECTORY_OBJECT_TYPE, query=q, props=lambda o: o.props)


@bp.post("/groups/<group_id>/owners/$ref")
@requires("groups.manage")
def add_owner(group_id: str):
    group = find_group(group_id)
    ref = json_body().get("@odata.id")
    if not isinstance(ref, str) or not ref.rstrip("/"):
        raise bad_request("Invalid object identifier ''.", "Request_BadRequest")
    owner_id = ref.rstrip("/").rsplit("/", 1)[-1].lower()
    if owner_id not in tenant().users:
        raise not_found(owner_id)
    tenant().add_owner(group.id, owner_id)
    return Response(status=204)


@bp.delete("/groups/<group_id>/owners/<owner_id>/$ref")
@requires("groups.manage")
def remove_owner(group_id: str, owner_id: str):
    group = find_group(group_id)
    owners = tenant().owners.get(group.id, [])
    if owner_id.lower() in owners and len(owners) == 1 and \
            "Unified" in (group.props.get("groupTypes") or []):
        raise EntraError(400, "Request_BadRequest",
                         "The group must keep at least one owner.")
    tenant().remove_owner(group.id, owner_id.lower())
    return Response(status=204)


def _members(group_id: str, transitive: bool, cast: str | None):
    group = find_group(group_id)
    if cast == "$count":
        t = tenant()
        with t.lock:
            ids = t.transitive_members(group.id) if transitive else list(group.members)
            objects = [o for i in ids if (o := t.users.get(i) or t.groups.get(i)) is not None]
        q = parse_query(DIRECTORY_OBJECT_TYPE, allowed={"$filter", "$search"}, count_segment=True)
        if not q.eventual:
            raise bad_request("$count is not currently supported.", "Request_BadRequest")
        return Response(str(count_only(objects, q, lambda o: o.props)), mimetype="text/plain")
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
    rows = user_rows(q.select) if kind is User else None
    if rows is not None:  # ids of a 999-member page: one dict per member, not three
        return page(chosen, rows, context, etype=etype, query=q, props=lambda o: o.props,
                    shaped=True)
    return page(chosen, lambda o: object_json(o, q), context, etype=etype, query=q,
                props=lambda o: o.props, extra=_group_odata_id if kind is Group else None)


def _group_odata_id(group: Group) -> dict[str, str]:
    """A group reached through a cast carries its directory @odata.id, as Graph shows
    (group-list-transitivemembers.md Example 3)."""
    return {"@odata.id": f"{host_url()}v2/{tenant().id}/directoryObjects/{group.id}/"
                         "Microsoft.DirectoryServices.Group"}


@bp.get("/groups/<group_id>/members")
@requires("groups.read")
def list_members(group_id: str):
    return _members(group_id, False, None)


@bp.get("/groups/<group_id>/members/<cast>")
@requires("groups.read")
def list_members_cast(group_id: str, cast: str):
    return _members(group_id, False, cast)


@bp.get("/groups/<group_id>/<any(members,transitiveMembers):name>/<cast>/$count")
@requires("groups.read")
def count_members_cast(group_id: str, name: str, cast: str):
    """``.../members/microsoft.graph.user/$count``: how many members of that type."""
    cast = "microsoft." + cast if cast.startswith("graph.") else cast
    if cast not in CASTS:
        raise bad_request(f"Resource not found for the segment '{cast}'.")
    group = find_group(group_id)
    t = tenant()
    with t.lock:
        ids = t.transitive_members(group.id) if name == "transitiveMembers" else list(group.members)
        objects = [o for i in ids if isinstance(o := t.users.get(i) or t.groups.get(i),
                                                CASTS[cast][0])]
    q = parse_query(CASTS[cast][1], allowed={"$filter", "$search"}, count_segment=True)
    if not q.eventual:
        raise bad_request("$count is not currently supported.", "Request_BadRequest")
    return Response(str(count_only(objects, q, lambda o: o.props)), mimetype="text/plain")


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
