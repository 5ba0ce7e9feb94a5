"""What the inner requests of one ``$batch`` share, so that each costs less than a request
sent alone while being answered exactly as one.

Every inner request still runs through the Graph app's whole WSGI stack (faults and
journal, anything installed under them, Flask's hooks, error handlers and signals).
Three things a request alone sets up and tears down each time are set up once per
batch instead (they were about a third of an inner request's cost):

* the app context: one per batch, pushed in the inner requests' own
  ``contextvars.Context`` (apart from the batch's); each inner request still gets a
  fresh ``g``, as with an app context of its own;
* the URL binding: ``Map.bind_to_environ`` reads the scheme, host, port and script
  name, the same for every inner request of a batch; it runs once per distinct set of
  those values, and each inner request gets an adapter with its own path, method and
  query (what routing reads per request);
* the null session: Flask's session interface gives a request without a secret key
  a null session; the first inner request's is reused by the others;
* routing: an inner request's path differs from its neighbours' mostly in its ids
  (``/users/{id}/photo`` twenty times). The router is asked once per path shape (the
  path with each lower-case GUID segment standing for any) and method; the rule it
  found and the values it took from the path serve the batch's other requests of that
  shape (see :class:`_RoutingMemo` for why that is the router's own answer).
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Request
from flask.ctx import RequestContext
from flask.globals import _cv_app
from werkzeug.routing import MapAdapter, Rule

# The environ key under which an inner request carries its batch's :class:`BatchShared`.
SHARED_KEY = "mocks.graph.batch_shared"


class BatchShared:
    """The state one batch's inner requests share (see the module docstring); use it as a
    context manager around them and run each with :meth:`run`."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.app_context = app.app_context()
        self.context = contextvars.Context()
        self.session: Any = None
        self._bindings: dict[tuple[Any, ...], MapAdapter] = {}
        self._routes: dict[tuple[Any, ...], _RoutingMemo] = {}

    def __enter__(self) -> BatchShared:
        self.context.run(self.app_context.push)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.context.run(self.app_context.pop, exc_info[1])

    def run(self, func: Callable[..., Any], *args: Any) -> Any:
        """Call ``func`` in the inner requests' context (where the batch's app context is)."""
        return self.context.run(func, *args)

    def current(self) -> bool:
        """Whether this batch's app context is the current one (an inner request runs)."""
        return _cv_app.get(None) is self.app_context

    def url_adapter(self, request: Request, bind: Callable[[Request], MapAdapter]) -> MapAdapter:
        """The adapter ``bind`` (Flask's own) would give ``request``, binding once per batch
        and host, then only putting this request's path, method and query into it."""
        environ = request.environ
        get = environ.get
        key = (get("wsgi.url_scheme"), get("HTTP_HOST"), get("SERVER_NAME"),
               get("SERVER_PORT"), get("SCRIPT_NAME"), get("HTTP_CONNECTION"),
               get("HTTP_UPGRADE"))  # what bind_to_environ reads besides path and query
        base = self._bindings.get(key)
        if base is None:
            base = self._bindings[key] = bind(request)
            return base
        path = _decoded(get("PATH_INFO"))
        routes = self._routes.get(key)
        if routes is None:
            routes = self._routes[key] = _RoutingMemo()
        return _InnerAdapter(routes, base.map, base.server_name, base.script_name,
                             base.subdomain, base.url_scheme, "/" if path is None else path,
                             environ["REQUEST_METHOD"], _decoded(get("QUERY_STRING")))


_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class _RoutingMemo:
    """What the router answered per path shape and method, for one batch and binding.

    Why a lower-case GUID segment can stand for any other: werkzeug's router compares a
    segment with the rules' fixed words (none is a GUID) and with the converters'
    patterns (``[^/]+``, ``path``, ``uuid``: each takes every such GUID or none;
    ``int``, ``float`` and ``any`` take none), so two paths that differ only in such
    segments take the same rule, and each value it returns is one whole segment. Only
    plain successes are kept: a value that is not one segment's text (or a GUID that
    occurs twice, so that which one a value came from is unclear), a converted value, a
    redirect or any error is left to the router every time.
    """

    __slots__ = ("answers",)

    def __init__(self) -> None:
        self.answers: dict[tuple[Any, ...], tuple[Rule, tuple[tuple[str, int | None, Any], ...]]
                           | None] = {}


class _InnerAdapter(MapAdapter):
    """Flask's URL adapter for an inner request, routing by its batch's memo."""

    def __init__(self, memo: _RoutingMemo, *args: Any) -> None:
        super().__init__(*args)
        self.memo = memo

    def match(self, path_info: str | None = None, method: str | None = None,  # type: ignore[override]
              return_rule: bool = False, query_args: Any = None,
              websocket: bool | None = None) -> tuple[Any, Mapping[str, Any]]:
        if path_info is not None or method is not None or not return_rule \
                or query_args is not None or websocket is not None or self.websocket:
            return super().match(path_info, method, return_rule, query_args, websocket)
        segments = self.path_info.split("/")
        ids = [i for i, part in enumerate(segments) if len(part) == 36 and _GUID.fullmatch(part)]
        if len({segments[i] for i in ids}) != len(ids):
            return super().match(return_rule=True)
        shape = list(segments)
        for i in ids:
            shape[i] = None  # type: ignore[call-overload]
        key = (self.default_method.upper(), *shape)
        known = self.memo.answers.get(key)
        if known is not None:
            rule, spec = known
            return rule, {name: segments[at] if at is not None else value
                          for name, at, value in spec}
        rule, values = super().match(return_rule=True)
        if key not in self.memo.answers:
            self.memo.answers[key] = _kept(rule, values, {segments[i]: i for i in ids})
        return rule, values


def _kept(rule: Rule, values: Mapping[str, Any], ids: dict[str, int]
          ) -> tuple[Rule, tuple[tuple[str, int | None, Any], ...]] | None:
    """The memo's entry for a match (None: this shape is routed by the router each time)."""
    if rule.redirect_to is not None or any(
            other.defaults for other in rule.map._rules_by_endpoint.get(rule.endpoint, ())):
        return None  # the router may redirect to a rule with defaults: ask it each time
    spec = []
    for name, value in values.items():
        if type(value) is not str:
            return None
        at = ids.get(value)
        if at is None and any(guid in value for guid in ids):
            return None  # a value spanning segments (a path converter)
        spec.append((name, at, None if at is not None else value))
    return rule, tuple(spec)


def _decoded(text: str | None) -> str | None:
    """A WSGI string as bind_to_environ decodes it (werkzeug's "decoding dance")."""
    if text is None or text.isascii():  # latin-1 and UTF-8 agree on ASCII
        return text
    return text.encode("latin1").decode(errors="replace")


class InnerRequestContext(RequestContext):
    """Flask's request context for an inner request: the batch's app context (with a fresh
    ``g``), its null session, its URL binding (see :class:`BatchShared`)."""

    def __init__(self, app: Flask, environ: dict[str, Any], shared: BatchShared) -> None:
        self.shared = shared
        super().__init__(app, environ, session=shared.session)

    def copy(self) -> RequestContext:
        """Flask's copy (for a generator or thread that outlives the request): a plain
        request context with the same request and session."""
        return RequestContext(self.app, self.request.environ, self.request, self._session)

    def push(self) -> None:
        self.shared.app_context.g = self.app.app_ctx_globals_class()  # as a new app context
        super().push()
        if self.shared.session is None and self.app.session_interface.is_null_session(
                self._session):
            self.shared.session = self._session
