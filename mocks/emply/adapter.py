"""The Emply adapter: the sync core's only way into the Emply People model it is
hosted in. It builds the :class:`EmplyView` the rules read, and applies actions
through the model's public methods, so every rule the model enforces holds for the
sync too.
"""

from __future__ import annotations

from datetime import UTC, datetime

from mocks.emply.changes import Changes
from mocks.emply.errors import EmplyError
from mocks.emply.models import SYNC, Emply
from mocks.emply.snapshot import Snapshot
from sync_core.entra import EntraAdapter
from sync_core.model import Action, EmplyView, Refused, Settings, SyncedGroup
from sync_core.store import Store


class EmplyAdapter:
    """Reads and writes one :class:`mocks.emply.models.Emply` customer as the sync (actor "sync")."""

    def __init__(self, emply: Emply) -> None:
        self.emply = emply
        self._snapshot: Snapshot | None = None  # the standing copy read() keeps current
        self._linked_at: tuple[datetime | None, str] = (None, "")  # see _link_time

    def now(self) -> datetime:
        return self.emply.now()

    def settings(self) -> Settings | None:
        """The integration settings as the rules read them; None when there is none (INT-1)."""
        s = self.emply.settings
        if not s.configured:
            return None
        groups = tuple(
            SyncedGroup(g.group_id, g.role_id, g.department_id, g.language, g.time_zone,
                        g.currency, g.display_name or g.group_id)
            for g in s.synced_groups)
        return Settings(groups=groups, update_roles=s.update_roles_after_first_sync,
                        calendar_sync=s.calendar_sync, update_entra=s.update_entra,
                        delete_in_entra=s.delete_in_entra, create_in_entra=s.create_in_entra,
                        threshold_min=s.threshold.minimum, threshold_ratio=s.threshold.ratio)

    def read(self, links: dict[str, str]) -> EmplyView:
        """A consistent snapshot of the customer, taken under the model's lock. The standing
        copy is brought up to date from the change log: only what changed is read again."""
        e = self.emply
        with e.lock:
            self.refresh()
            deleted = set(e.deleted_entra_links)
            gone = set(links.values()).difference(e.users)  # linked by the sync, then deleted
            if gone:
                deleted |= {entra_id for entra_id, uid in links.items() if uid in gone}
            view = self._snapshot.view(frozenset(deleted))
            view.seq = self._snapshot.seq
            return view

    def refresh(self) -> None:
        """Bring the standing copy up to date now, after a run's own writes, so that the
        next run's read costs only what others changed in between."""
        e = self.emply
        with e.lock:
            changes = None if self._snapshot is None else e.changes.since(self._snapshot.seq)
            if changes is None:
                self._snapshot = Snapshot(e)
            else:
                self._snapshot.refresh(changes)

    def changed_since(self, seq: int) -> Changes | None:
        """Users, former Entra links and employees changed after change number ``seq`` by
        anyone but the sync itself; ``None`` when anything may have changed (settings,
        roles, departments, a load, or a number from another customer)."""
        with self.emply.lock:
            return self.emply.changes.since(seq, with_sync=False)

    def apply(self, action: Action, entra: EntraAdapter, store: Store) -> Action:
        """Carry out one action and return it as applied (a user made in this run gets its
        Emply id filled in). Raises on failure; Emply's refusals as :class:`Refused`, so the
        engine logs one failed change and the run goes on."""
        self.emply.changes.sync_writes(True)  # the sync's own writes (see changed_since)
        try:
            if action.kind == "create_user":
                return _with(action, emply_id=self._create_user(action, entra, store))
            if action.emply_id == "" and action.entra_id:  # a user created earlier in this run
                user = self.emply.user_by_entra_id(action.entra_id)
                if user is None:
                    raise Refused(f"no Emply user is linked to Entra user {action.entra_id}")
                action = _with(action, emply_id=user.id)
            if action.kind == "create_in_entra":
                return _with(action, entra_id=self._create_in_entra(action, entra, store))
            getattr(self, f"_{action.kind}")(action, entra, store)
            return action
        except EmplyError as exc:
            raise Refused(f"Emply refused the change ({exc.code}): {exc.message}") from exc
        finally:
            self.emply.changes.sync_writes(False)

    def _link_time(self) -> str:
        """When a link is made, as the store keeps it; formatted once per distinct time (a
        simulated first run links 10,000 users at one)."""
        now = self.now()
        if now != self._linked_at[0]:
            self._linked_at = (now, _iso(now))
        return self._linked_at[1]

    # -- one method per action kind -----------------------------------------------
    def _create_user(self, action: Action, entra: EntraAdapter, store: Store) -> str:
        data = action.data
        body = {"email": data["email"], "firstName": data["firstName"] or data["email"],
                "lastName": data["lastName"] or "-"}
        for key in ("language", "timeZone", "currency"):
            if data.get(key):
                body[key] = data[key]
        if data.get("department"):
            body["departmentId"] = data["department"]
        groups = {role: group for group, role in data.get("groupRoles", {}).items()}
        with self.emply.lock:
            user = self.emply.add_user(body, SYNC, origin="integration",
                                       entra_object_id=action.entra_id)
            if data["roles"]:
                self.emply.set_roles(user.id, data["roles"], SYNC, source="integration",
                                     groups=groups)
        store.link(action.entra_id or "", user.id, self._link_time())
        return user.id

    def _link_user(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        self.emply.link_entra(action.emply_id or "", action.entra_id, SYNC)
        store.link(action.entra_id or "", action.emply_id or "", self._link_time())

    def _set_roles(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        self.emply.set_roles(action.emply_id or "", list(action.new), SYNC, source="integration",
                             groups=action.data.get("groupOf") or None)

    def _deactivate(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        self.emply.deactivate_user(action.emply_id or "", action.data["reason"], SYNC,
                                   note=f"{action.rule}: {action.reason}")

    def _reactivate(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        self.emply.activate_user(action.emply_id or "", SYNC)

    def _set_photo(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        content, content_type = entra.photo(action.entra_id or "")
        self.emply.set_photo(action.emply_id or "", content, content_type, SYNC,
                             entra_etag=action.new)

    def _remove_photo(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        self.emply.delete_photo(action.emply_id or "", SYNC)

    def _add_calendar(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        data = action.data
        self.emply.upsert_calendar(action.emply_id or "", data["calendarId"], data["name"],
                                   is_default=data["isDefault"])

    def _remove_calendar(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        self.emply.remove_calendar(action.emply_id or "", action.data["calendarId"])

    def _import_events(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        """CAL-1: Emply's calendar shows exactly the calendar's current Microsoft 365 events."""
        user_id, calendar_id = action.emply_id or "", action.data["calendarId"]
        with self.emply.lock:
            for event in action.data["events"]:
                self.emply.upsert_m365_event(user_id, calendar_id, event["id"],
                                             event["subject"] or "(no subject)", event["start"],
                                             event["end"])
            self.emply.retire_m365_events(user_id, calendar_id,
                                          {event["id"] for event in action.data["events"]})

    def _push_event(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        data = action.data
        entra_event_id = entra.create_event(action.entra_id or "", data["calendarId"], data)
        self.emply.link_event(data["eventId"], data["calendarId"], entra_event_id)

    def _update_entra(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        entra.update_user(action.entra_id or "", action.data["changes"])

    def _create_in_entra(self, action: Action, entra: EntraAdapter, store: Store) -> str:
        from sync_core.engine import new_password

        entra_id = entra.create_user(action.data, new_password())
        with self.emply.lock:
            self.emply.link_entra(action.emply_id or "", entra_id, SYNC)
            self.emply.created_in_entra.add(entra_id)
        store.link(entra_id, action.emply_id or "", self._link_time())
        return entra_id

    def _delete_in_entra(self, action: Action, entra: EntraAdapter, store: Store) -> None:
        entra.delete_user(action.entra_id or "")
        if action.emply_id not in self.emply.users:
            store.unlink(action.entra_id or "")
            self.emply.deleted_entra_links.discard(action.entra_id or "")


def _with(action: Action, *, emply_id: str | None = None, entra_id: str | None = None) -> Action:
    """The action with the ids a write filled in; ``dataclasses.replace`` does the same
    through field introspection, a measurable cost at 20,000 actions a run."""
    return Action(action.kind, action.rule, action.reason,
                  action.entra_id if entra_id is None else entra_id,
                  action.emply_id if emply_id is None else emply_id,
                  action.email, action.old, action.new, action.data)


def _iso(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
