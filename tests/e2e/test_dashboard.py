"""Demos in a real headless Chromium: what a person clicks in the Emply pages, and sees."""

from __future__ import annotations

import re

import httpx
import msal

from .conftest import CHROMIUM, missing_prerequisites, screenshot

MEGAN = "megan.jordan@contoso.com"


def test_chromium_and_playwright_are_installed():
    """CI installs both; without them this fails with what to install."""
    assert missing_prerequisites() == [], missing_prerequisites()
    assert CHROMIUM


def expect_flash(page, message: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("p.flash.ok, p.flash.error").first).to_have_text(message)


def load_scenario(page, name: str) -> None:
    page.goto("/ui/")
    page.select_option("#scenario", name)
    page.click("#load-scenario")
    expect_flash(page, f"Loaded the scenario '{name}'; the sync starts afresh.")


def run_sync(page) -> str:
    page.click("#run-sync")
    flash = page.locator("p.flash.ok").first
    flash.wait_for()
    text = flash.inner_text()
    assert re.match(r"Run \d+: (success|partial)", text), text
    return text


def open_user(page, display_name: str) -> None:
    page.click("nav >> text=Users")
    page.click(f"#active >> text={display_name}")
    page.locator("h1", has_text=display_name).wait_for()


def test_faq_take_a_mapped_role_away_and_the_sync_restores_it(page):
    from playwright.sync_api import expect

    load_scenario(page, "faq")
    expect(page.locator("#tenant")).to_contain_text("3f6c2a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")
    expect(page.locator("#acting-user")).to_have_value(re.compile(".+"))  # the first admin
    assert "Helle Holm" in page.locator("#acting-user option:checked").inner_text()
    run_sync(page)  # links Megan and Ray by e-mail (SYNC-1), creates Lars and Sofie
    page.click("#advance-clock")  # the scheduled run at 08:30 (SYNC-2)
    expect_flash(page, "The clock is now 2026-01-05 08:30 UTC.")
    expect(page.locator("#sync")).to_contain_text("Last run: #2")

    open_user(page, "Megan Jordan")
    roles = page.locator("#roles")
    for role in ("Employee", "HR", "Manager"):
        expect(roles.locator(f"tr[data-role='{role}']")).to_be_visible()
    expect(page.locator("#photo")).to_have_attribute("src", re.compile(r"/photo\?v="))
    assert page.evaluate("document.getElementById('photo').naturalWidth") > 0  # the photo loads

    page.click("button[aria-label='Remove role HR']")
    expect_flash(page, "Removed the role HR.")
    expect(roles.locator("tr[data-role='HR']")).to_have_count(0)

    run_sync(page)
    hr = roles.locator("tr[data-role='HR']")
    expect(hr).to_contain_text("integration · group HR")  # restored by the sync
    expect(roles.locator("tr[data-role='Employee']")).to_be_visible()
    screenshot(page, "03-user-roles")

    page.click("nav >> text=Sync runs")
    page.select_option("select[name=rule]", "SYNC-6")
    page.click("#filter")
    rows = page.locator("#changes tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("SYNC-6")
    expect(rows.first).to_contain_text(MEGAN)
    expect(rows.first).to_contain_text("role sync for groups Employee, HR: added HR")
    assert "rule=SYNC-6" in page.url
    screenshot(page, "04-runs-sync-6")

    page.click("nav >> text=Overview")
    expect(page.locator("#latest tbody tr").first).to_contain_text("SYNC-6")
    screenshot(page, "01-overview")

    for name, label in (("05-integration", "Integration"), ("06-employees", "Employees"),
                        ("07-entra", "Entra ID")):
        page.click(f"nav >> text={label}")
        page.locator("h1").wait_for()
        screenshot(page, name)
    expect(page.locator("#groups tr[data-group='HR']")).to_contain_text("synced → HR")


def test_enable_an_additional_calendar(page):
    from playwright.sync_api import expect

    load_scenario(page, "calendars")
    run_sync(page)
    open_user(page, "Megan Jordan")
    calendars = page.locator("#calendars")
    default = calendars.locator("tr[data-calendar='Calendar']")
    expect(default).to_contain_text("always enabled (default calendar)")
    expect(default.locator("button")).to_have_count(0)  # no disable button on the default
    projects = calendars.locator("tr[data-calendar='Projects']")
    expect(projects).to_contain_text("disabled")
    expect(calendars.locator("tr[data-calendar='Company holidays']")).to_have_count(0)

    page.click("button[aria-label='Enable Projects']")
    expect_flash(page, "Calendar Projects enabled.")
    expect(projects).to_contain_text("enabled")
    expect(projects.locator("button")).to_have_text("Disable")
    screenshot(page, "08-user-calendars")


def test_a_user_who_left_the_synced_groups_is_deactivated_with_the_reason(page, served):
    from playwright.sync_api import expect

    load_scenario(page, "faq")
    run_sync(page)
    leave_groups_through_graph(served, "lars.nielsen@contoso.com")
    run_sync(page)

    page.click("nav >> text=Users")
    row = page.locator("#deactivated tr[data-email='lars.nielsen@contoso.com']")
    expect(row).to_contain_text("left_synced_groups")
    expect(row).to_contain_text("no longer a direct member of any synced Entra group")
    expect(row).to_contain_text("SYNC-3")
    expect(page.locator("#active tr[data-email='lars.nielsen@contoso.com']")).to_have_count(0)
    screenshot(page, "02-users-deactivated")

    row.locator("a").first.click()
    expect(page.locator("#deactivation")).to_contain_text("no longer a direct member")
    expect(page.locator("#status")).to_have_text("deactivated")


def leave_groups_through_graph(served, upn: str) -> None:
    """The Entra administrator removes the person from every group, through Microsoft Graph."""
    world = served.world
    admin = world.tenant.add_app("Entra admin", {"GroupMember.ReadWrite.All", "User.Read.All"})
    token = msal.ConfidentialClientApplication(
        admin.client_id, client_credential=admin.secret, authority=served.authority,
        instance_discovery=False, verify=served.ca_file,
    ).acquire_token_for_client(["https://graph.microsoft.com/.default"])["access_token"]
    with httpx.Client(base_url=served.graph_url, verify=served.ssl_context(), trust_env=False,
                      headers={"Authorization": f"Bearer {token}"}) as graph:
        user = graph.get(f"/users/{upn}").json()
        left = 0
        for group in graph.get("/groups").json()["value"]:
            members = graph.get(f"/groups/{group['id']}/members").json()["value"]
            if any(m["id"] == user["id"] for m in members):
                removed = graph.delete(f"/groups/{group['id']}/members/{user['id']}/$ref")
                assert removed.status_code == 204, removed.text
                left += 1
        assert left, f"{upn} was in no group"
