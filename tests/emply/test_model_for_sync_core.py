"""The plain methods the sync core calls inside Emply obey the same rules as the API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mocks.emply.errors import EmplyError
from mocks.emply.models import SYNC, user_actor


def refused(call, status: int, code: str) -> EmplyError:
    with pytest.raises(EmplyError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (status, code), caught.value.message
    return caught.value


def test_sync_creates_linked_integration_users_with_group_defaults(world, ids):
    emply = world.emply
    user = emply.add_user({"email": "new.hire@contoso.com", "firstName": "New", "lastName": "Hire",
                           "departmentId": ids.dept["Sales"], "language": "da"}, SYNC,
                          origin="integration", entra_object_id="entra-new")
    emply.set_roles(user.id, [ids.role["Employee"], ids.role["HR"]], SYNC, source="integration",
                    groups={ids.role["Employee"]: "grp-employee", ids.role["HR"]: "grp-hr"})
    assert emply.user_by_entra_id("entra-new") is user
    assert emply.user_by_email("  NEW.HIRE@contoso.com ") is user
    assert [(a.role_id, a.source, a.group_id) for a in user.roles] == [
        (ids.role["Employee"], "integration", "grp-employee"), (ids.role["HR"], "integration", "grp-hr")]
    refused(lambda: emply.link_entra(ids.user["megan"], "entra-new"), 409, "entra_link_in_use")


def test_set_roles_keeps_origins_of_kept_roles_and_checks_first(world, ids):
    emply = world.emply
    megan = emply.user(ids.user["megan"])
    emply.set_roles(megan.id, [ids.role["Employee"], ids.role["HR"]], SYNC, source="integration")
    assert [a.group_id for a in megan.roles] == ["grp-employee", "grp-hr"]  # kept as they were
    before = list(megan.roles)
    refused(lambda: emply.set_roles(megan.id, [ids.role["HR"], "nope"], SYNC), 422, "unknown_role")
    assert megan.roles == before


def test_sync_never_grants_or_removes_administrator_roles(world, ids):
    emply = world.emply
    refused(lambda: emply.grant_role(ids.user["megan"], ids.role["Administrator"], SYNC), 422,
            "admin_role_by_sync_refused")
    refused(lambda: emply.set_roles(ids.user["megan"], [ids.role["Administrator"]], SYNC), 422,
            "admin_role_by_sync_refused")
    refused(lambda: emply.revoke_role(ids.user["bob"], ids.role["Administrator"], SYNC), 403,
            "admin_role_protected")
    refused(lambda: emply.set_roles(ids.user["bob"], [ids.role["Manager"]], SYNC), 403,
            "admin_role_protected")
    assert emply.is_admin(emply.user(ids.user["bob"]))
    # A person with administrator rights may, through the same method.
    emply.set_roles(ids.user["bob"], [ids.role["Manager"]], user_actor(ids.user["alice"]))
    assert not emply.is_admin(emply.user(ids.user["bob"]))


def test_sync_deactivation_reasons_and_external_users(world, ids):
    emply = world.emply
    megan = emply.deactivate_user(ids.user["megan"], "left_synced_groups", SYNC)
    assert (megan.deactivation.reason, megan.deactivation.by) == ("left_synced_groups", SYNC)
    refused(lambda: emply.deactivate_user(ids.user["ext"], "left_synced_groups", SYNC), 409,
            "external_user")
    refused(lambda: emply.deactivate_user(ids.user["ray"], "bored", SYNC), 400, "invalid_value")
    assert emply.user(ids.user["ext"]).active


def test_sync_reactivates_only_what_it_deactivated(world, ids):
    emply = world.emply
    emply.deactivate_user(ids.user["megan"], "deleted_in_entra", SYNC)
    assert emply.activate_user(ids.user["megan"], SYNC).active
    emply.deactivate_user(ids.user["megan"], "manual", user_actor(ids.user["alice"]))
    refused(lambda: emply.activate_user(ids.user["megan"], SYNC), 409, "deactivated_by_hand")
    assert not emply.user(ids.user["megan"]).active


def test_sync_never_changes_a_connected_users_photo(world, ids):
    emply = world.emply
    refused(lambda: emply.set_photo(ids.user["ray"], b"\xff\xd8data", "image/jpeg", SYNC), 409,
            "connected_user_photo")
    photo = emply.set_photo(ids.user["megan"], b"\xff\xd8data", "image/jpeg", SYNC, entra_etag="W/1")
    assert photo.entra_etag == "W/1" and photo.updated_by == SYNC


def test_calendars_for_the_sync_core(world, ids):
    emply = world.emply
    megan = ids.user["megan"]
    default = emply.upsert_calendar(megan, "cal-m-default", "Calendar", is_default=True)
    shared = emply.upsert_calendar(megan, "cal-m-team", "Team")
    assert (default.enabled, shared.enabled) == (True, False)
    assert emply.upsert_calendar(megan, "cal-m-team", "Team (renamed)") is shared
    refused(lambda: emply.upsert_calendar(megan, "cal-m-other", "Other", is_default=True), 409,
            "default_calendar_exists")
    event = emply.upsert_m365_event(megan, "cal-m-team", "ev-1", "Sprint", "2026-01-06T09:00:00Z",
                                    "2026-01-06T10:00:00Z")
    emply.remove_calendar(megan, "cal-m-team")
    assert [c.name for c in emply.user(megan).calendars] == ["Calendar"]
    assert event.id not in emply.events


def test_archiving_tells_listeners_and_the_journal(world, ids):
    emply = world.emply
    seen = []
    emply.on(seen.append)
    emply.set_resignation_date(ids.emp["1001"], "2026-01-07")
    assert seen == []
    world.clock.advance(timedelta(days=2))
    assert [(e.kind, e.data["employeeId"], e.data["userId"], e.data["entraObjectId"]) for e in seen] == [
        ("employee_archived", ids.emp["1001"], ids.user["ray"], "entra-ray")]
    assert emply.journal[-1] is seen[0]
    world.clock.advance(timedelta(days=2))
    assert len(seen) == 1  # archived once


def test_archiving_replaces_a_sync_deactivation_but_not_one_by_hand(world, ids):
    emply = world.emply
    emply.deactivate_user(ids.user["ray"], "deleted_in_entra", SYNC)
    emply.set_resignation_date(ids.emp["1001"], "2026-01-05")
    assert emply.user(ids.user["ray"]).deactivation.reason == "employee_archived"
    refused(lambda: emply.activate_user(ids.user["ray"], user_actor(ids.user["alice"])), 409,
            "employee_archived")
    # DEL-2: deleting the Entra user leaves the employee profile Active.
    nina = emply.add_user({"email": "x@contoso.com", "firstName": "N", "lastName": "H",
                           "employeeId": ids.emp["1002"]}, SYNC, origin="integration",
                          entra_object_id="entra-nina")
    emply.deactivate_user(nina.id, "deleted_in_entra", SYNC)
    assert emply.employee(ids.emp["1002"]).status == "Active"


def test_settings_from_the_sync_core_are_audited_as_the_sync(world):
    emply = world.emply
    emply.update_settings({"tenant": {"id": "t-1"}}, "system")
    emply.update_settings({"tenant": {"onPremisesSyncEnabled": True}}, SYNC)
    assert emply.settings.hybrid
    assert (emply.audit[-1].actor, emply.audit[-1].setting) == (SYNC, "tenant")
    refused(lambda: emply.update_settings({"createInEntra": True}, SYNC), 422,
            "hybrid_tenant_write_refused")
