"""``emply-sim demo``: the FAQ's cases played out in-process, with tables a person reads.

Everything happens through the systems' interfaces, as a QA tester would do it:
Graph (as the tenant's administrator), Emply's API, and the simulation control API
for the clock. The people of each case are found in the world by what they are (a
user connected to an employee, one who is not), not by name, so a renamed world
still demos. Each case starts from a freshly loaded world.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from mocks import scenarios
from mocks.inprocess import EMPLY_URL, GRAPH_URL, InProcess
from mocks.world import World

ADMIN_APP = "Demo: Entra administrator"
ADMIN_PERMISSIONS = {"Directory.ReadWrite.All", "User.ReadWrite.All", "GroupMember.ReadWrite.All",
                     "Calendars.ReadWrite", "ProfilePhoto.ReadWrite.All"}


class DemoError(RuntimeError):
    """The world does not have what a demo step needs; the message says what."""


@dataclass
class Person:
    email: str
    emply_id: str
    entra_id: str
    name: str


@dataclass
class CaseResult:
    case: str
    change: str
    groups: list[str]
    before: list[str]
    after: list[str]
    reasons: list[str] = field(default_factory=list)


class Session:
    """One loaded world with clients for Graph (as administrator), Emply and /_sim/."""

    def __init__(self, scenario: str) -> None:
        self.doc, self.world = scenarios.load_world(scenario, World())
        self.inproc = InProcess(self.world)
        admin = self.world.tenant.add_app(ADMIN_APP, ADMIN_PERMISSIONS)
        token = self.inproc.msal_app(admin.client_id, admin.secret).acquire_token_for_client(
            scopes=["https://graph.microsoft.com/.default"])
        if "access_token" not in token:
            raise DemoError(f"no Graph token for the demo: {token.get('error_description')}")
        self.graph = self.inproc.client(base_url=GRAPH_URL, headers={
            "Authorization": f"Bearer {token['access_token']}"})
        key = self.world.emply.add_api_key("emply-sim demo", {"read", "write", "settings"})
        customer = self.world.emply.customer
        self.emply = self.inproc.client(base_url=f"{EMPLY_URL}/v1/{customer}",
                                        params={"apiKey": key})
        self.sim = self.inproc.client(base_url=EMPLY_URL)
        self.admin: str | None = None
        self.admin = next((u["id"] for u in self.users() if u.get("isAdministrator")), None)

    def close(self) -> None:
        self.inproc.close()

    # -- calls ---------------------------------------------------------------------------
    def call(self, client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
        if self.admin and method != "GET" and client is self.emply:
            kwargs.setdefault("headers", {})["X-Acting-User"] = self.admin
        response = client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise DemoError(f"{method} {path} answered {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def run(self) -> dict[str, Any]:
        return self.call(self.emply, "POST", "/integrations/entra-id/runs")

    def users(self) -> list[dict[str, Any]]:
        body = self.call(self.emply, "GET", "/users")
        return body["value"] if isinstance(body, dict) else body

    def user(self, email: str) -> dict[str, Any]:
        return next(u for u in self.users() if u["email"].casefold() == email.casefold())

    def roles(self, email: str) -> list[str]:
        return sorted(r["name"] for r in self.user(email)["roles"])

    def settings(self) -> dict[str, Any]:
        return self.call(self.emply, "GET", "/integrations/entra-id")

    def role_id(self, name: str) -> str:
        body = self.call(self.emply, "GET", "/roles")
        roles = body["value"] if isinstance(body, dict) else body
        return next(r["id"] for r in roles if r["name"] == name)

    def group_name(self, group_id: str) -> str:
        return self.call(self.graph, "GET", f"/groups/{group_id}")["displayName"]

    def groups_of(self, person: Person) -> list[str]:
        names = []
        for group in self.settings()["syncedGroups"]:
            members = self.call(self.graph, "GET", f"/groups/{group['groupId']}/members",
                                params={"$select": "id"})["value"]
            if any(m["id"] == person.entra_id for m in members):
                names.append(self.group_name(group["groupId"]))
        return names

    def advance(self, duration: str) -> None:
        self.call(self.sim, "POST", "/_sim/clock", json={"advance": duration})

    def person(self, predicate: Callable[[dict[str, Any]], bool], what: str) -> Person:
        for user in self.users():
            if user.get("entraObjectId") and predicate(user):
                return Person(user["email"], user["id"], user["entraObjectId"],
                              f"{user['firstName']} {user['lastName']}")
        raise DemoError(f"the world has no {what}")


# -- the FAQ walk-through ----------------------------------------------------------------------
ROLE_CASES = [
    ("a", "nothing changed since the last run"),
    ("b", "left the second synced group in Entra"),
    ("c", "the mapped roles were taken away in Emply, leaving only the extra role"),
    ("d", "the first synced group now maps to 'New employee'"),
]


def faq_demo(scenario: str, console: Console) -> dict[str, Any]:
    """Walk through the FAQ's cases; returns what was shown, for tests."""
    shown: dict[str, Any] = {}
    session = Session(scenario)
    try:
        console.rule("[bold]1. The first sync")
        first = session.run()
        _changes_table(console, "Run 1: what the sync did, and why", first["changes"])
        _users_table(console, session)
        shown["first_run"] = first
    finally:
        session.close()

    console.rule("[bold]2. Roles after the first sync (SYNC-6)")
    console.print("Each case starts from a fresh copy of the world, synced twice so that "
                  "'since the last run' has a meaning. Then one thing changes, and the sync runs.")
    shown["megan"] = [_role_case(scenario, case, text, connected=False) for case, text in ROLE_CASES]
    shown["ray"] = [_role_case(scenario, case, text, connected=True) for case, text in ROLE_CASES]
    _cases_table(console, "A user without an employee profile (the Megan Jordan cases)",
                 shown["megan"])
    _cases_table(console, "A user connected to an employee (the Ray Ross case): roles never change",
                 shown["ray"])

    session = Session(scenario)
    try:
        session.run()
        shown["deactivation"] = _deactivation(session, console)
        shown["calendars"] = _calendars(session, console)
        shown["resignation"] = _resignation(session, console)
    finally:
        session.close()
    console.rule("[bold green]Done")
    return shown


