"""The step library: Given/When/Then sentences a QA tester writes about the integration.

Given steps describe the world (tables of Entra users, groups, Emply users, synced
groups, settings); the world is loaded through ``POST /_sim/load`` just before the first
step that acts or checks. After that every step goes through the system's interfaces:
Graph (a token from the identity platform through MSAL), Emply's API (an API key),
``/_sim/`` and the clock. People, groups, roles and calendars are whatever the feature
names; nothing here knows any particular person.
"""

from __future__ import annotations

import hashlib
import importlib.util
import struct
import sys
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

from emply_sim.bdd import world as wb
from emply_sim.bdd.system import Harness, StepFailure

ON_OFF = {"on": True, "off": False}
ENTRA_FIELDS = {"first name": "givenName", "last name": "surname", "display name": "displayName",
                "job title": "jobTitle", "department": "department", "e-mail": "mail",
                "mobile phone": "mobilePhone", "sign-in name": "userPrincipalName"}
EMPLY_FIELDS = {"first name": "firstName", "last name": "lastName", "language": "language",
                "time zone": "timeZone", "currency": "currency", "e-mail": "email"}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
EXAMPLE_SCRIPT = "push_photos_to_entra.py"


def _on(state: str) -> bool:
    key = state.strip().lower()
    if key not in ON_OFF:
        raise StepFailure(f"expected on or off, got {state!r}")
    return ON_OFF[key]


def _names(text: str) -> list[str]:
    return wb.split_list(text)


def _role_names(user: dict[str, Any]) -> set[str]:
    return {r["name"] for r in user["roles"]}


def png_photo(seed: str, size: int = 16) -> bytes:
    """A small, valid PNG whose colour comes from ``seed`` (a new photo for a person)."""
    red, green, blue = hashlib.sha256(seed.encode()).digest()[:3]
    row = b"\x00" + bytes((red, green, blue)) * size
    raw = zlib.compress(row * size)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


# -- the fixture steps use --------------------------------------------------------------------
@pytest.fixture
def emply_sim(emply_sim_target) -> Harness:
    """One scenario's :class:`~emply_sim.bdd.system.Harness` over the session's target."""
    harness = Harness(emply_sim_target)
    yield harness
    try:
        harness.check_nothing_unchecked()
    finally:
        harness.close()


# =============================================================================================
# Given: the world
# =============================================================================================
def _building(emply_sim: Harness) -> wb.WorldBuilder:
    """The world builder, while the world is still being described (before it is loaded)."""
    if emply_sim.loaded:
        raise StepFailure("the world is already loaded: steps that describe the world (tables, "
                          "roles, settings as data) must come before the first step that acts "
                          "or checks")
    return emply_sim.builder


@given(parsers.parse('the built-in world "{name}"'))
def builtin_world(emply_sim: Harness, name: str) -> None:
    from mocks.scenarios import load_scenario

    _building(emply_sim).use_document(load_scenario(name))


@given(parsers.parse('the Entra tenant "{name}" with the domains {domains}'))
@given(parsers.parse('the Entra tenant "{name}" with the domain {domains}'))
def entra_tenant(emply_sim: Harness, name: str, domains: str) -> None:
    _building(emply_sim).set_tenant(name, _names(domains))


@given("the Entra tenant is synced from on-premises Active Directory")
def hybrid_tenant(emply_sim: Harness) -> None:
    _building(emply_sim).tenant["onPremisesSyncEnabled"] = True


@given("the Entra users:")
def entra_users(emply_sim: Harness, datatable) -> None:
    for row in wb.table_rows(datatable):
        _building(emply_sim).add_entra_user(row)


@given("the Entra groups:")
def entra_groups(emply_sim: Harness, datatable) -> None:
    for row in wb.table_rows(datatable):
        _building(emply_sim).add_group(row["group"], _names(row.get("members", "")))


@given(parsers.parse('{count:d} more Entra users in the group "{group}"'))
def many_members(emply_sim: Harness, count: int, group: str) -> None:
    _building(emply_sim).add_generated_members(count, group)


@given(parsers.parse("the Emply roles {roles}"))
def emply_roles(emply_sim: Harness, roles: str) -> None:
    _building(emply_sim).add_roles(_names(roles))


@given(parsers.parse("the Emply departments {titles}"))
def emply_departments(emply_sim: Harness, titles: str) -> None:
    _building(emply_sim).add_departments(_names(titles))


@given(parsers.parse('the Emply administrator role "{role}"'))
def emply_admin_role(emply_sim: Harness, role: str) -> None:
    _building(emply_sim).add_roles([role], administrator=True)


@given("the Emply users:")
def emply_users(emply_sim: Harness, datatable) -> None:
    for row in wb.table_rows(datatable):
        _building(emply_sim).add_emply_user(row)


@given("the Emply employees without a user account:")
def emply_employees(emply_sim: Harness, datatable) -> None:
    for row in wb.table_rows(datatable):
        _building(emply_sim).add_employee(row)


@given("the integration syncs these groups:")
def synced_groups(emply_sim: Harness, datatable) -> None:
    _building(emply_sim).sync_groups(wb.table_rows(datatable))


@given("the integration is not set up")
def not_set_up(emply_sim: Harness) -> None:
    _building(emply_sim).configured = False


@given(parsers.parse('the setting "{setting}" is {state}'))
def setting_is(emply_sim: Harness, setting: str, state: str) -> None:
    if emply_sim.loaded:
        body = {wb.setting_key(setting): _on(state)}
        emply_sim.expect(emply_sim.emply("PATCH", "/integrations/entra-id", json=body),
                         f"switching {setting} {state}")
    else:
        emply_sim.builder.set_setting(setting, _on(state))


@given(parsers.parse("the deactivation threshold is {minimum:d} users and {percent:d} percent"))
def threshold(emply_sim: Harness, minimum: int, percent: int) -> None:
    _building(emply_sim).set_threshold(minimum, percent / 100)


@given(parsers.parse('the calendar "{calendar}" of {owner} is shared with {other} '
                     'with the role "{role}"'))
