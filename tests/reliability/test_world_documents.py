"""Bugs the reliability runs found in the mocks, each pinned by a test."""

from __future__ import annotations

import pytest

from emply_sim.reliability import PERMISSIONS
from mocks.inprocess import GRAPH_URL, InProcess
from mocks.world import World
from mocks.worldfile import load

DOC = {
    "entra": {
        "domains": [{"name": "contoso.com", "default": True}],
        "apps": [{"displayName": "Emply People", "permissions": PERMISSIONS}],
        "users": [{"userPrincipalName": "ada@contoso.com", "mail": "ada@contoso.com",
                   "displayName": "Ada", "calendars": [{"name": "Calendar", "isDefault": True,
                                                        "events": [EVENT := {
                                                            "subject": "Planning",
                                                            "start": {"dateTime": "2026-01-06T09:00:00",
                                                                      "timeZone": "UTC"},
                                                            "end": {"dateTime": "2026-01-06T10:00:00",
                                                                    "timeZone": "UTC"}}]}]}],
    },
}


def test_an_event_written_by_hand_in_a_world_document_reads_back_through_graph():
    """Before: a hand-written event (no id) was stored without Outlook's server-set
    properties, and listing the calendar's events answered 500."""
    world = World()
    load(world, DOC)
    inproc = InProcess(world)
    try:
        app = next(iter(world.tenant.apps.values()))
        token = inproc.msal_app(app.client_id, app.secret).acquire_token_for_client(
            scopes=["https://graph.microsoft.com/.default"])["access_token"]
        http = inproc.client(base_url=GRAPH_URL, headers={"Authorization": f"Bearer {token}"})
        response = http.get("/users/ada@contoso.com/calendar/events")
        assert response.status_code == 200, response.text
        [event] = response.json()["value"]
        assert event["subject"] == "Planning"
        assert event["start"] == {"dateTime": "2026-01-06T09:00:00.0000000", "timeZone": "UTC"}
        assert event["changeKey"] and event["createdDateTime"]
    finally:
        inproc.close()


def test_a_bad_event_in_a_world_document_is_refused_with_its_path():
    doc = {"entra": {**DOC["entra"], "users": [{
        **DOC["entra"]["users"][0],
        "calendars": [{"name": "Calendar", "isDefault": True,
                       "events": [{**EVENT, "end": {"dateTime": "yesterday", "timeZone": "UTC"}}]}]}]}}
    with pytest.raises(ValueError, match=r"entra\.users\[0\]\.calendars\[0\]\.events\[0\]"):
        load(World(), doc)
