"""Incremental runs (delta queries) end in exactly the Emply state a full read gives
for the same changes, and an expired delta link leads to a clean full resync."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.sync.conftest import Sim


def _state(sim: Sim) -> dict:
    """What a QA tester compares: each user's status, reason, roles and Entra link."""
    out = {}
    for user in sim.emply.users.values():
        out[user.email] = (user.active, user.deactivation.reason if user.deactivation else None,
                           frozenset(sim.emply.roles[r].name for r in user.role_ids),
                           user.entra_object_id, user.origin)
    return out


def _delete(sim, upn):
    sim.graph("DELETE", f"/users/{sim.entra_user(upn).id}")


def _restore(sim, upn):
    uid = next(u.id for u in sim.tenant.deleted_users.values()
               if u.props["userPrincipalName"] == upn)
    sim.graph("POST", f"/directory/deletedItems/{uid}/restore")


def _leave(sim, group, upn):
    sim.tenant.remove_member(sim.group(group).id, sim.entra_user(upn).id)


def _join(sim, group, upn):
    sim.tenant.add_member(sim.group(group).id, sim.entra_user(upn).id)


def _disable(sim, upn):
    sim.graph("PATCH", f"/users/{sim.entra_user(upn).id}", json={"accountEnabled": False})


def _remap(sim, group, role):
    sim.emply.update_synced_group(sim.group(group).id, {"roleId": sim.role_id(role)}, "user:qa")


def _add_group(sim, group, role):
    sim.emply.add_synced_group({"groupId": sim.group(group).id, "roleId": sim.role_id(role)},
                               "user:qa")


CHANGES = {
    "deletion": [lambda s: _delete(s, "nina.holm@contoso.dk")],
    "deletion then restore": [lambda s: _delete(s, "megan.jordan@contoso.com"), None,
                              lambda s: _restore(s, "megan.jordan@contoso.com")],
    "membership removal": [lambda s: _leave(s, "HR", "megan.jordan@contoso.com"),
                           lambda s: _leave(s, "Employee", "megan.jordan@contoso.com")],
    "new member": [lambda s: _join(s, "HR", "ole.berg@contoso.com")],
    "mapping change": [lambda s: _remap(s, "Employee", "New employee")],
    "account disabled": [lambda s: _disable(s, "nina.holm@contoso.dk")],
    "group added to the integration": [lambda s: _add_group(s, "Not synced", "Manager")],
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_incremental_runs_end_where_full_reads_end(world_doc, name):
    incremental, full = Sim(world_doc), Sim(world_doc)
    try:
        for sim in (incremental, full):
            sim.run()
            sim.run()
        for step in CHANGES[name]:
            for sim in (incremental, full):
                if step is not None:
                    step(sim)
            incremental.run()
            full.inproc.engine.directory.forget()  # the next run reads everything
            full.run()
        assert _state(incremental) == _state(full)
    finally:
        incremental.close()
        full.close()


def test_a_run_with_no_change_reads_only_the_delta_links_and_its_share_of_users(sim):
    sim.run()
    before = sim.world.journal.last_seq
    result = sim.run()
    assert result["status"] == "success" and result["changes"] == []
    urls = [e.url for e in sim.world.journal.entries(since=before) if e.batch is None]
    assert sorted(u.split("?")[0].rsplit("/v1.0", 1)[1] for u in urls) == [
        "/$batch", "/groups/delta", "/users/delta"]


def test_an_expired_delta_link_leads_to_a_clean_full_resync(sim):
    engine = sim.inproc.engine
    sim.run()
    sim.world.clock.unsubscribe(engine.on_clock)  # no scheduled runs while time passes
    sim.world.clock.advance(timedelta(days=8))  # Graph forgets delta links after 7 days
    _leave(sim, "Employee", "nina.holm@contoso.dk")
    before = sim.world.journal.last_seq
    result = sim.run()
    assert result["status"] == "success"
    statuses = [(e.status, e.url.split("?")[0].rsplit("/v1.0", 1)[1])
                for e in sim.world.journal.entries(since=before)]
    assert (410, "/users/delta") in statuses and (200, "/users") in statuses
    assert not sim.user("nina.holm@contoso.dk").active
    assert sim.run()["changes"] == []  # and incremental again afterwards
