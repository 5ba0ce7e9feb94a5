"""Side by side (issue 13): the served Graph mock and Stoplight Prism, one load generator,
one run, both behind TLS.

    python benchmarks/served_vs_prism.py [--users 300] [--seconds 10] [--connections 16]
                                         [--rounds 2] [--warmup 3]

The mock answers ``GET /v1.0/users?$top=100`` from a seeded world, checking the bearer
token on every request. Prism (``@stoplight/prism-cli`` from the npm registry, installed
into ``benchmarks/.cache/prism``, which git ignores) serves the same page as the static
example of a one-operation OpenAPI document, with stunnel (Debian's stunnel4) terminating
TLS in front of it with the same throw-away certificate. wrk (Debian's package) loads each
in turn with the same threads, connections, duration and headers, in alternating rounds.
Before the rounds, each side gets ``--warmup`` seconds of the same load, unmeasured:
Prism's first seconds run in Node's interpreter before its JIT has compiled the hot
paths (its first round measured 40-50 % below its second), which flattered the mock.
Prints req/s, p50 and p99 for each round, the ratio mock / Prism of the means and the
median of the rounds' own ratios (a round's two runs are next to each other in time, so
their ratio is the least touched by the machine's swings), and each side's CPU time per
request: the mock's process, Prism's Node process and stunnel, read from ``/proc``.
Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

PRISM_DIR = HERE / ".cache" / "prism"
PRISM = PRISM_DIR / "node_modules" / ".bin" / "prism"


def ensure_prism() -> Path:
    """Prism from the npm registry, installed once into the ignored cache folder."""
    if not PRISM.exists():
        PRISM_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(PRISM_DIR),
                        "@stoplight/prism-cli"], check=True, stdout=subprocess.DEVNULL)
    return PRISM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, verify, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, verify=verify, timeout=2.0, trust_env=False)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def openapi_for(page: dict) -> dict:
    """A one-operation OpenAPI document whose static example is the mock's own page."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Graph users page (static example)", "version": "1.0"},
        "paths": {"/v1.0/users": {"get": {
            "parameters": [{"name": "$top", "in": "query", "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "one page of users", "content": {
                "application/json": {"schema": {"type": "object"},
                                     "examples": {"page": {"value": page}}}}}}}}},
    }


