"""Fault injection on the Graph mock, in the manner of Microsoft's Dev Proxy, and a request journal.

:class:`FaultPlan` says how often a Graph request is answered with 429 (with an integer
``Retry-After``), with 503, or with a dropped connection, how much latency to add, and
per-path-prefix rules; a seed makes the draws reproducible (one draw per request, in
request order). :class:`Journal` keeps the last 100,000 Graph requests and flags a
client that retries a throttled request before its ``Retry-After`` has passed. Both
live on the world (``world.faults``, ``world.journal``) and are applied by
:class:`GraphTraffic`, WSGI middleware around the Graph app (:func:`install`), so they
apply to every request, including each inner request of a JSON batch.

Decisions:

* A faulted request never reaches the app, so it changes no state.
* A dropped connection raises :class:`DroppedConnection`, which is both an
  ``httpx.RemoteProtocolError`` (in-process, ``httpx.WSGITransport`` lets it reach the
  client, which sees a transport error) and a ``ConnectionError`` (served by werkzeug,
  the server treats it as a dropped connection and closes the socket without a
  response, which httpx also reports as ``RemoteProtocolError``; the middleware shuts the
  socket first so that keep-alive does not leave the client waiting). Inner requests of a
  batch are never dropped (Graph runs them server-side); they can be throttled.
* Latency is real time (``time.sleep``), off by default; the sleeper can be swapped.
  It is added once per round trip: a batch's inner requests run server-side, side by
  side, so they add none of their own (the outer request carries it).
* A retry honours ``Retry-After`` when that many seconds passed on the wall clock *or*
  on the world's simulation clock: in-process clients wait with ``world.clock.sleep``
  (simulated time), served clients wait in real time; either way counts as waiting.
  The client is the token's ``appid``; a retry is the same method and URL.
* ``/_sim/`` control requests are neither faulted nor journaled.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
import jwt
from flask import Blueprint, Flask, Response, current_app, jsonify, request

from mocks import guard
from mocks.clock import isoformat_z
from mocks.sim import TOKEN_NEEDED, token_accepted

DEFAULT_RETRY_AFTER = 2
JOURNAL_SIZE = 100_000
# The journal's method strings, shared by its entries (not one upper-cased copy each).
_METHODS = {m: m for m in ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS")}
BATCH_ENVIRON_KEY = "mocks.graph.batch"  # set on the environ of a batch's inner requests
REQUEST_ID_ENVIRON_KEY = "mocks.graph.request_id"  # read by mocks.graph.errors.request_ids
# Query parameters whose values the journal never shows.
SECRET_PARAMS = frozenset({"client_secret", "client_assertion", "password", "access_token",
                           "refresh_token", "code", "sig", "api_key", "apikey", "key"})
# A query string without any of these letters (in any case, encoded or not) names no secret.
_SECRET_HINT = re.compile("|".join(sorted(SECRET_PARAMS)) + "|%", re.IGNORECASE)
THROTTLE_MESSAGE = "Too many requests. Please retry after the number of seconds in Retry-After."
UNAVAILABLE_MESSAGE = ("The service is temporarily unavailable. Please retry after the number of "
                       "seconds in Retry-After.")


# Request ids need to be unique, not secret: drawn from a generator seeded from the system's
# randomness (uuid.uuid4() asks the system for 16 bytes per request, a third of the
# journal's cost per request), reseeded in a forked child.
_IDS = random.Random(os.urandom(32))
os.register_at_fork(after_in_child=lambda: _IDS.seed(os.urandom(32)))
_UUID4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))  # the version and variant bits
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant


def new_request_id() -> str:
    """A random version-4 UUID in its usual text form, as ``str(uuid.uuid4())`` writes it."""
    h = f"{_IDS.getrandbits(128) & _UUID4_CLEAR | _UUID4_SET:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class FaultPlanError(ValueError):
    """A fault plan document that cannot be used; the message names what is wrong."""


class DroppedConnection(httpx.RemoteProtocolError, ConnectionError):
    """The injected "connection dropped" fault (see the module docstring)."""

    def __init__(self, message: str = "Server disconnected without sending a response.") -> None:
        httpx.RemoteProtocolError.__init__(self, message)


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------
@dataclass
class FaultRates:
    """What happens to a request: fault rates (0..1, summing to at most 1), latency, Retry-After."""

    throttle_rate: float = 0.0
    unavailable_rate: float = 0.0
    drop_rate: float = 0.0
    latency_ms: int = 0
    retry_after: int = DEFAULT_RETRY_AFTER


FAULT_KINDS = ("throttle", "unavailable", "drop")


@dataclass
class FaultRule(FaultRates):
    """Rates for requests whose path (``/v1.0`` optional) starts with ``path_prefix``.

    Aimed faults (issue 15, item 9): ``query`` narrows the rule to requests whose query
    string has every one of these parameters (``name=value``, or ``name`` alone for any
    value); ``fault`` names the fault to inject without a draw; ``nth`` limits it to the
    n-th matching requests (1-based, counted from when the plan was set). So "503 on the
    second page of group X's members" is ``{"pathPrefix": "/groups/X/members",
    "fault": "unavailable", "nth": [2]}``, the same at every run, whatever the seed.
    """

    path_prefix: str = "/"
    methods: tuple[str, ...] = ()  # empty: every method
    query: tuple[tuple[str, str | None], ...] = ()
    fault: str | None = None
    nth: tuple[int, ...] = ()
    seen: int = field(default=0, compare=False)  # matching requests so far

    def matches(self, method: str, path: str, query: str = "") -> bool:
        if self.methods and method.upper() not in self.methods:
            return False
        prefix = _strip_version(self.path_prefix).lower()
        if not _strip_version(path).lower().startswith(prefix):
            return False
        if self.query:
            given = parse_qsl(query, keep_blank_values=True)
            for name, value in self.query:
                if not any(n.lower() == name.lower() and (value is None or v == value)
                           for n, v in given):
                    return False
        return True

    def aimed(self) -> str | None:
        """Count one matching request; the fault it gets when the rule aims one, else None."""
        self.seen += 1
        if self.fault is None or (self.nth and self.seen not in self.nth):
            return None
        return self.fault


@dataclass
class Fault:
    """The decision for one request: ``kind`` is "throttle", "unavailable", "drop" or None."""

    kind: str | None
    latency_ms: int = 0
    retry_after: int = DEFAULT_RETRY_AFTER


@dataclass
class FaultPlan(FaultRates):
    """How the Graph mock misbehaves; the default plan injects nothing."""

    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_rates(self, "")
        for i, rule in enumerate(self.rules):
            _check_rates(rule, f"rules[{i}].")
        self._rng = random.Random(f"faults:{self.seed}")
        self._lock = threading.Lock()
        self.sleeper: Callable[[float], None] = time.sleep

    @property
    def active(self) -> bool:
        return any(_any_fault(r) for r in [self, *self.rules]) or any(
            r.fault for r in self.rules)

    def decide(self, method: str, path: str, in_batch: bool = False,
               query: str = "") -> Fault | None:
        """Draw the fault for one request (None: serve it normally, without latency)."""
        rates: FaultRates = next((r for r in self.rules if r.matches(method, path, query)), self)
        if isinstance(rates, FaultRule) and rates.fault is not None:
            with self._lock:
                kind = rates.aimed()
            if kind == "drop" and in_batch:
                kind = None
            if kind is None and not rates.latency_ms:
                return None
            return Fault(kind, rates.latency_ms, rates.retry_after)
        if not _any_fault(rates):
            return None
        with self._lock:
            draw = self._rng.random()
        kind = None
        edge = 0.0
        for name, rate in (("drop", rates.drop_rate), ("throttle", rates.throttle_rate),
                           ("unavailable", rates.unavailable_rate)):
            edge += rate
            if draw < edge:
                kind = name
                break
        if kind == "drop" and in_batch:
            kind = None  # inner batch requests run server-side: no connection to drop
        return Fault(kind, rates.latency_ms, rates.retry_after)

    def to_json(self) -> dict[str, Any]:
        doc = _rates_json(self)
        doc["seed"] = self.seed
        doc["rules"] = [_rule_json(r) for r in self.rules]
        return doc

    @classmethod
    def from_json(cls, doc: Any) -> FaultPlan:
        """Build a plan from its JSON form (camelCase keys); omitted keys take their defaults."""
        if not isinstance(doc, dict):
            raise FaultPlanError("the fault plan must be a JSON object")
        _only(doc, {*_RATE_KEYS, "seed", "rules"}, "")
        rates = _rates_from(doc, "")
        seed = doc.get("seed", 0)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise FaultPlanError("seed: expected an integer")
        raw_rules = doc.get("rules", [])
        if not isinstance(raw_rules, list):
            raise FaultPlanError("rules: expected a list of rule objects")
        rules = []
        for i, raw in enumerate(raw_rules):
            where = f"rules[{i}]."
            if not isinstance(raw, dict):
                raise FaultPlanError(f"rules[{i}]: expected an object")
            _only(raw, {*_RATE_KEYS, "pathPrefix", "methods", "query", "fault", "nth"}, where)
            prefix = raw.get("pathPrefix")
            if not isinstance(prefix, str) or not prefix.startswith("/"):
                raise FaultPlanError(f"{where}pathPrefix: expected a path starting with '/', "
                                     "such as '/users' or '/v1.0/groups'")
            methods = raw.get("methods", [])
            if not isinstance(methods, list) or not all(isinstance(m, str) and m for m in methods):
                raise FaultPlanError(f"{where}methods: expected a list of HTTP methods")
            rules.append(FaultRule(**asdict(_rates_from(raw, where)), path_prefix=prefix,
                                   methods=tuple(m.upper() for m in methods),
                                   **_aim_from(raw, where)))
        return cls(**asdict(rates), seed=seed, rules=rules)


def _rule_json(rule: FaultRule) -> dict[str, Any]:
    doc: dict[str, Any] = {"pathPrefix": rule.path_prefix, "methods": list(rule.methods),
                           **_rates_json(rule)}
    if rule.query:
        doc["query"] = "&".join(n if v is None else f"{n}={v}" for n, v in rule.query)
    if rule.fault:
        doc["fault"] = rule.fault
    if rule.nth:
        doc["nth"] = list(rule.nth)
    return doc


def _aim_from(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """A rule's ``query``, ``fault`` and ``nth`` (see :class:`FaultRule`), checked."""
    query = raw.get("query", "")
    if not isinstance(query, str):
        raise FaultPlanError(f"{where}query: expected a query string such as "
                             "'$skiptoken' or '$top=2&$select=id'")
    pairs = tuple((n, v if "=" in part else None) for part in query.lstrip("?").split("&")
                  if part for n, _, v in [part.partition("=")])
    fault = raw.get("fault")
    if fault is not None and fault not in FAULT_KINDS:
        raise FaultPlanError(f"{where}fault: expected one of {', '.join(FAULT_KINDS)}, "
                             f"got {fault!r}")
    nth = raw.get("nth", [])
    if isinstance(nth, int) and not isinstance(nth, bool):
        nth = [nth]
    if not isinstance(nth, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 1_000_000 for n in nth):
        raise FaultPlanError(f"{where}nth: expected a whole number from 1, or a list of them "
                             "(the n-th matching requests)")
    if nth and fault is None:
        raise FaultPlanError(f"{where}nth: give the 'fault' the n-th request gets")
    return {"query": pairs, "fault": fault, "nth": tuple(sorted(set(nth)))}


