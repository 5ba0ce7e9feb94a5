"""`emply-sim serve` as a real process: answers on its ports, writes the port file, stops cleanly."""

from __future__ import annotations

import json
import signal
import ssl
import time
from pathlib import Path

import httpx
import pytest


def wait_for(path: Path, process, timeout: float = 30.0) -> dict:
    """Poll for the port file; fail early with the server's stderr if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            return json.loads(path.read_text())
        if process.poll() is not None:
            pytest.fail(f"serve exited with {process.returncode}: {process.stderr.read()}")
        time.sleep(0.05)
    pytest.fail("serve did not write its port file in time")


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_writes_the_port_file_and_stops_cleanly(spawn, tmp_path, stop_with):
    port_file = tmp_path / "ports.json"
    process = spawn("serve", "faq", "--port-file", str(port_file))
    info = wait_for(port_file, process)

    assert set(info) == {"identity_url", "graph_url", "authority", "tenant_id", "client_id", "client_secret",
                         "ca_file", "emply_url", "emply_customer", "emply_api_key", "sim_token"}
    assert info["graph_url"].startswith("https://127.0.0.1:") and info["graph_url"].endswith("/v1.0")
    assert info["emply_url"].endswith("/v1/contoso") and info["emply_customer"] == "contoso"
    assert info["tenant_id"] == "3f6c2a1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"  # the faq world's tenant
    assert info["authority"] == f"{info['identity_url']}/{info['tenant_id']}"
    assert info["emply_api_key"] == "demo-key" and info["sim_token"] is None
    ca_file = Path(info["ca_file"])
    assert ca_file.is_file()

    trust = ssl.create_default_context(cafile=str(ca_file))
    with httpx.Client(verify=trust, trust_env=False, timeout=10) as client:
        token = client.post(f"{info['authority']}/oauth2/v2.0/token", data={
            "grant_type": "client_credentials", "client_id": info["client_id"],
            "client_secret": info["client_secret"],
            "scope": "https://graph.microsoft.com/.default"})
        assert token.status_code == 200, token.text
        users = client.get(f"{info['graph_url']}/users", headers={
            "Authorization": f"Bearer {token.json()['access_token']}"})
        assert users.status_code == 200
        assert "ray.ross@contoso.com" in {u["userPrincipalName"] for u in users.json()["value"]}
        employees = client.get(f"{info['emply_url']}/employees",
                               params={"apiKey": info["emply_api_key"]})
        assert employees.status_code == 200
        assert {e["email"] for e in employees.json()} >= {"ray.ross@contoso.com"}

    process.send_signal(stop_with)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert info["graph_url"] in out and info["client_secret"] in out and str(ca_file) in out
    assert not port_file.exists() and not ca_file.exists()  # nothing stale left behind


def test_serve_with_a_bad_scenario_exits_non_zero_with_one_line(spawn):
    process = spawn("serve", "no-such-world")
    out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert err.startswith("emply-sim: error: no-such-world: no such file, and no built-in")
    assert len(err.strip().splitlines()) == 1


def test_azure_identity_gets_a_graph_token_as_the_readme_shows(spawn, tmp_path, monkeypatch):
    """The README's recipe: Microsoft's ClientSecretCredential pointed at the identity origin."""
    from azure.identity import ClientSecretCredential

    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    port_file = tmp_path / "ports.json"
    process = spawn("serve", "faq", "--port-file", str(port_file))
    info = wait_for(port_file, process)

    credential = ClientSecretCredential(
        info["tenant_id"], info["client_id"], info["client_secret"],
        authority=info["identity_url"], disable_instance_discovery=True,
        connection_verify=info["ca_file"])
    token = credential.get_token("https://graph.microsoft.com/.default")
    assert token.expires_on > time.time()
    trust = ssl.create_default_context(cafile=info["ca_file"])
    with httpx.Client(verify=trust, trust_env=False, timeout=10) as client:
        me = client.get(f"{info['graph_url']}/organization",
                        headers={"Authorization": f"Bearer {token.token}"})
    assert me.status_code == 200, me.text
    assert me.json()["value"][0]["id"] == info["tenant_id"]
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=15)
