"""Graph delta queries: ``GET /users/delta`` and ``GET /groups/delta``.

A round starts with the current objects, paged with ``@odata.nextLink``
(``$skiptoken``); its last page carries ``@odata.deltaLink`` (``$deltatoken``).
Following the deltaLink later returns only what changed since, read from the
tenant's change log (``tenant.changes``) and collapsed per object: changed objects
with their (selected) properties, soft-deleted ones as ``@removed: {"reason":
"changed"}``, purged ones as ``"deleted"``, and for groups ``members@delta`` with the
added and removed members. ``$deltatoken=latest`` starts from now.

Tokens are opaque and signed with a key held per tenant object, so a token from
before a world reset is refused; they carry a position in the change log, never a
copy of the objects, so a round with no changes costs O(changes since), not
O(users). Decisions where Graph leaves room:

* page size 200 (``app.config["DELTA_PAGE_SIZE"]``); objects are paged in id order;
* tokens older than 7 days of simulated time (``app.config["DELTA_TOKEN_MAX_AGE"]``,
  a timedelta) answer 410 ``syncStateNotFound``; tokens of another tenant or of a
  reset world answer 410 ``resyncRequired``; both carry a ``Location`` header with
  the URL that starts a new full round. A token that is not a token at all is 400;
* objects are reported in their current state when the page is served (Graph
  allows replays); without ``$select`` any property change reports the object;
* ``$select`` (and, for groups, ``members`` in it or ``$expand=members``) is kept in
  the tokens; a ``$select`` sent with a deltaLink replaces the tracked properties.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import hmac
import json
import os
import re
import weakref
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from mocks.entra.models import Tenant
from mocks.graph import odata
from mocks.graph.auth import requires
from mocks.graph.errors import GraphError

bp = Blueprint("graph_delta", __name__)

DEFAULT_PAGE_SIZE = 200
TOKEN_MAX_AGE = timedelta(days=7)  # Graph's limit for directory objects
RESOURCES = {"users": "user", "groups": "group"}
_KEYS: weakref.WeakKeyDictionary[Tenant, bytes] = weakref.WeakKeyDictionary()
_ALLOWED = frozenset({"$select", "$deltatoken", "$skiptoken", "$expand", "$filter"})
MAX_FILTER_IDS = 50  # Graph takes at most 50 'id eq' clauses in a delta $filter
_ID_CLAUSE = re.compile(r"\s*id\s+eq\s+'([^']+)'\s*", re.IGNORECASE)


# ---------------------------------------------------------------------------
# State tokens
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class DeltaState:
    """Where a delta round stands.

    ``phase`` "sync" pages through current objects; "changes" pages through the objects
    changed in log positions (``start``, ``end``]; "delta" is a finished round's
    deltaLink, reporting changes after ``start``. ``cursor`` is the last id served.
    """

    resource: str
    phase: str
    start: int
    end: int
    cursor: str
    select: tuple[str, ...] | None
    members: bool  # groups: track membership (members@delta)
    issued: float  # simulation time, epoch seconds
    ids: tuple[str, ...] | None = None  # $filter=id eq '...' or ...: only these objects


class TokenError(Exception):
    """A state token that cannot be used: ``status``, Graph ``code`` and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _key(tenant: Tenant) -> bytes:
    key = _KEYS.get(tenant)
    if key is None:
        key = _KEYS.setdefault(tenant, os.urandom(32))
    return key


def encode_token(tenant: Tenant, state: DeltaState) -> str:
    fields = [1, state.resource, state.phase, state.start, state.end, state.cursor,
              list(state.select) if state.select is not None else None, state.members,
              state.issued]
    if state.ids is not None:
        fields.append(list(state.ids))
    payload = json.dumps(fields, separators=(",", ":")).encode()
    sig = hmac.new(_key(tenant), payload, hashlib.sha256).digest()[:12]
    return f"{_b64(payload)}.{_b64(sig)}"


