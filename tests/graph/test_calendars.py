"""Calendars and events: own and shared calendars, canEdit, paging, creation rules, transactionId."""

from __future__ import annotations

import pytest

from mocks.entra import mailbox

from .extras_conftest_helpers import error_of, sim_fixture  # noqa: F401

READ, WRITE = "Calendars.Read", "Calendars.ReadWrite"


def event(subject: str = "Lunch", start: str = "2026-01-06T12:00:00",
          end: str = "2026-01-06T13:00:00", zone: str = "UTC", **more) -> dict:
    return {"subject": subject, "body": {"contentType": "text", "content": "Bring notes."},
            "start": {"dateTime": start, "timeZone": zone},
            "end": {"dateTime": end, "timeZone": zone}, **more}


@pytest.fixture
def shared(sim):
    """Ray's Projects calendar shared with Megan (write) and his default one with Lars (read)."""
    projects = mailbox.add_calendar(sim.tenant, sim.ray.id, "Projects", color="lightBlue")
    mailbox.share_calendar(sim.tenant, projects.id, sim.megan.id, "write")
    default = mailbox.default_calendar(sim.tenant, sim.ray.id)
    mailbox.share_calendar(sim.tenant, default.id, sim.lars.id, "read")
    return {"projects": projects, "default": default}


def test_list_own_calendars_default_first_with_graph_properties(sim, shared):
    body = sim.client(READ).get(f"/users/{sim.ray.id}/calendars").json()
    names = [c["name"] for c in body["value"]]
    assert names == ["Calendar", "Projects"]
    default, projects = body["value"]
    assert set(default) >= {"id", "name", "color", "hexColor", "isDefaultCalendar", "changeKey",
                            "canShare", "canViewPrivateItems", "canEdit",
                            "allowedOnlineMeetingProviders", "defaultOnlineMeetingProvider",
                            "isTallyingResponses", "isRemovable", "owner"}
    assert default["isDefaultCalendar"] is True and default["isRemovable"] is False
    assert projects["isDefaultCalendar"] is False and projects["isRemovable"] is True
    assert projects["color"] == "lightBlue"
    assert default["owner"] == {"name": "Ray Ross", "address": "ray.ross@contoso.com"}
    assert all(c["canEdit"] and c["canShare"] for c in body["value"])


def test_shared_calendars_show_edit_rights_of_the_share(sim, shared):
    megan = sim.client(READ).get(f"/users/{sim.megan.id}/calendars").json()["value"]
    assert [c["name"] for c in megan] == ["Calendar", "Projects"]
    projects = megan[1]
    assert projects["id"] == shared["projects"].id
    assert projects["canEdit"] is True and projects["canShare"] is False
    assert projects["owner"]["address"] == "ray.ross@contoso.com"

    lars = sim.client(READ).get("/users/lars.nielsen@contoso.com/calendars").json()["value"]
    ray_default = next(c for c in lars if c["id"] == shared["default"].id)
    assert ray_default["canEdit"] is False
    assert ray_default["isDefaultCalendar"] is False  # it is Ray's default, not Lars's


def test_get_one_calendar_and_unknown_ones(sim, shared):
    client = sim.client(READ)
    got = client.get(f"/users/{sim.megan.id}/calendars/{shared['projects'].id}")
    assert got.status_code == 200 and got.json()["name"] == "Projects"
    assert got.json()["@odata.context"].endswith("/$entity")
    # Lars was never given Projects: for him it does not exist.
    status, code, _ = error_of(client.get(f"/users/{sim.lars.id}/calendars/{shared['projects'].id}"))
    assert (status, code) == (404, "ErrorItemNotFound")
    status, code, message = error_of(client.get("/users/ghost@contoso.com/calendars"))
    assert (status, code) == (404, "ErrorInvalidUser") and "ghost@contoso.com" in message


def test_create_event_returns_201_and_it_is_listed(sim, shared):
    writer = sim.client(WRITE)
    cid = shared["projects"].id
    created = writer.post(f"/users/{sim.ray.id}/calendars/{cid}/events",
                          json=event(zone="Romance Standard Time"))
    assert created.status_code == 201
    body = created.json()
    assert body["subject"] == "Lunch"
    assert body["originalStartTimeZone"] == "Romance Standard Time"
    # Start and end come back in UTC by default (Copenhagen is UTC+1 in January).
    assert body["start"] == {"dateTime": "2026-01-06T11:00:00.0000000", "timeZone": "UTC"}
    assert body["end"]["dateTime"] == "2026-01-06T12:00:00.0000000"
    assert body["organizer"]["emailAddress"]["address"] == "ray.ross@contoso.com"
    assert "transactionId" not in body

    listed = sim.client(READ).get(f"/users/{sim.ray.id}/calendars/{cid}/events").json()
    assert [e["id"] for e in listed["value"]] == [body["id"]]


