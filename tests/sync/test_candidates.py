"""Incremental planning (issue 13): a run plans only the users that can have changed, and
a change made anywhere in Emply (the REST API, a page, the simulation clock) or in the
settings is planned by the next run. Every incremental plan here is also checked against
a plan of everyone over the same views: the two must say the same."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mocks.inprocess import GRAPH_URL
from sync_core import engine as engine_module
from sync_core import rules
from tests.sync.conftest import Sim

MEGAN = "megan.jordan@contoso.com"
NINA = "nina.holm@contoso.dk"


def _key(action) -> tuple:
    return (action.kind, action.rule, action.reason, action.entra_id, action.emply_id,
            repr(action.old), repr(action.new))


@pytest.fixture
def checked(monkeypatch):
    """Record every plan; an incremental one must equal the plan of everyone."""
    plans: list[dict] = []
    real = rules.plan

    def plan(entra, emply, settings, last, *, lift_threshold=False, candidates=None):
        result = real(entra, emply, settings, last, lift_threshold=lift_threshold,
                      candidates=candidates)
        plans.append({"incremental": candidates is not None, "covered": result.covered})
        if candidates is not None:
            everyone = real(entra, emply, settings, last, lift_threshold=lift_threshold)
            assert [_key(a) for a in result.actions] == [_key(a) for a in everyone.actions]
            assert result.state.user_groups == everyone.state.user_groups
            assert result.state.unsynced_links == everyone.state.unsynced_links
            assert result.state.reported == everyone.state.reported
            assert result.held == everyone.held
        return result

    monkeypatch.setattr(engine_module.rules, "plan", plan)
    return plans


@pytest.fixture
def settled(world_doc, checked):
    """The test world after two runs: everyone linked and role-synced."""
    sim = Sim(world_doc)
    sim.run()
    sim.run()
    yield sim
    sim.close()


def _changes(result: dict) -> list[tuple[str, str]]:
    return [(c["kind"], c["email"]) for c in result["changes"]]


def test_a_quiet_run_plans_only_its_refresh_share_not_everyone(settled, checked):
    assert checked[0]["incremental"] is False  # the first run plans everyone
    result = settled.run()
    assert result["status"] == "success" and result["changes"] == []
    last = checked[-1]
    assert last["incremental"] is True
    linked = {u.entra_object_id for u in settled.emply.users.values() if u.entra_object_id}
    assert last["covered"] < linked  # fewer than every linked user


def test_a_role_removed_through_the_api_is_restored_by_the_next_run(settled, checked):
    megan = settled.user(MEGAN)
    response = settled.emply_http.delete(f"/users/{megan.id}/roles/{settled.role_id('HR')}")
    assert response.status_code == 204, response.text
    result = settled.run()
    assert checked[-1]["incremental"] is True
    assert ("set_roles", MEGAN) in _changes(result)
    assert "HR" in settled.roles(MEGAN)


def test_a_role_removed_on_a_page_is_restored_by_the_next_run(settled, checked):
    pages = settled.inproc.emply_app.test_client()
    admin = settled.emply.user_by_email("admin@contoso.com")
    origin = {"Origin": "http://localhost"}
    pages.post("/ui/acting-user", data={"user_id": admin.id, "next": "/ui/"}, headers=origin)
    nina = settled.user(NINA)
    employee = settled.role_id("Employee")
    response = pages.post(f"/ui/users/{nina.id}/roles/{employee}/remove", data={"next": "/ui/"},
                          headers=origin)
    assert response.status_code == 303
    assert "Employee" not in settled.roles(NINA)
    result = settled.run()
    assert checked[-1]["incremental"] is True
    assert ("set_roles", NINA) in _changes(result)
    assert "Employee" in settled.roles(NINA)


def test_an_archiving_by_the_simulation_clock_is_planned_by_the_next_run(settled, checked):
    ray = settled.user("ray.ross@contoso.com")
    settled.emply.update_settings({"deleteInEntra": True}, "user:qa")
    settled.run()  # a settings change: everyone is planned once
    assert checked[-1]["incremental"] is False
    response = settled.emply_http.put(f"/employees/{ray.employee_id}/resignation",
                                      json={"resignationDate": "2026-02-03"})
    assert response.status_code == 200, response.text
    settled.inproc.engine.next_due = None  # no scheduled run while the clock moves
    sim_api = settled.inproc.client(base_url=GRAPH_URL.removesuffix("/v1.0"))
    moved = sim_api.post("/_sim/clock", json={"advance": "P1D"})
    assert moved.status_code == 200, moved.text
    assert not settled.user("ray.ross@contoso.com").active  # archived: DEL-2
    result = settled.run()
    assert checked[-1]["incremental"] is True
    assert ("delete_in_entra", "ray.ross@contoso.com") in _changes(result)


def test_a_settings_change_plans_everyone(settled, checked):
    settled.emply.update_synced_group(settled.group("Employee").id,
                                      {"roleId": settled.role_id("New employee")}, "user:qa")
    result = settled.run()
    assert checked[-1]["incremental"] is False
    assert ("set_roles", NINA) in _changes(result)
    assert "New employee" in settled.roles(NINA)
    settled.run()
    assert checked[-1]["incremental"] is True  # and incremental again afterwards


def test_a_partial_run_makes_the_next_run_plan_everyone(settled, checked, monkeypatch):
    megan = settled.user(MEGAN)
    settled.emply.revoke_role(megan.id, settled.role_id("HR"), "user:qa")
    adapter = settled.inproc.engine.emply

    def refuse(action, entra, store):
        raise engine_module.Refused("Emply is read-only for a moment")

    with monkeypatch.context() as patched:
        patched.setattr(adapter, "_set_roles", refuse)
        assert settled.run()["status"] == "partial"
    result = settled.run()
    assert checked[-1]["incremental"] is False
    assert ("set_roles", MEGAN) in _changes(result)


def test_the_syncs_own_writes_do_not_make_everyone_a_candidate(world_doc, checked):
    sim = Sim(world_doc)
    try:
        first = sim.run()
        assert any(c["kind"] == "create_user" for c in first["changes"])
        second = sim.run()  # links made in the first run get their first role sync here
        assert checked[-1]["incremental"] is True
        assert second["status"] == "success"
        sim.world.clock.advance(timedelta(minutes=1))
        sim.run()
        created = {u.entra_object_id for u in sim.emply.users.values()
                   if u.origin == "integration"}
        assert not created <= checked[-1]["covered"]
    finally:
        sim.close()