_RATE_KEYS = {"throttleRate": "throttle_rate", "unavailableRate": "unavailable_rate",
              "dropRate": "drop_rate", "latencyMs": "latency_ms", "retryAfter": "retry_after"}


def _rates_json(rates: FaultRates) -> dict[str, Any]:
    return {key: getattr(rates, attr) for key, attr in _RATE_KEYS.items()}


def _rates_from(doc: dict[str, Any], where: str) -> FaultRates:
    rates = FaultRates()
    for key, attr in _RATE_KEYS.items():
        if key in doc:
            setattr(rates, attr, doc[key])
    _check_rates(rates, where)
    return rates


def _check_rates(rates: FaultRates, where: str) -> None:
    for key, attr in _RATE_KEYS.items():
        value = getattr(rates, attr)
        if attr.endswith("_rate"):
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                raise FaultPlanError(f"{where}{key}: expected a number from 0 to 1, got {value!r}")
        elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
            unit = "seconds" if attr == "retry_after" else "milliseconds"
            raise FaultPlanError(f"{where}{key}: expected a whole number of {unit}, 0 or more, "
                                 f"got {value!r}")
    total = rates.throttle_rate + rates.unavailable_rate + rates.drop_rate
    if total > 1 + 1e-9:
        raise FaultPlanError(f"{where}throttleRate + unavailableRate + dropRate is {total:g}; "
                             "the rates share one draw per request and must sum to at most 1")


