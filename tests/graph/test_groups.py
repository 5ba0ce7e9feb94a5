"""GET /groups, members, transitiveMembers, the OData casts, and members/$ref."""

from __future__ import annotations

import pytest

from .conftest import error_of, group_id, upn_id

EVENTUAL = {"ConsistencyLevel": "eventual"}


def test_list_groups_with_full_properties(client):
    body = client.get("/groups").json()
    assert body["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#groups"
    assert sorted(g["displayName"] for g in body["value"]) == ["Employee", "HR", "Managers"]
    employee = next(g for g in body["value"] if g["displayName"] == "Employee")
    assert employee["mail"] == "employee@contoso.com" and employee["securityEnabled"] is True
    assert {"id", "groupTypes", "mailEnabled", "createdDateTime"} <= set(employee)


@pytest.mark.parametrize("flt, expected", [
    ("displayName eq 'hr'", ["HR"]),
    ("startswith(displayName,'Man')", ["Managers"]),
    ("mail eq 'employee@contoso.com'", ["Employee"]),
    ("displayName in ('HR','Managers')", ["HR", "Managers"]),
])
def test_filter_groups(client, flt, expected):
    body = client.get("/groups", params={"$filter": flt}).json()
    assert sorted(g["displayName"] for g in body["value"]) == expected


def test_filter_groups_by_id_and_refusals(client, world):
    hr = group_id(world, "HR")
    body = client.get("/groups", params={"$filter": f"id eq '{hr}'"}).json()
    assert [g["id"] for g in body["value"]] == [hr]
    assert error_of(client.get("/groups", params={"$filter": "displayName ne 'HR'"}))[:2] == \
        (400, "Request_UnsupportedQuery")
    status, code, message = error_of(client.get("/groups",
                                                params={"$filter": "theme eq 'x'"}))
    assert (status, code) == (400, "Request_UnsupportedQuery") and "resource 'Group'" in message


def test_groups_select_and_paging(client):
    first = client.get("/groups", params={"$select": "displayName", "$top": "2"}).json()
    assert first["@odata.context"].endswith("#groups(displayName)")
    assert all(set(g) == {"displayName", "id"} for g in first["value"])
    second = client.get(first["@odata.nextLink"]).json()
    assert len(first["value"]) == 2 and len(second["value"]) == 1
    assert "@odata.nextLink" not in second
    assert error_of(client.get("/groups", params={"$select": "colour"})) == (
        400, "BadRequest", "Could not find a property named 'colour' on type 'microsoft.graph.group'.")


def test_get_group(client, world):
    hr = group_id(world, "HR")
    body = client.get(f"/groups/{hr}").json()
    assert body["@odata.context"].endswith("$metadata#groups/$entity")
    assert body["displayName"] == "HR"
    assert error_of(client.get("/groups/00000000-0000-4000-8000-000000000000"))[:2] == \
        (404, "Request_ResourceNotFound")


def test_direct_members_carry_odata_type(client, world):
    body = client.get(f"/groups/{group_id(world, 'Employee')}/members").json()
    assert body["@odata.context"].endswith("$metadata#directoryObjects")
    kinds = {m.get("displayName"): m["@odata.type"] for m in body["value"]}
    assert kinds == {"Ray Ross": "#microsoft.graph.user", "Megan Jordan": "#microsoft.graph.user",
                     "HR": "#microsoft.graph.group"}
    ray = next(m for m in body["value"] if m["displayName"] == "Ray Ross")
    assert "accountEnabled" not in ray and ray["userPrincipalName"] == "ray.ross@contoso.com"


def test_transitive_members_once_each(client, world):
    body = client.get(f"/groups/{group_id(world, 'Employee')}/transitiveMembers").json()
    names = [m["displayName"] for m in body["value"]]
    assert sorted(names) == ["HR", "Lars Nielsen", "Managers", "Megan Jordan", "Ray Ross",
                             "Siobhan O'Brien"]


@pytest.mark.parametrize("path, cast, expected", [
    ("members", "microsoft.graph.user", ["Megan Jordan", "Ray Ross"]),
    ("members", "microsoft.graph.group", ["HR"]),
    ("transitiveMembers", "microsoft.graph.user",
     ["Lars Nielsen", "Megan Jordan", "Ray Ross", "Siobhan O'Brien"]),
    ("transitiveMembers", "microsoft.graph.group", ["HR", "Managers"]),
])
def test_casts(client, world, path, cast, expected):
    body = client.get(f"/groups/{group_id(world, 'Employee')}/{path}/{cast}").json()
    context = "users" if cast.endswith("user") else "groups"
    assert body["@odata.context"].endswith(f"$metadata#{context}")
    assert sorted(m["displayName"] for m in body["value"]) == expected
    assert {m["@odata.type"] for m in body["value"]} == {f"#{cast}"}


def test_members_select_paging_and_count(client, world):
    gid = group_id(world, "Employee")
    url = f"/groups/{gid}/transitiveMembers/microsoft.graph.user"
    first = client.get(url, params={"$select": "mail,accountEnabled", "$top": "3",
                                    "$count": "true"}, headers=EVENTUAL).json()
    assert first["@odata.count"] == 4 and len(first["value"]) == 3
    assert set(first["value"][0]) == {"@odata.type", "mail", "accountEnabled", "id"}
    second = client.get(first["@odata.nextLink"], headers=EVENTUAL).json()
    assert len(second["value"]) == 1
    ids = {m["id"] for m in first["value"] + second["value"]}
    assert upn_id(world, "lars.nielsen@contoso.dk") in ids
    disabled = client.get(url, params={"$filter": "accountEnabled eq false"}).json()
    assert [m["displayName"] for m in disabled["value"]] == ["Lars Nielsen"]


def test_members_of_unknown_group_and_unknown_cast(client, world):
    assert error_of(client.get("/groups/00000000-0000-4000-8000-000000000000/members"))[:2] == \
        (404, "Request_ResourceNotFound")
    status, code, _ = error_of(client.get(f"/groups/{group_id(world, 'HR')}/members/"
                                          "microsoft.graph.device"))
    assert (status, code) == (400, "BadRequest")


def test_add_and_remove_member_ref(client, world):
    hr = group_id(world, "HR")
    ray = upn_id(world, "ray.ross@contoso.com")
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{ray}"}
    assert client.post(f"/groups/{hr}/members/$ref", json=ref).status_code == 204
    assert ray in world.tenant.groups[hr].members
    assert world.tenant.changes[-1].kind == "memberAdded"
    assert error_of(client.post(f"/groups/{hr}/members/$ref", json=ref))[:2] == \
        (400, "Request_BadRequest")
    assert client.delete(f"/groups/{hr}/members/{ray}/$ref").status_code == 204
    assert ray not in world.tenant.groups[hr].members
    assert world.tenant.changes[-1].kind == "memberRemoved"
    assert error_of(client.delete(f"/groups/{hr}/members/{ray}/$ref"))[:2] == \
        (404, "Request_ResourceNotFound")


def test_add_member_refusals(client, world):
    hr = group_id(world, "HR")
    missing = {"@odata.id": "https://graph.microsoft.com/v1.0/directoryObjects/"
                            "00000000-0000-4000-8000-000000000000"}
    assert error_of(client.post(f"/groups/{hr}/members/$ref", json=missing))[:2] == \
        (404, "Request_ResourceNotFound")
    assert error_of(client.post(f"/groups/{hr}/members/$ref", json={}))[:2] == \
        (400, "Request_BadRequest")
    assert error_of(client.post(f"/groups/{hr}/members/$ref", content=b"x",
                                headers={"Content-Type": "application/json"}))[:2] == \
        (400, "BadRequest")
    self_ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{hr}"}
    assert error_of(client.post(f"/groups/{hr}/members/$ref", json=self_ref))[:2] == \
        (400, "Request_BadRequest")


def test_deleted_user_leaves_groups_and_comes_back_on_restore(client, world):
    megan = upn_id(world, "megan.jordan@contoso.com")
    hr, employee = group_id(world, "HR"), group_id(world, "Employee")
    client.delete(f"/users/{megan}")
    members = client.get(f"/groups/{hr}/members/microsoft.graph.user").json()["value"]
    assert megan not in {m["id"] for m in members}
    assert client.post(f"/directory/deletedItems/{megan}/restore").status_code == 200
    for gid in (hr, employee):
        members = client.get(f"/groups/{gid}/members/microsoft.graph.user").json()["value"]
        assert megan in {m["id"] for m in members}
