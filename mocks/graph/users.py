"""Graph routes: /users — list (OData), get by id or userPrincipalName, create, update, delete.

State and rules live in :class:`mocks.entra.models.Tenant`; this module parses the
request, calls the model and shapes Graph's JSON.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

from mocks.entra.models import (
    HYBRID_REFUSAL,
    USER_COMPLEX,
    USER_PROPERTIES,
    USER_READ_ONLY,
    Tenant,
    User,
)
from mocks.graph.auth import requires
from mocks.graph.errors import GraphError
from mocks.graph.navigation import expansion, user_body
from mocks.graph.odata import (
    USER_TYPE,
    bad_request,
    count_only,
    entity,
    host_url,
    json_body,
    page,
    parse_query,
)

bp = Blueprint("graph_users", __name__)

REQUIRED_ON_CREATE = ("accountEnabled", "displayName", "mailNickname", "userPrincipalName",
                      "passwordProfile")
BOOLEAN_PROPERTIES = frozenset({"accountEnabled", "showInAddressList"})
LIST_PROPERTIES = frozenset(k for k, v in USER_PROPERTIES.items() if isinstance(v, list))
DATE_PROPERTIES = frozenset({"employeeHireDate", "employeeLeaveDateTime"})


def tenant() -> Tenant:
    """The world's tenant, read per request (``World.reset`` replaces it)."""
    return current_app.config["WORLD"].tenant


def user_json(user: User, select: list[str] | None = None) -> dict[str, Any]:
    """A user's JSON (every stored property, computed ones when selected); routes project it."""
    return user_body(user, select)


def user_props(user: User) -> dict[str, Any]:
    """What ``$filter`` reads: the stored properties, plus the derived ones when filtered on."""
    return user.props


def user_key(user: User) -> str:
    return user.id


def not_found(key: str) -> GraphError:
    return GraphError(404, "Request_ResourceNotFound",
                      f"Resource '{key}' does not exist or one of its queried "
                      "reference-property objects are not present.")


def find_user(key: str) -> User:
    """A user by object id or userPrincipalName, or Graph's 404."""
    user = tenant().user_by_id_or_upn(key)
    if user is None:
        raise not_found(key)
    return user


def validate_user_body(body: dict[str, Any]) -> dict[str, Any]:
    """Check a POST/PATCH body's property names and value types; return the changes."""
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name.startswith("@odata."):
            continue
        if name == "passwordProfile":
            if not isinstance(value, dict) or not isinstance(value.get("password"), str) \
                    or not value["password"]:
                raise invalid_value(name)
            changes[name] = value
            continue
        if name == "identities":
            changes[name] = _identities(value)
            continue
        if name not in USER_PROPERTIES:
            raise bad_request(f"The property '{name}' does not exist on type "
                              "'microsoft.graph.user'. Make sure to only use property names "
                              "that are defined by the type or mark the type as open type.")
        if name in USER_READ_ONLY:
            raise bad_request(f"Property '{name}' is read-only and cannot be set.",
                              "Request_BadRequest")
        if name in BOOLEAN_PROPERTIES:
            ok = isinstance(value, bool) or (value is None and name != "accountEnabled")
        elif name in LIST_PROPERTIES:
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        elif name in USER_COMPLEX:
            ok = value is None or (isinstance(value, dict) and all(
                k in USER_COMPLEX[name] and (v is None or isinstance(v, str))
                for k, v in value.items() if not k.startswith("@odata.")))
            if ok and value is not None:
                value = {k: value.get(k) for k in USER_COMPLEX[name]}
        elif name in DATE_PROPERTIES:
            ok = value is None or (isinstance(value, str) and _iso_date(value))
        else:
            ok = value is None or isinstance(value, str)
        if not ok:
            raise invalid_value(name)
        changes[name] = value
    return changes


SIGN_IN_TYPES = ("userName", "emailAddress", "federated", "userPrincipalName")


def _identities(value: Any) -> list[dict[str, str]]:
    """A user's sign-in identities: each a signInType, an issuer and an issuerAssignedId."""
    if not isinstance(value, list) or not value:
        raise invalid_value("identities")
    out = []
    for item in value:
        if not isinstance(item, dict) or item.get("signInType") not in SIGN_IN_TYPES or not all(
                isinstance(item.get(k), str) and item[k] for k in ("issuer", "issuerAssignedId")):
            raise invalid_value("identities")
        out.append({k: item[k] for k in ("signInType", "issuer", "issuerAssignedId")})
    return out