def shared_calendar(emply_sim: Harness, calendar: str, owner: str, other: str, role: str) -> None:
    _building(emply_sim).share_calendar(owner, calendar, other, role)


# =============================================================================================
# When (and Given, once the world exists): acting through the APIs
# =============================================================================================
@given("the sync has run")
@when("the sync runs")
@when("the sync runs again")
def sync_runs(emply_sim: Harness) -> None:
    emply_sim.run_sync()


@given(parsers.parse("the sync has run {times:d} times"))
@when(parsers.parse("the sync runs {times:d} times"))
def sync_runs_times(emply_sim: Harness, times: int) -> None:
    for _ in range(times):
        emply_sim.run_sync()


@when("nothing changes")
def nothing_changes(emply_sim: Harness) -> None:
    """A step for examples where nothing happens between two runs."""


@when("a sync is asked for")
def sync_asked(emply_sim: Harness) -> None:
    response = emply_sim.attempt(emply_sim.emply("POST", "/integrations/entra-id/runs"))
    if response.is_success:
        emply_sim.last_run = response.json()


@when(parsers.parse("{person} is synced on demand"))
def sync_on_demand(emply_sim: Harness, person: str) -> None:
    response = emply_sim.emply("POST", "/integrations/entra-id/sync-user",
                               json={"userPrincipalName": emply_sim.upn(person)})
    emply_sim.last_run = emply_sim.expect(response, f"syncing {person} on demand", 201).json()


@when(parsers.re(r"(?P<minutes>\d+) (more )?minutes? pass(es)?"))
def minutes_pass(emply_sim: Harness, minutes: str) -> None:
    emply_sim.advance(int(minutes) * 60)


@when("a day passes")
def a_day_passes(emply_sim: Harness) -> None:
    """One jump of a day: the slots it skips coalesce into one run (SYNC-2)."""
    emply_sim.advance(24 * 3600)


@when(parsers.re(r"(?P<days>\d+) days? pass(es)? at once"))
def days_pass_at_once(emply_sim: Harness, days: str) -> None:
    """One jump of the clock (SYNC-2: the skipped slots coalesce into one run)."""
    emply_sim.advance(int(days) * 24 * 3600)


@when("a day of scheduled runs passes")
@given("a day of scheduled runs has passed")
def a_day_of_runs_passes(emply_sim: Harness) -> None:
    """A day with the scheduler awake: the clock moves 30 minutes at a time, 48 runs."""
    for _ in range(48):
        emply_sim.advance(30 * 60)


@when(parsers.parse("the clock reaches {day}"))
def clock_reaches(emply_sim: Harness, day: str) -> None:
    emply_sim.set_clock(day if "T" in day else f"{day}T00:00:00Z")


# -- Entra, through Graph -----------------------------------------------------------------------
@given(parsers.parse('{person} has left the Entra group "{group}"'))
@when(parsers.parse('{person} leaves the Entra group "{group}"'))
def leaves_group(emply_sim: Harness, person: str, group: str) -> None:
    path = f"/groups/{emply_sim.group_id(group)}/members/{emply_sim.entra_id(person)}/$ref"
    emply_sim.expect(emply_sim.graph("DELETE", path), f"{person} leaving {group}", 204)


@when(parsers.parse('{person} joins the Entra group "{group}"'))
@when(parsers.parse('{person} joins the Entra group "{group}" again'))
def joins_group(emply_sim: Harness, person: str, group: str) -> None:
    member = f"{emply_sim.target.endpoints.graph_url}/directoryObjects/{emply_sim.entra_id(person)}"
    emply_sim.expect(emply_sim.graph("POST", f"/groups/{emply_sim.group_id(group)}/members/$ref",
                                     json={"@odata.id": member}), f"{person} joining {group}", 204)


@when(parsers.parse('the group "{child}" is made a member of the Entra group "{parent}"'))
@given(parsers.parse('the group "{child}" is a member of the Entra group "{parent}"'))
def nested_group(emply_sim: Harness, child: str, parent: str) -> None:
    member = f"{emply_sim.target.endpoints.graph_url}/directoryObjects/{emply_sim.group_id(child)}"
    emply_sim.expect(emply_sim.graph("POST", f"/groups/{emply_sim.group_id(parent)}/members/$ref",
                                     json={"@odata.id": member}), f"nesting {child} in {parent}",
                     204)


@when(parsers.parse("{person}'s Entra account is disabled"))
def account_disabled(emply_sim: Harness, person: str) -> None:
    emply_sim.expect(emply_sim.graph("PATCH", f"/users/{emply_sim.entra_id(person)}",
                                     json={"accountEnabled": False}), f"disabling {person}", 204)


@when(parsers.parse("{person}'s Entra account is enabled again"))
def account_enabled(emply_sim: Harness, person: str) -> None:
    emply_sim.expect(emply_sim.graph("PATCH", f"/users/{emply_sim.entra_id(person)}",
                                     json={"accountEnabled": True}), f"enabling {person}", 204)


@when(parsers.parse("{person} is deleted in Entra"))
def deleted_in_entra(emply_sim: Harness, person: str) -> None:
    emply_sim.expect(emply_sim.graph("DELETE", f"/users/{emply_sim.entra_id(person)}"),
                     f"deleting {person} in Entra", 204)


@when(parsers.parse("{person} is restored from Entra's deleted users"))
def restored(emply_sim: Harness, person: str) -> None:
    path = f"/directory/deletedItems/{emply_sim.entra_id(person)}/restore"
    emply_sim.expect(emply_sim.graph("POST", path), f"restoring {person}")


@when(parsers.parse("{person}'s {field} is changed to \"{value}\" in Entra"))
def entra_field_changed(emply_sim: Harness, person: str, field: str, value: str) -> None:
    prop = ENTRA_FIELDS.get(field)
    if prop is None:
        raise StepFailure(f"unknown Entra field {field!r}; known: {', '.join(ENTRA_FIELDS)}")
    emply_sim.expect(emply_sim.graph("PATCH", f"/users/{emply_sim.entra_id(person)}",
                                     json={prop: value}), f"changing {person}'s {field}", 204)