def decode_token(tenant: Tenant, token: str) -> DeltaState:
    """The state a token carries; :class:`TokenError` when malformed or not this tenant's."""
    try:
        payload_text, _, sig_text = token.partition(".")
        payload, sig = _unb64(payload_text), _unb64(sig_text)
        decoded = json.loads(payload)
        ids = decoded.pop() if isinstance(decoded, list) and len(decoded) == 10 else None
        version, resource, phase, start, end, cursor, select, members, issued = decoded
        if not (ids is None or (isinstance(ids, list) and all(isinstance(i, str) for i in ids))):
            raise ValueError(token)
        if version != 1 or resource not in RESOURCES or phase not in ("sync", "changes", "delta") \
                or not all(isinstance(v, int) and v >= 0 for v in (start, end)) \
                or not isinstance(cursor, str) or not isinstance(issued, int | float) \
                or not (select is None or all(isinstance(s, str) for s in select)):
            raise ValueError(token)
    except (ValueError, TypeError, UnicodeDecodeError):
        raise TokenError(400, "Request_BadRequest",
                         "The delta or skip token is malformed: pass the @odata.nextLink or "
                         "@odata.deltaLink URL exactly as Graph returned it.") from None
    expected = hmac.new(_key(tenant), payload, hashlib.sha256).digest()[:12]
    if not hmac.compare_digest(sig, expected) or end > tenant.last_seq \
            or (phase != "sync" and start < tenant.changes.base):
        raise TokenError(410, "resyncRequired",
                         "The delta token is no longer valid, and the app must reset the sync "
                         "state: start a full round with the URL in the Location header.")
    return DeltaState(resource, phase, start, end, cursor,
                      tuple(select) if select is not None else None, bool(members), issued,
                      tuple(ids) if ids is not None else None)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    if not text:
        raise ValueError("empty")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------------------
# The rounds (no HTTP here)
# ---------------------------------------------------------------------------
@dataclass
class DeltaPage:
    """One page of a round: the JSON objects, and the state of the next page or deltaLink."""

    value: list[dict[str, Any]]
    next_state: DeltaState  # phase "delta": the round is over, this is the deltaLink


def start_round(tenant: Tenant, resource: str, select: tuple[str, ...] | None, members: bool,
                now: float) -> DeltaState:
    """The state of a new full round over the current objects."""
    return DeltaState(resource, "sync", 0, tenant.last_seq, "", select, members, now)


def latest(tenant: Tenant, resource: str, select: tuple[str, ...] | None, members: bool,
           now: float) -> DeltaState:
    """``$deltatoken=latest``: a deltaLink from this moment, with no objects."""
    return DeltaState(resource, "delta", tenant.last_seq, tenant.last_seq, "", select, members, now)


def serve(tenant: Tenant, state: DeltaState, page_size: int, now: float,
          minimal: bool = False) -> DeltaPage:
    """Serve the page ``state`` points at (a "delta" state opens a round of changes).

    ``minimal`` (``Prefer: return=minimal``): changed objects carry only the properties
    that changed, as Graph answers on a deltaLink.
    """
    if state.phase == "delta":
        state = replace(state, phase="changes", end=tenant.last_seq, cursor="", issued=now)
    if state.phase == "sync":
        ids, more = _sync_ids(tenant, state, page_size)
        value = [_object(tenant, state, oid, None) for oid in ids]
    else:
        changed = _collapse(tenant, state)
        order = sorted(changed)
        at = bisect.bisect_right(order, state.cursor) if state.cursor else 0
        ids = order[at:at + page_size]
        more = at + page_size < len(order)
        value = [_object(tenant, state, oid, changed[oid], minimal) for oid in ids]
    if more:
        return DeltaPage(value, replace(state, cursor=ids[-1]))
    return DeltaPage(value, DeltaState(state.resource, "delta", state.end, state.end, "",
                                       state.select, state.members, now, state.ids))


def _sync_ids(tenant: Tenant, state: DeltaState, size: int) -> tuple[list[str], bool]:
    if state.resource == "users":
        ordered = getattr(tenant, "ordered_users", None)
        seq: Any = ordered() if ordered else sorted(tenant.users.values(), key=lambda u: u.id)
    else:
        seq = sorted(tenant.groups.values(), key=lambda g: g.id)
    if state.ids is not None:
        wanted = set(state.ids)
        seq = [o for o in seq if o.id in wanted]
    at = bisect.bisect_right(seq, state.cursor, key=lambda o: o.id) if state.cursor else 0
    chunk = seq[at:at + size]
    return [o.id for o in chunk], at + size < len(seq)


@dataclass
class _Summary:
    """What happened to one object in a range of the change log."""

    touched: bool = False  # created, restored, deleted or a tracked property changed
    members: dict[str, str] | None = None  # member id -> "memberAdded" | "memberRemoved"
    changed: set[str] = field(default_factory=set)  # properties set since (return=minimal)
    whole: bool = False  # created or restored: every property counts as changed


