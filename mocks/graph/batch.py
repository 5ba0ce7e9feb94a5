"""Graph JSON batching: ``POST /v1.0/$batch`` with up to 20 requests.

Each inner request is dispatched through the whole Graph WSGI app (fault injection,
journal, authentication and permissions apply to it as to any request), with the
outer request's ``Authorization`` and ``client-request-id``; what is the same for all
of a batch's inner requests (app context, URL binding, null session) is set up once
per batch (:mod:`mocks.graph.inner`). Inner requests run in
order, each after the requests it ``dependsOn``; one whose dependency failed gets 424.
The outer answer is 200 whenever the batch itself is well formed, also when inner
requests are throttled (their 429 carries its own ``Retry-After``). Binary inner
bodies are base64 in both directions, as Graph does.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, request
from werkzeug.test import EnvironBuilder

from mocks.graph import jsonbody, odata
from mocks.graph.auth import bearer_claims
from mocks.graph.errors import GraphError, error_body, request_ids
from mocks.graph.faults import BATCH_ENVIRON_KEY
from mocks.graph.inner import SHARED_KEY, BatchShared

bp = Blueprint("graph_batch", __name__)

MAX_REQUESTS = 20
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
# Headers of an inner response that the batch response does not repeat.
_HOP_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
NESTED = "A batch request cannot contain another $batch request."


def _bad(message: str) -> GraphError:
    return GraphError(400, "BadRequest", message)


def parse_batch(body: Any) -> list[dict[str, Any]]:
    """Validate the batch body; return its requests in execution order (dependencies first)."""
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not requests:
        raise _bad("Invalid batch payload format: the body must be a JSON object with a "
                   "non-empty 'requests' array.")
    if len(requests) > MAX_REQUESTS:
        raise _bad(f"Invalid batch payload format: {len(requests)} requests were sent; a JSON "
                   f"batch can hold at most {MAX_REQUESTS} requests.")
    seen: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(requests):
        if not isinstance(item, dict):
            raise _bad(f"Invalid batch payload format: requests[{i}] is not a JSON object.")
        for name in ("id", "method", "url"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                raise _bad(f"Invalid batch payload format: requests[{i}] has no '{name}' string.")
        key = item["id"].lower()  # ids are not case-sensitive
        if key in seen:
            raise _bad(f"Invalid batch payload format: the request id '{item['id']}' is used by "
                       "more than one request; ids must be unique in a batch.")
        seen[key] = item
        depends = item.get("dependsOn", [])
        if not isinstance(depends, list) or not all(isinstance(d, str) for d in depends):
            raise _bad(f"Invalid batch payload format: dependsOn of request '{item['id']}' must "
                       "be an array of request ids.")
    for item in requests:
        for dep in item.get("dependsOn", []):
            if dep.lower() not in seen:
                raise _bad(f"Invalid batch payload format: request '{item['id']}' depends on "
                           f"'{dep}', which is not a request of this batch.")
    return _ordered(requests, seen)


def _ordered(requests: list[dict[str, Any]], by_id: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Depth-first order in which every request follows its dependencies; cycles are refused."""
    order: list[dict[str, Any]] = []
    state: dict[str, str] = {}

    def visit(item: dict[str, Any]) -> None:
        key = item["id"].lower()
        if state.get(key) == "done":
            return
        if state.get(key) == "visiting":
            raise _bad(f"Invalid batch payload format: dependsOn forms a cycle through request "
                       f"'{item['id']}'.")
        state[key] = "visiting"
        for dep in item.get("dependsOn", []):
            visit(by_id[dep.lower()])
        state[key] = "done"
        order.append(item)

    for item in requests:
        visit(item)
    return order


class _Refused(Exception):
    """An inner request that cannot be dispatched; ``response`` is its batch response."""

    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__(response["status"])
        self.response = response


def _inner_error(inner_id: str, status: int, code: str, message: str) -> dict[str, Any]:
    return {"id": inner_id, "status": status, "headers": {"Content-Type": "application/json"},
            "body": error_body(code, message)}


def _refuse(item: dict[str, Any], message: str) -> _Refused:
    return _Refused(_inner_error(item["id"], 400, "BadRequest", message))


class _Outer(NamedTuple):
    """What every inner request takes from the batch request (read once per batch)."""

    request_id: str
    authorization: str | None
    client_request_id: str | None
    template: dict[str, Any]  # what every inner environ shares (see _template)


