"""Routes of the simulation control API, ``/_sim/``, registered on every mock app.

reset, load and dump the world, read and move the simulation clock. The blueprint
reads the world from ``current_app.config["WORLD"]`` at request time. When
``world.sim_token`` is set (served beyond loopback) every request must carry it as
``Authorization: Bearer <token>`` or ``X-Sim-Token``. Errors are
``{"error": {"code", "message"}}``; secrets from a document never appear in them.
"""

from __future__ import annotations

import math
from typing import Any

import yaml
from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from mocks import guard
from mocks.clock import LATEST, check_instant, isoformat_z
from mocks.sim import TOKEN_NEEDED, SimError, parse_duration, parse_instant, token_accepted

bp = Blueprint("sim", __name__, url_prefix="/_sim")

# Key names (or parts of them) whose string values are secrets, anywhere in a world document.
_SECRET_KEY_PARTS = ("secret", "apikey", "api_key", "password", "token")


def _world():
    return current_app.config["WORLD"]


@bp.before_request
def _require_sim_token() -> Response | None:
    if not token_accepted(_world(), request.headers):
        response = _error(401, "unauthorized", TOKEN_NEEDED)
        response.headers["WWW-Authenticate"] = 'Bearer realm="_sim"'
        return response
    return refuse_cross_site(allow_yaml=request.path.rstrip("/").endswith("/load"))


def refuse_cross_site(allow_yaml: bool = False) -> Response | None:
    """F1: any web page could POST ``text/plain`` here (no preflight) and wipe the world;
    so a change needs a JSON body (a cross-site page cannot send one without asking
    first) and no Origin of another site."""
    why = guard.cross_site()
    if why:
        return _error(403, "crossSiteRequest", f"{why}; the simulation control API takes "
                      "requests from this origin or from clients that send no Origin")
    why = guard.json_content_type(allow_yaml=allow_yaml)
    if why:
        return _error(415, "unsupportedMediaType", why)
    return None


@bp.post("/reset")
def reset() -> Response:
    body = _body()
    _only(body, {"seed", "clock"})
    seed = body.get("seed")
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise SimError(400, "invalidRequest", "seed: expected an integer")
    start = parse_instant(body["clock"], "clock") if body.get("clock") is not None else None
    if start is not None:
        _in_range(start, "clock")  # checked before anything is reset: never half a reset
    world = _world()
    world.reset(seed, start)
    return jsonify({"seed": world.seed, "clock": isoformat_z(world.clock.now()),
                    "tenantId": world.tenant.id})


@bp.post("/load")
def load() -> Response:
    doc = _body(allow_yaml=True, required=True)
    world = _world()
    try:
        from mocks import worldfile

        worldfile.load(world, doc)
    except ImportError as exc:
        raise SimError(501, "notAvailable", f"world documents cannot be loaded yet: {exc}") from exc
    except Exception as exc:  # a refusal of the document: name it, without its secrets
        status = getattr(exc, "status", 400)
        status = status if isinstance(status, int) and 400 <= status < 500 else 400
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        raise SimError(status, "invalidWorldDocument", _scrub(str(message), doc)) from exc
    tenant = world.tenant
    return jsonify({"seed": world.seed, "clock": isoformat_z(world.clock.now()),
                    "tenantId": tenant.id, "users": len(tenant.users),
                    "groups": len(tenant.groups), "apps": len(tenant.apps)})


@bp.get("/state")
def state() -> Response:
    try:
        from mocks import worldfile

        return jsonify(worldfile.dump(_world()))
    except ImportError as exc:
        raise SimError(501, "notAvailable", f"the world cannot be dumped yet: {exc}") from exc


@bp.get("/clock")
def clock() -> Response:
    return jsonify({"now": isoformat_z(_world().clock.now())})


