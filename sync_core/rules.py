"""The integration's rules as pure functions.

``plan(entra, emply, settings, last)`` turns what one run read into the list of
actions it should take, each tagged with the rule id behind it and a reason in
words (SAFE-3). Nothing here does I/O; :mod:`sync_core.engine` applies the plan
through the adapters. Rule ids match docs/rules.md: ``grep -n "SYNC-6"`` finds
the code below, its tests and its scenarios.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace

from sync_core.model import (
    DELETED_IN_ENTRA,
    DISABLED_IN_ENTRA,
    EMPLOYEE_ARCHIVED,
    GROUP_REMOVED,
    LEFT_SYNCED_GROUPS,
    REASON_TEXT,
    Action,
    EmplyUser,
    EmplyView,
    EntraUser,
    EntraView,
    LastState,
    Plan,
    Settings,
    SyncedGroup,
    event_key,
    normalise_email,
)

# transactionId prefix of events the sync wrote to Microsoft 365 (not imported back).
PUSHED_PREFIX = "emply-"

# Which rule a deactivation reason comes from (SYNC-8 lists the reasons).
DEACTIVATION_RULE = {
    LEFT_SYNCED_GROUPS: "SYNC-3",
    GROUP_REMOVED: "SYNC-4",
    DELETED_IN_ENTRA: "DEL-1",
    DISABLED_IN_ENTRA: "SYNC-8",
}


@dataclass
class _Context:
    """What every rule needs to look up, computed once per plan."""

    entra: EntraView
    emply: EmplyView
    settings: Settings
    last: LastState
    synced: list[str]
    mapping: dict[str, str | None]
    removed_groups: dict[str, str | None]  # removed from the integration since the last run
    retired_roles: frozenset[str]
    group_names: dict[str, str]
    actions: list[Action] = field(default_factory=list)
    taken_upns: set[str] | None = None  # EXT-1: sign-in names in use, filled when needed
    scope: _Scope | None = None  # an incremental plan: the users it looks at
    # What users with the same synced groups share when created (SYNC-10): the reason,
    # the roles and the group roles, made once per combination of groups (memory).
    created_alike: dict[tuple[str, ...], tuple[str, list[str], dict[str, str | None]]] = field(
        default_factory=dict)
    calendars_alike: dict[tuple[str, bool], dict[str, object]] = field(default_factory=dict)
    _synced_groups: dict[str, SyncedGroup] | None = None  # see synced_group
    # One frozenset per combination of synced groups for the users' saved state (SYNC-6):
    # 10,000 users share a few hundred, and fewer objects is less work for the collector.
    group_sets: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)

    def group_set(self, groups: list[str]) -> frozenset[str]:
        """``frozenset(groups)``, one shared object per combination."""
        key = tuple(groups)
        found = self.group_sets.get(key)
        if found is None:
            found = self.group_sets[key] = frozenset(groups)
        return found

    def synced_group(self, group_id: str) -> SyncedGroup:
        """The (first) configured synced group with this id: a look-up, not a pass over
        every group for each user created (O(users x groups), issue 13)."""
        if self._synced_groups is None:
            self._synced_groups = {}
            for group in self.settings.groups:
                self._synced_groups.setdefault(group.group_id, group)
        return self._synced_groups[group_id]

    def groups_of(self, uid: str) -> list[str]:
        """The synced groups ``uid`` is directly in, in configured order."""
        if self.scope is None:  # everyone: one index over all memberships is cheaper
            return self.entra.groups_of(uid, self.synced)
        if uid in self.scope.entra_ids:
            return list(self.scope.groups.get(uid, ()))
        members = self.entra.members
        return [g for g in dict.fromkeys(self.synced) if uid in members.get(g, ())]

    def calendar_shown(self, name: str, enabled: bool) -> dict[str, object]:
        """CAL-2's logged value of an added calendar; calendars share a few names, so one
        read-only dict per (name, enabled) serves every action (memory)."""
        return self.calendars_alike.setdefault((name, enabled), {"name": name, "enabled": enabled})

    def role_name(self, role: str | None) -> str:
        return self.emply.role_names.get(role or "", role or "(none)")

    def roles_text(self, roles: frozenset[str] | set[str]) -> str:
        return ", ".join(sorted(self.role_name(r) for r in roles)) or "(none)"

    def group_text(self, groups: list[str] | set[str] | frozenset[str]) -> str:
        return ", ".join(sorted(self.group_names.get(g, g) for g in groups)) or "(none)"


@dataclass(frozen=True)
class Candidates:
    """The users that can have changed since the last applied run (issue 13): Entra ids
    (delta, the refresh window, follow-ups) and Emply user ids (changed in Emply)."""

    entra_ids: frozenset[str] = frozenset()
    emply_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Scope:
    """What an incremental plan looks at: Entra ids, and Emply ids in the view's order."""

    entra_ids: frozenset[str]
    emply_ids: list[str]
    groups: dict[str, list[str]]  # the synced groups of each Entra id, in configured order


