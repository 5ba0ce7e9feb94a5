"""The Graph app's JSON bodies, and a batch answer that reuses its inner bodies' bytes.

A ``$batch`` answer holds each inner response's JSON body. Parsing an inner body only
to encode it again in the outer answer costs about as much as the inner request's own
encoding (a 999-member page more). The Graph app's JSON provider therefore notes, for
an inner request, the exact bytes it encoded; when the inner response's body is still
those bytes, the batch places them into its answer as they are. The result is byte for
byte what parsing and re-encoding gives: the same encoder, the same settings, and JSON
that this encoder wrote reads back to values it writes the same way.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, has_request_context, request
from flask.json.provider import DefaultJSONProvider

from mocks.graph.faults import BATCH_ENVIRON_KEY

# Set on an inner batch request's environ: the body bytes the JSON provider produced.
ENCODED_KEY = "mocks.graph.encoded_json"


class GraphJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider (keys in insertion order) that remembers an inner batch
    request's encoded body for :func:`batch_response`."""

    sort_keys = False

    def response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().response(*args, **kwargs)
        if has_request_context():
            environ = request.environ
            if BATCH_ENVIRON_KEY in environ:
                environ[ENCODED_KEY] = response.get_data()
        return response


class Encoded:
    """An inner response body kept as the JSON text the Graph app wrote."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def reusable(environ: dict[str, Any], raw: bytes) -> Encoded | None:
    """The inner body as :class:`Encoded` when it is exactly what the provider wrote in
    the compact form the batch answer uses; None when it must be parsed instead."""
    if not _compact() or environ.get(ENCODED_KEY) != raw or not raw.endswith(b"\n"):
        return None
    try:
        return Encoded(raw[:-1].decode("utf-8"))
    except UnicodeDecodeError:
        return None


def _compact() -> bool:
    """Whether Flask's provider writes compact JSON here (not indented, as in debug)."""
    provider = current_app.json
    compact = getattr(provider, "compact", None)
    return not ((compact is None and current_app.debug) or compact is False)


def batch_response(responses: list[dict[str, Any]]) -> Response:
    """``{"responses": [...]}`` as ``jsonify`` writes it, with :class:`Encoded` bodies
    (each the last key of its response) placed as they are."""
    if not any(isinstance(r.get("body"), Encoded) for r in responses):
        return current_app.json.response({"responses": responses})
    dumps = current_app.json.dumps
    parts = []
    for item in responses:
        body = item.get("body")
        if isinstance(body, Encoded) and (next(reversed(item)) != "body" or len(item) < 2):
            item = {k: json.loads(v.text) if isinstance(v, Encoded) else v
                    for k, v in item.items()}  # not the layout below: the plain way
            body = item.get("body")
        if isinstance(body, Encoded):
            head = dumps({k: v for k, v in item.items() if k != "body"}, separators=(",", ":"))
            parts.append(f'{head[:-1]},"body":{body.text}}}')
        else:
            parts.append(dumps(item, separators=(",", ":")))
    text = '{"responses":[' + ",".join(parts) + "]}\n"
    return current_app.response_class(text, mimetype=current_app.json.mimetype)