@when(parsers.parse("{person} gets a new profile photo in Entra"))
def new_entra_photo(emply_sim: Harness, person: str) -> None:
    photo = png_photo(f"entra:{person}:{len(emply_sim.notes)}")
    emply_sim.notes[f"entra photo of {person}"] = photo
    emply_sim.expect(emply_sim.graph("PUT", f"/users/{emply_sim.entra_id(person)}/photo/$value",
                                     content=photo, headers={"Content-Type": "image/png"}),
                     f"uploading a photo for {person} to Entra")


@when(parsers.parse("{person} gets a new profile photo in Emply"))
@given(parsers.parse("{person} has a new profile photo in Emply"))
def new_emply_photo(emply_sim: Harness, person: str) -> None:
    photo = png_photo(f"emply:{person}:{len(emply_sim.notes)}")
    emply_sim.notes[f"emply photo of {person}"] = photo
    user = emply_sim.emply_user(person)
    emply_sim.expect(emply_sim.emply("PUT", f"/users/{user['id']}/photo", content=photo,
                                     headers={"Content-Type": "image/png"}),
                     f"uploading a photo for {person} to Emply")


@when(parsers.parse('the event "{subject}" is added to {person}\'s Entra calendar "{calendar}"'))
@given(parsers.parse('the event "{subject}" is in {person}\'s Entra calendar "{calendar}"'))
def entra_event(emply_sim: Harness, subject: str, person: str, calendar: str) -> None:
    calendar_id = _entra_calendar_id(emply_sim, person, calendar)
    start = _tomorrow(emply_sim, 9)
    body = {"subject": subject, "start": {"dateTime": start, "timeZone": "UTC"},
            "end": {"dateTime": _tomorrow(emply_sim, 10), "timeZone": "UTC"}}
    path = f"/users/{emply_sim.entra_id(person)}/calendars/{calendar_id}/events"
    emply_sim.expect(emply_sim.graph("POST", path, json=body), f"adding {subject!r}", 201)


# -- Emply, through its API -----------------------------------------------------------------------
@when(parsers.parse("the roles {roles} are taken from {person} in Emply"))
def roles_taken(emply_sim: Harness, roles: str, person: str) -> None:
    user = emply_sim.emply_user(person)
    for name in _names(roles):
        path = f"/users/{user['id']}/roles/{emply_sim.role_id(name)}"
        emply_sim.expect(emply_sim.emply("DELETE", path), f"taking {name} from {person}", 204)


@when(parsers.parse('{person} is given the role "{role}" in Emply'))
def role_given(emply_sim: Harness, person: str, role: str) -> None:
    user = emply_sim.emply_user(person)
    emply_sim.expect(emply_sim.emply("POST", f"/users/{user['id']}/roles",
                                     json={"roleId": emply_sim.role_id(role)}),
                     f"giving {person} the role {role}", 201)


@when(parsers.parse('{actor} removes the role "{role}" from {person}'))
def actor_removes_role(emply_sim: Harness, actor: str, role: str, person: str) -> None:
    target = actor if person in ("themselves", "herself", "himself") else person
    user = emply_sim.emply_user(target)
    acting = emply_sim.emply_user(actor)
    emply_sim.attempt(emply_sim.emply("DELETE", f"/users/{user['id']}/roles/"
                                      f"{emply_sim.role_id(role)}",
                                      headers={"X-Acting-User": acting["id"]}))


@when(parsers.parse('the synced group "{group}" is mapped to the role "{role}"'))
@when(parsers.parse('someone tries to map the synced group "{group}" to the role "{role}"'))
def remap_group(emply_sim: Harness, group: str, role: str) -> None:
    path = f"/integrations/entra-id/synced-groups/{emply_sim.group_id(group)}"
    emply_sim.attempt(emply_sim.emply("PATCH", path, json={"roleId": emply_sim.role_id(role)}))


@when(parsers.parse('the group "{group}" is taken out of the integration'))
def group_removed(emply_sim: Harness, group: str) -> None:
    path = f"/integrations/entra-id/synced-groups/{emply_sim.group_id(group)}"
    emply_sim.expect(emply_sim.emply("DELETE", path), f"taking {group} out of the integration")


@when(parsers.parse('the group "{group}" is added to the integration with the role "{role}"'))
def group_added(emply_sim: Harness, group: str, role: str) -> None:
    body = {"groupId": emply_sim.group_id(group), "displayName": group,
            "roleId": emply_sim.role_id(role)}
    emply_sim.expect(emply_sim.emply("POST", "/integrations/entra-id/synced-groups", json=body),
                     f"adding {group} to the integration", 201)


@when(parsers.parse('the administrator switches "{setting}" {state}'))
def switch_setting(emply_sim: Harness, setting: str, state: str) -> None:
    body = {wb.setting_key(setting): _on(state)}
    emply_sim.attempt(emply_sim.emply("PATCH", "/integrations/entra-id", json=body))


@when("the administrator sets up the integration for another Entra tenant")
def another_tenant(emply_sim: Harness) -> None:
    body = {"tenant": {"id": wb.new_tenant_id(), "domains": ["fabrikam.com"]}}
    emply_sim.attempt(emply_sim.emply("PATCH", "/integrations/entra-id", json=body))


@when("the integration is removed")
def integration_removed(emply_sim: Harness) -> None:
    emply_sim.expect(emply_sim.emply("DELETE", "/integrations/entra-id"), "removing the integration")


@when(parsers.parse("an account is created in Emply for the employee {person}"))
def account_for_employee(emply_sim: Harness, person: str) -> None:
    employee = emply_sim.employee(person)
    body = {"email": employee["email"], "firstName": employee["firstName"],
            "lastName": employee["lastName"], "employeeId": employee["id"]}
    emply_sim.expect(emply_sim.emply("POST", "/users", json=body), f"an account for {person}", 201)


