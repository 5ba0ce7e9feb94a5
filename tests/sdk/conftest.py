"""Shared helpers for the SDK, permission-table and bad-input tests of the Graph mock.

Worlds are built directly on the tenant model; the in-process Graph app is reached
through ``httpx.WSGITransport``; tokens come from the world's own token service.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mocks.graph.app import create_app
from mocks.world import World

GRAPH = "https://graph.microsoft.com/v1.0"
# Environment variables that override a client's CA trust or send 127.0.0.1 through a proxy.
ENVIRONMENT_OVERRIDES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR",
                         "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY",
                         "all_proxy")


def small_world(seed: int = 31) -> World:
    """contoso.com with three users (one with a photo and a second calendar) and a group."""
    world = World(seed=seed)
    tenant = world.tenant
    tenant.add_domain("contoso.com", default=True)
    tenant.add_domain("contoso.dk")
    for nick, name in (("ray.ross", "Ray Ross"), ("megan.jordan", "Megan Jordan"),
                       ("lars.nielsen", "Lars Nielsen")):
        tenant.add_user({"userPrincipalName": f"{nick}@contoso.com", "displayName": name,
                         "mail": f"{nick}@contoso.com", "mailNickname": nick})
    ray = tenant.user_by_id_or_upn("ray.ross@contoso.com")
    megan = tenant.user_by_id_or_upn("megan.jordan@contoso.com")
    tenant.add_group({"displayName": "Employee", "mailNickname": "employee"},
                     members=[ray.id, megan.id])
    tenant.add_app("Emply People", {"User.Read.All"})
    return world


def issue(world: World, *roles: str) -> str:
    """An app-only Graph token for the world's first app registration, holding ``roles``."""
    reg = next(iter(world.tenant.apps.values()))
    return world.tokens.issue(world.tenant.id, reg.client_id, reg.object_id, list(roles))


def graph_client(world: World, app=None, token: str | None = None, **headers: str) -> httpx.Client:
    """An in-process Graph client; with ``token`` it sends it as the bearer."""
    sent = dict(headers)
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    return httpx.Client(transport=httpx.WSGITransport(app=app or create_app(world)),
                        base_url=GRAPH, headers=sent)


def assert_graph_error(response: httpx.Response, status: int | None = None,
                       code: str | None = None, client_request_id: str | None = None) -> dict:
    """Check Graph's error body shape (and status/code/echoed id when given); return error."""
    assert response.headers.get("content-type", "").startswith("application/json"), response.text
    body: Any = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], body
    assert isinstance(error.get("message"), str) and error["message"], body
    inner = error.get("innerError")
    assert isinstance(inner, dict), body
    for name in ("date", "request-id", "client-request-id"):
        assert isinstance(inner.get(name), str) and inner[name], (name, body)
    if status is not None:
        assert response.status_code == status, (response.status_code, body)
    if code is not None:
        assert error["code"] == code, body
    if client_request_id is not None:
        assert inner["client-request-id"] == client_request_id, body
    return error


@pytest.fixture
def no_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop CA-bundle and proxy variables this machine sets, so verify= really decides trust."""
    for name in ENVIRONMENT_OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
