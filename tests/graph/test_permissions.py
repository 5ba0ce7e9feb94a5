"""Every route of users, groups and directory against the PERMISSIONS table and bad tokens.

For each route: a token holding none of the accepted permissions gets 403
Authorization_RequestDenied; a token with any one accepted permission succeeds; no
token, garbage, an expired token, a token for another audience or tenant, and one
signed by another key get 401 InvalidAuthenticationToken.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from mocks.graph.app import create_app
from mocks.graph.auth import PERMISSIONS
from mocks.identity.models import TokenService

from .conftest import GRAPH, group_id, upn_id

MY_BLUEPRINTS = ("graph_users", "graph_groups", "graph_directory", "graph_relations")
ALL_PERMISSIONS = sorted({p for perms in PERMISSIONS.values() for p in perms})
_counter = iter(range(10_000))


def fresh_user(world) -> str:
    n = next(_counter)
    return world.tenant.add_user({"userPrincipalName": f"perm{n}@contoso.com",
                                  "displayName": f"Perm {n}"}).id


def deleted_user(world) -> str:
    uid = fresh_user(world)
    world.tenant.delete_user(uid)
    return uid


def new_user_body(world) -> dict:
    n = next(_counter)
    return {"accountEnabled": True, "displayName": f"New {n}", "mailNickname": f"new{n}",
            "userPrincipalName": f"new{n}@contoso.com", "passwordProfile": {"password": "P4ss-w0rd!"}}


# endpoint -> (method, build(world) -> (path, json body or None))
ROUTES: dict[str, tuple[str, Callable]] = {
    "graph_users.list_users": ("GET", lambda w: ("/users", None)),
    "graph_users.count_users": ("GET", lambda w: ("/users/$count", None)),
    "graph_users.get_user": ("GET", lambda w: ("/users/ray.ross@contoso.com", None)),
    "graph_users.create_user": ("POST", lambda w: ("/users", new_user_body(w))),
    "graph_users.update_user": ("PATCH", lambda w: (f"/users/{fresh_user(w)}", {"jobTitle": "X"})),
    "graph_users.delete_user": ("DELETE", lambda w: (f"/users/{fresh_user(w)}", None)),
    "graph_groups.list_groups": ("GET", lambda w: ("/groups", None)),
    "graph_groups.get_group": ("GET", lambda w: (f"/groups/{group_id(w, 'HR')}", None)),
    "graph_groups.list_members": ("GET", lambda w: (f"/groups/{group_id(w, 'HR')}/members", None)),
    "graph_groups.list_members_cast": (
        "GET", lambda w: (f"/groups/{group_id(w, 'HR')}/members/microsoft.graph.user", None)),
    "graph_groups.list_transitive_members": (
        "GET", lambda w: (f"/groups/{group_id(w, 'HR')}/transitiveMembers", None)),
    "graph_groups.list_transitive_members_cast": (
        "GET", lambda w: (f"/groups/{group_id(w, 'HR')}/transitiveMembers/microsoft.graph.group",
                          None)),
    "graph_groups.add_member": (
        "POST", lambda w: (f"/groups/{group_id(w, 'HR')}/members/$ref",
                           {"@odata.id": f"{GRAPH}/directoryObjects/{fresh_user(w)}"})),
    "graph_groups.remove_member": (
        "DELETE", lambda w: _member_to_remove(w)),
    "graph_groups.count_groups": ("GET", lambda w: ("/groups/$count", None)),
    "graph_groups.create_group": ("POST", lambda w: ("/groups", _new_group_body())),
    "graph_groups.update_group": ("PATCH", lambda w: (f"/groups/{_fresh_group(w)}",
                                                      {"description": "Walked"})),
    "graph_groups.delete_group": ("DELETE", lambda w: (f"/groups/{_fresh_group(w)}", None)),
    "graph_groups.list_owners": ("GET", lambda w: (f"/groups/{group_id(w, 'HR')}/owners", None)),
    "graph_groups.add_owner": (
        "POST", lambda w: (f"/groups/{_fresh_group(w)}/owners/$ref",
                           {"@odata.id": f"{GRAPH}/users/{fresh_user(w)}"})),
    "graph_groups.remove_owner": ("DELETE", lambda w: _owner_to_remove(w)),
    "graph_relations.get_manager": ("GET", lambda w: (f"/users/{_managed(w)}/manager", None)),
    "graph_relations.get_manager_ref": ("GET", lambda w: (f"/users/{_managed(w)}/manager/$ref",
                                                          None)),
    "graph_relations.set_manager": (
        "PUT", lambda w: (f"/users/{fresh_user(w)}/manager/$ref",
                          {"@odata.id": f"{GRAPH}/users/{upn_id(w, 'ray.ross@contoso.com')}"})),
    "graph_relations.remove_manager": ("DELETE", lambda w: (f"/users/{_managed(w)}/manager/$ref",
                                                            None)),
    "graph_relations.list_direct_reports": (
        "GET", lambda w: ("/users/ray.ross@contoso.com/directReports", None)),
    "graph_relations.list_direct_reports_cast": (
        "GET", lambda w: ("/users/ray.ross@contoso.com/directReports/microsoft.graph.user", None)),
    "graph_relations.list_member_of": ("GET", lambda w: ("/users/ray.ross@contoso.com/memberOf",
                                                         None)),
    "graph_relations.list_member_of_cast": (
        "GET", lambda w: ("/users/ray.ross@contoso.com/transitiveMemberOf/microsoft.graph.group",
                          None)),
    "graph_relations.count_member_of_cast": (
        "GET", lambda w: ("/users/ray.ross@contoso.com/memberOf/microsoft.graph.group/$count",
                          None)),
    "graph_groups.count_members_cast": (
        "GET", lambda w: (f"/groups/{group_id(w, 'HR')}/members/microsoft.graph.user/$count",
                          None)),
    "graph_relations.get_member_groups": (
        "POST", lambda w: ("/users/ray.ross@contoso.com/getMemberGroups",
                           {"securityEnabledOnly": False})),
    "graph_relations.check_member_groups": (
        "POST", lambda w: ("/users/ray.ross@contoso.com/checkMemberGroups",
                           {"groupIds": [group_id(w, "HR")]})),
    "graph_relations.get_directory_object": (
        "GET", lambda w: (f"/directoryObjects/{upn_id(w, 'ray.ross@contoso.com')}", None)),
    "graph_relations.get_by_ids": (
        "POST", lambda w: ("/directoryObjects/getByIds",
                           {"ids": [upn_id(w, "ray.ross@contoso.com")]})),
    "graph_directory.list_deleted_users": (
        "GET", lambda w: ("/directory/deletedItems/microsoft.graph.user", None)),
    "graph_directory.list_deleted_groups": (
        "GET", lambda w: ("/directory/deletedItems/microsoft.graph.group", None)),
    "graph_directory.get_deleted_item": (
        "GET", lambda w: (f"/directory/deletedItems/{deleted_user(w)}", None)),
    "graph_directory.restore_deleted_item": (
        "POST", lambda w: (f"/directory/deletedItems/{deleted_user(w)}/restore", None)),
    "graph_directory.purge_deleted_item": (
        "DELETE", lambda w: (f"/directory/deletedItems/{deleted_user(w)}", None)),
    "graph_directory.list_domains": ("GET", lambda w: ("/domains", None)),
    "graph_directory.get_domain": ("GET", lambda w: ("/domains/contoso.dk", None)),
    "graph_directory.list_organization": ("GET", lambda w: ("/organization", None)),
    "graph_directory.get_organization": ("GET", lambda w: (f"/organization/{w.tenant.id}", None)),
}


def _new_group_body() -> dict:
    n = next(_counter)
    return {"displayName": f"Walk {n}", "mailEnabled": False, "mailNickname": f"walk{n}",
            "securityEnabled": True}


def _fresh_group(world) -> str:
    return world.tenant.add_group(_new_group_body()).id


def _owner_to_remove(world) -> tuple[str, None]:
    gid, uid = _fresh_group(world), fresh_user(world)
    world.tenant.add_owner(gid, uid)
    return f"/groups/{gid}/owners/{uid}/$ref", None


def _managed(world) -> str:
    uid = fresh_user(world)
    world.tenant.set_manager(uid, upn_id(world, "ray.ross@contoso.com"))
    return uid


def _member_to_remove(world) -> tuple[str, None]:
    uid = fresh_user(world)
    gid = group_id(world, "HR")
    world.tenant.add_member(gid, uid)
    return f"/groups/{gid}/members/{uid}/$ref", None


def call(app, world, endpoint: str, token: str | None) -> httpx.Response:
    method, build = ROUTES[endpoint]
    path, body = build(world)
    headers = {"ConsistencyLevel": "eventual"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=GRAPH) as client:
        return client.request(method, path, json=body, headers=headers)


def operation_of(app, endpoint: str) -> str:
    return app.view_functions[endpoint].graph_operation


def test_every_route_of_this_area_is_walked(app):
    mine = {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] in MY_BLUEPRINTS}
    assert mine == set(ROUTES)
    for endpoint in mine:
        assert operation_of(app, endpoint) in PERMISSIONS


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_permissions(app, world, token, endpoint):
    accepted = PERMISSIONS[operation_of(app, endpoint)]
    others = [p for p in ALL_PERMISSIONS if p not in accepted]
    denied = call(app, world, endpoint, token(*others))
    assert denied.status_code == 403, denied.text
    assert denied.json()["error"]["code"] == "Authorization_RequestDenied"
    assert denied.json()["error"]["message"] == "Insufficient privileges to complete the operation."
    for permission in accepted:
        allowed = call(app, world, endpoint, token(permission))
        assert 200 <= allowed.status_code < 300, (permission, allowed.text)


def bad_tokens(world, token) -> dict[str, str | None]:
    app_reg = next(iter(world.tenant.apps.values()))
    roles = ["Directory.ReadWrite.All"]
    return {
        "none": None,
        "garbage": "not-a-jwt",
        "expired": token(*roles, now=time.time() - 7200),
        "wrong audience": token(*roles, audience="https://management.azure.com"),
        "other tenant": world.tokens.issue("11111111-1111-4111-8111-111111111111",
                                           app_reg.client_id, app_reg.object_id, roles),
        "wrongly signed": TokenService().issue(world.tenant.id, app_reg.client_id,
                                               app_reg.object_id, roles),
    }


def test_bad_tokens_get_401_on_every_route(world, token):
    app = create_app(world)
    tokens = bad_tokens(world, token)
    for endpoint in sorted(ROUTES):
        for why, bad in tokens.items():
            r = call(app, world, endpoint, bad)
            assert r.status_code == 401, (endpoint, why, r.text)
            assert r.json()["error"]["code"] == "InvalidAuthenticationToken", (endpoint, why)


def test_denied_request_changes_nothing(app, world, token):
    megan = upn_id(world, "megan.jordan@contoso.com")
    before = world.tenant.last_seq
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=GRAPH,
                      headers={"Authorization": f"Bearer {token('User.Read.All')}"}) as c:
        assert c.delete(f"/users/{megan}").status_code == 403
        assert c.patch(f"/users/{megan}", json={"jobTitle": "x"}).status_code == 403
    assert world.tenant.last_seq == before and megan in world.tenant.users
