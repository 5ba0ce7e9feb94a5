"""The v2.0 token endpoint: client credentials for Graph, and the platform's own refusals."""

from __future__ import annotations

import base64
import time
import uuid
from urllib.parse import quote_plus

import jwt
import pytest

GRAPH_DEFAULT = "https://graph.microsoft.com/.default"
SECRET = "Qx8~secret.value-for+tests"  # the app fixture's secret (conftest)


def token_url(tenant: str) -> str:
    return f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"


def request_token(client, tenant, **form):
    return client.post(token_url(tenant), data={k: v for k, v in form.items() if v is not None})


def test_client_credentials_give_a_graph_token_with_the_apps_roles(client, world, app):
    before = int(time.time())
    response = request_token(client, world.tenant.id, grant_type="client_credentials",
                             client_id=app.client_id, client_secret=SECRET, scope=GRAPH_DEFAULT)

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == body["ext_expires_in"] == 3599
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://graph.microsoft.com"
    assert claims["iss"] == f"https://sts.windows.net/{world.tenant.id}/"
    assert claims["tid"] == world.tenant.id
    assert claims["appid"] == app.client_id
    assert claims["oid"] == app.object_id
    assert claims["app_displayname"] == "Emply People"
    assert claims["roles"] == sorted(app.roles) == ["Calendars.ReadWrite", "GroupMember.Read.All", "User.Read.All"]
    assert before <= claims["iat"] == claims["nbf"] <= int(time.time())
    assert claims["exp"] - claims["iat"] == 3599
    # The token is one Graph accepts for this tenant.
    assert world.tokens.validate(body["access_token"], world.tenant.id)["appid"] == app.client_id


@pytest.mark.parametrize("tenant_key", ["contoso.com", "CONTOSO.DK", "contoso.onmicrosoft.com"])
def test_any_verified_domain_names_the_tenant(client, world, app, tenant_key):
    response = request_token(client, tenant_key, grant_type="client_credentials",
                             client_id=app.client_id, client_secret=SECRET, scope=GRAPH_DEFAULT)
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["tid"] == world.tenant.id


@pytest.mark.parametrize("scope", ["https://graph.microsoft.com//.default",
                                   "00000003-0000-0000-c000-000000000000/.default"])
def test_other_spellings_of_graphs_default_scope_are_accepted(client, world, app, scope):
    response = request_token(client, world.tenant.id, grant_type="client_credentials",
                             client_id=app.client_id, client_secret=SECRET, scope=scope)
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["aud"] == "https://graph.microsoft.com"