def _collapse(tenant: Tenant, state: DeltaState) -> dict[str, _Summary]:
    kind_of = RESOURCES[state.resource]
    tracked = set(state.select) if state.select is not None else None
    result: dict[str, _Summary] = {}
    wanted = set(state.ids) if state.ids is not None else None
    for change in tenant.changes[state.start:state.end]:
        if change.resource != kind_of or (wanted is not None and change.object_id not in wanted):
            continue
        if change.kind in ("memberAdded", "memberRemoved"):
            if not state.members or change.member_id is None:
                continue
            summary = result.setdefault(change.object_id, _Summary())
            if summary.members is None:
                summary.members = {}
            summary.members.pop(change.member_id, None)  # keep the last change, in order
            summary.members[change.member_id] = change.kind
        elif change.kind == "upsert":
            if tracked is None or "id" in change.properties or tracked & set(change.properties):
                summary = result.setdefault(change.object_id, _Summary())
                summary.touched = True
                summary.changed.update(change.properties)
                summary.whole = summary.whole or "id" in change.properties
        else:  # softDelete, hardDelete, restore
            summary = result.setdefault(change.object_id, _Summary())
            summary.touched = True
            summary.whole = True
    return result


def _object(tenant: Tenant, state: DeltaState, oid: str, summary: _Summary | None,
            minimal: bool = False) -> dict[str, Any]:
    """One object of a page: current properties, or ``@removed`` when deleted."""
    if state.resource == "users":
        live, deleted = tenant.users.get(oid), oid in tenant.deleted_users
        etype = odata.USER_TYPE
    else:
        live = tenant.groups.get(oid)
        deleted = oid in getattr(tenant, "deleted_groups", {})
        etype = odata.GROUP_TYPE
    if live is None:
        return {"id": oid, "@removed": {"reason": "changed" if deleted else "deleted"}}
    names = list(state.select) if state.select is not None else list(
        etype.default_select or [p for p in etype.properties if p != "deletedDateTime"])
    if minimal and summary is not None and not summary.whole:  # Prefer: return=minimal
        names = [n for n in names if n in summary.changed]
    out = {name: live.props.get(name) for name in names if name != "passwordProfile"}
    out["id"] = live.id
    if state.resource == "groups" and state.members:
        if summary is None:  # full round: every current member
            entries = [_member(tenant, mid, "memberAdded") for mid in live.members]
        else:
            entries = [_member(tenant, mid, kind) for mid, kind in (summary.members or {}).items()]
        if entries:
            out["members@delta"] = entries
    return out


def _member(tenant: Tenant, member_id: str, kind: str) -> dict[str, Any]:
    is_group = member_id in tenant.groups or member_id in getattr(tenant, "deleted_groups", {})
    entry: dict[str, Any] = {"@odata.type": "#microsoft.graph.group" if is_group
                             else "#microsoft.graph.user", "id": member_id}
    if kind == "memberRemoved":
        entry["@removed"] = {"reason": "deleted"}
    return entry


# ---------------------------------------------------------------------------
# Routes
# ---------------------------------------------------------------------------
@bp.get("/users/delta")
@bp.get("/users/delta()")  # the function-call form Microsoft's SDKs send
@requires("users.read")
def users_delta():
    """Track changes to users (see the module docstring)."""
    return _delta("users")


@bp.get("/groups/delta")
@bp.get("/groups/delta()")
@requires("groups.read")
def groups_delta():
    """Track changes to groups and their membership."""
    return _delta("groups")


def _delta(resource: str):
    world = current_app.config["WORLD"]
    tenant: Tenant = world.tenant
    now = world.clock.now().timestamp()
    opts = _options()
    select, members = _parse_select(resource, opts)
    deltatoken, skiptoken = opts.get("$deltatoken"), opts.get("$skiptoken")
    if deltatoken is not None and skiptoken is not None:
        raise GraphError(400, "Request_BadRequest",
                         "Send either $deltatoken or $skiptoken, not both.")
    try:
        if deltatoken is not None and deltatoken.strip().lower() == "latest":
            state = latest(tenant, resource, select, members, now)
            return _respond(tenant, resource, DeltaPage([], state))
        token = deltatoken if deltatoken is not None else skiptoken
        ids = _filter_ids(opts["$filter"]) if "$filter" in opts else None
        if ids is not None and token:
            raise TokenError(400, "Request_BadRequest", "$filter is given on the first delta "
                             "request only; the tokens keep it.")
        if token is None or not token.strip():
            state = replace(start_round(tenant, resource, select, members, now), ids=ids)
        else:
            state = decode_token(tenant, token.strip())
            if state.resource != resource:
                raise TokenError(400, "Request_BadRequest",
                                 f"The token was issued for /{state.resource}/delta, not "
                                 f"/{resource}/delta.")
            if (deltatoken is None) != (state.phase != "delta"):
                raise TokenError(400, "Request_BadRequest",
                                 "A deltaLink token must be sent as $deltatoken and a nextLink "
                                 "token as $skiptoken.")
            max_age = current_app.config.get("DELTA_TOKEN_MAX_AGE", TOKEN_MAX_AGE)
            if now - state.issued > max_age.total_seconds():
                select, members = state.select, state.members  # restart tracking the same
                raise TokenError(410, "syncStateNotFound",
                                 "The sync state generation is not found. The delta token is "
                                 f"older than {_describe(max_age)} and expired; synchronize "
                                 "again with the URL in the Location header.")
            if deltatoken is not None and "$select" in opts:  # change what a deltaLink tracks
                state = replace(state, select=select, members=members)
    except TokenError as exc:
        restart = _restart_url(resource, select, members)
        headers = {"Location": restart} if exc.status == 410 else None
        raise GraphError(exc.status, exc.code, exc.message, headers) from None
    size = int(current_app.config.get("DELTA_PAGE_SIZE", DEFAULT_PAGE_SIZE))
    minimal = (deltatoken is not None and
               "return=minimal" in request.headers.get("Prefer", "").replace(" ", "").lower())
    with tenant.lock:  # a consistent page while other requests write
        page = serve(tenant, state, size, now, minimal)
    response = _respond(tenant, resource, page)
    if minimal:
        response.headers["Preference-Applied"] = "return=minimal"
    return response


