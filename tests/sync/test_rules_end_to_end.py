"""Every rule id against the in-process mocks over the real Graph protocol.

Each test names the rule it proves; ``grep -rn SYNC-6 tests`` finds it.
"""

from __future__ import annotations

import pytest


def _synced(sim, runs: int = 2):
    for _ in range(runs):
        sim.run()


def _leave(sim, group: str, upn: str) -> None:
    sim.tenant.remove_member(sim.group(group).id, sim.entra_user(upn).id)


# -- SYNC-6: the FAQ's four Megan Jordan cases and the Ray Ross case -------------
@pytest.mark.parametrize(("case", "after"), [
    ("a", {"Employee", "HR", "Manager"}),
    ("b", {"Employee", "HR", "Manager"}),
    ("c", {"Employee", "HR"}),
    ("d", {"New employee", "HR", "Manager"}),
])
def test_sync_6_megan_jordan_cases(sim, case, after):
    _synced(sim)
    megan = sim.user("megan.jordan@contoso.com")
    if case == "b":
        _leave(sim, "HR", "megan.jordan@contoso.com")
    elif case == "c":
        sim.emply.set_roles(megan.id, [sim.role_id("Manager")], "user:hr-admin")
    elif case == "d":
        sim.emply.update_synced_group(sim.group("Employee").id,
                                      {"roleId": sim.role_id("New employee")}, "user:hr-admin")
    sim.run()
    assert sim.roles("megan.jordan@contoso.com") == after


@pytest.mark.parametrize("change", ["left HR", "roles taken", "remapped"])
def test_sync_6_ray_ross_connected_to_an_employee_keeps_his_roles(sim, change):
    _synced(sim)
    ray = sim.user("ray.ross@contoso.com")
    before = sim.roles("ray.ross@contoso.com")
    if change == "left HR":
        _leave(sim, "HR", "ray.ross@contoso.com")
    elif change == "roles taken":
        sim.emply.set_roles(ray.id, [sim.role_id("Manager")], "user:hr-admin")
        before = {"Manager"}
    else:
        sim.emply.update_synced_group(sim.group("Employee").id,
                                      {"roleId": sim.role_id("New employee")}, "user:hr-admin")
    sim.run()
    assert sim.roles("ray.ross@contoso.com") == before
    assert sim.user("ray.ross@contoso.com").active


def test_sync_6_toggle_off_leaves_roles_alone(sim):
    _synced(sim)
    sim.emply.update_settings({"updateRolesAfterFirstSync": False}, "user:hr-admin")
    megan = sim.user("megan.jordan@contoso.com")
    sim.emply.set_roles(megan.id, [sim.role_id("Manager")], "user:hr-admin")
    sim.run()
    assert sim.roles("megan.jordan@contoso.com") == {"Manager"}


# -- SYNC-1, SYNC-7, SYNC-10, SYNC-13 ----------------------------------------------
def test_sync_7_employee_without_account_is_reported_then_connected(sim):
    sim.emply.add_employee({"firstName": "Nina", "lastName": "Holm",
                            "email": "Nina.Holm@contoso.dk", "number": "1002"})
    result = sim.run()
    [error] = [c for c in result["changes"] if c["rule"] == "SYNC-7"]
    assert error["status"] == "failure" and "account" in error["reason"]
    assert sim.user("nina.holm@contoso.dk") is None
    employee = sim.emply.find_employees(email="nina.holm@contoso.dk")[0]
    sim.emply.add_user({"email": "nina.holm@contoso.dk", "firstName": "Nina", "lastName": "Holm",
                        "employeeId": employee.id}, "user:hr-admin")
    result = sim.run()
    assert any(c["kind"] == "link_user" and c["rule"] == "SYNC-1" for c in result["changes"])
    assert sim.user("nina.holm@contoso.dk").entra_object_id == sim.entra_user(
        "nina.holm@contoso.dk").id


def test_sync_10_later_entra_changes_do_not_reach_emply(sim):
    _synced(sim)
    nina = sim.entra_user("nina.holm@contoso.dk")
    sim.graph("PATCH", f"/users/{nina.id}", json={"givenName": "Nanna", "jobTitle": "CEO"})
    sim.run()
    assert sim.user("nina.holm@contoso.dk").first_name == "Nina"


