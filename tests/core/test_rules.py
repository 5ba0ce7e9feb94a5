"""The pure rules: each test builds both views and checks the plan a QA tester would."""

from __future__ import annotations

import pytest

from sync_core.model import (
    Employee,
    EmplyUser,
    EmplyView,
    EntraCalendar,
    EntraUser,
    EntraView,
    LastState,
    Settings,
    SyncedGroup,
)
from sync_core.rules import compute_roles, plan

EMPLOYEE, HR = "g-employee", "g-hr"
SETTINGS = Settings(groups=(SyncedGroup(EMPLOYEE, "Employee", name="Employee"),
                            SyncedGroup(HR, "HR", name="HR")), update_roles=True)
ROLES = {"Employee": "Employee", "HR": "HR", "Manager": "Manager", "New employee": "New employee",
         "Admin": "Admin"}


def entra(*users: EntraUser, members: dict[str, tuple[str, ...]] | None = None, **kw) -> EntraView:
    return EntraView(users={u.id: u for u in users}, members=members or {}, **kw)


def emply(*users: EmplyUser, employees: tuple[Employee, ...] = (), **kw) -> EmplyView:
    return EmplyView(users={u.id: u for u in users}, employees={e.id: e for e in employees},
                     role_names=ROLES, admin_roles=frozenset({"Admin"}), **kw)


def megan(**kw) -> EmplyUser:
    values = dict(id="u-megan", email="megan.jordan@contoso.com", entra_id="e-megan",
                  roles=frozenset({"Employee", "HR", "Manager"}), origin="integration")
    values.update(kw)
    return EmplyUser(**values)


MEGAN_ENTRA = EntraUser("e-megan", "megan.jordan@contoso.com", mail="Megan.Jordan@contoso.com")
LAST_BOTH = LastState(mapping={EMPLOYEE: "Employee", HR: "HR"},
                      user_groups={"e-megan": frozenset({EMPLOYEE, HR})})


@pytest.mark.parametrize(("case", "groups", "before", "settings", "after"), [
    ("a: nothing changed", (EMPLOYEE, HR), {"Employee", "HR", "Manager"}, SETTINGS,
     {"Employee", "HR", "Manager"}),
    ("b: left group HR", (EMPLOYEE,), {"Employee", "HR", "Manager"}, SETTINGS,
     {"Employee", "HR", "Manager"}),
    ("c: Employee and HR taken away in Emply", (EMPLOYEE, HR), {"Manager"}, SETTINGS,
     {"Employee", "HR"}),
    ("d: Employee remapped to New employee", (EMPLOYEE, HR), {"Employee", "HR", "Manager"},
     Settings(groups=(SyncedGroup(EMPLOYEE, "New employee"), SyncedGroup(HR, "HR")),
              update_roles=True),
     {"New employee", "HR", "Manager"}),
])
def test_megan_jordan_cases(case, groups, before, settings, after):
    members = {g: ("e-megan",) for g in groups}
    result = plan(entra(MEGAN_ENTRA, members=members),
                  emply(megan(roles=frozenset(before))), settings, LAST_BOTH)
    roles_after = set(before)
    for action in result.of_kind("set_roles"):
        assert action.rule == "SYNC-6" and action.reason
        roles_after = set(action.new)
    assert roles_after == after, case
    assert not result.of_kind("deactivate")


@pytest.mark.parametrize("change", ["left HR", "remapped", "roles taken"])
def test_ray_ross_connected_to_an_employee_keeps_his_roles(change):
    ray = EmplyUser("u-ray", "ray.ross@contoso.com", entra_id="e-ray", employee_id="emp-ray",
                    roles=frozenset({"Employee", "HR", "Manager"} if change != "roles taken"
                                    else {"Manager"}))
    groups = (EMPLOYEE,) if change == "left HR" else (EMPLOYEE, HR)
    settings = SETTINGS if change != "remapped" else Settings(
        groups=(SyncedGroup(EMPLOYEE, "New employee"), SyncedGroup(HR, "HR")), update_roles=True)
    result = plan(entra(EntraUser("e-ray", "ray.ross@contoso.com"),
                        members={g: ("e-ray",) for g in groups}),
                  emply(ray, employees=(Employee("emp-ray", "ray.ross@contoso.com",
                                                 user_id="u-ray"),)),
                  settings, LastState(mapping=SETTINGS.mapping,
                                      user_groups={"e-ray": frozenset({EMPLOYEE, HR})}))
    assert result.of_kind("set_roles") == []


