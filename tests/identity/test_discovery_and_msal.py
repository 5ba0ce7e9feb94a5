"""OpenID discovery, the signing keys, and MSAL getting tokens from the mock in-process."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import jwt
import msal
import pytest

from mocks.inprocess import msal_app

GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]


@pytest.mark.parametrize("tenant_key", ["tenant-id", "contoso.com", "Contoso.DK"])
def test_discovery_document_points_at_the_mocks_own_endpoints(client, world, tenant_key):
    key = world.tenant.id if tenant_key == "tenant-id" else tenant_key
    response = client.get(f"https://login.microsoftonline.com/{key}/v2.0/.well-known/openid-configuration")

    assert response.status_code == 200
    doc = response.json()
    base = f"https://login.microsoftonline.com/{world.tenant.id}"
    assert doc["issuer"] == f"{base}/v2.0"
    assert doc["token_endpoint"] == f"{base}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{base}/oauth2/v2.0/authorize"
    assert doc["jwks_uri"] == f"{base}/discovery/v2.0/keys"
    assert "client_secret_basic" in doc["token_endpoint_auth_methods_supported"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["msgraph_host"] == "graph.microsoft.com"


def test_discovery_of_an_unknown_tenant_is_aadsts90002(client):
    response = client.get("https://login.microsoftonline.com/fabrikam.com/v2.0/.well-known/openid-configuration")
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_tenant"
    assert body["error_codes"] == [90002]
    assert body["error_description"].startswith("AADSTS90002: Tenant 'fabrikam.com' not found.")


def test_issued_tokens_verify_against_the_published_keys(client, world, app):
    keys = client.get(f"https://login.microsoftonline.com/{world.tenant.id}/discovery/v2.0/keys").json()
    token = client.post(f"https://login.microsoftonline.com/{world.tenant.id}/oauth2/v2.0/token",
                        data={"grant_type": "client_credentials", "client_id": app.client_id,
                              "client_secret": app.secret, "scope": GRAPH_SCOPES[0]}).json()["access_token"]

    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [key for key in keys["keys"] if key["kid"] == kid]
    assert jwk["kty"] == "RSA" and jwk["use"] == "sig"
    assert "d" not in jwk  # public half only
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"],
                        audience="https://graph.microsoft.com")
    assert claims["appid"] == app.client_id


def test_msal_gets_a_graph_token_in_process(world, app, mocks):
    result = mocks.msal_app(app.client_id, app.secret).acquire_token_for_client(GRAPH_SCOPES)

    assert "access_token" in result, result
    assert result["token_source"] == "identity_provider"
    claims = jwt.decode(result["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["iss"] == f"https://sts.windows.net/{world.tenant.id}/"
    assert claims["tid"] == world.tenant.id
    assert claims["appid"] == app.client_id
    assert claims["roles"] == sorted(app.roles)
    assert claims["iat"] == claims["nbf"] <= time.time() < claims["exp"] == claims["iat"] + 3599


def test_msals_cache_serves_the_same_token_after_simulated_hours(world, app):
    msal = msal_app(world, app.client_id, app.secret)
    first = msal.acquire_token_for_client(GRAPH_SCOPES)

    world.clock.advance(timedelta(hours=2))  # token lifetimes follow wall time, not the world's
    second = msal.acquire_token_for_client(GRAPH_SCOPES)

    assert second["token_source"] == "cache"
    assert second["access_token"] == first["access_token"]
    assert world.tokens.validate(second["access_token"], world.tenant.id)["appid"] == app.client_id


def test_msal_reports_a_wrong_secret_as_the_platform_does(world, app, mocks):
    result = mocks.msal_app(app.client_id, "wrong-secret").acquire_token_for_client(GRAPH_SCOPES)

    assert "access_token" not in result
    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]


def test_msal_cannot_start_against_an_unknown_tenant(app, mocks):
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        msal.ConfidentialClientApplication(
            app.client_id, client_credential=app.secret, instance_discovery=False,
            authority="https://login.microsoftonline.com/fabrikam.com", http_client=mocks.client())


def test_in_process_client_refuses_hosts_no_mock_serves(client):
    with pytest.raises(httpx.ConnectError, match="no mock serves 'example.com'"):
        client.get("https://example.com/")


def test_in_process_client_reaches_each_app_by_host(client):
    graph = client.get("https://graph.microsoft.com/v1.0/no-such-segment")
    assert graph.json()["error"]["code"] == "BadRequest"  # Graph's OData error body
    assert "request-id" in graph.json()["error"]["innerError"]
    identity = client.get("https://login.microsoftonline.com/no-such-tenant/v2.0/.well-known/openid-configuration")
    assert identity.json()["error_codes"] == [90002]
    emply = client.get("https://emply.local/openapi.json")
    assert emply.status_code == 200
    assert "openapi" in emply.json()


def test_graph_accepts_the_token_msal_got_in_process(world, app, mocks, client):
    world.tenant.add_user({"userPrincipalName": "megan.jordan@contoso.com", "displayName": "Megan Jordan"})
    token = mocks.msal_app(app.client_id, app.secret).acquire_token_for_client(GRAPH_SCOPES)["access_token"]

    response = client.get("https://graph.microsoft.com/v1.0/users",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert [u["userPrincipalName"] for u in response.json()["value"]] == ["megan.jordan@contoso.com"]


def test_graph_refuses_a_token_issued_before_a_reset_of_the_tenant(world, app, mocks, client):
    token = mocks.msal_app(app.client_id, app.secret).acquire_token_for_client(GRAPH_SCOPES)["access_token"]
    world.reset(seed=99)  # a new tenant: the old tenant's tokens are for another tenant now

    response = client.get("https://graph.microsoft.com/v1.0/users",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"