def test_sync_13_nested_group_members_are_not_synced(sim):
    ole = sim.entra_user("ole.berg@contoso.com")
    sim.tenant.add_member(sim.group("Employee").id, sim.group("Not synced").id)
    _synced(sim)
    assert sim.user(ole.props["userPrincipalName"]) is None
    assert len([u for u in sim.emply.users.values() if u.email == "ray.ross@contoso.com"]) == 1


# -- SYNC-2 ----------------------------------------------------------------------------
def test_sync_2_a_trigger_during_a_run_is_refused(sim):
    engine = sim.inproc.engine
    with engine._running:  # a run is under way
        response = sim.emply_http.post("/integrations/entra-id/runs")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sync_already_running"


# -- SYNC-4 ----------------------------------------------------------------------------
def test_sync_4_removed_group_role_is_kept_and_its_only_members_deactivated(sim):
    _synced(sim)
    hr = sim.group("HR")
    sim.tenant.add_member(hr.id, sim.entra_user("ole.berg@contoso.com").id)
    sim.run()
    assert sim.roles("ole.berg@contoso.com") == {"HR"}
    sim.emply.remove_synced_group(hr.id, "user:hr-admin")
    result = sim.run()
    ole = sim.user("ole.berg@contoso.com")
    assert ole.deactivation.reason == "group_removed_from_integration"
    assert any(c["rule"] == "SYNC-4" for c in result["changes"])
    megan = sim.user("megan.jordan@contoso.com")
    sim.emply.set_roles(megan.id, [sim.role_id("HR"), sim.role_id("Manager")], "user:hr-admin")
    sim.run()  # Employee is missing: roles become the mapped ones, but HR is left alone
    assert sim.roles("megan.jordan@contoso.com") == {"Employee", "HR"}


# -- SYNC-3 / SYNC-8 -----------------------------------------------------------------------
def test_sync_8_disabled_account_deactivates_and_enabling_reactivates(sim):
    _synced(sim)
    nina = sim.entra_user("nina.holm@contoso.dk")
    sim.graph("PATCH", f"/users/{nina.id}", json={"accountEnabled": False})
    sim.run()
    assert sim.user("nina.holm@contoso.dk").deactivation.reason == "disabled_in_entra"
    sim.graph("PATCH", f"/users/{nina.id}", json={"accountEnabled": True})
    sim.run()
    assert sim.user("nina.holm@contoso.dk").active


def test_sync_3_deactivated_by_hand_stays_deactivated(sim):
    _synced(sim)
    megan = sim.user("megan.jordan@contoso.com")
    sim.emply.deactivate_user(megan.id, "manual", "user:hr-admin")
    sim.run()
    assert not sim.user("megan.jordan@contoso.com").active


# -- SYNC-5, SYNC-11 -------------------------------------------------------------------
def test_sync_5_update_entra_writes_employee_data_only_when_on(sim):
    _synced(sim)
    ray = sim.entra_user("ray.ross@contoso.com")
    assert ray.props["jobTitle"] is None
    sim.emply.update_settings({"updateEntra": True}, "user:hr-admin")
    result = sim.run()
    assert sim.entra_user("ray.ross@contoso.com").props["jobTitle"] == "CFO"
    [update] = [c for c in result["changes"] if c["kind"] == "update_entra"]
    assert update["rule"] == "SYNC-5" and update["new"]["jobTitle"] == "CFO"


def test_sync_5_update_entra_off_never_writes(sim):
    _synced(sim, 3)
    writes = [e for e in sim.world.journal.entries() if e.method in ("PATCH", "POST", "DELETE")
              and "$batch" not in e.url]
    assert writes == []


def test_sync_11_hybrid_user_is_skipped_and_not_retried(sim):
    ray = sim.entra_user("ray.ross@contoso.com")
    ray.props["onPremisesSyncEnabled"] = True
    sim.emply.update_settings({"updateEntra": True}, "user:hr-admin")
    first = sim.run()
    [skip] = [c for c in first["changes"] if c["rule"] == "SYNC-11"]
    assert skip["status"] == "skipped"
    second = sim.run()
    assert not [c for c in second["changes"] if c["rule"] == "SYNC-11"]
    assert not [e for e in sim.world.journal.entries() if e.method == "PATCH"]


