"""Delta queries on users and groups: full rounds, tracked changes, $select, tokens, scale."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from .extras_conftest_helpers import error_of, sim_fixture  # noqa: F401

ROLES = ("User.ReadWrite.All", "GroupMember.Read.All")


def drain(client: httpx.Client, url: str) -> tuple[list[dict], str, int]:
    """Follow nextLinks to the end of a round: (objects, deltaLink, pages)."""
    objects, pages = [], 0
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        objects += body["value"]
        if "@odata.deltaLink" in body:
            assert "@odata.nextLink" not in body
            return objects, body["@odata.deltaLink"], pages
        url = body["@odata.nextLink"]
        assert "$skiptoken=" in url


def by_id(objects: list[dict]) -> dict[str, dict]:
    return {o["id"]: o for o in objects}


@pytest.fixture
def client(sim) -> httpx.Client:
    return sim.client(*ROLES)


def test_first_round_pages_through_every_user_then_gives_a_delta_link(sim, client):
    sim.app.config["DELTA_PAGE_SIZE"] = 2
    for i in range(4):
        sim.add_user(f"extra{i}", f"Extra {i}")
    objects, delta_link, pages = drain(client, "/users/delta")
    assert pages == 4  # 7 users, 2 per page
    assert len(objects) == len(by_id(objects)) == 7
    assert by_id(objects)[sim.ray.id]["jobTitle"] == "CFO"
    assert set(by_id(objects)[sim.ray.id]) == {
        "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
        "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"}
    assert "$deltatoken=" in delta_link and delta_link.startswith("https://graph.microsoft.com/")


def test_a_round_without_changes_is_empty(sim, client):
    _, link, _ = drain(client, "/users/delta")
    body = client.get(link).json()
    assert body["value"] == [] and "@odata.deltaLink" in body


def test_adds_changes_soft_delete_purge_and_restore_come_through(sim, client):
    _, link, _ = drain(client, "/users/delta")
    tenant = sim.tenant
    newbie = sim.add_user("nora.new", "Nora New")
    tenant.update_user(sim.ray.id, {"jobTitle": "CEO"})
    tenant.delete_user(sim.megan.id)
    tenant.delete_user(sim.lars.id)
    tenant.purge_deleted_user(sim.lars.id)
    objects, link, _ = drain(client, link)
    seen = by_id(objects)
    assert set(seen) == {newbie.id, sim.ray.id, sim.megan.id, sim.lars.id}
    assert seen[newbie.id]["displayName"] == "Nora New"
    assert seen[sim.ray.id]["jobTitle"] == "CEO"
    assert seen[sim.megan.id] == {"id": sim.megan.id, "@removed": {"reason": "changed"}}
    assert seen[sim.lars.id] == {"id": sim.lars.id, "@removed": {"reason": "deleted"}}

    tenant.restore_user(sim.megan.id)
    objects, link, _ = drain(client, link)
    assert [o["id"] for o in objects] == [sim.megan.id]
    assert objects[0]["displayName"] == "Megan Jordan" and "@removed" not in objects[0]
    assert drain(client, link)[0] == []


def test_changes_made_through_graph_itself_are_tracked(sim, client):
    _, link, _ = drain(client, "/users/delta")
    assert client.patch(f"/users/{sim.ray.id}", json={"department": "Board"}).status_code == 204
    assert client.delete(f"/users/{sim.lars.id}").status_code == 204
    seen = by_id(drain(client, link)[0])
    assert set(seen) == {sim.ray.id, sim.lars.id}
    assert seen[sim.lars.id]["@removed"] == {"reason": "changed"}


def test_select_is_kept_in_the_links_and_limits_what_is_tracked(sim, client):
    sim.app.config["DELTA_PAGE_SIZE"] = 1
    objects, link, pages = drain(client, "/users/delta?$select=displayName,jobTitle")
    assert pages == 3
    assert all(set(o) == {"displayName", "jobTitle", "id"} for o in objects)
    sim.tenant.update_user(sim.ray.id, {"mobilePhone": "+45 1234"})  # not selected
    assert drain(client, link)[0] == []
    sim.tenant.update_user(sim.megan.id, {"jobTitle": "HR lead"})
    objects, link, _ = drain(client, link)
    assert objects == [{"displayName": "Megan Jordan", "jobTitle": "HR lead", "id": sim.megan.id}]
    context = client.get(link).json()["@odata.context"]
    assert context.endswith("$metadata#users(displayName,jobTitle)")


def test_select_with_a_delta_link_changes_what_is_tracked(sim, client):
    _, link, _ = drain(client, "/users/delta?$select=displayName")
    sim.tenant.update_user(sim.ray.id, {"mobilePhone": "+45 1234"})
    objects, _, _ = drain(client, link + "&$select=mobilePhone")
    assert objects == [{"mobilePhone": "+45 1234", "id": sim.ray.id}]


def test_unknown_select_property_is_refused(client):
    status, code, message = error_of(client.get("/users/delta?$select=shoeSize"))
    assert (status, code) == (400, "BadRequest")
    assert "shoeSize" in message
    status, _, message = error_of(client.get("/users/delta?$top=5"))
    assert status == 400 and "$top" in message


def test_deltatoken_latest_starts_from_now(sim, client):
    sim.tenant.update_user(sim.ray.id, {"jobTitle": "before"})
    body = client.get("/users/delta?$deltatoken=latest").json()
    assert body["value"] == [] and "@odata.nextLink" not in body
    sim.tenant.update_user(sim.megan.id, {"jobTitle": "after"})
    objects, _, _ = drain(client, body["@odata.deltaLink"])
    assert [o["id"] for o in objects] == [sim.megan.id]


def test_token_older_than_seven_days_is_gone_with_a_restart_location(sim, client):
    _, link, _ = drain(client, "/users/delta?$select=displayName")
    sim.world.clock.advance(timedelta(days=6, hours=23))
    assert client.get(link).status_code == 200
    _, link, _ = drain(client, link)
    sim.world.clock.advance(timedelta(days=7, seconds=1))
    response = client.get(link)
    status, code, _ = error_of(response)
    assert (status, code) == (410, "syncStateNotFound")
    restart = response.headers["Location"]
    assert restart.endswith("/users/delta?$select=displayName")
    objects, _, _ = drain(client, restart)
    assert len(objects) == 3


def test_token_max_age_is_configurable(sim, client):
    sim.app.config["DELTA_TOKEN_MAX_AGE"] = timedelta(hours=1)
    _, link, _ = drain(client, "/users/delta")
    sim.world.clock.advance(timedelta(hours=2))
    status, code, message = error_of(client.get(link))
    assert (status, code) == (410, "syncStateNotFound") and "1 hours" in message


def test_expired_group_token_restarts_with_the_same_selection(sim, client):
    _, link, _ = drain(client, "/groups/delta?$select=displayName,members")
    sim.world.clock.advance(timedelta(days=8))
    response = client.get(link)
    assert response.status_code == 410
    assert response.headers["Location"].endswith("/groups/delta?$select=displayName,members")


def test_tokens_from_before_a_world_reset_or_malformed_are_refused(sim, client):
    _, link, _ = drain(client, "/users/delta")
    sim.world.reset(seed=11)
    sim.world.tenant.add_app("Emply", {"User.Read.All"}, client_id=sim.registration.client_id)
    sim.registration = sim.world.tenant.apps[sim.registration.client_id]
    fresh = sim.client(*ROLES)
    response = fresh.get(link)
    assert error_of(response)[:2] == (410, "resyncRequired")
    assert response.headers["Location"].endswith("/users/delta")
    status, code, message = error_of(fresh.get("/users/delta?$deltatoken=not-a-token"))
    assert (status, code) == (400, "Request_BadRequest") and "malformed" in message
    group_link = drain(fresh, "/groups/delta")[1]
    token = group_link.split("$deltatoken=")[1]
    assert error_of(fresh.get(f"/users/delta?$deltatoken={token}"))[0] == 400


def test_skip_token_must_not_be_sent_as_delta_token(sim, client):
    sim.app.config["DELTA_PAGE_SIZE"] = 1
    next_link = client.get("/users/delta").json()["@odata.nextLink"]
    token = next_link.split("$skiptoken=")[1]
    assert error_of(client.get(f"/users/delta?$deltatoken={token}"))[0] == 400


@pytest.fixture
def groups(sim):
    tenant = sim.tenant
    managers = tenant.add_group({"displayName": "Managers"}, [sim.ray.id])
    employees = tenant.add_group({"displayName": "Employees", "description": "All staff"},
                                 [sim.ray.id, sim.megan.id, managers.id])
    empty = tenant.add_group({"displayName": "Empty"})
    return {"managers": managers, "employees": employees, "empty": empty}


def test_group_first_round_lists_members(sim, client, groups):
    seen = by_id(drain(client, "/groups/delta")[0])
    employees = seen[groups["employees"].id]
    assert employees["displayName"] == "Employees" and employees["description"] == "All staff"
    assert employees["members@delta"] == [
        {"@odata.type": "#microsoft.graph.user", "id": sim.ray.id},
        {"@odata.type": "#microsoft.graph.user", "id": sim.megan.id},
        {"@odata.type": "#microsoft.graph.group", "id": groups["managers"].id}]
    assert "members@delta" not in seen[groups["empty"].id]


def test_membership_changes_come_as_members_delta(sim, client, groups):
    tenant = sim.tenant
    _, link, _ = drain(client, "/groups/delta")
    tenant.add_member(groups["managers"].id, sim.lars.id)
    tenant.remove_member(groups["employees"].id, sim.megan.id)
    seen = by_id(drain(client, link)[0])
    assert set(seen) == {groups["managers"].id, groups["employees"].id}
    assert seen[groups["managers"].id]["members@delta"] == [
        {"@odata.type": "#microsoft.graph.user", "id": sim.lars.id}]
    assert seen[groups["employees"].id]["members@delta"] == [
        {"@odata.type": "#microsoft.graph.user", "id": sim.megan.id,
         "@removed": {"reason": "deleted"}}]
    assert seen[groups["employees"].id]["displayName"] == "Employees"


def test_membership_changes_through_graph_and_by_deleting_the_user(sim, client, groups):
    _, link, _ = drain(client, "/groups/delta")
    writer = sim.client("GroupMember.ReadWrite.All", "User.ReadWrite.All")
    added = writer.post(f"/groups/{groups['empty'].id}/members/$ref",
                        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{sim.lars.id}"})
    assert added.status_code == 204, added.text
    sim.tenant.delete_user(sim.ray.id)
    seen = by_id(drain(client, link)[0])
    assert seen[groups["empty"].id]["members@delta"] == [
        {"@odata.type": "#microsoft.graph.user", "id": sim.lars.id}]
    for name in ("managers", "employees"):
        assert seen[groups[name].id]["members@delta"] == [
            {"@odata.type": "#microsoft.graph.user", "id": sim.ray.id,
             "@removed": {"reason": "deleted"}}]


def test_member_added_then_removed_in_one_round_is_reported_removed(sim, client, groups):
    _, link, _ = drain(client, "/groups/delta")
    sim.tenant.add_member(groups["empty"].id, sim.lars.id)
    sim.tenant.remove_member(groups["empty"].id, sim.lars.id)
    seen = by_id(drain(client, link)[0])
    assert seen[groups["empty"].id]["members@delta"] == [
        {"@odata.type": "#microsoft.graph.user", "id": sim.lars.id,
         "@removed": {"reason": "deleted"}}]


def test_group_select_without_members_ignores_membership(sim, client, groups):
    objects, link, _ = drain(client, "/groups/delta?$select=displayName")
    assert all("members@delta" not in o and set(o) == {"displayName", "id"} for o in objects)
    sim.tenant.add_member(groups["empty"].id, sim.lars.id)
    assert drain(client, link)[0] == []
    _, link, _ = drain(client, "/groups/delta?$select=displayName,members")
    sim.tenant.add_member(groups["managers"].id, sim.lars.id)
    assert drain(client, link)[0] == [{"displayName": "Managers", "id": groups["managers"].id,
                                       "members@delta": [{"@odata.type": "#microsoft.graph.user",
                                                          "id": sim.lars.id}]}]


def test_delta_permissions(sim):
    assert error_of(sim.client("Calendars.Read").get("/users/delta"))[:2] == (
        403, "Authorization_RequestDenied")
    assert error_of(sim.client("User.Read.All").get("/groups/delta"))[0] == 403
    assert sim.client("Directory.Read.All").get("/groups/delta").status_code == 200


def test_ten_thousand_users_full_round_and_a_change_round_that_does_not_scan_them(sim, client):
    tenant = sim.tenant
    for i in range(10_000):
        tenant.add_user({"userPrincipalName": f"user{i:05d}@contoso.com", "displayName": f"U{i}"})
    objects, link, pages = drain(client, "/users/delta?$select=displayName")
    assert len(by_id(objects)) == 10_003 and pages == 51  # 200 per page

    class NoScan(dict):
        def _refuse(self, *args):
            raise AssertionError("a change round must not scan every user")
        __iter__ = values = items = keys = _refuse  # type: ignore[assignment]

    tenant.update_user(sim.ray.id, {"displayName": "Ray R."})
    tenant.users = NoScan(tenant.users)
    objects, link, pages = drain(client, link)
    assert objects == [{"displayName": "Ray R.", "id": sim.ray.id}] and pages == 1
    assert drain(client, link)[0] == []
