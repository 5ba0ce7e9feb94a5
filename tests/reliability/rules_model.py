"""A reference model of docs/rules.md, written from the document (not from the sync core):
who is in Emply, their status and reason, and their roles, for SYNC-1 (linking by
e-mail), SYNC-3, SYNC-4, SYNC-6, SYNC-8, SYNC-9, the Ray Ross case (connected to an
employee), DEL-1, EXT-1 (made in Emply, created in Entra) and SAFE-2. It imports nothing
from ``sync_core`` (a test checks that), so it can disagree with it.

The role rule is phrased as the document phrases it: a set of roles to take away and a
set to add (steps 1 and 2), then "are all mapped roles there?" (step 3), else "the mapped
roles, plus what the sync no longer manages" (step 4).

Where the document is silent, the model decides (each marked *model decision*):
- one cause per deactivation, checked in the order deleted, disabled, left the groups;
- a user deactivated in a run has no role change in that run.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class EntraPerson:
    email: str
    exists: bool = True
    enabled: bool = True


@dataclass
class EmplyPerson:
    email: str
    roles: set[str]
    entra_id: str | None = None
    active: bool = True
    reason: str | None = None
    by_sync: bool = False
    connected: bool = False  # connected to an employee (the Ray Ross case)
    made_in_emply: bool = False  # made by hand in Emply (EXT-1)
    created_in_entra: bool = False  # EXT-1: the sync made its Entra account


@dataclass
class World:
    """Both systems as the document sees them, the settings, and the last run's memory."""

    synced: list[str]  # group ids, in order
    mapping: dict[str, str | None]  # group id -> role name
    admin_roles: set[str]
    update_roles: bool = True
    create_in_entra: bool = False
    threshold: tuple[int, float] = (10, 0.2)
    entra: dict[str, EntraPerson] = field(default_factory=dict)  # by object id
    members: dict[str, set[str]] = field(default_factory=dict)  # group id -> direct members
    emply: dict[str, EmplyPerson] = field(default_factory=dict)  # by e-mail
    removed: dict[str, str | None] = field(default_factory=dict)  # groups taken out (SYNC-4)
    # what the last applied run remembered ("since the last run")
    seen_groups: dict[str, frozenset[str]] = field(default_factory=dict)
    seen_mapping: dict[str, str | None] = field(default_factory=dict)
    first_role_sync: set[str] = field(default_factory=set)  # linked, roles not synced yet
    held: bool = False
    entra_id_of: object = None  # callable: the Entra id EXT-1 gave a user (read after a run)

    # -- Entra and settings changes that need bookkeeping ---------------------------------------
    def take_out(self, group: str) -> None:
        """SYNC-4: a synced group taken out of the integration."""
        self.removed[group] = self.mapping.pop(group)
        self.synced.remove(group)

    def put_back(self, group: str, role: str | None) -> None:
        self.removed.pop(group, None)
        self.synced.append(group)
        self.mapping[group] = role

    def in_groups(self, uid: str) -> set[str]:
        person = self.entra.get(uid)
        if person is None or not person.exists:
            return set()
        return {g for g in self.synced if uid in self.members.get(g, set())}

    # -- a run -------------------------------------------------------------------------------------
    def run(self, confirmed: bool = False) -> str:
        """One run; returns "held" or "applied". A held run changes nothing (SAFE-2)."""
        if self.held and not confirmed:
            return "held"
        plan = self._plan()
        deactivating = sum(1 for change in plan if change[0] == "deactivate")
        synced_active = sum(1 for p in self.emply.values()
                            if p.entra_id and p.active and not p.created_in_entra)
        minimum, ratio = self.threshold
        if not confirmed and deactivating >= minimum and deactivating > ratio * synced_active:
            self.held = True
            return "held"
        self.held = False
        self._apply(plan)
        return "applied"

    def reject(self) -> None:
        self.held = False

    def _plan(self) -> list[tuple]:
        """What the run would do, from the state before it (nothing applied yet)."""
        plan: list[tuple] = []
        linked = {p.entra_id for p in self.emply.values() if p.entra_id}
        in_scope = [uid for uid in self.entra if self.in_groups(uid)]
        for uid in in_scope:  # SYNC-1, SYNC-10
            if uid in linked:
                continue
            email = self.entra[uid].email
            if email in self.emply:
                plan.append(("link", email, uid))
            elif self.entra[uid].enabled:
                roles = {self.mapping[g] for g in self.in_groups(uid) if self.mapping.get(g)}
                plan.append(("create", email, uid, roles))
        for person in self.emply.values():
            if person.entra_id:
                plan.extend(self._linked(person))
            elif (self.create_in_entra and person.made_in_emply and person.active
                  and not any(e.email == person.email and e.exists
                              for e in self.entra.values())):
                plan.append(("create_in_entra", person.email))
        return plan

    def _cause(self, person: EmplyPerson) -> str | None:
        entra = self.entra.get(person.entra_id or "")
        if entra is None or not entra.exists:
            return "deleted_in_entra"  # DEL-1
        if person.created_in_entra:
            return None  # EXT-1: only DEL-1 and hand actions change their status
        if not entra.enabled:
            return "disabled_in_entra"  # SYNC-8
        if not self.in_groups(person.entra_id or ""):
            before = self.seen_groups.get(person.entra_id or "", frozenset())
            newly_removed = set(self.seen_mapping) - set(self.mapping)
            if before & newly_removed:
                return "group_removed_from_integration"  # SYNC-4
            return "left_synced_groups"  # SYNC-3
        return None

    def _linked(self, person: EmplyPerson) -> list[tuple]:
        cause = self._cause(person)
        if person.active and cause:
            return [("deactivate", person.email, cause)]
        if not person.active and not (person.by_sync and cause is None):
            return []
        changes: list[tuple] = [] if person.active else [("reactivate", person.email)]
        roles = self._roles(person)
        if roles is not None and roles != person.roles:
            changes.append(("roles", person.email, roles))
        return changes

    def _roles(self, person: EmplyPerson) -> set[str] | None:
        """SYNC-6 with SYNC-4 and SYNC-9; None: this user's roles are not synced."""
        if (not self.update_roles or person.connected
                or person.roles & self.admin_roles):
            return None
        uid = person.entra_id or ""
        groups_now = self.in_groups(uid)
        groups_then = (set() if uid in self.first_role_sync
                       else set(self.seen_groups.get(uid, frozenset())))
        mapped_now = {g: self.mapping.get(g) for g in groups_now}
        take: set[str] = set()
        give: set[str] = set()
        # 1. a group of theirs, then and now, whose role changed since the last run
        for g in groups_now & groups_then:
            if g not in self.seen_mapping or self.seen_mapping[g] == mapped_now[g]:
                continue
            old = self.seen_mapping[g]
            still = {r for o, r in mapped_now.items() if o != g}
            if old is not None and old not in still:
                take.add(old)
            if mapped_now[g] is not None:
                give.add(mapped_now[g])
        # 2. groups joined since the last run
        give |= {r for g, r in mapped_now.items() if g not in groups_then and r}
        roles = (person.roles - take) | give
        wanted = {r for r in mapped_now.values() if r}
        if wanted <= roles:  # 3. extra roles stay
            return roles
        unmanaged = {r for r in self.removed.values() if r} - set(self.mapping.values())
        return wanted | (roles & unmanaged)  # 4.

    def _apply(self, plan: list[tuple]) -> None:
        for change in plan:
            kind, email = change[0], change[1]
            person = self.emply.get(email)
            if kind == "link":
                person.entra_id = change[2]
                self.first_role_sync.add(change[2])
            elif kind == "create":
                self.emply[email] = EmplyPerson(email, set(change[3]), entra_id=change[2])
            elif kind == "deactivate":
                person.active, person.reason, person.by_sync = False, change[2], True
            elif kind == "reactivate":
                person.active, person.reason, person.by_sync = True, None, False
            elif kind == "roles":
                person.roles = set(change[2])
            elif kind == "create_in_entra":  # EXT-1: its Entra account, in no group
                uid = self.entra_id_of(email)
                self.entra[uid] = EntraPerson(email)
                person.entra_id, person.created_in_entra = uid, True
        linked_now = {change[2] for change in plan if change[0] == "link"}
        for person in self.emply.values():  # the first role sync after a link is done
            if (person.entra_id and person.entra_id not in linked_now and person.active
                    and self._role_synced(person.email)):
                self.first_role_sync.discard(person.entra_id)
        self.seen_groups = {uid: frozenset(self.in_groups(uid)) for uid in self.entra
                            if self.entra[uid].exists}
        self.seen_mapping = dict(self.mapping)

    def _role_synced(self, email: str) -> bool:
        person = self.emply[email]
        return (self.update_roles and not person.connected
                and not (person.roles & self.admin_roles))

    def projection(self) -> dict[str, tuple]:
        """Per e-mail: status, reason, roles."""
        return {email: ("active" if p.active else "deactivated", p.reason,
                        tuple(sorted(p.roles)))
                for email, p in self.emply.items()}
