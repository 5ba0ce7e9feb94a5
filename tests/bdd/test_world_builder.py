"""The world builder turns Gherkin tables into a world document the world accepts."""

from __future__ import annotations

import pytest

from emply_sim.bdd import world as wb
from mocks.world import World
from mocks.worldfile import load


def _table(*rows):
    return [list(r) for r in rows]


def test_tables_become_a_document_the_world_loads():
    builder = wb.WorldBuilder()
    builder.set_tenant("Fabrikam", ["fabrikam.com", "fabrikam.dk"])
    for row in wb.table_rows(_table(("name", "email", "photo", "calendars"),
                                    ("Jo Smith", "", "image/png", "Team"),
                                    ("Al Berg", "al.berg@fabrikam.dk", "", ""))):
        builder.add_entra_user(row)
    builder.add_group("Staff", ["Jo Smith", "Al Berg"])
    builder.sync_groups(wb.table_rows(_table(("group", "role", "department"),
                                             ("Staff", "Worker", "Floor"))))
    builder.add_emply_user({"name": "Jo Smith", "roles": "Boss", "connected to an employee": "yes"})
    builder.set_setting("Update Entra ID", True)
    doc = builder.document()

    world = World()
    load(world, doc)
    assert {u.props["userPrincipalName"] for u in world.tenant.users.values()} == {
        "jo.smith@fabrikam.com", "al.berg@fabrikam.dk"}
    assert world.emply.settings.update_entra is True
    [group] = world.emply.settings.synced_groups
    assert world.emply.roles[group.role_id].name == "Worker"
    jo = world.emply.user_by_email("jo.smith@fabrikam.com")
    assert jo.employee_id and {world.emply.roles[r].name for r in jo.role_ids} == {"Boss"}
    # the secrets the steps use are in the document, so a load never locks them out
    assert {a["displayName"]: a["secret"] for a in doc["entra"]["apps"]} == {
        wb.INTEGRATION_APP: wb.INTEGRATION_SECRET, wb.QA_APP: wb.QA_SECRET}
    assert world.emply.authenticate(wb.API_KEY) is not None


def test_unknown_names_and_settings_are_refused_clearly():
    builder = wb.WorldBuilder()
    with pytest.raises(wb.WorldTableError, match="nobody named 'Zed Zee'"):
        builder.email_of("Zed Zee")
    with pytest.raises(wb.WorldTableError, match="not an Entra user"):
        builder.add_group("Staff", ["Zed Zee"]) or builder.document()
    with pytest.raises(wb.WorldTableError, match="unknown setting 'sync photos'"):
        builder.set_setting("sync photos", True)
    with pytest.raises(wb.WorldTableError, match="header row"):
        wb.table_rows([["name"]])


def test_lists_and_addresses_are_read_as_a_tester_writes_them():
    assert wb.split_list('Employee, HR and "New employee"') == ["Employee", "HR", "New employee"]
    assert wb.email_from_name("Anne-Marie O'Neil", "contoso.com") == "anne.marie.o.neil@contoso.com"
    assert wb.setting_key("  calendar   SYNC ") == "calendarSync"
