"""The data the rules work on: read-only views of both systems, settings, the last
run's state, and the actions a plan is made of.

Everything here is plain, immutable data so that the rules stay pure functions
that are easy to test and to reason about.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Deactivation reason codes (SYNC-8, DEL-2).
LEFT_SYNCED_GROUPS = "left_synced_groups"
GROUP_REMOVED = "group_removed_from_integration"
DELETED_IN_ENTRA = "deleted_in_entra"
DISABLED_IN_ENTRA = "disabled_in_entra"
EMPLOYEE_ARCHIVED = "employee_archived"

REASON_TEXT = {
    LEFT_SYNCED_GROUPS: "no longer a direct member of any synced Entra group",
    GROUP_REMOVED: "the synced group they were in was removed from the integration",
    DELETED_IN_ENTRA: "the Entra user was deleted",
    DISABLED_IN_ENTRA: "the Entra account is disabled (accountEnabled is false)",
    EMPLOYEE_ARCHIVED: "the connected employee was archived after their resignation date",
}


def event_key(event_id: str, subject: str, start: str, end: str) -> tuple[str, str, str, str]:
    """An event as compared between Graph and Emply: times to the second, no zone suffix."""
    return (event_id, subject or "", (start or "")[:19], (end or "")[:19])


def normalise_email(value: str | None) -> str:
    """SYNC-1: e-mails are identical when equal after trimming and case-folding."""
    return (value or "").strip().casefold()


# -- the Entra view -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EntraUser:
    id: str
    user_principal_name: str
    mail: str | None = None
    display_name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    job_title: str | None = None
    department: str | None = None
    mobile_phone: str | None = None
    business_phones: tuple[str, ...] = ()
    account_enabled: bool = True
    hybrid: bool = False  # onPremisesSyncEnabled

    @property
    def email(self) -> str:
        """SYNC-1: ``mail``, or the UPN when ``mail`` is empty."""
        return normalise_email(self.mail or self.user_principal_name)


@dataclass(frozen=True, slots=True)
class EntraCalendar:
    id: str
    name: str
    is_default: bool
    can_edit: bool


@dataclass(frozen=True)
class EntraEvent:
    id: str
    calendar_id: str
    subject: str
    start: str
    end: str
    transaction_id: str | None = None


@dataclass
class EntraView:
    """What one run read from Graph.

    ``members`` holds the *direct* user members of each synced group (SYNC-13).
    ``complete`` is False when any read failed (SAFE-1); ``errors`` says which.
    Calendars, photos and events are only filled in for users that were read.
    """

    users: dict[str, EntraUser] = field(default_factory=dict)
    members: dict[str, Collection[str]] = field(default_factory=dict)  # tuples, or sets
    photo_etags: dict[str, str | None] = field(default_factory=dict)
    calendars: dict[str, tuple[EntraCalendar, ...]] = field(default_factory=dict)
    events: dict[str, tuple[EntraEvent, ...]] = field(default_factory=dict)  # by calendar id
    tenant_hybrid: bool = False
    domains: frozenset[str] = frozenset()  # verified domains, lower case
    default_domain: str | None = None  # the tenant's default verified domain (EXT-1)
    complete: bool = True
    errors: tuple[str, ...] = ()
    # Every id in the synced groups' member lists, when the reader keeps it already.
    synced_members: frozenset[str] | None = field(default=None, repr=False, compare=False)
    _groups_by_user: dict[str, Sequence[str]] | None = field(default=None, repr=False,
                                                              compare=False)
    _indexed_for: tuple[str, ...] = field(default=(), repr=False, compare=False)
    # The list of synced groups groups_of was last asked with, once checked against the
    # index: the rules pass the same list for every user, so the check is not repeated.
    _checked: Sequence[str] | None = field(default=None, repr=False, compare=False)

    def use_index(self, index: dict[str, Sequence[str]], synced: list[str]) -> None:
        """Take a ready index of each user's synced groups (in configured order), kept by
        the directory copy between runs, instead of building one in this run."""
        self._groups_by_user, self._indexed_for = index, tuple(synced)
        self._checked = None

    def indexed(self, synced: list[str]) -> bool:
        """Whether :meth:`groups_of` for these groups is a look-up, not a pass over members."""
        return self._groups_by_user is not None and self._indexed_for == tuple(synced)

    def groups_of(self, user_id: str, synced: list[str]) -> list[str]:
        """The synced groups (in configured order) that ``user_id`` is directly in.

        ``synced`` is compared with the index's groups once per list object (the rules
        never change it within a plan), not once per user: 300 groups made that an
        O(users x groups) pass of its own (issue 13)."""
        if synced is not self._checked or self._groups_by_user is None:
            key = tuple(synced)
            if self._groups_by_user is None or self._indexed_for != key:
                # Built once per view: members do not change in a run. One pass over the
                # memberships, not every user against every group.
                self._groups_by_user, self._indexed_for = groups_index(self.members, key), key
            self._checked = synced
        return list(self._groups_by_user.get(user_id, ()))


def groups_index(members: Mapping[str, Collection[str]],
                 synced: Sequence[str]) -> dict[str, Sequence[str]]:
    """Each member's synced groups in configured order: one pass over the memberships, not
    every user against every group."""
    index: dict[str, list[str]] = {}
    for group_id in dict.fromkeys(synced):
        for member in dict.fromkeys(members.get(group_id, ())):
            index.setdefault(member, []).append(group_id)
    return index  # type: ignore[return-value]


# -- the Emply view -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EmplyCalendar:
    entra_id: str
    name: str
    is_default: bool
    enabled: bool


@dataclass(frozen=True, slots=True)
class EmplyUser:
    id: str
    email: str
    first_name: str = ""
    last_name: str = ""
    active: bool = True
    deactivated_by: str | None = None  # "sync" or "hand" (or an acting user id)
    deactivation_reason: str | None = None
    roles: frozenset[str] = frozenset()  # role ids
    origin: str = "manual"  # "integration" (created by the sync) or "manual"
    entra_id: str | None = None  # the link, once made (SYNC-1)
    employee_id: str | None = None  # connected employee, if any
    calendar_sync: bool = True  # the per-user switch (CAL-2)
    calendars: tuple[EmplyCalendar, ...] = ()
    photo_etag: str | None = None  # etag of the Entra photo the sync copied (PIC-1)
    photo_from_entra: bool = False
    # EXT-1: made by hand in Emply and created in Entra by the sync; the group rules never
    # deactivate such a user (their status follows DEL-1 and hand actions only).
    created_in_entra: bool = False


@dataclass(frozen=True, slots=True)
class Employee:
    id: str
    email: str
    first_name: str = ""
    last_name: str = ""
    job_title: str | None = None
    department: str | None = None
    mobile_phone: str | None = None
    business_phone: str | None = None
    status: str = "Active"  # Active, Pending, Archived
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class EmplyEvent:
    """An event made in Emply that belongs in a user's Microsoft 365 calendars."""

    id: str
    user_id: str
    subject: str
    start: str
    end: str
    time_zone: str = "UTC"
    pushed_to: frozenset[str] = frozenset()  # Entra calendar ids it already went to


