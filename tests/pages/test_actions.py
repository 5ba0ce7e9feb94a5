"""Every action of the pages: it goes through the model's rules, redirects back and says what happened."""

from __future__ import annotations

from datetime import timedelta

from .conftest import flashes, text

MEGAN = "megan.jordan@contoso.com"


def _settled(demo) -> None:
    """The FAQ world after its first two runs: Megan linked, everyone's groups recorded."""
    demo.engine.run("manual")
    demo.engine.run("manual")


# -- the demo actions in every page header ------------------------------------------------
def test_run_sync_now_runs_and_reports_the_result(faq):
    page = faq.post("/ui/sync/run", back="/ui/runs")
    assert flashes(page) == ["Run 1: partial (create_user 2, failure 1, link_user 2, set_photo 1). "
                             "1 change(s) could not be made; the run log says why for each (status failure)."]
    assert [r.trigger for r in faq.engine.store.runs()] == ["manual"]
    assert "#1 manual" in text(page, "runs")


def test_run_sync_without_an_integration_shows_the_reason(faq):
    faq.emply.remove_integration("user:test")
    page = faq.post("/ui/sync/run")
    assert flashes(page) == ["the Entra ID integration is not set up"]
    assert faq.engine.store.runs() == []


def test_advance_clock_moves_30_minutes_and_the_scheduled_run_happens(faq):
    page = faq.post("/ui/clock/advance", back="/ui/runs")
    assert flashes(page) == ["The clock is now 2026-01-05 08:30 UTC."]
    assert "2026-01-05 08:30 UTC" in text(page, "sim-clock")
    assert [r.trigger for r in faq.engine.store.runs()] == ["schedule"]
    assert "Next scheduled run: 2026-01-05 09:00 UTC" in text(page, "runs")


def test_load_scenario_replaces_the_world(faq):
    faq.engine.run("manual")
    page = faq.post("/ui/scenario", {"name": "calendars"})
    assert flashes(page) == ["Loaded the scenario 'calendars'; the sync starts afresh."]
    assert faq.user("sofie.hansen@contoso.com").calendar_sync_enabled is False
    assert faq.user("ray.ross@contoso.com") is None  # the calendars world has no Emply Ray yet
    assert "Last run: none yet" in text(page, "sync")  # a new world has no sync history


def test_load_unknown_scenario_is_refused_and_the_world_kept(faq):
    page = faq.post("/ui/scenario", {"name": "nope"})
    message = flashes(page)[0]
    assert message.startswith("No built-in scenario named 'nope' (built-in: ")
    assert "faq" in message
    assert faq.user(MEGAN) is not None


def test_acting_user_is_chosen_in_the_header_and_recorded(faq):
    megan = faq.user(MEGAN)
    page = faq.post("/ui/acting-user", {"user_id": megan.id})
    assert flashes(page) == ["Acting as Megan Jordan."]
    assert f'<option value="{megan.id}" selected>' in page
    faq.post("/ui/integration/toggles", {"setting": "calendarSync", "value": "true"})
    assert faq.emply.audit[-1].actor == f"user:{megan.id}"
    assert "Megan Jordan (megan.jordan@contoso.com) calendarSync off on" in text(
        faq.get("/ui/integration"), "audit")
    page = faq.post("/ui/acting-user", {"user_id": "ghost"})
    assert flashes(page) == ["Choose an active Emply user to act as."]


# -- roles ----------------------------------------------------------------------------
def test_take_a_mapped_role_away_and_the_sync_restores_it_with_the_reason(faq):
    _settled(faq)
    megan = faq.user(MEGAN)
    back = f"/ui/users/{megan.id}"
    page = faq.post(f"/ui/users/{megan.id}/roles/{faq.role_id('HR')}/remove", back=back)
    assert flashes(page) == ["Removed the role HR."]
    assert "HR" not in {row.split()[0] for row in text(page, "roles").split("Remove")}
    assert faq.roles(MEGAN) == {"Employee", "Manager"}

    page = faq.post("/ui/sync/run", back=back)
    assert faq.roles(MEGAN) == {"Employee", "HR"}  # FAQ case c: roles set to the mapped ones
    assert "HR integration · group HR sync" in text(page, "roles")
    log = text(faq.get(f"/ui/runs?rule=SYNC-6&user={megan.id}"), "changes")
    assert ("SYNC-6 set_roles update success megan.jordan@contoso.com role sync for groups "
            "Employee, HR: added HR; removed Manager + added: HR − removed: Manager details") in log