def test_sync_11_hybrid_tenant_refuses_write_options(sim):
    sim.emply.update_settings({"tenant": {"id": sim.tenant.id, "onPremisesSyncEnabled": True}},
                              "user:hr-admin")
    response = sim.emply_http.patch("/integrations/entra-id", json={"createInEntra": True})
    assert response.status_code == 422


# -- PIC-1 --------------------------------------------------------------------------------------
def _new_photo_for(sim, *upns: str) -> bytes:
    from mocks.entra.loader import generated_photo

    photo = generated_photo("another picture", "image/png", 64, 64)
    for upn in upns:
        response = sim.graph("PUT", f"/users/{sim.entra_user(upn).id}/photo/$value",
                             content=photo, headers={"Content-Type": "image/png"})
        assert response.status_code in (200, 204), response.text
    return photo


def test_pic_1_photo_changes_arrive_within_a_day_for_users_without_employee(sim):
    sim.run()
    first = sim.user("megan.jordan@contoso.com").photo.entra_etag
    photo = _new_photo_for(sim, "megan.jordan@contoso.com", "ray.ross@contoso.com")
    sim.advance(24 * 60)  # a day of scheduled runs: every user's photo is read once
    megan = sim.user("megan.jordan@contoso.com")
    assert megan.photo.entra_etag != first and megan.photo.content == photo
    assert sim.user("ray.ross@contoso.com").photo is None  # connected to an employee


def test_pic_1_photo_is_read_at_once_when_delta_reports_the_user_changed(sim):
    sim.run()
    photo = _new_photo_for(sim, "megan.jordan@contoso.com")
    megan_id = sim.entra_user("megan.jordan@contoso.com").id
    sim.graph("PATCH", f"/users/{megan_id}", json={"jobTitle": "Head of HR"})
    sim.run()
    assert sim.user("megan.jordan@contoso.com").photo.content == photo


# -- CAL-1 and CAL-2 -----------------------------------------------------------------------------
def test_cal_1_nothing_calendar_related_until_switched_on(sim):
    _synced(sim)
    assert sim.user("nina.holm@contoso.dk").calendars == []


def test_cal_2_default_enabled_others_disabled_read_only_never(sim):
    nina = sim.entra_user("nina.holm@contoso.dk")
    megan = sim.entra_user("megan.jordan@contoso.com")
    from mocks.entra import mailbox

    boss = mailbox.add_calendar(sim.tenant, megan.id, "Board")
    mailbox.share_calendar(sim.tenant, boss.id, nina.id, "read")
    sim.emply.update_settings({"calendarSync": True}, "user:hr-admin")
    sim.run()
    calendars = {c.name: (c.is_default, c.enabled) for c in sim.user("nina.holm@contoso.dk").calendars}
    assert calendars == {"Calendar": (True, True), "Team": (False, False),
                         "Private projects": (False, False)}


def test_cal_1_events_made_in_emply_go_to_enabled_calendars_once(sim):
    sim.emply.update_settings({"calendarSync": True}, "user:hr-admin")
    sim.run()
    nina = sim.user("nina.holm@contoso.dk")
    team = next(c for c in nina.calendars if c.name == "Team")
    sim.emply.set_calendar_enabled(nina.id, team.id, True)
    sim.emply.add_event({"userId": nina.id, "subject": "Onboarding",
                         "start": "2026-02-03T09:00:00Z", "end": "2026-02-03T10:00:00Z"})
    sim.run()
    sim.run()
    events = [e for e in sim.tenant.events.values() if e.props.get("subject") == "Onboarding"]
    assert len(events) == 2  # default calendar + the enabled Team calendar, each once


# -- DEL-1, DEL-2 --------------------------------------------------------------------------------
def test_del_2_archived_employee_deactivates_user_and_del_1_deletes_in_entra(sim):
    _synced(sim)
    sim.emply.update_settings({"deleteInEntra": True}, "user:hr-admin")
    ray_employee = sim.emply.find_employees(email="ray.ross@contoso.com")[0]
    sim.emply.set_resignation_date(ray_employee.id, "2026-02-10")
    assert sim.emply.employee(ray_employee.id).status == "Pending"
    sim.world.clock.set(sim.world.clock.now().replace(day=10, hour=0))
    assert sim.emply.employee(ray_employee.id).status == "Archived"
    assert sim.user("ray.ross@contoso.com").deactivation.reason == "employee_archived"
    sim.run()
    ray_id = sim.user("ray.ross@contoso.com").entra_object_id
    assert ray_id in sim.tenant.deleted_users