def _environ(item: dict[str, Any], outer: _Outer) -> dict[str, Any]:
    """The WSGI environ of one inner request; raises :class:`_Refused` with an inner error."""
    method = item["method"].strip().upper()
    if method not in METHODS:
        raise _refuse(item, f"Invalid method '{item['method']}' in request '{item['id']}'.")
    url = item["url"].strip()
    if url.lower().startswith(("http://", "https://")):
        parts = urlsplit(url)
        url = parts.path + ("?" + parts.query if parts.query else "")
    url = "/" + url.lstrip("/")
    if url.lower().startswith("/v1.0/"):
        url = url[5:]
    if _names_batch(url):
        raise _refuse(item, NESTED)
    headers = item.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise _refuse(item, f"The headers of request '{item['id']}' must be an object of strings.")
    if headers and any("\n" in text or "\r" in text for pair in headers.items() for text in pair):
        # werkzeug refuses to build such a request (it raised, and the batch answered 500)
        raise _refuse(item, f"The headers of request '{item['id']}' must not contain line "
                            "breaks.")
    header_names = {k.lower(): k for k in headers} if headers else {}
    data: bytes | None = None
    if item.get("body") is not None:
        if "content-type" not in header_names:
            raise _refuse(item, f"Request '{item['id']}' has a body but no Content-Type header; "
                                "a Content-Type header is required when a body is given.")
        ctype = headers[header_names["content-type"]].lower()
        body = item["body"]
        if "json" in ctype or not isinstance(body, str):
            data = json.dumps(body).encode()
        else:
            try:
                data = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raise _refuse(item, f"The body of request '{item['id']}' must be base64 for "
                                    f"Content-Type '{ctype}'.") from None
    send = {k: v for k, v in headers.items() if k.lower() not in ("authorization", "host")}
    if outer.authorization:
        send["Authorization"] = outer.authorization
    if "client-request-id" not in header_names and outer.client_request_id:
        send["client-request-id"] = outer.client_request_id
    path, _, query = ("/v1.0" + url).partition("?")
    environ = _quick_environ(method, path, query, send, data, outer.template)
    if environ is None:  # unusual input: werkzeug's builder, which knows every corner
        builder = EnvironBuilder(path=path, query_string=query, method=method, headers=send,
                                 data=data, base_url=odata.host_url())
        try:
            environ = builder.get_environ()
        finally:
            builder.close()
    environ[BATCH_ENVIRON_KEY] = outer.request_id
    return environ


# Characters werkzeug's EnvironBuilder passes through a path or query unchanged (no
# quoting, no unquoting, no re-encoding): with only these, the environ is built here.
_PLAIN_URL = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,/:;=@?]*")
_TOKEN = re.compile(r"[A-Za-z0-9!#$%&'*+\-.^_`|~]+")  # a header name as HTTP defines it
_TEMPLATES: dict[str, dict[str, Any]] = {}


def _template() -> dict[str, Any]:
    """What every inner environ of a batch to this host shares (server, scheme, streams)."""
    base = odata.host_url()
    template = _TEMPLATES.get(base)
    if template is None:
        builder = EnvironBuilder(path="/", base_url=base)
        try:
            template = builder.get_environ()
        finally:
            builder.close()
        for key in ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "REQUEST_URI", "RAW_URI",
                    "wsgi.input", "CONTENT_TYPE", "CONTENT_LENGTH"):
            template.pop(key, None)
        if len(_TEMPLATES) >= 64:
            _TEMPLATES.clear()
        _TEMPLATES[base] = template
    return template


def _quick_environ(method: str, path: str, query: str, headers: dict[str, str],
                   data: bytes | None, template: dict[str, Any] | None = None
                   ) -> dict[str, Any] | None:
    """The environ EnvironBuilder would build for a plain inner request, at a fraction of
    its cost (a batch of 20 built 20 builders); None when the request is not plain.
    ``template``: :func:`_template` of this request's host, when the caller has it."""
    if not (_PLAIN_URL.fullmatch(path) and _PLAIN_URL.fullmatch(query)):
        return None
    content_type = None
    fields: dict[str, str] = {}
    for name, value in headers.items():
        lower = name.lower()
        if not (_TOKEN.fullmatch(name) and value.isascii()) or "\n" in value or "\r" in value \
                or lower == "content-length" or (
                lower == "content-type" and data is None):
            return None
        if lower == "content-type":
            content_type = value
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        fields[key] = fields[key] + ", " + value if key in fields else value  # as werkzeug joins
    environ = dict(_template() if template is None else template)
    environ.update(fields)
    environ.update({"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query,
                    "REQUEST_URI": path, "RAW_URI": path, "wsgi.input": io.BytesIO(data or b"")})
    if data is not None:
        if content_type is not None:
            environ["CONTENT_TYPE"] = content_type
        environ["CONTENT_LENGTH"] = str(len(data))
    return environ


