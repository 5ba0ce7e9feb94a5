"""Server-rendered pages of the Emply mock under ``/ui/``, for demos and QA.

The pages read the world and act only through the same methods the REST API and
the hosted sync core use (``world.emply``'s public methods, the hosted
:class:`~sync_core.engine.SyncEngine`), so every rule holds here too. A person
acting in the pages is an Emply user chosen in the page header (default: the
first active administrator) and is recorded as ``user:<id>``.

No API key is asked for: this is a local demo server. Served beyond loopback the
world has a simulation token (see :mod:`mocks.serving`) and the pages then ask for
it, as ``/_sim/`` does. Actions are POST forms only, refused when the browser says
they come from another origin, and each redirects back with a message.
The Entra page reads the tenant model for display; its actions are Graph requests
made as the tenant's administrator app (:mod:`mocks.emply.entra_admin`), so Graph's
rules, errors and journal apply. The guided FAQ tour lives in :mod:`mocks.emply.tour`.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from collections import Counter
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from mocks import guard
from mocks.clock import isoformat_z
from mocks.emply import readable
from mocks.emply import tour as faq_tour
from mocks.emply.entra_admin import (
    GraphAdmin,
    GraphRefusal,
    NoAdminApp,
    admin_app,
    register_admin_app,
)
from mocks.emply.errors import EmplyError
from mocks.emply.models import SYSTEM, Emply, User, user_actor
from mocks.emply.responses import photo_response
from mocks.emply.sync_routes import _guard, engine
from sync_core.model import REASON_TEXT
from sync_core.store import LOG_ACTION

LOG = logging.getLogger(__name__)
ADVANCE = timedelta(minutes=30)
TOKEN_COOKIE = "emply_sim_token"
MANUAL_REASON = "deactivated by hand in Emply"
# The integration settings as Emply's setup pages and docs/rules.md name them.
TOGGLE_LABELS = {"updateRolesAfterFirstSync": "Update roles after first sync (SYNC-6)",
                 "calendarSync": "Calendar sync (CAL-1)",
                 "updateEntra": "Update Entra ID (SYNC-5)",
                 "deleteInEntra": "Delete in Entra ID (DEL-1)",
                 "createInEntra": "Create in Entra ID (EXT-1)"}

bp = Blueprint("emply_pages", __name__, template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.record_once
def _session_key(state) -> None:
    """Flash messages and the acting user live in Flask's signed session cookie."""
    if not state.app.secret_key:
        state.app.secret_key = secrets.token_hex(32)


# -- plumbing -----------------------------------------------------------------------------
def world():
    return current_app.config["WORLD"]


def emply() -> Emply:
    """The world's current Emply customer (a loaded scenario replaces it)."""
    return world().emply


def hosted_engine():
    """The hosted sync engine, or ``None`` when this Emply server does not run the sync."""
    host = current_app.config.get("SYNC_HOST")
    return host.engine if host is not None else None


def acting_user(e: Emply) -> User | None:
    """The Emply user the pages act as: the one chosen in the header, else the first admin."""
    chosen = e.users.get(session.get("acting_user", ""))
    if chosen is not None and chosen.active:
        return chosen
    active = [u for u in e.users.values() if u.active]
    return next((u for u in active if e.is_admin(u)), active[0] if active else None)


def actor() -> str:
    """``user:<id>`` of the acting user (``system`` only in a world without users)."""
    user = acting_user(emply())
    return user_actor(user.id) if user else SYSTEM


def back(default: str = "emply_pages.overview") -> Response:
    """Redirect to the page the form came from (only pages under /ui/), else ``default``."""
    target = request.form.get("next", "")
    if not target.startswith("/ui") or target.startswith("//") or "\\" in target:
        target = url_for(default)
    return redirect(target, code=303)


def act(call, done) -> Response:
    """Run an action; flash ``done`` (or ``done(result)``) or the model's own error message."""
    try:
        result = call()
    except EmplyError as exc:
        flash(exc.message, "error")
    except ValueError as exc:  # a scenario or world document that cannot be loaded
        flash(str(exc), "error")
    except (GraphRefusal, NoAdminApp, faq_tour.TourError) as exc:
        flash(str(exc), "error")
    else:
        flash(done(result) if callable(done) else done, "ok")
    return back()