@when(parsers.parse('{person} is created by hand in Emply with the e-mail "{email}"'))
@given(parsers.parse('{person} was created by hand in Emply with the e-mail "{email}"'))
def created_by_hand(emply_sim: Harness, person: str, email: str) -> None:
    first, _, last = person.partition(" ")
    emply_sim.builder.people.setdefault(person, wb.Person(person, email))
    emply_sim.expect(emply_sim.emply("POST", "/users", json={"email": email, "firstName": first,
                                                             "lastName": last or first}),
                     f"creating {person} by hand", 201)


@when(parsers.parse("{person} is deactivated by hand in Emply"))
def deactivated_by_hand(emply_sim: Harness, person: str) -> None:
    user = emply_sim.emply_user(person)
    emply_sim.expect(emply_sim.emply("POST", f"/users/{user['id']}/deactivate", json={}),
                     f"deactivating {person} by hand")


@when(parsers.parse("{person} is deleted in Emply"))
def deleted_in_emply(emply_sim: Harness, person: str) -> None:
    user = emply_sim.emply_user(person)
    emply_sim.expect(emply_sim.emply("DELETE", f"/users/{user['id']}"), f"deleting {person}", 204)


@when(parsers.parse("{person}'s employee gets the resignation date {day}"))
def resignation(emply_sim: Harness, person: str, day: str) -> None:
    employee = emply_sim.employee(person)
    emply_sim.expect(emply_sim.emply("PUT", f"/employees/{employee['id']}/resignation",
                                     json={"resignationDate": day}), f"{person} resigning")


@when(parsers.parse("{person}'s employee leaves on {day} and the day comes"))
def leaves_and_day_comes(emply_sim: Harness, person: str, day: str) -> None:
    resignation(emply_sim, person, day)
    emply_sim.set_clock(f"{day}T00:00:00Z")


@when(parsers.parse("{person}'s employee's {field} is changed to \"{value}\" in Emply"))
def employee_field_changed(emply_sim: Harness, person: str, field: str, value: str) -> None:
    fields = {"job title": "jobTitle", "first name": "firstName", "last name": "lastName"}
    if field not in fields:
        raise StepFailure(f"unknown employee field {field!r}; known: {', '.join(fields)}")
    employee = emply_sim.employee(person)
    emply_sim.expect(emply_sim.emply("PATCH", f"/employees/{employee['id']}",
                                     json={fields[field]: value}), f"changing {person}'s {field}")


@when(parsers.parse('{count:d} of the extra members leave the Entra group "{group}"'))
def extra_members_leave(emply_sim: Harness, count: int, group: str) -> None:
    extra = [name for name in emply_sim.builder.people if name.startswith(f"{group} member ")]
    if len(extra) < count:
        raise StepFailure(f"the group {group!r} has only {len(extra)} extra members")
    for name in extra[:count]:
        leaves_group(emply_sim, name, group)


@when(parsers.parse('the event "{subject}" is made in Emply for {person}'))
def emply_event(emply_sim: Harness, subject: str, person: str) -> None:
    user = emply_sim.emply_user(person)
    body = {"userId": user["id"], "subject": subject, "start": _tomorrow(emply_sim, 13) + "Z",
            "end": _tomorrow(emply_sim, 14) + "Z"}
    emply_sim.expect(emply_sim.emply("POST", "/calendar/events", json=body),
                     f"making {subject!r} in Emply", 201)


@when(parsers.parse('{person} switches the Emply calendar "{calendar}" {state}'))
def switch_calendar(emply_sim: Harness, person: str, calendar: str, state: str) -> None:
    user = emply_sim.emply_user(person)
    found = [c for c in _emply_calendars(emply_sim, user) if c["name"] == calendar]
    if len(found) != 1:
        raise StepFailure(f"{person} has {len(found)} Emply calendars named {calendar!r}")
    emply_sim.attempt(emply_sim.emply("PATCH", f"/users/{user['id']}/calendars/{found[0]['id']}",
                                      json={"enabled": _on(state)}))


@when(parsers.parse("calendar sync is switched off for {person}"))
@given(parsers.parse("calendar sync is switched off for {person}"))
def calendar_sync_off_for(emply_sim: Harness, person: str) -> None:
    user = emply_sim.emply_user(person)
    emply_sim.expect(emply_sim.emply("PATCH", f"/users/{user['id']}",
                                     json={"calendarSyncEnabled": False}),
                     f"switching calendar sync off for {person}")


# -- the held run (SAFE-2) ------------------------------------------------------------------------
@when("the held run is confirmed")
def confirm_held(emply_sim: Harness) -> None:
    run_id = _held_run_id(emply_sim)
    emply_sim.last_run = emply_sim.expect(
        emply_sim.emply("POST", f"/integrations/entra-id/runs/{run_id}/confirm"),
        "confirming the held run", 201).json()


@when("the held run is rejected")
def reject_held(emply_sim: Harness) -> None:
    run_id = _held_run_id(emply_sim)
    emply_sim.notes["rejected run"] = run_id
    emply_sim.expect(emply_sim.emply("POST", f"/integrations/entra-id/runs/{run_id}/reject"),
                     "rejecting the held run")


# -- Graph misbehaving, through /_sim/faults ----------------------------------------------------
@when(parsers.parse('Graph fails every request to "{prefix}"'))
def graph_fails(emply_sim: Harness, prefix: str) -> None:
    emply_sim.ensure_loaded()
    plan = {"rules": [{"pathPrefix": prefix, "unavailableRate": 1, "retryAfter": 0}]}
    emply_sim.expect(emply_sim.sim("PUT", "/_sim/faults", json=plan), "injecting Graph faults")


@when(parsers.parse('Graph answers requests to "{prefix}" slowly'))
def graph_slow(emply_sim: Harness, prefix: str) -> None:
    emply_sim.ensure_loaded()
    plan = {"rules": [{"pathPrefix": prefix, "latencyMs": 400}]}
    emply_sim.expect(emply_sim.sim("PUT", "/_sim/faults", json=plan), "slowing Graph down")


@when("Graph works normally again")
def graph_normal(emply_sim: Harness) -> None:
    emply_sim.expect(emply_sim.sim("PUT", "/_sim/faults", json={}), "turning Graph faults off")


