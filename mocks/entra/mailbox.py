"""Photos, calendars and events of the tenant's users (Exchange Online, in Graph terms).

Functions over :class:`mocks.entra.models.Tenant`; the Graph routes in
``mocks.graph.photos`` and ``mocks.graph.calendars`` are thin layers over them.
"""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mocks.entra.models import Calendar, EntraError, Event, Photo, Tenant, User

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
    """The user's own default calendar, created on first use as Exchange does.

    Its id and change key come from the world's seed and the user's id, not from the id
    sequence: served Graph reads come in on several threads in any order, and the ids
    (and every id drawn after them) must be the same run after run. The check and the
    creation hold the tenant's lock, so concurrent first reads make one calendar."""
    calendar = _own_default(tenant, user_id)
    if calendar is not None:
        return calendar
    with tenant.lock:
        calendar = _own_default(tenant, user_id)
        if calendar is not None:
            return calendar
        calendar_id = tenant.ids.derived_guid("default calendar", user_id)
        attempt = 0
        while calendar_id in tenant.calendars:  # taken by a loaded dump's own id: not ours
            attempt += 1
            calendar_id = tenant.ids.derived_guid("default calendar", user_id, str(attempt))
        return add_calendar(tenant, user_id, "Calendar", is_default=True,
                            calendar_id=calendar_id,
                            change_key=tenant.ids.derived_token(8, "default calendar", user_id))


def _own_default(tenant: Tenant, user_id: str) -> Calendar | None:
    for calendar_id in tenant.calendars_by_owner.get(user_id, ()):
        calendar = tenant.calendars[calendar_id]
        if calendar.is_default:
            return calendar
    return None


def add_calendar(tenant: Tenant, owner_id: str, name: str, color: str = "auto",
                 is_default: bool = False, calendar_id: str | None = None,
                 change_key: str | None = None) -> Calendar:
    """Add a calendar to the owner's mailbox; id and change key drawn from the sequence
    unless given."""
    if owner_id not in tenant.users:
        raise EntraError(404, "ErrorItemNotFound", f"User '{owner_id}' has no mailbox.")
    calendar = Calendar(calendar_id or tenant.ids.guid(), owner_id, name, color, is_default,
                        change_key=change_key or tenant.ids.token(8))
    tenant.calendars[calendar.id] = calendar
    tenant.calendars_by_owner.setdefault(owner_id, []).append(calendar.id)
    return calendar


def share_calendar(tenant: Tenant, calendar_id: str, user_id: str, role: str) -> None:
    """Share a calendar with another user: ``read`` or one of the edit roles."""
    calendar = tenant.calendars[calendar_id]
    if role not in EDIT_ROLES | {"read", "freeBusyRead", "limitedRead"}:
        raise EntraError(400, "ErrorInvalidRequest", f"Unknown calendar role '{role}'.")
    calendar.share(user_id, role)
    tenant.calendars_shared_with.setdefault(user_id, set()).add(calendar_id)


def calendars_of(tenant: Tenant, user_id: str) -> list[tuple[Calendar, bool]]:
    """The calendars a user sees, with ``canEdit``: their own, then shared ones."""
    own = [tenant.calendars[c] for c in tenant.calendars_by_owner.get(user_id, ())]
    if not any(c.is_default for c in own):
        own.insert(0, default_calendar(tenant, user_id))
    own.sort(key=lambda c: (not c.is_default, c.name))
    shared = [tenant.calendars[c] for c in sorted(tenant.calendars_shared_with.get(user_id, ()))
              if tenant.calendars[c].owner_id != user_id and user_id in tenant.calendars[c].shared_with]
    return ([(c, True) for c in own]
            + [(c, c.shared_with[user_id] in EDIT_ROLES) for c in shared])


def add_event(tenant: Tenant, calendar_id: str, props: dict[str, Any]) -> Event:
    return store_event(tenant, Event(tenant.ids.guid(), calendar_id, dict(props)))


def store_event(tenant: Tenant, event: Event) -> Event:
    """Keep an event and index it by calendar."""
    tenant.events[event.id] = event
    tenant.events_by_calendar.setdefault(event.calendar_id, []).append(event.id)
    return event