@bp.before_request
def _guard_request() -> Response | None:
    """Ask for the simulation token when served beyond loopback; refuse cross-origin POSTs."""
    expected = world().sim_token
    if expected:
        given = request.args.get("simToken")
        sent = given or request.cookies.get(TOKEN_COOKIE) or request.headers.get("X-Sim-Token", "")
        if not (sent and hmac.compare_digest(sent.encode(), expected.encode())):
            return _error_page(401, "This Emply server is served beyond this machine: open the "
                                    "pages once with ?simToken=<the simulation token>.")
        if given and request.method == "GET":
            response = redirect(request.path, code=303)
            response.set_cookie(TOKEN_COOKIE, given, httponly=True, samesite="Strict",
                                secure=request.is_secure)
            return response
    why = guard.cross_site(require_origin=True)  # F2: Origin null or absent is refused too
    if why:
        return _error_page(403, f"Refused a form sent from another site or without its "
                                f"Origin ({why}); the pages only take forms they served "
                                "themselves.")
    return None


@bp.errorhandler(EmplyError)
def _emply_error(exc: EmplyError):
    return _error_page(exc.status, exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return _error_page(exc.code or 400, exc.description or exc.name)


@bp.errorhandler(Exception)
def _unexpected(exc: Exception):  # never a stack trace in a page
    LOG.error("unhandled error in the Emply pages: %s %s", request.method, request.path,
              exc_info=exc)
    return _error_page(500, "An unexpected error occurred in the Emply mock; see its log.")


def _error_page(status: int, message: str):
    return render_template("pages/error.html", status=status, message=message), status


@bp.app_template_filter("when")
def _when(value) -> str:
    """A timestamp as people read it: ``2026-01-05 08:30 UTC``."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else isoformat_z(value)
    return text.replace("T", " ").replace(":00Z", " UTC").replace("Z", " UTC")


def compact(value, names: dict[str, str] | None = None) -> str:
    """Old and new values of a logged change, short; known ids shown by their names."""
    names = names or {}
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return ", ".join(names.get(v, str(v)) if isinstance(v, str) else json.dumps(v)
                         for v in value) or "(none)"
    if isinstance(value, str):
        return names.get(value, value)
    return json.dumps(value, sort_keys=True)


@bp.context_processor
def _common() -> dict[str, Any]:
    from mocks import scenarios

    e = emply()
    names = {r.id: r.name for r in e.roles.values()}
    everything: dict[str, str] = {}

    def change_words(old, new) -> dict[str, Any]:
        if not everything:
            everything.update(readable.names_of(world()))
        return readable.describe(old, new, everything)

    return {"emply": e, "now": e.now(), "acting": acting_user(e),
            "readable": lambda value: compact(value, names), "change_words": change_words,
            "expected_label": faq_tour.expected_label, "builtin_scenarios": scenarios.list_builtin(),
            "loaded_scenario": (current_app.config.get("EMPLY_SCENARIO") or (None, None))[0],
            "people": sorted((u for u in e.users.values() if u.active),
                             key=lambda u: (not e.is_admin(u), u.first_name, u.last_name)),
            "here": request.full_path.rstrip("?"), "sync_hosted": hosted_engine() is not None}


def name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.middle_name, user.last_name) if p)


def group_name(e: Emply, group_id: str | None) -> str:
    """A synced (or formerly synced) group's display name, else its Entra name, else its id."""
    if group_id is None:
        return "—"
    synced = e.settings.group(group_id)
    if synced and synced.display_name:
        return synced.display_name
    removed = next((g for g in e.settings.removed_groups if g.group_id == group_id), None)
    if removed and removed.display_name:
        return removed.display_name
    group = world().tenant.groups.get(group_id)
    return group.props.get("displayName") or group_id if group else group_id


def deactivation_reason(e: Emply, user: User) -> dict[str, Any] | None:
    """SYNC-8 for a page: the reason code, its words, who, when, and the run that did it."""
    d = user.deactivation
    if d is None:
        return None
    eng = hosted_engine()
    change = eng.why_deactivated(user.id) if eng is not None and d.by == "sync" else None
    text = REASON_TEXT.get(d.reason, MANUAL_REASON)
    note = d.note
    if note and note.partition(": ")[2] == text:  # the sync's note repeats the reason
        note = None
    return {"code": d.reason, "text": text, "by": e.describe(d.by), "at": d.at, "note": note,
            "rule": change["rule"] if change else None, "run": change["runId"] if change else None}


# -- pages ----------------------------------------------------------------------------------
@bp.get("/")
def overview():
    """Tenant, last and next run, counts, and the demo actions."""
    from mocks import scenarios

    e, eng = emply(), hosted_engine()
    with e.lock:
        users = list(e.users.values())
        employees = Counter(x.status for x in e.employees.values())
        last = eng.store.runs(limit=1) if eng else []
        return render_template(
            "pages/overview.html", settings=e.settings, entra_name=world().tenant.display_name,
            entra_id=world().tenant.id,
            counts={"active": sum(u.active for u in users),
                    "deactivated": sum(not u.active for u in users),
                    "employees": sum(employees.values()), "by_status": employees},
            last_run=last[0] if last else None, next_due=eng.next_due if eng else None,
            held=eng.held_run() if eng else None, scenarios=scenarios.list_builtin(),
            changes=eng.store.changes(limit=6) if eng else [])


@bp.get("/users")
def users():
    """Active and deactivated users, each deactivation with its reason (SYNC-8)."""
    e = emply()
    with e.lock:
        everyone = sorted(e.users.values(), key=lambda u: (u.first_name, u.last_name))
        return render_template(
            "pages/users.html", active=[u for u in everyone if u.active],
            deactivated=[(u, deactivation_reason(e, u)) for u in everyone if not u.active],
            role_names=lambda u: [e.roles[r].name for r in u.role_ids if r in e.roles], name=name)


@bp.get("/users/<user_id>")
def user(user_id: str):
    """One user: roles with their origin, employee, photo, calendars, recent changes."""
    e, eng = emply(), hosted_engine()
    with e.lock:
        u = e.user(user_id)
        held = {a.role_id for a in u.roles}
        return render_template(
            "pages/user.html", u=u, name=name, is_admin=e.is_admin(u),
            roles=[(a, e.roles.get(a.role_id), group_name(e, a.group_id),
                    e.describe(a.granted_by)) for a in u.roles],
            addable=sorted((r for r in e.roles.values() if r.id not in held), key=lambda r: r.name),
            employee=e.employees.get(u.employee_id) if u.employee_id else None,
            department=e.departments.get(u.department_id) if u.department_id else None,
            reason=deactivation_reason(e, u), calendar_sync=e.settings.calendar_sync,
            changes=eng.store.changes(emply_user_id=u.id, limit=20) if eng else [])


@bp.get("/users/<user_id>/photo")
def photo(user_id: str):
    """The user's photo as stored in Emply (what the API's GET .../photo returns)."""
    response = photo_response(user_id)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/employees")
def employees():
    """Employees and their lifecycle: Active, Pending (resignation date), Archived (DEL-2)."""
    e = emply()
    with e.lock:
        rows = sorted(e.employees.values(), key=lambda x: x.number)
        return render_template(
            "pages/employees.html", rows=rows, name=name,
            user_of={x.id: e.employee_user(x.id) for x in rows},
            departments=e.departments)


@bp.get("/integration")
def integration():
    """The integration setup: tenant, synced groups in order, toggles, threshold, audit."""
    from mocks.emply.integration import TOGGLES

    e = emply()
    with e.lock:
        return render_template(
            "pages/integration.html", s=e.settings, toggles=TOGGLES, labels=TOGGLE_LABELS,
            roles=e.roles,
            departments=e.departments, audit=list(reversed(e.audit))[:25],
            describe=e.describe, entra_name=world().tenant.display_name,
            addable=sorted((g for g in world().tenant.groups.values()
                            if e.settings.group(g.id) is None),
                           key=lambda g: g.props.get("displayName") or g.id))


@bp.get("/runs")
def runs():
    """Runs and their changes with rule ids and reasons, filtered by run, rule, kind, user."""
    e, eng = emply(), hosted_engine()
    problems = []
    run_id = None
    raw_run = request.args.get("run", "").strip()
    if raw_run:
        if raw_run.isdigit():
            run_id = int(raw_run)
        else:
            problems.append(f"'run' must be a run number, not '{raw_run}'.")
    rule = request.args.get("rule", "").strip() or None
    kind = request.args.get("kind", "").strip() or None
    if kind is not None and kind not in LOG_ACTION:
        problems.append(f"'kind' must be one of {', '.join(sorted(LOG_ACTION))}, not '{kind}'.")
    user_id = request.args.get("user", "").strip() or None
    if user_id is not None and user_id not in e.users:
        problems.append(f"'user': no Emply user with id '{user_id}'.")
    if eng is None:
        history, changes, rules, held, plan = [], [], [], None, None
    else:
        history = eng.store.runs(limit=50)
        changes = [] if problems else eng.store.changes(
            run_id=run_id, emply_user_id=user_id, rule=rule, kind=kind, limit=500)
        rules = sorted({c["rule"] for c in eng.store.changes(limit=10000)}, key=_rule_order)
        held = eng.held_run()
        plan = eng.store.run_plan(held) if held else None
    with e.lock:
        return render_template(
            "pages/runs.html", history=history, changes=changes, rules=rules,
            kinds=sorted(LOG_ACTION), held=held, plan=plan, problems=problems,
            chosen={"run": raw_run, "rule": rule or "", "kind": kind or "", "user": user_id or ""},
            users=sorted(e.users.values(), key=lambda u: u.email), by_id=e.users,
            next_due=eng.next_due if eng else None), (400 if problems else 200)


def _rule_order(rule: str) -> tuple[str, int]:
    prefix, _, number = rule.partition("-")
    return prefix, int(number) if number.isdigit() else 0


@bp.get("/entra")
def entra():
    """The Entra side: users and groups of the world's tenant, with the administrator's actions."""
    e, tenant = emply(), world().tenant
    app = admin_app(tenant)
    with tenant.lock, e.lock:
        groups = sorted(tenant.groups.values(), key=lambda g: g.props.get("displayName") or "")
        member_of: dict[str, list[str]] = {}
        for g in groups:
            for m in g.members:
                member_of.setdefault(m, []).append(g.props.get("displayName") or g.id)
        users = sorted(tenant.users.values(), key=lambda u: u.props.get("displayName") or "")
        return render_template(
            "pages/entra.html", tenant=tenant, users=users, groups=groups, member_of=member_of,
            deleted=sorted(tenant.deleted_users.values(),
                           key=lambda u: u.props.get("displayName") or ""),
            admin_app=app, graph_ready=graph_admin() is not None,
            linked={u.entra_object_id: u for u in e.users.values() if u.entra_object_id},
            synced={g.group_id: g for g in e.settings.synced_groups},
            object_name=lambda oid: (tenant.users[oid].props.get("displayName")
                                     if oid in tenant.users else
                                     tenant.groups[oid].props.get("displayName")
                                     if oid in tenant.groups else oid))


def graph_admin() -> GraphAdmin | None:
    """Graph as the tenant's administrator app, over the hosted sync's HTTP client."""
    host = current_app.config.get("SYNC_HOST")
    if host is None:
        return None
    admin = current_app.config.get("GRAPH_ADMIN")
    if admin is None or admin.http is not host.http:
        admin = current_app.config["GRAPH_ADMIN"] = GraphAdmin.of_host(host)
    return admin


def _admin() -> GraphAdmin:
    admin = graph_admin()
    if admin is None:
        raise NoAdminApp("this Emply server does not host the sync, so it has no way to reach "
                         "Graph")
    return admin


def _entra_name(object_id: str) -> str:
    tenant = world().tenant
    obj = tenant.users.get(object_id) or tenant.groups.get(object_id) \
        or tenant.deleted_users.get(object_id)
    return (obj.props.get("displayName") or object_id) if obj else object_id


# -- actions (POST only) ---------------------------------------------------------------------
@bp.post("/acting-user")
def choose_acting_user():
    """Choose the Emply user the pages act as (recorded as ``user:<id>``)."""
    e = emply()
    chosen = e.users.get(request.form.get("user_id", ""))
    if chosen is None or not chosen.active:
        flash("Choose an active Emply user to act as.", "error")
    else:
        session["acting_user"] = chosen.id
        flash(f"Acting as {name(chosen)}.", "ok")
    return back()


@bp.post("/scenario")
def load_scenario():
    """Replace the world with a built-in scenario (as ``/_sim/load`` does)."""
    from mocks import scenarios

    chosen = request.form.get("name", "")

    def load() -> str:
        if chosen not in scenarios.list_builtin():
            raise EmplyError(400, "unknown_scenario",
                             f"No built-in scenario named '{chosen}' (built-in: "
                             f"{', '.join(scenarios.list_builtin())}).")
        _replace_world(chosen, scenarios.load_scenario(chosen))
        return chosen

    return act(load, lambda n: f"Loaded the scenario '{n}'; the sync starts afresh.")


MAX_UPLOAD = 5 * 1024 * 1024


@bp.post("/scenario/upload")
def upload_scenario():
    """Load a scenario file from the presenter's computer; errors name the file's line."""
    from mocks import scenarios

    upload = request.files.get("file")

    def load() -> str:
        if upload is None or not upload.filename:
            raise EmplyError(400, "missing_field", "Choose a scenario file (.yaml) to load.")
        label = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
        raw = upload.stream.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            raise EmplyError(413, "file_too_large", f"{label}: larger than 5 MB; load it with "
                                                    "the command line instead.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise EmplyError(400, "invalid_file", f"{label}: not a UTF-8 text file.") from None
        doc, nodes = scenarios.parse(text, label)
        checked = scenarios.validate(doc, label, nodes)
        if not checked.get("name"):
            checked["name"] = label.rsplit(".", 1)[0]
        _replace_world(label, checked)
        return label

    return act(load, lambda n: f"Loaded the scenario file '{n}'; the sync starts afresh.")


@bp.post("/scenario/reset")
def reset_scenario():
    """Load the last loaded scenario again: the world as it was before the demo touched it."""
    loaded = current_app.config.get("EMPLY_SCENARIO")

    def reset() -> str:
        if not loaded:
            raise EmplyError(409, "nothing_to_reset", "No scenario was loaded through these pages "
                                                      "or the demo yet; load one first.")
        _replace_world(*loaded)
        return loaded[0]

    return act(reset, lambda n: f"Reset: the scenario '{n}' is loaded again; the sync starts "
                                "afresh.")


def _replace_world(label: str, doc: dict[str, Any]) -> None:
    """Load a checked world document into the world; remember it for Reset."""
    import copy

    from mocks import worldfile

    worldfile.load(world(), copy.deepcopy(doc))
    current_app.config["EMPLY_SCENARIO"] = (label, doc)
    session.pop("acting_user", None)


@bp.post("/sync/run")
def run_sync():
    """SYNC-2: a run now, as ``POST .../integrations/entra-id/runs`` does."""
    return act(lambda: _guard(lambda: engine().run("manual")), _run_message)


def _run_message(result) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items())) or "no changes"
    text = f"Run {result.run_id}: {result.status} ({counts})."
    return f"{text} {result.message}." if result.message else text


