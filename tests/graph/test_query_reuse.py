"""The same query string sent again is answered as the first time, whatever else differs:
the endpoint's page size and options, the ConsistencyLevel header, the caller's use of
the answer (odata.parse_query keeps plain parsed queries)."""

from __future__ import annotations

from mocks.entra import mailbox

from .extras_conftest_helpers import error_of, sim_fixture  # noqa: F401

READ = ("User.Read.All", "Calendars.ReadWrite")


def _event(i: int) -> dict:
    return {"subject": f"Meeting {i}",
            "start": {"dateTime": f"2026-01-06T{8 + i % 10:02}:00:00", "timeZone": "UTC"},
            "end": {"dateTime": f"2026-01-06T{8 + i % 10:02}:30:00", "timeZone": "UTC"}}


def test_an_empty_query_keeps_each_endpoints_own_page_size(sim):
    client = sim.client(*READ)
    for i in range(12):
        assert client.post(f"/users/{sim.ray.id}/events", json=_event(i)).status_code == 201
    for _ in range(2):
        calendars = client.get(f"/users/{sim.ray.id}/calendars").json()  # 100 to a page
        assert len(calendars["value"]) == 1 and "@odata.nextLink" not in calendars
        events = client.get(f"/users/{sim.ray.id}/events").json()  # Outlook's 10 to a page
        assert len(events["value"]) == 10 and "@odata.nextLink" in events


def test_an_option_one_endpoint_takes_is_still_refused_by_another(sim):
    client = sim.client(*READ)
    calendar = mailbox.default_calendar(sim.tenant, sim.ray.id)
    for _ in range(2):
        assert client.get(f"/users/{sim.ray.id}/calendars?$top=5").status_code == 200
        refused = client.get(f"/users/{sim.ray.id}/calendars/{calendar.id}?$top=5")
        assert error_of(refused)[:2] == (400, "Request_BadRequest")


def test_count_follows_the_consistency_level_of_each_request(sim):
    client = sim.client(*READ)
    for _ in range(2):
        assert "@odata.count" not in client.get("/users?$count=true").json()
        counted = client.get("/users?$count=true", headers={"ConsistencyLevel": "eventual"})
        assert counted.json()["@odata.count"] == len(sim.tenant.users)


def test_select_answers_do_not_share_their_property_lists(sim):
    client = sim.client(*READ)
    first = client.get("/users?$select=displayName").json()
    second = client.get("/users?$select=displayName").json()
    assert first == second
    assert first["@odata.context"].endswith("$metadata#users(displayName)")
    assert all(set(user) == {"displayName", "id"} for user in second["value"])
