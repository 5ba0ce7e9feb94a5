"""User photos (bytes in and out), per-user calendars, and events in Emply's calendar."""

from __future__ import annotations

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"


def test_photo_put_then_get_returns_the_same_bytes(api, ids):
    path = f"/users/{ids.user['megan']}/photo"
    put = api.put(path, content=JPEG, headers={"Content-Type": "image/jpeg"})
    assert put.status_code == 200
    assert put.json()["size"] == len(JPEG) and put.json()["contentType"] == "image/jpeg"
    got = api.get(path)
    assert got.status_code == 200
    assert got.content == JPEG and got.headers["Content-Type"] == "image/jpeg"
    assert got.headers["ETag"] == f'"{put.json()["etag"]}"'
    assert api.get(f"/users/{ids.user['megan']}").json()["hasPhoto"] is True
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404


def test_photo_refusals_keep_the_old_photo(api, ids, err):
    path = f"/users/{ids.user['megan']}/photo"
    api.put(path, content=JPEG, headers={"Content-Type": "image/jpeg"})
    err(api.put(path, content=b"hello", headers={"Content-Type": "text/plain"}), 415,
        "unsupported_media_type", "image/jpeg")
    err(api.put(path, content=b"", headers={"Content-Type": "image/png"}), 400, "empty_photo")
    assert api.get(path).content == JPEG
    err(api.get(f"/users/{ids.user['ext']}/photo"), 404, "photo_not_found")
    err(api.get("/users/nobody/photo"), 404, "user_not_found")


def test_calendars_default_enabled_others_disabled_and_switchable(api, ids):
    cals = {c["name"]: c for c in api.get(f"/users/{ids.user['ray']}/calendars").json()}
    assert cals["Calendar"]["isDefault"] and cals["Calendar"]["enabled"]
    assert cals["Calendar"]["canDisable"] is False
    assert cals["Projects"]["enabled"] is False and cals["Projects"]["canDisable"] is True
    path = f"/users/{ids.user['ray']}/calendars/{cals['Projects']['id']}"
    assert api.patch(path, json={"enabled": True}).json()["enabled"] is True
    assert api.patch(path, json={"enabled": False}).json()["enabled"] is False


def test_default_calendar_cannot_be_disabled(api, ids, err):
    cal = next(c for c in api.get(f"/users/{ids.user['ray']}/calendars").json() if c["isDefault"])
    path = f"/users/{ids.user['ray']}/calendars/{cal['id']}"
    err(api.patch(path, json={"enabled": False}), 409, "default_calendar_cannot_be_disabled",
        "default calendar")
    assert api.get(f"/users/{ids.user['ray']}/calendars").json()[0]["enabled"] is True
    err(api.patch(path, json={"enabled": "no"}), 400, "invalid_value", "enabled")
    err(api.patch(path, json={"on": True}), 400, "invalid_body", "enabled")
    err(api.patch(f"/users/{ids.user['ray']}/calendars/nope", json={"enabled": True}), 404,
        "calendar_not_found")


def test_events_made_in_emply_crud(api, ids, err):
    made = api.post("/calendar/events", json={"userId": ids.user["megan"], "subject": "1:1",
                                              "start": "2026-01-06T09:00:00Z",
                                              "end": "2026-01-06T09:30:00Z"})
    assert made.status_code == 201
    event = made.json()
    assert event["origin"] == "emply" and event["start"] == "2026-01-06T09:00:00Z"
    assert api.get(f"/calendar/events/{event['id']}").json()["subject"] == "1:1"
    changed = api.patch(f"/calendar/events/{event['id']}", json={"subject": "One to one"})
    assert changed.json()["subject"] == "One to one"
    assert [e["id"] for e in api.get("/calendar/events", params={"userId": ids.user["megan"]}).json()] == [event["id"]]
    assert api.get("/calendar/events", params={"userId": ids.user["ray"]}).json() == []
    err(api.patch(f"/calendar/events/{event['id']}", json={"end": "2026-01-06T08:00:00Z"}), 422,
        "invalid_time_range")
    assert api.get(f"/calendar/events/{event['id']}").json()["end"] == "2026-01-06T09:30:00Z"
    err(api.post("/calendar/events", json={"userId": "ghost", "subject": "x",
                                           "start": "2026-01-06T09:00:00Z", "end": "2026-01-06T10:00:00Z"}),
        422, "unknown_user", "ghost")
    err(api.post("/calendar/events", json={"userId": ids.user["megan"], "subject": "x",
                                           "start": "tomorrow", "end": "2026-01-06T10:00:00Z"}),
        400, "invalid_value", "start")
    assert api.delete(f"/calendar/events/{event['id']}").status_code == 204
    err(api.get(f"/calendar/events/{event['id']}"), 404, "event_not_found")


def test_microsoft365_events_are_read_only_in_emply(api, ids, world, err):
    ray = world.emply.user(ids.user["ray"])
    shown = world.emply.upsert_m365_event(ray.id, "cal-ray-default", "m365-1", "Standup",
                                          "2026-01-06T08:00:00Z", "2026-01-06T08:15:00Z")
    listed = api.get("/calendar/events", params={"userId": ray.id}).json()
    assert [(e["subject"], e["origin"], e["entraEventId"]) for e in listed] == [
        ("Standup", "microsoft365", "m365-1")]
    err(api.patch(f"/calendar/events/{shown.id}", json={"subject": "x"}), 409,
        "microsoft365_event_read_only", "Microsoft 365")
    err(api.delete(f"/calendar/events/{shown.id}"), 409, "microsoft365_event_read_only")