def test_toggle_off_never_changes_roles_but_saves_groups():
    settings = Settings(groups=SETTINGS.groups, update_roles=False)
    result = plan(entra(MEGAN_ENTRA, members={EMPLOYEE: ("e-megan",), HR: ("e-megan",)}),
                  emply(megan(roles=frozenset({"Manager"}))), settings, LAST_BOTH)
    assert result.of_kind("set_roles") == []
    assert result.state.user_groups["e-megan"] == {EMPLOYEE, HR}


def test_administrators_are_left_out_of_role_sync():
    result = plan(entra(MEGAN_ENTRA, members={EMPLOYEE: ("e-megan",), HR: ("e-megan",)}),
                  emply(megan(roles=frozenset({"Admin"}))), SETTINGS, LAST_BOTH)
    assert result.of_kind("set_roles") == []


def test_a_new_member_is_created_with_mapped_roles_and_first_group_defaults():
    settings = Settings(groups=(
        SyncedGroup(HR, "HR", department="People", language="da", time_zone="Europe/Copenhagen",
                    currency="DKK", name="HR"),
        SyncedGroup(EMPLOYEE, "Employee", department="Staff", language="en", name="Employee")))
    newbie = EntraUser("e-new", "new@contoso.com", given_name="Nina", surname="New")
    result = plan(entra(newbie, members={EMPLOYEE: ("e-new",), HR: ("e-new",)}),
                  emply(), settings, LastState())
    [create] = result.of_kind("create_user")
    assert create.rule == "SYNC-10"
    assert create.data["roles"] == ["Employee", "HR"]
    assert (create.data["department"], create.data["language"], create.data["currency"]) == (
        "People", "da", "DKK")
    assert result.state.user_groups["e-new"] == {EMPLOYEE, HR}


def test_existing_user_is_linked_by_email_and_keeps_roles_until_the_next_run():
    existing = EmplyUser("u-1", " MEGAN.jordan@Contoso.com ", roles=frozenset({"Manager"}))
    view = entra(MEGAN_ENTRA, members={EMPLOYEE: ("e-megan",)})
    result = plan(view, emply(existing), SETTINGS, LastState())
    [link] = result.of_kind("link_user")
    assert (link.rule, link.emply_id, link.entra_id) == ("SYNC-1", "u-1", "e-megan")
    assert result.of_kind("set_roles") == [] and result.of_kind("create_user") == []
    linked = EmplyUser("u-1", existing.email, roles=frozenset({"Manager"}), entra_id="e-megan")
    second = plan(view, emply(linked), SETTINGS, result.state)
    [roles] = second.of_kind("set_roles")
    assert set(roles.new) == {"Employee", "Manager"}


def test_employee_without_account_is_reported_not_created():
    view = entra(MEGAN_ENTRA, members={EMPLOYEE: ("e-megan",)})
    result = plan(view, emply(employees=(Employee("emp-1", "megan.jordan@contoso.com"),)),
                  SETTINGS, LastState())
    [error] = result.of_kind("error")
    assert error.rule == "SYNC-7" and "create an account for the employee first" in error.reason
    assert result.of_kind("create_user") == []


@pytest.mark.parametrize(("entra_user", "members", "last", "reason", "rule"), [
    (None, {}, LAST_BOTH, "deleted_in_entra", "DEL-1"),
    (EntraUser("e-megan", "megan.jordan@contoso.com", account_enabled=False),
     {EMPLOYEE: ("e-megan",)}, LAST_BOTH, "disabled_in_entra", "SYNC-8"),
    (MEGAN_ENTRA, {}, LAST_BOTH, "left_synced_groups", "SYNC-3"),
    (MEGAN_ENTRA, {}, LastState(mapping={EMPLOYEE: "Employee", HR: "HR", "g-old": "Old"},
                                user_groups={"e-megan": frozenset({"g-old"})}),
     "group_removed_from_integration", "SYNC-4"),
])
def test_every_deactivation_has_a_reason(entra_user, members, last, reason, rule):
    users = (entra_user,) if entra_user else ()
    result = plan(entra(*users, members=members), emply(megan()), SETTINGS, last)
    [deactivate] = result.of_kind("deactivate")
    assert (deactivate.data["reason"], deactivate.rule) == (reason, rule)