def test_del_1_delete_in_entra_off_never_deletes(sim):
    _synced(sim)
    ray_employee = sim.emply.find_employees(email="ray.ross@contoso.com")[0]
    sim.emply.set_resignation_date(ray_employee.id, "2026-02-10")
    sim.world.clock.set(sim.world.clock.now().replace(day=11))
    sim.run()
    assert sim.entra_user("ray.ross@contoso.com") is not None


# -- EXT-1 -----------------------------------------------------------------------------------
def test_ext_1_create_in_entra_creates_hand_made_users_in_verified_domains(sim):
    _synced(sim)
    sim.emply.add_user({"email": "temp@contoso.dk", "firstName": "Tim", "lastName": "Temp"},
                       "user:hr-admin")
    sim.emply.update_settings({"createInEntra": True}, "user:hr-admin")
    result = sim.run()
    assert sim.entra_user("temp@contoso.dk") is not None
    assert sim.user("temp@contoso.dk").entra_object_id == sim.entra_user("temp@contoso.dk").id
    # Issue 15 changed the decision: another domain is no longer refused (EXT-1); the
    # consultant gets a sign-in name on the default domain (tests/sync/test_hardening.py).
    assert not [c for c in result["changes"] if c["rule"] == "EXT-1" and c["status"] == "failure"]
    assert sim.user("consultant@partner.example").entra_object_id is not None
    assert sim.user("consultant@partner.example").active


# -- INT-1 -------------------------------------------------------------------------------------
def test_int_1_removed_integration_runs_nothing_and_users_stay(sim):
    _synced(sim)
    count = len(sim.emply.users)
    response = sim.emply_http.delete("/integrations/entra-id")
    assert response.status_code == 200
    assert sim.emply_http.post("/integrations/entra-id/runs").status_code == 409
    sim.advance(120)
    assert len(sim.emply.users) == count
    assert all(u.active for u in sim.emply.users.values() if u.email != "ole.berg@contoso.com")


# -- SAFE-2 ----------------------------------------------------------------------------------
def _many_people(world_doc, n: int = 30) -> None:
    for i in range(n):
        upn = f"person{i:02d}@contoso.com"
        world_doc["entra"]["users"].append({"userPrincipalName": upn, "displayName": f"P {i}"})
        world_doc["entra"]["groups"][0]["members"].append(upn)


@pytest.fixture
def crowded(world_doc):
    from tests.sync.conftest import Sim

    _many_people(world_doc)
    s = Sim(world_doc)
    s.run()
    yield s
    s.close()


def test_safe_2_mass_deactivation_is_held_until_confirmed(crowded):
    sim = crowded
    employee_group = sim.group("Employee")
    for member in list(employee_group.members)[3:]:
        sim.tenant.remove_member(employee_group.id, member)
    held = sim.run()
    assert held["status"] == "held"
    assert all(u.active for u in sim.emply.users.values())
    assert sim.run()["status"] == "held"  # later runs stay held
    run_id = held["runId"]
    confirmed = sim.emply_http.post(f"/integrations/entra-id/runs/{run_id}/confirm")
    assert confirmed.status_code == 201, confirmed.text
    gone = [u for u in sim.emply.users.values() if not u.active]
    assert len(gone) == 30
    assert sim.emply_http.get(f"/integrations/entra-id/runs/{run_id}").json()["status"] == "confirmed"


def test_safe_2_rejected_run_applies_nothing(crowded):
    sim = crowded
    employee_group = sim.group("Employee")
    for member in list(employee_group.members)[3:]:
        sim.tenant.remove_member(employee_group.id, member)
    run_id = sim.run()["runId"]
    rejected = sim.emply_http.post(f"/integrations/entra-id/runs/{run_id}/reject")
    assert rejected.status_code == 200
    assert all(u.active for u in sim.emply.users.values())
    assert sim.emply_http.post(f"/integrations/entra-id/runs/{run_id}/reject").status_code == 409