def _only(doc: dict[str, Any], allowed: Iterable[str], where: str) -> None:
    allowed = set(allowed)
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise FaultPlanError(f"{where}{unknown[0]}: unknown setting (expected one of "
                             f"{', '.join(sorted(allowed))})")


def _any_fault(rates: FaultRates) -> bool:
    return bool(rates.throttle_rate or rates.unavailable_rate or rates.drop_rate
                or rates.latency_ms)


def _strip_version(path: str) -> str:
    return path[5:] or "/" if path.lower().startswith("/v1.0") else path


# ---------------------------------------------------------------------------
# The journal
# ---------------------------------------------------------------------------
_RARE_DEFAULTS = {"fault": None, "latencyMs": 0, "retryAfter": None, "retryViolation": False,
                  "violatedRetryAfter": None}


def _rare_field(name: str, doc: str) -> property:
    """An entry field kept in the entry's ``_rare`` dict, with its default when unset."""
    default = _RARE_DEFAULTS[name]

    def get(entry: JournalEntry) -> Any:
        return default if entry._rare is None else entry._rare.get(name, default)

    def put(entry: JournalEntry, value: Any) -> None:
        if entry._rare is None:
            entry._rare = {}
        entry._rare[name] = value

    return property(get, put, doc=doc)


class JournalEntry:
    """One Graph request as the journal shows it (no secrets: no headers, query secrets masked).

    The fields only faults and throttling set live in one dict made when first set: a
    30,000-user sync journals 70,000 requests, almost none of them faulted.
    """

    __slots__ = ("seq", "wallTime", "simTime", "method", "url", "status", "clientRequestId",
                 "requestId", "client", "batch", "_rare")

    def __init__(self, seq: int, wallTime: str, simTime: str, method: str, url: str,
                 status: int | None, clientRequestId: str | None, requestId: str, client: str,
                 fault: str | None = None, latencyMs: int = 0, retryAfter: int | None = None,
                 retryViolation: bool = False, violatedRetryAfter: int | None = None,
                 batch: str | None = None) -> None:
        self.seq, self.wallTime, self.simTime = seq, wallTime, simTime
        self.method, self.url, self.status = method, url, status  # status None: dropped
        self.clientRequestId, self.requestId = clientRequestId, requestId
        self.client = client  # the token's appid, or "anonymous"
        self.batch = batch  # the request id of the enclosing $batch, for inner requests
        self._rare: dict[str, Any] | None = None
        if fault is not None or latencyMs or retryAfter is not None or retryViolation \
                or violatedRetryAfter is not None:  # rare: only then the dict
            given = {"fault": fault, "latencyMs": latencyMs, "retryAfter": retryAfter,
                     "retryViolation": retryViolation, "violatedRetryAfter": violatedRetryAfter}
            self._rare = {k: v for k, v in given.items() if v != _RARE_DEFAULTS[k]} or None

    fault = _rare_field("fault", "the fault injected, if any")
    latencyMs = _rare_field("latencyMs", "the latency injected")
    retryAfter = _rare_field("retryAfter", "the Retry-After this response carried")
    retryViolation = _rare_field("retryViolation", "a retry before the Retry-After passed")
    violatedRetryAfter = _rare_field("violatedRetryAfter",
                                     "the Retry-After the client did not wait for")

    def to_json(self) -> dict[str, Any]:
        """The entry as ``/_sim/journal`` lists it."""
        return {"seq": self.seq, "wallTime": self.wallTime, "simTime": self.simTime,
                "method": self.method, "url": self.url, "status": self.status,
                "clientRequestId": self.clientRequestId, "requestId": self.requestId,
                "client": self.client, "fault": self.fault, "latencyMs": self.latencyMs,
                "retryAfter": self.retryAfter, "retryViolation": self.retryViolation,
                "violatedRetryAfter": self.violatedRetryAfter, "batch": self.batch}

    def __repr__(self) -> str:
        return f"JournalEntry({self.to_json()!r})"