def _role_case(scenario: str, case: str, text: str, connected: bool) -> CaseResult:
    session = Session(scenario)
    try:
        session.run()
        session.run()
        people = [u for u in session.users() if u.get("entraObjectId") and len(u["roles"]) >= 3
                  and bool(u.get("employeeId")) == connected]
        if not people:
            raise DemoError("the world has no synced user with three roles "
                            f"{'connected to' if connected else 'without'} an employee")
        person = Person(people[0]["email"], people[0]["id"], people[0]["entraObjectId"],
                        f"{people[0]['firstName']} {people[0]['lastName']}")
        groups = session.settings()["syncedGroups"]
        before = session.roles(person.email)
        if case == "b":
            session.call(session.graph, "DELETE",
                         f"/groups/{groups[1]['groupId']}/members/{person.entra_id}/$ref")
        elif case == "c":
            kept = [r["roleId"] for r in session.user(person.email)["roles"]
                    if r["roleId"] not in {g["roleId"] for g in groups}]
            _set_roles(session, person, kept)
            before = session.roles(person.email)
        elif case == "d":
            session.call(session.emply, "PATCH",
                         f"/integrations/entra-id/synced-groups/{groups[0]['groupId']}",
                         json={"roleId": session.role_id("New employee")})
        result = session.run()
        reasons = [f"{c['rule']}: {c['reason']}" for c in result["changes"]
                   if c.get("emplyUserId") == person.emply_id]
        return CaseResult(case, text, session.groups_of(person), before,
                          session.roles(person.email), reasons)
    finally:
        session.close()


