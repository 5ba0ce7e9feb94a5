"""The Entra admin pages, the mapping editor and the FAQ tour in a real Chromium.

Everything a presenter does here is a click or a key in the pages: FAQ cases b and d,
SYNC-4 and DEL-1, and the whole guided tour, with a screenshot of each tour step.
"""

from __future__ import annotations

import re

from mocks.emply import tour as faq_tour

from .conftest import screenshot, serious_violations

MEGAN = "megan.jordan@contoso.com"


def expect_ok(page, start: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("p.flash.ok, p.flash.error").first).to_have_text(re.compile("^" + re.escape(start)))
    assert page.locator("p.flash.error").count() == 0, page.locator("p.flash.error").first.inner_text()


def load_faq(page) -> None:
    page.goto("/ui/")
    page.select_option("#scenario", "faq")
    page.click("#load-scenario")
    expect_ok(page, "Loaded the scenario 'faq'")


def run_sync(page) -> None:
    page.click("#run-sync")
    expect_ok(page, "Run ")


def roles_of(page, name: str) -> set[str]:
    page.click("nav >> text=Users")
    page.click(f"#active >> text={name}")
    page.locator("h1", has_text=name).wait_for()
    return set(page.locator("#roles tr[data-role]").evaluate_all(
        "rows => rows.map(r => r.dataset.role)"))


def as_entra_admin(page) -> None:
    page.click("nav >> text=Entra ID")
    page.locator("#no-admin-app").wait_for()  # the FAQ world's only app just reads
    page.click("#register-admin-app")
    expect_ok(page, "Registered the app 'Demo: Entra administrator'")


def test_faq_case_b_and_del1_through_the_entra_pages(page, served, axe_source):
    from playwright.sync_api import expect

    load_faq(page)
    run_sync(page)
    run_sync(page)
    as_entra_admin(page)
    remove = page.locator("form.remove-member[data-group='HR']")
    remove.locator("select").select_option(label="Megan Jordan")
    remove.locator("button").click()
    expect_ok(page, "Graph removed Megan Jordan from the group HR.")
    expect(page.locator("#groups tr[data-group='HR'] td.members")).to_have_text("Ray Ross, Sofie Hansen")
    assert serious_violations(page, axe_source) == []
    screenshot(page, "10-entra-admin")
    run_sync(page)
    assert roles_of(page, "Megan Jordan") == {"Employee", "HR", "Manager"}  # FAQ case b
    journal = [e for e in served.world.journal.entries() if e.method == "DELETE"]
    assert journal and journal[-1].url.endswith("/$ref") and journal[-1].status == 204

    page.click("nav >> text=Entra ID")  # DEL-1: deleting in Entra deactivates in Emply
    page.click("button[aria-label='Delete Sofie Hansen']")
    expect_ok(page, "Graph deleted Sofie Hansen")
    expect(page.locator("#deleted tr[data-upn='sofie.hansen@contoso.com']")).to_be_visible()
    run_sync(page)
    page.click("nav >> text=Users")
    expect(page.locator("#deactivated tr[data-email='sofie.hansen@contoso.com']")).to_contain_text(
        "deleted_in_entra")
    page.click("nav >> text=Entra ID")
    page.click("button[aria-label='Restore Sofie Hansen']")
    expect_ok(page, "Graph restored Sofie Hansen.")
    run_sync(page)
    page.click("nav >> text=Users")
    expect(page.locator("#active tr[data-email='sofie.hansen@contoso.com']")).to_be_visible()


def test_faq_case_d_and_sync4_through_the_mapping_editor(page, axe_source):
    from playwright.sync_api import expect

    load_faq(page)
    run_sync(page)
    run_sync(page)
    page.click("nav >> text=Integration")
    row = page.locator(".mapping-row[data-group='HR']")
    row.locator("select[name=roleId]").select_option(label="Administrator (administrator)")
    row.locator("button", has_text="Save").click()
    expect(page.locator("p.flash.error")).to_contain_text("(SYNC-9)")  # refused, with the reason
    expect(page.locator("#groups tr[data-group='HR']")).to_contain_text("HR")

    row = page.locator(".mapping-row[data-group='Employee']")
    row.locator("select[name=roleId]").select_option(label="New employee")
    row.locator("button", has_text="Save").click()
    expect_ok(page, "Saved the group Employee.")
    expect(page.locator("#groups tr[data-group='Employee']")).to_contain_text("New employee")
    assert serious_violations(page, axe_source) == []
    screenshot(page, "11-mapping-editor")
    run_sync(page)
    assert roles_of(page, "Megan Jordan") == {"New employee", "HR", "Manager"}  # FAQ case d

    page.click("nav >> text=Integration")  # SYNC-4: take HR out of the integration
    page.click("button[aria-label='Take out of the integration: HR']")
    expect_ok(page, "The group HR is out of the integration")
    expect(page.locator("#removed-groups")).to_contain_text("HR — role HR no longer maintained")
    run_sync(page)
    assert roles_of(page, "Megan Jordan") == {"New employee", "HR", "Manager"}
    page.click("nav >> text=Integration")
    page.select_option("#add-group-id", label="HR")
    page.locator("#add-group select[name=roleId]").select_option(label="HR")
    page.click("#add-synced-group")
    expect_ok(page, "The group HR is synced now (last in order).")
    page.click("button[aria-label='Move HR up']")
    expect_ok(page, "Moved the group HR up.")
    expect(page.locator("#groups tbody tr").first).to_have_attribute("data-group", "HR")


