"""Photos, calendars and events of the tenant's users (Exchange Online, in Graph terms).

Functions over :class:`mocks.entra.models.Tenant`; the Graph routes in
``mocks.graph.photos`` and ``mocks.graph.calendars`` are thin layers over them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mocks.entra.models import Calendar, EntraError, Event, Photo, Tenant

MAX_PHOTO_BYTES = 4 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif", "image/bmp")
# Calendar share roles that allow editing (Graph's calendarRoleType).
EDIT_ROLES = frozenset({"write", "delegateWithoutPrivateEventAccess",
                        "delegateWithPrivateEventAccess", "custom"})


def set_photo(tenant: Tenant, user_id: str, content: bytes, content_type: str,
              width: int = 96, height: int = 96) -> Photo:
    """Store a user's photo; Graph accepts at most 4 MB."""
    if user_id not in tenant.users:
        raise EntraError(404, "Request_ResourceNotFound", f"Resource '{user_id}' does not exist.")
    if len(content) > MAX_PHOTO_BYTES:
        raise EntraError(413, "RequestEntityTooLarge",
                         "The photo exceeds the maximum size of 4 MB.")
    if not content:
        raise EntraError(400, "ErrorInvalidRequest", "The photo content is empty.")
    etag = f'W/"{hashlib.sha256(content).hexdigest()[:40]}"'
    photo = Photo(content, content_type, width, height, etag)
    tenant.photos[user_id] = photo
    return photo


def default_calendar(tenant: Tenant, user_id: str) -> Calendar:
    """The user's own default calendar, created on first use as Exchange does."""
    for calendar in tenant.calendars.values():
        if calendar.owner_id == user_id and calendar.is_default:
            return calendar
    return add_calendar(tenant, user_id, "Calendar", is_default=True)


def add_calendar(tenant: Tenant, owner_id: str, name: str, color: str = "auto",
                 is_default: bool = False, calendar_id: str | None = None) -> Calendar:
    if owner_id not in tenant.users:
        raise EntraError(404, "ErrorItemNotFound", f"User '{owner_id}' has no mailbox.")
    calendar = Calendar(calendar_id or tenant.ids.guid(), owner_id, name, color, is_default,
                        change_key=tenant.ids.token(8))
    tenant.calendars[calendar.id] = calendar
    return calendar


def share_calendar(tenant: Tenant, calendar_id: str, user_id: str, role: str) -> None:
    """Share a calendar with another user: ``read`` or one of the edit roles."""
    calendar = tenant.calendars[calendar_id]
    if role not in EDIT_ROLES | {"read", "freeBusyRead", "limitedRead"}:
        raise EntraError(400, "ErrorInvalidRequest", f"Unknown calendar role '{role}'.")
    calendar.shared_with[user_id] = role


def calendars_of(tenant: Tenant, user_id: str) -> list[tuple[Calendar, bool]]:
    """The calendars a user sees, with ``canEdit``: their own, then shared ones."""
    own = [c for c in tenant.calendars.values() if c.owner_id == user_id]
    if not any(c.is_default for c in own):
        own.insert(0, default_calendar(tenant, user_id))
    own.sort(key=lambda c: (not c.is_default, c.name))
    shared = [c for c in tenant.calendars.values()
              if c.owner_id != user_id and user_id in c.shared_with]
    return ([(c, True) for c in own]
            + [(c, c.shared_with[user_id] in EDIT_ROLES) for c in shared])


def add_event(tenant: Tenant, calendar_id: str, props: dict[str, Any]) -> Event:
    event = Event(tenant.ids.guid(), calendar_id, dict(props))
    tenant.events[event.id] = event
    return event


def events_of(tenant: Tenant, calendar_id: str) -> list[Event]:
    return [e for e in tenant.events.values() if e.calendar_id == calendar_id]
