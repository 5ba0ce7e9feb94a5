"""Model-based: random sequences of Entra operations (add or remove a member, delete or
restore, disable or enable, add a user), Emply operations through its API (take a role
away, give one, deactivate by hand, remap a group, switch role sync) and syncs; after every sync the Emply
state (status, reason, roles per e-mail) equals that of the reference model in
``rules_model.py``, written from docs/rules.md alone.

CI runs a fixed, derandomised budget; set ``RELIABILITY_EXAMPLES`` (and optionally
``RELIABILITY_STEPS``) for a longer search.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from emply_sim.reliability import API_KEY, PERMISSIONS, Harness

from .rules_model import EmplyUserModel, EntraUserModel, RulesModel

EXAMPLES = int(os.environ.get("RELIABILITY_EXAMPLES", "60"))
STEPS = int(os.environ.get("RELIABILITY_STEPS", "20"))
MAX_USERS = 7
GROUPS = ("Employee", "HR", "Other")  # Employee and HR are synced; Other is not
ROLES = ("Employee", "HR", "Manager", "New employee")
COUNTS = {"syncs": 0, "steps": 0, "examples": 0, "compared": 0}


def _doc() -> dict:
    users = [f"user{i}@contoso.com" for i in range(4)]
    return {
        "seed": 17, "clock": "2026-03-02T08:00:00Z",
        "entra": {
            "domains": [{"name": "contoso.com", "default": True}],
            "apps": [{"displayName": "Emply People", "permissions": PERMISSIONS}],
            "users": [{"userPrincipalName": u, "mail": u, "displayName": f"User {i}"}
                      for i, u in enumerate(users)],
            "groups": [{"displayName": "Employee", "members": users[:2]},
                       {"displayName": "HR", "members": [users[0], users[2]]},
                       {"displayName": "Other", "members": [users[3]]}],
        },
        "emply": {
            "apiKeys": [{"name": "qa", "key": API_KEY,
                         "permissions": ["read", "write", "settings"]}],
            "roles": [{"name": r} for r in ROLES] + [{"name": "Administrator",
                                                      "isAdministrator": True}],
            "users": [{"email": "admin@contoso.com", "firstName": "Ada", "lastName": "Admin",
                       "roles": ["Administrator"]},
                      {"email": "consultant@partner.example", "firstName": "Carl",
                       "lastName": "Consultant"}],
            "integration": {"syncedGroups": [{"group": "Employee", "role": "Employee"},
                                             {"group": "HR", "role": "HR"}],
                            "updateRolesAfterFirstSync": True},
        },
    }


class SyncAgainstTheRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        COUNTS["examples"] += 1
        self.h = Harness(_doc())
        self.api = self.h.emply_client()
        t = self.h.world.tenant
        self.group = {t.groups[g].props["displayName"]: g for g in t.groups}
        self.role = {r.name: r.id for r in self.h.world.emply.roles.values()}
        self.model = RulesModel(synced=[self.group["Employee"], self.group["HR"]],
                                mapping={self.group["Employee"]: "Employee",
                                         self.group["HR"]: "HR"})
        for uid, user in t.users.items():
            self.model.entra[uid] = EntraUserModel(user.props["mail"])
        for gid, group in t.groups.items():
            self.model.members[gid] = set(group.members)
        for user in self.h.world.emply.users.values():
            self.model.emply[user.email] = EmplyUserModel(
                user.email, None, {self.h.world.emply.roles[r].name for r in user.role_ids})
        self.added = 0
        self.sync()  # the first run: from here on Emply holds the synced users

    def teardown(self) -> None:
        self.api.close()
        self.h.close()

    # -- helpers ------------------------------------------------------------------------
    def _existing(self, i: int) -> str | None:
        live = sorted(u for u, m in self.model.entra.items() if m.exists)
        return live[i % len(live)] if live else None

    def _emply_user(self, i: int):
        users = sorted((u for u in self.h.world.emply.users.values() if u.origin == "integration"),
                       key=lambda u: u.email)
        return users[i % len(users)] if users else None

    def _step(self) -> None:
        COUNTS["steps"] += 1

    def _then(self, sync: bool) -> None:
        if sync:
            self.sync()

    # -- Entra ----------------------------------------------------------------------------
    @rule(i=st.integers(0, 50), group=st.sampled_from(GROUPS), then_sync=st.booleans())
    def add_member(self, i, group, then_sync):
        uid, gid = self._existing(i), self.group[group]
        if uid is None or uid in self.model.members[gid]:
            return
        self._step()
        self.h.world.tenant.add_member(gid, uid)
        self.model.members[gid].add(uid)
        self._then(then_sync)

    @rule(i=st.integers(0, 50), group=st.sampled_from(GROUPS), then_sync=st.booleans())
    def remove_member(self, i, group, then_sync):
        uid, gid = self._existing(i), self.group[group]
        if uid is None or uid not in self.model.members[gid]:
            return
        self._step()
        self.h.world.tenant.remove_member(gid, uid)
        self.model.members[gid].discard(uid)
        self._then(then_sync)

    @rule(i=st.integers(0, 50), then_sync=st.booleans())
    def delete_user(self, i, then_sync):
        uid = self._existing(i)
        if uid is None:
            return
        self._step()
        self.h.world.tenant.delete_user(uid)
        self.model.entra[uid].exists = False
        self._then(then_sync)

    @rule(i=st.integers(0, 50), then_sync=st.booleans())
    def restore_user(self, i, then_sync):
        gone = sorted(u for u, m in self.model.entra.items() if not m.exists)
        if not gone:
            return
        self._step()
        uid = gone[i % len(gone)]
        self.h.world.tenant.restore_user(uid)
        self.model.entra[uid].exists = True
        self._then(then_sync)

    @rule(i=st.integers(0, 50), enabled=st.booleans(), then_sync=st.booleans())
    def set_account_enabled(self, i, enabled, then_sync):
        uid = self._existing(i)
        if uid is None:
            return
        self._step()
        self.h.world.tenant.update_user(uid, {"accountEnabled": enabled})
        self.model.entra[uid].enabled = enabled
        self._then(then_sync)

    @precondition(lambda self: len(self.model.entra) < MAX_USERS)
    @rule(group=st.sampled_from((None, *GROUPS)), then_sync=st.booleans())
    def add_user(self, group, then_sync):
        self._step()
        self.added += 1
        email = f"new{self.added}@contoso.com"
        uid = self.h.world.tenant.add_user({"userPrincipalName": email, "mail": email,
                                            "displayName": f"New {self.added}"}).id
        self.model.entra[uid] = EntraUserModel(email)
        if group is not None:
            self.h.world.tenant.add_member(self.group[group], uid)
            self.model.members[self.group[group]].add(uid)
        self._then(then_sync)

    # -- Emply (through its API, as a person) ------------------------------------------------
    @rule(i=st.integers(0, 50), role=st.sampled_from(ROLES), then_sync=st.booleans())
    def take_a_role_away(self, i, role, then_sync):
        user = self._emply_user(i)
        if user is None or self.role[role] not in user.role_ids:
            return
        self._step()
        response = self.api.delete(f"/users/{user.id}/roles/{self.role[role]}")
        assert response.status_code == 204, response.text
        self.model.emply[user.email].roles.discard(role)
        self._then(then_sync)

    @rule(i=st.integers(0, 50), then_sync=st.booleans())
    def give_manager_by_hand(self, i, then_sync):
        user = self._emply_user(i)
        if user is None or self.role["Manager"] in user.role_ids:
            return
        self._step()
        response = self.api.post(f"/users/{user.id}/roles", json={"roleId": self.role["Manager"]})
        assert response.status_code == 201, response.text
        self.model.emply[user.email].roles.add("Manager")
        self._then(then_sync)

    @rule(i=st.integers(0, 50), then_sync=st.booleans())
    def deactivate_by_hand(self, i, then_sync):
        user = self._emply_user(i)
        if user is None or not user.active:
            return
        self._step()
        response = self.api.post(f"/users/{user.id}/deactivate")
        assert response.status_code == 200, response.text
        person = self.model.emply[user.email]
        person.active, person.reason, person.by_sync = False, "manual", False
        self._then(then_sync)

    @rule(group=st.sampled_from(("Employee", "HR")), role=st.sampled_from(ROLES), then_sync=st.booleans())
    def remap_group(self, group, role, then_sync):
        self._step()
        gid = self.group[group]
        response = self.api.patch(f"/integrations/entra-id/synced-groups/{gid}",
                                  json={"roleId": self.role[role]})
        assert response.status_code == 200, response.text
        self.model.mapping[gid] = role
        self._then(then_sync)

    @rule(on=st.booleans(), then_sync=st.booleans())
    def switch_role_sync(self, on, then_sync):
        self._step()
        response = self.api.patch("/integrations/entra-id", json={"updateRolesAfterFirstSync": on})
        assert response.status_code == 200, response.text
        self.model.update_roles = on
        self._then(then_sync)

    # -- the sync ---------------------------------------------------------------------------
    @rule()
    def sync(self):
        self._step()
        COUNTS["syncs"] += 1
        result = self.h.run()
        assert result.status == "success", result.message
        self.model.run()
        self.compare()

    def compare(self) -> None:
        e = self.h.world.emply
        actual = {u.email: (u.status, u.deactivation.reason if u.deactivation else None,
                            tuple(sorted(e.roles[r].name for r in u.role_ids)))
                  for u in e.users.values()}
        COUNTS["compared"] += 1
        assert actual == self.model.projection()

    @invariant()
    def nobody_twice(self):
        emails = [u.email for u in self.h.world.emply.users.values()]
        assert len(emails) == len(set(emails))


SyncAgainstTheRules.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS, derandomize=True, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def test_the_sync_follows_the_reference_model_of_the_rules(figure):
    COUNTS.update(syncs=0, steps=0, examples=0, compared=0)
    SyncAgainstTheRules.TestCase("runTest").runTest()
    figure(f"{COUNTS['examples']} examples, {COUNTS['steps']} steps, {COUNTS['syncs']} syncs "
           f"compared with the model, 0 mismatches (max_examples={EXAMPLES}, "
           f"stateful_step_count={STEPS}, derandomize=True)")
    assert COUNTS["compared"] >= EXAMPLES  # every example synced and compared


def test_the_reference_model_imports_nothing_from_the_sync_core():
    tree = ast.parse(Path(__file__).with_name("rules_model.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "dataclasses"}