def test_the_whole_tour_from_start_to_end(page, axe_source):
    from playwright.sync_api import expect

    page.goto("/ui/tour")
    page.click("#tour-begin")
    for number, step in enumerate(faq_tour.STEPS, start=1):
        expect(page.locator("#step-title")).to_have_text(step.title)
        expect(page.locator("#step-rule")).to_have_text(step.rule)
        expect(page.locator("#step-question")).to_have_text(step.question)
        page.click("#tour-play")
        expect_ok(page, f"Step {number} played: run ")
        expect(page.locator("#people table.person-table")).to_have_count(len(step.people))
        expect(page.locator("#outcome")).to_contain_text(step.look_for)
        if number == 1:
            expect(page.locator("#expected-note")).to_contain_text("expected outcome")
            expect(page.locator("#step-changes tr[data-rule='SYNC-7']")).to_contain_text("expected")
        screenshot(page, f"tour-{number:02d}-{step.key}")
        if number < len(faq_tour.STEPS):
            page.click("#tour-next")
            expect_ok(page, f"Step {number + 1} is ready")
    expect(page.locator("#tour-end")).to_be_visible()
    megan = page.locator(f"table[data-person='{MEGAN}'] tr[data-field='Emply user'] td.after")
    expect(megan).to_have_text("deactivated (left_synced_groups) changed")
    assert serious_violations(page, axe_source) == []

    page.click(".steps >> text=Case d: the group Employee is remapped")  # restart at any step
    page.click("#tour-restart")
    expect_ok(page, "Step 5 is ready: Case d: the group Employee is remapped.")
    page.click("#tour-play")
    roles = page.locator(f"table[data-person='{MEGAN}'] tr[data-field='Emply roles']")
    expect(roles.locator("td.before")).to_have_text("Employee, HR, Manager")
    expect(roles.locator("td.after")).to_have_text("HR, Manager, New employee changed")


def test_projector_and_laptop_sizes_keyboard_and_accessibility(browser, served, axe_source):
    from playwright.sync_api import expect

    for width, height in ((1280, 720), (1920, 1080)):
        context = browser.new_context(ignore_https_errors=True, base_url=served.emply_url,
                                      viewport={"width": width, "height": height})
        tab = context.new_page()
        tab.set_default_timeout(10_000)
        tab.goto("/ui/tour")
        tab.keyboard.press("Tab")  # the first key reaches the skip link
        expect(tab.locator("a.skip")).to_be_focused()
        tab.locator("#tour-begin").focus()
        tab.keyboard.press("Enter")  # the tour is played from the keyboard
        expect(tab.locator("#step-title")).to_have_text("The first sync")
        tab.locator("#tour-play").focus()
        tab.keyboard.press("Enter")
        tab.locator("#outcome").wait_for()
        for path in ("/ui/tour/1", "/ui/", "/ui/users", "/ui/integration", "/ui/runs", "/ui/entra",
                     "/ui/employees", "/ui/tour"):
            tab.goto(path)
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}×{height}"
            smallest = tab.evaluate("""() => Math.min(...[...document.querySelectorAll(
                'main p, main td, main th, main li, main button, main label, nav a')]
                .filter(e => e.offsetParent !== null && e.innerText.trim())
                .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
            assert smallest >= 12, f"{path}: text of {smallest}px at {width}×{height}"
            if width == 1280:  # the markup is the same at both sizes; colours and names too
                assert serious_violations(tab, axe_source) == [], path
        tab.goto("/ui/tour/1")
        screenshot(tab, f"tour-{width}x{height}")
        context.close()


def test_a_scenario_file_is_loaded_from_the_header_and_its_errors_name_the_line(page):
    from playwright.sync_api import expect

    from mocks import scenarios

    page.goto("/ui/integration")
    broken = b"name: broken\nentra:\n  tenant: {id: 3f6c2a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b}\n  users: 7\nemply: {customer: x}\n"
    page.set_input_files("#scenario-file", files=[
        {"name": "broken.yaml", "mimeType": "text/yaml", "buffer": broken}])
    page.click("#upload-scenario")
    expect(page.locator("p.flash.error")).to_have_text(re.compile(r"^broken\.yaml:4: entra\.users: "))
    page.set_input_files("#scenario-file", files=[
        {"name": "mine.yaml", "mimeType": "text/yaml",
         "buffer": scenarios.builtin_text("calendars").encode()}])
    page.click("#upload-scenario")
    expect_ok(page, "Loaded the scenario file 'mine.yaml'; the sync starts afresh.")
    expect(page.locator("#reset-scenario")).to_have_text("Reset “mine.yaml”")
    run_sync(page)
    page.click("#reset-scenario")
    expect_ok(page, "Reset: the scenario 'mine.yaml' is loaded again")
    page.click("nav >> text=Sync runs")
    expect(page.locator("#runs")).to_contain_text("No runs yet.")
