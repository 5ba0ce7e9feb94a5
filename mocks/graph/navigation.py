"""Directory objects as Graph shows them: full JSON, typed members, and ``$expand``.

Users and groups reach each other through relationships (manager, directReports,
memberOf, transitiveMemberOf, members, owners, transitiveMembers); this module reads
them from the tenant model and shapes them the way the routes and ``$expand`` return them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from mocks.entra.models import EXTENSION_ATTRIBUTES, Group, Tenant, User
from mocks.graph.odata import GROUP_TYPE, USER_TYPE, Query, projector, shape

MAX_EXPANDED = 20  # Graph returns at most 20 objects of an expanded relationship


def user_body(user: User, select: list[str] | None = None) -> dict[str, Any]:
    """A user's JSON: every stored property, plus the computed ones when ``select`` asks
    for them (they are not in the default set, so a plain listing skips the work)."""
    body = dict(user.props)
    if not select:
        return body
    if "onPremisesExtensionAttributes" in select and body.get("onPremisesExtensionAttributes") \
            is None:  # Graph shows the 15 empty slots
        body["onPremisesExtensionAttributes"] = dict.fromkeys(EXTENSION_ATTRIBUTES)
    for name, derive in USER_TYPE.derived.items():
        if name in select:
            body[name] = derive(body)
    return body


def user_selected(user: User, select: list[str] | None) -> dict[str, Any]:
    """What :func:`shape` needs of ``user_body(user, select)`` for a ``$select`` without ``*``
    or computed properties: only the selected stored properties (and ``id``), not a copy of
    all hundred (a 999-member page of ids would copy 100,000 values)."""
    if not select or not _stored_only(tuple(select)):
        return user_body(user, select)
    props = user.props
    body = {name: props[name] for name in select if name in props}
    if "id" in props:
        body["id"] = props["id"]
    return body


@functools.lru_cache(maxsize=256)
def _stored_only(select: tuple[str, ...]) -> bool:
    """Whether a ``$select`` names stored properties only (worked out once per spelling:
    a 999-member page asks for every member)."""
    return not ("*" in select or "onPremisesExtensionAttributes" in select or any(
        name in USER_TYPE.derived for name in select))


def user_rows(select: list[str] | None) -> Callable[[User], dict[str, Any]] | None:
    """For a listing of users cast from directory objects (``members/microsoft.graph.user``)
    with a ``$select`` of stored properties only: each user's final JSON in one step, as
    ``shape`` writes ``{"@odata.type": ..., **user_selected(...)}`` (the type first, then
    the selected names, ``id`` last when not selected). None for any other ``$select``."""
    if not select or not _stored_only(tuple(select)) or any(n.startswith("@") for n in select):
        return None
    project = projector(select, USER_TYPE)  # the selected names, then id when not among them
    return lambda user: {"@odata.type": "#microsoft.graph.user", **project(user.props)}


def group_body(group: Group) -> dict[str, Any]:
    return dict(group.props)


def typed(obj: User | Group, select: list[str] | None = None) -> dict[str, Any]:
    """A directory object with ``@odata.type`` first, then its selected or default properties."""
    if isinstance(obj, User):
        return shape({"@odata.type": "#microsoft.graph.user", **user_selected(obj, select)},
                     select, USER_TYPE)
    return shape({"@odata.type": "#microsoft.graph.group", **group_body(obj)}, select, GROUP_TYPE)


def related(tenant: Tenant, obj: User | Group, name: str) -> list[User | Group] | User | None:
    """The objects at the end of one relationship of ``obj`` (a single one for ``manager``)."""
    if name == "manager":
        return tenant.manager_of(obj.id) if isinstance(obj, User) else None
    if name == "directReports":
        return list(tenant.direct_reports(obj.id)) if isinstance(obj, User) else []
    if name == "memberOf":
        return list(tenant.member_of(obj.id))
    if name == "transitiveMemberOf":
        return list(tenant.transitive_member_of(obj.id))
    if not isinstance(obj, Group):
        return []
    ids = {"members": lambda: list(obj.members),
           "transitiveMembers": lambda: tenant.transitive_members(obj.id),
           "owners": lambda: list(tenant.owners.get(obj.id, []))}[name]()
    found = (tenant.users.get(i) or tenant.groups.get(i) for i in ids)
    return [o for o in found if o is not None]


def _chain(tenant: Tenant, manager: User, select: list[str] | None, levels: int) -> dict[str, Any]:
    """The manager, and with ``$levels`` their managers in turn (each once, up to the top)."""
    body = typed(manager, select)
    seen, at, depth, inner = {manager.id}, manager, 1, body
    while levels and (levels < 0 or depth < levels):
        above = tenant.manager_of(at.id)
        if above is None or above.id in seen:
            break
        inner["manager"] = typed(above, select)
        inner, at, depth = inner["manager"], above, depth + 1
        seen.add(above.id)
    return body


def expansion(tenant: Tenant, obj: User | Group, query: Query | None) -> dict[str, Any]:
    """What ``$expand`` adds to one object: the relationship's objects, typed."""
    if query is None or query.expand is None:
        return {}
    name, select, levels = query.expand
    with tenant.lock:
        found = related(tenant, obj, name)
        if name == "manager":
            return {"manager": _chain(tenant, found, select, levels)} if found is not None else {}
    return {name: [typed(o, select) for o in (found or [])[:MAX_EXPANDED]]}
