"""Documented delta examples (user-delta.md, group-delta.md), replayed on the Fabrikam world."""

from __future__ import annotations

from .conftest import Tenant

ADAM, JONAS = "adam.berg@fabrikam.dk", "jonas.wad@fabrikam.dk"


def _round(fab: Tenant, path: str, **kwargs) -> tuple[list[dict], str]:
    """Follow nextLinks to the end; the objects seen and the deltaLink."""
    seen: list[dict] = []
    response = fab.client.get(path, **kwargs).json()
    while True:
        seen.extend(response["value"])
        if "@odata.deltaLink" in response:
            return seen, response["@odata.deltaLink"]
        response = fab.client.get(response["@odata.nextLink"]).json()


def test_user_delta_filter_by_id(fab: Tenant):
    """user-delta.md, Example 4: $filter=id eq '{id}' tracks only the named users."""
    adam, jonas = fab.user(ADAM), fab.user(JONAS)
    seen, link = _round(fab, "/users/delta", params={"$filter": f"id eq '{adam}' or id eq '{jonas}'",
                                                     "$select": "displayName,jobTitle"})
    assert sorted(u["id"] for u in seen) == sorted([adam, jonas])
    fab.client.patch(f"/users/{adam}", json={"jobTitle": "Payroll lead"})
    fab.client.patch(f"/users/{fab.user('ida.holm@fabrikam.dk')}", json={"jobTitle": "CPO"})
    changes = fab.client.get(link).json()["value"]
    assert [(u["id"], u["jobTitle"]) for u in changes] == [(adam, "Payroll lead")]


def test_user_delta_with_return_minimal(fab: Tenant):
    """user-delta.md, Example 3: Prefer: return=minimal gives only the changed properties."""
    adam = fab.user(ADAM)
    _, link = _round(fab, "/users/delta", params={"$select": "displayName,jobTitle,department"})
    fab.client.patch(f"/users/{adam}", json={"jobTitle": "Payroll lead"})
    response = fab.client.get(link, headers={"Prefer": "return=minimal"})
    assert response.headers["Preference-Applied"] == "return=minimal"
    assert response.json()["value"] == [{"jobTitle": "Payroll lead", "id": adam}]
    full = fab.client.get(link).json()["value"]  # the same link without the preference
    assert full == [{"displayName": "Adam Berg", "jobTitle": "Payroll lead",
                     "department": "Finance", "id": adam}]


def test_user_delta_filter_refuses_other_clauses(fab: Tenant):
    """user-delta.md: only id clauses are supported in a delta $filter."""
    response = fab.client.get("/users/delta", params={"$filter": "displayName eq 'Adam Berg'"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "Request_UnsupportedQuery"


def test_group_delta_shows_members_bound_in_an_update(fab: Tenant):
    """group-delta.md, Example 1 + group-update.md: members@odata.bind shows in members@delta."""
    payroll = fab.group("Payroll")
    _, link = _round(fab, "/groups/delta", params={"$select": "displayName,members"})
    fab.client.patch(f"/groups/{payroll}", json={
        "members@odata.bind": [f"https://graph.microsoft.com/v1.0/directoryObjects/{fab.user(JONAS)}"]})
    changes = fab.client.get(link).json()["value"]
    assert [(g["id"], g["members@delta"]) for g in changes] == [
        (payroll, [{"@odata.type": "#microsoft.graph.user", "id": fab.user(JONAS)}])]
