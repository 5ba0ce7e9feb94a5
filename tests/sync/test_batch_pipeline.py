"""The $batch pipeline of the Graph client (served mode: 4 batches on the wire).

Driven against a scripted Graph (``httpx.MockTransport``) that can hold batches back, so
the tests see what is on the wire at any moment: answers come back in request order,
never more than four batches are out, a sender's failure reaches the caller, and closing
the stream stops the senders.
"""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from sync_core.graph import GraphClient, GraphError
from sync_core.window import Window


class SlowGraph:
    """Answers each inner GET with its own URL; counts the batches on the wire at once."""

    def __init__(self, fail_batch_with: str | None = None) -> None:
        self.lock = threading.Lock()
        self.on_wire = 0
        self.most_on_wire = 0
        self.batches: list[list[str]] = []
        self.bodies: list[bytes] = []
        self.fail_batch_with = fail_batch_with
        self.gate = threading.Event()  # batches wait here until it is set
        self.gate.set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        requests = json.loads(request.content)["requests"]
        with self.lock:
            self.on_wire += 1
            self.most_on_wire = max(self.most_on_wire, self.on_wire)
            self.batches.append([r["url"] for r in requests])
            self.bodies.append(request.content)
        try:
            self.gate.wait(5)
            if self.fail_batch_with is not None and any(
                    r["url"] == self.fail_batch_with for r in requests):
                return httpx.Response(400, json={"error": {"code": "BadRequest",
                                                           "message": "scripted"}})
            return httpx.Response(200, json={"responses": [
                {"id": r["id"], "status": 200, "body": {"url": r["url"]}} for r in requests]})
        finally:
            with self.lock:
                self.on_wire -= 1


def client(graph: SlowGraph, in_flight: int = 4, adapt: bool = False) -> GraphClient:
    """A client that keeps ``in_flight`` batches out (``adapt``: as many as gain something)."""
    http = httpx.Client(transport=httpx.MockTransport(graph))
    return GraphClient("https://graph.test/v1.0", lambda: "token", http, in_flight=in_flight,
                       sleep=lambda s: None, adapt=adapt)


def reads(n: int) -> list[dict[str, str]]:
    return [{"id": str(i), "method": "GET", "url": f"/users/u{i:04d}"} for i in range(n)]


def test_answers_come_back_in_request_order_whatever_order_batches_finish_in():
    graph = SlowGraph()
    got = [r["body"]["url"] for r in client(graph).stream(reads(500))]
    assert got == [f"/users/u{i:04d}" for i in range(500)]
    assert len(graph.batches) == 25 and all(len(b) == 20 for b in graph.batches)


def on_wire_while_held(graph: SlowGraph, graph_client: GraphClient, expected: int) -> int:
    """Hold every batch at the server while a 400-read stream starts; how many are out once
    ``expected`` are (and more would have had time to follow). Then let them all through."""
    graph.gate.clear()
    stream = graph_client.stream(reads(400))
    first = threading.Thread(target=lambda: next(stream))
    first.start()
    for _ in range(200):  # let every sender that may go reach the wire
        with graph.lock:
            if graph.on_wire >= expected:
                break
        threading.Event().wait(0.005)
    threading.Event().wait(0.05)  # one more would have had time to go out
    with graph.lock:
        out = graph.on_wire
    graph.gate.set()
    first.join()
    assert len(list(stream)) == 399
    assert graph.most_on_wire <= 4
    return out


def test_never_more_than_four_batches_are_on_the_wire():
    graph = SlowGraph()
    assert on_wire_while_held(graph, client(graph), 4) == 4


def test_an_adapting_client_sends_its_first_batches_alone_to_learn_the_round_trip():
    graph = SlowGraph()
    assert on_wire_while_held(graph, client(graph, adapt=True), 1) == 1


class ScriptedWindow(Window):
    """A window whose limit follows a script of (answers so far, limit) steps."""

    def __init__(self, steps: list[tuple[int, int]]) -> None:
        super().__init__(4)
        self.steps, self.answers, self.limit = steps, 0, steps[0][1]
        self.on_wire_seen: list[tuple[int, int]] = []  # (limit, batches out) per answer

    def record(self, on_wire: int, seconds: float) -> None:
        self.answers += 1
        self.on_wire_seen.append((self.limit, on_wire))
        self.limit = [limit for at, limit in self.steps if at <= self.answers][-1]


def test_a_window_that_closes_and_opens_again_mid_stream_keeps_every_answer_in_order():
    graph = SlowGraph()
    graph_client = client(graph, adapt=True)
    window = ScriptedWindow([(0, 1), (4, 4), (20, 1), (30, 3), (40, 1)])
    graph_client._window = window
    got = [r["body"]["url"] for r in graph_client.stream(reads(50 * 20))]
    assert got == [f"/users/u{i:04d}" for i in range(1000)]
    assert len(graph.batches) == 50, "each batch went out once"
    assert window.answers == 50
    assert all(out <= 4 for _, out in window.on_wire_seen)
    at_one = 0  # answers in a row while the limit is one
    for limit, out in window.on_wire_seen:
        at_one = at_one + 1 if limit == 1 else 0
        if at_one > 4:  # the (at most four) batches out when the window closed are in
            assert out == 1, "at one batch, one is out at a time"
    assert not [t for t in threading.enumerate() if t.name == "graph-batch"]


def test_a_batch_body_is_the_compact_json_graph_gets_with_its_content_type():
    graph = SlowGraph()
    list(client(graph, in_flight=1).stream(reads(3)))
    assert graph.bodies[0] == json.dumps(
        {"requests": reads(3)}, separators=(",", ":"), ensure_ascii=False).encode()


def test_a_senders_failure_is_raised_to_the_caller_at_that_batch():
    graph = SlowGraph(fail_batch_with="/users/u0047")  # in the third batch
    stream = client(graph).stream(reads(200))
    got = []
    with pytest.raises(GraphError) as failed:
        for response in stream:
            got.append(response["body"]["url"])
    assert failed.value.status == 400
    assert got == [f"/users/u{i:04d}" for i in range(40)], "the batches before it all arrive"


def test_closing_the_stream_stops_the_senders():
    graph = SlowGraph()
    stream = client(graph).stream(reads(2000))  # 100 batches
    next(stream)
    stream.close()
    sent = len(graph.batches)
    assert sent <= 1 + 8 + 4, "at most the lookahead had been taken"
    assert not [t for t in threading.enumerate() if t.name == "graph-batch"]
    threading.Event().wait(0.05)
    assert len(graph.batches) == sent, "nothing goes out after the stream is closed"


def test_senders_end_once_every_batch_is_taken_though_the_caller_has_not_read_them_all():
    graph = SlowGraph()
    stream = client(graph).stream(reads(12 * 20))  # 12 batches, 8 of lookahead
    next(stream)  # batch 0 is read: the senders take batches up to 8, then wait for room
    for _ in range(400):
        with graph.lock:
            if len(graph.batches) >= 9 and graph.on_wire == 0:
                break
        threading.Event().wait(0.005)
    threading.Event().wait(0.05)  # all four are parked, waiting for room
    got = [next(stream) for _ in range(3 * 20)]  # batches 1-3 read: room for 9, 10, 11
    assert len(got) == 60

    def senders() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "graph-batch"]

    for _ in range(400):
        if not senders():
            break
        threading.Event().wait(0.005)
    assert not senders(), "no sender stays parked (a photo stream is seldom read to its end)"
    assert len(list(stream)) == 12 * 20 - 61
