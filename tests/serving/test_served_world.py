"""The world served over real HTTPS on 127.0.0.1, trusted through a throw-away local CA."""

from __future__ import annotations

import socket
import ssl

import httpx
import jwt
import msal
import pytest

from mocks.serving import ServedWorld, is_loopback
from mocks.world import World

GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]


@pytest.fixture
def world() -> World:
    world = World(seed=5)
    world.tenant.add_domain("contoso.com", default=True)
    world.tenant.add_user({"userPrincipalName": "ray.ross@contoso.com", "displayName": "Ray Ross"})
    return world


def test_msal_and_a_graph_client_work_over_tls(world):
    app = world.tenant.add_app("Emply People", {"User.Read.All"})
    with ServedWorld(world) as served:
        assert served.identity_url.startswith("https://127.0.0.1:")
        assert served.graph_url.startswith("https://127.0.0.1:") and served.graph_url.endswith("/v1.0")
        assert served.authority == f"{served.identity_url}/{world.tenant.id}"
        assert len(set(served.ports().values())) == len(served.ports())  # one port per app

        confidential = msal.ConfidentialClientApplication(
            app.client_id, client_credential=app.secret, authority=served.authority,
            instance_discovery=False, verify=served.ca_file)
        result = confidential.acquire_token_for_client(GRAPH_SCOPES)
        assert "access_token" in result, result
        token = result["access_token"]

        with httpx.Client(verify=served.ssl_context(), trust_env=False) as client:
            # The keys published over TLS verify the token MSAL got.
            keys = client.get(f"{served.authority}/discovery/v2.0/keys").json()["keys"]
            claims = jwt.decode(token, jwt.PyJWK(keys[0]).key, algorithms=["RS256"],
                                audience="https://graph.microsoft.com")
            assert claims["tid"] == world.tenant.id
            assert claims["roles"] == ["User.Read.All"]

            # Graph answers over TLS: without a token with its own 401 body, with it the users.
            anonymous = client.get(f"{served.graph_url}/users")
            assert anonymous.status_code == 401
            assert anonymous.json()["error"]["code"] == "InvalidAuthenticationToken"
            users = client.get(f"{served.graph_url}/users",
                               headers={"Authorization": f"Bearer {token}"})
            assert users.status_code == 200, users.text
            assert [u["userPrincipalName"] for u in users.json()["value"]] == ["ray.ross@contoso.com"]

            # Emply People is served on its own port.
            assert served.emply_url.startswith("https://127.0.0.1:")
            assert "openapi" in client.get(f"{served.emply_url}/openapi.json").json()

            # The control API is served too, and moves the same world's clock.
            moved = client.post(f"{served.graph_url.removesuffix('/v1.0')}/_sim/clock",
                                json={"advance": "PT30M"})
            assert moved.json()["now"] == "2026-01-05T08:30:00Z"


def test_an_untrusting_client_is_refused(world):
    with ServedWorld(world) as served, httpx.Client(trust_env=False) as client:
        with pytest.raises(httpx.ConnectError) as refused:
            client.get(f"{served.identity_url}/_sim/clock")
        assert isinstance(refused.value.__context__, ssl.SSLCertVerificationError) or \
            "CERTIFICATE_VERIFY_FAILED" in str(refused.value)


def test_stop_frees_every_port(world):
    served = ServedWorld(world).start()
    ports = list(served.ports().values())
    served.stop()

    assert served.identity_url is None and not served.running
    for port in ports:
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more


def test_beyond_loopback_the_control_api_needs_the_token(world):
    # 0.0.0.0 is not loopback: the world gets a random token, used for the control API only.
    with ServedWorld(world, host="0.0.0.0") as served, \
            httpx.Client(verify=served.ssl_context(), trust_env=False) as client:
        assert served.sim_token and world.sim_token == served.sim_token
        assert client.get(f"{served.identity_url}/_sim/clock").status_code == 401
        allowed = client.get(f"{served.identity_url}/_sim/clock",
                             headers={"Authorization": f"Bearer {served.sim_token}"})
        assert allowed.status_code == 200
    assert world.sim_token is None  # stopped: the token it made is gone


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("127.9.9.9") and is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    assert not is_loopback("sim.example.com")