@bp.post("/clock/advance")
def advance_clock():
    """Move the simulation clock 30 minutes (scheduled runs and resignation dates follow)."""
    def advance():
        clock = world().clock
        _guard(lambda: clock.advance(ADVANCE))
        return clock.now()

    return act(advance, lambda now: f"The clock is now {_when(now)}.")


@bp.post("/users/<user_id>/roles")
def grant_role(user_id: str):
    """Give the user a role by hand (``POST .../users/{id}/roles``)."""
    e = emply()
    role_id = request.form.get("role_id", "")

    def grant():
        if not role_id:
            raise EmplyError(400, "missing_field", "Choose a role to add.")
        return e.grant_role(user_id, role_id, actor())

    return act(grant, lambda a: f"Added the role {e.roles[a.role_id].name}.")


@bp.post("/users/<user_id>/roles/<role_id>/remove")
def revoke_role(user_id: str, role_id: str):
    """Take a role away (``DELETE .../users/{id}/roles/{roleId}``); admin roles are protected."""
    e = emply()
    role = e.roles.get(role_id)
    return act(lambda: e.revoke_role(user_id, role_id, actor()),
               f"Removed the role {role.name if role else role_id}.")


@bp.post("/users/<user_id>/calendars/<calendar_id>")
def switch_calendar(user_id: str, calendar_id: str):
    """Enable or disable one of the user's calendars (CAL-2: never the default one)."""
    e = emply()
    wanted = request.form.get("enabled", "")

    def switch():
        if wanted not in ("true", "false"):
            raise EmplyError(400, "invalid_value", "'enabled' must be true or false.")
        return e.set_calendar_enabled(user_id, calendar_id, wanted == "true", actor())

    return act(switch, lambda c: f"Calendar {c.name} {'enabled' if c.enabled else 'disabled'}.")


