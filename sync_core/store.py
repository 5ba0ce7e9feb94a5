"""The sync core's own state in SQLite: links, the last run's state, delta tokens,
held plans and the run history.

The run history is shaped after Entra's provisioning log: one record per run and
one per change, with an action (create, update, disable, delete, skip, staged) and
a status (success, failure, skipped, warning). This is the only store of runs. A
file when served, ``":memory:"`` in tests.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from sync_core.model import Action, LastState

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    entra_id TEXT PRIMARY KEY, emply_user_id TEXT NOT NULL UNIQUE, linked_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS user_groups (entra_id TEXT PRIMARY KEY, groups TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, trigger TEXT NOT NULL, scope TEXT,
    started TEXT NOT NULL, ended TEXT, status TEXT NOT NULL, counts TEXT,
    message TEXT, plan TEXT);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL REFERENCES runs(id),
    at TEXT NOT NULL, kind TEXT NOT NULL, action TEXT NOT NULL, status TEXT NOT NULL,
    rule TEXT NOT NULL, reason TEXT NOT NULL, entra_id TEXT, emply_user_id TEXT,
    email TEXT, old TEXT, new TEXT, error TEXT);
CREATE INDEX IF NOT EXISTS changes_by_user ON changes (emply_user_id);
CREATE INDEX IF NOT EXISTS changes_by_run ON changes (run_id);
"""

INSERT_CHANGE = ("INSERT INTO changes (run_id, at, kind, action, status, rule, reason, "
                 "entra_id, emply_user_id, email, old, new, error) "
                 "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
INSERT_LINK = "INSERT OR REPLACE INTO links VALUES (?, ?, ?)"
FLUSH_EVERY = 500  # change-log rows written together inside Store.buffered()
_ENCODER = json.JSONEncoder(default=str)
_PLAIN = json.JSONEncoder()  # what json.dumps(value) uses


def _dumps(value: Any) -> str:
    """``json.dumps(value, default=str)``, the same text, for less: the run log encodes two
    values per change (70,000 at a 10k first run) and most are None or a string."""
    if value is None:
        return "null"
    return json_text(value, _ENCODER)


def json_text(value: Any, encoder: json.JSONEncoder = _PLAIN) -> str:
    """``encoder.encode(value)`` (default: ``json.dumps(value)``), the same text, without
    its per-call set-up: a string takes the library's own short cut, anything else the
    C encoder the library would pick for it; for this module's two encoders made once
    per thread and kept (making it was half the cost of encoding a run log value)."""
    if c_make_encoder is None or encoder.indent is not None or not encoder.ensure_ascii:
        return encoder.encode(value)  # not the case the C encoder below stands for
    if isinstance(value, str):
        return encode_basestring_ascii(value)
    kept = _made.__dict__ if encoder is _ENCODER or encoder is _PLAIN else None
    found = kept.get(id(encoder)) if kept is not None else None
    if found is None:
        markers: dict[int, Any] | None = {} if encoder.check_circular else None
        found = (markers, c_make_encoder(
            markers, encoder.default, encode_basestring_ascii, None, encoder.key_separator,
            encoder.item_separator, encoder.sort_keys, encoder.skipkeys, encoder.allow_nan))
        if kept is not None:
            kept[id(encoder)] = found
    try:
        return "".join(found[1](value, 0))
    except BaseException:
        if found[0] is not None:  # an encoding that stopped half-way leaves its marks
            found[0].clear()
        raise


_made = threading.local()  # per thread: a C encoder's circular-reference marks are its own


# Our action kinds in the vocabulary of Entra's provisioning log.
LOG_ACTION = {
    "create_user": "create", "link_user": "update", "set_roles": "update",
    "deactivate": "disable", "reactivate": "update", "set_photo": "update",
    "remove_photo": "update", "add_calendar": "update", "remove_calendar": "update",
    "import_events": "update", "push_event": "create", "update_entra": "update",
    "create_in_entra": "create", "delete_in_entra": "delete", "skip": "skip", "error": "other",
}


@dataclass
class Run:
    id: int
    trigger: str
    scope: str | None
    started: str
    ended: str | None
    status: str
    counts: dict[str, int]
    message: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "trigger": self.trigger, "scope": self.scope,
                "started": self.started, "ended": self.ended, "status": self.status,
                "counts": self.counts, "message": self.message}


