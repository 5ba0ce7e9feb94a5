"""The entra: part of the world document: load, validation errors by path, dump round trip."""

from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta

import pytest

from mocks.entra import loader, mailbox
from mocks.world import World

from .conftest import WORLD_DOC, new_world, upn_id


def fresh(doc: dict, seed: int = 7) -> World:
    world = new_world(seed)
    loader.load(world.tenant, copy.deepcopy(doc))
    return world


def test_load_builds_the_tenant(world):
    t = world.tenant
    assert t.display_name == "Contoso" and set(t.domains) == {"contoso.com", "contoso.dk",
                                                              "contoso.onmicrosoft.com"}
    (app,) = t.apps.values()
    assert app.display_name == "Emply People" and app.secret == "s3cr3t-value-never-dumped"
    assert app.roles == {"User.Read.All", "GroupMember.Read.All"}
    ray = t.user_by_id_or_upn("ray.ross@contoso.com")
    assert ray.props["jobTitle"] == "CFO" and ray.props["otherMails"] == ["ray@private.example"]
    assert ray.props["mailNickname"] == "ray.ross" and ray.props["accountEnabled"] is True
    hr = next(g for g in t.groups.values() if g.props["displayName"] == "HR")
    managers = next(g for g in t.groups.values() if g.props["displayName"] == "Managers")
    assert hr.members == [upn_id(world, "megan.jordan@contoso.com"),
                          upn_id(world, "lars.nielsen@contoso.dk"), managers.id]


def test_same_document_and_seed_give_the_same_ids():
    assert loader.dump(fresh(WORLD_DOC).tenant) == loader.dump(fresh(WORLD_DOC).tenant)
    assert loader.dump(fresh(WORLD_DOC).tenant) != loader.dump(fresh(WORLD_DOC, seed=8).tenant)


def test_every_user_has_a_default_calendar_and_listed_ones(world):
    t = world.tenant
    ray = upn_id(world, "ray.ross@contoso.com")
    megan = upn_id(world, "megan.jordan@contoso.com")
    own = {c.name: (c, can_edit) for c, can_edit in mailbox.calendars_of(t, ray)}
    assert set(own) == {"Calendar", "Projects"} and own["Calendar"][0].is_default
    projects = own["Projects"][0]
    assert projects.color == "lightBlue" and projects.shared_with == {megan: "write"}
    seen_by_megan = [(c.name, c.owner_id, edit) for c, edit in mailbox.calendars_of(t, megan)]
    assert seen_by_megan == [("Calendar", megan, True), ("Projects", ray, True)]


def test_generated_photos_are_valid_distinct_and_deterministic(world):
    ray = upn_id(world, "ray.ross@contoso.com")
    photo = world.tenant.photos[ray]
    assert photo.content_type == "image/jpeg" and photo.content[:2] == b"\xff\xd8"
    assert photo.content.endswith(b"\xff\xd9")
    assert mailbox.image_size(photo.content, "image/jpeg") == (96, 96)
    assert fresh(WORLD_DOC).tenant.photos[ray].content == photo.content
    other = loader.generated_photo("someone-else", "image/jpeg")
    assert other != photo.content
    png = loader.generated_photo(ray, "image/png", 40, 30)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and mailbox.image_size(png, "image/png") == (40, 30)


def test_photo_from_base64(world):
    png = loader.generated_photo("x", "image/png", 20, 10)
    doc = copy.deepcopy(WORLD_DOC)
    doc["users"][1]["photo"] = {"contentType": "image/png", "base64": base64.b64encode(png).decode()}
    w = fresh(doc)
    photo = w.tenant.photos[upn_id(w, "megan.jordan@contoso.com")]
    assert photo.content == png and (photo.width, photo.height) == (20, 10)


def roundtrip_doc(world: World) -> dict:
    t = world.tenant
    t.add_user({"userPrincipalName": "extra@contoso.dk", "displayName": "Extra",
                "onPremisesSyncEnabled": True, "businessPhones": ["+45 1"]})
    t.delete_user(upn_id(world, "megan.jordan@contoso.com"))
    world.clock.advance(timedelta(days=2))
    mailbox.set_photo(t, upn_id(world, "lars.nielsen@contoso.dk"),
                      loader.generated_photo("uploaded", "image/png"), "image/png")
    cal = next(c for c in t.calendars.values() if c.name == "Projects")
    mailbox.add_event(t, cal.id, {"subject": "Kick-off",
                                  "start": {"dateTime": "2026-01-06T09:00:00", "timeZone": "UTC"}})
    return loader.dump(t)


def test_dump_round_trips_with_ids(world):
    doc = roundtrip_doc(world)
    json.dumps(doc)  # a plain JSON document
    again = new_world(99)  # another seed: every id must come from the document
    loader.load(again.tenant, copy.deepcopy(doc))
    assert loader.dump(again.tenant) == doc
    t1, t2 = world.tenant, again.tenant
    assert t2.id == t1.id
    assert {k: u.props for k, u in t2.users.items()} == {k: u.props for k, u in t1.users.items()}
    assert {k: u.props for k, u in t2.deleted_users.items()} == \
        {k: u.props for k, u in t1.deleted_users.items()}
    assert {k: g.members for k, g in t2.groups.items()} == {k: g.members for k, g in t1.groups.items()}
    assert {k: p.content for k, p in t2.photos.items()} == {k: p.content for k, p in t1.photos.items()}
    assert {k: (c.name, c.owner_id, c.shared_with) for k, c in t2.calendars.items()} == \
        {k: (c.name, c.owner_id, c.shared_with) for k, c in t1.calendars.items()}
    assert {k: e.props for k, e in t2.events.items()} == {k: e.props for k, e in t1.events.items()}
    # A restored user gets its groups back after the round trip too.
    megan = next(iter(t2.deleted_users))
    t2.restore_user(megan)
    assert sum(megan in g.members for g in t2.groups.values()) == 2


