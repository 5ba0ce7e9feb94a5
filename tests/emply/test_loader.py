"""The ``emply:`` part of the world document: load, dump, round trip, and clear errors."""

from __future__ import annotations

import base64
import copy

import pytest

from mocks import worldfile
from mocks.emply import loader
from mocks.emply.models import Emply
from mocks.world import World


def test_dump_then_load_gives_the_same_state(world, ids):
    emply = world.emply
    emply.set_photo(ids.user["megan"], b"\x89PNG\r\n\x1a\nxyz", "image/png", "sync", entra_etag="e1")
    emply.update_settings({"tenant": {"id": "t-1", "domains": ["contoso.com"]},
                           "syncedGroups": [{"groupId": "g1", "roleId": ids.role["HR"]},
                                            {"groupId": "g2"}]}, "user:x")
    emply.remove_synced_group("g2", "user:x")
    emply.add_event({"userId": ids.user["ray"], "subject": "Plan", "start": "2026-01-06T09:00:00Z",
                     "end": "2026-01-06T10:00:00Z"})
    emply.upsert_m365_event(ids.user["ray"], "cal-ray-default", "m1", "Sync",
                            "2026-01-06T11:00:00Z", "2026-01-06T12:00:00Z")
    emply.deactivate_user(ids.user["megan"], "left_synced_groups", "sync")
    emply.set_resignation_date(ids.emp["1002"], "2026-01-05")
    emply.sync_store["lastRun"] = {"mapping": {"g1": ids.role["HR"]}}
    first = loader.dump(emply)
    again = World(seed=99)
    loader.load(again.emply, copy.deepcopy(first))
    assert loader.dump(again.emply) == first
    assert again.emply.user(ids.user["megan"]).photo.content == b"\x89PNG\r\n\x1a\nxyz"
    assert again.emply.authenticate("key-all-7f3a9c") is not None  # keys survive as hashes


def test_readable_references_and_generated_photos():
    emply = Emply(World().clock, World().ids)
    loader.load(emply, {
        "roles": [{"name": "Employee"}],
        "departments": [{"title": "Sales", "manager": "1"}],
        "employees": [{"number": "1", "firstName": "A", "lastName": "B", "email": "a@x.com",
                       "department": "Sales"}],
        "users": [{"email": "a@x.com", "firstName": "A", "lastName": "B", "employee": "a@x.com",
                   "roles": ["Employee"], "photo": {"contentType": "image/jpeg"},
                   "status": "deactivated"}],
        "events": [{"user": "a@x.com", "subject": "S", "start": "2026-01-06T09:00:00Z",
                    "end": "2026-01-06T09:30:00Z"}],
    })
    user = next(iter(emply.users.values()))
    emp = next(iter(emply.employees.values()))
    assert user.employee_id == emp.id and next(iter(emply.departments.values())).manager_id == emp.id
    assert user.photo.content.startswith(b"\xff\xd8") and user.deactivation.reason == "manual"
    assert len(emply.events) == 1


@pytest.mark.parametrize(("doc", "where"), [
    ({"users": [{"email": "a@x.com", "firstName": "A", "lastName": "B", "roles": ["Nope"]}]},
     "emply.users[0]: no role 'Nope'"),
    ({"employees": [{"firstName": "A"}]}, "emply.employees[0]: 'lastName' is required"),
    ({"integration": {"syncedGroups": [{"group": "Employee"}]}}, "emply.integration"),
    ({"apiKeys": [{"name": "k", "key": "x", "permissions": ["admin"]}]}, "emply.apiKeys[0]"),
    ({"roles": "Employee"}, "emply.roles: expected a list"),
    ({"users": [{"email": "a@x.com", "firstName": "A", "lastName": "B",
                 "deactivation": {"reason": "bored"}}]}, "emply.users[0]: deactivation.reason"),
    ({"roles": [{"name": "R"}], "users": [{"email": "a@x.com", "firstName": "A", "lastName": "B",
                                           "roles": [{"role": "R", "source": "magic"}]}]},
     "emply.users[0]: roles[0].source"),
    ({"people": []}, "emply.people: unknown key"),
])
def test_bad_documents_name_the_path(doc, where):
    with pytest.raises(ValueError) as caught:
        loader.load(Emply(World().clock, World().ids), doc)
    assert where in str(caught.value)


