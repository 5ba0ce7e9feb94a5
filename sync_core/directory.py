"""The sync core's copy of the Entra directory, kept current with delta queries.

A full run reads every user and every synced group's members and saves them here
with fresh delta links; later runs read only what changed (``/users/delta`` and
``/groups/delta`` with ``members@delta``) and apply it to this copy, so an
incremental run costs what changed, not what exists. The copy lives in SQLite, so
a restarted host goes on incrementally.
"""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from sync_core.entra import entra_user
from sync_core.model import EntraUser, groups_index
from sync_core.store import Store, json_text

SNAPSHOT_SCHEMA = """
CREATE TABLE IF NOT EXISTS entra_users (id TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entra_members (
    group_id TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (group_id, user_id));
"""


class Directory:
    """Users, synced groups' direct user members, tenant facts and the delta links."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.execute_script(SNAPSHOT_SCHEMA)
        self.users: dict[str, EntraUser] = {}
        self.members: dict[str, set[str]] = {}
        self.groups: tuple[str, ...] = ()  # the synced groups the copy holds members of
        self.users_link: str | None = None
        self.groups_link: str | None = None
        self.tenant_hybrid = False
        self.domains: frozenset[str] = frozenset()
        self.default_domain: str | None = None  # EXT-1's home for sign-in names
        self.version = 0  # moves on whenever users or members change
        self._in_scope: tuple[tuple[int, tuple[str, ...]], frozenset[str], list[str],
                              frozenset[str]] | None = None
        self._index: tuple[tuple[int, tuple[str, ...]], dict[str, tuple[str, ...]]] | None = None
        self._load()

    @property
    def ready(self) -> bool:
        return bool(self.users_link and self.groups_link)

    def covers(self, group_ids: list[str]) -> bool:
        """Whether an incremental run can serve these synced groups (else: a full read)."""
        return self.ready and set(group_ids) <= set(self.groups)

    def in_scope(self, group_ids: list[str]) -> tuple[frozenset[str], list[str]]:
        """The users directly in the synced groups, as a set and sorted by id; worked out
        again only when users or members changed (a quiet run reuses them)."""
        key = (self.version, tuple(group_ids))
        if self._in_scope is None or self._in_scope[0] != key:
            members = frozenset().union(*(self.members.get(g, ()) for g in group_ids))
            found = frozenset(members.intersection(self.users))
            self._in_scope = (key, found, sorted(found), members)
        return self._in_scope[1], self._in_scope[2]

    def members_of(self, group_ids: list[str]) -> frozenset[str]:
        """Every id the synced groups' member lists hold (as :meth:`in_scope`, kept)."""
        self.in_scope(group_ids)
        assert self._in_scope is not None
        return self._in_scope[3]

    def groups_index(self, group_ids: list[str]) -> dict[str, tuple[str, ...]]:
        """Each user's synced groups in configured order, worked out again only when users
        or members changed: a quiet run looks its users up instead of passing over every
        membership (issue 13). Users with the same groups share one tuple (memory)."""
        key = (self.version, tuple(group_ids))
        if self._index is None or self._index[0] != key:
            shared: dict[tuple[str, ...], tuple[str, ...]] = {}
            index = {uid: shared.setdefault(tuple(groups), tuple(groups))
                     for uid, groups in groups_index(self.members, group_ids).items()}
            self._index = (key, index)
        return self._index[1]

    # -- replacing and changing -----------------------------------------------------------
    def replace(self, users: dict[str, EntraUser], members: dict[str, tuple[str, ...]],
                tenant_hybrid: bool, domains: frozenset[str], users_link: str,
                groups_link: str) -> None:
        """Take a full read as the new copy."""
        self.version += 1
        self.users = dict(users)
        self.members = {g: set(m) for g, m in members.items()}
        self.groups = tuple(members)
        self.tenant_hybrid, self.domains = tenant_hybrid, domains
        self.users_link, self.groups_link = users_link, groups_link
        with self.store.transaction() as db:
            db.execute("DELETE FROM entra_users")
            db.execute("DELETE FROM entra_members")
            # Generators: a full read's 30,000 rows are written without a list of them all,
            # a statement's worth at a time (multi-row INSERTs: see Store.insert_many).
            self.store.insert_many("INSERT INTO entra_users VALUES (?, ?)",
                                   ((u.id, _dump(u)) for u in users.values()))
            self.store.insert_many("INSERT INTO entra_members VALUES (?, ?)",
                                   ((g, m) for g, ms in members.items() for m in ms))
        self._save_meta()

    def apply(self, user_items: list[dict[str, Any]], group_items: list[dict[str, Any]],
              users_link: str, groups_link: str) -> set[str]:
        """Apply one round of delta pages; returns the ids of users that changed."""
        if user_items or group_items:
            self.version += 1
        changed: set[str] = set()
        upserts: dict[str, EntraUser] = {}
        removed: set[str] = set()
        for item in user_items:
            uid = item["id"]
            changed.add(uid)
            if "@removed" in item:
                removed.add(uid)
                upserts.pop(uid, None)
                continue
            removed.discard(uid)
            known = self.users.get(uid)
            merged = {**(_graph_form(known) if known else {}), **item}
            upserts[uid] = entra_user(merged)
        member_adds: list[tuple[str, str]] = []
        member_removes: list[tuple[str, str]] = []
        for item in group_items:
            group_id = item["id"]
            if group_id not in self.members:
                continue  # not a synced group: its members do not matter
            if "@removed" in item:  # the group itself was deleted
                member_removes += [(group_id, m) for m in self.members[group_id]]
                continue
            for member in item.get("members@delta", []):
                if member.get("@odata.type", "#microsoft.graph.user") != "#microsoft.graph.user":
                    continue  # SYNC-13: nested groups are not followed
                pair = (group_id, member["id"])
                (member_removes if "@removed" in member else member_adds).append(pair)
                changed.add(member["id"])
        for uid in removed:
            self.users.pop(uid, None)
        self.users.update(upserts)
        for group_id, member in member_removes:
            self.members[group_id].discard(member)
        for group_id, member in member_adds:
            self.members[group_id].add(member)
        self.users_link, self.groups_link = users_link, groups_link
        with self.store.transaction() as db:
            db.executemany("DELETE FROM entra_users WHERE id = ?", [(u,) for u in removed])
            db.executemany("INSERT OR REPLACE INTO entra_users VALUES (?, ?)",
                           [(u.id, _dump(u)) for u in upserts.values()])
            db.executemany("DELETE FROM entra_members WHERE group_id = ? AND user_id = ?",
                           member_removes)
            db.executemany("INSERT OR IGNORE INTO entra_members VALUES (?, ?)", member_adds)
        self._save_meta()
        return changed

    def forget(self) -> None:
        """Drop the delta links: the next run reads everything (e.g. after a 410)."""
        self.users_link = self.groups_link = None
        self._save_meta()

    # -- persistence ------------------------------------------------------------------
    def _save_meta(self) -> None:
        self.store.put("directory", {
            "groups": list(self.groups), "usersLink": self.users_link,
            "groupsLink": self.groups_link, "tenantHybrid": self.tenant_hybrid,
            "domains": sorted(self.domains), "defaultDomain": self.default_domain})

    def _load(self) -> None:
        meta = self.store.get("directory")
        if not meta:
            return
        self.groups = tuple(meta["groups"])
        self.users_link, self.groups_link = meta["usersLink"], meta["groupsLink"]
        self.tenant_hybrid, self.domains = meta["tenantHybrid"], frozenset(meta["domains"])
        self.default_domain = meta.get("defaultDomain")
        with self.store.transaction() as db:
            self.users = {row[0]: EntraUser(**_restore(json.loads(row[1])))
                          for row in db.execute("SELECT id, data FROM entra_users")}
            self.members = {g: set() for g in self.groups}
            for group_id, user_id in db.execute("SELECT group_id, user_id FROM entra_members"):
                self.members.setdefault(group_id, set()).add(user_id)


_USER_FIELDS = tuple(f.name for f in fields(EntraUser))


def _dump(user: EntraUser) -> str:
    """A user as the row's JSON, the text ``json.dumps(asdict(user))`` gives, without
    asdict's deep copy (1.2 s of a 10k first run, issue 13) or json.dumps' set-up."""
    return json_text({name: getattr(user, name) for name in _USER_FIELDS})


def _restore(data: dict[str, Any]) -> dict[str, Any]:
    data["business_phones"] = tuple(data.get("business_phones") or ())
    return data


def _graph_form(user: EntraUser) -> dict[str, Any]:
    """An EntraUser back in Graph's property names, so a delta item can be merged onto it."""
    return {
        "id": user.id, "userPrincipalName": user.user_principal_name, "mail": user.mail,
        "displayName": user.display_name, "givenName": user.given_name,
        "surname": user.surname, "jobTitle": user.job_title, "department": user.department,
        "mobilePhone": user.mobile_phone, "businessPhones": list(user.business_phones),
        "accountEnabled": user.account_enabled, "onPremisesSyncEnabled": user.hybrid,
    }
