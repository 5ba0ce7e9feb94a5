"""Signing keys, token issuing and token validation for the simulated tenant.

Access tokens are real RS256 JWTs shaped like the app-only tokens Microsoft's
identity platform issues for Microsoft Graph. Token lifetimes follow wall time, not
the simulation clock, so that MSAL's token cache stays valid when tests move the
world's clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

if TYPE_CHECKING:
    from mocks.entra.models import Tenant

GRAPH_AUDIENCE = "https://graph.microsoft.com"
TOKEN_LIFETIME = 3599  # seconds, as the identity platform issues them


class TokenInvalid(Exception):
    """The bearer token cannot be accepted; ``str(exc)`` says why."""


@dataclass
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    def public_jwk(self) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {
            "kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "alg": "RS256",
            "n": _b64(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": _b64(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
            "x5c_sha256": hashlib.sha256(der).hexdigest(),
        }


class TokenService:
    """Issues and validates access tokens for one tenant with one signing key."""

    def __init__(self, key: SigningKey | None = None) -> None:
        self.key = key or new_signing_key()
        self._verified: dict[tuple[str, str, str, str], dict[str, Any]] = {}

    def issue(self, tenant_id: str, client_id: str, app_object_id: str, roles: list[str],
              audience: str = GRAPH_AUDIENCE, lifetime: int = TOKEN_LIFETIME,
              now: float | None = None, app_display_name: str | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{tenant_id}/",
            "iat": issued, "nbf": issued, "exp": issued + lifetime,
            "aio": uuid.uuid4().hex,
            "app_displayname": app_display_name,
            "appid": client_id, "appidacr": "1",
            "idp": f"https://sts.windows.net/{tenant_id}/",
            "idtyp": "app",
            "oid": app_object_id, "sub": app_object_id,
            "roles": sorted(roles),
            "tid": tenant_id,
            "uti": uuid.uuid4().hex[:22],
            "ver": "1.0",
        }
        return jwt.encode(claims, self.key.private_key, algorithm="RS256",
                          headers={"kid": self.key.kid, "x5t": self.key.kid, "typ": "JWT"})

    def validate(self, token: str, tenant_id: str, audience: str = GRAPH_AUDIENCE) -> dict[str, Any]:
        """Return the claims of a token this service issued for ``tenant_id``, or raise.

        A token whose signature was checked once is remembered (until it expires), so
        the inner requests of a ``$batch`` do not each pay for an RSA verification. The
        memory is keyed by the signing key too: a token is never accepted on the word of
        a key the service no longer signs with.
        """
        key = (token, tenant_id, audience, self.key.kid)
        cached = self._verified.get(key)
        if cached is not None and cached["nbf"] <= time.time() < cached["exp"]:
            return cached
        claims = self._validate(token, tenant_id, audience)
        if len(self._verified) >= 1024:
            self._verified.clear()
        self._verified[key] = claims
        return claims

    def _validate(self, token: str, tenant_id: str, audience: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenInvalid("IDX14100: JWT is not well formed.") from exc
        if header.get("kid") != self.key.kid:
            raise TokenInvalid("Signing key not found: the token was not signed by this tenant's keys.")
        try:
            claims = jwt.decode(token, self.key.private_key.public_key(), algorithms=["RS256"],
                                audience=audience, leeway=0,
                                options={"require": ["exp", "nbf", "iat", "aud", "iss", "tid"]})
        except jwt.ExpiredSignatureError as exc:
            raise TokenInvalid("Lifetime validation failed, the token is expired.") from exc
        except jwt.InvalidAudienceError as exc:
            raise TokenInvalid("Invalid audience: the token is not for Microsoft Graph.") from exc
        except jwt.InvalidSignatureError as exc:
            raise TokenInvalid("Signature validation failed.") from exc
        except jwt.PyJWTError as exc:
            raise TokenInvalid(f"Access token validation failure: {exc}.") from exc
        if claims.get("tid") != tenant_id or claims.get("iss") != f"https://sts.windows.net/{tenant_id}/":
            raise TokenInvalid("Access token validation failure: the token was issued for another tenant.")
        return claims


def new_signing_key() -> SigningKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return SigningKey(_b64(hashlib.sha1(der).digest()), private_key)  # noqa: S324 - a key id, not security


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- the token endpoint's rules (client credentials) ---------------------------------
# Identifiers the identity platform accepts for Microsoft Graph as a resource: its
# application ID URI (with or without the trailing slash) and its application id.
GRAPH_RESOURCES = ("https://graph.microsoft.com", "https://graph.microsoft.com/",
                   "00000003-0000-0000-c000-000000000000")


class TokenRequestRefused(Exception):
    """A token request the identity platform refuses, with its OAuth error and AADSTS code."""

    def __init__(self, status: int, error: str, code: int, message: str) -> None:
        super().__init__(f"AADSTS{code}: {message}")
        self.status = status
        self.error = error
        self.code = code
        self.message = message


def tenant_known(tenant: Tenant, key: str) -> bool:
    """True when ``key`` (a tenant id or a verified domain name) names ``tenant``."""
    return key.lower() == tenant.id.lower() or tenant.verified_domain(key) is not None


def tenant_not_found(key: str) -> TokenRequestRefused:
    return TokenRequestRefused(
        400, "invalid_request", 90002,
        f"Tenant '{key}' not found. Check to make sure you have the correct tenant ID and are "
        "signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant.")


def missing_parameter(name: str) -> TokenRequestRefused:
    return TokenRequestRefused(400, "invalid_request", 900144,
                               f"The request body must contain the following parameter: '{name}'.")


def client_credentials_grant(tenant: Tenant, tokens: TokenService, *, grant_type: str | None,
                             client_id: str | None, client_secret: str | None,
                             scope: str | None) -> dict[str, Any]:
    """Check a client-credentials request as the identity platform does; return the token response.

    Raises :class:`TokenRequestRefused` naming the first thing wrong. The secret is only
    ever compared, never echoed.
    """
    if not grant_type:
        raise missing_parameter("grant_type")
    if grant_type != "client_credentials":
        raise TokenRequestRefused(400, "unsupported_grant_type", 70003,
                                  f"The app requested an unsupported grant type '{grant_type}'.")
    if not client_id:
        raise missing_parameter("client_id")
    if not scope or not scope.strip():
        raise missing_parameter("scope")
    resource = _default_scope_resource(scope)
    app = tenant.apps.get(client_id) or tenant.apps.get(client_id.lower())
    if app is None:
        raise TokenRequestRefused(
            400, "unauthorized_client", 700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant.display_name}'. This can happen if the application has not been installed by "
            "the administrator of the tenant or consented to by any user in the tenant. You may "
            "have sent your authentication request to the wrong tenant.")
    if not client_secret:
        raise TokenRequestRefused(
            401, "invalid_client", 7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.")
    if not hmac.compare_digest(client_secret.encode(), app.secret.encode()):
        raise TokenRequestRefused(
            401, "invalid_client", 7000215,
            "Invalid client secret provided. Ensure the secret being sent in the request is the "
            f"client secret value, not the client secret ID, for a secret added to app '{app.client_id}'.")
    if resource.lower() not in GRAPH_RESOURCES:
        raise TokenRequestRefused(
            400, "invalid_resource", 500011,
            f"The resource principal named {resource} was not found in the tenant named "
            f"{tenant.display_name}. This can happen if the application has not been installed by "
            "the administrator of the tenant or consented to by any user in the tenant. You might "
            "have sent your authentication request to the wrong tenant.")
    token = tokens.issue(tenant.id, app.client_id, app.object_id, sorted(app.roles),
                         app_display_name=app.display_name)
    return {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME,
            "ext_expires_in": TOKEN_LIFETIME, "access_token": token}


def _default_scope_resource(scope: str) -> str:
    """The resource of a client-credentials scope, which must be one ``<resource>/.default``."""
    scopes = scope.split()
    if any(not item.endswith("/.default") for item in scopes):
        raise TokenRequestRefused(
            400, "invalid_scope", 1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must have "
            "a scope value with /.default suffixed to the resource identifier (application ID URI).")
    if len(scopes) > 1:
        raise TokenRequestRefused(
            400, "invalid_scope", 70011,
            f"The provided value for the input parameter 'scope' is not valid. The scope {scope} "
            "is not valid.")
    return scopes[0][: -len("/.default")]