@dataclass
class EmplyView:
    users: dict[str, EmplyUser] = field(default_factory=dict)
    employees: dict[str, Employee] = field(default_factory=dict)
    admin_roles: frozenset[str] = frozenset()
    role_names: dict[str, str] = field(default_factory=dict)
    deleted_entra_links: frozenset[str] = frozenset()  # Entra ids of users deleted in Emply
    # DEL-1 does not reach back: Entra ids of users deleted in Emply (or whose employee was
    # archived) while "delete in Entra ID" was off; they stay in Entra.
    kept_in_entra: frozenset[str] = frozenset()
    events: tuple[EmplyEvent, ...] = ()
    # Microsoft 365 events Emply shows, by Entra calendar id: {(event id, subject, start, end)}
    shown_events: dict[str, frozenset[tuple[str, str, str, str]]] = field(default_factory=dict)
    # Kept up to date by an adapter that reads incrementally (issue 13); when absent they
    # are computed from ``users``. Lookups by e-mail and by Entra link; Emply ids of users
    # with no Entra link; SAFE-2's base (active synced users); Entra ids of linked users
    # with calendar sync on and no calendar yet (CAL-2: not read yet).
    by_email: dict[str, EmplyUser] | None = None
    by_entra: dict[str, EmplyUser] | None = None
    unlinked: frozenset[str] | None = None
    active_synced: int | None = None
    calendars_unread: frozenset[str] | None = None
    seq: int | None = None  # the host's change number this view is current to

    def user_by_email(self) -> dict[str, EmplyUser]:
        if self.by_email is not None:
            return self.by_email
        return {normalise_email(u.email): u for u in self.users.values()}

    def user_by_entra_id(self) -> dict[str, EmplyUser]:
        if self.by_entra is not None:
            return self.by_entra
        return {u.entra_id: u for u in self.users.values() if u.entra_id}

    def unlinked_ids(self) -> frozenset[str]:
        """Emply users with no Entra link (EXT-1's candidates)."""
        if self.unlinked is not None:
            return self.unlinked
        return frozenset(u.id for u in self.users.values() if not u.entra_id)

    def active_synced_count(self) -> int:
        """SAFE-2's base: active users linked by the sync (not those made in Emply)."""
        if self.active_synced is not None:
            return self.active_synced
        return sum(1 for u in self.users.values()
                   if u.entra_id and u.active and not u.created_in_entra)


