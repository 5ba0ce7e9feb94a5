"""Emply's change log (issue 13): every way a user's data changes names that user, the
sync's own writes are told apart, and what concerns everyone says so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mocks.emply.adapter import EmplyAdapter
from mocks.emply.models import SYNC


def _since(world, seq, **kw):
    return world.emply.changes.since(seq, **kw)


@pytest.mark.parametrize("change", [
    "update", "deactivate", "grant", "revoke", "set_roles", "photo", "calendar", "event",
    "delete"])
def test_each_model_path_names_the_user_it_changed(world, ids, change):
    e, ray = world.emply, ids.user["ray"]
    e.upsert_calendar(ray, "cal-1", "Team")  # something to switch and remove later
    seq = e.changes.seq
    {
        "update": lambda: e.update_user(ray, {"timeZone": "Europe/Oslo"}, "user:x"),
        "deactivate": lambda: e.deactivate_user(ray, "manual", "user:x"),
        "grant": lambda: e.grant_role(ray, ids.role["Manager"], "user:x"),
        "revoke": lambda: e.revoke_role(ray, e.users[ray].role_ids[0], "user:x"),
        "set_roles": lambda: e.set_roles(ray, [ids.role["Manager"]], "user:x"),
        "photo": lambda: e.set_photo(ray, b"\xff\xd8jpeg", "image/jpeg", "user:x"),
        "calendar": lambda: e.remove_calendar(ray, "cal-1"),
        "event": lambda: e.add_event({"userId": ray, "subject": "1:1",
                                      "start": "2026-02-02T09:00:00Z",
                                      "end": "2026-02-02T10:00:00Z"}, "user:x"),
        "delete": lambda: e.delete_user(ray, "user:x"),
    }[change]()
    changes = _since(world, seq)
    assert changes is not None and ray in changes.users


def test_an_employee_change_names_the_connected_user(world, ids):
    e = world.emply
    connected = next(u for u in e.users.values() if u.employee_id)
    seq = e.changes.seq
    e.update_employee(connected.employee_id, {"jobTitle": "Head of sales"}, "user:x")
    changes = _since(world, seq)
    assert connected.id in changes.users and connected.employee_id in changes.employees


def test_an_unlink_names_the_entra_user_it_was_linked_to(world, ids):
    e, ray = world.emply, ids.user["ray"]
    e.link_entra(ray, "entra-ray")
    seq = e.changes.seq
    e.link_entra(ray, None, "user:x")
    assert _since(world, seq).entra_links == {"entra-ray"}


def test_settings_roles_and_departments_concern_everyone(world, ids):
    e = world.emply
    for change in (lambda: e.update_role(ids.role["HR"], {"name": "People"}),
                   lambda: e.update_department(ids.dept["Sales"], {"title": "Salg"}),
                   lambda: e.update_settings({"calendarSync": True}, "user:x")):
        seq = e.changes.seq
        change()
        assert _since(world, seq) is None


def test_the_syncs_own_writes_are_told_apart_but_counted(world, ids):
    e, ray = world.emply, ids.user["ray"]
    adapter = EmplyAdapter(e)
    seq = e.changes.seq
    e.changes.sync_writes(True)
    try:
        e.set_roles(ray, [ids.role["Manager"]], SYNC)
    finally:
        e.changes.sync_writes(False)
    assert e.changes.seq == seq + 1  # the change number moved
    assert ray in _since(world, seq).users  # a reader of everything sees it
    assert adapter.changed_since(seq).users == set()  # the sync does not plan its own write


def test_an_archiving_on_a_clock_move_inside_a_sync_write_is_not_the_syncs(world, ids):
    e = world.emply
    connected = next(u for u in e.users.values() if u.employee_id)
    e.set_resignation_date(connected.employee_id, (e.now() + timedelta(days=1)).date(), "user:x")
    seq = e.changes.seq
    e.changes.sync_writes(True)
    try:
        world.clock.advance(timedelta(days=1))  # a Retry-After waited on the simulation clock
    finally:
        e.changes.sync_writes(False)
    assert connected.id in EmplyAdapter(e).changed_since(seq).users


def test_the_adapters_standing_copy_equals_a_fresh_read_after_changes(world, ids):
    e, ray = world.emply, ids.user["ray"]
    adapter = EmplyAdapter(e)
    adapter.read({})
    e.link_entra(ray, "entra-ray")
    e.grant_role(ray, ids.role["Manager"], "user:x")
    e.upsert_calendar(ray, "cal-1", "Team")
    e.delete_user(ids.user["megan"], "user:x")
    kept = adapter.read({})
    fresh = EmplyAdapter(e).read({})
    assert kept.users == fresh.users and kept.employees == fresh.employees
    # and in the model's order, which the rules (and so the run log) follow
    assert list(kept.users) == list(fresh.users)
    assert list(kept.employees) == list(fresh.employees)
    assert kept.by_entra == fresh.by_entra and kept.by_email == fresh.by_email
    assert kept.unlinked == fresh.unlinked and kept.active_synced == fresh.active_synced
    assert kept.calendars_unread == fresh.calendars_unread
    assert kept.deleted_entra_links == fresh.deleted_entra_links
    assert kept.shown_events == fresh.shown_events and kept.events == fresh.events
