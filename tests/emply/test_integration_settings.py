"""The Entra ID integration settings: read, change, remove, audit, and every refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest

TENANT = "11111111-2222-4333-8444-555555555555"
OTHER_TENANT = "99999999-8888-4777-8666-555555555555"


@pytest.fixture
def configured(api, ids):
    """The integration configured for TENANT with two synced groups."""
    response = api.as_user(ids.user["alice"]).patch("/integrations/entra-id", json={
        "tenant": {"id": TENANT, "domains": ["contoso.com", "Contoso.DK"]},
        "syncedGroups": [
            {"groupId": "grp-employee", "displayName": "Employee", "roleId": ids.role["Employee"],
             "departmentId": ids.dept["Sales"], "language": "da", "timeZone": "Europe/Copenhagen",
             "currency": "DKK"},
            {"groupId": "grp-hr", "displayName": "HR", "roleId": ids.role["HR"]},
        ]})
    assert response.status_code == 200, response.text
    return response.json()


def test_defaults_are_all_off_and_unconfigured(api):
    settings = api.get("/integrations/entra-id").json()
    assert settings["configured"] is False and settings["tenant"] is None
    assert settings["syncedGroups"] == []
    for toggle in ("updateRolesAfterFirstSync", "calendarSync", "updateEntra", "deleteInEntra",
                   "createInEntra"):
        assert settings[toggle] is False
    assert settings["deactivationThreshold"] == {"minimum": 10, "ratio": 0.2}


def test_configure_tenant_and_groups_in_order(configured, ids):
    assert configured["configured"] is True
    assert configured["tenant"] == {"id": TENANT, "domains": ["contoso.com", "contoso.dk"],
                                    "onPremisesSyncEnabled": False}
    assert [g["groupId"] for g in configured["syncedGroups"]] == ["grp-employee", "grp-hr"]
    first = configured["syncedGroups"][0]
    assert (first["roleId"], first["departmentId"], first["language"], first["timeZone"],
            first["currency"]) == (ids.role["Employee"], ids.dept["Sales"], "da",
                                   "Europe/Copenhagen", "DKK")


def test_second_tenant_is_refused_and_the_first_stays(api, configured, err):
    err(api.patch("/integrations/entra-id", json={"tenant": {"id": OTHER_TENANT}}), 409,
        "tenant_already_configured", TENANT, OTHER_TENANT, "one tenant")
    assert api.get("/integrations/entra-id").json() == configured
    # The same tenant may change its domains (TEN-1: many domains).
    same = api.patch("/integrations/entra-id", json={"tenant": {"id": TENANT.upper(),
                                                                "domains": ["contoso.com", "fabrikam.com"]}})
    assert same.json()["tenant"]["domains"] == ["contoso.com", "fabrikam.com"]


def test_group_mapped_to_an_administrator_role_is_refused(api, configured, ids, err):
    err(api.patch("/integrations/entra-id/synced-groups/grp-hr",
                  json={"roleId": ids.role["Administrator"]}), 422, "admin_role_mapping_refused",
        "Administrator")
    err(api.post("/integrations/entra-id/synced-groups",
                 json={"groupId": "grp-admins", "roleId": ids.role["Administrator"]}), 422,
        "admin_role_mapping_refused")
    assert api.get("/integrations/entra-id").json() == configured
    # ...and a mapped role cannot be turned into an administrator role behind the settings' back.
    err(api.patch(f"/roles/{ids.role['HR']}", json={"isAdministrator": True}), 422,
        "admin_role_mapping_refused", "HR")
    assert api.get(f"/roles/{ids.role['HR']}").json()["isAdministrator"] is False


@pytest.mark.parametrize("option", ["updateEntra", "deleteInEntra", "createInEntra"])
def test_write_to_entra_options_are_refused_in_a_hybrid_tenant(api, configured, option, err):
    hybrid = api.patch("/integrations/entra-id", json={"tenant": {"onPremisesSyncEnabled": True}})
    assert hybrid.json()["tenant"]["onPremisesSyncEnabled"] is True
    err(api.patch("/integrations/entra-id", json={option: True, "calendarSync": True}), 422,
        "hybrid_tenant_write_refused", option, "on-premises")
    settings = api.get("/integrations/entra-id").json()
    assert settings[option] is False and settings["calendarSync"] is False
    # One-way options stay allowed.
    assert api.patch("/integrations/entra-id", json={"calendarSync": True}).json()["calendarSync"] is True


def test_tenant_cannot_become_hybrid_while_writing_to_entra(api, configured, err):
    api.patch("/integrations/entra-id", json={"updateEntra": True})
    err(api.patch("/integrations/entra-id", json={"tenant": {"onPremisesSyncEnabled": True}}), 422,
        "hybrid_tenant_write_refused", "updateEntra")
    assert api.get("/integrations/entra-id").json()["tenant"]["onPremisesSyncEnabled"] is False


def test_toggles_threshold_and_bad_values(api, configured, err):
    changed = api.patch("/integrations/entra-id", json={
        "updateRolesAfterFirstSync": True, "updateEntra": True, "deleteInEntra": True,
        "createInEntra": True, "deactivationThreshold": {"minimum": 25, "ratio": 0.5}}).json()
    assert changed["updateRolesAfterFirstSync"] and changed["createInEntra"]
    assert changed["deactivationThreshold"] == {"minimum": 25, "ratio": 0.5}
    err(api.patch("/integrations/entra-id", json={"calendarSync": "on"}), 400, "invalid_value",
        "calendarSync")
    err(api.patch("/integrations/entra-id", json={"deactivationThreshold": {"ratio": 1.5}}), 422,
        "invalid_value", "ratio")
    err(api.patch("/integrations/entra-id", json={"deactivationThreshold": {"minimum": 0}}), 422,
        "invalid_value", "minimum")
    err(api.patch("/integrations/entra-id", json={"autoDelete": True}), 400, "unknown_field",
        "autoDelete")
    err(api.patch("/integrations/entra-id", json={"configured": False}), 400, "read_only_field")
    err(api.patch("/integrations/entra-id", json={"tenant": None}), 400, "invalid_value", "DELETE")
    assert api.get("/integrations/entra-id").json()["deactivationThreshold"]["minimum"] == 25


def test_synced_group_references_are_checked(api, configured, err):
    err(api.post("/integrations/entra-id/synced-groups", json={"groupId": "grp-hr"}), 422,
        "duplicate_group", "grp-hr")
    err(api.post("/integrations/entra-id/synced-groups", json={"groupId": "g", "roleId": "r0"}), 422,
        "unknown_role", "r0")
    err(api.post("/integrations/entra-id/synced-groups", json={"groupId": "g", "departmentId": "d0"}),
        422, "unknown_department", "d0")
    err(api.post("/integrations/entra-id/synced-groups", json={"displayName": "x"}), 400,
        "missing_field", "groupId")
    err(api.patch("/integrations/entra-id/synced-groups/nope", json={"language": "en"}), 404,
        "synced_group_not_found")
    assert api.get("/integrations/entra-id").json() == configured


def test_add_change_and_remove_synced_groups(api, configured, ids, world):
    added = api.post("/integrations/entra-id/synced-groups",
                     json={"groupId": "grp-mgr", "displayName": "Managers", "roleId": ids.role["Manager"]})
    assert added.status_code == 201
    assert [g["groupId"] for g in added.json()["syncedGroups"]] == ["grp-employee", "grp-hr", "grp-mgr"]
    remapped = api.patch("/integrations/entra-id/synced-groups/grp-employee", json={"roleId": None})
    assert remapped.json()["syncedGroups"][0]["roleId"] is None
    world.clock.advance(timedelta(hours=1))
    removed = api.delete("/integrations/entra-id/synced-groups/grp-hr").json()
    assert [g["groupId"] for g in removed["syncedGroups"]] == ["grp-employee", "grp-mgr"]
    assert removed["removedGroups"] == [{"groupId": "grp-hr", "displayName": "HR",
                                         "roleId": ids.role["HR"], "removedAt": "2026-01-05T09:00:00Z"}]
    # The model tells the sync core the same.
    assert world.emply.settings.removed_groups[0].role_id == ids.role["HR"]


def test_every_change_is_audited_with_who_when_old_and_new(api, configured, ids, world):
    world.clock.advance(timedelta(minutes=5))
    api.as_user(ids.user["bob"]).patch("/integrations/entra-id", json={"calendarSync": True,
                                                                       "updateEntra": False})
    audit = api.get("/integrations/entra-id/audit").json()
    assert [a["setting"] for a in audit] == ["tenant", "syncedGroups", "calendarSync"]
    first, last = audit[0], audit[-1]
    assert first["actor"] == f"user:{ids.user['alice']}" and first["old"] is None
    assert first["new"]["id"] == TENANT and first["at"] == "2026-01-05T08:00:00Z"
    assert last == {"at": "2026-01-05T08:05:00Z", "actor": f"user:{ids.user['bob']}",
                    "setting": "calendarSync", "old": False, "new": True}


def test_refused_change_is_not_audited(api, configured, err):
    before = api.get("/integrations/entra-id/audit").json()
    err(api.patch("/integrations/entra-id", json={"calendarSync": True, "tenant": {"id": OTHER_TENANT}}),
        409, "tenant_already_configured")
    assert api.get("/integrations/entra-id/audit").json() == before


def test_remove_integration_keeps_users_and_drops_microsoft365_events(api, configured, ids, world, err):
    emply = world.emply
    emply.upsert_m365_event(ids.user["ray"], "cal-ray-default", "m365-7", "Review",
                            "2026-01-07T10:00:00Z", "2026-01-07T11:00:00Z")
    own = api.post("/calendar/events", json={"userId": ids.user["ray"], "subject": "Made in Emply",
                                             "start": "2026-01-08T10:00:00Z",
                                             "end": "2026-01-08T11:00:00Z"}).json()
    users_before = api.get("/users").json()
    removed = api.as_user(ids.user["alice"]).delete("/integrations/entra-id")
    assert removed.status_code == 200
    assert removed.json()["microsoft365EventsRemoved"] == 1
    settings = api.get("/integrations/entra-id").json()
    assert settings["configured"] is False and settings["syncedGroups"] == []
    assert settings["updateEntra"] is False and settings["calendarSync"] is False
    assert api.get("/users").json() == users_before  # users stay, with their data
    assert [e["id"] for e in api.get("/calendar/events").json()] == [own["id"]]
    gone = api.get("/calendar/events", params={"includeRemoved": "true"}).json()
    assert {e["subject"]: e["removedAt"] for e in gone} == {"Review": "2026-01-05T08:00:00Z",
                                                            "Made in Emply": None}
    assert api.get("/integrations/entra-id/audit").json()[-1]["setting"] == "integration"
    err(api.delete("/integrations/entra-id"), 409, "integration_not_configured")
    # Another tenant may now be integrated.
    assert api.patch("/integrations/entra-id", json={"tenant": {"id": OTHER_TENANT}}).status_code == 200