def _set_roles(session: Session, person: Person, keep: list[str]) -> None:
    """Take roles away in Emply one by one, as an administrator would in the user page."""
    for role in session.user(person.email)["roles"]:
        if role["roleId"] not in keep:
            session.call(session.emply, "DELETE", f"/users/{person.emply_id}/roles/{role['roleId']}")


def _deactivation(session: Session, console: Console) -> dict[str, Any]:
    console.rule("[bold]3. Leaving the synced groups, and being deleted (SYNC-3, SYNC-8, DEL-1)")
    leaver = session.person(lambda u: not u.get("employeeId") and not u.get("isAdministrator")
                            and u["origin"] == "integration", "user the sync created")
    for group in session.settings()["syncedGroups"]:
        members = session.call(session.graph, "GET", f"/groups/{group['groupId']}/members",
                               params={"$select": "id"})["value"]
        if any(m["id"] == leaver.entra_id for m in members):
            session.call(session.graph, "DELETE",
                         f"/groups/{group['groupId']}/members/{leaver.entra_id}/$ref")
    deleted = session.person(lambda u: u["email"] != leaver.email and not u.get("isAdministrator")
                             and u["status"] == "active", "second synced user")
    session.call(session.graph, "DELETE", f"/users/{deleted.entra_id}")
    run = session.run()
    _changes_table(console, f"{leaver.name} left every synced group; {deleted.name} was "
                   "deleted in Entra", [c for c in run["changes"] if c["kind"] == "deactivate"])
    why = {p.name: session.call(session.emply, "GET", f"/users/{p.emply_id}/deactivation-reason")
           for p in (leaver, deleted)}
    table = Table(title="Why is this user deactivated?", title_justify="left")
    for column in ("user", "reason", "rule", "by"):
        table.add_column(column)
    for name, answer in why.items():
        table.add_row(name, answer["reasonText"], answer["rule"] or "", answer["deactivatedBy"])
    console.print(table)
    session.call(session.graph, "POST", f"/directory/deletedItems/{deleted.entra_id}/restore")
    session.run()
    console.print(f"{deleted.name} was restored from Entra's deleted users: the next run "
                  f"reactivates them (status now: {session.user(deleted.email)['status']}).")
    return {"why": why, "restored": session.user(deleted.email)["status"]}


def _calendars(session: Session, console: Console) -> dict[str, Any]:
    console.rule("[bold]4. Calendars (CAL-1, CAL-2)")
    session.call(session.emply, "PATCH", "/integrations/entra-id", json={"calendarSync": True})
    person = session.person(lambda u: u["status"] == "active" and not u.get("isAdministrator"),
                            "active synced user")
    shared = session.person(lambda u: u["email"] != person.email and u["status"] == "active"
                            and not u.get("isAdministrator"), "second active user")
    for name, role in (("Team planning", "write"), ("Board meetings", "read")):
        _share(session, shared, person, name, role)
    session.run()
    calendars = session.call(session.emply, "GET", f"/users/{person.emply_id}/calendars")
    calendars = calendars["value"] if isinstance(calendars, dict) else calendars
    table = Table(title=f"{person.name}'s calendars in Emply after the run", title_justify="left")
    for column in ("calendar", "default", "enabled", "disable button"):
        table.add_column(column)
    for cal in calendars:
        table.add_row(cal["name"], "yes" if cal["isDefault"] else "",
                      "yes" if cal["enabled"] else "no", "yes" if cal["canDisable"] else "none")
    console.print(table)
    console.print("The read-only 'Board meetings' calendar is not added; the editable one is "
                  "added disabled, for the user to switch on.")
    return {"calendars": calendars}


def _share(session: Session, owner: Person, reader: Person, name: str, role: str) -> None:
    """Make a calendar in the owner's mailbox and share it (mailbox set-up, as an admin would)."""
    from mocks.entra import mailbox

    calendar = mailbox.add_calendar(session.world.tenant, owner.entra_id, name)
    mailbox.share_calendar(session.world.tenant, calendar.id, reader.entra_id, role)


