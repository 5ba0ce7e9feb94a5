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
  a null session; the first inner request's is reused by the others.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from flask import Flask, Request
from flask.ctx import RequestContext
from flask.globals import _cv_app
from werkzeug.routing import MapAdapter

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
        return MapAdapter(base.map, base.server_name, base.script_name, base.subdomain,
                          base.url_scheme, "/" if path is None else path,
                          environ["REQUEST_METHOD"], _decoded(get("QUERY_STRING")))


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