def plan(entra: EntraView, emply: EmplyView, settings: Settings, last: LastState,
         *, lift_threshold: bool = False, candidates: Candidates | None = None) -> Plan:
    """Plan one run. ``lift_threshold`` is set when a person confirmed a held run.

    ``candidates`` (issue 13): plan only the users that can have changed; every other
    user's plan is known to be empty and their state is carried over from ``last``. The
    users whose plan depends on others are always looked at: Entra users in the synced
    groups with no Emply link yet (SYNC-1, SYNC-7, SYNC-13 and the skips said once),
    users deleted in Emply (DEL-1) and, with 'create in Entra ID' on, Emply users with
    no Entra link (EXT-1). SAFE-2's base stays every active synced user. ``None`` plans
    everyone.
    """
    if not entra.complete:
        return _abort_partial_read(entra, last)

    synced = settings.group_ids
    mapping = settings.mapping
    removed = {g: r for g, r in (last.mapping or {}).items() if g not in mapping}
    retired = (last.retired_roles | {r for r in removed.values() if r}) - {
        r for r in mapping.values() if r}
    ctx = _Context(entra, emply, settings, last, synced, mapping, removed, frozenset(retired),
                   {g.group_id: g.name or g.group_id for g in settings.groups})
    if candidates is not None:
        ctx.scope = _scope(ctx, candidates)

    state = LastState(mapping=dict(mapping), retired_roles=ctx.retired_roles,
                      refused_entra_updates=dict(last.refused_entra_updates),
                      unsynced_links=set(last.unsynced_links))
    if ctx.scope is not None:  # the others' groups are as the last run left them
        state.user_groups = dict(last.user_groups)
        for uid in ctx.scope.entra_ids:
            state.user_groups.pop(uid, None)
    newly_linked = _match_in_scope_users(ctx, state)
    _deleted_in_emply(ctx, state)

    if ctx.scope is None:
        users = list(emply.users.values())
    else:
        users = [emply.users[i] for i in ctx.scope.emply_ids]
    for user in users:
        if user.entra_id:
            _linked_user(ctx, state, user, newly_linked)
        else:
            _unlinked_user(ctx, user)

    result = Plan(actions=ctx.actions, state=state,
                  covered=ctx.scope.entra_ids if ctx.scope is not None else None)
    _deactivation_threshold(ctx, result, lift_threshold)
    return result


def _scope(ctx: _Context, candidates: Candidates) -> _Scope:
    """Widen the candidates to every user whose plan can depend on them (see :func:`plan`)."""
    by_entra = ctx.emply.user_by_entra_id()
    in_scope = ctx.entra.synced_members
    if in_scope is None:
        in_scope = frozenset().union(*(ctx.entra.members.get(g, ()) for g in ctx.synced))
    entra_ids = set(candidates.entra_ids) | in_scope.difference(by_entra)
    emply_ids = set(candidates.emply_ids)
    if ctx.settings.create_in_entra:
        emply_ids |= ctx.emply.unlinked_ids()
    emply_ids |= {user.id for uid in entra_ids if (user := by_entra.get(uid)) is not None}
    users = ctx.emply.users
    entra_ids |= {u.entra_id for i in emply_ids if (u := users.get(i)) and u.entra_id}
    groups: dict[str, list[str]] = {}
    if ctx.entra.indexed(ctx.synced):  # the directory's index: a look-up per user
        groups = {uid: found for uid in entra_ids if (found := ctx.entra.groups_of(uid, ctx.synced))}
    else:
        for group_id in dict.fromkeys(ctx.synced):  # one set intersection per group
            for uid in entra_ids.intersection(ctx.entra.members.get(group_id, ())):
                groups.setdefault(uid, []).append(group_id)
    # In the view's order (C-speed filter), so the run log reads as a full plan's would.
    return _Scope(frozenset(entra_ids), [*filter(emply_ids.__contains__, users)], groups)