def wrk(url: str, token: str, seconds: int, connections: int) -> dict[str, float]:
    """req/s, requests, p50 and p99 (ms) of one wrk run."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-H", f"Authorization: Bearer {token}", url],
        capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    count = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rate, "requests": count, "p50": _ms(out, "50%"), "p99": _ms(out, "99%"),
            "non2xx": int(errors.group(1)) if errors else 0}


def _ms(out: str, pct: str) -> float:
    value, unit = re.search(rf"^\s+{re.escape(pct)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time these processes (and their waited-for children) used so far,
    from ``/proc/<pid>/stat``; for this process, :func:`time.process_time` is finer."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        if pid == os.getpid():
            total += time.process_time()
            continue
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
    return total


def measured(url: str, token: str, seconds: int, connections: int, pids: list[int]
             ) -> dict[str, float]:
    """:func:`wrk`'s figures and the CPU milliseconds per request of the server ``pids``."""
    before = cpu_seconds(pids)
    figures = wrk(url, token, seconds, connections)
    spent = cpu_seconds(pids) - before
    figures["cpu_ms"] = spent * 1000 / max(1, figures["requests"])
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2,
                        help="alternating rounds of --seconds each for the mock and Prism")
    parser.add_argument("--warmup", type=int, default=3,
                        help="seconds of unmeasured load on each side before the rounds")
    args = parser.parse_args(argv)
    command = (f"python benchmarks/served_vs_prism.py --users {args.users} "
               f"--seconds {args.seconds} --connections {args.connections} "
               f"--rounds {args.rounds} --warmup {args.warmup}")
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        os.environ.pop(name, None)  # MSAL (requests) must trust the served CA, not the system's

    import msal
    import trustme

    from benchmarks.sync_scale import build_world
    from mocks.serving import ServedWorld

    prism = ensure_prism()
    world = build_world(args.users, 5, 7)
    app = next(a for a in world.tenant.apps.values() if a.display_name == "Emply People")
    tmp = Path(tempfile.mkdtemp(prefix="prism-side-by-side-"))
    procs: list[subprocess.Popen] = []
    try:
        with ServedWorld(world) as served:
            token = msal.ConfidentialClientApplication(
                app.client_id, client_credential=app.secret, authority=served.authority,
                instance_discovery=False, verify=served.ca_file,
            ).acquire_token_for_client(["https://graph.microsoft.com/.default"])["access_token"]
            mock_url = f"{served.graph_url}/users?$top=100"
            page = httpx.get(mock_url, headers={"Authorization": f"Bearer {token}"},
                             verify=served.ssl_context(), trust_env=False).json()
            assert len(page["value"]) == 100, "the world needs at least 100 users"

            # Prism on plain HTTP, stunnel in front of it with a certificate of its own CA.
            (tmp / "users.json").write_text(json.dumps(openapi_for(page)))
            prism_port, tls_port = free_port(), free_port()
            procs.append(subprocess.Popen(
                [str(prism), "mock", "-h", "127.0.0.1", "-p", str(prism_port),
                 str(tmp / "users.json")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1", "localhost")
            cert.private_key_and_cert_chain_pem.write_to_path(str(tmp / "stunnel.pem"))
            ca.cert_pem.write_to_path(str(tmp / "ca.pem"))
            (tmp / "stunnel.conf").write_text(
                f"foreground = yes\npid =\nsocket = l:TCP_NODELAY=1\nsocket = r:TCP_NODELAY=1\n"
                f"[prism]\naccept = 127.0.0.1:{tls_port}\nconnect = 127.0.0.1:{prism_port}\n"
                f"cert = {tmp / 'stunnel.pem'}\n")
            procs.append(subprocess.Popen(["stunnel4", str(tmp / "stunnel.conf")],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            prism_url = f"https://127.0.0.1:{tls_port}/v1.0/users?$top=100"
            wait_for(prism_url, str(tmp / "ca.pem"))
            same = httpx.get(prism_url, verify=str(tmp / "ca.pem"), trust_env=False).json()
            assert same["value"] == page["value"], "Prism must serve the same page"

            print(f"page: {len(json.dumps(page))} bytes, 100 users; wrk -t2 "
                  f"-c{args.connections} -d{args.seconds}s, both over TLS    [{command}]")
            # Rounds take turns (mock, Prism, mock, Prism...): the machine's load swings
            # from minute to minute, and alternating lets both sides meet the same swings.
            if args.warmup > 0:
                for url in (mock_url, prism_url):
                    wrk(url, token, args.warmup, args.connections)
            mocks, peers = [], []
            mock_pids, peer_pids = [os.getpid()], [proc.pid for proc in procs]
            for _ in range(args.rounds):
                mocks.append(measured(mock_url, token, args.seconds, args.connections, mock_pids))
                peers.append(measured(prism_url, token, args.seconds, args.connections,
                                      peer_pids))
        for i, (mock, peer) in enumerate(zip(mocks, peers, strict=True), 1):
            for name, figures in (("served Graph mock (token checked)", mock),
                                  ("Prism behind stunnel (static example)", peer)):
                print(f"round {i}: {name}: {figures['rps']:.0f} req/s, p50 "
                      f"{figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, non-2xx "
                      f"{figures['non2xx']}, CPU {figures['cpu_ms']:.2f} ms per request    "
                      f"[{command}]")
            print(f"round {i}: ratio mock / Prism: {mock['rps'] / peer['rps']:.2f}x    [{command}]")
        mock_rps = sum(m["rps"] for m in mocks) / len(mocks)
        peer_rps = sum(p["rps"] for p in peers) / len(peers)
        ratios = [m["rps"] / p["rps"] for m, p in zip(mocks, peers, strict=True)]
        mock_cpu = statistics.median(m["cpu_ms"] for m in mocks)
        peer_cpu = statistics.median(p["cpu_ms"] for p in peers)
        print(f"mean over {args.rounds} rounds: mock {mock_rps:.0f} req/s, Prism {peer_rps:.0f} "
              f"req/s; ratio mock / Prism: {mock_rps / peer_rps:.2f}x; median of the rounds' "
              f"ratios {statistics.median(ratios):.2f}x (target >= 1.0)    [{command}]")
        print(f"CPU per request, median over {args.rounds} rounds: mock {mock_cpu:.2f} ms "
              f"(its process), Prism {peer_cpu:.2f} ms (Node and stunnel); Prism / mock "
              f"{peer_cpu / mock_cpu:.2f}x    [{command}]")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
