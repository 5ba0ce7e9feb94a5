"""What one Graph request costs the mock in-process (issue 13): CPU per request, no network.

    python benchmarks/graph_request_cost.py [--users 300] [--blocks 60] [--repo PATH]
                                            [--against PATH [--turns 3]]

Calls the Graph app's WSGI callable directly (the way a served request reaches it) for:
``GET /v1.0/users?$top=100`` with a bearer token, and ``POST /v1.0/$batch`` of 20 inner
GETs of each kind the sync batches (calendars with ``$select``, a calendar's events as
the sync asks for them, photo metadata, photo bytes, group members cast to users). Each figure is the best of ``--blocks`` blocks of
CPU time (see :func:`best_ms`). ``--repo``
measures another checkout of this repository (e.g. an unmodified one) with the same
script. ``--against PATH`` compares two checkouts in one run: child processes measure
PATH and ``--repo`` by turns (``--turns`` each, ``--blocks`` split between them) and the
best figure of each side is printed with the ratio after / before.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

PERMISSIONS = ["User.ReadWrite.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All",
               "Calendars.ReadWrite", "ProfilePhoto.ReadWrite.All"]


def build(users: int):
    """A seeded world, its Graph app and a bearer token for the sync's app."""
    from mocks.generate import Options, generate
    from mocks.graph.app import create_app
    from mocks.identity.app import create_app as create_identity
    from mocks.world import World
    from mocks.worldfile import load

    base = {"seed": 7, "clock": "2026-01-05T08:00:00Z",
            "entra": {"tenant": {"displayName": "Benchmark"},
                      "domains": [{"name": "contoso.dk", "default": True}],
                      "apps": [{"displayName": "Emply People", "permissions": PERMISSIONS}]}}
    world = World()
    load(world, generate(Options(users=users, groups=5, seed=7, photos=1.0, calendars=1.0), base))
    app = create_app(world)
    identity = create_identity(world).test_client()
    client = next(a for a in world.tenant.apps.values() if a.display_name == "Emply People")
    answer = identity.post(f"/{world.tenant.id}/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": client.client_id,
        "client_secret": client.secret, "scope": "https://graph.microsoft.com/.default"})
    return world, app, answer.get_json()["access_token"]


def environ(method: str, path: str, query: str, token: str, body: bytes = b"") -> dict:
    """A WSGI environ as a server builds it (fresh per call: the app may write into it)."""
    import io

    env = {"REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path,
           "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "443",
           "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
           "HTTP_AUTHORIZATION": "Bearer " + token, "wsgi.url_scheme": "https",
           "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
           "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}
    if body:
        env["CONTENT_TYPE"] = "application/json"
        env["CONTENT_LENGTH"] = str(len(body))
    return env


def call(app, env: dict) -> bytes:
    status: list[str] = []
    body = b"".join(app(env, lambda s, h, e=None: status.append(s)))
    if not status[0].startswith("200"):
        raise SystemExit(f"unexpected answer {status[0]}: {body[:300]!r}")
    return body


def best_ms(runs: dict[str, tuple[Callable[[], Any], int]], rounds: int) -> dict[str, float]:
    """ms of this thread's CPU per call of each run, the best of ``rounds`` blocks of
    ``count`` calls. CPU time, not wall time, and the runs take turns block by block, so
    other processes on a shared machine disturb every figure alike and the best block
    of each is an undisturbed one."""
    best = dict.fromkeys(runs, float("inf"))
    for run, _ in runs.values():
        run()
    for _ in range(rounds):
        for name, (run, count) in runs.items():
            started = time.thread_time()
            for _ in range(count):
                run()
            best[name] = min(best[name], (time.thread_time() - started) / count)
    return {name: seconds * 1000 for name, seconds in best.items()}


def compare(args: argparse.Namespace) -> None:
    """Measure ``--against`` (before) and ``--repo`` (after) by turns in child processes."""
    import subprocess

    sides = {"before": str(Path(args.against).resolve()), "after": str(Path(args.repo).resolve())}
    best: dict[str, dict[str, float]] = {side: {} for side in sides}
    blocks = max(1, args.blocks // args.turns)
    for _ in range(args.turns):
        for side, repo in sides.items():
            out = subprocess.run([sys.executable, __file__, "--users", str(args.users),
                                  "--blocks", str(blocks), "--repo", repo],
                                 capture_output=True, text=True, check=True).stdout
            for line in out.splitlines()[1:]:
                name, ms = line.strip().rsplit(None, 2)[0], float(line.split()[-2])
                best[side][name] = min(best[side].get(name, float("inf")), ms)
    print(f"before {sides['before']}\nafter  {sides['after']}\n{args.users} users, best of "
          f"{args.turns} turns x {blocks} blocks each")
    for name, ms in best["before"].items():
        after = best["after"][name]
        print(f"  {name:32} {ms:7.2f} ms -> {after:7.2f} ms  ({after / ms:.2f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--blocks", type=int, default=60)
    parser.add_argument("--repo", default=str(HERE.parent))
    parser.add_argument("--against", help="another checkout to compare with (before)")
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()
    if args.against:
        compare(args)
        return
    sys.path.insert(0, str(Path(args.repo).resolve()))
    world, app, token = build(args.users)
    from mocks.entra.mailbox import default_calendar

    uids = sorted(world.tenant.users)[:20]
    gids = sorted(world.tenant.groups)[:5]
    calendar = {u: default_calendar(world.tenant, u).id for u in uids}
    inner = {
        "calendars": "/users/{u}/calendars?$select=id,name,isDefaultCalendar,canEdit",
        "events": "/users/{u}/calendars/{c}/events?$select=id,subject,start,end,transactionId"
                  "&$top=100",
        "photo": "/users/{u}/photo",
        "photo/$value": "/users/{u}/photo/$value",
        "members": "/groups/{g}/members/microsoft.graph.user?$select=id&$top=999",
    }
    runs: dict[str, tuple[Callable[[], Any], int]] = {"users?$top=100": (
        lambda: call(app, environ("GET", "/v1.0/users", "$top=100", token)), 20)}
    for name, url in inner.items():
        body = json.dumps({"requests": [
            {"id": str(i), "method": "GET",
             "url": url.format(u=u, g=gids[i % len(gids)], c=calendar[u])}
            for i, u in enumerate(uids)]}).encode()
        runs[f"$batch 20x {name}"] = (
            lambda b=body: call(app, environ("POST", "/v1.0/$batch", "", token, b)), 3)
    figures = best_ms(runs, args.blocks)
    print(f"repo {args.repo}, {args.users} users, best of {args.blocks} blocks")
    for name, ms in figures.items():
        print(f"  {name:32} {ms:7.2f} ms")


if __name__ == "__main__":
    main()