# -- SAFE-1 ---------------------------------------------------------------------------
def _abort_partial_read(entra: EntraView, last: LastState) -> Plan:
    """SAFE-1: a run that could not read everything changes nothing and keeps its state."""
    detail = "; ".join(entra.errors) or "a read from Microsoft Graph did not complete"
    reason = f"run stopped before any change: the read from Entra was incomplete ({detail})"
    return Plan(actions=[Action("error", "SAFE-1", reason)], state=last, aborted=True,
                abort_reason=reason)


# -- SYNC-1, SYNC-7, SYNC-10, SYNC-12, SYNC-13: users in the synced groups ----------------
def _match_in_scope_users(ctx: _Context, state: LastState) -> set[str]:
    """Link or create an Emply user for every direct member of a synced group, once each.

    Returns the Entra ids linked in this run (they keep their roles: SYNC-6).
    """
    by_entra = ctx.emply.user_by_entra_id()
    by_email = ctx.emply.user_by_email()
    employees_by_email = {normalise_email(e.email): e for e in ctx.emply.employees.values()}
    seen_emails: set[str] = set()
    newly_linked: set[str] = set()

    for uid in _in_scope_ids(ctx):
        entra_user = ctx.entra.users.get(uid)
        if entra_user is None:
            continue  # a member id that is not a user we could read (guest, other object)
        if uid in by_entra or uid in ctx.emply.deleted_entra_links:
            continue  # linked: handled with the linked users; deleted in Emply: DEL-1 below
        email = entra_user.email
        if email in seen_emails:
            ctx.actions.append(Action(
                "error", "SYNC-13", f"another synced Entra user already has the e-mail {email}; "
                "a person appears once in Emply", entra_id=uid, email=email))
            continue
        seen_emails.add(email)
        groups = ctx.groups_of(uid)
        existing = by_email.get(email)
        if existing is not None:
            if existing.entra_id and existing.entra_id != uid:
                ctx.actions.append(Action(
                    "error", "SYNC-1", f"the Emply user with e-mail {email} is already linked to "
                    f"another Entra user ({existing.entra_id})", entra_id=uid,
                    emply_id=existing.id, email=email))
                continue
            ctx.actions.append(Action(
                "link_user", "SYNC-1", f"e-mail {email} is identical in Entra and Emply; linked "
                "by Entra object id, existing roles kept", entra_id=uid, emply_id=existing.id,
                email=email, old=None, new=uid))
            newly_linked.add(uid)
            state.user_groups[uid] = ctx.group_set(groups)
            state.unsynced_links.add(uid)
            linked = replace(existing, entra_id=uid)
            if existing.active:  # PIC-1, CAL-2 and the writes to Entra apply from the first run
                _photo(ctx, linked)
                _calendars(ctx, linked)
            _write_to_entra(ctx, state, linked, entra_user)
            continue
        employee = employees_by_email.get(email)
        if employee is not None and employee.user_id is None:
            ctx.actions.append(Action(
                "error", "SYNC-7", f"e-mail {email} belongs to employee {employee.id}, who has "
                "no user account: create an account for the employee first, then the next run "
                "connects them", entra_id=uid, email=email))
            continue
        if not entra_user.account_enabled:
            _say_once(ctx, state, f"disabled:{uid}", Action(
                "skip", "SYNC-8", "not created: the Entra account is disabled",
                entra_id=uid, email=email))
            continue
        ctx.actions.append(_create_user(ctx, entra_user, groups))
        state.user_groups[uid] = ctx.group_set(groups)
        # The new user's photo and calendars follow in the same run; the adapter finds
        # the user by its Entra link, as the Emply id does not exist yet.
        fresh = EmplyUser(id="", email=email, entra_id=uid, origin="integration")
        _photo(ctx, fresh)
        _calendars(ctx, fresh)
    return newly_linked


