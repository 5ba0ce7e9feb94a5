"""Flask app of the Graph mock: routes only, state lives in the world's tenant."""

from __future__ import annotations

import importlib

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from mocks.entra.models import EntraError
from mocks.graph.errors import GraphError, error_response
from mocks.graph.inner import SHARED_KEY, InnerRequestContext
from mocks.graph.jsonbody import JSON_CONTENT_TYPE, GraphJSONProvider

# Route modules, each exposing a Flask ``bp`` Blueprint mounted under /v1.0.
ROUTE_MODULES = ("users", "groups", "relations", "directory", "photos", "calendars", "delta",
                 "batch")


# Graph's path segments are case-insensitive (``/transitivemembers`` is ``/transitiveMembers``):
# these are spelt back to the routes' casing before routing.
SEGMENTS = {name.lower(): name for name in (
    "users", "groups", "directory", "directoryObjects", "deletedItems", "domains", "organization",
    "members", "transitiveMembers", "owners", "memberOf", "transitiveMemberOf", "manager",
    "directReports", "photo", "photos", "calendar", "calendars", "events", "calendarView",
    "checkMemberGroups", "getMemberGroups", "getByIds", "restore", "delta")}


def _canonical_segments(wsgi_app):
    """WSGI wrapper: known segments of a ``/v1.0/...`` path in the casing the routes use."""
    def app(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/v1.0/"):
            parts = path.split("/")  # "", "v1.0", then the segments to spell
            parts[2:] = [SEGMENTS.get(part.lower(), part) for part in parts[2:]]
            environ["PATH_INFO"] = "/".join(parts)
        return wsgi_app(environ, start_response)
    return app


class GraphResponse(Response):
    """Flask's response, handing WSGI its headers and body chunks as they are when none of
    werkzeug's fix-ups applies (the usual case; copying and wrapping them was a tenth of
    a small request's cost)."""

    def get_wsgi_response(self, environ):
        if self._plain(environ):
            return list(self.response), self.status, list(self.headers)
        return super().get_wsgi_response(environ)

    def _plain(self, environ) -> bool:
        """Whether werkzeug would give WSGI exactly these headers and body chunks: a
        buffered body of bytes with its length, nothing to run on close, no HEAD, no
        status without a body, no Location or Content-Location to turn into a URI."""
        status = self.status_code
        if status < 200 or status in (204, 304) or environ.get("REQUEST_METHOD") == "HEAD" \
                or self.direct_passthrough or self._on_close \
                or not isinstance(self.response, list | tuple) \
                or not all(isinstance(chunk, bytes) for chunk in self.response):
            return False
        length = False
        for name, _ in self.headers:
            lower = name.lower()
            if lower in ("location", "content-location"):
                return False
            length = length or lower == "content-length"
        return length


class GraphFlask(Flask):
    """Flask, remembering which views and hooks are plain functions: Flask asks
    ``inspect`` again for each of them on every request (three times per request, and a
    ``$batch`` runs up to twenty)."""

    response_class = GraphResponse

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._plain: set = set()

    def ensure_sync(self, func):
        if func in self._plain:
            return func
        wrapped = super().ensure_sync(func)
        if wrapped is func and len(self._plain) < 4096:  # views, hooks: a fixed few
            self._plain.add(func)
        return wrapped

    def request_context(self, environ):
        """An inner ``$batch`` request's context shares what its batch set up once
        (:mod:`mocks.graph.inner`); any other request gets Flask's own."""
        shared = environ.get(SHARED_KEY)
        if shared is not None and shared.app is self and shared.current():
            return InnerRequestContext(self, environ, shared)
        return super().request_context(environ)

    def create_url_adapter(self, request):
        """Flask's adapter; for an inner request, from its batch's binding (unless trusted
        hosts are configured: Flask checks them while binding)."""
        if request is not None:
            shared = request.environ.get(SHARED_KEY)
            if shared is not None and shared.app is self and self.config["TRUSTED_HOSTS"] is None:
                return shared.url_adapter(request, super().create_url_adapter)
        return super().create_url_adapter(request)


def create_app(world) -> Flask:
    """Build the Graph v1.0 app over ``world`` (a :class:`mocks.world.World`)."""
    app = GraphFlask("mocks.graph", static_folder=None)  # no /static route: all are Graph's
    app.config["WORLD"] = world
    app.json = GraphJSONProvider(app)  # keys in insertion order, as Graph writes them
    app.url_map.strict_slashes = False
    for name in ROUTE_MODULES:
        module = importlib.import_module(f"mocks.graph.{name}")
        app.register_blueprint(module.bp, url_prefix="/v1.0")
    app.register_blueprint(importlib.import_module("mocks.sim.responses").bp)  # /_sim/ control API
    # inside the traffic layer, which stays app.wsgi_app (the reliability harness reaches it)
    app.wsgi_app = _canonical_segments(app.wsgi_app)
    importlib.import_module("mocks.graph.faults").install(app)  # faults, journal, /_sim/faults

    @app.after_request
    def _odata_headers(response):
        """Graph's OData headers: the full JSON media type and ``OData-Version: 4.0``."""
        # One pass over the headers: looking up an absent name in werkzeug's Headers
        # raises and catches a KeyError (setdefault did, a twentieth of a small request).
        content_type, versioned = None, False
        for name, value in response.headers:
            lower = name.lower()
            if lower == "content-type" and content_type is None:
                content_type = value
            versioned = versioned or lower == "odata-version"
        if content_type != JSON_CONTENT_TYPE and response.mimetype == "application/json":
            response.headers["Content-Type"] = JSON_CONTENT_TYPE
        if not versioned and request.path.startswith("/v1.0"):
            response.headers["OData-Version"] = "4.0"
        return response

    @app.errorhandler(GraphError)
    def _graph_error(exc: GraphError):
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.errorhandler(EntraError)
    def _entra_error(exc: EntraError):
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        codes = {404: "Request_ResourceNotFound", 405: "Request_BadRequest",
                 415: "UnsupportedMediaType", 413: "RequestEntityTooLarge"}
        code = codes.get(exc.code or 400, "BadRequest")
        if exc.code == 404:
            return error_response(400, "BadRequest",
                                  "Resource not found for the segment in the request URL.")
        return error_response(exc.code or 400, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # never a stack trace to the client
        app.logger.exception("unhandled error in the Graph mock")
        return error_response(500, "generalException",
                              "An unexpected error occurred in the Graph mock.")

    return app