@bp.post("/employees/<employee_id>/resignation")
def set_resignation(employee_id: str):
    """DEL-2: a resignation date makes the employee Pending, Archived on that date."""
    e = emply()
    when = None if "clear" in request.form else (request.form.get("date") or "").strip()

    def resign():
        if when == "":
            raise EmplyError(400, "missing_field", "Give a resignation date (YYYY-MM-DD).")
        return e.set_resignation_date(employee_id, when, actor())

    return act(resign, lambda x: f"Employee {x.number} {x.first_name} {x.last_name} is now "
                                 f"{x.status}" + (f" (resignation date {x.resignation_date})."
                                                  if x.resignation_date else "."))


@bp.post("/integration/toggles")
def switch_toggle():
    """Switch one integration setting on or off (``PATCH .../integrations/entra-id``)."""
    from mocks.emply.integration import TOGGLES

    e = emply()
    setting, value = request.form.get("setting", ""), request.form.get("value", "")

    def switch():
        if setting not in TOGGLES or value not in ("true", "false"):
            raise EmplyError(400, "invalid_value",
                             f"Choose one of {', '.join(TOGGLES)} and on or off.")
        return e.update_settings({setting: value == "true"}, actor())

    return act(switch, f"{setting} is now {'on' if value == 'true' else 'off'}.")