@when("a sync is asked for while another run is under way")
def sync_during_run(emply_sim: Harness) -> None:
    thread, outcome = emply_sim.run_in_background()
    try:
        emply_sim.wait_for_running_run(thread)
        emply_sim.attempt(emply_sim.emply("POST", "/integrations/entra-id/runs"))
    finally:
        thread.join(timeout=60)
    emply_sim.notes["background run"] = outcome.get("response")


# -- PIC-2's example script --------------------------------------------------------------------------
@when(parsers.parse("the example script copies the photos of {people} from Emply to Entra"))
def example_script(emply_sim: Harness, people: str, request) -> None:
    script = _example_script(request.config.rootpath)
    ids = [emply_sim.emply_user(name)["id"] for name in _names(people)]
    endpoints = emply_sim.target.endpoints
    emply_sim.notes["script result"] = script.push_photos(
        emply_url=emply_sim.emply_url, api_key=wb.API_KEY, user_ids=ids,
        graph_url=endpoints.graph_url, authority=f"{endpoints.identity_url}/{emply_sim.tenant_id}",
        client_id=wb.QA_CLIENT_ID, client_secret=wb.QA_SECRET, http=emply_sim.new_client())


# =============================================================================================
# Then: what a QA tester checks
# =============================================================================================
@then(parsers.parse("{person} is active in Emply"))
def is_active(emply_sim: Harness, person: str) -> None:
    user = emply_sim.emply_user(person)
    assert user["status"] == "active", f"{person} is {user['status']}: {user['deactivation']}"


@then(parsers.parse("{person} is deactivated in Emply"))
def is_deactivated(emply_sim: Harness, person: str) -> None:
    user = emply_sim.emply_user(person)
    assert user["status"] == "deactivated", f"{person} is still active"


@then(parsers.parse('{person} is deactivated with the reason "{reason}"'))
def deactivated_because(emply_sim: Harness, person: str, reason: str) -> None:
    user = emply_sim.emply_user(person)
    why = emply_sim.expect(emply_sim.emply("GET", f"/users/{user['id']}/deactivation-reason"),
                           f"asking why {person} is deactivated").json()
    assert why["status"] == "deactivated", f"{person} is active"
    assert why["reason"] == reason, f"{person} was deactivated for {why['reason']!r} ({why})"
    assert why["reasonText"], "the answer explains the reason in words"


@then(parsers.parse("{person} is in the list of deactivated users"))
def in_deactivated_list(emply_sim: Harness, person: str) -> None:
    listed = emply_sim.expect(emply_sim.emply("GET", "/users/deactivated"), "deactivated").json()
    assert emply_sim.email(person).lower() in {u["email"].lower() for u in listed}


@then(parsers.parse("{person} is not in the list of deactivated users"))
def not_in_deactivated_list(emply_sim: Harness, person: str) -> None:
    listed = emply_sim.expect(emply_sim.emply("GET", "/users/deactivated"), "deactivated").json()
    assert emply_sim.email(person).lower() not in {u["email"].lower() for u in listed}


@then("the list of deactivated users is empty")
def nobody_deactivated(emply_sim: Harness) -> None:
    listed = emply_sim.expect(emply_sim.emply("GET", "/users/deactivated"), "deactivated").json()
    assert listed == [], f"deactivated: {[u['email'] for u in listed]}"


@then(parsers.parse("{count:d} users are deactivated in Emply"))
def count_deactivated(emply_sim: Harness, count: int) -> None:
    listed = emply_sim.expect(emply_sim.emply("GET", "/users/deactivated"), "deactivated").json()
    assert len(listed) == count, f"{len(listed)} deactivated: {[u['email'] for u in listed]}"


@then(parsers.parse("{person} has the roles {roles}"))
def has_roles(emply_sim: Harness, person: str, roles: str) -> None:
    actual = _role_names(emply_sim.emply_user(person))
    assert actual == set(_names(roles)), f"{person} has the roles {sorted(actual)}"


@then(parsers.parse("{person} has no roles"))
def has_no_roles(emply_sim: Harness, person: str) -> None:
    actual = _role_names(emply_sim.emply_user(person))
    assert actual == set(), f"{person} has the roles {sorted(actual)}"


@then(parsers.parse("Emply has no user for {person}"))
def no_user(emply_sim: Harness, person: str) -> None:
    assert emply_sim.emply_users(person) == []


@then(parsers.parse("Emply has exactly one user for {person}"))
def one_user(emply_sim: Harness, person: str) -> None:
    emply_sim.emply_user(person)


@then(parsers.parse("{person}'s Emply user is linked to their Entra user"))
def linked(emply_sim: Harness, person: str) -> None:
    user = emply_sim.emply_user(person)
    assert user["entraObjectId"] == emply_sim.entra_id(person), \
        f"{person}'s Emply user is linked to {user['entraObjectId']!r}"


@then(parsers.parse("{person}'s {field} in Emply is \"{value}\""))
def emply_field(emply_sim: Harness, person: str, field: str, value: str) -> None:
    user = emply_sim.emply_user(person)
    if field == "department":
        departments = emply_sim.expect(emply_sim.emply("GET", "/departments"), "departments").json()
        titles = {d["id"]: d["title"] for d in departments}
        actual = titles.get(user["departmentId"])
    elif field in EMPLY_FIELDS:
        actual = user[EMPLY_FIELDS[field]]
    else:
        raise StepFailure(f"unknown Emply field {field!r}; known: department, "
                          f"{', '.join(EMPLY_FIELDS)}")
    assert actual == value, f"{person}'s {field} in Emply is {actual!r}"


@then(parsers.parse("{person}'s {field} in Emply is empty"))
def emply_field_empty(emply_sim: Harness, person: str, field: str) -> None:
    user = emply_sim.emply_user(person)
    key = "departmentId" if field == "department" else EMPLY_FIELDS.get(field)
    if key is None:
        raise StepFailure(f"unknown Emply field {field!r}")
    assert not user[key], f"{person}'s {field} in Emply is {user[key]!r}"


