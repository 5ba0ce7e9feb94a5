"""Same runs, same run log: incremental runs take users in the model's order, whatever
the process's hash seed (the change log hands the snapshot sets of changed ids)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from mocks.emply.snapshot import Snapshot
from mocks.generate import Options, generate
from mocks.inprocess import InProcess
from mocks.world import World
from mocks.worldfile import load

ROOT = Path(__file__).resolve().parents[2]
PERMISSIONS = ["User.ReadWrite.All", "GroupMember.Read.All", "ProfilePhoto.Read.All",
               "Calendars.ReadWrite", "Organization.Read.All"]


def _world(users: int) -> World:
    base = {
        "seed": 7, "clock": "2026-01-05T08:00:00Z",
        "entra": {"tenant": {"displayName": "Order"},
                  "domains": [{"name": "contoso.dk", "default": True}],
                  "apps": [{"displayName": "Emply People", "permissions": PERMISSIONS}]},
        "emply": {"integration": {"updateRolesAfterFirstSync": True, "calendarSync": True}},
    }
    world = World()
    load(world, generate(Options(users=users, groups=4, seed=7, photos=0.2, calendars=0.1),
                         base))
    return world


# Run in a child process: a full run (the sync creates the Emply users), then a run after
# every other changed user left the synced groups and the rest joined one (roles change).
CHILD = """
import json, random, sys
from datetime import timedelta
from tests.sync.test_reproducible_order import _world
from mocks.inprocess import InProcess
world = _world(60)
engine = InProcess(world).engine
world.clock.unsubscribe(engine.on_clock)
engine.run("qa")
synced = [g.group_id for g in world.emply.settings.synced_groups]
for i, uid in enumerate(random.Random(7).sample(sorted(world.tenant.users), 20)):
    if i % 2:
        for g in synced:
            if uid in world.tenant.groups[g].members:
                world.tenant.remove_member(g, uid)
    elif uid not in world.tenant.groups[synced[i % len(synced)]].members:
        world.tenant.add_member(synced[i % len(synced)], uid)
world.clock.advance(timedelta(minutes=30))
engine.run("qa", lift_threshold=True)
for row in sorted(engine.store.changes(limit=100000), key=lambda r: r["id"]):
    print(json.dumps(row, sort_keys=True, default=str))
"""


def _run_log(hash_seed: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env.update(PYTHONHASHSEED=hash_seed, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_run_log_of_incremental_runs_is_the_same_under_two_hash_seeds():
    first, second = _run_log("1"), _run_log("2")
    assert '"runId": 2' in first and '"rule": "SYNC-3"' in first, "the second run changed nothing"
    assert first == second


def test_an_updated_snapshot_keeps_users_and_employees_in_the_models_order():
    world = _world(40)
    inproc = InProcess(world)
    try:
        engine = inproc.engine
        world.clock.unsubscribe(engine.on_clock)
        engine.run("qa")  # creates the users: the snapshot takes them in from the change log
        emply = world.emply
        for i in range(12):  # made by hand in Emply between runs
            emp = emply.add_employee({"firstName": f"Emp{i}", "lastName": "Loyee",
                                      "email": f"emp{i}@contoso.dk"}, "user:qa")
            emply.add_user({"email": f"hand{i}@contoso.dk", "firstName": f"Hand{i}",
                            "lastName": "Made"}, "user:qa")
            if i % 3 == 0:
                emply.add_user({"email": f"emp{i}@contoso.dk", "firstName": f"Emp{i}",
                                "lastName": "Loyee", "employeeId": emp.id}, "user:qa")
        world.clock.advance(timedelta(minutes=30))
        engine.run("qa")
        standing = engine.emply._snapshot
        with emply.lock:
            fresh = Snapshot(emply)
        assert list(standing.users) == list(fresh.users) == list(emply.users)
        assert list(standing.employees) == list(fresh.employees) == list(emply.employees)
        assert standing.users == fresh.users
    finally:
        inproc.close()