def events_of(tenant: Tenant, calendar_id: str) -> list[Event]:
    """The calendar's events still in the tenant, in the order they were made."""
    return [tenant.events[e] for e in tenant.events_by_calendar.get(calendar_id, ())
            if e in tenant.events]


# -- mailboxes -------------------------------------------------------------
def mailbox_owner(tenant: Tenant, key: str) -> User:
    """The user (by id or UPN) whose mailbox a calendar route names; Exchange's 404 otherwise."""
    user = tenant.user_by_id_or_upn(key)
    if user is None:
        raise EntraError(404, "ErrorInvalidUser", f"The requested user '{key}' is invalid.")
    return user


# -- photos ------------------------------------------------------------------
IMAGE_NOT_FOUND = ("Exception of type 'Microsoft.Fast.Profile.Core.Exception."
                   "ImageNotFoundException' was thrown.")


def photo_of(tenant: Tenant, user_id: str) -> Photo:
    """The user's photo, or Graph's 404 ``ImageNotFound`` when none was ever set."""
    photo = tenant.photos.get(user_id)
    if photo is None:
        raise EntraError(404, "ImageNotFound", IMAGE_NOT_FOUND)
    return photo


def sniff_image_type(content: bytes) -> str | None:
    """The image type the bytes start with (JPEG, PNG, GIF or BMP); None for anything else."""
    for ctype, magic in (("image/jpeg", b"\xff\xd8"), ("image/png", b"\x89PNG\r\n\x1a\n"),
                         ("image/gif", b"GIF8"), ("image/bmp", b"BM")):
        if content.startswith(magic):
            return ctype
    return None


def upload_photo(tenant: Tenant, user_id: str, content: bytes, content_type: str) -> Photo:
    """PUT ``/photo/$value``: an image of a supported type, at most 4 MB, whose bytes match it.

    ``application/octet-stream`` (what Microsoft's SDKs send) takes its type from the bytes.
    """
    ctype = content_type.split(";", 1)[0].strip().lower()
    ctype = "image/jpeg" if ctype in ("image/jpg", "image/pjpeg") else ctype
    if ctype == "application/octet-stream":
        ctype = sniff_image_type(content) or ctype
    if ctype not in PHOTO_TYPES:
        raise EntraError(415, "UnsupportedMediaType",
                         f"Content-Type '{content_type or '(none)'}' is not supported for a profile "
                         f"photo; send one of {', '.join(PHOTO_TYPES)} (or "
                         "application/octet-stream with the image's bytes).")
    if len(content) > MAX_PHOTO_BYTES or not content:
        return set_photo(tenant, user_id, content, ctype)  # refuses with its own error
    size = image_size(content, ctype)
    if size is None:
        raise EntraError(400, "ErrorInvalidRequest",
                         f"The request body is not a valid {ctype} image.")
    return set_photo(tenant, user_id, content, ctype, *size)


def remove_photo(tenant: Tenant, user_id: str) -> None:
    """DELETE ``/photo``: the user has no photo afterwards."""
    if tenant.photos.pop(user_id, None) is None:
        raise EntraError(404, "ImageNotFound", IMAGE_NOT_FOUND)


def image_size(content: bytes, content_type: str) -> tuple[int, int] | None:
    """Width and height from the header of a JPEG, PNG, GIF or BMP; None if the bytes aren't one."""
    try:
        if content_type == "image/png" and content[:8] == b"\x89PNG\r\n\x1a\n" \
                and content[12:16] == b"IHDR":
            return struct.unpack(">II", content[16:24])
        if content_type == "image/gif" and content[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", content[6:10])
        if content_type == "image/bmp" and content[:2] == b"BM":
            width, height = struct.unpack("<ii", content[18:26])
            return abs(width), abs(height)
        if content_type == "image/jpeg" and content[:2] == b"\xff\xd8":
            return _jpeg_size(content)
    except struct.error:
        return None
    return None


_SOF_MARKERS = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD,
                          0xCE, 0xCF})


