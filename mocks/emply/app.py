"""Flask app of the Emply People mock: its REST API, its OpenAPI document, ``/_sim/``.

Every error is answered as ``{"error": {"code", "message"}}``, never a trace, and
request logging never shows an API key: the ``apiKey`` parameter is redacted in
this app's request log and in the werkzeug server log.
"""

from __future__ import annotations

import importlib.util
import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from mocks import guard
from mocks.emply import openapi
from mocks.emply.errors import EmplyError
from mocks.emply.pages import bp as pages_bp
from mocks.emply.responses import bp
from mocks.emply.sync_routes import bp as sync_bp

REQUEST_LOG = logging.getLogger("mocks.emply.requests")
_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
                 411: "length_required", 413: "payload_too_large", 414: "uri_too_long",
                 415: "unsupported_media_type", 421: "misdirected_request", 422: "unprocessable",
                 429: "too_many_requests"}

# Secrets in request logs (apiKey, simToken, client_secret, access_token...) are redacted.
redact = guard.redact
RedactApiKeys = guard.RedactSecrets


def install_log_redaction() -> None:
    """Redact secrets in werkzeug's access log (it logs full request lines), ours, and
    httpx's (its INFO line shows the URL a client called, ``apiKey`` included)."""
    guard.install_log_redaction(("werkzeug", REQUEST_LOG.name, "httpx"))


def error(status: int, code: str, message: str):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def create_app(world) -> Flask:
    """Build the Emply People app over ``world`` (a :class:`mocks.world.World`)."""
    app = Flask("mocks.emply")
    app.config["WORLD"] = world
    app.json.sort_keys = False
    app.url_map.strict_slashes = False
    install_log_redaction()
    # Deep or strange JSON bodies are a 400 before any route parses them (F7).
    guard.install(app, lambda status, message: error(
        status, _STATUS_CODES.get(status, "bad_request"), message[:1].upper() + message[1:] + "."))
    app.register_blueprint(bp, url_prefix="/v1/<customer>")
    app.register_blueprint(sync_bp, url_prefix="/v1/<customer>")
    app.register_blueprint(pages_bp, url_prefix="/ui")  # demo pages, see mocks/emply/pages.py
    if importlib.util.find_spec("mocks.sim.responses") is not None:
        from mocks.sim.responses import bp as sim_bp

        app.register_blueprint(sim_bp)

    @app.get("/openapi.json")
    def openapi_document():
        return jsonify(openapi.document(world.emply.customer))

    @app.get("/v1/<customer>/openapi.json")
    def customer_openapi_document(customer: str):
        if customer.lower() != world.emply.customer.lower():
            raise EmplyError(404, "unknown_customer", f"No Emply customer named '{customer}'.")
        return jsonify(openapi.document(world.emply.customer))

    @app.after_request
    def _log(response):
        REQUEST_LOG.info("%s %s -> %s", request.method, redact(request.full_path.rstrip("?")),
                         response.status_code)
        return response

    @app.errorhandler(EmplyError)
    def _emply_error(exc: EmplyError):
        return error(exc.status, exc.code, exc.message)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 400
        if status == 404:
            message = f"No such resource: {request.method} {request.path}."
        elif status == 405:
            message = f"{request.method} is not allowed on {request.path}."
        else:
            message = exc.description or exc.name
        return error(status, _STATUS_CODES.get(status, "bad_request"), message)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # never a stack trace to the client
        app.logger.error("unhandled error in the Emply mock: %s %s: %s", request.method,
                         request.path, type(exc).__name__, exc_info=exc)
        return error(500, "internal_error", "An unexpected error occurred in the Emply mock.")

    return app
