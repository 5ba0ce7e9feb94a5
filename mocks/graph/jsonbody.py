"""The Graph app's JSON bodies (encoded with orjson), and a batch answer that reuses its
inner bodies' bytes.

Bodies are encoded by orjson: compact, keys in insertion order, non-ASCII text as UTF-8
(Graph's own bodies carry it unescaped too), about twenty times faster than the
standard library on a 100-user page. Values orjson does not know natively (dates,
dataclasses, ...) go through Flask's own ``default``, as before; anything orjson
refuses (an integer beyond 64 bits, a lone surrogate) falls back to ``json.dumps``.

A ``$batch`` answer holds each inner response's JSON body. Parsing an inner body only
to encode it again in the outer answer costs about as much as the inner request's own
encoding (a 999-member page more). The Graph app's JSON provider therefore notes, for
an inner request, the exact bytes it encoded; when the inner response's body is still
those bytes, the batch places them into its answer as they are. The result is byte for
byte what parsing and re-encoding gives: the same encoder, and JSON that this encoder
wrote reads back to values it writes the same way.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Response, current_app
from flask.globals import _cv_request
from flask.json.provider import DefaultJSONProvider

from mocks.graph.faults import BATCH_ENVIRON_KEY

# Graph's JSON media type, with the OData format parameters it always sends.
JSON_CONTENT_TYPE = ("application/json;odata.metadata=minimal;odata.streaming=true;"
                     "IEEE754Compatible=false;charset=utf-8")
# Set on an inner batch request's environ: the body bytes the JSON provider produced.
ENCODED_KEY = "mocks.graph.encoded_json"
# Dates and dataclasses go to Flask's ``default`` (an HTTP date, a dict), as json.dumps did.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class GraphJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider writing compact orjson bytes (keys in insertion order) that
    remembers an inner batch request's encoded body for :func:`batch_response`."""

    sort_keys = False

    def encode(self, obj: Any) -> bytes:
        """``obj`` as compact JSON bytes; the same value always gives the same bytes."""
        try:
            return orjson.dumps(obj, default=self.default, option=_OPTIONS)
        except TypeError:  # orjson.JSONEncodeError included: the standard library decides
            return json.dumps(obj, default=self.default, separators=(",", ":"),
                              sort_keys=False).encode()

    def compact_output(self) -> bool:
        """Whether bodies are compact here (Flask indents them in debug, or when asked)."""
        return not ((self.compact is None and self._app.debug) or self.compact is False)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if not self.compact_output():
            return super().response(*args, **kwargs)
        data = self.encode(self._prepare_response_obj(args, kwargs)) + b"\n"
        # born with Graph's full JSON type, which the app's after_request would give it
        response = self._app.response_class(data, content_type=JSON_CONTENT_TYPE)
        ctx = _cv_request.get(None)  # the request context, if any (what request.environ reads)
        if ctx is not None:
            environ = ctx.request.environ
            if BATCH_ENVIRON_KEY in environ:
                environ[ENCODED_KEY] = data
        return response


class Encoded:
    """An inner response body kept as the JSON bytes the Graph app wrote (no newline)."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw


def reusable(environ: dict[str, Any], raw: bytes) -> Encoded | None:
    """The inner body as :class:`Encoded` when it is exactly what the provider wrote in
    the compact form the batch answer uses; None when it must be parsed instead. (The
    provider notes a body only when it writes the compact form: a note is the proof.)"""
    noted = environ.get(ENCODED_KEY)
    if noted is None or (noted is not raw and noted != raw) or not raw.endswith(b"\n"):
        return None
    return Encoded(raw[:-1])


def batch_response(responses: list[dict[str, Any]]) -> Response:
    """``{"responses": [...]}`` as the provider writes it, with :class:`Encoded` bodies
    (each the last key of its response) placed as they are."""
    if not any(isinstance(r.get("body"), Encoded) for r in responses):
        return current_app.json.response({"responses": responses})
    encode = current_app.json.encode
    parts = []
    for item in responses:
        body = item.get("body")
        if isinstance(body, Encoded) and (next(reversed(item)) != "body" or len(item) < 2):
            item = {k: json.loads(v.raw) if isinstance(v, Encoded) else v
                    for k, v in item.items()}  # not the layout below: the plain way
            body = item.get("body")
        if isinstance(body, Encoded):
            head = encode({k: v for k, v in item.items() if k != "body"})
            parts.append(head[:-1] + b',"body":' + body.raw + b"}")
        else:
            parts.append(encode(item))
    data = b'{"responses":[' + b",".join(parts) + b"]}\n"
    return current_app.response_class(data, content_type=JSON_CONTENT_TYPE)