def _say_once(ctx: _Context, state: LastState, key: str, action: Action) -> None:
    """Log a skip while its cause lasts, but only in the first run that meets it."""
    if key not in ctx.last.reported:
        ctx.actions.append(action)
    state.reported.add(key)


def _deleted_in_emply(ctx: _Context, state: LastState) -> None:
    """DEL-1: a linked user deleted in Emply is deleted in Entra when 'delete in Entra ID'
    is on. Decision: either way the sync does not create them again in Emply."""
    members = ctx.entra.members
    for uid in sorted(ctx.emply.deleted_entra_links):
        in_scope = any(uid in members.get(g, ()) for g in ctx.synced)
        entra_user = ctx.entra.users.get(uid)
        if entra_user is None:
            continue  # already gone from Entra
        email = entra_user.email
        # Decision: DEL-1 does not reach back; deleted while the setting was off, they stay.
        if ctx.settings.delete_in_entra and uid not in ctx.emply.kept_in_entra:
            if entra_user.hybrid:
                _say_once(ctx, state, f"hybrid-delete:{uid}", Action(
                    "skip", "SYNC-11", "not deleted in Entra: the user is synced from on-premises "
                    "Active Directory (onPremisesSyncEnabled), so Graph refuses changes to it",
                    entra_id=uid, email=email))
                continue
            ctx.actions.append(Action(
                "delete_in_entra", "DEL-1", "the user was deleted in Emply; 'delete in Entra ID' "
                "is on: the Entra user moves to deleted users", entra_id=uid, email=email,
                old="exists", new="deleted"))
        elif in_scope:
            _say_once(ctx, state, f"deleted:{uid}", Action(
                "skip", "DEL-1", "not created again: the user was deleted in Emply ('delete in "
                "Entra ID' is off, so the Entra user stays)", entra_id=uid, email=email))


def _in_scope_ids(ctx: _Context) -> list[str]:
    """SYNC-13: direct members of the synced groups, each once, in configured group order.

    Within a group, members are taken by object id: Graph's member order means nothing,
    and the same world must give the same run log every time. An incremental plan takes
    only its Entra candidates, in that same order.
    """
    if ctx.scope is not None:
        order = {g: i for i, g in reversed(list(enumerate(ctx.synced)))}
        chosen = [(order[groups[0]], uid) for uid in ctx.scope.entra_ids
                  if (groups := ctx.groups_of(uid))]
        return [uid for _, uid in sorted(chosen)]
    seen: dict[str, None] = {}
    for group_id in ctx.synced:
        for member in sorted(ctx.entra.members.get(group_id, ())):
            seen.setdefault(member, None)
    return list(seen)


def _create_user(ctx: _Context, entra_user: EntraUser, groups: list[str]) -> Action:
    """SYNC-10 creates from Entra data; SYNC-12 defaults from the first group; SYNC-6 roles."""
    first = ctx.synced_group(groups[0])
    alike = ctx.created_alike.get(tuple(groups))
    if alike is None:
        roles = frozenset(r for g in groups if (r := ctx.mapping.get(g)))
        reason = (f"member of synced group(s) {ctx.group_text(groups)} with no Emply user: "
                  f"created from Entra data, roles {ctx.roles_text(roles)} (SYNC-6), defaults "
                  f"of group {ctx.group_names.get(first.group_id)} (SYNC-12)")
        alike = ctx.created_alike[tuple(groups)] = (
            reason, sorted(roles), {g: ctx.mapping[g] for g in groups if ctx.mapping.get(g)})
    reason, role_list, group_roles = alike  # shared, read only
    given = entra_user.given_name or (entra_user.display_name or "").split(" ")[0]
    surname = entra_user.surname or " ".join((entra_user.display_name or "").split(" ")[1:])
    data = {
        "email": entra_user.mail or entra_user.user_principal_name,
        "firstName": given, "lastName": surname,
        "roles": role_list, "groupRoles": group_roles,
        "department": first.department, "language": first.language,
        "timeZone": first.time_zone, "currency": first.currency,
    }
    return Action("create_user", "SYNC-10", reason, entra_id=entra_user.id,
                  email=entra_user.email, old=None, new=data, data=data)