@bp.post("/runs/<int:run_id>/confirm")
def confirm_run(run_id: int):
    """SAFE-2: confirm the held run; it is planned again and applied."""
    who = actor()
    return act(lambda: _guard(lambda: engine().confirm(run_id, who)),
               lambda r: f"Held run {run_id} confirmed. " + _run_message(r))


@bp.post("/runs/<int:run_id>/reject")
def reject_run(run_id: int):
    """SAFE-2: reject the held run; nothing is applied and the next run starts afresh."""
    who = actor()
    return act(lambda: _guard(lambda: engine().reject(run_id, who)),
               f"Held run {run_id} rejected; nothing was applied.")


# -- Entra administrator actions, through Graph ----------------------------------------------------
@bp.post("/entra/admin-app")
def register_admin():
    """Register the demo's administrator app in the tenant (the portal's app registration)."""
    return act(lambda: register_admin_app(world().tenant),
               lambda app: f"Registered the app '{app.display_name}' with "
                           f"{', '.join(sorted(app.roles))}; the Entra actions use it.")


@bp.post("/entra/users")
def entra_create_user():
    """``POST /users``: a new Entra user, enabled, with a one-time password."""
    display = request.form.get("displayName", "").strip()
    upn = request.form.get("userPrincipalName", "").strip()

    def create():
        if not display or not upn:
            raise EmplyError(400, "missing_field", "Give the new user a name and a user "
                                                   "principal name (name@domain).")
        return _admin().create_user(display, upn, "Demo-" + secrets.token_urlsafe(12))

    return act(create, lambda u: f"Graph created the user {u['displayName']} "
                                 f"({u['userPrincipalName']}).")