@then(parsers.parse("{person}'s {field} in Entra is \"{value}\""))
def entra_field(emply_sim: Harness, person: str, field: str, value: str) -> None:
    user = emply_sim.entra_user(person)
    assert user is not None, f"{person} is not an Entra user"
    actual = user.get(ENTRA_FIELDS[field])
    assert actual == value, f"{person}'s {field} in Entra is {actual!r}"


@then(parsers.parse("{person}'s {field} in Entra is empty"))
def entra_field_empty(emply_sim: Harness, person: str, field: str) -> None:
    user = emply_sim.entra_user(person)
    assert user is not None, f"{person} is not an Entra user"
    assert not user.get(ENTRA_FIELDS[field]), f"{person}'s {field} is {user.get(ENTRA_FIELDS[field])!r}"


# -- runs and the run log ------------------------------------------------------------------------
@then(parsers.parse('the run reports an error for {person} saying "{text}"'))
def run_error(emply_sim: Harness, person: str, text: str) -> None:
    run = emply_sim.last_run or {}
    email = emply_sim.email(person).lower()
    errors = [c for c in run.get("changes", []) if c["status"] == "failure"
              and (c.get("email") or "").lower() == email]
    assert errors, f"the run reported no error for {person}: {run.get('changes')}"
    assert any(text.lower() in (c.get("reason") or c.get("error") or "").lower() for c in errors), \
        f"no error for {person} says {text!r}: {errors}"


@then(parsers.parse('the last run ended "{status}"'))
def run_status(emply_sim: Harness, status: str) -> None:
    run = emply_sim.last_run or {}
    assert run.get("status") == status, f"the last run ended {run.get('status')!r}: {run}"


@then(parsers.parse('the latest run in the run log ended "{status}"'))
def latest_run_status(emply_sim: Harness, status: str) -> None:
    response = emply_sim.expect(emply_sim.emply("GET", "/integrations/entra-id/runs",
                                                params={"limit": 1}), "reading the run log")
    [run] = response.json()["value"]
    assert run["status"] == status, f"the latest run ended {run['status']!r}: {run}"


@then("the run is held")
def run_held(emply_sim: Harness) -> None:
    run_status(emply_sim, "held")


@then(parsers.parse('the rejected run is marked "{status}" in the run log'))
def rejected_marked(emply_sim: Harness, status: str) -> None:
    run_id = emply_sim.notes["rejected run"]
    run = emply_sim.expect(emply_sim.emply("GET", f"/integrations/entra-id/runs/{run_id}"),
                           "reading the run").json()
    assert run["status"] == status, f"run {run_id} is {run['status']!r}"


@then(parsers.parse('the run log has a "{kind}" change for {person} under the rule "{rule}"'))
def logged_change(emply_sim: Harness, kind: str, person: str, rule: str) -> None:
    email = emply_sim.email(person).lower()
    found = [c for c in emply_sim.changes(rule=rule, kind=kind)
             if (c.get("email") or "").lower() == email and c["status"] == "success"]
    assert found, f"no successful {kind!r} change for {person} under {rule} in the run log"


@then(parsers.parse('the run log shows {person} skipped under the rule "{rule}" because "{text}"'))
def logged_skip(emply_sim: Harness, person: str, rule: str, text: str) -> None:
    email = emply_sim.email(person).lower()
    found = [c for c in emply_sim.changes(rule=rule) if c["status"] == "skipped"
             and (c.get("email") or "").lower() == email]
    assert found, f"{person} is not logged as skipped under {rule}"
    said = " ".join(f"{c.get('reason')} {c.get('error')}" for c in found).lower()
    assert text.lower() in said, f"the skip of {person} does not say {text!r}: {found}"


@then(parsers.parse('the last run has no change for {person} under the rule "{rule}"'))
def no_logged_change(emply_sim: Harness, person: str, rule: str) -> None:
    email = emply_sim.email(person).lower()
    run = emply_sim.last_run or {}
    found = [c for c in run.get("changes", []) if c["rule"] == rule
             and (c.get("email") or "").lower() == email]
    assert not found, f"the last run has {rule} changes for {person}: {found}"


@then("every change in the run log names its rule and gives a reason")
def every_change_explained(emply_sim: Harness) -> None:
    changes = emply_sim.changes(limit=10000)
    assert changes, "the run log is empty"
    known = set(_rule_ids())
    for change in changes:
        assert change["rule"] in known, f"change without a known rule: {change}"
        assert change["reason"], f"change without a reason: {change}"


@then("every change to a user's status or roles shows the old and the new value")
def every_change_old_new(emply_sim: Harness) -> None:
    changes = [c for c in emply_sim.changes(limit=10000) if c["status"] == "success"
               and c["kind"] in ("deactivate", "reactivate", "set_roles")]
    assert changes, "the run log holds no change to a status or roles"
    for change in changes:
        assert change["old"] is not None and change["new"] is not None, change
        assert change["old"] != change["new"], f"a change that changes nothing: {change}"


@then(parsers.parse("the run log shows {count:d} runs started by the schedule"))
def scheduled_runs(emply_sim: Harness, count: int) -> None:
    runs = emply_sim.expect(emply_sim.emply("GET", "/integrations/entra-id/runs"), "runs").json()
    scheduled = [r for r in runs["value"] if r["trigger"] == "schedule"]
    assert len(scheduled) == count, f"{len(scheduled)} scheduled runs: {runs['value']}"


@then("the run under way finishes normally")
def background_finished(emply_sim: Harness) -> None:
    response = emply_sim.notes.get("background run")
    assert response is not None, "the background run did not finish"
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "success", response.text


# -- answers to requests ---------------------------------------------------------------------------
@then(parsers.parse('the request is refused with "{code}"'))
def refused(emply_sim: Harness, code: str) -> None:
    response = emply_sim.last_response
    assert response is not None, "no request was made"
    emply_sim.unchecked = None
    assert not response.is_success, f"the request was accepted: {response.text[:300]}"
    assert response.json()["error"]["code"] == code, response.text


@then(parsers.parse('the refusal says "{text}"'))
def refusal_says(emply_sim: Harness, text: str) -> None:
    response = emply_sim.last_response
    assert response is not None and not response.is_success
    message = response.json()["error"]["message"]
    assert text.lower() in message.lower(), f"the refusal says {message!r}"


