"""Emply's API for the hosted sync core: trigger runs, sync one user, read the run
log, ask why a user is deactivated, and confirm or reject a held run (SAFE-2).

Routes only: the engine in :mod:`sync_core.engine` does the work.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from mocks.emply.errors import EmplyError
from mocks.emply.responses import _customer, actor, body, emply, needs
from sync_core.engine import AlreadyRunning, NotConfigured, NothingHeld, SyncEngine
from sync_core.graph import GraphError
from sync_core.model import REASON_TEXT

bp = Blueprint("emply_sync", __name__)
bp.url_value_preprocessor(_customer)
BASE = "/integrations/entra-id"


def engine() -> SyncEngine:
    host = current_app.config.get("SYNC_HOST")
    if host is None:
        raise EmplyError(503, "sync_not_hosted",
                         "The sync core is not running in this Emply server (start it through "
                         "mocks.inprocess.InProcess or emply-sim serve).")
    return host.engine


def _guard(call):
    try:
        return call()
    except AlreadyRunning as exc:
        raise EmplyError(409, "sync_already_running", f"{exc}; try again when it has finished.") from exc
    except NotConfigured as exc:
        raise EmplyError(409, "integration_not_configured", str(exc)) from exc
    except NothingHeld as exc:
        raise EmplyError(409, "run_not_held", str(exc)) from exc
    except GraphError as exc:
        raise EmplyError(502, "graph_error", f"Microsoft Graph: {exc}") from exc


@bp.post(f"{BASE}/runs")
@needs("write")
def trigger_run():
    """SYNC-2: a run on demand; 409 while one is already under way."""
    result = _guard(lambda: engine().run("manual"))
    return jsonify(_run_document(engine(), result.run_id)), 201


@bp.get(f"{BASE}/runs")
@needs("read")
def list_runs():
    limit = _int_arg("limit", 50, 1, 500)
    e = engine()
    return jsonify({"value": [r.to_json() for r in e.store.runs(limit=limit)],
                    "heldRun": e.held_run(),
                    "nextScheduledRun": e.next_due.strftime("%Y-%m-%dT%H:%M:%SZ")
                    if e.next_due else None})


@bp.get(f"{BASE}/runs/<int:run_id>")
@needs("read")
def get_run(run_id: int):
    if run_id > MAX_RUN_ID:
        raise EmplyError(404, "run_not_found", f"No sync run with id {run_id}.")
    return jsonify(_run_document(engine(), run_id))


MAX_RUN_ID = 2**63 - 1  # SQLite's largest integer: a bigger id names no run (and no 500)


def _run_document(e: SyncEngine, run_id: int) -> dict[str, Any]:
    """One run in the one shape every route answers with: the run, ``runId`` (its id
    again, for callers that trigger runs), its changes as the run log holds them, and the
    staged plan of a held run."""
    run = e.store.run(run_id)
    if run is None:
        raise EmplyError(404, "run_not_found", f"No sync run with id {run_id}.")
    out: dict[str, Any] = run.to_json()
    out["runId"] = run.id
    out["changes"] = list(reversed(e.store.changes(run_id=run_id, limit=100000)))
    out["heldPlan"] = e.store.run_plan(run_id) if run.status == "held" else None
    return out


@bp.post(f"{BASE}/runs/<int:run_id>/confirm")
@needs("settings")
def confirm_run(run_id: int):
    """SAFE-2: plan again on current data and apply, threshold lifted for this one run."""
    who = actor()
    result = _guard(lambda: engine().confirm(run_id, who))
    return jsonify(_run_document(engine(), result.run_id)), 201


@bp.post(f"{BASE}/runs/<int:run_id>/reject")
@needs("settings")
def reject_run(run_id: int):
    who = actor()
    _guard(lambda: engine().reject(run_id, who))
    return jsonify({"runId": run_id, "status": "rejected"})


@bp.post(f"{BASE}/sync-user")
@needs("write")
def sync_one_user():
    """Like Entra's provision on demand: one user now, with each step shown."""
    data = body()
    key = data.get("entraObjectId") or data.get("userPrincipalName")
    if not isinstance(key, str) or not key.strip():
        raise EmplyError(400, "invalid_body",
                         "Give 'entraObjectId' or 'userPrincipalName' of the Entra user to sync.")
    result = _guard(lambda: engine().sync_user(key.strip()))
    return jsonify(_run_document(engine(), result.run_id)), 201


@bp.get(f"{BASE}/changes")
@needs("read")
def list_changes():
    e = engine()
    run_id = _int_arg("runId", None, 1, MAX_RUN_ID)
    return jsonify({"value": e.store.changes(
        run_id=run_id, emply_user_id=request.args.get("userId"),
        rule=request.args.get("rule"), kind=request.args.get("kind"),
        limit=_int_arg("limit", 500, 1, 10000))})


@bp.get("/users/<user_id>/deactivation-reason")
@needs("read")
def why_deactivated(user_id: str):
    """SYNC-8: why is this user deactivated? From the model and the run log."""
    user = emply().user(user_id)
    if user.deactivation is None:
        return jsonify({"userId": user.id, "status": "active", "reason": None,
                        "message": "The user is active."})
    d = user.deactivation
    change = engine().why_deactivated(user.id) if d.by == "sync" else None
    text = REASON_TEXT.get(d.reason, "deactivated by hand in Emply")
    return jsonify({
        "userId": user.id, "status": "deactivated", "reason": d.reason, "reasonText": text,
        "deactivatedBy": d.by, "at": d.at.strftime("%Y-%m-%dT%H:%M:%SZ"), "note": d.note,
        "rule": change["rule"] if change else None, "runId": change["runId"] if change else None})


def _int_arg(name: str, default: int | None, low: int, high: int | None) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise EmplyError(400, "invalid_query", f"'{name}' must be a whole number.") from exc
    if value < low or (high is not None and value > high):
        raise EmplyError(400, "invalid_query",
                         f"'{name}' must be between {low} and {high if high else 'any'}.")
    return value