def _filter_ids(text: str) -> tuple[str, ...]:
    """``id eq '...' or id eq '...'`` (up to 50): the only $filter delta queries take."""
    clauses = re.split(r"\s+or\s+", text.strip(), flags=re.IGNORECASE)
    ids = []
    for clause in clauses:
        match = _ID_CLAUSE.fullmatch(clause)
        if match is None:
            raise TokenError(400, "Request_UnsupportedQuery",
                             "Delta queries take only $filter=id eq '{id}' clauses joined "
                             "with 'or'.")
        ids.append(match.group(1).lower())
    if len(ids) > MAX_FILTER_IDS:
        raise TokenError(400, "Request_UnsupportedQuery",
                         f"A delta $filter takes at most {MAX_FILTER_IDS} id clauses.")
    return tuple(ids)


def _describe(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    for unit, size in (("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} seconds"


def _options() -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in request.args.items(multi=True):
        key = name.lower()
        if not key.startswith("$"):
            continue
        if key not in _ALLOWED:
            raise GraphError(400, "Request_BadRequest",
                             f"'{name}' is not supported with delta queries; only $select, "
                             "$deltatoken and $skiptoken are (and $expand=members on groups).")
        if key in found:
            raise GraphError(400, "BadRequest", f"Query option '{name}' was specified more than "
                             "once, but it must be specified at most once.")
        found[key] = value
    return found


def _parse_select(resource: str, opts: dict[str, str]) -> tuple[tuple[str, ...] | None, bool]:
    """The tracked properties (None: the default set) and, for groups, whether members are."""
    members = resource == "groups"
    expand = opts.get("$expand")
    if expand is not None and (resource != "groups" or expand.strip().lower() != "members"):
        raise GraphError(400, "Request_BadRequest",
                         f"$expand={expand} is not supported with delta queries"
                         + (" (only $expand=members on groups)." if resource == "groups" else "."))
    raw = opts.get("$select")
    if raw is None:
        return None, members
    parts = [p.strip() for p in raw.split(",")]
    wants_members = resource == "groups" and any(p.lower() == "members" for p in parts)
    rest = ",".join(p for p in parts if p.lower() != "members")
    etype = odata.USER_TYPE if resource == "users" else odata.GROUP_TYPE
    select = tuple(odata.parse_select(rest, etype)) if rest else ()
    return select, wants_members or expand is not None


def _respond(tenant: Tenant, resource: str, page: DeltaPage):
    root = odata.graph_root()
    state = page.next_state
    body: dict[str, Any] = {"@odata.context": odata.context_url(
        resource, list(state.select) if state.select else None)}
    token = encode_token(tenant, state)
    if state.phase == "delta":
        body["@odata.deltaLink"] = f"{root}{resource}/delta?$deltatoken={token}"
    else:
        body["@odata.nextLink"] = f"{root}{resource}/delta?$skiptoken={token}"
    body["value"] = page.value
    return jsonify(body)


def _restart_url(resource: str, select: tuple[str, ...] | None, members: bool) -> str:
    """The URL of a new full round tracking the same properties (sent as ``Location``)."""
    url = f"{odata.graph_root()}{resource}/delta"
    if select is None:
        return url
    names = list(select) + (["members"] if resource == "groups" and members else [])
    return url + ("?$select=" + ",".join(names) if names else "")
