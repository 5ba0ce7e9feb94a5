"""Graph's error body, as every Graph endpoint returns it.

``{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}``
with ``client-request-id`` echoed from the request when the client sent one.
"""

from __future__ import annotations

import uuid

from flask import Response, current_app, g, has_request_context, jsonify, request


class GraphError(Exception):
    """Raise anywhere in a Graph route to answer with Graph's error body."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def request_ids() -> tuple[str, str | None]:
    """The request id the mock gives this request, and the client's own id if sent."""
    if not has_request_context():
        return str(uuid.uuid4()), None
    if "request_id" not in g:  # the id the fault/journal middleware gave it, when present
        g.request_id = request.environ.get("mocks.graph.request_id") or str(uuid.uuid4())
    return g.request_id, request.headers.get("client-request-id")


def error_date() -> str:
    """The error's ``innerError.date``: the world's time, without a zone suffix as Graph writes it."""
    from datetime import UTC, datetime

    world = current_app.config.get("WORLD") if has_request_context() else None
    now = world.clock.now() if world is not None else datetime.now(UTC)
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def error_body(code: str, message: str, now: str | None = None) -> dict:
    request_id, client_request_id = request_ids()
    inner = {"date": now or error_date(), "request-id": request_id,
             "client-request-id": client_request_id or request_id}
    return {"error": {"code": code, "message": message, "innerError": inner}}


def error_response(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    response = jsonify(error_body(code, message))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