# -- SAFE-3 -----------------------------------------------------------------------------------
def test_safe_3_every_change_has_rule_reason_old_and_new(sim):
    _synced(sim)
    _leave(sim, "Employee", "nina.holm@contoso.dk")
    sim.run()
    changes = sim.emply_http.get("/integrations/entra-id/changes").json()["value"]
    assert changes
    for change in changes:
        assert change["rule"] and change["reason"]
        if change["status"] == "success" and change["kind"] in ("deactivate", "set_roles"):
            assert change["old"] is not None and change["new"] is not None


# -- provision on demand --------------------------------------------------------------------
def test_one_user_on_demand_shows_its_steps(sim):
    response = sim.emply_http.post("/integrations/entra-id/sync-user",
                                   json={"userPrincipalName": "nina.holm@contoso.dk"})
    assert response.status_code == 201, response.text
    kinds = [c["kind"] for c in response.json()["changes"]]
    assert kinds[0] == "create_user"
    assert sim.user("nina.holm@contoso.dk") is not None
    assert sim.user("megan.jordan@contoso.com").entra_object_id is None  # nobody else touched


def test_cal_1_events_of_enabled_calendars_show_in_emply_and_follow_outlook(sim):
    sim.emply.update_settings({"calendarSync": True}, "user:hr-admin")
    sim.run()
    nina = sim.entra_user("nina.holm@contoso.dk")
    calendars = sim.graph("GET", f"/users/{nina.id}/calendars").json()["value"]
    default = next(c for c in calendars if c["isDefaultCalendar"])
    team = next(c for c in calendars if c["name"] == "Team")
    for calendar, subject in ((default, "Dentist"), (team, "Team offsite")):
        created = sim.graph("POST", f"/users/{nina.id}/calendars/{calendar['id']}/events", json={
            "subject": subject, "start": {"dateTime": "2026-02-04T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-02-04T10:00:00", "timeZone": "UTC"}})
        assert created.status_code == 201, created.text
    result = sim.run()
    shown = {e.subject for e in sim.emply.list_events(sim.user("nina.holm@contoso.dk").id)}
    assert shown == {"Dentist"}  # Team is an additional calendar: disabled until switched on
    assert [c["rule"] for c in result["changes"] if c["kind"] == "import_events"] == ["CAL-1"]
    assert [c for c in sim.run()["changes"] if c["kind"] == "import_events"] == []
    dentist = next(e for e in sim.tenant.events.values() if e.props.get("subject") == "Dentist")
    del sim.tenant.events[dentist.id]  # cancelled in Outlook
    sim.graph("PATCH", f"/users/{nina.id}", json={"jobTitle": "Nurse"})  # delta: read Nina now
    sim.run()
    assert sim.emply.list_events(sim.user("nina.holm@contoso.dk").id) == []


def test_cal_2_switching_calendar_sync_on_reads_everyones_calendars_in_the_next_run(sim):
    for _ in range(3):
        sim.run()  # incremental by now: nothing changes in Entra
    sim.emply.update_settings({"calendarSync": True}, "user:hr-admin")
    sim.run()
    for email in ("ray.ross@contoso.com", "megan.jordan@contoso.com", "nina.holm@contoso.dk"):
        assert [c.name for c in sim.user(email).calendars if c.is_default] == ["Calendar"]


@pytest.mark.parametrize("delete_in_entra", [True, False])
def test_del_1_user_deleted_in_emply_is_not_created_again(sim, delete_in_entra):
    _synced(sim)
    sim.emply.update_settings({"deleteInEntra": delete_in_entra}, "user:hr-admin")
    nina = sim.user("nina.holm@contoso.dk")
    entra_id = nina.entra_object_id
    sim.emply.delete_user(nina.id, "user:hr-admin")
    first = sim.run()
    assert sim.user("nina.holm@contoso.dk") is None
    assert [c["kind"] for c in first["changes"]] == (
        ["delete_in_entra"] if delete_in_entra else ["skip"])
    assert first["changes"][0]["rule"] == "DEL-1"
    assert (entra_id in sim.tenant.deleted_users) is delete_in_entra
    second = sim.run()
    assert sim.user("nina.holm@contoso.dk") is None and second["changes"] == []
