"""PIC-1's photo bytes are streamed ahead through $batch while earlier photos are copied.

These tests drive the sync core's Entra adapter against a scripted Graph (an
``httpx.MockTransport``), with four batches allowed on the wire as in served mode.
"""

from __future__ import annotations

import base64
import json
import threading

import httpx
import pytest

from sync_core.entra import EntraAdapter
from sync_core.graph import GraphClient, GraphError

USERS = [f"user-{n:03d}" for n in range(100)]


def photo_of(uid: str) -> bytes:
    return f"jpeg bytes of {uid}".encode()


class ScriptedGraph:
    """Answers ``POST /$batch`` of photo reads; the batch carrying one user can be scripted to fail."""

    def __init__(self, fail_with: str | None = None, throttle: tuple[str, ...] = ()) -> None:
        self.batches: list[list[str]] = []
        self.fail_with = fail_with  # the first batch carrying this user fails
        self.throttle = set(throttle)
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/$batch"), request.url
        ids = [r["id"] for r in json.loads(request.content)["requests"]]
        with self.lock:
            self.batches.append(ids)
            fail = self.fail_with in ids
            if fail:
                self.fail_with = None
        if fail:
            return httpx.Response(500, json={"error": {"code": "generalException",
                                                       "message": "scripted failure"}})
        responses = []
        for uid in ids:
            if uid in self.throttle:
                self.throttle.discard(uid)  # throttled once, then served
                responses.append({"id": uid, "status": 429, "headers": {"Retry-After": "3"},
                                  "body": {"error": {"code": "TooManyRequests", "message": ""}}})
            else:
                responses.append({"id": uid, "status": 200,
                                  "headers": {"Content-Type": "image/jpeg"},
                                  "body": base64.b64encode(photo_of(uid)).decode()})
        return httpx.Response(200, json={"responses": responses})


def adapter(graph: ScriptedGraph, slept: list[float] | None = None) -> EntraAdapter:
    http = httpx.Client(transport=httpx.MockTransport(graph))
    client = GraphClient("https://graph.test/v1.0", lambda: "token", http, in_flight=4,
                         sleep=(slept.append if slept is not None else lambda s: None))
    return EntraAdapter(client)


def test_every_expected_photo_arrives_in_order_at_twenty_per_batch():
    graph = ScriptedGraph()
    entra = adapter(graph)
    entra.expect_photos(USERS)
    assert graph.batches == [], "nothing is sent before the first photo is asked for"
    for uid in USERS:
        assert entra.photo(uid) == (photo_of(uid), "image/jpeg")
    assert len(graph.batches) == 5
    assert sorted(uid for batch in graph.batches for uid in batch) == USERS


def test_the_senders_run_at_most_eight_batches_ahead_of_the_copying():
    graph = ScriptedGraph()
    entra = adapter(graph)
    entra.expect_photos(USERS * 1 + [f"extra-{n:03d}" for n in range(400)])  # 25 batches
    entra.photo(USERS[0])  # the first batch has been taken
    # however fast the senders are, they wait once 8 batches past the copying are fetched
    for _ in range(200):
        with graph.lock:
            sent = len(graph.batches)
        if sent >= 9:
            break
        threading.Event().wait(0.005)
    with graph.lock:
        assert len(graph.batches) <= 9
    entra.expect_photos([])  # a new run: the unused stream is closed, its senders stop


def test_a_failed_batch_fails_its_photo_and_the_rest_still_arrive():
    graph = ScriptedGraph(fail_with=USERS[20])
    entra = adapter(graph)
    entra.expect_photos(USERS)
    for uid in USERS[:20]:
        assert entra.photo(uid)[0] == photo_of(uid)
    with pytest.raises(GraphError) as failed:
        entra.photo(USERS[20])
    assert failed.value.status == 500
    for uid in USERS[21:]:
        assert entra.photo(uid)[0] == photo_of(uid)


def test_a_photo_throttled_inside_its_batch_is_asked_again_after_retry_after():
    slept: list[float] = []
    graph = ScriptedGraph(throttle=(USERS[7],))
    entra = adapter(graph, slept)
    entra.expect_photos(USERS[:20])
    for uid in USERS[:20]:
        assert entra.photo(uid)[0] == photo_of(uid)
    assert graph.batches[-1] == [USERS[7]]
    assert 3.0 in slept