@dataclass
class _Window:
    wall_until: float
    sim_until: datetime
    retry_after: int


class Journal:
    """The last ``maxlen`` Graph requests, with early-retry detection."""

    def __init__(self, maxlen: int = JOURNAL_SIZE) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._windows: dict[tuple[str, str, str], _Window] = {}
        self._seq = 0
        self._lock = threading.Lock()

    def check_retry(self, client: str, method: str, url: str, wall: float,
                    sim: datetime) -> int | None:
        """The Retry-After this request fails to honour, or None (see the module docstring)."""
        if not self._windows:  # nobody was throttled lately: nothing to look up
            return None
        with self._lock:
            window = self._windows.get((client, method, url))
            if window is None:
                return None
            if wall < window.wall_until and sim < window.sim_until:
                return window.retry_after
            return None

    def record(self, entry: JournalEntry, wall: float, sim: datetime) -> JournalEntry:
        """Append ``entry`` (its seq is assigned here) and open or close its retry window."""
        with self._lock:
            self._seq += 1
            entry.seq = self._seq
            self._entries.append(entry)
            key = (entry.client, entry.method, entry.url)
            if entry.retryAfter is not None and entry.status in (429, 503):
                self._windows[key] = _Window(wall + entry.retryAfter,
                                             sim + timedelta(seconds=entry.retryAfter),
                                             entry.retryAfter)
            elif entry.status is not None:
                self._windows.pop(key, None)
            return entry

    def entries(self, since: int = 0, violations_only: bool = False) -> list[JournalEntry]:
        with self._lock:
            return [e for e in self._entries
                    if e.seq > since and (e.retryViolation or not violations_only)]

    def violations(self) -> list[JournalEntry]:
        return self.entries(violations_only=True)

    @property
    def last_seq(self) -> int:
        return self._seq

    def clear(self) -> None:
        """Forget the entries (sequence numbers keep counting; pending retry windows stay)."""
        with self._lock:
            self._entries.clear()


