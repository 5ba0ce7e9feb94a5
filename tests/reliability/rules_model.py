"""A small reference model of docs/rules.md, written from the document alone: statuses,
deactivation reasons and roles of synced users (SYNC-1, SYNC-3, SYNC-6, SYNC-8, DEL-1,
EXT-1). It imports nothing from ``sync_core`` (a test checks that), so it can disagree.

Where the document is silent, the model decides (each marked *model decision*):
- a user deactivated in a run gets no role change in that run, and roles are only synced
  for users active after the run's status step ("status still follows the sync");
- one cause per deactivation, checked in the order deleted, disabled, left the groups;
  a deactivated user keeps the reason they were deactivated with;
- SAFE-2 never triggers (the worlds have fewer than 10 users).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EntraUserModel:
    email: str
    exists: bool = True
    enabled: bool = True


@dataclass
class EmplyUserModel:
    email: str
    entra_id: str | None
    roles: set[str]
    active: bool = True
    reason: str | None = None
    by_sync: bool = False


@dataclass
class RulesModel:
    """Entra (users, direct members), Emply (users), settings and the last run's state."""

    synced: list[str]  # synced group ids, in order
    mapping: dict[str, str | None]  # group id -> role name (SYNC-6)
    update_roles: bool = True
    entra: dict[str, EntraUserModel] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    emply: dict[str, EmplyUserModel] = field(default_factory=dict)  # by e-mail
    last_groups: dict[str, frozenset[str]] = field(default_factory=dict)
    last_mapping: dict[str, str | None] = field(default_factory=dict)

    # -- what happens in Entra ---------------------------------------------------------
    def groups_of(self, uid: str) -> list[str]:
        """SYNC-13: the synced groups the user is a direct member of now."""
        user = self.entra.get(uid)
        if user is None or not user.exists:
            return []  # a deleted user is nobody's member until restored
        return [g for g in self.synced if uid in self.members.get(g, set())]

    # -- one run -----------------------------------------------------------------------
    def run(self) -> None:
        linked = {u.entra_id: u for u in self.emply.values() if u.entra_id}
        new_last: dict[str, frozenset[str]] = {}
        # SYNC-1 / SYNC-10: every direct member of a synced group has one Emply user.
        for uid, user in self.entra.items():
            groups = self.groups_of(uid)
            if not groups or uid in linked:
                continue
            existing = self.emply.get(user.email)
            if existing is not None:  # SYNC-1: same e-mail, linked, roles kept
                existing.entra_id = uid
                new_last[uid] = frozenset(groups)
                continue
            if not user.enabled:
                continue  # a disabled account is not created (SYNC-8)
            roles = {r for g in groups if (r := self.mapping.get(g))}  # SYNC-6: mapped roles
            self.emply[user.email] = EmplyUserModel(user.email, uid, roles)
            new_last[uid] = frozenset(groups)
        for uid, person in linked.items():
            entra = self.entra.get(uid)
            groups = self.groups_of(uid)
            previous = self.last_groups.get(uid)
            new_last[uid] = frozenset(groups)
            if entra is None or not entra.exists:
                cause = "deleted_in_entra"  # DEL-1
            elif not entra.enabled:
                cause = "disabled_in_entra"  # SYNC-8
            elif not groups:
                cause = "left_synced_groups"  # SYNC-3
            else:
                cause = None
            if person.active and cause:
                person.active, person.reason, person.by_sync = False, cause, True
                continue
            if not person.active:
                if person.by_sync and cause is None:  # SYNC-3: the sync's own, cause gone
                    person.active, person.reason, person.by_sync = True, None, False
                else:
                    continue
            if self.update_roles:
                person.roles = self.role_sync(person.roles, groups, previous)
        self.last_groups = new_last
        self.last_mapping = dict(self.mapping)  # stored also while role sync is off

    def role_sync(self, roles: set[str], groups: list[str],
                  previous: frozenset[str] | None) -> set[str]:
        """SYNC-6 steps 1-4 (no group was taken out of the integration here: SYNC-4)."""
        result = set(roles)
        now, then = set(groups), set(previous or ())
        for group in now & then:  # 1. remapped groups
            old, new = self.last_mapping.get(group), self.mapping.get(group)
            if group in self.last_mapping and old != new:
                if old and not any(self.mapping.get(o) == old for o in now - {group}):
                    result.discard(old)
                if new:
                    result.add(new)
        for group in now - then:  # 2. joined groups
            if role := self.mapping.get(group):
                result.add(role)
        wanted = {r for g in now if (r := self.mapping.get(g))}
        if wanted <= result:  # 3. extra roles are kept
            return result
        return wanted  # 4. roles become the mapped ones

    def projection(self) -> dict[str, tuple]:
        """Per e-mail: status, reason, role names."""
        return {email: ("active" if u.active else "deactivated", u.reason,
                        tuple(sorted(u.roles)))
                for email, u in self.emply.items()}