def test_sync_reactivates_what_it_deactivated_but_not_what_a_person_did():
    view = entra(MEGAN_ENTRA, members={EMPLOYEE: ("e-megan",)})
    by_sync = megan(active=False, deactivated_by="sync", deactivation_reason="left_synced_groups")
    assert [a.rule for a in plan(view, emply(by_sync), SETTINGS, LAST_BOTH).of_kind(
        "reactivate")] == ["SYNC-3"]
    by_hand = megan(active=False, deactivated_by="hand")
    assert plan(view, emply(by_hand), SETTINGS, LAST_BOTH).of_kind("reactivate") == []


def test_external_users_are_never_deactivated():
    external = EmplyUser("u-ext", "consultant@partner.example", origin="manual")
    result = plan(entra(MEGAN_ENTRA, members={EMPLOYEE: ("e-megan",)}),
                  emply(megan(), external), SETTINGS, LAST_BOTH)
    assert all(a.emply_id != "u-ext" for a in result.actions)


def test_partial_read_changes_nothing():
    view = entra(members={}, complete=False, errors=("GET /groups/g-hr/members: 503",))
    result = plan(view, emply(megan()), SETTINGS, LAST_BOTH)
    assert result.aborted and [a.kind for a in result.actions] == ["error"]
    assert result.actions[0].rule == "SAFE-1" and result.state is LAST_BOTH


def test_mass_deactivation_is_held_unless_lifted():
    users = [EmplyUser(f"u{i}", f"p{i}@contoso.com", entra_id=f"e{i}") for i in range(40)]
    entra_users = [EntraUser(f"e{i}", f"p{i}@contoso.com") for i in range(40)]
    view = entra(*entra_users, members={EMPLOYEE: tuple(f"e{i}" for i in range(29))})
    result = plan(view, emply(*users), SETTINGS, LastState(mapping=SETTINGS.mapping))
    assert result.held and "11 of 40" in result.hold_reason
    assert not plan(view, emply(*users), SETTINGS, LastState(mapping=SETTINGS.mapping),
                    lift_threshold=True).held
    small = entra(*entra_users, members={EMPLOYEE: tuple(f"e{i}" for i in range(31))})
    assert not plan(small, emply(*users), SETTINGS, LastState(mapping=SETTINGS.mapping)).held


def test_calendars_default_enabled_others_disabled_read_only_never():
    cals = (EntraCalendar("c-own", "Calendar", True, True),
            EntraCalendar("c-team", "Team", False, True),
            EntraCalendar("c-boss", "Boss", False, False))
    settings = Settings(groups=SETTINGS.groups, calendar_sync=True)
    view = entra(MEGAN_ENTRA, members={EMPLOYEE: ("e-megan",)}, calendars={"e-megan": cals})
    added = {a.data["name"]: a.data["enabled"]
             for a in plan(view, emply(megan()), settings, LAST_BOTH).of_kind("add_calendar")}
    assert added == {"Calendar": True, "Team": False}
    off = plan(view, emply(megan(calendar_sync=False)), settings, LAST_BOTH)
    assert off.of_kind("add_calendar") == []


def test_hybrid_user_update_is_skipped_once_not_retried():
    ray = EmplyUser("u-ray", "ray.ross@contoso.com", entra_id="e-ray", employee_id="emp")
    employee = Employee("emp", "ray.ross@contoso.com", first_name="Ray", last_name="Ross",
                        job_title="CFO", user_id="u-ray")
    hybrid = EntraUser("e-ray", "ray.ross@contoso.com", display_name="Ray Ross",
                       given_name="Ray", surname="Ross", hybrid=True)
    settings = Settings(groups=SETTINGS.groups, update_entra=True)
    view = entra(hybrid, members={EMPLOYEE: ("e-ray",)})
    first = plan(view, emply(ray, employees=(employee,)), settings, LastState())
    assert [(a.kind, a.rule) for a in first.actions] == [("skip", "SYNC-11")]
    again = plan(view, emply(ray, employees=(employee,)), settings, first.state)
    assert again.actions == []


def test_compute_roles_keeps_a_role_another_group_still_maps():
    roles = compute_roles(roles=frozenset({"Staff"}), groups=["a", "b"],
                          mapping={"a": "New", "b": "Staff"}, last_groups=frozenset({"a", "b"}),
                          last_mapping={"a": "Staff", "b": "Staff"}, retired_roles=frozenset())
    assert roles == {"New", "Staff"}