def test_more_keep_alive_clients_than_worker_threads_all_get_whole_answers(world):
    """A few worker threads serve many keep-alive connections (idle ones wait in the
    selector), and every answer arrives whole: status, headers and body, in one piece."""
    from concurrent.futures import ThreadPoolExecutor

    from mocks.serving import THREADS

    for i in range(40):
        world.tenant.add_user({"userPrincipalName": f"user{i:02}@contoso.com",
                               "displayName": f"User {i:02}"})
    app = world.tenant.add_app("Emply People", {"User.Read.All"})
    clients = THREADS * 3
    with ServedWorld(world) as served:
        token = world.tokens.issue(world.tenant.id, app.client_id, app.object_id,
                                   ["User.Read.All"])
        expected = None

        def session(_: int) -> list[tuple[int, int, bytes]]:
            with httpx.Client(verify=served.ssl_context(), trust_env=False, timeout=30,
                              headers={"Authorization": f"Bearer {token}"}) as client:
                answers = []
                for _ in range(5):  # one connection, kept alive across the five
                    r = client.get(f"{served.graph_url}/users?$top=30")
                    answers.append((r.status_code, int(r.headers["Content-Length"]), r.content))
                return answers

        with ThreadPoolExecutor(clients) as pool:
            results = [a for answers in pool.map(session, range(clients)) for a in answers]
    assert len(results) == clients * 5
    for status, length, body in results:
        assert status == 200 and length == len(body)
        expected = expected or body
        assert body == expected  # the same page, byte for byte, for everyone
    assert len(httpx.Response(200, content=expected).json()["value"]) == 30


def test_many_idle_keep_alive_clients_keep_their_connections(world):
    """Sixteen clients each holding an idle connection (wrk -c16, a pool of sessions): none
    is told ``Connection: close`` (cheroot's own default kept ten), so none pays a new TLS
    handshake for its next request."""
    app = world.tenant.add_app("Emply People", {"User.Read.All"})
    with ServedWorld(world) as served:
        token = world.tokens.issue(world.tenant.id, app.client_id, app.object_id,
                                   ["User.Read.All"])
        clients = [httpx.Client(verify=served.ssl_context(), trust_env=False, timeout=30,
                                headers={"Authorization": f"Bearer {token}"})
                   for _ in range(16)]
        try:
            for _ in range(2):
                for client in clients:  # one after another: the others' connections idle
                    answer = client.get(f"{served.graph_url}/users?$top=1")
                    assert answer.status_code == 200
                    assert answer.headers.get("Connection", "").lower() != "close"
        finally:
            for client in clients:
                client.close()


def test_every_answer_has_one_date_header_of_now(world):
    """HTTP servers date their answers (RFC 9110 IMF-fixdate); the served world formats it
    once a second, so two answers within a second share it and it never goes stale."""
    import email.utils
    import time

    app = world.tenant.add_app("Emply People", {"User.Read.All"})
    with ServedWorld(world) as served:
        token = world.tokens.issue(world.tenant.id, app.client_id, app.object_id,
                                   ["User.Read.All"])
        with httpx.Client(verify=served.ssl_context(), trust_env=False) as client:
            before = time.time()
            answers = [client.get(f"{served.graph_url}/users",
                                  headers={"Authorization": f"Bearer {token}"}),
                       client.get(f"{served.graph_url}/users"),  # a 401 is dated too
                       client.get(f"{served.emply_url}/api/v1/users")]
            after = time.time()
    for answer in answers:
        dates = answer.headers.get_list("Date")
        assert len(dates) == 1, answer.headers
        assert dates[0].endswith(" GMT")
        when = email.utils.parsedate_to_datetime(dates[0]).timestamp()
        assert int(before) <= when <= after