def _jpeg_size(content: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(content):
        if content[i] != 0xFF:
            return None
        marker = content[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD9)):
            i += 2
            continue
        (length,) = struct.unpack(">H", content[i + 2:i + 4])
        if marker in _SOF_MARKERS:
            height, width = struct.unpack(">HH", content[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


# -- calendars -------------------------------------------------------------------
def calendar_for(tenant: Tenant, user_id: str, calendar_id: str) -> tuple[Calendar, bool]:
    """One calendar as ``user_id`` sees it (own or shared with them), with ``canEdit``."""
    for calendar, can_edit in calendars_of(tenant, user_id):
        if calendar.id == calendar_id:
            return calendar, can_edit
    raise EntraError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


# -- events ------------------------------------------------------------------------
# Writable event properties (Graph's event resource) the mock stores as given.
EVENT_WRITABLE = frozenset({
    "subject", "body", "start", "end", "location", "locations", "attendees", "isAllDay",
    "showAs", "importance", "sensitivity", "categories", "isReminderOn",
    "reminderMinutesBeforeStart", "transactionId", "isOnlineMeeting", "onlineMeetingProvider",
    "responseRequested", "allowNewTimeProposals", "hideAttendees", "recurrence",
    # set on update (event-update.md); on create they follow start and end
    "originalStartTimeZone", "originalEndTimeZone",
    # accepted and ignored: the organizer's own response is always 'organizer'
    "responseStatus",
})
BODY_TYPES = ("text", "html")
# Windows time zone names Outlook uses, mapped to the IANA zone with the same rules.
WINDOWS_ZONES = {
    "UTC": "UTC", "Coordinated Universal Time": "UTC", "GMT Standard Time": "Europe/London",
    "Greenwich Standard Time": "Atlantic/Reykjavik", "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris", "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw", "E. Europe Standard Time": "Europe/Chisinau",
    "FLE Standard Time": "Europe/Kiev", "GTB Standard Time": "Europe/Bucharest",
    "Pacific Standard Time": "America/Los_Angeles", "Mountain Standard Time": "America/Denver",
    "Central Standard Time": "America/Chicago", "Eastern Standard Time": "America/New_York",
    "India Standard Time": "Asia/Kolkata", "China Standard Time": "Asia/Shanghai",
    "Tokyo Standard Time": "Asia/Tokyo", "AUS Eastern Standard Time": "Australia/Sydney",
}


def resolve_zone(name: str) -> tzinfo | None:
    """A time zone by Windows or IANA name, as Outlook accepts both; None when unknown."""
    if not isinstance(name, str) or not name.strip():
        return None
    name = WINDOWS_ZONES.get(name.strip(), name.strip())
    if name in ("UTC", "Etc/UTC"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_not_supported(name: Any) -> EntraError:
    return EntraError(400, "TimeZoneNotSupportedException",
                      "A valid TimeZone value must be specified. The following TimeZone value is "
                      f"not supported: '{name}'.")


def validate_event(props: Any) -> dict[str, Any]:
    """Check a create-event body as Outlook does; return the properties to store."""
    if not isinstance(props, dict) or not props:
        raise EntraError(400, "BadRequest", "Empty Payload. JSON content expected.")
    for key in props:
        if key not in EVENT_WRITABLE and not key.startswith("@odata."):
            raise EntraError(400, "RequestBodyRead",
                             f"The property '{key}' does not exist on type 'microsoft.graph.event'. "
                             "Make sure to only use property names that are defined by the type.")
    clean = {k: v for k, v in props.items()
             if not k.startswith("@odata.") and k != "responseStatus"}
    for key in ("subject", "transactionId", "originalStartTimeZone", "originalEndTimeZone"):
        if clean.get(key) is not None and not isinstance(clean[key], str):
            raise EntraError(400, "RequestBodyRead",
                             f"Invalid value for property '{key}' of 'microsoft.graph.event': "
                             "a string is expected.")
    body = clean.get("body")
    if body is not None:
        kind = body.get("contentType", "text") if isinstance(body, dict) else None
        if not isinstance(body, dict) or str(kind).lower() not in BODY_TYPES \
                or not isinstance(body.get("content", ""), str):
            raise EntraError(400, "RequestBodyRead",
                             "Invalid value for property 'body': an itemBody with contentType "
                             "'text' or 'html' and a string content is expected.")
        clean["body"] = {"contentType": str(kind).lower(), "content": body.get("content", "")}
    start = _parse_dtz("start", clean.get("start"))
    end = _parse_dtz("end", clean.get("end"))
    if end < start:
        raise EntraError(400, "ErrorPropertyValidationFailure",
                         "At least one property failed validation: the event's end is before "
                         "its start.")
    for key, value in (("start", start), ("end", end)):
        zone = clean[key]["timeZone"].strip()
        clean[key] = {"dateTime": _graph_datetime(value.replace(tzinfo=None)), "timeZone": zone}
    return clean


def _parse_dtz(name: str, value: Any) -> datetime:
    if value is None:
        raise EntraError(400, "ErrorPropertyValidationFailure",
                         f"At least one property failed validation: '{name}' is required, a "
                         "dateTimeTimeZone such as {\"dateTime\": \"2026-01-05T09:00:00\", "
                         "\"timeZone\": \"UTC\"}.")
    if not isinstance(value, dict) or not isinstance(value.get("dateTime"), str):
        raise EntraError(400, "ErrorPropertyValidationFailure",
                         f"At least one property failed validation: '{name}' must be a "
                         "dateTimeTimeZone with a 'dateTime' string and a 'timeZone'.")
    zone = resolve_zone(value.get("timeZone"))
    if zone is None:
        raise zone_not_supported(value.get("timeZone"))
    try:
        parsed = _parse_local(value["dateTime"])
    except ValueError:
        raise EntraError(400, "ErrorPropertyValidationFailure",
                         f"At least one property failed validation: '{name}.dateTime' "
                         f"'{value['dateTime']}' is not a date and time.") from None
    try:
        moment = parsed.astimezone(zone) if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
        utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        utc = None
    # Events are shown in any time zone later, so the instant must stay a date in every zone.
    if utc is None or not _EARLIEST <= utc <= _LATEST:
        raise EntraError(400, "ErrorPropertyValidationFailure",
                         f"At least one property failed validation: '{name}.dateTime' "
                         f"'{value['dateTime']}' is out of the supported range.")
    return moment


_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def _parse_local(text: str) -> datetime:
    text = text.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if dot:  # Outlook writes seven fractional digits; Python reads at most six
        digits = "".join(c for c in rest if c.isdigit())
        text = f"{head}.{(digits[:6] or '0').ljust(6, '0')}{rest[len(digits):]}"
    return datetime.fromisoformat(text)


def _graph_datetime(value: datetime) -> str:
    # %Y is not zero-padded below year 1000 on every platform; Graph's form always is.
    return f"{value.year:04d}-{value:%m-%dT%H:%M:%S}.{value.microsecond:06d}0"


def in_zone(value: dict[str, str], zone_name: str = "UTC") -> dict[str, str]:
    """A stored dateTimeTimeZone expressed in ``zone_name`` (Prefer: outlook.timezone)."""
    target = resolve_zone(zone_name)
    if target is None:
        raise zone_not_supported(zone_name)
    source = resolve_zone(value["timeZone"]) or UTC
    moment = _parse_local(value["dateTime"]).replace(tzinfo=source).astimezone(target)
    return {"dateTime": _graph_datetime(moment.replace(tzinfo=None)), "timeZone": zone_name}


def event_for(tenant: Tenant, user_id: str, event_id: str,
              calendar_id: str | None = None) -> tuple[Event, bool]:
    """An event in a calendar the user sees (optionally a given one), with ``canEdit``."""
    event = tenant.events.get(event_id)
    if event is not None:
        for calendar, can_edit in calendars_of(tenant, user_id):
            if calendar.id == event.calendar_id and calendar_id in (None, calendar.id):
                return event, can_edit
    raise EntraError(404, "ErrorItemNotFound", "The specified object was not found in the store.")


def update_event(tenant: Tenant, user_id: str, event_id: str, changes: Any,
                 calendar_id: str | None = None) -> Event:
    """PATCH an event: the given writable properties change, start/end stay consistent."""
    with tenant.lock:
        event, can_edit = event_for(tenant, user_id, event_id, calendar_id)
        if not can_edit:
            raise EntraError(403, "ErrorAccessDenied",
                             "Access is denied. Check credentials and try again.")
        if not isinstance(changes, dict) or not changes:
            raise EntraError(400, "BadRequest", "Empty Payload. JSON content expected.")
        merged = {k: v for k, v in event.props.items() if k in EVENT_WRITABLE}
        merged.update(changes)
        clean = validate_event(merged)
        event.props.update(clean)
        event.props["lastModifiedDateTime"] = tenant.now_iso()
        event.props["changeKey"] = tenant.ids.token(8)
        for key, part in (("originalStartTimeZone", "start"), ("originalEndTimeZone", "end")):
            if key in changes:  # set explicitly: kept as given
                event.props[key] = changes[key]
            elif part in changes:
                event.props[key] = clean[part]["timeZone"]
        return event


def delete_event(tenant: Tenant, user_id: str, event_id: str,
                 calendar_id: str | None = None) -> None:
    """DELETE an event from a calendar the user may edit."""
    with tenant.lock:
        event, can_edit = event_for(tenant, user_id, event_id, calendar_id)
        if not can_edit:
            raise EntraError(403, "ErrorAccessDenied",
                             "Access is denied. Check credentials and try again.")
        del tenant.events[event.id]
        ids = tenant.events_by_calendar.get(event.calendar_id, [])
        if event.id in ids:
            ids.remove(event.id)


def create_event(tenant: Tenant, user_id: str, calendar_id: str,
                 props: Any) -> tuple[Event, bool]:
    """Create an event in a calendar the user may edit; ``(event, created)``.

    A repeated ``transactionId`` in the same mailbox returns the event it created the first
    time (``created`` False) instead of a duplicate, as Graph documents for client retries.
    """
    with tenant.lock:
        calendar, can_edit = calendar_for(tenant, user_id, calendar_id)
        if not can_edit:
            raise EntraError(403, "ErrorAccessDenied",
                             "Access is denied. Check credentials and try again.")
        clean = validate_event(props)
        transaction = clean.get("transactionId")
        if transaction:  # the owner's mailbox: every calendar they own
            for own_id in tenant.calendars_by_owner.get(calendar.owner_id, ()):
                for event in events_of(tenant, own_id):
                    if event.props.get("transactionId") == transaction:
                        return event, False
        owner = tenant.users.get(calendar.owner_id)
        owner_props = owner.props if owner else {}
        now = tenant.now_iso()
        clean.update({
            "createdDateTime": now, "lastModifiedDateTime": now,
            "changeKey": tenant.ids.token(8),
            "originalStartTimeZone": clean["start"]["timeZone"],
            "originalEndTimeZone": clean["end"]["timeZone"],
            "organizer": {"emailAddress": {
                "name": owner_props.get("displayName"),
                "address": owner_props.get("mail") or owner_props.get("userPrincipalName")}},
        })
        return add_event(tenant, calendar.id, clean), True



def events_between(tenant: Tenant, calendar_id: str, start: str, end: str) -> list[Event]:
    """calendarView: the calendar's events overlapping [start, end), by start time.

    ``start``/``end`` are ISO 8601 date-times (UTC unless they carry an offset); a bad
    or reversed pair is Outlook's 400 ``ErrorInvalidParameter``.
    """
    try:
        low, high = (_as_utc(_parse_local(v)) for v in (start, end))
    except (ValueError, TypeError, OverflowError):
        raise EntraError(400, "ErrorInvalidParameter",
                         "The parameters startDateTime and endDateTime are required ISO 8601 "
                         "date-times, for example 2026-01-05T00:00:00Z.") from None
    if high <= low:
        raise EntraError(400, "ErrorInvalidParameter",
                         "endDateTime must be later than startDateTime.")
    found = []
    for event in events_of(tenant, calendar_id):
        begins = _as_utc(_parse_local(event.props["start"]["dateTime"]),
                         event.props["start"]["timeZone"])
        ends = _as_utc(_parse_local(event.props["end"]["dateTime"]), event.props["end"]["timeZone"])
        if begins < high and (ends > low or (ends == begins and begins >= low)):
            found.append((begins, event.id, event))
    return [event for _, _, event in sorted(found, key=lambda t: (t[0], t[1]))]


def _as_utc(moment: datetime, zone: str = "UTC") -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=resolve_zone(zone) or UTC)
    return moment.astimezone(UTC)