# -- issue 15, item 5: the rules' edges -------------------------------------------------------
def _leavers(total: int, leaving: int, extra_users: tuple[EmplyUser, ...] = ()):
    users = [EmplyUser(f"u{i}", f"p{i}@contoso.com", entra_id=f"e{i}") for i in range(total)]
    entra_users = [EntraUser(f"e{i}", f"p{i}@contoso.com") for i in range(total)]
    entra_users += [EntraUser(u.entra_id, u.email) for u in extra_users if u.entra_id]
    staying = tuple(f"e{i}" for i in range(leaving, total))
    view = entra(*entra_users, members={EMPLOYEE: staying})
    return plan(view, emply(*users, *extra_users), SETTINGS, LastState(mapping=SETTINGS.mapping))


def test_safe_2_exactly_20_percent_is_not_held():
    exactly = _leavers(50, 10)  # 10 of 50: at least 10, but not more than 20 %
    assert len(exactly.of_kind("deactivate")) == 10 and not exactly.held
    above = _leavers(49, 10)  # 10 of 49 is more than 20 %
    assert above.held and "10 of 49" in above.hold_reason


def test_safe_2_counts_only_synced_users_not_hand_made_ones():
    # 100 users made by hand in Emply, half of them created in Entra (EXT-1): none is a
    # synced user, so 10 leavers of 40 synced users (25 %) are held.
    hand_made = tuple(EmplyUser(f"h{i}", f"hand{i}@contoso.com",
                                entra_id=f"eh{i}" if i % 2 else None,
                                created_in_entra=bool(i % 2)) for i in range(100))
    result = _leavers(40, 10, hand_made)
    assert len(result.of_kind("deactivate")) == 10
    assert result.held and "10 of 40" in result.hold_reason


def test_sync_6_step_1_keeps_a_role_another_group_maps_with_an_extra_role_present():
    # Employee is remapped from HR to New employee; group HR still maps HR; Manager is extra.
    before = Settings(groups=(SyncedGroup(EMPLOYEE, "HR"), SyncedGroup(HR, "HR")),
                      update_roles=True)
    after = Settings(groups=(SyncedGroup(EMPLOYEE, "New employee"), SyncedGroup(HR, "HR")),
                     update_roles=True)
    last = LastState(mapping=before.mapping, user_groups={"e-megan": frozenset({EMPLOYEE, HR})})
    user = megan(roles=frozenset({"HR", "Manager"}))
    result = plan(entra(MEGAN_ENTRA, members={EMPLOYEE: ("e-megan",), HR: ("e-megan",)}),
                  emply(user), after, last)
    [roles] = result.of_kind("set_roles")
    assert set(roles.new) == {"HR", "New employee", "Manager"}


def test_a_linked_existing_user_keeps_their_roles_across_the_link_run_without_role_sync():
    # The first run after the link has role sync off: nothing changes; the first run with
    # role sync on still treats every group as joined (docs/rules.md, SYNC-1 / SYNC-6).
    existing = EmplyUser("u-1", "megan.jordan@contoso.com", roles=frozenset({"Manager"}))
    view = entra(MEGAN_ENTRA, members={EMPLOYEE: ("e-megan",)})
    off = Settings(groups=SETTINGS.groups, update_roles=False)
    linked_run = plan(view, emply(existing), SETTINGS, LastState())
    assert linked_run.of_kind("set_roles") == []
    linked = EmplyUser("u-1", existing.email, roles=frozenset({"Manager"}), entra_id="e-megan")
    quiet = plan(view, emply(linked), off, linked_run.state)
    assert quiet.of_kind("set_roles") == []
    [roles] = plan(view, emply(linked), SETTINGS, quiet.state).of_kind("set_roles")
    assert set(roles.new) == {"Employee", "Manager"}


def test_ext_1_a_user_created_in_entra_is_not_deactivated_by_group_rules():
    ext = EmplyUser("u-ext", "tim@contoso.com", entra_id="e-tim", created_in_entra=True)
    disabled = EntraUser("e-tim", "tim@contoso.com", account_enabled=False)
    for view in (entra(EntraUser("e-tim", "tim@contoso.com")), entra(disabled)):
        assert plan(view, emply(ext), SETTINGS, LAST_BOTH).of_kind("deactivate") == []
    [gone] = plan(entra(), emply(ext), SETTINGS, LAST_BOTH).of_kind("deactivate")
    assert gone.data["reason"] == "deleted_in_entra" and gone.rule == "DEL-1"