@bp.post("/entra/users/<object_id>/enabled")
def entra_enable_user(object_id: str):
    """``PATCH /users/{id}`` with ``accountEnabled``: disable or enable the account."""
    wanted = request.form.get("enabled", "")

    def switch():
        if wanted not in ("true", "false"):
            raise EmplyError(400, "invalid_value", "'enabled' must be true or false.")
        _admin().set_enabled(object_id, wanted == "true")

    return act(switch, f"Graph {'enabled' if wanted == 'true' else 'disabled'} the account of "
                       f"{_entra_name(object_id)}.")


@bp.post("/entra/users/<object_id>/delete")
def entra_delete_user(object_id: str):
    """``DELETE /users/{id}``: the user moves to Entra's deleted users for 30 days."""
    label = _entra_name(object_id)
    return act(lambda: _admin().delete_user(object_id),
               f"Graph deleted {label}; restorable from deleted users for 30 days.")


@bp.post("/entra/deleted/<object_id>/restore")
def entra_restore_user(object_id: str):
    """``POST /directory/deletedItems/{id}/restore``."""
    label = _entra_name(object_id)
    return act(lambda: _admin().restore_user(object_id), f"Graph restored {label}.")


@bp.post("/entra/users/<object_id>/photo")
def entra_upload_photo(object_id: str):
    """``PUT /users/{id}/photo/$value`` with the uploaded image."""
    upload = request.files.get("photo")

    def put():
        if upload is None or not upload.filename:
            raise EmplyError(400, "missing_field", "Choose an image file to upload.")
        content = upload.stream.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            raise EmplyError(413, "file_too_large", "The photo is larger than 5 MB.")
        _admin().upload_photo(object_id, content, upload.mimetype or "application/octet-stream")

    return act(put, f"Graph stored a new photo for {_entra_name(object_id)}.")