def test_the_secret_may_come_in_http_basic(client, world, app):
    credentials = f"{quote_plus(app.client_id)}:{quote_plus(SECRET)}"
    response = client.post(token_url(world.tenant.id),
                           data={"grant_type": "client_credentials", "scope": GRAPH_DEFAULT},
                           headers={"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()})
    assert response.status_code == 200
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["appid"] == app.client_id


# (form overrides, status, OAuth error, AADSTS code, words the description must carry)
REFUSALS = [
    ({"client_secret": "not-the-secret"}, 401, "invalid_client", 7000215, "Invalid client secret provided"),
    ({"client_secret": None}, 401, "invalid_client", 7000218, "'client_assertion' or 'client_secret'"),
    ({"client_id": "11111111-2222-4333-8444-555555555555"}, 400, "unauthorized_client", 700016,
     "Application with identifier '11111111-2222-4333-8444-555555555555' was not found in the directory 'Contoso'"),
    ({"scope": "https://graph.microsoft.com/User.Read.All"}, 400, "invalid_scope", 1002012,
     "Client credential flows must have a scope value with /.default"),
    ({"scope": "User.Read.All"}, 400, "invalid_scope", 1002012, "scope User.Read.All is not valid"),
    ({"scope": f"{GRAPH_DEFAULT} https://outlook.office.com/.default"}, 400, "invalid_scope", 70011,
     "input parameter 'scope' is not valid"),
    ({"scope": "https://vault.azure.net/.default"}, 400, "invalid_resource", 500011,
     "resource principal named https://vault.azure.net was not found"),
    ({"scope": None}, 400, "invalid_request", 900144, "the following parameter: 'scope'"),
    ({"client_id": None}, 400, "invalid_request", 900144, "the following parameter: 'client_id'"),
    ({"grant_type": None}, 400, "invalid_request", 900144, "the following parameter: 'grant_type'"),
    ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003, "unsupported grant type 'password'"),
]


@pytest.mark.parametrize(("overrides", "status", "error", "code", "words"), REFUSALS,
                         ids=[f"AADSTS{r[3]}-{r[2]}" for r in REFUSALS])
def test_refusals_are_the_identity_platforms_own(client, world, app, overrides, status, error, code, words):
    form = {"grant_type": "client_credentials", "client_id": app.client_id,
            "client_secret": SECRET, "scope": GRAPH_DEFAULT, **overrides}
    response = request_token(client, world.tenant.id, **form)

    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_codes"] == [code]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    assert words in body["error_description"]
    assert f"Trace ID: {body['trace_id']}" in body["error_description"]
    assert f"Correlation ID: {body['correlation_id']}" in body["error_description"]
    assert f"Timestamp: {body['timestamp']}" in body["error_description"]
    assert body["error_uri"] == f"https://login.microsoftonline.com/error?code={code}"
    assert "access_token" not in body
    # Neither the real secret nor the one sent is ever echoed.
    assert SECRET not in response.text and "not-the-secret" not in response.text


def test_an_unknown_tenant_is_refused_with_aadsts90002(client, app):
    for tenant in ("fabrikam.com", "pending.example", str(uuid.uuid4())):
        response = request_token(client, tenant, grant_type="client_credentials",
                                 client_id=app.client_id, client_secret=SECRET, scope=GRAPH_DEFAULT)
        assert response.status_code == 400
        body = response.json()
        assert (body["error"], body["error_codes"]) == ("invalid_request", [90002])
        assert body["error_description"].startswith(f"AADSTS90002: Tenant '{tenant}' not found.")


def test_the_correlation_id_echoes_the_clients_request_id(client, world, app):
    request_id = str(uuid.uuid4())
    response = client.post(token_url(world.tenant.id), headers={"client-request-id": request_id},
                           data={"grant_type": "client_credentials", "client_id": app.client_id,
                                 "client_secret": "wrong", "scope": GRAPH_DEFAULT})
    assert response.json()["correlation_id"] == request_id


def test_the_token_endpoint_only_takes_post(client, world):
    response = client.get(token_url(world.tenant.id))
    assert response.status_code == 400
    body = response.json()
    assert body["error_codes"] == [900561]
    assert "only accepts POST requests. Received a GET request." in body["error_description"]


def test_a_json_body_is_not_a_token_request(client, world, app):
    response = client.post(token_url(world.tenant.id),
                           json={"grant_type": "client_credentials", "client_id": app.client_id,
                                 "client_secret": SECRET, "scope": GRAPH_DEFAULT})
    assert response.status_code == 400
    assert response.json()["error_codes"] == [900144]


def test_an_app_deleted_from_the_tenant_gets_no_more_tokens(client, world, app):
    del world.tenant.apps[app.client_id]
    response = request_token(client, world.tenant.id, grant_type="client_credentials",
                             client_id=app.client_id, client_secret=SECRET, scope=GRAPH_DEFAULT)
    assert response.json()["error_codes"] == [700016]


def test_unknown_paths_answer_json_not_a_stack_trace(client):
    response = client.get("https://login.microsoftonline.com/contoso.com/oauth2/v2.0/nowhere")
    assert response.status_code == 404
    assert "no endpoint at /contoso.com/oauth2/v2.0/nowhere" in response.json()["error_description"]


def test_a_remembered_token_is_refused_once_the_signing_key_changes():
    """Verified tokens are remembered for speed, never past the key that signed them."""
    import pytest

    from mocks.identity.models import TokenInvalid, TokenService, new_signing_key

    service = TokenService()
    token = service.issue("tenant-1", "client-1", "object-1", ["User.Read.All"])
    assert service.validate(token, "tenant-1")["roles"] == ["User.Read.All"]
    assert service.validate(token, "tenant-1")["roles"] == ["User.Read.All"]  # remembered
    service.key = new_signing_key()
    with pytest.raises(TokenInvalid, match="Signing key not found"):
        service.validate(token, "tenant-1")