def _names_batch(url: str) -> bool:
    """Whether a URL's path, decoded and cleaned up as a router would, is ``$batch``."""
    if "%" not in url and "$batch" not in url.lower() and url.isascii() and url.isprintable() \
            and " " not in url:
        return False  # nothing to decode or drop: no $batch segment can appear
    path = unquote(url.split("#", 1)[0].split("?", 1)[0])
    if not (path.isascii() and path.isprintable()) or " " in path:  # else nothing to drop
        path = "".join(ch for ch in path if ch.isprintable() and not ch.isspace())
    path = path.lower()
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    if segments[:1] == ["v1.0"]:
        segments = segments[1:]
    return "$batch" in segments


def _dispatch(item: dict[str, Any], outer: _Outer, shared: BatchShared) -> dict[str, Any]:
    """Run one inner request through the whole Graph app; its batch response."""
    try:
        environ = _environ(item, outer)
    except _Refused as refused:
        return refused.response
    environ[SHARED_KEY] = shared
    try:
        # Apart from the batch's contexts: the inner request gets its own request context
        # (and g) in the app context its batch shares (mocks.graph.inner).
        status, headers, raw = shared.run(_call, shared.app, environ)
    except Exception:  # never a stack trace; the other requests still run
        current_app.logger.exception("inner batch request %s failed", item["id"])
        return _inner_error(item["id"], 500, "generalException",
                            "An unexpected error occurred in the Graph mock.")
    code = int(status.split(" ", 1)[0])
    out_headers = {k: v for k, v in headers if k.lower() not in _HOP_HEADERS}
    response: dict[str, Any] = {"id": item["id"], "status": code, "headers": out_headers}
    if raw:
        ctype = next((v for k, v in headers if k.lower() == "content-type"), "")
        if "json" in ctype.lower():
            encoded = jsonbody.reusable(environ, raw)
            try:
                response["body"] = encoded if encoded is not None else json.loads(raw)
            except ValueError:
                response["body"] = base64.b64encode(raw).decode()
        else:
            response["body"] = base64.b64encode(raw).decode()
    return response


def _call(app, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Run a WSGI app on ``environ`` as werkzeug's buffered ``run_wsgi_app`` does (its body
    read whole, then closed), without its wrappers: status, header list, body."""
    answer: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
        if exc_info:
            try:
                raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        answer[:] = [status, headers]
        return lambda data: None  # write() output is dropped when buffered, as there

    app_rv = app(environ, start_response)
    try:
        raw = b"".join(app_rv)
    finally:
        close = getattr(app_rv, "close", None)
        if close is not None:
            close()
    return answer[0], list(answer[1]), raw


@bp.post("/$batch")
def batch():
    """Run up to 20 Graph requests; answer each in ``responses``, in request order."""
    # Whatever spelling got past _names_batch and still routed here: never nested.
    if request.environ.get(BATCH_ENVIRON_KEY) is not None:
        raise _bad(NESTED)
    bearer_claims()  # the batch itself needs a valid token; permissions are per inner request
    outer = _Outer(request_ids()[0], request.headers.get("Authorization"),
                   request.headers.get("client-request-id"), _template())
    body = odata.json_body()
    order = parse_batch(body)
    results: dict[str, dict[str, Any]] = {}
    with BatchShared(current_app._get_current_object()) as shared:  # type: ignore[attr-defined]
        for item in order:
            failed = [d for d in item.get("dependsOn", [])
                      if results[d.lower()]["status"] >= 400]
            if failed:
                results[item["id"].lower()] = _inner_error(
                    item["id"], 424, "FailedDependency",
                    f"Request '{item['id']}' was not run because the request it depends on, "
                    f"'{failed[0]}', failed.")
                continue
            results[item["id"].lower()] = _dispatch(item, outer, shared)
    responses = [results[item["id"].lower()] for item in body["requests"]]
    return jsonbody.batch_response(responses)