@bp.post("/entra/groups")
def entra_create_group():
    """``POST /groups``: a new security group."""
    display = request.form.get("displayName", "").strip()

    def create():
        if not display:
            raise EmplyError(400, "missing_field", "Give the new group a name.")
        return _admin().create_group(display, request.form.get("description", "").strip() or None)

    return act(create, lambda g: f"Graph created the group {g['displayName']}.")


@bp.post("/entra/groups/<group_id>/members")
def entra_add_member(group_id: str):
    """``POST /groups/{id}/members/$ref``."""
    member = request.form.get("member_id", "")

    def add():
        if not member:
            raise EmplyError(400, "missing_field", "Choose a user to add.")
        _admin().add_member(group_id, member)

    return act(add, lambda _: f"Graph added {_entra_name(member)} to the group "
                              f"{_entra_name(group_id)}.")


@bp.post("/entra/groups/<group_id>/members/remove")
def entra_remove_member(group_id: str):
    """``DELETE /groups/{id}/members/{memberId}/$ref`` for the member chosen in the form."""
    member = request.form.get("member_id", "")

    def remove():
        if not member:
            raise EmplyError(400, "missing_field", "Choose a member to remove.")
        _admin().remove_member(group_id, member)

    return act(remove, lambda _: f"Graph removed {_entra_name(member)} from the group "
                                 f"{_entra_name(group_id)}.")


# -- the mapping editor (synced groups, SYNC-4, SYNC-9, SYNC-12) ------------------------------------
GROUP_FORM_FIELDS = ("roleId", "departmentId", "language", "timeZone", "currency")


def _group_form() -> dict[str, Any]:
    """The synced-group fields of a form; empty means none (no default)."""
    return {name: (request.form.get(name, "").strip() or None) for name in GROUP_FORM_FIELDS}


@bp.post("/integration/groups")
def add_synced_group():
    """Add an Entra group to the integration, last in order (``POST .../synced-groups``)."""
    e, group_id = emply(), request.form.get("groupId", "")

    def add():
        if not group_id:
            raise EmplyError(400, "missing_field", "Choose an Entra group to add.")
        group = world().tenant.groups.get(group_id)
        body = {"groupId": group_id, **_group_form()}
        if group is not None:
            body["displayName"] = group.props.get("displayName")
        return e.add_synced_group(body, actor())

    return act(add, lambda _: f"The group {group_name(e, group_id)} is synced now (last in "
                              "order).")


@bp.post("/integration/groups/<group_id>")
def update_synced_group(group_id: str):
    """Remap a synced group's role or change its defaults (``PATCH .../synced-groups/{id}``)."""
    e = emply()
    return act(lambda: e.update_synced_group(group_id, _group_form(), actor()),
               lambda _: f"Saved the group {group_name(e, group_id)}.")