def test_add_a_role_by_hand(faq):
    megan = faq.user(MEGAN)
    page = faq.post(f"/ui/users/{megan.id}/roles", {"role_id": faq.role_id("New employee")},
                    back=f"/ui/users/{megan.id}")
    assert flashes(page) == ["Added the role New employee."]
    assert "New employee manual Helle Holm (helle.holm@contoso.com)" in text(page, "roles")
    page = faq.post(f"/ui/users/{megan.id}/roles", {"role_id": ""})
    assert flashes(page) == ["Choose a role to add."]


def test_an_administrator_cannot_remove_their_own_admin_role(faq):
    helle = faq.user("helle.holm@contoso.com")  # the default acting user, the first admin
    admin = faq.role_id("Administrator")
    page = faq.post(f"/ui/users/{helle.id}/roles/{admin}/remove")
    assert flashes(page) == [f"User '{helle.id}' cannot remove their own administrator role "
                             "'Administrator'; another administrator must do it (SYNC-9)."]
    assert faq.roles("helle.holm@contoso.com") == {"Administrator"}
    faq.post("/ui/acting-user", {"user_id": faq.user(MEGAN).id})
    page = faq.post(f"/ui/users/{helle.id}/roles/{admin}/remove")
    assert "holds no administrator role" in flashes(page)[0]
    assert faq.roles("helle.holm@contoso.com") == {"Administrator"}


# -- calendars ----------------------------------------------------------------------------
def test_enable_and_disable_an_additional_calendar(calendars):
    calendars.engine.run("manual")
    megan = calendars.user(MEGAN)
    projects = next(c for c in megan.calendars if c.name == "Projects")
    back = f"/ui/users/{megan.id}"
    page = calendars.post(f"/ui/users/{megan.id}/calendars/{projects.id}", {"enabled": "true"},
                          back=back)
    assert flashes(page) == ["Calendar Projects enabled."]
    assert "Projects enabled Disable" in text(page, "calendars")
    assert projects.enabled is True
    page = calendars.post(f"/ui/users/{megan.id}/calendars/{projects.id}", {"enabled": "false"},
                          back=back)
    assert flashes(page) == ["Calendar Projects disabled."]
    assert projects.enabled is False


def test_the_default_calendar_cannot_be_disabled_even_by_a_crafted_form(calendars):
    calendars.engine.run("manual")
    megan = calendars.user(MEGAN)
    default = next(c for c in megan.calendars if c.is_default)
    page = calendars.post(f"/ui/users/{megan.id}/calendars/{default.id}", {"enabled": "false"})
    assert flashes(page) == [f"'{default.name}' is the user's default calendar; it is always "
                             "enabled and cannot be disabled (CAL-2)."]
    assert default.enabled is True
    page = calendars.post(f"/ui/users/{megan.id}/calendars/{default.id}", {"enabled": "maybe"})
    assert flashes(page) == ["'enabled' must be true or false."]


# -- employees ------------------------------------------------------------------------------
def test_set_a_resignation_date_then_the_employee_is_archived_on_that_day(faq):
    _settled(faq)
    ray = next(x for x in faq.emply.employees.values() if x.number == "1001")
    page = faq.post(f"/ui/employees/{ray.id}/resignation", {"date": "2026-01-06"},
                    back="/ui/employees")
    assert flashes(page) == ["Employee 1001 Ray Ross is now Pending (resignation date 2026-01-06)."]
    assert "Pending leaves 2026-01-06" in text(page, f"employee-{ray.id}")

    faq.world.clock.advance(timedelta(days=1))
    page = faq.get("/ui/employees")
    assert "Archived" in text(page, f"employee-{ray.id}")
    users = text(faq.get("/ui/users"), "deactivated")
    assert ("Ray Ross ray.ross@contoso.com employee_archived — the connected employee was "
            "archived after their resignation date system") in users


def test_clear_a_resignation_date_and_refuse_a_bad_one(faq):
    ray = next(x for x in faq.emply.employees.values() if x.number == "1001")
    faq.post(f"/ui/employees/{ray.id}/resignation", {"date": "2026-03-01"})
    page = faq.post(f"/ui/employees/{ray.id}/resignation", {"clear": "1"})
    assert flashes(page) == ["Employee 1001 Ray Ross is now Active."]
    assert ray.resignation_date is None
    page = faq.post(f"/ui/employees/{ray.id}/resignation", {"date": "31/12/2026"})
    assert "resignationDate" in flashes(page)[0]
    assert ray.status == "Active"
    page = faq.post(f"/ui/employees/{ray.id}/resignation", {"date": ""})
    assert flashes(page) == ["Give a resignation date (YYYY-MM-DD)."]


