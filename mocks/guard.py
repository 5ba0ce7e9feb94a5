"""Request guards every mock app shares: bad input answered with a 400 instead of a 500,
cross-site requests refused, Host checked, secrets kept out of request logs.

Each app answers in its own error format, so the guards here only decide and say
why (a :class:`Refusal`); the app turns that into its response. Rules:

* JSON bodies: at most :data:`MAX_JSON_DEPTH` levels of nesting, integers of at most
  :data:`MAX_INT_DIGITS` digits, no ``NaN``/``Infinity`` (not JSON). Deeper, longer or
  stranger input is refused before any route parses it (issue 15, F7).
* OData expressions (``$filter``, ``$orderby``, ``$search``, ``$select``, ``$expand``):
  at most :data:`MAX_PARENS` nested parentheses (F7).
* Cross-site: a state-changing request whose ``Origin`` (or, without one, ``Referer``)
  is another site, or ``null``, is refused; pages' forms also need one of the two (F1, F2).
* Host: the plain-HTTP dashboard answers only to loopback host names, so a DNS-rebinding
  page cannot reach it (F12).
* Request logs: the values of secret query parameters are redacted (F9).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request

MAX_JSON_DEPTH = 64
MAX_INT_DIGITS = 100
MAX_PARENS = 100
MAX_EXPANDED_NODES = 200_000  # a YAML document's nodes once its aliases are expanded
ODATA_EXPRESSIONS = ("$filter", "$orderby", "$search", "$select", "$expand", "filter")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SECRET_PARAMS = ("apiKey", "api_key", "simToken", "sim_token", "client_secret",
                 "client_assertion", "access_token", "refresh_token", "id_token", "password",
                 "code", "key", "token", "sig")
_SECRET_PARAM = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(" + "|".join(re.escape(p) for p in SECRET_PARAMS) + r")=[^&\s\"']*")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class Refusal(ValueError):
    """Why a request is refused: HTTP status and a message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# -- bodies -----------------------------------------------------------------------------------
def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in ``raw`` (strings are skipped)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:
        return 0 if not (b"[" in raw or b"{" in raw) else 1  # cannot be too deep
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise Refusal(400, f"the body has an integer of {len(text.lstrip('-')):,} digits; at "
                      f"most {MAX_INT_DIGITS} are accepted")
    return int(text)


def _no_constant(name: str) -> float:
    raise Refusal(400, f"the body contains {name}, which is not JSON")


def parse_json(raw: bytes | str) -> Any:
    """Parse a JSON body within the limits above; raises :class:`Refusal` (400) or
    ``ValueError`` for text that is not JSON."""
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    check_json(data)
    return json.loads(data, parse_int=_bounded_int, parse_constant=_no_constant)


def check_json(raw: bytes) -> None:
    """Refuse a body nested deeper than :data:`MAX_JSON_DEPTH`."""
    depth = json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise Refusal(400, f"the body is nested {depth} levels deep; at most {MAX_JSON_DEPTH} "
                      "levels are accepted")


def check_body() -> None:
    """Refuse a JSON request body beyond the limits (deep, long integers, NaN)."""
    environ = request.environ
    if not environ.get("CONTENT_LENGTH") and not environ.get("wsgi.input_terminated") \
            and "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return  # no body to read (a GET): werkzeug would read nothing either
    raw = request.get_data(cache=True)
    if not raw or not _looks_json(raw):
        return
    try:
        parse_json(raw)
    except Refusal:
        raise
    except (ValueError, UnicodeDecodeError):
        return  # not JSON at all: the route answers that in its own words
    except RecursionError:
        raise Refusal(400, "the body is nested too deeply") from None


def _looks_json(raw: bytes) -> bool:
    mimetype = (request.mimetype or "").lower()
    return "json" in mimetype or raw.lstrip()[:1] in (b"{", b"[")


def expanded_size(node: Any, limit: int = MAX_EXPANDED_NODES) -> int:
    """How many nodes ``node`` has once shared parts (YAML aliases) are counted at every
    place they appear; counted per distinct object, so a "billion laughs" document is
    measured in a moment instead of being walked. Refuses beyond ``limit``."""
    sizes: dict[int, int] = {}

    def size(item: Any, depth: int) -> int:
        if depth > MAX_JSON_DEPTH:
            raise Refusal(400, f"the document is nested more than {MAX_JSON_DEPTH} levels deep")
        if not isinstance(item, dict | list):
            return 1
        key = id(item)
        if key not in sizes:
            sizes[key] = 0  # a cycle counts once
            children = item.values() if isinstance(item, dict) else item
            total = 1 + sum(size(child, depth + 1) for child in children)
            if total > limit:
                raise Refusal(400, f"the document expands to more than {limit:,} values "
                              "(YAML aliases included); it is refused")
            sizes[key] = total
        return sizes[key]

    return size(node, 0)


