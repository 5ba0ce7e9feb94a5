"""Photo metadata, calendars and events of the due users are read in one $batch stream.

The reads do not depend on each other, so they share batches (issue 13): the wire
does not drain between three phases. Driven against a scripted Graph (an
``httpx.MockTransport``) with four batches allowed on the wire, as in served mode.
"""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from sync_core.entra import EntraAdapter
from sync_core.graph import GraphClient, GraphError
from sync_core.model import Action
from sync_core.store import FLUSH_EVERY, Store


class ScriptedGraph:
    """Answers the per-user reads inside ``POST /$batch``; some URLs can be scripted to be
    throttled once or to fail."""

    def __init__(self, throttle: tuple[str, ...] = (), fail: tuple[str, ...] = ()) -> None:
        self.batches: list[list[str]] = []  # the inner URLs of each batch received
        self.throttle, self.fail = set(throttle), set(fail)
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        inner = json.loads(request.content)["requests"]
        assert len({r["id"] for r in inner}) == len(inner), "ids are unique in a batch"
        with self.lock:
            self.batches.append([r["url"] for r in inner])
        return httpx.Response(200, json={"responses": [self.answer(r) for r in inner]})

    def answer(self, request: dict) -> dict:
        url, rid = request["url"], request["id"]
        path = url.split("?")[0]
        with self.lock:
            if path in self.throttle:
                self.throttle.discard(path)
                return {"id": rid, "status": 429, "headers": {"Retry-After": "7"},
                        "body": {"error": {"code": "TooManyRequests", "message": "slow down"}}}
            if path in self.fail:
                return {"id": rid, "status": 403,
                        "body": {"error": {"code": "ErrorAccessDenied", "message": "no"}}}
        parts = path.strip("/").split("/")
        if parts[-1] == "photo":
            return {"id": rid, "status": 200, "body": {"@odata.mediaEtag": f"W/\"{parts[1]}\""}}
        if parts[-1] == "calendars":
            return {"id": rid, "status": 200, "body": {"value": [
                {"id": f"cal-{parts[1]}", "name": "Calendar", "isDefaultCalendar": True,
                 "canEdit": True}]}}
        assert parts[-1] == "events", url
        return {"id": rid, "status": 200, "body": {"value": [
            {"id": f"ev-{parts[3]}", "subject": "Standup",
             "start": {"dateTime": "2026-01-05T09:00:00"},
             "end": {"dateTime": "2026-01-05T09:15:00"}}]}}


def adapter(graph: ScriptedGraph, slept: list[float] | None = None) -> EntraAdapter:
    http = httpx.Client(transport=httpx.MockTransport(graph))
    client = GraphClient("https://graph.test/v1.0", lambda: "token", http, in_flight=4,
                         sleep=(slept.append if slept is not None else lambda s: None))
    return EntraAdapter(client)


PHOTOS = [f"p{n:02d}" for n in range(10)]
CALENDARS = [f"c{n:02d}" for n in range(10)]
EVENTS = [(f"e{n:02d}", f"cal-e{n:02d}") for n in range(15)]


def test_the_three_reads_share_batches_and_every_answer_lands_where_it_belongs():
    graph = ScriptedGraph()
    reads = adapter(graph).per_user_reads(PHOTOS, CALENDARS, EVENTS)
    # 35 reads: two batches, where three phases of their own took three.
    assert sorted(len(b) for b in graph.batches) == [15, 20]
    assert any(any(u.endswith("/photo") for u in b) and any("/calendars?" in u for u in b)
               for b in graph.batches), "a photo and a calendar read shared a batch"
    assert reads.photo_etags == {uid: f"W/\"{uid}\"" for uid in PHOTOS}
    assert {uid: [c.id for c in cals] for uid, cals in reads.calendars.items()} == {
        uid: [f"cal-{uid}"] for uid in CALENDARS}
    assert {cal: [e.id for e in evs] for cal, evs in reads.events.items()} == {
        cal: [f"ev-{cal}"] for _, cal in EVENTS}


def test_a_user_read_for_both_photo_and_calendars_gets_both_in_one_batch():
    graph = ScriptedGraph()
    reads = adapter(graph).per_user_reads(["u1"], ["u1"], [])
    assert graph.batches == [["/users/u1/photo",
                              "/users/u1/calendars?$select=id,name,isDefaultCalendar,canEdit"]]
    assert reads.photo_etags == {"u1": "W/\"u1\""}
    assert [c.id for c in reads.calendars["u1"]] == ["cal-u1"]


def test_a_throttled_read_is_asked_again_after_its_retry_after():
    graph = ScriptedGraph(throttle=("/users/c03/calendars",))
    slept: list[float] = []
    reads = adapter(graph, slept).per_user_reads(PHOTOS, CALENDARS, EVENTS)
    assert 7.0 in slept
    assert graph.batches[-1] == ["/users/c03/calendars?$select=id,name,isDefaultCalendar,canEdit"]
    assert [c.id for c in reads.calendars["c03"]] == ["cal-c03"]
    assert len(reads.calendars) == len(CALENDARS)


def test_a_failed_read_fails_the_whole_read():
    graph = ScriptedGraph(fail=("/users/e04/calendars/cal-e04/events",))
    with pytest.raises(GraphError) as raised:
        adapter(graph).per_user_reads(PHOTOS, CALENDARS, EVENTS)
    assert raised.value.status == 403
    assert "cal-e04" in str(raised.value)


def test_nothing_due_sends_nothing():
    graph = ScriptedGraph()
    reads = adapter(graph).per_user_reads([], [], [])
    assert graph.batches == []
    assert (reads.photo_etags, reads.calendars, reads.events) == ({}, {}, {})


# -- the run log written in lots (Store.buffered) ------------------------------------------
def test_buffered_change_log_rows_are_all_written_even_when_the_block_fails():
    store = Store()
    run = store.start_run("manual", "2026-01-05T08:00:00Z")
    count = FLUSH_EVERY + 3
    with pytest.raises(RuntimeError), store.buffered():
        for n in range(count):
            store.log_change(run, "2026-01-05T08:00:00Z",
                             Action("set_roles", "SYNC-6", f"change {n}", f"e{n}", f"u{n}"),
                             "success")
            store.link(f"e{n}", f"u{n}", "2026-01-05T08:00:00")
        raise RuntimeError("the run stopped")
    changes = store.changes(run_id=run, limit=10_000)
    assert sorted(c["reason"] for c in changes) == sorted(f"change {n}" for n in range(count))
    assert len(store.links()) == count
    store._links = None  # read the links again from SQLite, as a restarted host would
    assert store.links() == {f"e{n}": f"u{n}" for n in range(count)}


def test_a_link_then_unlink_inside_the_buffer_leaves_no_link():
    store = Store()
    with store.buffered():
        store.link("e1", "u1", "2026-01-05T08:00:00")
        store.unlink("e1")
    store._links = None
    assert store.links() == {}