# -- settings -------------------------------------------------------------------
@dataclass(frozen=True)
class SyncedGroup:
    group_id: str
    role: str | None = None  # mapped Emply role id
    department: str | None = None
    language: str | None = None
    time_zone: str | None = None
    currency: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Settings:
    groups: tuple[SyncedGroup, ...] = ()
    update_roles: bool = False  # "update roles after first sync" (SYNC-6)
    calendar_sync: bool = False  # CAL-1
    update_entra: bool = False  # SYNC-5
    delete_in_entra: bool = False  # DEL-1
    create_in_entra: bool = False  # EXT-1
    threshold_min: int = 10  # SAFE-2
    threshold_ratio: float = 0.2  # SAFE-2

    @property
    def group_ids(self) -> list[str]:
        return [g.group_id for g in self.groups]

    @property
    def mapping(self) -> dict[str, str | None]:
        return {g.group_id: g.role for g in self.groups}


# -- what the last run left behind -------------------------------------------
@dataclass
class LastState:
    """Saved by every applied run (SYNC-6 "since the last run").

    ``user_groups`` maps an Entra id to the synced groups the user was in at the
    last run, or ``None`` when the user was linked but not yet role-synced.
    ``retired_roles`` are roles of groups removed from the integration (SYNC-4).
    """

    mapping: dict[str, str | None] | None = None  # None: no run yet
    user_groups: dict[str, frozenset[str] | None] = field(default_factory=dict)
    retired_roles: frozenset[str] = frozenset()
    unsynced_links: set[str] = field(default_factory=set)  # linked, roles not yet synced
    refused_entra_updates: dict[str, str] = field(default_factory=dict)  # entra id -> values hash
    reported: set[str] = field(default_factory=set)  # "kind:entra id" said once, not every run


# -- actions ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Action:
    """One change the sync wants to make, with the rule and reason behind it (SAFE-3).

    ``kind``: create_user, link_user, set_roles, deactivate, reactivate, set_photo,
    remove_photo, add_calendar, remove_calendar, import_events, push_event,
    update_entra, create_in_entra, delete_in_entra, skip, error.
    """

    kind: str
    rule: str
    reason: str
    entra_id: str | None = None
    emply_id: str | None = None
    email: str | None = None
    old: Any = None
    new: Any = None
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def changes_something(self) -> bool:
        return self.kind not in ("skip", "error")


class Refused(Exception):
    """The host system (Emply) refused one change; the run logs it as failed and goes on."""


@dataclass
class Plan:
    actions: list[Action] = field(default_factory=list)
    state: LastState = field(default_factory=LastState)
    held: bool = False
    hold_reason: str | None = None
    aborted: bool = False
    abort_reason: str | None = None
    # An incremental plan (issue 13): the Entra ids it looked at; None: everyone.
    covered: frozenset[str] | None = None

    def of_kind(self, kind: str) -> list[Action]:
        return [a for a in self.actions if a.kind == kind]
