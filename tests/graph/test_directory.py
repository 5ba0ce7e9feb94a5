"""Deleted items (list, get, restore, permanent delete, 30-day purge), domains, organization."""

from __future__ import annotations

from datetime import timedelta

from .conftest import error_of, upn_id

NOT_FOUND = (404, "Request_ResourceNotFound")


def delete(client, world, upn: str) -> str:
    uid = upn_id(world, upn)
    assert client.delete(f"/users/{uid}").status_code == 204
    return uid


def test_list_deleted_users(client, world):
    megan = delete(client, world, "megan.jordan@contoso.com")
    world.clock.advance(timedelta(hours=1))
    lars = delete(client, world, "lars.nielsen@contoso.dk")
    body = client.get("/directory/deletedItems/microsoft.graph.user",
                      params={"$select": "displayName,deletedDateTime"}).json()
    assert body["@odata.context"].endswith("$metadata#users(displayName,deletedDateTime)")
    got = {u["id"]: u for u in body["value"]}
    assert set(got) == {megan, lars}
    assert got[megan]["deletedDateTime"] == "2026-01-05T08:00:00Z"
    assert got[lars]["deletedDateTime"] == "2026-01-05T09:00:00Z"
    paged = client.get("/directory/deletedItems/microsoft.graph.user", params={"$top": "1"}).json()
    assert len(paged["value"]) == 1 and "@odata.nextLink" in paged
    filtered = client.get("/directory/deletedItems/microsoft.graph.user",
                          params={"$filter": "startswith(displayName,'Lars')"}).json()
    assert [u["id"] for u in filtered["value"]] == [lars]


def test_get_deleted_item(client, world):
    megan = delete(client, world, "megan.jordan@contoso.com")
    body = client.get(f"/directory/deletedItems/{megan}").json()
    assert body["@odata.type"] == "#microsoft.graph.user"
    assert body["userPrincipalName"] == "megan.jordan@contoso.com"
    assert error_of(client.get(f"/directory/deletedItems/{upn_id(world, 'ray.ross@contoso.com')}"))[:2] \
        == NOT_FOUND


def test_restore_deleted_user(client, world):
    megan = delete(client, world, "megan.jordan@contoso.com")
    r = client.post(f"/directory/deletedItems/{megan}/restore")
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith("$metadata#directoryObjects/$entity")
    assert body["@odata.type"] == "#microsoft.graph.user" and body["id"] == megan
    assert client.get(f"/users/{megan}", params={"$select": "deletedDateTime"}).json() \
        ["deletedDateTime"] is None
    assert world.tenant.changes[-3].kind == "restore"
    assert error_of(client.post(f"/directory/deletedItems/{megan}/restore"))[:2] == NOT_FOUND


def test_restore_refused_when_upn_was_taken(client, world):
    megan = delete(client, world, "megan.jordan@contoso.com")
    world.tenant.add_user({"userPrincipalName": "megan.jordan@contoso.com", "displayName": "New"})
    status, code, message = error_of(client.post(f"/directory/deletedItems/{megan}/restore"))
    assert (status, code) == (400, "Request_BadRequest") and "userPrincipalName" in message
    assert megan in world.tenant.deleted_users


def test_permanently_delete(client, world):
    ray = delete(client, world, "ray.ross@contoso.com")
    assert ray in world.tenant.photos  # the photo goes with the user below
    assert client.delete(f"/directory/deletedItems/{ray}").status_code == 204
    assert ray not in world.tenant.deleted_users and ray not in world.tenant.photos
    assert world.tenant.changes[-1].kind == "hardDelete"
    assert error_of(client.get(f"/directory/deletedItems/{ray}"))[:2] == NOT_FOUND
    assert error_of(client.delete(f"/directory/deletedItems/{ray}"))[:2] == NOT_FOUND
    assert error_of(client.post(f"/directory/deletedItems/{ray}/restore"))[:2] == NOT_FOUND


def test_deleted_items_expire_after_30_days_of_simulation_time(client, world):
    megan = delete(client, world, "megan.jordan@contoso.com")
    world.clock.advance(timedelta(days=29, hours=23))
    assert client.get(f"/directory/deletedItems/{megan}").status_code == 200
    world.clock.advance(timedelta(hours=1))
    assert error_of(client.get(f"/directory/deletedItems/{megan}"))[:2] == NOT_FOUND
    listing = client.get("/directory/deletedItems/microsoft.graph.user").json()
    assert listing["value"] == []
    assert error_of(client.post(f"/directory/deletedItems/{megan}/restore"))[:2] == NOT_FOUND
    assert world.tenant.changes[-1].kind == "hardDelete"


def test_deleted_groups_listing_is_empty(client):
    body = client.get("/directory/deletedItems/microsoft.graph.group").json()
    assert body["value"] == [] and body["@odata.context"].endswith("$metadata#groups")


def test_domains(client):
    body = client.get("/domains").json()
    assert body["@odata.context"].endswith("$metadata#domains")
    domains = {d["id"]: d for d in body["value"]}
    assert set(domains) == {"contoso.com", "contoso.dk", "contoso.onmicrosoft.com"}
    assert domains["contoso.com"]["isDefault"] is True
    assert domains["contoso.onmicrosoft.com"]["isInitial"] is True
    assert all(d["isVerified"] and d["authenticationType"] == "Managed" for d in domains.values())
    assert "Email" in domains["contoso.dk"]["supportedServices"]
    one = client.get("/domains/CONTOSO.DK").json()
    assert one["id"] == "contoso.dk" and one["@odata.context"].endswith("#domains/$entity")
    assert error_of(client.get("/domains/fabrikam.com"))[:2] == NOT_FOUND
    selected = client.get("/domains", params={"$select": "isDefault"}).json()
    assert set(selected["value"][0]) == {"isDefault", "id"}


def test_organization_cloud_only(client, world):
    body = client.get("/organization").json()
    assert body["@odata.context"].endswith("$metadata#organization")
    (org,) = body["value"]
    assert org["id"] == world.tenant.id and org["displayName"] == "Contoso"
    assert org["onPremisesSyncEnabled"] is None and org["onPremisesLastSyncDateTime"] is None
    names = {d["name"]: d for d in org["verifiedDomains"]}
    assert set(names) == {"contoso.com", "contoso.dk", "contoso.onmicrosoft.com"}
    assert names["contoso.com"] == {"capabilities": "Email, OfficeCommunicationsOnline",
                                    "isDefault": True, "isInitial": False, "name": "contoso.com",
                                    "type": "Managed"}
    assert client.get(f"/organization/{world.tenant.id}").json()["id"] == world.tenant.id
    assert error_of(client.get("/organization/00000000-0000-4000-8000-000000000000"))[:2] == \
        NOT_FOUND


def test_organization_hybrid(client, world):
    world.tenant.on_premises_sync_enabled = True
    world.clock.advance(timedelta(minutes=47))  # 08:47
    (org,) = client.get("/organization").json()["value"]
    assert org["onPremisesSyncEnabled"] is True
    assert org["onPremisesLastSyncDateTime"] == "2026-01-05T08:30:00Z"