class Store:
    """Thread-safe access to the sync core's SQLite database."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.RLock()
        # Not given a file, the store is SQLite's private temporary database: like an
        # in-memory one it is this connection's alone and gone when closed, but its pages
        # live in a file SQLite deletes, not in RAM (a 30,000-user run log is tens of MB).
        self._db = sqlite3.connect("" if path == ":memory:" else path, check_same_thread=False,
                                   isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        else:  # nothing outlives the connection: no journal file per statement either
            self._db.execute("PRAGMA journal_mode=MEMORY")
        self._db.executescript(SCHEMA)
        self._user_groups: dict[str, frozenset[str]] | None = None  # see last_state()
        self._links: dict[str, str] | None = None  # see links()
        self._group_sets: dict[frozenset[str], frozenset[str]] = {}  # one of each (memory)
        # Within buffered(): change-log rows and links waiting to be written together.
        self._buffer: list[tuple[Any, ...]] | None = None
        self._buffered_links: list[tuple[str, str, str]] = []
        # How many ? one statement may bind (32,766 since SQLite 3.32; 999 before).
        self._max_variables = (self._db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
                               if hasattr(self._db, "getlimit") else 999)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def execute_script(self, script: str) -> None:
        """Run DDL for a component that keeps its own tables here (the directory copy)."""
        with self._lock:
            self._db.executescript(script)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All statements in the block commit together, or none does."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextlib.contextmanager
    def buffered(self) -> Iterator[None]:
        """Within the block, change-log rows and new links are written ``FLUSH_EVERY`` at a
        time, each lot in one transaction, and the rest when the block ends, however it
        ends. A run applying 25,000 changes makes 50 writes, not 35,000 (issue 13): each
        statement lets go of the GIL, and getting it back behind busy threads is slow."""
        with self._lock:
            outer = self._buffer is not None
            if not outer:
                self._buffer = []
        try:
            yield
        finally:
            if not outer:
                with self._lock:
                    try:
                        self.flush()
                    finally:
                        self._buffer = None

    def flush(self) -> None:
        """Write what :meth:`buffered` holds back, in one transaction."""
        with self._lock:
            rows, links = self._buffer or [], self._buffered_links
            if not rows and not links:
                return
            with self.transaction():
                self.insert_many(INSERT_CHANGE, rows)
                self.insert_many(INSERT_LINK, links)
            if self._buffer is not None:
                self._buffer.clear()
            self._buffered_links = []

    def insert_many(self, insert: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """``executemany(insert, rows)`` as a few multi-row INSERTs, in the same order
        (``insert`` ends in one ``VALUES (?, ...)``; call it inside a transaction).

        executemany steps SQLite once per row and lets go of the GIL at each step; the
        sync shares the process with the mock's busy server threads, and taking the GIL
        back behind them is what made a row cost far more than SQLite's own work. Rows
        are taken from ``rows`` one statement's worth at a time (memory)."""
        with self._lock:
            rest = iter(rows)
            first = next(rest, None)
            if first is None:
                return
            # At most a lot's worth of rows a statement: a full read's 30,000 directory rows
            # are not all held as text at once (peak memory, issue 13).
            per_statement = max(1, min(FLUSH_EVERY, self._max_variables // len(first)))
            head, _, one = insert.rpartition("VALUES ")
            lot = [first, *islice(rest, per_statement - 1)]
            while lot:
                # The same text for the same number of rows: sqlite3 keeps it compiled.
                self._db.execute(f"{head}VALUES {','.join([one] * len(lot))}",
                                 [value for row in lot for value in row])
                lot = list(islice(rest, per_statement))

    # -- key/value ---------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row["value"]) if row else default

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                             (key, json.dumps(value)))

    def delete(self, key: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM meta WHERE key = ?", (key,))

    # -- links (SYNC-1) ------------------------------------------------------------
    def links(self) -> dict[str, str]:
        """Entra object id -> Emply user id. Read from SQLite once, then kept in memory (this
        store is the only writer), so a run does not read every link again."""
        with self._lock:
            if self._links is None:
                rows = self._db.execute("SELECT entra_id, emply_user_id FROM links").fetchall()
                self._links = {r["entra_id"]: r["emply_user_id"] for r in rows}
            return dict(self._links)

    def link(self, entra_id: str, emply_user_id: str, at: str) -> None:
        with self._lock:
            if self._buffer is not None:
                self._buffered_links.append((entra_id, emply_user_id, at))
            else:
                self._db.execute(INSERT_LINK, (entra_id, emply_user_id, at))
            if self._links is not None:
                self._links[entra_id] = emply_user_id

    def unlink(self, entra_id: str) -> None:
        with self._lock:
            self.flush()  # a buffered link of this user is written before it goes
            self._db.execute("DELETE FROM links WHERE entra_id = ?", (entra_id,))
            if self._links is not None:
                self._links.pop(entra_id, None)

    # -- the last run's state (SYNC-6) ---------------------------------------------
    def last_state(self) -> LastState:
        """The last applied run's state. The per-user groups are read from SQLite once and
        then kept in memory alongside it (this store is the only writer)."""
        with self._lock:
            if self._user_groups is None:
                self._user_groups = {
                    r["entra_id"]: frozenset(json.loads(r["groups"]))
                    for r in self._db.execute("SELECT entra_id, groups FROM user_groups")}
            groups: dict[str, frozenset[str] | None] = dict(self._user_groups)
        return LastState(
            mapping=self.get("mapping"),
            user_groups=groups,
            retired_roles=frozenset(self.get("retired_roles", [])),
            unsynced_links=set(self.get("unsynced_links", [])),
            refused_entra_updates=self.get("refused_entra_updates", {}),
            reported=set(self.get("reported", [])),
        )

    def save_state(self, state: LastState, *, only: set[str] | None = None,
                   covered: frozenset[str] | None = None) -> None:
        """Save a run's state; ``only`` limits the per-user part to some Entra ids (one
        user on demand). ``covered``: the Entra ids an incremental plan looked at; the
        others' groups are as saved, so only these are compared (issue 13).

        Only the users whose groups changed are written, so a run that changed little
        costs little here.
        """
        with self._lock:
            saved = self._saved_groups()
            if covered is not None and only is None:
                new = {uid: frozenset(groups) for uid in covered
                       if (groups := state.user_groups.get(uid)) is not None}
                gone = [uid for uid in covered if uid in saved and uid not in new]
                only = set(covered)  # the rest of the per-user part stays as it is
                self._save(state, saved, new, gone, only, whole_run=True)
                return
            new = {uid: frozenset(groups) for uid, groups in state.user_groups.items()
                   if groups is not None and (only is None or uid in only)}
            gone = [uid for uid in saved if uid not in new] if only is None else []
            self._save(state, saved, new, gone, only, whole_run=only is None)

    def _save(self, state: LastState, saved: dict[str, frozenset[str]],
              new: dict[str, frozenset[str]], gone: list[str], only: set[str] | None,
              whole_run: bool) -> None:
        """Write the changed per-user groups and the run-wide state in one transaction."""
        with self._lock:
            rows = [(uid, json.dumps(sorted(groups))) for uid, groups in new.items()
                    if saved.get(uid) != groups]
            self._db.execute("BEGIN")
            try:
                self._db.executemany("DELETE FROM user_groups WHERE entra_id = ?",
                                     [(uid,) for uid in gone])
                if whole_run:
                    self.put("mapping", state.mapping)
                    self.put("retired_roles", sorted(state.retired_roles))
                self._db.executemany("INSERT OR REPLACE INTO user_groups VALUES (?, ?)", rows)
                if whole_run:  # the plan carried every unsynced link over (or settled it)
                    unsynced = set(state.unsynced_links)
                else:
                    unsynced = set(self.get("unsynced_links", []))
                    unsynced -= only or set()
                    unsynced |= state.unsynced_links & (only or set())
                self.put("unsynced_links", sorted(unsynced))
                self.put("refused_entra_updates", state.refused_entra_updates)
                if whole_run:
                    self.put("reported", sorted(state.reported))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._user_groups = None  # read again from what SQLite kept
                raise
            for uid in gone:
                saved.pop(uid, None)
            # Users share a few combinations of groups: keep one frozenset of each.
            shared = self._group_sets
            saved.update((uid, shared.setdefault(groups, groups)) for uid, groups in new.items())

    def _saved_groups(self) -> dict[str, frozenset[str]]:
        if self._user_groups is None:
            self.last_state()
        assert self._user_groups is not None
        return self._user_groups

    # -- runs and changes (SAFE-3) ------------------------------------------------
    def start_run(self, trigger: str, at: str, scope: str | None = None) -> int:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO runs (trigger, scope, started, status) VALUES (?, ?, ?, 'running')",
                (trigger, scope, at))
            return int(cur.lastrowid)

    def finish_run(self, run_id: int, status: str, at: str, counts: dict[str, int],
                   message: str | None = None, plan: list[dict] | None = None) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE runs SET ended = ?, status = ?, counts = ?, message = ?, plan = ? "
                "WHERE id = ?",
                (at, status, json.dumps(counts), message,
                 json.dumps(plan) if plan is not None else None, run_id))

    def mark_interrupted(self, at: str) -> list[int]:
        """Runs left 'running' by a crash are marked interrupted; returns their ids."""
        with self._lock:
            ids = [r["id"] for r in self._db.execute(
                "SELECT id FROM runs WHERE status = 'running'")]
            self._db.execute(
                "UPDATE runs SET status = 'interrupted', ended = ?, "
                "message = 'the run stopped before it finished; the next run converges' "
                "WHERE status = 'running'", (at,))
        return ids

    def log_change(self, run_id: int, at: str, action: Action, status: str,
                   error: str | None = None) -> None:
        row = (run_id, at, action.kind, LOG_ACTION.get(action.kind, "other"), status,
               action.rule, action.reason, action.entra_id, action.emply_id, action.email,
               _dumps(action.old), _dumps(action.new), error)
        with self._lock:
            if self._buffer is None:
                self._db.execute(INSERT_CHANGE, row)
                return
            self._buffer.append(row)
            if len(self._buffer) >= FLUSH_EVERY:
                self.flush()

    def runs(self, limit: int = 50, offset: int = 0) -> list[Run]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM runs ORDER BY id DESC LIMIT ? OFFSET ?", (limit, offset)).fetchall()
        return [_run(r) for r in rows]

    def run(self, run_id: int) -> Run | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _run(row) if row else None

    def run_plan(self, run_id: int) -> list[dict] | None:
        with self._lock:
            row = self._db.execute("SELECT plan FROM runs WHERE id = ?", (run_id,)).fetchone()
        return json.loads(row["plan"]) if row and row["plan"] else None

    def set_run_status(self, run_id: int, status: str, message: str | None = None) -> None:
        with self._lock:
            self._db.execute("UPDATE runs SET status = ?, message = COALESCE(?, message) "
                             "WHERE id = ?", (status, message, run_id))

    def changes(self, *, run_id: int | None = None, emply_user_id: str | None = None,
                rule: str | None = None, kind: str | None = None,
                limit: int = 500) -> list[dict[str, Any]]:
        clauses, params = [], []
        for column, value in (("run_id", run_id), ("emply_user_id", emply_user_id),
                              ("rule", rule), ("kind", kind)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM changes {where} ORDER BY id DESC LIMIT ?",  # noqa: S608
                (*params, limit)).fetchall()
        return [_change(r) for r in rows]


def _run(row: sqlite3.Row) -> Run:
    return Run(row["id"], row["trigger"], row["scope"], row["started"], row["ended"],
               row["status"], json.loads(row["counts"]) if row["counts"] else {},
               row["message"])


def _change(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "runId": row["run_id"], "at": row["at"], "kind": row["kind"],
            "action": row["action"], "status": row["status"], "rule": row["rule"],
            "reason": row["reason"], "entraId": row["entra_id"],
            "emplyUserId": row["emply_user_id"], "email": row["email"],
            "old": json.loads(row["old"]) if row["old"] else None,
            "new": json.loads(row["new"]) if row["new"] else None, "error": row["error"]}
