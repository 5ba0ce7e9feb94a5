"""The issue-15 cases of ``emply-sim reliability``: the rules' hardening (EXT-1 over several
runs, DEL-1 not reaching back, Emply's refusals), faults QA can aim, and the intruder's
findings (F1, F2, F4 to F7, F11, F12) probed the way the intruder did. Every probe is
counted; a probe answered wrongly (a 500, an accepted attack, a state change) is listed.
In-process: no sockets, nothing sleeps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import httpx

from mocks import scenarios
from mocks.inprocess import EMPLY_URL, GRAPH_URL, IDENTITY_URL, InProcess
from mocks.world import World

DEEP = 5000


@dataclass
class HardeningReport:
    probes: int = 0
    wrong: list[str] = field(default_factory=list)
    server_errors: int = 0
    ext1_runs: int = 0  # runs an EXT-1 user (and the administrator) stayed active through
    far_jump_runs: int = 0  # scheduled runs for one 7-day jump (coalesced: 1)
    far_jump_seconds: float = 0.0  # the jump to year 8999
    laughs_seconds: float = 0.0  # the billion-laughs document's refusal
    aimed_seeds: int = 0  # seeds whose aimed 503 hit exactly the second page
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.wrong or self.server_errors)


class _Probe:
    """One faq world in-process, with the clients an intruder (and QA) would use."""

    def __init__(self) -> None:
        self.world = World()
        doc, _ = scenarios.load_world("faq", self.world)
        self.sim = InProcess(self.world)
        self.http = self.sim.client()
        self.key = next(k["key"] for k in doc["emply"]["apiKeys"]
                        if "settings" in k["permissions"])
        self.base = f"{EMPLY_URL}/v1/{self.world.emply.customer}"
        app = next(iter(self.world.tenant.apps.values()))
        self.token = self.sim.msal_app(app.client_id, app.secret).acquire_token_for_client(
            scopes=["https://graph.microsoft.com/.default"])["access_token"]

    def emply(self, method: str, path: str, **kw) -> httpx.Response:
        return self.http.request(method, f"{self.base}{path}",
                                 params={"apiKey": self.key, **kw.pop("params", {})}, **kw)

    def graph(self, method: str, path: str, **kw) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        return self.http.request(method, f"{GRAPH_URL}{path}", headers=headers, **kw)

    def close(self) -> None:
        self.sim.close()


def measure_hardening() -> HardeningReport:
    started = time.perf_counter()
    report = HardeningReport()

    def expect(what: str, response: httpx.Response, *status: int) -> None:
        report.probes += 1
        if response.status_code >= 500:
            report.server_errors += 1
        if response.status_code not in status:
            report.wrong.append(f"{what}: {response.status_code} {response.text[:120]}")

    def check(what: str, ok: bool) -> None:
        report.probes += 1
        if not ok:
            report.wrong.append(what)

    _rules(report, expect, check)
    _intruder(report, expect, check)
    _aimed_faults(report, check)
    report.seconds = time.perf_counter() - started
    return report


def _rules(report: HardeningReport, expect, check) -> None:
    p = _Probe()
    try:
        emply = p.world.emply
        expect("create in Entra ID on", p.emply("PATCH", "/integrations/entra-id",
                                                json={"createInEntra": True}), 200)
        for n in range(4):
            run = p.emply("POST", "/integrations/entra-id/runs")
            expect(f"EXT-1 run {n + 1}", run, 201)
            if all(u.active for u in emply.users.values() if u.origin == "manual"
                   and u.entra_object_id and u.entra_object_id in emply.created_in_entra):
                report.ext1_runs += 1
        check("EXT-1: users made in Emply stay active over 4 runs", report.ext1_runs == 4)
        # DEL-1 does not reach back
        linked = next(u for u in emply.users.values() if u.origin == "integration")
        entra_id = linked.entra_object_id
        expect("delete in Emply", p.emply("DELETE", f"/users/{linked.id}",
                                          headers={"X-Acting-User": linked.id}), 204)
        expect("delete in Entra ID on", p.emply("PATCH", "/integrations/entra-id",
                                                json={"deleteInEntra": True}), 200)
        expect("run after switching on", p.emply("POST", "/integrations/entra-id/runs"), 201)
        check("DEL-1 does not reach back", entra_id in p.world.tenant.users)
        # an Emply refusal is one failed change in a partial run
        group = p.world.emply.settings.synced_groups[0].group_id
        leavers = [u for u in emply.users.values() if u.origin == "integration" and u.active
                   and u.entra_object_id in p.world.tenant.groups[group].members][:2]
        for user in leavers:
            for g in p.world.tenant.groups.values():
                if user.entra_object_id in g.members:
                    p.world.tenant.remove_member(g.id, user.entra_object_id)
        engine = p.sim.engine

        def meanwhile(action, count):
            if leavers and leavers[-1].active:
                emply.deactivate_user(leavers[-1].id, "manual", "system")

        engine.on_applied = meanwhile
        run = p.emply("POST", "/integrations/entra-id/runs")
        engine.on_applied = None
        expect("a run with an Emply refusal", run, 201)
        check("an Emply refusal ends the run partial",
              len(leavers) < 2 or run.json().get("status") == "partial")
    finally:
        p.close()


def _intruder(report: HardeningReport, expect, check) -> None:
    p = _Probe()
    try:
        users = len(p.world.tenant.users)
        for base in (IDENTITY_URL, GRAPH_URL.removesuffix("/v1.0"), EMPLY_URL):
            expect(f"F1 text/plain reset {base}", p.http.post(
                f"{base}/_sim/reset", content=b"{}", headers={"Content-Type": "text/plain"}), 415)
            expect(f"F1 cross-site reset {base}", p.http.post(
                f"{base}/_sim/reset", json={}, headers={"Origin": "https://evil.example"}), 403)
        check("F1: the world was not reset", len(p.world.tenant.users) == users)
        pages = p.sim.emply_app.test_client()
        for headers in ({}, {"Origin": "null"}):
            report.probes += 1
            if pages.post("/ui/sync/run", data={"next": "/ui/"}, headers=headers).status_code != 403:
                report.wrong.append(f"F2 form with {headers or 'no Origin'} accepted")
        scheduled = len([r for r in p.sim.engine.store.runs(limit=1000) if r.trigger == "schedule"])
        p.world.clock.advance(timedelta(days=7))
        report.far_jump_runs = len([r for r in p.sim.engine.store.runs(limit=1000)
                                    if r.trigger == "schedule"]) - scheduled
        check("F4: a 7-day jump runs once", report.far_jump_runs == 1)
        t0 = time.perf_counter()
        expect("F4 jump to year 8999", p.http.post(f"{EMPLY_URL}/_sim/clock",
                                                   json={"set": "8999-01-01T00:00:00Z"}), 200)
        report.far_jump_seconds = time.perf_counter() - t0
        levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"] + [
            f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
        t0 = time.perf_counter()
        expect("F5 billion laughs", p.http.post(
            f"{EMPLY_URL}/_sim/load", content="\n".join(levels).encode(),
            headers={"Content-Type": "application/yaml"}), 400)
        report.laughs_seconds = time.perf_counter() - t0
        for clock in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"):
            expect(f"F6 reset to {clock}", p.http.post(f"{EMPLY_URL}/_sim/reset",
                                                       json={"clock": clock}), 400)
        expect("F6 pages still answer", pages.get("/ui/"), 200)
        deep = b"[" * DEEP + b"]" * DEEP
        json_type = {"Content-Type": "application/json"}
        expect("F7 deep JSON to Graph", p.graph("POST", "/users", content=deep,
                                                headers=json_type), 400)
        expect("F7 deep JSON to Emply", p.emply("POST", "/users", content=deep,
                                                headers=json_type), 400)
        expect("F7 deep JSON to /_sim/load", p.http.post(f"{EMPLY_URL}/_sim/load", content=deep,
                                                         headers=json_type), 400)
        expect("F7 deep $filter", p.graph("GET", "/users", params={
            "$filter": "(" * DEEP + "displayName eq 'x'" + ")" * DEEP}), 400)
        expect("F7 5,001-digit integer", p.emply("POST", "/users", headers=json_type,
                                                 content=b'{"email": ' + b"9" * 5001 + b"}"), 400)
        expect("F7 huge run id", p.emply("GET", "/integrations/entra-id/runs/" + "9" * 40), 404)
        for body in (b'{"advanceSeconds": 1e400}', b'{"advanceSeconds": NaN}',
                     b'{"advanceSeconds": 1e300}', b'{"advance": "P99999999999W"}'):
            expect(f"F7 clock {body.decode()}", p.http.post(
                f"{EMPLY_URL}/_sim/clock", content=body, headers=json_type), 400)
        writer = p.world.emply.add_api_key("writer", {"read", "write"})
        admin_role = next(r for r in p.world.emply.roles.values() if r.is_admin)
        plain = next(u for u in p.world.emply.users.values() if not p.world.emply.is_admin(u))
        expect("F11 write key grants an administrator role", p.http.post(
            f"{p.base}/users/{plain.id}/roles", params={"apiKey": writer},
            json={"roleId": admin_role.id}), 403)
        from mocks.dashboard import protect
        from mocks.emply.app import create_app

        dashboard = create_app(p.world)  # as python -m mocks.dashboard serves it
        protect(dashboard)
        expect("F12 rebinding Host", dashboard.test_client().get(
            "/_sim/state", headers={"Host": "rebind.evil.example:8081"}), 421)
        expect("F12 loopback Host", dashboard.test_client().get(
            "/_sim/clock", headers={"Host": "127.0.0.1:8081"}), 200)
    finally:
        p.close()


def _aimed_faults(report: HardeningReport, check) -> None:
    for seed in (0, 1, 2):
        p = _Probe()
        try:
            group = max(p.world.tenant.groups.values(), key=lambda g: len(g.members))
            members = f"/groups/{group.id}/members"
            p.http.put(f"{GRAPH_URL.removesuffix('/v1.0')}/_sim/faults", json={
                "seed": seed, "rules": [{"pathPrefix": members, "fault": "unavailable",
                                         "nth": [2]}]})
            first = p.graph("GET", f"{members}?$top=1")
            second = p.http.get(first.json()["@odata.nextLink"],
                                headers={"Authorization": f"Bearer {p.token}"})
            again = p.http.get(first.json()["@odata.nextLink"],
                               headers={"Authorization": f"Bearer {p.token}"})
            hit = (first.status_code, second.status_code, again.status_code) == (200, 503, 200)
            report.aimed_seeds += hit
            check(f"aimed 503 on the second page (seed {seed})", hit)
        finally:
            p.close()