def test_integration_names_groups_and_tenant_through_the_entra_tenant():
    world = World()
    world.tenant.add_domain("contoso.com", default=True)
    world.tenant.add_domain("contoso.dk")
    group = world.tenant.add_group({"displayName": "Employee"})
    loader.load(world.emply, {"roles": [{"name": "Employee"}],
                              "integration": {"syncedGroups": [{"group": "Employee", "role": "Employee"}]}},
                tenant=world.tenant)
    settings = world.emply.settings
    assert settings.tenant.id == world.tenant.id
    assert settings.tenant.domains == ["contoso.com", "contoso.dk"]
    assert settings.synced_groups[0].group_id == group.id
    assert settings.synced_groups[0].display_name == "Employee"
    assert world.emply.audit == []  # loading is not an audited change


def test_refused_settings_in_a_document_are_refused_on_load():
    doc = {"roles": [{"name": "Admin", "isAdministrator": True}],
           "integration": {"tenant": {"id": "t", "onPremisesSyncEnabled": True}, "updateEntra": True}}
    with pytest.raises(ValueError, match="hybrid"):
        loader.load(Emply(World().clock, World().ids), doc)
    doc = {"roles": [{"name": "Admin", "isAdministrator": True}],
           "integration": {"tenant": {"id": "t"}, "syncedGroups": [{"groupId": "g", "role": "Admin"}]}}
    with pytest.raises(ValueError, match="administrator role"):
        loader.load(Emply(World().clock, World().ids), doc)


def test_world_document_round_trip_through_worldfile(world):
    doc = worldfile.dump(world)
    assert "key-all" not in str(doc)
    other = World()
    worldfile.load(other, doc)
    assert loader.dump(other.emply) == loader.dump(world.emply)


def test_photo_base64_is_checked():
    doc = {"users": [{"email": "a@x.com", "firstName": "A", "lastName": "B",
                      "photo": {"contentType": "image/png", "base64": "not base64!"}}]}
    with pytest.raises(ValueError, match=r"emply.users\[0\]"):
        loader.load(Emply(World().clock, World().ids), doc)
    good = base64.b64encode(b"\x89PNG..").decode()
    doc["users"][0]["photo"]["base64"] = good
    emply = Emply(World().clock, World().ids)
    loader.load(emply, doc)
    assert next(iter(emply.users.values())).photo.content == b"\x89PNG.."


def test_world_document_names_synced_groups_by_their_entra_name():
    world = World()
    worldfile.load(world, {
        "entra": {"domains": [{"name": "contoso.com", "default": True}],
                  "groups": [{"displayName": "Employee"}]},
        "emply": {"roles": [{"name": "Employee"}],
                  "integration": {"syncedGroups": [{"group": "Employee", "role": "Employee"}]}},
    })
    group = next(iter(world.tenant.groups.values()))
    assert world.emply.settings.tenant.id == world.tenant.id
    assert [g.group_id for g in world.emply.settings.synced_groups] == [group.id]


def test_a_world_with_an_archived_connected_employee_loads_back():
    from datetime import timedelta

    from mocks.scenarios import load_world
    from mocks.world import World
    from mocks.worldfile import dump, load

    _, world = load_world("deletion-and-resignation")
    world.clock.advance(timedelta(days=60))
    archived = [e for e in world.emply.employees.values() if e.status == "Archived"]
    assert archived and any(world.emply.employee_user(e.id) for e in archived)
    again = World()
    load(again, dump(world))
    for employee in archived:
        assert again.emply.employees[employee.id].status == "Archived"
        user = again.emply.employee_user(employee.id)
        if user is not None:
            assert user.deactivation.reason == "employee_archived"
