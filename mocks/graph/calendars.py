"""Graph routes for users' calendars and events (Outlook's shapes, over mocks.entra.mailbox).

A calendar shared with a user appears among that user's calendars, with ``canEdit``
true only for edit roles; creating an event in a read-only one is refused with
Outlook's 403 ``ErrorAccessDenied``. Event lists are paged (10 per page by default,
as Outlook does) and give start and end in UTC unless ``Prefer: outlook.timezone``
names another zone.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from mocks.entra import mailbox
from mocks.entra.models import Calendar, EntraError, Event, Tenant
from mocks.graph import odata
from mocks.graph.auth import requires

bp = Blueprint("graph_calendars", __name__)

EVENTS_PAGE_SIZE = 10  # Outlook's default page size for event collections
_PREFER_ZONE = re.compile(r'outlook\.timezone\s*=\s*"?([^",;]+)"?', re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def _tenant() -> Tenant:
    return current_app.config["WORLD"].tenant


# -- shapes --------------------------------------------------------------------
def calendar_json(tenant: Tenant, calendar: Calendar, can_edit: bool, viewer_id: str) -> dict[str, Any]:
    """A calendar as ``viewer_id`` sees it: their own, or one shared with them."""
    own = calendar.owner_id == viewer_id
    owner = tenant.users.get(calendar.owner_id) or tenant.deleted_users.get(calendar.owner_id)
    owner_props = owner.props if owner else {}
    role = calendar.shared_with.get(viewer_id, "")
    return {
        "@odata.id": f"{odata.graph_root()}users('{viewer_id}')/calendars('{calendar.id}')",
        "id": calendar.id,
        "name": calendar.name,
        "color": calendar.color,
        "hexColor": "",  # empty until a user picks a colour in Outlook (documented)
        "isDefaultCalendar": own and calendar.is_default,
        "changeKey": calendar.change_key,
        "canShare": own,
        "canViewPrivateItems": own or role == "delegateWithPrivateEventAccess",
        "canEdit": can_edit,
        "allowedOnlineMeetingProviders": ["teamsForBusiness"],
        "defaultOnlineMeetingProvider": "teamsForBusiness",
        "isTallyingResponses": own and calendar.is_default,
        "isRemovable": not (own and calendar.is_default),
        "owner": {"name": owner_props.get("displayName"),
                  "address": owner_props.get("mail") or owner_props.get("userPrincipalName")},
    }


def _online_meeting(event: Event) -> dict[str, str] | None:
    """A Teams meeting's join details when the event is an online meeting (else null)."""
    props = event.props
    if not props.get("isOnlineMeeting") or \
            props.get("onlineMeetingProvider", "teamsForBusiness") != "teamsForBusiness":
        return None
    meeting = event.id.replace("-", "")
    return {"joinUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{meeting}"
                       "%40thread.v2/0",
            "conferenceId": str(int(meeting[:8], 16) % 1_000_000_000)}


def event_json(event: Event, zone: str) -> dict[str, Any]:
    """An event with Outlook's defaults for what the client did not set."""
    props = event.props
    body = props.get("body") or {"contentType": "text", "content": ""}
    preview = _TAG.sub("", body.get("content") or "").strip()[:255]
    out: dict[str, Any] = {
        "@odata.etag": f'W/"{props["changeKey"]}"',
        "id": event.id,
        "createdDateTime": props["createdDateTime"],
        "lastModifiedDateTime": props["lastModifiedDateTime"],
        "changeKey": props["changeKey"],
        "categories": props.get("categories", []),
        "originalStartTimeZone": props["originalStartTimeZone"],
        "originalEndTimeZone": props["originalEndTimeZone"],
        "reminderMinutesBeforeStart": props.get("reminderMinutesBeforeStart", 15),
        "isReminderOn": props.get("isReminderOn", True),
        "hasAttachments": False,
        "subject": props.get("subject") or "",
        "bodyPreview": preview,
        "importance": props.get("importance", "normal"),
        "sensitivity": props.get("sensitivity", "normal"),
        "isAllDay": props.get("isAllDay", False),
        "isCancelled": False,
        "isOrganizer": True,
        "responseRequested": props.get("responseRequested", True),
        "allowNewTimeProposals": props.get("allowNewTimeProposals", True),
        "hideAttendees": props.get("hideAttendees", False),
        "isDraft": False,
        "iCalUId": "040000008200E00074C5B7101A82E008" + event.id.replace("-", "").upper(),
        "seriesMasterId": None,
        "webLink": "https://outlook.office365.com/owa/?itemid=" + event.id + "&exvsurl=1&path=/calendar/item",
        "onlineMeetingUrl": None,
        "onlineMeeting": _online_meeting(event),
        "responseStatus": {"response": "organizer", "time": "0001-01-01T00:00:00Z"},
        "showAs": props.get("showAs", "busy"),
        "type": "singleInstance",
        "isOnlineMeeting": props.get("isOnlineMeeting", False),
        "onlineMeetingProvider": props.get("onlineMeetingProvider", "unknown"),
        "recurrence": props.get("recurrence"),
        "body": body,
        "start": mailbox.in_zone(props["start"], zone),
        "end": mailbox.in_zone(props["end"], zone),
        "location": props.get("location") or {"displayName": ""},
        "locations": props.get("locations", []),
        "attendees": props.get("attendees", []),
        "organizer": props["organizer"],
    }
    if props.get("transactionId"):  # returned only when the client set it
        out["transactionId"] = props["transactionId"]
    return out