# ---------------------------------------------------------------------------
# WSGI middleware
# ---------------------------------------------------------------------------
class GraphTraffic:
    """Applies ``world.faults`` and writes ``world.journal`` for every Graph request."""

    def __init__(self, flask_app: Flask, wsgi_app: Callable) -> None:
        self.flask_app = flask_app
        self.wsgi_app = wsgi_app
        self._clients: dict[str, str] = {}
        self._last_wall: tuple[int | None, str] = (None, "")
        self._last_sim: tuple[datetime | None, str] = (None, "")

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        world = self.flask_app.config["WORLD"]
        plan: FaultPlan | None = getattr(world, "faults", None)
        journal: Journal | None = getattr(world, "journal", None)
        if path.startswith("/_sim") or plan is None or journal is None:
            return self.wsgi_app(environ, start_response)
        raw_method = environ.get("REQUEST_METHOD", "GET")
        method = _METHODS.get(raw_method) or raw_method.upper()  # one string per method
        url = path + _query(environ.get("QUERY_STRING", ""))
        client = self._client(environ.get("HTTP_AUTHORIZATION", ""))
        request_id = new_request_id()
        environ[REQUEST_ID_ENVIRON_KEY] = request_id
        client_request_id = environ.get("HTTP_CLIENT_REQUEST_ID") or None
        wall, sim = time.time(), world.clock.now()
        violated = journal.check_retry(client, method, url, wall, sim)
        batch = environ.get(BATCH_ENVIRON_KEY)
        fault = plan.decide(method, path, in_batch=batch is not None,
                            query=environ.get("QUERY_STRING", ""))
        # Interned: the 100,000 entries share one string per second, not one each.
        entry = JournalEntry(0, self._wall_stamp(wall), self._sim_stamp(sim),
                             method, url, None, client_request_id, request_id, client,
                             retryViolation=violated is not None, violatedRetryAfter=violated,
                             batch=batch)
        if fault is not None:
            latency = 0 if batch is not None else fault.latency_ms
            entry.fault, entry.latencyMs = fault.kind, latency
            if latency:
                plan.sleeper(latency / 1000)
            if fault.kind == "drop":
                journal.record(entry, wall, sim)
                _hang_up(environ)
                raise DroppedConnection()
            if fault.kind in ("throttle", "unavailable"):
                status, body = ((429, _error("TooManyRequests", THROTTLE_MESSAGE))
                                if fault.kind == "throttle"
                                else (503, _error("serviceNotAvailable", UNAVAILABLE_MESSAGE)))
                body["error"]["innerError"] = {
                    "date": entry.wallTime, "request-id": request_id,
                    "client-request-id": client_request_id or request_id}
                entry.status, entry.retryAfter = status, fault.retry_after
                journal.record(entry, wall, sim)
                payload = json.dumps(body).encode()
                reason = "Too Many Requests" if status == 429 else "Service Unavailable"
                start_response(f"{status} {reason}", [
                    ("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                    ("Retry-After", str(fault.retry_after)), ("request-id", request_id),
                    ("client-request-id", client_request_id or request_id)])
                return [payload]

        def recording_start_response(status: str, headers: list[tuple[str, str]],
                                     exc_info: Any = None) -> Callable:
            entry.status = int(status.split(" ", 1)[0])
            names = set()
            retry = None
            for name, value in headers:
                lower = name.lower()
                names.add(lower)
                if lower == "retry-after" and retry is None:
                    retry = value
            if retry is not None and retry.strip().isdigit():
                entry.retryAfter = int(retry.strip())
            journal.record(entry, wall, sim)
            headers = list(headers)
            if "request-id" not in names:  # Graph answers every request with both ids
                headers.append(("request-id", request_id))
            if "client-request-id" not in names:
                headers.append(("client-request-id", client_request_id or request_id))
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, recording_start_response)

    def _wall_stamp(self, wall: float) -> str:
        """``wall`` as the journal writes it; one string per second, interned (the 100,000
        entries share it) and made once (requests in the same second reuse it)."""
        second = int(wall)
        last = self._last_wall
        if last[0] != second:
            last = self._last_wall = (second, sys.intern(
                isoformat_z(datetime.fromtimestamp(second, UTC))))
        return last[1]

    def _sim_stamp(self, sim: datetime) -> str:
        """The simulation time as the journal writes it, made once per clock reading."""
        last = self._last_sim
        if last[0] != sim:
            last = self._last_sim = (sim, sys.intern(isoformat_z(sim)))
        return last[1]

    def _client(self, authorization: str) -> str:
        """The calling app's id from its bearer token (unverified: only for the journal)."""
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return "anonymous"
        known = self._clients.get(token)
        if known is None:
            try:
                claims = jwt.decode(token, options={"verify_signature": False})
                known = str(claims.get("appid") or claims.get("azp") or "anonymous")
            except jwt.PyJWTError:
                known = "anonymous"
            if len(self._clients) > 1000:
                self._clients.clear()
            self._clients[token] = known
        return known