@then("the request is accepted")
def accepted(emply_sim: Harness) -> None:
    response = emply_sim.last_response
    assert response is not None, "no request was made"
    assert response.is_success, f"refused: {response.status_code} {response.text[:300]}"


# -- settings -----------------------------------------------------------------------------------------
@then(parsers.parse('the integration is still set up for the Entra tenant "{name}"'))
def still_set_up(emply_sim: Harness, name: str) -> None:
    settings = emply_sim.expect(emply_sim.emply("GET", "/integrations/entra-id"), "settings").json()
    organization = emply_sim.expect(emply_sim.graph("GET", "/organization"), "organization")
    [org] = organization.json()["value"]
    assert org["displayName"] == name
    assert settings["configured"] and settings["tenant"]["id"] == org["id"], settings["tenant"]


@then("the integration is not set up")
def integration_not_set_up(emply_sim: Harness) -> None:
    settings = emply_sim.expect(emply_sim.emply("GET", "/integrations/entra-id"), "settings").json()
    assert settings["configured"] is False, settings


@then(parsers.parse('the setting "{setting}" is still {state}'))
def setting_still(emply_sim: Harness, setting: str, state: str) -> None:
    settings = emply_sim.expect(emply_sim.emply("GET", "/integrations/entra-id"), "settings").json()
    assert settings[wb.setting_key(setting)] is _on(state), settings


# -- what the integration wrote to Entra (the Graph journal) ------------------------------------------
@then("the integration has written nothing to Entra")
def nothing_written(emply_sim: Harness) -> None:
    writes = [e for e in _integration_requests(emply_sim) if e["method"] in WRITES
              and not e["url"].split("?")[0].endswith("/$batch")]  # a batch's inner requests count
    assert writes == [], f"the integration wrote to Entra: {[(e['method'], e['url']) for e in writes]}"


@then("the integration has sent no photo to Entra")
def no_photo_sent(emply_sim: Harness) -> None:
    sent = [e for e in _integration_requests(emply_sim)
            if e["method"] in WRITES and "/photo" in e["url"]]
    assert sent == [], f"photo requests by the integration: {sent}"


# -- photos ----------------------------------------------------------------------------------------------
@then(parsers.parse("{person}'s Emply photo is the same as their Entra photo"))
def emply_photo_is_entra(emply_sim: Harness, person: str) -> None:
    entra = _entra_photo(emply_sim, person)
    emply = _emply_photo(emply_sim, person)
    assert entra is not None, f"{person} has no photo in Entra"
    assert emply == entra, f"{person}'s Emply photo differs from the Entra photo"


@then(parsers.parse("{person} has no photo in Emply"))
def no_emply_photo(emply_sim: Harness, person: str) -> None:
    assert _emply_photo(emply_sim, person) is None, f"{person} has a photo in Emply"


@then(parsers.parse("{person}'s Emply photo is the one uploaded in Emply"))
def emply_photo_kept(emply_sim: Harness, person: str) -> None:
    assert _emply_photo(emply_sim, person) == emply_sim.notes[f"emply photo of {person}"]


@then(parsers.parse("{person}'s Entra photo is the same as their Emply photo"))
def entra_photo_is_emply(emply_sim: Harness, person: str) -> None:
    emply = _emply_photo(emply_sim, person)
    assert emply is not None, f"{person} has no photo in Emply"
    assert _entra_photo(emply_sim, person) == emply, f"{person}'s Entra photo is not the Emply one"


@then(parsers.parse("{person}'s Entra photo is not their Emply photo"))
def entra_photo_not_emply(emply_sim: Harness, person: str) -> None:
    assert _entra_photo(emply_sim, person) != _emply_photo(emply_sim, person)


@then(parsers.parse("the example script reports {count:d} photos copied"))
def script_count(emply_sim: Harness, count: int) -> None:
    result = emply_sim.notes["script result"]
    assert result.copied == count, f"the script copied {result.copied}: {result}"


# -- calendars ---------------------------------------------------------------------------------------
@then(parsers.parse("{person}'s calendars in Emply are:"))
def emply_calendars_are(emply_sim: Harness, person: str, datatable) -> None:
    user = emply_sim.emply_user(person)
    actual = {c["name"]: c for c in _emply_calendars(emply_sim, user)}
    rows = wb.table_rows(datatable)
    assert set(actual) == {r["calendar"] for r in rows}, f"{person}'s calendars: {sorted(actual)}"
    for row in rows:
        calendar = actual[row["calendar"]]
        if "enabled" in row:
            assert calendar["enabled"] is wb.flag(row["enabled"], "enabled"), calendar
        if "can disable" in row:
            assert calendar["canDisable"] is wb.flag(row["can disable"], "can disable"), calendar


@then(parsers.parse("{person} has no calendars in Emply"))
def no_emply_calendars(emply_sim: Harness, person: str) -> None:
    calendars = _emply_calendars(emply_sim, emply_sim.emply_user(person))
    assert calendars == [], f"{person} has calendars: {[c['name'] for c in calendars]}"


@then(parsers.parse('{person} has the Emply calendar "{calendar}" switched {state}'))
def has_emply_calendar(emply_sim: Harness, person: str, calendar: str, state: str) -> None:
    found = [c for c in _emply_calendars(emply_sim, emply_sim.emply_user(person))
             if c["name"] == calendar]
    assert len(found) == 1, f"{person} has {len(found)} Emply calendars named {calendar!r}"
    assert found[0]["enabled"] is _on(state), f"{person}'s {calendar}: {found[0]}"


@then(parsers.parse('{person} does not have the Emply calendar "{calendar}"'))
def lacks_emply_calendar(emply_sim: Harness, person: str, calendar: str) -> None:
    names = [c["name"] for c in _emply_calendars(emply_sim, emply_sim.emply_user(person))]
    assert calendar not in names, f"{person}'s Emply calendars: {names}"


