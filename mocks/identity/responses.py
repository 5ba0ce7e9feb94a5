"""Routes of the identity platform mock: OpenID discovery, signing keys, the v2.0 token endpoint.

Only parsing and formatting happen here; the rules of a token request live in
:mod:`mocks.identity.models`. URLs in the discovery document are on the mock's own
host, so the same app works in-process and served on a local port.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from flask import Blueprint, Response, current_app, jsonify, request

from mocks.identity.models import (
    TokenRequestRefused,
    client_credentials_grant,
    tenant_known,
    tenant_not_found,
)

bp = Blueprint("identity", __name__)

# JWK members Microsoft publishes for a signing key.
_JWK_MEMBERS = ("kty", "use", "kid", "x5t", "n", "e")


def _world():
    return current_app.config["WORLD"]


def _base() -> str:
    """The mock's own origin, e.g. ``https://login.microsoftonline.com`` (no trailing slash)."""
    return request.host_url.rstrip("/")


@bp.get("/<tenant>/v2.0/.well-known/openid-configuration")
def openid_configuration(tenant: str) -> Response:
    world = _world()
    if not tenant_known(world.tenant, tenant):
        return aad_error(tenant_not_found(tenant), error="invalid_tenant")
    tid, base = world.tenant.id, _base()
    doc = {
        "token_endpoint": f"{base}/{tid}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                  "client_secret_basic"],
        "jwks_uri": f"{base}/{tid}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/{tid}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
        "authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/{tid}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                             "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat",
                             "auth_time", "acr", "nonce", "preferred_username", "name", "tid",
                             "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": f"{base}/{tid}/kerberos",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }
    return _public_json(doc)


@bp.get("/<tenant>/discovery/v2.0/keys")
def keys(tenant: str) -> Response:
    world = _world()
    if not tenant_known(world.tenant, tenant):
        return aad_error(tenant_not_found(tenant), error="invalid_tenant")
    public = world.tokens.key.public_jwk()
    jwk = {name: public[name] for name in _JWK_MEMBERS}
    jwk["issuer"] = f"{_base()}/{world.tenant.id}/v2.0"
    return _public_json({"keys": [jwk]})


@bp.route("/<tenant>/oauth2/v2.0/token", methods=["GET", "POST"])
def token(tenant: str) -> Response:
    world = _world()
    if request.method != "POST":
        return aad_error(TokenRequestRefused(
            400, "invalid_request", 900561,
            f"The endpoint only accepts POST requests. Received a {request.method} request."))
    if not tenant_known(world.tenant, tenant):
        return aad_error(tenant_not_found(tenant))
    form = request.form
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    basic = _basic_credentials()
    if basic and not client_secret:  # client_secret_basic: the header's id authenticates
        client_id, client_secret = basic
    try:
        body = client_credentials_grant(world.tenant, world.tokens,
                                        grant_type=form.get("grant_type"), client_id=client_id,
                                        client_secret=client_secret, scope=form.get("scope"))
    except TokenRequestRefused as refused:
        return aad_error(refused)
    response = jsonify(body)
    _no_store(response)
    response.headers["x-ms-request-id"] = str(uuid.uuid4())
    return response


def _basic_credentials() -> tuple[str, str] | None:
    """client_secret_basic: id and secret are form-encoded before Basic encoding (RFC 6749 2.3.1)."""
    auth = request.authorization
    if auth is None or auth.type != "basic" or not auth.username:
        return None
    return unquote_plus(auth.username), unquote_plus(auth.password or "")


def aad_error(refused: TokenRequestRefused, error: str | None = None) -> Response:
    """The identity platform's error body: OAuth error, AADSTS description, ids and timestamp."""
    trace_id = str(uuid.uuid4())
    correlation_id = _correlation_id()
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    body: dict[str, Any] = {
        "error": error or refused.error,
        "error_description": (f"AADSTS{refused.code}: {refused.message}\r\nTrace ID: {trace_id}"
                              f"\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {stamp}"),
        "error_codes": [refused.code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"{_base()}/error?code={refused.code}",
    }
    response = jsonify(body)
    response.status_code = refused.status
    _no_store(response)
    response.headers["x-ms-request-id"] = trace_id
    return response


def _correlation_id() -> str:
    """The client's ``client-request-id`` when it is a GUID (as MSAL sends), else a new one."""
    sent = request.headers.get("client-request-id", "")
    try:
        return str(uuid.UUID(sent))
    except ValueError:
        return str(uuid.uuid4())


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store, no-cache"
    response.headers["Pragma"] = "no-cache"


def _public_json(doc: dict[str, Any]) -> Response:
    response = jsonify(doc)
    response.headers["Cache-Control"] = "max-age=86400, private"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