@bp.post("/clock")
def move_clock() -> Response:
    body = _body(required=True)
    _only(body, {"advance", "advanceSeconds", "set"})
    given = [name for name in ("advance", "advanceSeconds", "set") if name in body]
    if len(given) != 1:
        raise SimError(400, "invalidRequest", "give exactly one of 'advance' (ISO 8601 duration), "
                       "'advanceSeconds' (number) or 'set' (ISO 8601 timestamp)")
    sim_clock = _world().clock
    previous = sim_clock.now()
    if "set" in body:
        target = parse_instant(body["set"], "set")
        if target < previous:
            raise SimError(409, "clockBackwards",
                           f"set: {isoformat_z(target)} is before the simulation's current time "
                           f"{isoformat_z(previous)}; the clock never moves backwards")
        _in_range(target, "set")
        sim_clock.set(target)
    else:
        if "advance" in body:
            try:
                delta = parse_duration(body["advance"])
            except OverflowError:
                raise SimError(400, "invalidDuration", f"advance: {body['advance']!r} is "
                               f"longer than the simulation's range (up to {isoformat_z(LATEST)})"
                               ) from None
        else:
            seconds = body["advanceSeconds"]
            if (not isinstance(seconds, int | float) or isinstance(seconds, bool)
                    or not math.isfinite(seconds) or seconds < 0):
                raise SimError(400, "invalidRequest",
                               "advanceSeconds: expected a number of seconds, zero or more, and finite")
            delta = seconds
        try:
            sim_clock.advance(delta)
        except (ValueError, OverflowError) as exc:
            raise SimError(400, "clockOutOfRange", str(exc)) from None
    return jsonify({"now": isoformat_z(sim_clock.now()), "previous": isoformat_z(previous)})


@bp.route("/", defaults={"rest": ""},
          methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
def not_found(rest: str) -> Response:
    name = rest.strip("/")
    routes = _control_routes()
    if name in routes:
        allowed = sorted(routes[name])
        response = _error(405, "methodNotAllowed",
                          f"/_sim/{name} accepts {' and '.join(allowed)}, not {request.method}")
        response.headers["Allow"] = ", ".join(allowed)
        return response
    return _error(404, "notFound", f"/_sim/{name} is not a simulation control route; the routes "
                  f"are {', '.join('/_sim/' + r for r in sorted(routes))}")


def _control_routes() -> dict[str, set[str]]:
    """Every fixed ``/_sim/`` route of this app (ours and any an app adds), with its methods."""
    routes: dict[str, set[str]] = {}
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith("/_sim/") and not rule.arguments and rule.rule != "/_sim/":
            methods = set(rule.methods or ()) - {"HEAD", "OPTIONS"}
            routes.setdefault(rule.rule[len("/_sim/"):].strip("/"), set()).update(methods)
    return routes


@bp.errorhandler(SimError)
def _sim_error(exc: SimError) -> Response:
    return _error(exc.status, exc.code, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    return _error(exc.code or 400, "invalidRequest", exc.description or exc.name)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:  # never a stack trace to the client
    current_app.logger.exception("unhandled error in the simulation control API")
    return _error(500, "internalError", "An unexpected error occurred in the simulation control API.")


def _error(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _body(allow_yaml: bool = False, required: bool = False) -> dict[str, Any]:
    """The request's JSON (or, for documents, YAML) object; an empty body is ``{}`` unless required."""
    raw = request.get_data(as_text=True)
    if not raw.strip():
        if required:
            raise SimError(400, "invalidRequest", "the request body is empty; send a JSON object")
        return {}
    try:
        if allow_yaml and "yaml" in (request.mimetype or ""):
            try:
                body = yaml.safe_load(raw)
            except yaml.YAMLError as exc:
                raise SimError(400, "invalidRequest", f"the body is not valid YAML: {exc}") from exc
            # F5: aliases can make a few hundred bytes expand to billions of values.
            guard.expanded_size(body)
        else:
            try:
                body = guard.parse_json(raw)
            except guard.Refusal:
                raise
            except ValueError as exc:
                raise SimError(400, "invalidRequest", f"the body is not valid JSON: {exc}") from exc
    except guard.Refusal as refusal:
        raise SimError(refusal.status, "invalidRequest", refusal.message) from None
    except RecursionError:
        raise SimError(400, "invalidRequest", "the body is nested too deeply") from None
    if not isinstance(body, dict):
        raise SimError(400, "invalidRequest", "the body must be a JSON object")
    return body


def _in_range(instant, field: str) -> None:
    try:
        check_instant(instant)
    except ValueError as exc:
        raise SimError(400, "clockOutOfRange", f"{field}: {exc}") from None


def _only(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise SimError(400, "invalidRequest", f"{unknown[0]}: unknown property "
                       f"(expected {', '.join(sorted(allowed))})")


def _scrub(message: str, doc: Any) -> str:
    """``message`` with every secret value found in ``doc`` or the world's apps masked."""
    secrets = set(_secret_values(doc))
    secrets.update(app.secret for app in _world().tenant.apps.values() if app.secret)
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 4:
            message = message.replace(secret, "***")
    return message


def _secret_values(node: Any):
    if isinstance(node, dict):
        for key, value in node.items():
            name = str(key).lower().replace("-", "_")
            if isinstance(value, str) and (name == "key" or any(p in name for p in _SECRET_KEY_PARTS)):
                yield value
            else:
                yield from _secret_values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _secret_values(item)