@then(parsers.parse('Emply\'s calendar shows the event "{subject}" for {person}'))
def emply_shows_event(emply_sim: Harness, subject: str, person: str) -> None:
    subjects = [e["subject"] for e in _emply_events(emply_sim, person)]
    assert subjects.count(subject) == 1, f"Emply's calendar shows {subjects} for {person}"


@then(parsers.parse('Emply\'s calendar does not show the event "{subject}" for {person}'))
def emply_hides_event(emply_sim: Harness, subject: str, person: str) -> None:
    subjects = [e["subject"] for e in _emply_events(emply_sim, person)]
    assert subject not in subjects, f"Emply's calendar shows {subjects} for {person}"


@then(parsers.parse('{person}\'s Entra calendar "{calendar}" has the event "{subject}" once'))
def entra_has_event(emply_sim: Harness, person: str, calendar: str, subject: str) -> None:
    subjects = _entra_events(emply_sim, person, calendar)
    assert subjects.count(subject) == 1, f"{person}'s {calendar} holds {subjects}"


@then(parsers.parse('{person}\'s Entra calendar "{calendar}" does not have the event "{subject}"'))
def entra_lacks_event(emply_sim: Harness, person: str, calendar: str, subject: str) -> None:
    subjects = _entra_events(emply_sim, person, calendar)
    assert subject not in subjects, f"{person}'s {calendar} holds {subjects}"


# -- Entra users and Emply employees --------------------------------------------------------------
@then(parsers.parse("{person} is in Entra's deleted users"))
def in_deleted_users(emply_sim: Harness, person: str) -> None:
    entra_id = emply_sim.entra_id(person)
    emply_sim.expect(emply_sim.graph("GET", f"/directory/deletedItems/{entra_id}"),
                     f"finding {person} among Entra's deleted users")
    assert emply_sim.graph("GET", f"/users/{entra_id}").status_code == 404


@then(parsers.parse("{person} is still an Entra user"))
@then(parsers.parse("{person} is an Entra user"))
def is_entra_user(emply_sim: Harness, person: str) -> None:
    response = emply_sim.find_entra_user(person)
    assert response.status_code == 200, f"{person} is not an Entra user: {response.text[:200]}"


@then(parsers.parse("{person} is not an Entra user"))
def not_entra_user(emply_sim: Harness, person: str) -> None:
    response = emply_sim.find_entra_user(person)
    assert response.status_code == 404, f"{person} is an Entra user"


@then(parsers.parse("{person}'s employee is {status}"))
def employee_status(emply_sim: Harness, person: str, status: str) -> None:
    employee = emply_sim.employee(person)
    assert employee["status"] == status, f"{person}'s employee is {employee['status']}"


# =============================================================================================
# helpers (through the APIs only)
# =============================================================================================
def _rule_ids() -> dict[str, str]:
    from emply_sim.bdd.rules import known_rules

    return known_rules()


def _example_script(rootpath: Path):
    """The PIC-2 example, ``examples/push_photos_to_entra.py`` of the project being tested."""
    path = Path(rootpath) / "examples" / EXAMPLE_SCRIPT
    if not path.is_file():
        raise StepFailure(f"the example script {path} is not there (it ships with the "
                          "emply-entra-sim sources, not with the installed package)")
    spec = importlib.util.spec_from_file_location("emply_sim_example_push_photos", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _held_run_id(emply_sim: Harness) -> int:
    runs = emply_sim.expect(emply_sim.emply("GET", "/integrations/entra-id/runs"), "runs").json()
    if runs["heldRun"] is None:
        raise StepFailure("no run is held")
    return runs["heldRun"]


def _integration_requests(emply_sim: Harness) -> list[dict[str, Any]]:
    journal = emply_sim.expect(emply_sim.sim("GET", "/_sim/journal"), "reading the journal").json()
    return [e for e in journal["entries"] if e["client"] == wb.INTEGRATION_CLIENT_ID]


def _entra_photo(emply_sim: Harness, person: str) -> bytes | None:
    response = emply_sim.graph("GET", f"/users/{emply_sim.entra_id(person)}/photo/$value")
    if response.status_code == 404:
        return None
    return emply_sim.expect(response, f"{person}'s Entra photo").content


def _emply_photo(emply_sim: Harness, person: str) -> bytes | None:
    user = emply_sim.emply_user(person)
    response = emply_sim.emply("GET", f"/users/{user['id']}/photo")
    if response.status_code == 404:
        return None
    return emply_sim.expect(response, f"{person}'s Emply photo").content


def _emply_calendars(emply_sim: Harness, user: dict[str, Any]) -> list[dict[str, Any]]:
    return emply_sim.expect(emply_sim.emply("GET", f"/users/{user['id']}/calendars"),
                            "reading calendars").json()


def _emply_events(emply_sim: Harness, person: str) -> list[dict[str, Any]]:
    user = emply_sim.emply_user(person)
    return emply_sim.expect(emply_sim.emply("GET", "/calendar/events", params={"userId": user["id"]}),
                            "reading Emply's calendar").json()


def _entra_calendar_id(emply_sim: Harness, person: str, calendar: str) -> str:
    response = emply_sim.expect(emply_sim.graph("GET", f"/users/{emply_sim.entra_id(person)}/calendars"),
                                f"{person}'s Entra calendars")
    found = [c["id"] for c in response.json()["value"] if c["name"] == calendar]
    if len(found) != 1:
        raise StepFailure(f"{person} has {len(found)} Entra calendars named {calendar!r}")
    return found[0]


def _entra_events(emply_sim: Harness, person: str, calendar: str) -> list[str]:
    calendar_id = _entra_calendar_id(emply_sim, person, calendar)
    response = emply_sim.expect(emply_sim.graph(
        "GET", f"/users/{emply_sim.entra_id(person)}/calendars/{calendar_id}/events"),
        f"events of {person}'s {calendar}")
    return [e["subject"] for e in response.json()["value"]]


def _tomorrow(emply_sim: Harness, hour: int) -> str:
    now = emply_sim.expect(emply_sim.sim("GET", "/_sim/clock"), "reading the clock").json()["now"]
    day = datetime.fromisoformat(now.replace("Z", "+00:00")).astimezone(UTC) + timedelta(days=1)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%S")

