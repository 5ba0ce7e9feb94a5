"""Every page loads over a scenario world and shows what a demo giver points at."""

from __future__ import annotations

from .conftest import text

MEGAN = "megan.jordan@contoso.com"


def test_overview_shows_tenant_runs_and_counts(faq):
    page = faq.get("/ui/")
    assert "Contoso 3f6c2a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b Domains: contoso.com" in text(page, "tenant")
    sync = text(page, "sync")
    assert "Last run: none yet" in sync
    assert "Next scheduled run: 2026-01-05 08:30 UTC" in sync
    assert "Held run: none" in sync
    assert text(page, "count-active") == "3"
    assert text(page, "count-deactivated") == "0"
    assert text(page, "count-employees") == "2"
    assert "faq" in text(page, "worlds") and "calendars" in text(page, "worlds")  # the loader
    assert "FAQ tour" in text(page, "demo")

    faq.engine.run("manual")
    sync = text(faq.get("/ui/"), "sync")
    assert "Last run: #1 partial" in sync  # Mads Jensen has an employee but no account (SYNC-7)
    assert text(faq.get("/ui/"), "count-active") == "5"  # Lars and Sofie created
    assert "SYNC-10 create_user create success" in text(faq.get("/ui/"), "latest")


def test_users_page_lists_active_and_deactivated_with_the_reason(faq):
    faq.engine.run("manual")
    faq.leave_all_groups(MEGAN)
    faq.engine.run("manual")
    helle = faq.user("helle.holm@contoso.com")
    faq.emply.deactivate_user(faq.user("lars.nielsen@contoso.com").id, "manual",
                              f"user:{helle.id}", "left for a competitor")

    page = faq.get("/ui/users")
    active = text(page, "active")
    assert "Ray Ross ray.ross@contoso.com Employee, HR, Manager" in active
    assert "Helle Holm admin helle.holm@contoso.com Administrator" in active
    assert MEGAN not in active
    deactivated = text(page, "deactivated")
    assert ("Megan Jordan megan.jordan@contoso.com left_synced_groups — no longer a direct member "
            "of any synced Entra group sync 2026-01-05 08:00 UTC #2 SYNC-3") in deactivated
    assert ("Lars Nielsen lars.nielsen@contoso.com manual — deactivated by hand in Emply "
            "“left for a competitor” Helle Holm (helle.holm@contoso.com)") in deactivated


def test_user_page_shows_roles_with_their_origin_photo_and_employee(faq):
    faq.engine.run("manual")
    lars = faq.user("lars.nielsen@contoso.com")
    page = faq.get(f"/ui/users/{lars.id}")
    assert "Employee integration · group Employee sync" in text(page, "roles")
    assert "Created by the sync" in page
    assert "none" in text(page, "employee")

    megan = faq.user(MEGAN)
    page = faq.get(f"/ui/users/{megan.id}")
    assert text(page, "status") == "active"
    roles = text(page, "roles")
    for role in ("Employee manual", "HR manual", "Manager manual"):
        assert role in roles
    assert f'src="/ui/users/{megan.id}/photo?v=' in page
    photo = faq.client.get(f"/ui/users/{megan.id}/photo")
    assert photo.status_code == 200
    assert photo.mimetype == "image/png"
    assert photo.data == megan.photo.content  # the photo the sync copied from Entra (PIC-1)
    assert "SYNC-1 link_user" in text(page, "changes")

    ray = faq.user("ray.ross@contoso.com")
    page = faq.get(f"/ui/users/{ray.id}")
    assert "1001 Ray Ross Active" in text(page, "employee")
    assert "no photo" in page  # connected: the sync never copies his photo (PIC-1)
    assert faq.client.get(f"/ui/users/{ray.id}/photo").status_code == 404


def test_user_page_shows_calendars_and_no_disable_button_on_the_default(calendars):
    calendars.engine.run("manual")
    megan = calendars.user(MEGAN)
    page = calendars.get(f"/ui/users/{megan.id}")
    section = text(page, "calendars")
    assert "Calendar default enabled always enabled (default calendar)" in section
    assert "Projects disabled Enable" in section  # shared with edit rights: added, disabled (CAL-2)
    assert "Company holidays" not in section  # shared read-only: never added
    default = next(c for c in megan.calendars if c.is_default)
    assert f"/calendars/{default.id}" not in page  # no switch at all for the default calendar