# -- linked users -------------------------------------------------------------------
def _linked_user(ctx: _Context, state: LastState, user: EmplyUser,
                 newly_linked: set[str]) -> None:
    uid = user.entra_id or ""
    entra_user = ctx.entra.users.get(uid)
    groups = ctx.groups_of(uid) if entra_user else []
    last_groups = ctx.last.user_groups.get(uid)
    state.user_groups[uid] = ctx.group_set(groups)

    active = _status(ctx, user, entra_user, groups, last_groups)
    if active:
        if uid not in newly_linked:
            _roles(ctx, state, user, groups, last_groups)
        _photo(ctx, user)
        _calendars(ctx, user)
    _write_to_entra(ctx, state, user, entra_user)


def _status(ctx: _Context, user: EmplyUser, entra_user: EntraUser | None, groups: list[str],
            last_groups: frozenset[str] | None) -> bool:
    """SYNC-3, SYNC-4, SYNC-8, DEL-1: deactivate with a reason, or reactivate. Returns
    whether the user is active once the plan is applied."""
    if entra_user is None:
        cause = DELETED_IN_ENTRA
    elif user.created_in_entra:
        cause = None  # EXT-1: made in Emply; the group rules never deactivate them
    elif not entra_user.account_enabled:
        cause = DISABLED_IN_ENTRA
    elif not groups:
        left_removed = last_groups and set(last_groups) & set(ctx.removed_groups)
        cause = GROUP_REMOVED if left_removed else LEFT_SYNCED_GROUPS
    else:
        cause = None

    if user.active and cause:
        ctx.actions.append(Action(
            "deactivate", DEACTIVATION_RULE[cause], REASON_TEXT[cause], entra_id=user.entra_id,
            emply_id=user.id, email=user.email, old="active", new="deactivated",
            data={"reason": cause}))
        return False
    if not user.active:
        by_sync = user.deactivated_by == "sync" and user.deactivation_reason != EMPLOYEE_ARCHIVED
        if by_sync and cause is None:
            ctx.actions.append(Action(
                "reactivate", "SYNC-3",
                f"the cause of the deactivation ({user.deactivation_reason}) is gone: in synced "
                f"group(s) {ctx.group_text(groups)}, account enabled",
                entra_id=user.entra_id, emply_id=user.id, email=user.email,
                old="deactivated", new="active"))
            return True
        return False
    return True


def _roles(ctx: _Context, state: LastState, user: EmplyUser, groups: list[str],
           last_groups: frozenset[str] | None) -> None:
    """SYNC-6 (with SYNC-4 and SYNC-9): keep the user's roles in line with their groups."""
    uid = user.entra_id or ""
    if not ctx.settings.update_roles:
        return  # SYNC-6: toggle off, roles never change; groups are still saved
    if user.employee_id:
        return  # SYNC-6: connected to an employee (the Ray Ross case), status only
    if user.roles & ctx.emply.admin_roles:
        return  # SYNC-9: administrators are out of role sync's reach
    if uid in state.unsynced_links:
        last_groups = None  # first role sync after the link: every group counts as joined
    state.unsynced_links.discard(uid)

    before = frozenset(user.roles)
    new_roles = compute_roles(
        roles=before, groups=groups, mapping=ctx.mapping,
        last_groups=last_groups, last_mapping=ctx.last.mapping or {},
        retired_roles=ctx.retired_roles)
    if new_roles != before:
        added, removed = new_roles - before, before - new_roles
        reason = (f"role sync for groups {ctx.group_text(groups)}: "
                  f"added {ctx.roles_text(added)}; removed {ctx.roles_text(removed)}")
        ctx.actions.append(Action(
            "set_roles", "SYNC-6", reason, entra_id=uid, emply_id=user.id, email=user.email,
            old=sorted(before), new=sorted(new_roles),
            data={"groupOf": {r: g for g in groups if (r := ctx.mapping.get(g))}}))


