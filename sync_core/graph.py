"""A small Microsoft Graph client: tokens from MSAL, paging, $batch, polite retries.

It speaks only the documented Graph protocol, so it works against the mock and
against the real service alike. Waiting for ``Retry-After`` goes through an
injected ``sleep`` so that, in-process, it moves the simulation clock instead of
blocking. Batches go out up to ``in_flight`` at a time (served: 4, in-process: 1,
so that simulated waiting stays on one thread), as many of those as gain something
(:mod:`sync_core.window`); a ``Retry-After`` seen by one of them holds back every
request sent after it until it has passed.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import msal
import orjson

from sync_core.window import Window

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
RETRY_STATUSES = (429, 503, 504)
BATCH_SIZE = 20  # Graph's limit of requests in one JSON batch
PACING = 0.75  # batches in flight go out at least this share of an even spread apart


class GraphError(Exception):
    """A Graph request that failed for good; ``status`` and ``code`` say how."""

    def __init__(self, method: str, url: str, status: int | None, code: str, message: str) -> None:
        super().__init__(f"{method} {url}: {status or 'no response'} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class MsalTokens:
    """Client-credential tokens for Graph through MSAL, cached by MSAL itself."""

    def __init__(self, authority: str, client_id: str, secret: str, *,
                 http_client: Any = None, verify: str | bool = True) -> None:
        kwargs: dict[str, Any] = {"authority": authority, "client_credential": secret,
                                  "instance_discovery": False}
        if http_client is not None:
            kwargs["http_client"] = http_client
        else:
            kwargs["verify"] = verify
        self._app = msal.ConfidentialClientApplication(client_id, **kwargs)

    def __call__(self) -> str:
        result = self._app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        if "access_token" not in result:
            raise GraphError("POST", "token", None, result.get("error", "token_error"),
                             result.get("error_description", "no access token"))
        return result["access_token"]


class GraphClient:
    """Graph v1.0 over ``httpx`` with bounded retries that honour ``Retry-After``."""

    def __init__(self, base_url: str, tokens: Callable[[], str], http: httpx.Client, *,
                 sleep: Callable[[float], None] = time.sleep, max_attempts: int = 6,
                 in_flight: int = 1, adapt: bool = True) -> None:
        self.base_url = base_url.rstrip("/")
        self._tokens = tokens
        self._http = http
        self._sleep = sleep
        self.max_attempts = max_attempts
        self.in_flight = max(1, in_flight)
        self.adapt = adapt  # False: always ``in_flight`` batches out, whatever they gain
        self._window = Window(self.in_flight, adapt=adapt)
        self.requests_made = 0
        self.sender_cpu = 0.0  # CPU seconds spent by batch sender threads (benchmarks add it)
        self._count_lock = threading.Lock()
        self._resume_at = 0.0  # with in_flight > 1: nothing is sent before this (monotonic)
        self._round_trip = 0.0  # a batch's short round trip lately, seconds (see _took)
        self._last_send = 0.0  # when the last paced batch went out (monotonic)
        # When a list, every request sent is appended as (method, url, body bytes): the
        # benchmark replays it with a bare client to find the floor.
        self.recording: list[tuple[str, str, bytes]] | None = None

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def relative(self, url: str) -> str:
        """A Graph URL relative to the service root (``users/…``), as a batch request names it."""
        return url[len(self.base_url):].lstrip("/") if url.startswith(self.base_url) else url

    def _wait(self, seconds: float) -> None:
        """Honour a Retry-After; concurrent senders hold back too (see :meth:`_gate`)."""
        if self.in_flight > 1:
            with self._count_lock:
                self._resume_at = max(self._resume_at, time.monotonic() + seconds)
        self._sleep(seconds)

    def hold_back(self, inner_response: dict[str, Any]) -> None:
        """Honour the ``Retry-After`` of a throttled answer inside a batch before asking again."""
        self._wait(_seconds(_header(inner_response, "retry-after"), 1.0))

    def _gate(self) -> None:
        if self.in_flight > 1:
            pause = self._resume_at - time.monotonic()
            if pause > 0:
                self._sleep(pause)

    def window(self) -> Window:
        """The window of batches on the wire; kept from run to run, like TCP's estimates."""
        if self._window.most != self.in_flight:  # the bound was changed (benchmarks do)
            self._window = Window(self.in_flight, adapt=self.adapt)
        return self._window

    def _pace(self) -> None:
        """Space the batches sent side by side at least PACING x a round trip / window
        apart (real time: this is about the wire, not the simulated clock).

        Sent together, batches come back together, and their answers are worked on at
        the same time, sharing one CPU (in the served world also with the mock): all
        finish late, and the next ones go out together again. Spread over the round trip
        they are worked on one after another while the others travel: under 100 ms of
        latency the same 4 in flight carry about a quarter more (issue 13).
        """
        with self._count_lock:
            now = time.monotonic()
            at = max(now, self._last_send + PACING * self._round_trip / self._window.limit)
            self._last_send = at
        if at > now:
            time.sleep(at - now)

    def _took(self, seconds: float) -> None:
        """Fold one batch's round trip into the estimate :meth:`_pace` uses: it follows a
        shorter one at once and a longer one slowly, so it tracks the wire's latency
        plus one batch's work, not the queueing behind busy threads. Without latency it
        stays small and pacing does not hold anything back."""
        with self._count_lock:
            if not self._round_trip or seconds < self._round_trip:
                self._round_trip = seconds
            else:
                self._round_trip += 0.1 * (min(seconds, 1.0) - self._round_trip)

    def request(self, method: str, path: str, *, idempotent: bool | None = None,
                before_retry: Callable[[], httpx.Response | None] | None = None,
                **kwargs: Any) -> httpx.Response:
        """Send one request; retry throttling and outages, then raise :class:`GraphError`.

        A non-idempotent request whose connection dropped is retried only after
        ``before_retry`` (which checks whether the first attempt took effect) returns
        None; if it returns a response, that response is the result.
        """
        url = self.url(path)
        idempotent = method in ("GET", "PUT", "DELETE", "PATCH") if idempotent is None else idempotent
        headers = {"client-request-id": str(uuid.uuid4()), **kwargs.pop("headers", {})}
        delay = 1.0
        for attempt in range(1, self.max_attempts + 1):
            headers["Authorization"] = f"Bearer {self._tokens()}"
            self._gate()
            with self._count_lock:
                self.requests_made += 1
            try:
                response = self._http.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                if attempt == self.max_attempts:
                    raise GraphError(method, url, None, type(exc).__name__, str(exc)) from exc
                self._wait(delay)
                delay = min(delay * 2, 30)
                if not idempotent and before_retry is not None:
                    found = before_retry()
                    if found is not None:
                        return found
                continue
            if self.recording is not None:
                with self._count_lock:
                    self.recording.append((method, str(response.request.url),
                                           response.request.content))
            if response.status_code in RETRY_STATUSES and attempt < self.max_attempts:
                self._wait(retry_after(response, delay))
                delay = min(delay * 2, 30)
                continue
            if response.status_code >= 400:
                if response.status_code in RETRY_STATUSES:
                    # Giving up still honours Retry-After: whatever is sent next (the next
                    # run's first request may be this one again) does not come too early.
                    self._wait(retry_after(response, delay))
                code, message = error_of(response)
                raise GraphError(method, url, response.status_code, code, message)
            return response
        raise AssertionError("unreachable")  # the loop returns or raises

    def get_json(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return orjson.loads(self.request("GET", path, **kwargs).content)

    def pages(self, path: str, params: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
        """Every page of a collection, following ``@odata.nextLink``."""
        page = self.get_json(path, params=params)
        yield page
        while next_link := page.get("@odata.nextLink"):
            page = self.get_json(next_link)
            yield page

    def collect(self, path: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return [item for page in self.pages(path, params) for item in page.get("value", [])]

    def batch(self, requests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Run GET requests through ``$batch``, 20 to a batch, up to ``in_flight`` batches
        at a time; throttled inner requests are retried after their ``Retry-After``.
        Returns each response by request id."""
        results: dict[str, dict[str, Any]] = {}
        pending = list(requests)
        attempts = 0
        given_up = 0.0  # the longest Retry-After of an inner request kept throttled
        while pending:
            attempts += 1
            retry: list[dict[str, Any]] = []
            wait = 0.0
            chunks = [pending[i:i + BATCH_SIZE] for i in range(0, len(pending), BATCH_SIZE)]
            for chunk, body in zip(chunks, self._send_batches(chunks), strict=True):
                by_id = {r["id"]: r for r in chunk}
                for response in body.get("responses", []):
                    status = int(response.get("status", 500))
                    seconds = _seconds(_header(response, "retry-after"), 1.0)
                    if status in RETRY_STATUSES and attempts < self.max_attempts:
                        retry.append(by_id[response["id"]])
                        wait = max(wait, seconds)
                    else:
                        results[response["id"]] = response
                        if status in RETRY_STATUSES:
                            given_up = max(given_up, seconds)
            if retry:
                self._wait(wait)
            pending = retry
        if given_up:  # as in request(): nothing is sent again before Retry-After
            self._wait(given_up)
        return results

    def stream(self, requests: Sequence[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Each inner response of GET requests sent through ``$batch``, in request order,
        as the batches come back: senders keep up to ``in_flight`` batches on the wire
        while the caller works through earlier answers. Nothing is sent before the first
        ``next()``; closing the iterator stops the senders. Throttled inner answers are
        yielded as they are (:meth:`batch` retries them)."""
        for body in self._send_batches(_Chunks(requests)):
            yield from body.get("responses", [])

    def _send_batches(self, chunks: Sequence[list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
        """Each chunk's batch response body, in order; up to ``in_flight`` on the wire, as
        many as the window allows.

        While the window is at one batch, each is sent when the caller asks for its answer,
        on the caller's thread (on loopback a sender thread beside it only costs hand-offs,
        issue 13). Above one, sender threads keep the window full (:meth:`_pipelined`).
        """
        window = self.window()
        index, total = 0, len(chunks)
        while index < total:
            if window.limit == 1 or total - index < 2:
                started = time.monotonic()
                response = self._send_batch(chunks[index])
                window.record(1, time.monotonic() - started)
                index += 1
                yield orjson.loads(response.content)
            else:
                index = yield from self._pipelined(chunks, index, window)

    def _pipelined(self, chunks: Sequence[list[dict[str, Any]]], start: int,
                   window: Window) -> Iterator[dict[str, Any]]:
        """Answers from chunk ``start`` on, with sender threads side by side, until the
        last or until the window is back at one batch (the chunks already sent are still
        answered). Returns the index of the first chunk not sent.

        Each sender thread takes the next chunk as soon as its previous answer has arrived,
        so the wire stays full even while the caller is busy with earlier answers (a window
        refilled by the caller would wait for it, and the senders would fall into step).
        Senders run at most ``2 * in_flight`` chunks ahead of the caller, which bounds the
        bodies waiting in memory; answers are decoded by the caller, not the senders.
        """
        pipeline = _Pipeline(self, chunks, ahead=2 * self.in_flight, window=window,
                             start=start)
        senders = [threading.Thread(target=pipeline.sender, name="graph-batch", daemon=True)
                   for _ in range(min(self.in_flight, len(chunks) - start))]
        for thread in senders:
            thread.start()
        index, stopped = start, False
        try:
            while index < len(chunks):
                if window.limit == 1 and not stopped:
                    pipeline.close()  # no chunk is taken after this: ``taken`` is final
                    stopped = True
                if stopped and index >= pipeline.taken:
                    break
                yield orjson.loads(pipeline.take(index).content)  # ~1.6 x json.loads
                index += 1
        finally:
            pipeline.close()
            for thread in senders:
                thread.join()
        return index

    def _send_batch(self, chunk: list[dict[str, Any]]) -> httpx.Response:
        """One ``$batch`` POST. The body is encoded here with orjson: the same bytes httpx's
        ``json=`` makes (compact, UTF-8), for a tenth of the encoding's cost."""
        return self.request("POST", "$batch", content=orjson.dumps({"requests": chunk}),
                            headers=_JSON, idempotent=True)


_JSON = {"Content-Type": "application/json"}


class _Pipeline:
    """The hand-over between the batch senders and the caller of ``_send_batches``.

    One lock, two conditions, and a wake-up only for whoever can go on: an arriving answer
    wakes the caller only when it is the one the caller waits for, and a consumed answer
    wakes one sender only when one waits for room. (One condition with ``notify_all``
    woke all four senders and the caller at every step; sharing one GIL with the server
    threads, each needless wake-up is wall time, issue 13.) A sender also waits while the
    window's limit of batches is out; each round trip is reported to the window.
    """

    def __init__(self, graph: GraphClient, chunks: Sequence[list[dict[str, Any]]], *,
                 ahead: int, window: Window, start: int = 0) -> None:
        self.graph = graph
        self.chunks = chunks
        self.ahead = ahead
        self.window = window
        self.on_wire = 0  # batches sent and not answered yet
        lock = threading.Lock()
        self.room = threading.Condition(lock)  # senders wait here for the caller to catch up
        self.arrived = threading.Condition(lock)  # the caller waits here for its next answer
        self.ready: dict[int, tuple[bool, Any]] = {}
        self.taken = start  # chunks handed to senders (those before ``start`` were sent)
        self.consumed = start  # answers handed to the caller
        self.waiting_for = -1  # the index the caller waits for, or -1
        self.senders_waiting = 0
        self.stop = False

    def sender(self) -> None:
        """Take the next chunk while there is room, send it, hand its outcome over; the
        thread's CPU is added to the client's ``sender_cpu``."""
        started_cpu = time.thread_time()
        try:
            self._send_until_done()
        finally:
            with self.graph._count_lock:
                self.graph.sender_cpu += time.thread_time() - started_cpu

    def _send_until_done(self) -> None:
        graph, total = self.graph, len(self.chunks)
        while True:
            with self.room:
                while (not self.stop and self.taken < total
                       and (self.taken - self.consumed >= self.ahead
                            or self.on_wire >= self.window.limit)):
                    self.senders_waiting += 1
                    try:
                        self.room.wait()
                    finally:
                        self.senders_waiting -= 1
                if self.stop or self.taken >= total:
                    return
                index = self.taken
                self.taken += 1
                self.on_wire += 1
                sent_with = self.on_wire
                if self.taken == total and self.senders_waiting:
                    self.room.notify_all()  # nothing left to take: the waiting ones end
            graph._pace()
            started = time.monotonic()
            try:
                outcome: tuple[bool, Any] = (True, graph._send_batch(self.chunks[index]))
            except BaseException as exc:  # handed to the caller, raised there
                outcome = (False, exc)
            took = time.monotonic() - started
            graph._took(took)
            with self.arrived:
                self.ready[index] = outcome
                self.on_wire -= 1
                if outcome[0]:
                    self.window.record(sent_with, took)
                if index == self.waiting_for:
                    self.arrived.notify()
                room = self.window.limit - self.on_wire - 1  # this sender takes one itself
                if room > 0 and self.senders_waiting:
                    self.room.notify(room)  # the window grew

    def take(self, index: int) -> httpx.Response:
        """The answer to chunk ``index`` (taken in order), waiting for it; a sender's
        exception is raised here."""
        with self.arrived:
            if index not in self.ready:
                self.waiting_for = index
                while index not in self.ready:
                    self.arrived.wait()
                self.waiting_for = -1
            ok, value = self.ready.pop(index)
            self.consumed = index + 1
            if self.senders_waiting and self.taken < len(self.chunks):
                self.room.notify()  # one more chunk may go out now
        if not ok:
            raise value
        return value

    def close(self) -> None:
        """No chunk is taken after this; senders finish the one they are sending."""
        with self.room:
            self.stop = True
            self.room.notify_all()


class _Chunks(Sequence[list[dict[str, Any]]]):
    """Requests in batches of BATCH_SIZE, each sliced off when it is sent."""

    def __init__(self, requests: Sequence[dict[str, Any]]) -> None:
        self.requests = requests

    def __len__(self) -> int:
        return -(-len(self.requests) // BATCH_SIZE)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not 0 <= index < len(self):
            raise IndexError(index)
        return list(self.requests[index * BATCH_SIZE:(index + 1) * BATCH_SIZE])


def _header(response: dict[str, Any], name: str) -> str | None:
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name:
            return value
    return None


def retry_after(response: httpx.Response, default: float) -> float:
    return _seconds(response.headers.get("Retry-After"), default)


def _seconds(value: str | None, default: float) -> float:
    try:
        return max(float(value), 0.0) if value is not None else default
    except ValueError:
        return default


def error_of(response: httpx.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error", {})
        if isinstance(error, dict):
            return error.get("code", "unknown"), error.get("message", response.text[:200])
        return str(error), response.json().get("error_description", "")
    except ValueError:
        return "unknown", response.text[:200]