def test_prefer_outlook_timezone_converts_start_and_end(sim):
    writer = sim.client(WRITE)
    writer.post(f"/users/{sim.ray.id}/events", json=event(start="2026-07-01T09:00:00",
                                                          end="2026-07-01T10:00:00"))
    listed = sim.client(READ, Prefer='outlook.timezone="Pacific Standard Time"').get(
        f"/users/{sim.ray.id}/events")
    assert listed.headers["Preference-Applied"] == 'outlook.timezone="Pacific Standard Time"'
    start = listed.json()["value"][0]["start"]
    assert start == {"dateTime": "2026-07-01T02:00:00.0000000", "timeZone": "Pacific Standard Time"}


def test_repeated_transaction_id_returns_the_existing_event(sim, shared):
    writer = sim.client(WRITE)
    url = f"/users/{sim.ray.id}/calendars/{shared['projects'].id}/events"
    first = writer.post(url, json=event(transactionId="7E163156-7762-4BEB-A1C6-729EA81755A7"))
    again = writer.post(url, json=event(subject="Lunch (retry)",
                                        transactionId="7E163156-7762-4BEB-A1C6-729EA81755A7"))
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["transactionId"] == "7E163156-7762-4BEB-A1C6-729EA81755A7"
    assert again.json()["subject"] == "Lunch"
    assert len(mailbox.events_of(sim.tenant, shared["projects"].id)) == 1
    other = writer.post(url, json=event(transactionId="another"))
    assert other.json()["id"] != first.json()["id"]


def test_shared_writer_may_create_but_read_only_sharee_is_denied(sim, shared):
    writer = sim.client(WRITE)
    ok = writer.post(f"/users/{sim.megan.id}/calendars/{shared['projects'].id}/events", json=event())
    assert ok.status_code == 201
    assert ok.json()["organizer"]["emailAddress"]["address"] == "ray.ross@contoso.com"
    denied = writer.post(f"/users/{sim.lars.id}/calendars/{shared['default'].id}/events",
                         json=event())
    status, code, message = error_of(denied)
    assert (status, code) == (403, "ErrorAccessDenied")
    assert "Access is denied" in message
    assert mailbox.events_of(sim.tenant, shared["default"].id) == []


@pytest.mark.parametrize("body, code, needle", [
    ({"subject": "x", "end": {"dateTime": "2026-01-06T13:00:00", "timeZone": "UTC"}},
     "ErrorPropertyValidationFailure", "'start' is required"),
    ({"subject": "x", "start": {"dateTime": "2026-01-06T13:00:00", "timeZone": "UTC"}},
     "ErrorPropertyValidationFailure", "'end' is required"),
    (event(start="2026-01-06T14:00:00"), "ErrorPropertyValidationFailure", "end is before"),
    (event(start="tomorrow at noon"), "ErrorPropertyValidationFailure", "start.dateTime"),
    (event(zone="Mars Standard Time"), "TimeZoneNotSupportedException", "Mars Standard Time"),
    (event(colour="red"), "RequestBodyRead", "'colour' does not exist"),
    (event(subject=42), "RequestBodyRead", "'subject'"),
    ({**event(), "body": {"contentType": "pdf", "content": "x"}}, "RequestBodyRead", "'body'"),
])
def test_create_event_validation(sim, body, code, needle):
    response = sim.client(WRITE).post(f"/users/{sim.ray.id}/events", json=body)
    status, got_code, message = error_of(response)
    assert (status, got_code) == (400, code)
    assert needle in message
    assert sim.tenant.events == {}


def test_create_event_needs_a_json_body_and_write_permission(sim):
    writer = sim.client(WRITE)
    status, _, message = error_of(writer.post(f"/users/{sim.ray.id}/events", content=b"subject=x",
                                              headers={"Content-Type": "text/plain"}))
    assert status == 400 and "JSON" in message
    status, code, _ = error_of(writer.post(f"/users/{sim.ray.id}/events", json={}))
    assert (status, code) == (400, "BadRequest")
    status, code, _ = error_of(sim.client(READ).post(f"/users/{sim.ray.id}/events", json=event()))
    assert (status, code) == (403, "Authorization_RequestDenied")
    status, code, _ = error_of(sim.client("User.Read.All").get(f"/users/{sim.ray.id}/calendars"))
    assert (status, code) == (403, "Authorization_RequestDenied")
    status, code, _ = error_of(writer.post(f"/users/{sim.ray.id}/calendars/nope/events",
                                           json=event()))
    assert (status, code) == (404, "ErrorItemNotFound")


def test_events_are_paged_ten_at_a_time_by_default(sim):
    writer = sim.client(WRITE)
    for i in range(23):
        writer.post(f"/users/{sim.ray.id}/calendar/events", json=event(subject=f"Meeting {i}"))
    reader = sim.client(READ)
    subjects, url, pages = [], f"/users/{sim.ray.id}/events", 0
    while url:
        page = reader.get(url).json()
        pages += 1
        assert len(page["value"]) <= 10
        subjects += [e["subject"] for e in page["value"]]
        url = page.get("@odata.nextLink")
    assert pages == 3
    assert sorted(subjects) == sorted(f"Meeting {i}" for i in range(23))
    top = reader.get(f"/users/{sim.ray.id}/events?$top=5&$select=subject").json()
    assert len(top["value"]) == 5 and set(top["value"][0]) <= {"subject", "id", "@odata.etag"}