def compute_roles(*, roles: frozenset[str], groups: list[str], mapping: dict[str, str | None],
                  last_groups: frozenset[str] | None, last_mapping: dict[str, str | None],
                  retired_roles: frozenset[str]) -> frozenset[str]:
    """SYNC-6 steps 1-4 for one user; see docs/rules.md."""
    result = set(roles)
    current = set(groups)
    previous = set(last_groups) if last_groups is not None else set()
    # Step 1 (decision): remapped groups the user was in then and is in now.
    for group in current & previous:
        if group in last_mapping and last_mapping[group] != mapping.get(group):
            old, new = last_mapping[group], mapping.get(group)
            still_mapped = any(mapping.get(o) == old for o in current if o != group)
            if old and old in result and not still_mapped:
                result.discard(old)
            if new:
                result.add(new)
    # Step 2 (decision): joined groups, or every group when there is no last run.
    for group in current - previous:
        if role := mapping.get(group):
            result.add(role)
    # Step 3: the mapped roles are all there: extra roles stay.
    wanted = {r for g in current if (r := mapping.get(g))}
    if wanted <= result:
        return frozenset(result)
    # Step 4 (decision, FAQ case c): roles become the mapped ones; SYNC-4 roles untouched.
    return frozenset(wanted | (result & retired_roles))


def _photo(ctx: _Context, user: EmplyUser) -> None:
    """PIC-1: Entra's photo is copied for users not connected to an employee."""
    uid = user.entra_id or ""
    if user.employee_id or uid not in ctx.entra.photo_etags:
        return
    etag = ctx.entra.photo_etags[uid]
    if etag and etag != user.photo_etag:
        ctx.actions.append(Action(
            "set_photo", "PIC-1", "the Entra photo changed; the user has no employee profile",
            entra_id=uid, emply_id=user.id, email=user.email, old=user.photo_etag, new=etag))
    elif etag is None and user.photo_from_entra:
        ctx.actions.append(Action(
            "remove_photo", "PIC-1", "the photo was removed in Entra", entra_id=uid,
            emply_id=user.id, email=user.email, old=user.photo_etag, new=None))


def _calendars(ctx: _Context, user: EmplyUser) -> None:
    """CAL-1 and CAL-2: editable Entra calendars appear in Emply; events flow both ways."""
    uid = user.entra_id or ""
    if not ctx.settings.calendar_sync or not user.calendar_sync or uid not in ctx.entra.calendars:
        return
    editable = {c.id: c for c in ctx.entra.calendars[uid] if c.can_edit}
    present = {c.entra_id: c for c in user.calendars}
    for cal in editable.values():
        if cal.id not in present:
            enabled = cal.is_default
            ctx.actions.append(Action(
                "add_calendar", "CAL-2",
                ("the user's default calendar: added enabled, cannot be disabled" if enabled else
                 "an additional calendar the user can edit: added disabled"),
                entra_id=uid, emply_id=user.id, email=user.email, old=None,
                new=ctx.calendar_shown(cal.name, enabled),
                data={"calendarId": cal.id, "name": cal.name, "isDefault": cal.is_default,
                      "enabled": enabled}))
    for cal_id, cal in present.items():
        if cal_id not in editable:
            ctx.actions.append(Action(
                "remove_calendar", "CAL-2",
                "the calendar is gone from Entra or the user can no longer edit it",
                entra_id=uid, emply_id=user.id, email=user.email,
                old={"name": cal.name, "enabled": cal.enabled}, new=None,
                data={"calendarId": cal_id}))
    enabled_ids = [c.entra_id for c in user.calendars if c.enabled and c.entra_id in editable]
    enabled_ids += [c.id for c in editable.values() if c.is_default and c.id not in present]
    for cal_id in enabled_ids:
        if cal_id not in ctx.entra.events:
            continue
        theirs = [e for e in ctx.entra.events[cal_id]
                  if not (e.transaction_id or "").startswith(PUSHED_PREFIX)]
        wanted = frozenset(event_key(e.id, e.subject, e.start, e.end) for e in theirs)
        shown = ctx.emply.shown_events.get(cal_id, frozenset())
        if wanted != shown:
            ctx.actions.append(Action(
                "import_events", "CAL-1",
                "the events of an enabled Microsoft 365 calendar changed; Emply's calendar "
                "shows them", entra_id=uid, emply_id=user.id, email=user.email,
                old=len(shown), new=len(wanted),
                data={"calendarId": cal_id, "events": [e.__dict__ for e in theirs]}))
    for event in ctx.emply.events:
        if event.user_id != user.id:
            continue
        for cal_id in enabled_ids:
            if cal_id not in event.pushed_to:
                ctx.actions.append(Action(
                    "push_event", "CAL-1",
                    f"event '{event.subject}' made in Emply goes to an enabled Microsoft 365 calendar",
                    entra_id=uid, emply_id=user.id, email=user.email, old=None,
                    new={"subject": event.subject, "calendarId": cal_id},
                    data={"eventId": event.id, "calendarId": cal_id, "subject": event.subject,
                          "start": event.start, "end": event.end, "timeZone": event.time_zone,
                          "transactionId": f"{PUSHED_PREFIX}{event.id}-{cal_id}"}))