def test_dump_never_holds_secrets(world):
    text = json.dumps(loader.dump(world.tenant))
    assert "s3cr3t-value-never-dumped" not in text
    assert loader.dump(world.tenant)["apps"][0]["secret"] == loader.REDACTED
    again = new_world(7)
    loader.load(again.tenant, loader.dump(world.tenant))
    (app,) = again.tenant.apps.values()
    assert app.secret not in ("", loader.REDACTED, "s3cr3t-value-never-dumped")
    assert app.client_id == next(iter(world.tenant.apps.values())).client_id


def test_hybrid_tenant_users_are_synced(world):
    doc = copy.deepcopy(WORLD_DOC)
    doc["tenant"]["onPremisesSyncEnabled"] = True
    doc["users"][3]["onPremisesSyncEnabled"] = None  # a cloud-only user in a hybrid tenant
    w = fresh(doc)
    assert w.tenant.on_premises_sync_enabled
    assert w.tenant.user_by_id_or_upn("ray.ross@contoso.com").hybrid
    assert not w.tenant.user_by_id_or_upn("o'brien@contoso.com").hybrid


def broken(path: str, value) -> dict:
    """WORLD_DOC with the value at a dotted path (list indexes as numbers) replaced."""
    doc = copy.deepcopy(WORLD_DOC)
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize("doc, message", [
    (broken("users.2.userPrincipalName", "lars@x.com"),
     "entra.users[2].userPrincipalName: domain 'x.com' is not a verified domain of the tenant"),
    (broken("users.1.userPrincipalName", "RAY.ROSS@contoso.com"),
     "entra.users[1].userPrincipalName: 'RAY.ROSS@contoso.com' is used by another user"),
    (broken("users.1.userPrincipalName", "no-at-sign"),
     "entra.users[1].userPrincipalName: 'no-at-sign' is not of the form alias@domain"),
    (broken("users.1.displayName", ""), "entra.users[1].displayName: expected a non-empty string"),
    (broken("users.1.shoeSize", 42), "entra.users[1].shoeSize: unknown key"),
    (broken("users.1.accountEnabled", "yes"), "entra.users[1].accountEnabled: expected true or false"),
    (broken("users.1.otherMails", "a@b.c"), "entra.users[1].otherMails: expected a list"),
    (broken("users.1.id", "not-a-guid"), "entra.users[1].id: expected a GUID"),
    (broken("users.0.photo", {"contentType": "image/tiff"}), "entra.users[0].photo.contentType:"),
    (broken("users.0.photo", {"contentType": "image/gif"}),
     "entra.users[0].photo.contentType: only image/jpeg and image/png photos are generated"),
    (broken("users.0.photo", {"base64": "@@@"}), "entra.users[0].photo.base64: not valid base64"),
    (broken("users.0.calendars", [{"color": "red"}]),
     "entra.users[0].calendars[0].name: expected a non-empty string"),
    (broken("groups.0.members", ["nobody@contoso.com"]),
     "entra.groups[0].members[0]: no user or group 'nobody@contoso.com' in the document"),
    (broken("groups.2.displayName", "HR"), "entra.groups[0].members[2]: 2 groups are named 'HR'"),
    (broken("groups.1.members", ["HR"]), "entra.groups[1].members[0]: a group cannot be a member"),
    (broken("groups.1.displayName", None), "entra.groups[1].displayName: expected a non-empty string"),
    (broken("domains.1.name", "not a domain"), "entra.domains[1].name: 'not a domain' is not a domain"),
    (broken("domains.1.default", True), "entra.domains: more than one domain is marked default"),
    (broken("apps.0.permissions", ["User Read All"]),
     "entra.apps[0].permissions[0]: 'User Read All' is not a Graph permission name"),
    (broken("apps.0.clientId", "123"), "entra.apps[0].clientId: expected a GUID"),
    (broken("tenant.id", "abc"), "entra.tenant.id: expected a GUID"),
    (broken("calendarShares.0.calendar", "Holidays"),
     "entra.calendarShares[0].calendar: the owner has no calendar 'Holidays'"),
    (broken("calendarShares.0.with", "ghost@contoso.com"),
     "entra.calendarShares[0].with: no user 'ghost@contoso.com' in the document"),
    (broken("calendarShares.0.role", "admin"), "entra.calendarShares[0].role: Unknown calendar role"),
    (broken("users", {"not": "a list"}), "entra.users: expected a list"),
    (broken("tenant.colour", "blue"), "entra.tenant.colour: unknown key"),
])
def test_validation_errors_name_the_path(doc, message):
    with pytest.raises(ValueError) as info:
        loader.load(new_world(1).tenant, doc)
    assert str(info.value).startswith(message), str(info.value)


def test_top_level_unknown_key():
    with pytest.raises(ValueError, match=r"^entra\.printers: unknown key"):
        loader.load(new_world().tenant, {"printers": []})


def test_empty_document_gives_an_empty_tenant():
    w = new_world()
    loader.load(w.tenant, {})
    assert not w.tenant.users and not w.tenant.groups and not w.tenant.domains