def _with_identities(changes: dict[str, Any]) -> dict[str, Any]:
    """A user created with sign-in identities (user-post-users.md Example 2): a local account
    needs only a password; the userPrincipalName and mailNickname are made up, as Graph does."""
    local = any(i["signInType"] in ("userName", "emailAddress") for i in changes["identities"])
    if local and not changes.get("passwordProfile"):
        raise invalid_value("passwordProfile")
    initial = next((d.id for d in tenant().domains.values() if d.is_initial),
                   next(iter(tenant().domains), "contoso.onmicrosoft.com"))
    made = tenant().ids.guid()
    changes.setdefault("userPrincipalName", f"{made}@{initial}")
    changes.setdefault("mailNickname", made.split("-")[0])
    changes.setdefault("accountEnabled", True)
    changes.setdefault("passwordProfile", {"password": ""})
    return changes


def _iso_date(text: str) -> bool:
    """True for a DateTimeOffset such as ``2026-02-01T00:00:00Z``."""
    from datetime import datetime
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in text


def invalid_value(name: str) -> GraphError:
    return bad_request(f"Invalid value specified for property '{name}' of resource 'User'.",
                       "Request_BadRequest")


@bp.get("/users")
@requires("users.read")
def list_users():
    q = parse_query(USER_TYPE)
    t = tenant()
    with t.lock:  # a consistent view while other requests write
        # Without $select the stored properties are read as they are (shape copies what it
        # picks); a copy of each user's hundred properties per listed user costs more.
        return page(t.ordered_users(), (lambda u: user_json(u, q.select)) if q.select
                    else user_props, "users",
                    etype=USER_TYPE, query=q,
                    key=user_key, props=user_props,
                    extra=(lambda u: expansion(t, u, q)) if q.expand else None)


@bp.get("/users/$count")
@requires("users.read")
def count_users():
    q = parse_query(USER_TYPE, allowed={"$filter", "$search"}, count_segment=True)
    if not q.eventual:
        raise bad_request("$count is not currently supported.", "Request_BadRequest")
    t = tenant()
    with t.lock:
        n = count_only(t.ordered_users(), q, user_props)
    return Response(str(n), mimetype="text/plain")


@bp.get("/users/<key>")
@requires("users.read")
def get_user(key: str):
    q = parse_query(USER_TYPE, allowed={"$select", "$expand", "$count"})
    user = find_user(key)
    return {**entity(user_json(user, q.select), "users", USER_TYPE, q),
            **expansion(tenant(), user, q)}


@bp.post("/users")
@requires("users.write")
def create_user():
    raw = json_body()
    changes = validate_user_body(raw)
    if "identities" in changes:
        changes = _with_identities(changes)
    for name in REQUIRED_ON_CREATE:
        if changes.get(name) is None or (changes[name] == "" and name != "passwordProfile"):
            raise invalid_value(name)
    changes.pop("passwordProfile")  # write-only: Graph never returns it
    user = tenant().add_user(changes)
    body = entity(user_json(user), "users", USER_TYPE)
    # A user made with sign-in identities comes back with them and its password policies
    # (user-post-users.md Example 2); otherwise the default set (Example 1).
    given = [k for k in ("identities", "passwordPolicies") if "identities" in raw and k in raw]
    body.update({k: v for k, v in user_json(user, given).items() if k in given})
    response = current_app.json.response(body)
    response.status_code = 201
    # Where Graph's directory service says the new object lives (user-post-users.md).
    response.headers["Location"] = (f"{host_url()}v2/{tenant().id}/directoryObjects/"
                                    f"{user.id}/Microsoft.DirectoryServices.User")
    return response


@bp.patch("/users/<key>")
@requires("users.write")
def update_user(key: str):
    body = json_body()
    user = find_user(key)
    changes = validate_user_body(body)
    if changes.pop("passwordProfile", None) is not None and user.hybrid:
        # The password of a synced user is mastered on-premises too.
        raise GraphError(400, "Request_BadRequest", HYBRID_REFUSAL)
    if changes:
        tenant().update_user(user.id, changes)
    return Response(status=204)


@bp.delete("/users/<key>")
@requires("users.delete")
def delete_user(key: str):
    tenant().delete_user(find_user(key).id)
    return Response(status=204)