def _hang_up(environ: dict[str, Any]) -> None:
    """Served: shut the client's socket (the server puts it in the environ) so no response
    (and no keep-alive) follows."""
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _query(raw: str) -> str:
    """The query string for the journal, with secret parameter values masked; remembered
    for the queries seen lately (a sync sends the same few again and again)."""
    if not raw:
        return ""
    known = _QUERIES.get(raw)
    if known is None:
        known = _masked(raw)
        if len(_QUERIES) >= 1024:
            _QUERIES.clear()
        _QUERIES[raw] = known
    return known


_QUERIES: dict[str, str] = {}


def _masked(raw: str) -> str:
    if not _SECRET_HINT.search(raw):  # no secret's name anywhere: nothing to mask
        return "?" + raw
    pairs = parse_qsl(raw, keep_blank_values=True)
    if not any(name.lower() in SECRET_PARAMS for name, _ in pairs):
        return "?" + raw
    masked = [(n, "***" if n.lower() in SECRET_PARAMS else v) for n, v in pairs]
    return "?" + urlencode(masked, safe="$,'():/@*")


# ---------------------------------------------------------------------------
# Control routes: /_sim/faults and /_sim/journal
# ---------------------------------------------------------------------------
sim_bp = Blueprint("graph_faults_sim", __name__, url_prefix="/_sim")