@bp.post("/integration/groups/<group_id>/remove")
def remove_synced_group(group_id: str):
    """Take a group out of the integration (SYNC-4: its role is no longer maintained)."""
    e = emply()
    label = group_name(e, group_id)
    return act(lambda: e.remove_synced_group(group_id, actor()),
               f"The group {label} is out of the integration; its role is no longer maintained "
               "(SYNC-4).")


@bp.post("/integration/groups/<group_id>/move")
def move_synced_group(group_id: str):
    """Move a synced group up or down: the first group supplies the defaults (SYNC-12)."""
    e, direction = emply(), request.form.get("direction", "")

    def move():
        groups = [g.to_dict() for g in e.settings.synced_groups]
        index = next((i for i, g in enumerate(groups) if g["groupId"] == group_id), None)
        if index is None:
            raise EmplyError(404, "not_found", f"No synced group with id '{group_id}'.")
        if direction not in ("up", "down"):
            raise EmplyError(400, "invalid_value", "'direction' must be up or down.")
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(groups):
            raise EmplyError(400, "invalid_value", f"The group is already {'first' if other < 0 else 'last'}.")
        groups[index], groups[other] = groups[other], groups[index]
        return e.update_settings({"syncedGroups": groups}, actor())

    return act(move, lambda _: f"Moved the group {group_name(e, group_id)} {direction}.")


# -- the guided FAQ tour -----------------------------------------------------------------------------
def tour_state() -> faq_tour.Tour:
    """The tour's progress in this app's world (forgotten when the world is replaced)."""
    state = current_app.config.get("FAQ_TOUR")
    if state is None:
        state = current_app.config["FAQ_TOUR"] = faq_tour.Tour()
        world().on_replace(lambda _w: state.reset())
    return state


def _tour_context() -> faq_tour.Context:
    eng = hosted_engine()
    if eng is None:
        raise faq_tour.TourError("The tour needs the sync hosted in this Emply server.")
    return faq_tour.Context(world(), _admin(), eng, actor())


@bp.get("/tour")
def tour():
    """The tour's steps: rule, FAQ question, and where the tour is."""
    state = tour_state()
    return render_template("pages/tour.html", steps=faq_tour.STEPS, state=state, step=None,
                           index=None)


def _step_number(text: str) -> int:
    """A step number from the URL, or the pages' 404 naming the steps there are."""
    if not text.isdigit() or not 1 <= int(text) <= len(faq_tour.STEPS):
        raise EmplyError(404, "not_found", f"The tour has steps 1 to {len(faq_tour.STEPS)}.")
    return int(text)


@bp.get("/tour/<number>")
def tour_step(number: str):
    """One step: what is about to happen, the action, and the people before and after."""
    state, index = tour_state(), _step_number(number) - 1
    played = state.played.get(index)
    eng = hosted_engine()
    return render_template("pages/tour.html", steps=faq_tour.STEPS, state=state, index=index,
                           step=faq_tour.STEPS[index], played=played, columns=faq_tour.COLUMNS,
                           held=eng.held_run() if eng else None)


@bp.post("/tour/<number>/start")
def tour_start(number: str):
    """Get a step ready: go on from the step before, or reload the FAQ world and replay."""
    state, number = tour_state(), _step_number(number)

    def start():
        from mocks import scenarios

        _guard(lambda: state.start(number - 1, _tour_context))
        if (current_app.config.get("EMPLY_SCENARIO") or ("",))[0] != faq_tour.SCENARIO:
            current_app.config["EMPLY_SCENARIO"] = (faq_tour.SCENARIO,
                                                    scenarios.load_scenario(faq_tour.SCENARIO))
        return number

    return act(start, lambda n: f"Step {n} is ready: {faq_tour.STEPS[n - 1].title}.")


@bp.post("/tour/<number>/play")
def tour_play(number: str):
    """Play a step: its action (or the presenter's), the sync run, and the after."""
    state, number = tour_state(), _step_number(number)
    by_presenter = request.form.get("by") == "presenter"
    return act(lambda: _guard(lambda: state.play(number - 1, _tour_context(), by_presenter)),
               lambda p: f"Step {number} played" + (f": run {p.run['id']} ended "
                                                    f"{p.run['status']}." if p.run else "."))
