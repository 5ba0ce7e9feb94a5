"""The run log's stored text and its lots (issue 13): what a reader of the log sees must not
depend on how the store writes it.

The old and new values are stored exactly as ``json.dumps(value, default=str)`` wrote them
before the store encoded them itself; the lots of rows and links reach SQLite in the order
they were logged, a later link of the same user wins, and a lot that SQLite refuses is
written not at all.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from sync_core.model import Action
from sync_core.store import FLUSH_EVERY, Store, _dumps, json_text

AT = "2026-01-05T08:00:00Z"


@dataclass
class Shown:
    name: str
    enabled: bool


VALUES = [
    None, "", "Calendar", "Søren Ærø 日本 \U0001f600", 'quote " backslash \\ tab \t nl \n \x00',
    0, -17, 2**70, 1.5, -0.0, 1e300, float("inf"), float("-inf"), float("nan"), True, False,
    [], (), ["b", "a"], ("t", 1), [None, [1, [2, {"x": None}]]],
    {}, {"name": "Calendar", "enabled": True},
    {"email": "a@b.dk", "roles": ["r1", "r2"], "groupRoles": {"g1": "r1", "g2": None},
     "department": None, "language": "da"},
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
    {"when": datetime(2026, 1, 5, 8, 0, tzinfo=UTC), "day": date(2026, 2, 1)},
    datetime(2026, 1, 5, 8, 0, 0, 123, tzinfo=timezone(timedelta(hours=2))),
    date(2026, 2, 1), Decimal("1.10"), b"bytes", frozenset({"only"}),
    Shown("Calendar", True), {"shown": Shown("Team", False)}, [Shown("x", True)],
]


@pytest.mark.parametrize("value", VALUES, ids=[repr(v)[:40] for v in VALUES])
def test_stored_values_are_the_text_json_dumps_with_default_str_gives(value):
    assert _dumps(value) == json.dumps(value, default=str)


def _plain(value: object) -> bool:
    """Whether json.dumps takes the value without a ``default``."""
    try:
        json.dumps(value)
    except TypeError:
        return False
    return True


PLAIN = [v for v in VALUES if _plain(v)] + [
    {"id": "u1", "user_principal_name": "a@b.dk", "mail": None, "display_name": "Åse Ø",
     "business_phones": ("+45 1", "+45 2"), "account_enabled": True, "hybrid": False}]


@pytest.mark.parametrize("value", PLAIN, ids=[repr(v)[:40] for v in PLAIN])
@pytest.mark.parametrize("options", [{}, {"sort_keys": True}, {"check_circular": False},
                                     {"separators": (",", ":")}, {"allow_nan": True},
                                     {"ensure_ascii": False}, {"indent": 2}])
def test_json_text_is_the_text_of_the_encoder_it_is_given(value, options):
    def outcome(encode):  # the text, or the kind of refusal (sort_keys over mixed keys)
        try:
            return encode(value)
        except TypeError as exc:
            return type(exc)

    assert outcome(lambda v: json_text(v, json.JSONEncoder(**options))) == \
        outcome(json.JSONEncoder(**options).encode)
    assert json_text(value) == json.dumps(value)


def test_json_text_refuses_what_json_dumps_refuses():
    for value in ({"when": date(2026, 2, 1)}, {"nan": float("nan")}):
        options = {"allow_nan": False} if "nan" in value else {}
        with pytest.raises((TypeError, ValueError)) as expected:
            json.JSONEncoder(**options).encode(value)
        with pytest.raises(expected.type, match=str(expected.value)[:20]):
            json_text(value, json.JSONEncoder(**options))


def test_a_cycle_is_refused_as_json_refuses_it():
    looped: list = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        json.dumps(looped, default=str)
    with pytest.raises(ValueError, match="Circular reference"):
        _dumps(looped)
    assert _dumps(["fine"]) == '["fine"]'  # nothing left over from the refused one


def test_the_run_log_reads_back_every_value_type_as_logged():
    store = Store()
    run = store.start_run("manual", AT)
    plain = [v for v in VALUES if isinstance(v, (str, int, list, dict)) and v == v]
    with store.buffered():
        for n, value in enumerate(plain):
            store.log_change(run, AT, Action("set_roles", "SYNC-6", f"r{n}", f"e{n}", f"u{n}",
                                             old=value, new=[value]), "success")
    rows = store._db.execute("SELECT old, new FROM changes ORDER BY id").fetchall()
    assert [(r["old"], r["new"]) for r in rows] == [
        (json.dumps(v, default=str), json.dumps([v], default=str)) for v in plain]


def _log(store: Store, run: int, count: int, start: int = 0) -> None:
    """As the engine does: the adapter links a user it made, then the change is logged."""
    for n in range(start, start + count):
        store.link(f"e{n}", f"u{n}", AT)
        store.log_change(run, AT, Action("set_roles", "SYNC-6", f"change {n}", f"e{n}", f"u{n}",
                                         old=None, new=[f"r{n}"]), "success")


def test_lots_are_written_in_the_order_logged_whatever_a_statement_can_bind():
    store = Store()
    store._max_variables = 13 * 7 + 5  # seven rows to a statement: many statements per lot
    run = store.start_run("manual", AT)
    count = FLUSH_EVERY * 2 + 11
    with store.buffered():
        _log(store, run, count)
    rows = store._db.execute("SELECT id, reason, new FROM changes ORDER BY id").fetchall()
    assert [r["reason"] for r in rows] == [f"change {n}" for n in range(count)]
    assert [r["new"] for r in rows] == [f'["r{n}"]' for n in range(count)]
    assert [r["id"] for r in rows] == list(range(1, count + 1))
    store._links = None  # read back from SQLite
    assert store.links() == {f"e{n}": f"u{n}" for n in range(count)}


def test_a_later_link_of_the_same_user_in_one_lot_wins():
    store = Store()
    with store.buffered():
        store.link("e1", "u1", AT)
        store.link("e2", "u2", AT)
        store.link("e1", "u3", AT)  # e1 now goes to u3
        store.link("e4", "u2", AT)  # u2 is linked once: e2's link goes
    store._links = None
    assert store.links() == {"e1": "u3", "e4": "u2"}


def test_a_lot_sqlite_refuses_is_written_not_at_all_and_earlier_lots_stay():
    store = Store()
    run = store.start_run("manual", AT)
    with pytest.raises(sqlite3.IntegrityError), store.buffered():
        _log(store, run, FLUSH_EVERY)  # the first lot goes out when it is full
        _log(store, run, 3, start=FLUSH_EVERY)
        # A rule is required (NOT NULL): SQLite refuses this row, and with it its lot.
        store.log_change(run, AT, Action("set_roles", None, "no rule", "x", "y"),  # type: ignore[arg-type]
                         "success")
    reasons = [r["reason"] for r in store._db.execute("SELECT reason FROM changes ORDER BY id")]
    assert reasons == [f"change {n}" for n in range(FLUSH_EVERY)]
    store._links = None
    assert store.links() == {f"e{n}": f"u{n}" for n in range(FLUSH_EVERY)}


def test_a_full_read_saved_in_many_statements_is_the_copy_a_restarted_host_loads():
    from sync_core.directory import Directory
    from sync_core.model import EntraUser

    store = Store()
    store._max_variables = 2 * 3  # three rows to a statement
    users = {f"u{n}": EntraUser(f"u{n}", f"user{n}@contoso.com", display_name=f"User Ø{n}",
                                business_phones=("+45 1234",) if n % 2 else ())
             for n in range(11)}
    members = {"g1": tuple(f"u{n}" for n in range(0, 11, 2)), "g2": ("u1", "u3", "u10")}
    Directory(store).replace(users, members, False, frozenset({"contoso.com"}), "ul", "gl")
    again = Directory(store)  # a restarted host: read back from SQLite
    assert again.users == users
    assert again.members == {g: set(m) for g, m in members.items()}
    rows = store._db.execute("SELECT COUNT(*) FROM entra_members").fetchone()[0]
    assert rows == 6 + 3
