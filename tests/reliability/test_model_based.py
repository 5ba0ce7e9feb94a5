"""Model-based: random sequences of Entra operations through Graph (add or remove a member,
delete or restore, disable or enable, add a user), Emply operations through its API (take
a role away, give one, deactivate by hand, remap a group, take a group out of the
integration and put it back, switch role sync or "create in Entra ID", make a user by
hand, confirm or reject a held run) and syncs through Emply's API; after every sync the
Emply state (status, reason, roles per e-mail) equals that of the reference model in
``rules_model.py``, written from docs/rules.md alone.

The world has an existing Emply user linked by e-mail (SYNC-1), one connected to an
employee (the Ray Ross case), an administrator who is also in a synced group (SYNC-9), a
user made in Emply on another domain (EXT-1) and a low SAFE-2 threshold (2 users, 30 %).

CI runs a fixed, derandomised budget; set ``RELIABILITY_EXAMPLES`` (and optionally
``RELIABILITY_STEPS``) for a longer search.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from emply_sim.reliability import API_KEY, PERMISSIONS, Harness
from mocks.inprocess import GRAPH_URL

from .rules_model import EmplyPerson, EntraPerson, World

EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "40"))
STEPS = int(os.environ.get("RELIABILITY_STEPS", "25"))
MAX_USERS = 10
GROUPS = ("Employee", "HR", "Other")  # Employee and HR are synced; Other is not
ROLES = ("Employee", "HR", "Manager", "New employee")
COUNTS = {"syncs": 0, "steps": 0, "examples": 0, "compared": 0, "held": 0, "linked": 0,
          "created_in_entra": 0, "taken_out": 0}


def _doc() -> dict:
    users = [f"user{i}@contoso.com" for i in range(4)]
    return {
        "seed": 17, "clock": "2026-03-02T08:00:00Z",
        "entra": {
            "domains": [{"name": "contoso.com", "default": True}],
            "apps": [{"displayName": "Emply People", "permissions": PERMISSIONS},
                     {"displayName": "Entra administrator",
                      "permissions": ["User.ReadWrite.All", "GroupMember.ReadWrite.All",
                                      "Group.ReadWrite.All", "Directory.ReadWrite.All"]}],
            "users": [{"userPrincipalName": u, "mail": u, "displayName": f"User {i}"}
                      for i, u in enumerate(users)] + [
                {"userPrincipalName": u, "mail": u, "displayName": u.split("@")[0]}
                for u in ("admin@contoso.com", "ray@contoso.com", "meg@contoso.com")],
            "groups": [{"displayName": "Employee",
                        "members": [*users[:2], "admin@contoso.com", "ray@contoso.com",
                                    "meg@contoso.com"]},
                       {"displayName": "HR", "members": [users[0], users[2], "ray@contoso.com"]},
                       {"displayName": "Other", "members": [users[3]]}],
        },
        "emply": {
            "apiKeys": [{"name": "qa", "key": API_KEY,
                         "permissions": ["read", "write", "settings"]}],
            "roles": [{"name": r} for r in ROLES] + [{"name": "Administrator",
                                                      "isAdministrator": True}],
            "employees": [{"number": "1", "firstName": "Ray", "lastName": "Ross",
                           "email": "ray@contoso.com"}],
            "users": [{"email": "admin@contoso.com", "firstName": "Ada", "lastName": "Admin",
                       "roles": ["Administrator"]},
                      {"email": "ray@contoso.com", "firstName": "Ray", "lastName": "Ross",
                       "employee": "1", "roles": ["Employee", "HR", "Manager"]},
                      {"email": "meg@contoso.com", "firstName": "Meg", "lastName": "Jordan",
                       "roles": ["Manager"]},
                      {"email": "consultant@partner.example", "firstName": "Carl",
                       "lastName": "Consultant"}],
            "integration": {"syncedGroups": [{"group": "Employee", "role": "Employee"},
                                             {"group": "HR", "role": "HR"}],
                            "updateRolesAfterFirstSync": True,
                            "deactivationThreshold": {"minimum": 2, "ratio": 0.3}},
        },
    }


class SyncAgainstTheRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        COUNTS["examples"] += 1
        self.h = Harness(_doc())
        self.api = self.h.emply_client()
        app = next(a for a in self.h.world.tenant.apps.values()
                   if a.display_name == "Entra administrator")
        token = self.h.inproc.msal_app(app.client_id, app.secret).acquire_token_for_client(
            scopes=["https://graph.microsoft.com/.default"])["access_token"]
        self.graph = self.h.inproc.client(base_url=GRAPH_URL,
                                          headers={"Authorization": f"Bearer {token}"})
        groups = self.graph.get("/groups", params={"$select": "id,displayName"}).json()["value"]
        self.group = {g["displayName"]: g["id"] for g in groups}
        self.role = {r["name"]: r["id"] for r in self.api.get("/roles").json()}
        self.model = World(synced=[self.group["Employee"], self.group["HR"]],
                           mapping={self.group["Employee"]: "Employee", self.group["HR"]: "HR"},
                           admin_roles={"Administrator"}, threshold=(2, 0.3))
        self.model.entra_id_of = self._linked_entra_id
        for user in self.graph.get("/users", params={"$select": "id,mail"}).json()["value"]:
            self.model.entra[user["id"]] = EntraPerson(user["mail"])
        for gid in self.group.values():
            members = self.graph.get(f"/groups/{gid}/members", params={"$select": "id"})
            self.model.members[gid] = {m["id"] for m in members.json()["value"]}
        for user in self.api.get("/users").json():
            names = {self._role_name(a["roleId"]) for a in
                     self.api.get(f"/users/{user['id']}/roles").json()}
            self.model.emply[user["email"]] = EmplyPerson(
                user["email"], names, connected=bool(user.get("employeeId")),
                made_in_emply=True)
        self.added = 0
        self.sync()  # the first run: from here on Emply holds the synced users

    def teardown(self) -> None:
        self.api.close()
        self.graph.close()
        self.h.close()

    # -- helpers ------------------------------------------------------------------------
    def _role_name(self, role_id: str) -> str:
        return next(n for n, i in self.role.items() if i == role_id)

    def _linked_entra_id(self, email: str) -> str:
        [user] = self.api.get("/users", params={"email": email}).json()
        return user["entraObjectId"]

    def _existing(self, i: int) -> str | None:
        live = sorted(u for u, m in self.model.entra.items() if m.exists)
        return live[i % len(live)] if live else None

    def _emply_user(self, i: int) -> dict | None:
        users = sorted((u for u in self.api.get("/users").json()
                        if not (self.model.emply[u["email"]].roles & {"Administrator"})),
                       key=lambda u: u["email"])
        return users[i % len(users)] if users else None

    def _ok(self, response, *status: int) -> None:
        assert response.status_code in (status or (200,)), response.text

    def _then(self, sync: bool) -> None:
        COUNTS["steps"] += 1
        if sync:
            self.sync()

    # -- Entra, through Graph -----------------------------------------------------------------
    @rule(i=st.integers(0, 50), group=st.sampled_from(GROUPS), then_sync=st.booleans())
    def add_member(self, i, group, then_sync):
        uid, gid = self._existing(i), self.group[group]
        if uid is None or uid in self.model.members[gid]:
            return
        self._ok(self.graph.post(f"/groups/{gid}/members/$ref", json={
            "@odata.id": f"{GRAPH_URL}/directoryObjects/{uid}"}), 204)
        self.model.members[gid].add(uid)
        self._then(then_sync)

    @rule(i=st.integers(0, 50), group=st.sampled_from(GROUPS), then_sync=st.booleans())
    def remove_member(self, i, group, then_sync):
        uid, gid = self._existing(i), self.group[group]
        if uid is None or uid not in self.model.members[gid]:
            return
        self._ok(self.graph.delete(f"/groups/{gid}/members/{uid}/$ref"), 204)
        self.model.members[gid].discard(uid)
        self._then(then_sync)

    @rule(i=st.integers(0, 50), then_sync=st.booleans())
    def delete_user(self, i, then_sync):
        uid = self._existing(i)
        if uid is None:
            return
        self._ok(self.graph.delete(f"/users/{uid}"), 204)
        self.model.entra[uid].exists = False
        self._then(then_sync)

    @rule(i=st.integers(0, 50), then_sync=st.booleans())
    def restore_user(self, i, then_sync):
        gone = sorted(u for u, m in self.model.entra.items() if not m.exists)
        if not gone:
            return
        uid = gone[i % len(gone)]
        self._ok(self.graph.post(f"/directory/deletedItems/{uid}/restore"), 200)
        self.model.entra[uid].exists = True
        self._then(then_sync)

    @rule(i=st.integers(0, 50), enabled=st.booleans(), then_sync=st.booleans())
    def set_account_enabled(self, i, enabled, then_sync):
        uid = self._existing(i)
        if uid is None:
            return
        self._ok(self.graph.patch(f"/users/{uid}", json={"accountEnabled": enabled}), 204)
        self.model.entra[uid].enabled = enabled
        self._then(then_sync)

    @precondition(lambda self: len(self.model.entra) < MAX_USERS)
    @rule(group=st.sampled_from((None, *GROUPS)), then_sync=st.booleans())
    def add_user(self, group, then_sync):
        self.added += 1
        email = f"new{self.added}@contoso.com"
        response = self.graph.post("/users", json={
            "accountEnabled": True, "displayName": f"New {self.added}", "mail": email,
            "mailNickname": f"new{self.added}", "userPrincipalName": email,
            "passwordProfile": {"password": "Aa1!aaaaaaaaaaaa"}})
        self._ok(response, 201)
        uid = response.json()["id"]
        self.model.entra[uid] = EntraPerson(email)
        self.model.members.setdefault(self.group["Other"], set())
        if group is not None:
            self._ok(self.graph.post(f"/groups/{self.group[group]}/members/$ref", json={
                "@odata.id": f"{GRAPH_URL}/directoryObjects/{uid}"}), 204)
            self.model.members[self.group[group]].add(uid)
        self._then(then_sync)

    # -- Emply, through its API --------------------------------------------------------------
    @rule(i=st.integers(0, 50), role=st.sampled_from(ROLES), then_sync=st.booleans())
    def take_a_role_away(self, i, role, then_sync):
        user = self._emply_user(i)
        if user is None or role not in self.model.emply[user["email"]].roles:
            return
        self._ok(self.api.delete(f"/users/{user['id']}/roles/{self.role[role]}"), 204)
        self.model.emply[user["email"]].roles.discard(role)
        self._then(then_sync)

    @rule(i=st.integers(0, 50), then_sync=st.booleans())
    def give_manager_by_hand(self, i, then_sync):
        user = self._emply_user(i)
        if user is None or "Manager" in self.model.emply[user["email"]].roles:
            return
        self._ok(self.api.post(f"/users/{user['id']}/roles",
                               json={"roleId": self.role["Manager"]}), 201)
        self.model.emply[user["email"]].roles.add("Manager")
        self._then(then_sync)

    @rule(i=st.integers(0, 50), then_sync=st.booleans())
    def deactivate_by_hand(self, i, then_sync):
        user = self._emply_user(i)
        if user is None or user["status"] != "active":
            return
        self._ok(self.api.post(f"/users/{user['id']}/deactivate"))
        person = self.model.emply[user["email"]]
        person.active, person.reason, person.by_sync = False, "manual", False
        self._then(then_sync)

    @rule(group=st.sampled_from(("Employee", "HR")), role=st.sampled_from(ROLES),
          then_sync=st.booleans())
    def remap_group(self, group, role, then_sync):
        gid = self.group[group]
        if gid not in self.model.mapping:
            return
        self._ok(self.api.patch(f"/integrations/entra-id/synced-groups/{gid}",
                                json={"roleId": self.role[role]}))
        self.model.mapping[gid] = role
        self._then(then_sync)

    @rule(group=st.sampled_from(("Employee", "HR")), then_sync=st.booleans())
    def take_group_out_or_back(self, group, then_sync):
        """SYNC-4: take a synced group out of the integration, or put it back."""
        gid = self.group[group]
        if gid in self.model.mapping:
            if len(self.model.mapping) == 1:
                return  # keep one synced group
            self._ok(self.api.delete(f"/integrations/entra-id/synced-groups/{gid}"))
            self.model.take_out(gid)
            COUNTS["taken_out"] += 1
        else:
            self._ok(self.api.post("/integrations/entra-id/synced-groups",
                                   json={"groupId": gid, "roleId": self.role[group]}), 200, 201)
            self.model.put_back(gid, group)
        self._then(then_sync)

    @rule(on=st.booleans(), then_sync=st.booleans())
    def switch_role_sync(self, on, then_sync):
        self._ok(self.api.patch("/integrations/entra-id", json={"updateRolesAfterFirstSync": on}))
        self.model.update_roles = on
        self._then(then_sync)

    @rule(on=st.booleans(), then_sync=st.booleans())
    def switch_create_in_entra(self, on, then_sync):
        self._ok(self.api.patch("/integrations/entra-id", json={"createInEntra": on}))
        self.model.create_in_entra = on
        self._then(then_sync)

    @precondition(lambda self: len(self.model.emply) < MAX_USERS + 4)
    @rule(other_domain=st.booleans(), then_sync=st.booleans())
    def make_a_user_by_hand(self, other_domain, then_sync):
        self.added += 1
        email = f"hand{self.added}@{'partner.example' if other_domain else 'contoso.com'}"
        self._ok(self.api.post("/users", json={"email": email, "firstName": "Hand",
                                               "lastName": str(self.added)}), 201)
        self.model.emply[email] = EmplyPerson(email, set(), made_in_emply=True)
        self._then(then_sync)

    @precondition(lambda self: self.model.held)
    @rule(confirm=st.booleans())
    def settle_the_held_run(self, confirm):
        runs = self.api.get("/integrations/entra-id/runs").json()
        held = runs["heldRun"]
        assert held is not None, "the model holds a run, the sync does not"
        verb = "confirm" if confirm else "reject"
        response = self.api.post(f"/integrations/entra-id/runs/{held}/{verb}")
        self._ok(response, 200, 201)
        if confirm:
            self._sync_model(self.model.run(confirmed=True), response.json()["status"])
        else:
            self.model.reject()
        COUNTS["steps"] += 1

    # -- the sync ---------------------------------------------------------------------------
    @rule()
    def sync(self):
        response = self.api.post("/integrations/entra-id/runs")
        self._ok(response, 201)
        self._sync_model(self.model.run(), response.json()["status"])

    def _sync_model(self, model_outcome: str, status: str) -> None:
        COUNTS["syncs"] += 1
        assert status in ("success", "held"), status
        assert (status == "held") == (model_outcome == "held"), (status, model_outcome)
        COUNTS["held"] += status == "held"
        self.compare()

    def compare(self) -> None:
        actual = {}
        for user in self.api.get("/users").json():
            roles = tuple(sorted(self._role_name(a["roleId"]) for a in
                                 self.api.get(f"/users/{user['id']}/roles").json()))
            reason = (user.get("deactivation") or {}).get("reason")
            actual[user["email"]] = (user["status"], reason, roles)
        COUNTS["compared"] += 1
        COUNTS["linked"] = max(COUNTS["linked"], sum(
            1 for p in self.model.emply.values() if p.entra_id and p.made_in_emply
            and not p.created_in_entra))
        COUNTS["created_in_entra"] += sum(
            1 for p in self.model.emply.values() if p.created_in_entra)
        assert actual == self.model.projection()

    @invariant()
    def nobody_twice(self):
        emails = [u.email for u in self.h.world.emply.users.values()]
        assert len(emails) == len(set(emails))


SyncAgainstTheRules.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS, derandomize=True, deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: CI time stays low
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_the_sync_follows_the_reference_model_of_the_rules(figure):
    COUNTS.update({k: 0 for k in COUNTS})
    SyncAgainstTheRules.TestCase("runTest").runTest()
    figure(f"{COUNTS['examples']} examples, {COUNTS['steps']} steps, {COUNTS['syncs']} syncs "
           f"compared with the model ({COUNTS['held']} held by SAFE-2, "
           f"{COUNTS['taken_out']} groups taken out, linked by e-mail up to "
           f"{COUNTS['linked']}), 0 mismatches (max_examples={EXAMPLES}, "
           f"stateful_step_count={STEPS}, derandomize=True)")
    assert COUNTS["compared"] >= EXAMPLES  # every example synced and compared
    assert COUNTS["held"] and COUNTS["taken_out"] and COUNTS["linked"] >= 3
    assert COUNTS["created_in_entra"]


def test_the_reference_model_imports_nothing_from_the_sync_core():
    tree = ast.parse(Path(__file__).with_name("rules_model.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "dataclasses"}


def test_the_model_follows_the_documented_link_case():
    """docs/rules.md: a user linked by e-mail with {Manager} keeps it at the link and has
    {Employee, Manager} after the next run (their groups count as joined)."""
    world = World(synced=["g"], mapping={"g": "Employee"}, admin_roles={"Administrator"})
    world.entra["e1"] = EntraPerson("meg@contoso.com")
    world.members["g"] = {"e1"}
    world.emply["meg@contoso.com"] = EmplyPerson("meg@contoso.com", {"Manager"})
    world.run()
    assert world.projection()["meg@contoso.com"] == ("active", None, ("Manager",))
    world.run()
    assert world.projection()["meg@contoso.com"] == ("active", None, ("Employee", "Manager"))