# -- integration toggles ------------------------------------------------------------------------
def test_switch_a_toggle_through_the_settings_rules(faq):
    page = faq.post("/ui/integration/toggles", {"setting": "calendarSync", "value": "true"},
                    back="/ui/integration")
    assert flashes(page) == ["calendarSync is now on."]
    assert faq.emply.settings.calendar_sync is True
    assert "calendarSync on Switch off" in text(page, "toggles")
    page = faq.post("/ui/integration/toggles", {"setting": "launchRockets", "value": "true"})
    assert flashes(page)[0].startswith("Choose one of updateRolesAfterFirstSync")


def test_a_refused_toggle_shows_the_rule(faq):
    faq.emply.update_settings({"tenant": {"onPremisesSyncEnabled": True}}, "user:test")
    page = faq.post("/ui/integration/toggles", {"setting": "updateEntra", "value": "true"})
    assert "SYNC-11" in flashes(page)[0] or "hybrid" in flashes(page)[0]
    assert faq.emply.settings.update_entra is False


# -- held runs (SAFE-2) ----------------------------------------------------------------------------
def _held(demo) -> int:
    _settled(demo)
    demo.emply.update_settings({"deactivationThreshold": {"minimum": 1, "ratio": 0.0}}, "user:t")
    demo.leave_all_groups(MEGAN)
    result = demo.engine.run("manual")
    assert result.status == "held"
    return result.run_id


def test_a_held_run_is_shown_and_confirmed(faq):
    held = _held(faq)
    page = faq.get("/ui/runs")
    assert f"Run {held} is held (SAFE-2)" in text(page, "held")
    assert "SYNC-3 deactivate megan.jordan@contoso.com" in text(page, "held")
    assert f"Run {held} is held" in text(faq.get("/ui/"), "held-banner")
    page = faq.post(f"/ui/runs/{held}/confirm", back="/ui/runs")
    # Mads Jensen's SYNC-7 error (an employee without an account) is in every run of this world
    assert flashes(page) == [f"Held run {held} confirmed. Run {held + 1}: partial (deactivate 1, "
                             "failure 1). 1 change(s) could not be made; the run log says why for each (status failure)."]
    assert faq.user(MEGAN).active is False
    assert 'id="held"' not in page
    helle = faq.user("helle.holm@contoso.com")
    assert faq.engine.store.run(held).message == f"held run confirmed by user:{helle.id}"


def test_a_held_run_is_rejected(faq):
    held = _held(faq)
    page = faq.post(f"/ui/runs/{held}/reject", back="/ui/runs")
    assert flashes(page) == [f"Held run {held} rejected; nothing was applied."]
    assert faq.user(MEGAN).active is True
    assert faq.engine.held_run() is None
    page = faq.post(f"/ui/runs/{held}/reject")
    assert flashes(page) == [f"run {held} is not the held run"]


# -- protection -------------------------------------------------------------------------------------
def test_actions_take_post_only_and_refuse_other_origins(faq):
    assert faq.client.get("/ui/sync/run").status_code == 405
    response = faq.client.post("/ui/sync/run", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "Refused a form sent from another site" in text(response.get_data(as_text=True))
    assert faq.engine.store.runs() == []
    same = faq.client.post("/ui/sync/run", headers={"Origin": "http://localhost"})
    assert same.status_code == 303


def test_redirects_stay_on_the_pages(faq):
    own = {"Origin": "http://localhost"}
    response = faq.client.post("/ui/clock/advance", data={"next": "https://evil.example/"},
                               headers=own)
    assert response.headers["Location"] == "/ui/"
    response = faq.client.post("/ui/clock/advance", data={"next": "//evil.example/ui"},
                               headers=own)
    assert response.headers["Location"] == "/ui/"


def test_served_beyond_loopback_the_pages_need_the_simulation_token(faq):
    faq.world.sim_token = "s3cret"
    refused = faq.client.get("/ui/users")
    assert refused.status_code == 401
    body = refused.get_data(as_text=True)
    assert "?simToken=" in body and MEGAN not in body
    assert faq.client.post("/ui/sync/run").status_code == 401
    opened = faq.client.get("/ui/users?simToken=s3cret")
    assert opened.status_code == 303 and opened.headers["Location"] == "/ui/users"
    assert MEGAN in faq.get("/ui/users")  # the cookie now carries the token
