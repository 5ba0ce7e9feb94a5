"""The hosted sync core end to end: Emply's API triggers runs that read Graph over the
real protocol (in-process) and change Emply, each change logged with its rule."""

from __future__ import annotations

from mocks.graph.faults import FaultPlan


def test_first_run_links_existing_users_and_creates_new_members(sim):
    result = sim.run()
    assert result["status"] == "success"
    kinds = {(c["kind"], c["email"]) for c in result["changes"]}
    assert ("link_user", "ray.ross@contoso.com") in kinds
    assert ("link_user", "megan.jordan@contoso.com") in kinds
    assert ("create_user", "nina.holm@contoso.dk") in kinds
    assert sim.user("ole.berg@contoso.com") is None  # not in a synced group
    nina = sim.user("nina.holm@contoso.dk")
    assert nina.origin == "integration" and nina.entra_object_id
    assert sim.roles("nina.holm@contoso.dk") == {"Employee"}
    staff = next(d for d in sim.emply.departments.values() if d.title == "Staff")
    assert (nina.department_id, nina.language, nina.currency) == (staff.id, "da", "DKK")
    # linked users keep the roles they had (SYNC-6 decision)
    assert sim.roles("megan.jordan@contoso.com") == {"Employee", "HR", "Manager"}


def test_megan_loses_unmapped_role_when_mapped_roles_were_taken_away(sim):
    sim.run()
    sim.run()
    megan = sim.user("megan.jordan@contoso.com")
    sim.emply.set_roles(megan.id, [sim.role_id("Manager")], "user:someone")
    result = sim.run()
    assert sim.roles("megan.jordan@contoso.com") == {"Employee", "HR"}
    [change] = [c for c in result["changes"] if c["kind"] == "set_roles"]
    assert change["rule"] == "SYNC-6" and change["old"] and change["new"]
    # Ray Ross, connected to an employee, is never role-synced
    ray = sim.user("ray.ross@contoso.com")
    sim.emply.set_roles(ray.id, [sim.role_id("Manager")], "user:someone")
    sim.run()
    assert sim.roles("ray.ross@contoso.com") == {"Manager"}


def test_runs_every_thirty_minutes_on_the_simulation_clock(sim):
    engine = sim.inproc.engine
    assert engine.store.runs() == []
    sim.advance(29)
    assert engine.store.runs() == []
    sim.advance(1)
    assert [r.trigger for r in engine.store.runs()] == ["schedule"]
    sim.advance(60)
    assert len(engine.store.runs()) == 3


def test_leaving_the_groups_deactivates_with_a_reason_and_rejoining_reactivates(sim):
    sim.run()
    megan_entra = sim.entra_user("megan.jordan@contoso.com")
    for name in ("Employee", "HR"):
        sim.tenant.remove_member(sim.group(name).id, megan_entra.id)
    sim.run()
    megan = sim.user("megan.jordan@contoso.com")
    assert not megan.active and megan.deactivation.reason == "left_synced_groups"
    why = sim.emply_http.get(f"/users/{megan.id}/deactivation-reason").json()
    assert (why["reason"], why["rule"], why["deactivatedBy"]) == (
        "left_synced_groups", "SYNC-3", "sync")
    listed = sim.emply_http.get("/users/deactivated").json()
    assert megan.id in {u["id"] for u in (listed["value"] if isinstance(listed, dict) else listed)}
    sim.tenant.add_member(sim.group("HR").id, megan_entra.id)
    sim.run()
    assert sim.user("megan.jordan@contoso.com").active


def test_user_deleted_in_entra_is_deactivated_and_restoring_brings_them_back(sim):
    sim.run()
    megan_entra = sim.entra_user("megan.jordan@contoso.com")
    assert sim.graph("DELETE", f"/users/{megan_entra.id}").status_code == 204
    sim.run()
    assert sim.user("megan.jordan@contoso.com").deactivation.reason == "deleted_in_entra"
    restored = sim.graph("POST", f"/directory/deletedItems/{megan_entra.id}/restore")
    assert restored.status_code == 200
    sim.run()
    assert sim.user("megan.jordan@contoso.com").active


def test_external_users_and_admins_are_left_alone(sim):
    for _ in range(3):
        sim.run()
    assert sim.user("consultant@partner.example").active
    assert sim.roles("admin@contoso.com") == {"Administrator"}


def test_partial_read_deactivates_nobody(sim):
    sim.run()
    sim.world.faults = FaultPlan.from_json(
        {"rules": [{"pathPrefix": "/groups/delta", "unavailableRate": 1.0}]})
    sim.tenant.remove_member(sim.group("Employee").id, sim.entra_user("nina.holm@contoso.dk").id)
    result = sim.run()
    assert result["status"] == "failure"
    assert result["changes"][0]["rule"] == "SAFE-1"
    assert sim.user("nina.holm@contoso.dk").active
    sim.world.faults = FaultPlan()
    sim.run()
    assert not sim.user("nina.holm@contoso.dk").active


def test_first_full_read_that_misses_a_group_changes_nothing(sim):
    group_id = sim.group("HR").id
    sim.world.faults = FaultPlan.from_json(
        {"rules": [{"pathPrefix": f"/groups/{group_id}/members", "unavailableRate": 1.0}]})
    result = sim.run()
    assert result["status"] == "failure" and result["changes"][0]["rule"] == "SAFE-1"
    assert sim.user("nina.holm@contoso.dk") is None
    assert sim.user("megan.jordan@contoso.com").entra_object_id is None


def test_throttled_graph_is_waited_for_on_the_simulation_clock(sim):
    sim.world.faults = FaultPlan.from_json({"seed": 1, "throttleRate": 0.3, "retryAfter": 2})
    before = sim.world.clock.now()
    assert sim.run()["status"] == "success"
    assert sim.world.clock.now() > before  # waiting moved simulated time, nobody slept
    assert sim.world.journal.violations() == []


def test_photo_is_copied_for_users_without_employee(sim):
    sim.run()
    megan = sim.user("megan.jordan@contoso.com")
    assert megan.photo is not None and megan.photo.entra_etag
    assert sim.user("ray.ross@contoso.com").photo is None
