"""The guided FAQ tour, played through its pages: every story, restartable at any step."""

from __future__ import annotations

import re

from mocks.emply import tour as faq_tour

from .conftest import flashes, text

TITLES = [s.title for s in faq_tour.STEPS]


def play_all(demo) -> dict[int, str]:
    """Start the tour and play every step with the tour's own actions; each step's page."""
    pages = {}
    page = demo.post("/ui/tour/1/start", back="/ui/tour/1")
    assert flashes(page) == ["Step 1 is ready: The first sync."]
    for number in range(1, len(TITLES) + 1):
        page = demo.post(f"/ui/tour/{number}/play", back=f"/ui/tour/{number}")
        assert flashes(page)[0].startswith(f"Step {number} played: run "), flashes(page)
        pages[number] = page
        if number < len(TITLES):
            demo.post(f"/ui/tour/{number + 1}/start", back=f"/ui/tour/{number + 1}")
    return pages


def person(page: str, email: str) -> dict[str, tuple[str, str]]:
    """Before and after of one person on a played step, by field."""
    block = re.search(rf'<table class="person-table" data-person="{re.escape(email)}">(.*?)</table>',
                      page, re.S).group(1)
    rows = re.findall(r'<th scope="row">(.*?)</th><td class="before">(.*?)</td>'
                      r'<td class="after">(.*?)(?: <span class="badge changed-badge">changed</span>)?</td>',
                      block, re.S)
    return {name: (before, after) for name, before, after in rows}


def test_the_index_lists_every_story_with_its_rule_and_faq_question(faq):
    page = text(faq.get("/ui/tour"), "tour-steps")
    for step in faq_tour.STEPS:
        assert step.title in page and step.rule in page
    assert "Case b: Megan leaves the group HR SYNC-6 FAQ, Sync and update of users, question 6" in page
    for story in ("Case a", "Case b", "Case c", "Case d", "Ray Ross", "A calendar switched on",
                  "Lars leaves every synced group", "Lars rejoins and is reactivated",
                  "Sofie is deleted in Entra", "Ray resigns", "A mass deactivation is held",
                  "The held run is confirmed"):
        assert story in page


def test_the_whole_tour_tells_each_faq_story(faq):
    pages = play_all(faq)
    megan = "megan.jordan@contoso.com"
    first = text(pages[1], "outcome")
    assert "ended partial expected" in first
    assert ("This “partial” is the expected outcome: by design, an employee without a user "
            "account is reported") in first
    assert person(pages[1], "lars.nielsen@contoso.com")["Emply user"] == ("no user", "active")
    assert person(pages[2], megan)["Emply roles"] == ("Employee, HR, Manager",) * 2  # case a
    assert person(pages[3], megan)["Entra groups"] == ("Employee, HR", "Employee")  # case b
    assert person(pages[3], megan)["Emply roles"] == ("Employee, HR, Manager",) * 2
    assert person(pages[4], megan)["Emply roles"] == ("Employee, HR, Manager", "Employee, HR")  # c
    assert "+ added: Employee, HR − removed: Manager" in text(pages[4], "step-changes")
    assert person(pages[5], megan)["Emply roles"] == ("Employee, HR, Manager",
                                                      "HR, Manager, New employee")  # case d
    assert person(pages[6], "ray.ross@contoso.com")["Emply roles"] == ("Employee, HR, Manager",
                                                                      "Manager")  # never restored
    assert person(pages[7], megan)["Calendars"] == (
        "none", "Calendar (enabled, default), Projects (disabled)")
    assert person(pages[8], "lars.nielsen@contoso.com")["Emply user"] == (
        "active", "deactivated (left_synced_groups)")
    assert person(pages[9], "lars.nielsen@contoso.com")["Emply user"] == (
        "deactivated (left_synced_groups)", "active")
    sofie = person(pages[10], "sofie.hansen@contoso.com")
    assert sofie["Entra account"] == ("enabled", "deleted (restorable)")
    assert sofie["Emply user"] == ("active", "deactivated (deleted_in_entra)")
    ray = person(pages[11], "ray.ross@contoso.com")
    assert ray["Employee"] == ("Active", "Archived")
    assert ray["Emply user"] == ("active", "deactivated (employee_archived)")
    assert "ended held" in text(pages[12], "outcome")
    assert person(pages[12], megan)["Emply user"] == ("active", "active")  # nothing applied
    assert person(pages[13], megan)["Emply user"] == ("active", "deactivated (left_synced_groups)")
    assert "That was the last step." in text(pages[13], "tour-end")