def _world():
    return current_app.config["WORLD"]


def _sim_error(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


@sim_bp.before_request
def _require_sim_token() -> Response | None:
    """The world's simulation token, when set, as ``Authorization: Bearer`` or ``X-Sim-Token``."""
    if not token_accepted(_world(), request.headers):
        return _sim_error(401, "unauthorized", TOKEN_NEEDED)
    why = guard.cross_site()  # F1: no changes from another site's page
    if why:
        return _sim_error(403, "crossSiteRequest", why)
    why = guard.json_content_type()
    return _sim_error(415, "unsupportedMediaType", why) if why else None


@sim_bp.get("/faults")
def get_faults() -> Response:
    """The current fault plan."""
    return jsonify(_world().faults.to_json())


@sim_bp.put("/faults")
def put_faults() -> Response:
    """Replace the fault plan (omitted settings take their defaults; ``{}`` turns faults off)."""
    raw = request.get_data(as_text=True)
    try:
        doc = guard.parse_json(raw) if raw.strip() else {}
    except guard.Refusal as refusal:
        return _sim_error(400, "invalidRequest", refusal.message)
    except ValueError as exc:
        return _sim_error(400, "invalidRequest", f"the body is not valid JSON: {exc}")
    try:
        plan = FaultPlan.from_json(doc)
    except FaultPlanError as exc:
        return _sim_error(400, "invalidFaultPlan", str(exc))
    world = _world()
    plan.sleeper = world.faults.sleeper
    world.faults = plan
    return jsonify(plan.to_json())


@sim_bp.get("/journal")
def get_journal() -> Response:
    """Journal entries after ``?since=<seq>``; ``?violations=true`` keeps early retries only."""
    since_raw = request.args.get("since", "0").strip()
    if not since_raw.isdigit():
        return _sim_error(400, "invalidRequest", f"since: expected a journal sequence number "
                          f"(a whole number, 0 or more), got {since_raw!r}")
    flag = request.args.get("violations", "false").strip().lower()
    if flag not in ("true", "false"):
        return _sim_error(400, "invalidRequest", f"violations: expected true or false, got {flag!r}")
    journal: Journal = _world().journal
    entries = journal.entries(int(since_raw), violations_only=flag == "true")
    return jsonify({"lastSeq": journal.last_seq,
                    "violationCount": sum(1 for e in entries if e.retryViolation),
                    "entries": [e.to_json() for e in entries]})


@sim_bp.delete("/journal")
def clear_journal() -> Response:
    """Forget the journal's entries."""
    _world().journal.clear()
    return Response(status=204)


def install(app: Flask) -> None:
    """Wrap the Graph app with :class:`GraphTraffic` and register ``/_sim/faults``, ``/_sim/journal``."""
    app.register_blueprint(sim_bp)
    app.wsgi_app = GraphTraffic(app, app.wsgi_app)  # type: ignore[method-assign]
    # F7: deep JSON, endless integers and deeply nested $filter are Graph's 400, not a 500.
    from mocks.graph.errors import error_response

    guard.install(app, lambda status, message: error_response(
        status, "BadRequest", message[:1].upper() + message[1:] + "."), odata=True)