# -- writes to Entra: SYNC-5, SYNC-11, DEL-1, EXT-1 --------------------------------
def _write_to_entra(ctx: _Context, state: LastState, user: EmplyUser,
                    entra_user: EntraUser | None) -> None:
    if entra_user is None:
        return
    employee = ctx.emply.employees.get(user.employee_id or "")
    archived = employee is not None and employee.status == "Archived"
    # Decision: DEL-1 does not reach back to employees archived while the setting was off.
    if ctx.settings.delete_in_entra and archived and entra_user.id not in ctx.emply.kept_in_entra:
        if entra_user.hybrid:  # SYNC-11: said once, not at every run
            digest = _digest({"delete": True})
            if state.refused_entra_updates.get(entra_user.id) != digest:
                state.refused_entra_updates[entra_user.id] = digest
                ctx.actions.append(_hybrid_skip(entra_user, user, "delete"))
        else:
            ctx.actions.append(Action(
                "delete_in_entra", "DEL-1", "the employee was archived; 'delete in Entra ID' is "
                "on: the Entra user moves to deleted users", entra_id=entra_user.id,
                emply_id=user.id, email=user.email, old="exists", new="deleted"))
        return
    if not ctx.settings.update_entra or employee is None or archived:
        return
    wanted = {
        "displayName": f"{employee.first_name} {employee.last_name}".strip(),
        "givenName": employee.first_name or None, "surname": employee.last_name or None,
        "jobTitle": employee.job_title, "department": employee.department,
        "mobilePhone": employee.mobile_phone,
        "businessPhones": [employee.business_phone] if employee.business_phone else [],
    }
    current = {
        "displayName": entra_user.display_name, "givenName": entra_user.given_name,
        "surname": entra_user.surname, "jobTitle": entra_user.job_title,
        "department": entra_user.department, "mobilePhone": entra_user.mobile_phone,
        "businessPhones": list(entra_user.business_phones),
    }
    diff = {k: v for k, v in wanted.items() if current[k] != v}
    if not diff:
        return
    if entra_user.hybrid:
        digest = _digest(diff)
        if state.refused_entra_updates.get(entra_user.id) != digest:
            state.refused_entra_updates[entra_user.id] = digest
            ctx.actions.append(_hybrid_skip(entra_user, user, "update"))
        return
    ctx.actions.append(Action(
        "update_entra", "SYNC-5", "'update Entra ID' is on: master data from the employee "
        "profile is written to Entra", entra_id=entra_user.id, emply_id=user.id,
        email=user.email, old={k: current[k] for k in diff}, new=diff, data={"changes": diff}))