def test_employees_page_shows_the_lifecycle(faq):
    ray = next(x for x in faq.emply.employees.values() if x.number == "1001")
    faq.emply.set_resignation_date(ray.id, "2026-01-06")
    page = faq.get("/ui/employees")
    row = text(page, f"employee-{ray.id}")
    assert "1001 Ray Ross ray.ross@contoso.com Sales Manager Sales Pending leaves 2026-01-06" in row
    mads = next(x for x in faq.emply.employees.values() if x.number == "1005")
    assert "Active no user account" in text(page, f"employee-{mads.id}")


def test_integration_page_shows_groups_in_order_with_roles_defaults_and_toggles(faq):
    page = faq.get("/ui/integration")
    groups = text(page, "groups")
    assert groups.index("1 Employee") < groups.index("2 HR")
    assert "Employee aaaaaaaa-0001-4000-8000-000000000001 Employee Sales en Europe/Copenhagen DKK" in groups
    assert "HR aaaaaaaa-0002-4000-8000-000000000002 HR People & Culture en" in groups
    toggles = text(page, "toggles")
    assert "Update roles after first sync (SYNC-6) updateRolesAfterFirstSync on Switch off" in toggles
    assert "Calendar sync (CAL-1) calendarSync off Switch on" in toggles
    assert "held at ≥ 10 users and > 20 % of the active synced users (SAFE-2)" in toggles
    assert "3f6c2a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b" in text(page, "tenant")


def test_runs_page_lists_runs_and_changes_with_rules_and_reasons(faq):
    faq.engine.run("manual")
    page = faq.get("/ui/runs")
    assert "#1 manual" in text(page, "runs")
    changes = text(page, "changes")
    assert "SYNC-10 create_user create success lars.nielsen@contoso.com" in changes
    assert ("SYNC-7 error other failure mads.jensen@contoso.com e-mail mads.jensen@contoso.com "
            "belongs to employee") in changes


def test_runs_page_filters_by_rule_kind_user_and_run(faq):
    faq.engine.run("manual")
    faq.engine.run("manual")
    by_rule = text(faq.get("/ui/runs?rule=SYNC-7"), "changes")
    assert by_rule.count("SYNC-7 error") == 2 and "SYNC-10" not in by_rule.split("Old → new")[1]
    by_kind = text(faq.get("/ui/runs?kind=create_user"), "changes").split("Old → new")[1]
    assert "lars.nielsen@contoso.com" in by_kind and "sofie.hansen@contoso.com" in by_kind
    assert "mads.jensen" not in by_kind
    megan = faq.user(MEGAN)
    by_user = text(faq.get(f"/ui/runs?user={megan.id}"), "changes").split("Old → new")[1]
    assert "megan.jordan@contoso.com" in by_user and "lars.nielsen" not in by_user
    by_run = text(faq.get("/ui/runs?run=2"), "changes").split("Old → new")[1]
    assert "#2" in by_run and "#1 " not in by_run


def test_runs_page_names_a_bad_filter(faq):
    page = text(faq.get("/ui/runs?run=first&kind=explode", status=400))
    assert "'run' must be a run number, not 'first'." in page
    assert "'kind' must be one of" in page and "not 'explode'" in page


def test_entra_page_shows_users_and_groups(faq):
    faq.engine.run("manual")
    page = faq.get("/ui/entra")
    groups = text(page, "groups")
    assert ("HR aaaaaaaa-0002-4000-8000-000000000002 synced → HR Ray Ross, Megan Jordan, "
            "Sofie Hansen") in groups
    users = text(page, "users")
    assert ("Megan Jordan megan.jordan@contoso.com megan.jordan@contoso.com enabled Employee, HR "
            "megan.jordan@contoso.com") in users  # linked to her Emply user
    assert "Helle Holm helle.holm@contoso.com helle.holm@contoso.com enabled — —" in users


def test_unknown_user_is_a_clear_page_not_a_trace(faq):
    page = faq.get("/ui/users/nobody", status=404)
    assert text(page, "error-message") == "No user with id 'nobody'."
    assert "Traceback" not in page


def test_pages_without_the_hosted_sync_still_render(faq):
    from mocks.emply.app import create_app

    bare = create_app(faq.world).test_client()  # the Emply app alone, no sync core
    page = bare.get("/ui/").get_data(as_text=True)
    assert "The sync core is not running in this Emply server" in page
    assert bare.get("/ui/runs").status_code == 200