def test_changes_are_told_in_names_with_json_behind_details(faq):
    pages = play_all(faq)
    shown = text(pages[5], "step-changes")
    visible = shown.split("details")[0]
    assert "+ added: New employee − removed: Employee" in visible
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", visible)  # no ids before the toggle
    assert re.search(r"<details class=\"json\"><summary>details</summary><pre>\{", pages[5])
    runs = text(faq.get("/ui/runs?rule=SYNC-10"), "changes").split("Old → new")[1]
    assert "groups → roles Employee → Employee, HR → HR department Sales" in runs  # Sofie
    assert "roles Employee, HR groups" in runs and "2ac45c22" not in runs.split("details")[0]


def test_restart_at_any_step_gives_the_same_before_as_playing_through(faq):
    pages = play_all(faq)
    for number in (6, 11, 3):
        page = faq.post(f"/ui/tour/{number}/start", back=f"/ui/tour/{number}")
        assert flashes(page) == [f"Step {number} is ready: {TITLES[number - 1]}."]
        played = faq.post(f"/ui/tour/{number}/play", back=f"/ui/tour/{number}")
        assert text(played, "people") == text(pages[number], "people")


def test_the_presenter_can_make_the_change_and_the_tour_runs_the_sync(faq):
    faq.post("/ui/tour/3/start", back="/ui/tour/3")
    faq.post("/ui/entra/groups/aaaaaaaa-0002-4000-8000-000000000002/members/remove",
             {"member_id": "22222222-2222-4222-8222-222222222222"}, back="/ui/entra")
    page = faq.post("/ui/tour/3/play", {"by": "presenter"}, back="/ui/tour/3")
    assert person(page, "megan.jordan@contoso.com")["Entra groups"] == ("Employee, HR", "Employee")
    assert "You made the change yourself; the tour ran the sync." in text(page, "outcome")


def test_a_step_that_is_not_ready_or_does_not_exist_is_refused_clearly(faq):
    page = faq.post("/ui/tour/4/play", back="/ui/tour/4")
    assert flashes(page) == ["Step 4 is not ready: start it first (this reloads the FAQ world "
                             "and replays the steps before it)."]
    assert "Start step 4" in text(page, "play")
    assert "The tour has steps 1 to 13." in text(faq.get("/ui/tour/14", status=404))


def test_the_tours_entra_changes_are_graph_calls_in_the_journal(faq):
    play_all(faq)
    admin = next(a for a in faq.world.tenant.apps.values() if a.display_name == "Demo: Entra administrator")
    calls = [f"{e.method} {e.url.split('/v1.0', 1)[-1]} {e.status}"
             for e in faq.world.journal.entries() if e.client == admin.client_id]
    megan, lars = "22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333"
    sofie = "44444444-4444-4444-8444-444444444444"
    hr, employee = "aaaaaaaa-0002-4000-8000-000000000002", "aaaaaaaa-0001-4000-8000-000000000001"
    assert calls[:5] == [f"DELETE /groups/{hr}/members/{megan}/$ref 204",  # case b
                         f"POST /groups/{hr}/members/$ref 204",  # case c's set-up
                         f"DELETE /groups/{employee}/members/{lars}/$ref 204",  # Lars leaves
                         f"POST /groups/{employee}/members/$ref 204",  # and rejoins
                         f"DELETE /users/{sofie} 204"]  # DEL-1


def test_the_presenter_confirms_the_held_run_on_the_runs_page(faq):
    page = faq.post("/ui/tour/13/start", back="/ui/tour/13")
    assert flashes(page) == ["Step 13 is ready: The held run is confirmed."]
    held = faq.engine.held_run()
    assert held is not None
    faq.post(f"/ui/runs/{held}/confirm", back="/ui/runs")
    page = faq.post("/ui/tour/13/play", {"by": "presenter"}, back="/ui/tour/13")
    assert person(page, "lars.nielsen@contoso.com")["Emply user"] == (
        "active", "deactivated (left_synced_groups)")
    assert "ended success" in text(page, "run-status")


def test_a_second_browser_is_told_the_tour_is_busy(faq):
    faq.get("/ui/tour")
    state = faq.app.config["FAQ_TOUR"]
    with state.busy:  # another request is replaying the steps
        page = faq.post("/ui/tour/2/start", back="/ui/tour/2")
    assert flashes(page) == ["The tour is busy with another step; try again in a moment."]
    page = faq.post("/ui/tour/2/start", back="/ui/tour/2")
    assert flashes(page) == ["Step 2 is ready: Case a: nothing changed."]