# -- query strings ----------------------------------------------------------------------------
def check_query(names: Iterable[str] = ODATA_EXPRESSIONS) -> None:
    """Refuse an OData expression nested deeper than :data:`MAX_PARENS` parentheses."""
    raw = request.environ.get("QUERY_STRING", "")
    if raw.count("(") + raw.count("%28") <= MAX_PARENS:
        return  # the whole query has too few "(" for any one option to nest too deeply
    for name in names:
        value = request.args.get(name)
        if value and value.count("(") > MAX_PARENS and paren_depth(value) > MAX_PARENS:
            raise Refusal(400, f"{name} nests more than {MAX_PARENS} parentheses")


def paren_depth(text: str) -> int:
    depth = deepest = 0
    for char in text:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


# -- cross-site requests and Host -------------------------------------------------------------
def cross_site(require_origin: bool = False) -> str | None:
    """Why a state-changing request looks cross-site, or None. ``Origin: null`` (sandboxed
    frames, data: URLs) counts as cross-site; without ``Origin`` the ``Referer`` is used,
    and with ``require_origin`` a request carrying neither is refused (forms in pages)."""
    if request.method not in STATE_CHANGING:
        return None
    origin = request.headers.get("Origin")
    if origin is None:
        referer = request.headers.get("Referer")
        if referer:
            parts = urlsplit(referer)
            origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else "null"
    if origin is None:
        return ("the request carries neither Origin nor Referer; forms must be sent from "
                "these pages") if require_origin else None
    if origin.strip().lower() == "null" or urlsplit(origin).netloc.lower() != request.host.lower():
        return f"a request sent from another site ({origin}) is refused"
    return None


def json_content_type(allow_yaml: bool = False) -> str | None:
    """Why a state-changing request's body type is refused, or None. A cross-site page can
    send ``text/plain`` or form bodies without asking first; JSON it cannot."""
    if request.method not in STATE_CHANGING:
        return None
    raw = request.get_data(cache=True)
    mimetype = (request.mimetype or "").lower()
    if not raw.strip() and not mimetype:
        return None
    if mimetype == "application/json" or mimetype.endswith("+json"):
        return None
    if allow_yaml and mimetype in ("application/yaml", "application/x-yaml", "text/yaml",
                                   "text/x-yaml"):
        return None
    wanted = "application/json" + (" (or application/yaml)" if allow_yaml else "")
    return f"send the body with Content-Type: {wanted}, not {mimetype or 'no type'}"


LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def loopback_host(host_header: str) -> bool:
    """Whether a ``Host`` header names this machine by a loopback name or address."""
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[1:host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def install(app: Flask, answer: Callable[[int, str], Response], *, odata: bool = False) -> None:
    """Run the body guard (and the OData one) before every request of ``app``;
    ``answer(status, message)`` builds the app's error response."""

    @app.before_request
    def _guard() -> Response | None:
        try:
            check_body()
            if odata:
                check_query()
        except Refusal as refusal:
            return answer(refusal.status, refusal.message)
        return None


def install_host_check(app: Flask, answer: Callable[[int, str], Response]) -> None:
    """F12: answer only requests whose Host is a loopback name, for an app served on plain
    HTTP (no certificate stops a DNS-rebinding page from reaching it under its own name)."""

    @app.before_request
    def _check_host() -> Response | None:
        if loopback_host(request.host):
            return None
        return answer(421, f"this server answers only to localhost or 127.0.0.1, not to the "
                           f"host name '{request.host}'")


# -- request logs -----------------------------------------------------------------------------
def redact(text: str) -> str:
    """``text`` with the value of every secret query parameter replaced by ``[REDACTED]``."""
    return _SECRET_PARAM.sub(r"\1=[REDACTED]", text)


class RedactSecrets(logging.Filter):
    """A log filter that removes secret parameter values from a record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def install_log_redaction(names: Iterable[str] = ("werkzeug", "httpx")) -> None:
    """Redact secrets in these loggers (werkzeug's access log shows full request lines)."""
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