def _resignation(session: Session, console: Console) -> dict[str, Any]:
    console.rule("[bold]5. An employee resigns (DEL-2)")
    employees = session.call(session.emply, "GET", "/employees")
    employees = employees["value"] if isinstance(employees, dict) else employees
    employee = next((e for e in employees if e.get("userId")), None)
    if employee is None:
        raise DemoError("the world has no employee connected to a user")
    session.call(session.emply, "PUT", f"/employees/{employee['id']}/resignation",
                 json={"resignationDate": "2026-01-31"})
    pending = session.call(session.emply, "GET", f"/employees/{employee['id']}")["status"]
    session.advance("P30D")
    archived = session.call(session.emply, "GET", f"/employees/{employee['id']}")["status"]
    user = session.call(session.emply, "GET", f"/users/{employee['userId']}")
    table = Table(title=f"{employee['firstName']} {employee['lastName']}", title_justify="left")
    for column in ("moment", "employee", "user"):
        table.add_column(column)
    table.add_row("resignation date set to 2026-01-31", pending, "active")
    table.add_row("the clock passes the date", archived,
                  f"{user['status']} ({(user.get('deactivation') or {}).get('reason')})")
    console.print(table)
    return {"pending": pending, "archived": archived, "user": user["status"]}


# -- any other scenario ---------------------------------------------------------------------
def generic_demo(scenario: str, console: Console) -> dict[str, Any]:
    """Sync a world, show what changed and why, then let the schedule run for an hour."""
    session = Session(scenario)
    try:
        console.rule(f"[bold]{scenario}: the first sync")
        first = session.run()
        _changes_table(console, "What the sync did, and why", first["changes"], limit=40)
        _users_table(console, session, limit=30)
        session.advance("PT1H")
        runs = session.call(session.emply, "GET", "/integrations/entra-id/runs")["value"]
        console.print(f"An hour of simulated time later: {len(runs)} runs "
                      f"({', '.join(r['trigger'] for r in reversed(runs))}).")
        return {"first_run": first, "runs": runs}
    finally:
        session.close()


# -- tables ----------------------------------------------------------------------------------
def _changes_table(console: Console, title: str, changes: list[dict[str, Any]],
                   limit: int = 60) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("change", "who", "rule", "status", "reason"):
        table.add_column(column, overflow="fold")
    for change in changes[:limit]:
        table.add_row(change["kind"], change.get("email") or "", change["rule"],
                      change["status"], change["reason"])
    if len(changes) > limit:
        table.caption = f"… and {len(changes) - limit} more"
    console.print(table)


def _users_table(console: Console, session: Session, limit: int = 40) -> None:
    table = Table(title="Emply users after the run", title_justify="left")
    for column in ("user", "status", "roles", "employee", "origin"):
        table.add_column(column)
    users = session.users()
    for user in users[:limit]:
        reason = (user.get("deactivation") or {}).get("reason")
        table.add_row(user["email"], user["status"] + (f" ({reason})" if reason else ""),
                      ", ".join(sorted(r["name"] for r in user["roles"])),
                      "yes" if user.get("employeeId") else "", user["origin"])
    if len(users) > limit:
        table.caption = f"… and {len(users) - limit} more"
    console.print(table)


def _cases_table(console: Console, title: str, results: list[CaseResult]) -> None:
    table = Table(title=title, title_justify="left")
    for column in ("case", "since the last run", "groups now", "roles before", "roles after"):
        table.add_column(column)
    for r in results:
        table.add_row(r.case, r.change, ", ".join(r.groups), ", ".join(r.before),
                      ", ".join(r.after))
    console.print(table)


def run_demo(scenario: str = "faq", console: Console | None = None) -> dict[str, Any]:
    """The demo for ``scenario``: the FAQ walk-through for ``faq``, a generic one otherwise."""
    console = console or Console()
    if scenario == "faq":
        return faq_demo(scenario, console)
    return generic_demo(scenario, console)