def _zone() -> str | None:
    match = _PREFER_ZONE.search(request.headers.get("Prefer", ""))
    return match.group(1).strip() if match else None


def _with_zone(response: Response, zone: str | None) -> Response:
    if zone:
        response.headers["Preference-Applied"] = f'outlook.timezone="{zone}"'
    return response


# -- calendars -----------------------------------------------------------------
@bp.get("/users/<key>/calendars")
@requires("calendars.read")
def list_calendars(key: str):
    """The user's calendars: their own (default first), then those shared with them."""
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    query = odata.parse_query(None, allowed={"$select", "$top", "$skiptoken"})
    seen = mailbox.calendars_of(tenant, user.id)
    return jsonify(odata.page(seen, lambda item: calendar_json(tenant, *item, user.id),
                              f"users('{user.id}')/calendars", query=query))


@bp.get("/users/<key>/calendars/<calendar_id>")
@requires("calendars.read")
def get_calendar(key: str, calendar_id: str):
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    calendar, can_edit = mailbox.calendar_for(tenant, user.id, calendar_id)
    query = odata.parse_query(None, allowed={"$select"})
    return jsonify(odata.entity(calendar_json(tenant, calendar, can_edit, user.id),
                                f"users('{user.id}')/calendars", None, query))


@bp.get("/users/<key>/calendar")
@requires("calendars.read")
def get_default_calendar(key: str):
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    calendar = mailbox.default_calendar(tenant, user.id)
    query = odata.parse_query(None, allowed={"$select"})
    return jsonify(odata.entity(calendar_json(tenant, calendar, True, user.id),
                                f"users('{user.id}')/calendar", None, query))


# -- events --------------------------------------------------------------------
def _list_events(user_id: str, calendar: Calendar, context: str, view: bool = False) -> Response:
    tenant = _tenant()
    zone = _zone()
    if zone:
        mailbox.in_zone({"dateTime": "2000-01-01T00:00:00", "timeZone": "UTC"}, zone)  # validate
    query = odata.parse_query(None, allowed={"$select", "$top", "$skiptoken"},
                              page_size=EVENTS_PAGE_SIZE)
    if view:
        bounds = [request.args.get(name) for name in ("startDateTime", "endDateTime")]
        if not all(bounds):
            raise EntraError(400, "ErrorInvalidParameter",
                             "This request requires a time window specified by the query string "
                             "parameters StartDateTime and EndDateTime.")
        events = mailbox.events_between(tenant, calendar.id, *bounds)
    else:
        events = mailbox.events_of(tenant, calendar.id)
    body = odata.page(events, lambda e: event_json(e, zone or "UTC"), context, query=query)
    return _with_zone(jsonify(body), zone)


@bp.get("/users/<key>/calendars/<calendar_id>/events")
@requires("calendars.read")
def list_calendar_events(key: str, calendar_id: str):
    """Events of one calendar the user sees, paged."""
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    calendar, _ = mailbox.calendar_for(tenant, user.id, calendar_id)
    return _list_events(user.id, calendar, f"users('{user.id}')/calendars('{calendar.id}')/events")


