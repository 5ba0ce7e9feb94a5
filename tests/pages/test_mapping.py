"""The mapping editor and the scenario loader: the API's rules, the CLI's error messages."""

from __future__ import annotations

import io

import pytest

from mocks import scenarios

from .conftest import flashes, text

MEGAN, RAY = "megan.jordan@contoso.com", "ray.ross@contoso.com"
EMPLOYEE = "aaaaaaaa-0001-4000-8000-000000000001"
HR = "aaaaaaaa-0002-4000-8000-000000000002"
BACK = "/ui/integration"


def group_form(demo, role: str | None, **defaults) -> dict:
    return {"roleId": demo.role_id(role) if role else "", "departmentId": "", "language": "",
            "timeZone": "", "currency": "", **defaults}


def test_case_d_remap_employee_to_new_employee_in_the_editor(faq):
    faq.engine.run("manual")
    faq.engine.run("manual")
    sales = next(d.id for d in faq.emply.departments.values() if d.title == "Sales")
    page = faq.post(f"/ui/integration/groups/{EMPLOYEE}",
                    group_form(faq, "New employee", language="en", timeZone="Europe/Copenhagen",
                               currency="DKK", departmentId=sales), back=BACK)
    assert flashes(page) == ["Saved the group Employee."]
    assert "1 Employee aaaaaaaa-0001-4000-8000-000000000001 New employee Sales en" in text(page, "groups")
    faq.post("/ui/sync/run")
    assert faq.roles(MEGAN) == {"New employee", "HR", "Manager"}  # FAQ case d
    assert faq.roles(RAY) == {"Employee", "HR", "Manager"}  # connected to an employee: untouched
    audit = text(faq.get(BACK), "audit")
    assert "syncedGroups" in audit


def test_an_administrator_role_is_refused_with_the_reason_and_nothing_changes(faq):
    before = [g.to_dict() for g in faq.emply.settings.synced_groups]
    page = faq.post(f"/ui/integration/groups/{HR}", group_form(faq, "Administrator"), back=BACK)
    assert flashes(page) == ["Synced group 'HR' cannot be mapped to the administrator role "
                             "'Administrator': the sync never grants administrator access (SYNC-9)."]
    assert [g.to_dict() for g in faq.emply.settings.synced_groups] == before
    assert "Administrator (administrator)" in text(page, "mapping")  # offered, and refused


def test_sync4_take_a_group_out_and_add_it_back(faq):
    faq.engine.run("manual")
    page = faq.post(f"/ui/integration/groups/{HR}/remove", back=BACK)
    assert flashes(page) == ["The group HR is out of the integration; its role is no longer "
                             "maintained (SYNC-4)."]
    assert "HR — role HR no longer maintained" in text(page, "removed-groups")
    assert "Add a synced group" in text(page, "mapping")
    faq.post("/ui/sync/run")
    assert faq.roles(MEGAN) == {"Employee", "HR", "Manager"}  # HR is no longer taken or given
    page = faq.post("/ui/integration/groups", {"groupId": HR, **group_form(faq, "HR")}, back=BACK)
    assert flashes(page) == ["The group HR is synced now (last in order)."]
    groups = text(page, "groups")
    assert groups.index("1 Employee") < groups.index("2 HR")


def test_order_groups_up_and_down(faq):
    page = faq.post(f"/ui/integration/groups/{HR}/move", {"direction": "up"}, back=BACK)
    assert flashes(page) == ["Moved the group HR up."]
    assert [g.display_name for g in faq.emply.settings.synced_groups] == ["HR", "Employee"]
    page = faq.post(f"/ui/integration/groups/{HR}/move", {"direction": "up"}, back=BACK)
    assert flashes(page) == ["The group is already first."]
    faq.post(f"/ui/integration/groups/{HR}/move", {"direction": "down"}, back=BACK)
    assert [g.display_name for g in faq.emply.settings.synced_groups] == ["Employee", "HR"]


BROKEN = """name: broken
entra:
  tenant: {id: 3f6c2a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b, displayName: X}
  users:
    - userPrincipalName: a@contoso.com
      displayName: A
      accountEnabled: maybe
emply:
  customer: x
"""


def upload(demo, name: str, content: str) -> str:
    response = demo.client.post("/ui/scenario/upload", data={
        "next": "/ui/", "file": (io.BytesIO(content.encode()), name)},
        content_type="multipart/form-data", headers={"Origin": "http://localhost"})
    assert response.status_code == 303
    return demo.get("/ui/")


def test_an_uploaded_file_with_errors_names_the_line_as_the_cli_does(faq, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    with pytest.raises(scenarios.ScenarioError) as cli_error:
        scenarios.load_world(str(path))
    expected = str(cli_error.value).replace(str(path), "broken.yaml")
    assert expected == ("broken.yaml:7: entra.users[0].accountEnabled: expected true or false, "
                        "got 'maybe'")
    page = upload(faq, "broken.yaml", BROKEN)
    assert flashes(page) == [expected]
    assert faq.user(MEGAN) is not None  # the world was kept
    syntax = upload(faq, "syntax.yaml", "name: x\nentra: [\n")
    assert flashes(syntax)[0].startswith("syntax.yaml:") and "YAML syntax error" in flashes(syntax)[0]


def test_an_uploaded_file_loads_and_reset_loads_it_again(faq):
    text_ = scenarios.builtin_text("calendars")
    page = upload(faq, "my-calendars.yaml", text_)
    assert flashes(page) == ["Loaded the scenario file 'my-calendars.yaml'; the sync starts afresh."]
    assert "Reset “my-calendars.yaml”" in text(page, "worlds")
    faq.post("/ui/sync/run")
    assert faq.engine.store.runs(limit=1)
    page = faq.post("/ui/scenario/reset")
    assert flashes(page) == ["Reset: the scenario 'my-calendars.yaml' is loaded again; the sync "
                             "starts afresh."]
    assert faq.engine.store.runs(limit=1) == []


def test_reset_without_a_loaded_scenario_says_what_to_do(faq):
    page = faq.post("/ui/scenario/reset")
    assert flashes(page) == ["No scenario was loaded through these pages or the demo yet; load "
                             "one first."]
