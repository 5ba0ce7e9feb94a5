"""Every built-in scenario loads cleanly, and each holds the world its description promises."""

from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from mocks.entra import mailbox
from mocks.generate import SYNC_PERMISSIONS
from mocks.scenarios import list_builtin, load_scenario, load_world, parse, validate

SMALL = ["faq", "calendars", "hybrid", "external-users", "deletion-and-resignation",
         "multi-domain"]


@pytest.fixture(scope="module")
def large():
    return load_world("large")


def by_upn(world, upn):
    return world.tenant.user_by_id_or_upn(upn)


def role_names(world, user):
    return {world.emply.roles[a.role_id].name for a in user.roles}


def group_names(world, user_id):
    return {g.props["displayName"] for g in world.tenant.groups.values() if user_id in g.members}


def test_the_issue_s_scenarios_are_built_in():
    assert set(SMALL) | {"large"} <= set(list_builtin())


@pytest.mark.parametrize("name", SMALL)
def test_builtin_loads_with_app_key_and_integration(name):
    doc, world = load_world(name)
    assert doc["name"] == name and len(doc["description"]) > 40
    app = next(a for a in world.tenant.apps.values() if a.display_name == "Emply People")
    assert set(SYNC_PERMISSIONS) <= set(app.roles)
    assert ("User.ReadWrite.All" in app.roles) == any(
        getattr(world.emply.settings, t) for t in ("update_entra", "delete_in_entra",
                                                    "create_in_entra"))
    keys = [k["key"] for k in doc["emply"]["apiKeys"] if "key" in k]
    assert keys and world.emply.authenticate(keys[0]) is not None
    settings = world.emply.settings
    assert settings.tenant.id == world.tenant.id
    assert settings.synced_groups and all(g.group_id in world.tenant.groups
                                          for g in settings.synced_groups)
    assert any(r.is_admin for r in world.emply.roles.values())


def test_large_is_ten_thousand_generated_users(large):
    doc, world = large
    users = list(world.tenant.users.values())
    assert len(users) == 10_000 and len(world.tenant.groups) == 40
    assert len(world.tenant.photos) == 3000
    assert sum(1 for u in users if u.props["accountEnabled"] is False) == 200
    assert sum(1 for u in users if u.props.get("onPremisesSyncEnabled")) == 500
    assert world.emply.settings.update_roles_after_first_sync is True
    assert len(world.emply.settings.synced_groups) == 40
    assert world.emply.authenticate(doc["emply"]["apiKeys"][0]["key"]) is not None


def test_faq_is_the_ray_ross_and_megan_jordan_world():
    _, world = load_world("faq")
    emply = world.emply
    assert {r.name for r in emply.roles.values()} == {"Employee", "HR", "Manager", "New employee",
                                                      "Administrator"}
    assert [r.name for r in emply.roles.values() if r.is_admin] == ["Administrator"]
    ray, megan = emply.user_by_email("ray.ross@contoso.com"), emply.user_by_email(
        "megan.jordan@contoso.com")
    assert ray.employee_id is not None and megan.employee_id is None
    assert role_names(world, ray) == role_names(world, megan) == {"Employee", "HR", "Manager"}
    for upn in ("ray.ross@contoso.com", "megan.jordan@contoso.com"):
        assert group_names(world, by_upn(world, upn).id) == {"Employee", "HR"}
    mapping = {g.display_name: emply.roles[g.role_id].name for g in emply.settings.synced_groups}
    assert mapping == {"Employee": "Employee", "HR": "HR"}
    assert emply.settings.update_roles_after_first_sync is True
    assert len(world.tenant.users) > 2  # a few more people


def test_calendars_has_editable_and_read_only_shares():
    _, world = load_world("calendars")
    assert world.emply.settings.calendar_sync is True
    megan = by_upn(world, "megan.jordan@contoso.com")
    seen = {c.name: can_edit for c, can_edit in mailbox.calendars_of(world.tenant, megan.id)}
    assert seen["Projects"] is True and seen["Company holidays"] is False
    assert world.emply.user_by_email("sofie.hansen@contoso.com").calendar_sync_enabled is False


def test_hybrid_tenant_and_users():
    _, world = load_world("hybrid")
    assert world.tenant.on_premises_sync_enabled is True and world.emply.settings.hybrid
    synced = [u for u in world.tenant.users.values() if u.props.get("onPremisesSyncEnabled")]
    cloud = [u for u in world.tenant.users.values() if not u.props.get("onPremisesSyncEnabled")]
    assert len(synced) >= 3 and len(cloud) >= 1
    settings = world.emply.settings
    assert not (settings.update_entra or settings.delete_in_entra or settings.create_in_entra)


def test_external_users_are_hand_made_and_not_in_entra():
    _, world = load_world("external-users")
    assert world.emply.settings.create_in_entra is False
    outside = [u for u in world.emply.users.values() if by_upn(world, u.email) is None]
    assert len(outside) >= 3 and all(u.origin == "manual" for u in outside)


def test_deletion_and_resignation():
    _, world = load_world("deletion-and-resignation")
    emply, tenant = world.emply, world.tenant
    assert emply.settings.delete_in_entra is True
    oliver = emply.user_by_email("oliver.olsen@contoso.com")
    assert oliver.entra_object_id in tenant.deleted_users
    karen = emply.user_by_email("karen.kruse@contoso.com")
    assert emply.employees[karen.employee_id].resignation_date > world.clock.now().date()
    assert karen.deactivation is None
    world.clock.advance(timedelta(days=2))  # past Karen's resignation date
    assert karen.deactivation is not None and karen.deactivation.reason == "employee_archived"


def test_multi_domain_users_on_every_verified_domain():
    _, world = load_world("multi-domain")
    verified = {d.id for d in world.tenant.domains.values() if d.is_verified}
    assert len(verified) >= 4 and "northwind.dk" not in verified
    used = {u.props["userPrincipalName"].split("@")[1] for u in world.tenant.users.values()}
    assert {"contoso.com", "contoso.dk", "contoso.se", "fabrikam.com"} <= used
    assert set(world.emply.settings.tenant.domains) == verified


def test_a_loaded_scenario_written_back_as_yaml_loads_the_same():
    doc = load_scenario("faq")
    again, _ = parse(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    assert validate(again) == doc