@bp.get("/users/<key>/events")
@bp.get("/users/<key>/calendar/events")
@requires("calendars.read")
def list_events(key: str):
    """Events of the user's default calendar, paged."""
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    calendar = mailbox.default_calendar(tenant, user.id)
    return _list_events(user.id, calendar, f"users('{user.id}')/events")


def _create_event(user_id: str, calendar_id: str, context: str) -> Response:
    tenant = _tenant()
    zone = _zone()
    event, _created = mailbox.create_event(tenant, user_id, calendar_id, odata.json_body())
    body = {"@odata.context": odata.context_url(context, entity=True)}
    body.update(event_json(event, zone or "UTC"))
    response = jsonify(body)
    response.status_code = 201
    return _with_zone(response, zone)


@bp.post("/users/<key>/calendars/<calendar_id>/events")
@requires("calendars.write")
def create_calendar_event(key: str, calendar_id: str):
    """Create an event in a calendar the user may edit (201, or the earlier event for a repeated
    ``transactionId``)."""
    user = mailbox.mailbox_owner(_tenant(), key)
    return _create_event(user.id, calendar_id,
                         f"users('{user.id}')/calendars('{calendar_id}')/events")


@bp.post("/users/<key>/events")
@bp.post("/users/<key>/calendar/events")
@requires("calendars.write")
def create_event(key: str):
    """Create an event in the user's default calendar."""
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    calendar = mailbox.default_calendar(tenant, user.id)
    return _create_event(user.id, calendar.id, f"users('{user.id}')/events")


# -- calendarView (calendar-list-calendarview.md, user-list-calendarview.md) ---------
@bp.get("/users/<key>/calendarView")
@bp.get("/users/<key>/calendar/calendarView")
@requires("calendars.read")
def default_calendar_view(key: str):
    """Events of the default calendar that overlap startDateTime..endDateTime."""
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    calendar = mailbox.default_calendar(tenant, user.id)
    return _list_events(user.id, calendar, f"users('{user.id}')/calendarView", view=True)


@bp.get("/users/<key>/calendars/<calendar_id>/calendarView")
@requires("calendars.read")
def calendar_view(key: str, calendar_id: str):
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    calendar, _ = mailbox.calendar_for(tenant, user.id, calendar_id)
    return _list_events(user.id, calendar,
                        f"users('{user.id}')/calendars('{calendar.id}')/calendarView", view=True)


# -- one event (event-get.md, event-update.md, event-delete.md) ----------------------
def _event_response(user_id: str, event: Event, context: str, status: int = 200) -> Response:
    zone = _zone()
    query = odata.parse_query(None, allowed={"$select"})
    response = jsonify(odata.entity(event_json(event, zone or "UTC"), context, None, query))
    response.status_code = status
    return _with_zone(response, zone)


@bp.get("/users/<key>/events/<event_id>")
@bp.get("/users/<key>/calendar/events/<event_id>")
@bp.get("/users/<key>/calendars/<calendar_id>/events/<event_id>")
@requires("calendars.read")
def get_event(key: str, event_id: str, calendar_id: str | None = None):
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    event, _ = mailbox.event_for(tenant, user.id, event_id, calendar_id)
    return _event_response(user.id, event, f"users('{user.id}')/events")


@bp.patch("/users/<key>/events/<event_id>")
@bp.patch("/users/<key>/calendar/events/<event_id>")
@bp.patch("/users/<key>/calendars/<calendar_id>/events/<event_id>")
@requires("calendars.write")
def update_event(key: str, event_id: str, calendar_id: str | None = None):
    """Change an event; 200 with the updated event, as Outlook answers."""
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    body = odata.json_body()
    event = mailbox.update_event(tenant, user.id, event_id, body, calendar_id)
    return _event_response(user.id, event, f"users('{user.id}')/events")


@bp.delete("/users/<key>/events/<event_id>")
@bp.delete("/users/<key>/calendar/events/<event_id>")
@bp.delete("/users/<key>/calendars/<calendar_id>/events/<event_id>")
@requires("calendars.write")
def delete_event(key: str, event_id: str, calendar_id: str | None = None):
    tenant = _tenant()
    user = mailbox.mailbox_owner(tenant, key)
    mailbox.delete_event(tenant, user.id, event_id, calendar_id)
    return Response(status=204)