def _hybrid_skip(entra_user: EntraUser, user: EmplyUser, what: str) -> Action:
    """SYNC-11: on-premises-mastered users are skipped, with the reason, and not retried."""
    return Action(
        "skip", "SYNC-11", f"not {what}d in Entra: the user is synced from on-premises Active "
        "Directory (onPremisesSyncEnabled), so Graph refuses changes to it",
        entra_id=entra_user.id, emply_id=user.id, email=user.email)


def _unlinked_user(ctx: _Context, user: EmplyUser) -> None:
    """EXT-1: users made in Emply are never deactivated by the sync; with 'create in Entra
    ID' on they are created there too."""
    if not ctx.settings.create_in_entra or not user.active or user.origin != "manual":
        return
    if ctx.entra.tenant_hybrid:
        ctx.actions.append(Action(
            "skip", "SYNC-11", "not created in Entra: the tenant is synced from on-premises AD",
            emply_id=user.id, email=user.email))
        return
    email = normalise_email(user.email)
    if any(u.email == email for u in ctx.entra.users.values()):
        ctx.actions.append(Action(
            "skip", "EXT-1", "not created in Entra: a user with this e-mail already exists "
            "there outside the synced groups", emply_id=user.id, email=user.email))
        return
    local, _, domain = user.email.strip().rpartition("@")
    reason = "a user made in Emply; 'create in Entra ID' is on"
    data = {"userPrincipalName": user.email.strip(), "mail": user.email.strip(),
            "displayName": f"{user.first_name} {user.last_name}".strip() or user.email,
            "givenName": user.first_name, "surname": user.last_name}
    if ctx.entra.domains and domain.casefold() not in ctx.entra.domains:
        # Decision: another domain is no reason to refuse. The sign-in name goes on the
        # tenant's default verified domain; the e-mail stays in mail and otherMails.
        home = ctx.entra.default_domain or min(ctx.entra.domains)
        upn = _unique_upn(ctx, local, home)
        data.update(userPrincipalName=upn, otherMails=[user.email.strip()])
        reason += (f"; '{domain}' is not a verified domain of the tenant, so the sign-in "
                   f"name is {upn} on the default domain and the e-mail is kept in mail")
    _upns(ctx).add(data["userPrincipalName"].casefold())
    ctx.actions.append(Action(
        "create_in_entra", "EXT-1", reason,
        emply_id=user.id, email=user.email, old=None, new=data, data=data))


def _unique_upn(ctx: _Context, local: str, domain: str) -> str:
    """EXT-1: ``local@domain``, with a number added when an Entra user (or an earlier create
    of this run) already has that sign-in name."""
    local = "".join(c for c in local if c.isalnum() or c in "._-'") or "user"
    candidate, n = f"{local}@{domain}", 2
    while candidate.casefold() in _upns(ctx):
        candidate, n = f"{local}{n}@{domain}", n + 1
    return candidate


def _upns(ctx: _Context) -> set[str]:
    if ctx.taken_upns is None:
        ctx.taken_upns = {u.user_principal_name.casefold() for u in ctx.entra.users.values()}
    return ctx.taken_upns


# -- SAFE-2 ---------------------------------------------------------------------------
def _deactivation_threshold(ctx: _Context, result: Plan, lifted: bool) -> None:
    """SAFE-2: hold a run that would deactivate too many users at once."""
    deactivations = len(result.of_kind("deactivate"))
    # The base is the synced users only: hand-made users (EXT-1), even once created in
    # Entra, are never deactivated by the group rules and do not dilute the threshold.
    active_synced = ctx.emply.active_synced_count()
    limit = ctx.settings.threshold_ratio * active_synced
    if lifted or deactivations < ctx.settings.threshold_min or deactivations <= limit:
        return
    result.held = True
    result.hold_reason = (
        f"the run would deactivate {deactivations} of {active_synced} active synced users "
        f"(at least {ctx.settings.threshold_min} and more than "
        f"{ctx.settings.threshold_ratio:.0%}): held until a person confirms or rejects it")


def _digest(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()[:16]
