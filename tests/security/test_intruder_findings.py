"""Issue 15: the intruder's findings F1, F2 and F4 to F12 (F3 is the $batch engineer's),
each as the probe that found it."""

from __future__ import annotations

import json
import os
import socket
import stat
import time
from datetime import timedelta

import httpx
import pytest

from mocks import exposure, scenarios
from mocks.dashboard import protect
from mocks.inprocess import EMPLY_URL, GRAPH_URL, IDENTITY_URL, InProcess
from mocks.serving import ServedWorld
from mocks.world import World

DEEP = 5000


@pytest.fixture
def faq():
    world = World()
    doc, _ = scenarios.load_world("faq", world)
    sim = InProcess(world)
    key = next(k["key"] for k in doc["emply"]["apiKeys"] if "settings" in k["permissions"])
    sim.key = key
    sim.http = sim.client()
    yield sim
    sim.close()


def _users(world) -> int:
    return len(world.tenant.users)


# -- F1: cross-site POSTs to /_sim/ ---------------------------------------------------------
@pytest.mark.parametrize("base", [IDENTITY_URL, GRAPH_URL.removesuffix("/v1.0"), EMPLY_URL])
def test_f1_sim_refuses_text_plain_and_other_sites(faq, base):
    before = _users(faq.world)
    plain = faq.http.post(f"{base}/_sim/reset", content=b'{"seed": 1}',
                          headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415 and "application/json" in plain.json()["error"]["message"]
    other = faq.http.post(f"{base}/_sim/reset", json={"seed": 1},
                          headers={"Origin": "https://evil.example"})
    assert other.status_code == 403 and other.json()["error"]["code"] == "crossSiteRequest"
    form = faq.http.post(f"{base}/_sim/clock", data={"advance": "PT1M"},
                         headers={"Origin": "null"})
    assert form.status_code == 403
    faults = faq.http.put(f"{base}/_sim/faults", content=b"{}",
                          headers={"Content-Type": "text/plain"})
    assert faults.status_code in (404, 405, 415)  # only Graph has /_sim/faults
    assert _users(faq.world) == before  # nothing was reset
    ok = faq.http.post(f"{base}/_sim/clock", json={"advance": "PT1M"})
    assert ok.status_code == 200  # a script (no Origin) sending JSON still works


# -- F2: /ui/ actions without an Origin, or with Origin: null --------------------------------
@pytest.mark.parametrize("headers", [{}, {"Origin": "null"}, {"Referer": "null"},
                                     {"Origin": "https://evil.example"}])
def test_f2_pages_refuse_forms_without_their_own_origin(faq, headers):
    client = faq.emply_app.test_client()
    response = client.post("/ui/sync/run", data={"next": "/ui/"}, headers=headers)
    assert response.status_code == 403
    assert faq.engine.store.runs() == []


def test_f2_a_held_run_cannot_be_confirmed_from_elsewhere(faq):
    engine = faq.engine
    engine.store.put("held_run", 7)
    client = faq.emply_app.test_client()
    for headers in ({}, {"Origin": "null"}):
        response = client.post("/ui/runs/7/confirm", data={"next": "/ui/runs"}, headers=headers)
        assert response.status_code == 403
    assert engine.store.get("held_run") == 7


# -- F4: a far jump of the clock -----------------------------------------------------------
def test_f4_missed_slots_coalesce_and_lifecycle_still_applies(faq):
    world = faq.world
    emply = world.emply
    employee = next(e for e in emply.employees.values() if emply.employee_user(e.id))
    leaves = (world.clock.now() + timedelta(days=3)).date()
    emply.set_resignation_date(employee.id, leaves)
    started = time.perf_counter()
    world.clock.advance(timedelta(days=7))
    scheduled = [r for r in faq.engine.store.runs(limit=500) if r.trigger == "schedule"]
    assert len(scheduled) == 1, f"{len(scheduled)} scheduled runs for one 7-day jump"
    assert emply.employee(employee.id).status == "Archived"
    assert emply.employee_user(employee.id).deactivation.reason == "employee_archived"
    response = faq.http.post(f"{EMPLY_URL}/_sim/clock", json={"set": "8999-01-01T00:00:00Z"})
    assert response.status_code == 200, response.text
    scheduled = [r for r in faq.engine.store.runs(limit=500) if r.trigger == "schedule"]
    assert len(scheduled) == 2
    assert time.perf_counter() - started < 60  # a bound, not a timing: it used to never return


# -- F5: billion laughs --------------------------------------------------------------------
def test_f5_a_billion_laughs_document_is_refused_at_once(faq):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for n in range(1, 10):
        refs = ", ".join([f"*a{n - 1}"] * 9)
        levels.append(f"a{n}: &a{n} [{refs}]")
    doc = "\n".join(levels) + "\nemply:\n  apiKeys: [{name: x, key: *a9}]\n"
    before = _users(faq.world)
    response = faq.http.post(f"{EMPLY_URL}/_sim/load", content=doc.encode(),
                             headers={"Content-Type": "application/yaml"})
    assert response.status_code == 400
    assert "expands to more than" in response.json()["error"]["message"]
    assert _users(faq.world) == before


# -- F6: reset with an extreme clock -------------------------------------------------------
@pytest.mark.parametrize("clock", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_f6_reset_to_an_extreme_clock_is_refused_and_nothing_is_half_reset(faq, clock):
    before = _users(faq.world)
    response = faq.http.post(f"{EMPLY_URL}/_sim/reset", json={"seed": 2, "clock": clock})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "clockOutOfRange"
    assert _users(faq.world) == before
    assert faq.http.get(f"{EMPLY_URL}/_sim/state").status_code == 200
    assert faq.emply_app.test_client().get("/ui/").status_code == 200


# -- F7: 500s from strange input -----------------------------------------------------------
def test_f7_deep_json_is_a_400_in_each_apis_own_format(faq):
    deep = ("[" * DEEP + "]" * DEEP).encode()
    token = faq.world.tenant.apps  # any app can ask; the body is refused before the route
    app = next(iter(token.values()))
    access = faq.msal_app(app.client_id, app.secret).acquire_token_for_client(
        scopes=["https://graph.microsoft.com/.default"])["access_token"]
    graph = faq.http.post(f"{GRAPH_URL}/users", content=b'{"a":' + deep + b"}",
                          headers={"Authorization": f"Bearer {access}",
                                   "Content-Type": "application/json"})
    assert graph.status_code == 400
    assert set(graph.json()["error"]) == {"code", "message", "innerError"}
    emply = faq.http.post(f"{EMPLY_URL}/v1/{faq.world.emply.customer}/users",
                          params={"apiKey": faq.key}, content=deep,
                          headers={"Content-Type": "application/json"})
    assert emply.status_code == 400 and emply.json()["error"]["message"]
    load = faq.http.post(f"{EMPLY_URL}/_sim/load", content=b'{"emply":' + deep + b"}",
                         headers={"Content-Type": "application/json"})
    assert load.status_code == 400
    yaml_deep = faq.http.post(f"{EMPLY_URL}/_sim/load", content=deep,
                              headers={"Content-Type": "application/yaml"})
    assert yaml_deep.status_code == 400
    nested = "(" * DEEP + "displayName eq 'x'" + ")" * DEEP
    odata = faq.http.get(f"{GRAPH_URL}/users", params={"$filter": nested},
                         headers={"Authorization": f"Bearer {access}"})
    assert odata.status_code == 400 and odata.json()["error"]["code"] == "BadRequest"


def test_f7_huge_numbers_are_a_400_or_a_404_never_a_500(faq):
    base = f"{EMPLY_URL}/v1/{faq.world.emply.customer}"
    huge = "9" * 5001
    emply = faq.http.post(f"{base}/users", params={"apiKey": faq.key},
                          content=f'{{"email": "a@b.example", "firstName": {huge}}}'.encode(),
                          headers={"Content-Type": "application/json"})
    assert emply.status_code == 400
    run = faq.http.get(f"{base}/integrations/entra-id/runs/{'9' * 40}", params={"apiKey": faq.key})
    assert run.status_code == 404
    changes = faq.http.get(f"{base}/integrations/entra-id/changes",
                           params={"apiKey": faq.key, "runId": "9" * 40})
    assert changes.status_code == 400
    now = faq.world.clock.now()
    for body in (b'{"advanceSeconds": 1e400}', b'{"advanceSeconds": NaN}',
                 b'{"advanceSeconds": Infinity}', b'{"advanceSeconds": 1e300}',
                 b'{"advance": "P99999999999W"}', f'{{"advanceSeconds": {huge}}}'.encode()):
        response = faq.http.post(f"{EMPLY_URL}/_sim/clock", content=body,
                                 headers={"Content-Type": "application/json"})
        assert response.status_code == 400, (body[:40], response.text)
    assert faq.world.clock.now() == now


# -- F8: beyond loopback, nothing predictable --------------------------------------------------
def test_f8_serving_beyond_loopback_gets_fresh_secrets_and_a_certificate_for_the_host():
    world = World()
    scenarios.load_world("faq", world)
    app = next(iter(world.tenant.apps.values()))
    seeded_secret = app.secret
    assert world.emply.authenticate("demo-key") is not None
    key = exposure.fresh_credentials(world)
    assert app.secret != seeded_secret and len(app.secret) >= 40
    assert world.emply.authenticate("demo-key") is None
    assert world.emply.authenticate(key).permissions == {"read", "write", "settings"}
    assert exposure.fresh_credentials(World()) != key  # random, not from the seed
    names = exposure.certificate_names("0.0.0.0")
    assert socket.gethostname().lower() in names and "127.0.0.1" in names
    assert exposure.certificate_names("127.0.0.1") == ["127.0.0.1", "::1", "localhost"]
    assert exposure.beyond_loopback("0.0.0.0") and exposure.beyond_loopback("::")
    assert not exposure.beyond_loopback("127.0.0.1") and not exposure.beyond_loopback("::1")


# -- F9: request logs ------------------------------------------------------------------------
def test_f9_request_logs_show_no_secret(capsys):
    world = World()
    scenarios.load_world("faq", world)
    secrets = {"simToken": "sim-s3cret-value", "client_secret": "client-s3cret-value",
               "access_token": "access-s3cret-value", "apiKey": "demo-key"}
    with ServedWorld(world, quiet=False) as served, \
            httpx.Client(verify=served.ssl_context(), trust_env=False) as client:
        client.get(f"{served.emply_url}/ui/", params=secrets)
        client.get(f"{served.graph_url}/users", params=secrets)
        client.post(f"{served.identity_url}/{world.tenant.id}/oauth2/v2.0/token", params=secrets)
    logged = capsys.readouterr().err  # the access log of `emply-sim serve --log-requests`
    assert "/ui/" in logged and "/users" in logged and "[REDACTED]" in logged
    for value in secrets.values():
        assert value not in logged


# -- F10: the port file ------------------------------------------------------------------------
def test_f10_the_port_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "ports.json"
    path.write_text("{}")
    os.chmod(path, 0o644)  # a file left by an earlier run keeps no wider rights
    exposure.write_private(path, json.dumps({"client_secret": "x"}))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.loads(path.read_text()) == {"client_secret": "x"}


def test_f10_serve_writes_its_port_file_0600(tmp_path, monkeypatch):
    import threading

    from emply_sim import cli

    port_file = tmp_path / "ports.json"
    stop = threading.Event()
    world = World()
    doc, _ = scenarios.load_world("faq", world)
    seen = {}

    def check_and_stop(_world, _served):
        threading.Thread(target=lambda: (_wait(port_file), seen.setdefault(
            "mode", stat.S_IMODE(os.stat(port_file).st_mode)), stop.set()), daemon=True).start()

    monkeypatch.setattr(cli, "SERVE_HOOKS", [check_and_stop])
    cli._serve(world, doc, "faq", "127.0.0.1", str(port_file), False, stop)
    assert seen["mode"] == 0o600


def _wait(path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


# -- F11: administrator rights need the settings permission ---------------------------------
def test_f11_a_write_key_cannot_grant_or_remove_administrator_rights(faq):
    emply = faq.world.emply
    writer = emply.add_api_key("writer", {"read", "write"})
    base = f"{EMPLY_URL}/v1/{emply.customer}"
    admin_role = next(r for r in emply.roles.values() if r.is_admin)
    admin = next(u for u in emply.users.values() if admin_role.id in u.role_ids)
    plain = next(u for u in emply.users.values() if not emply.is_admin(u))
    grant = faq.http.post(f"{base}/users/{plain.id}/roles", params={"apiKey": writer},
                          json={"roleId": admin_role.id})
    assert grant.status_code == 403 and "settings" in grant.json()["error"]["message"]
    remove = faq.http.delete(f"{base}/users/{admin.id}/roles/{admin_role.id}",
                             params={"apiKey": writer}, headers={"X-Acting-User": plain.id})
    assert remove.status_code == 403
    other = next(r for r in emply.roles.values() if not r.is_admin)
    promote = faq.http.patch(f"{base}/roles/{other.id}", params={"apiKey": writer},
                             json={"isAdministrator": True})
    assert promote.status_code == 403
    assert admin_role.id in admin.role_ids and not emply.is_admin(plain)
    assert not emply.roles[other.id].is_admin
    granted = faq.http.post(f"{base}/users/{plain.id}/roles", params={"apiKey": faq.key},
                            json={"roleId": admin_role.id})
    assert granted.status_code == 201  # the settings permission may


# -- F12: the plain-HTTP dashboard and DNS rebinding -------------------------------------------
def test_f12_the_plain_http_dashboard_answers_only_to_loopback_names(faq):
    protect(faq.emply_app)
    client = faq.emply_app.test_client()
    for host in ("rebind.evil.example:8081", "10.0.0.5:8081", "evil.example"):
        response = client.get("/_sim/state", headers={"Host": host})
        assert response.status_code == 421, host
        assert client.get("/ui/", headers={"Host": host}).status_code == 421
    for host in ("127.0.0.1:8081", "localhost:8081", "[::1]:8081"):
        assert client.get("/ui/", headers={"Host": host}).status_code == 200, host
