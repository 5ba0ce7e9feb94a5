"""Signing keys, token issuing and token validation for the simulated tenant.

Access tokens are real RS256 JWTs shaped like the app-only tokens Microsoft's
identity platform issues for Microsoft Graph. Token lifetimes follow wall time, not
the simulation clock, so that MSAL's token cache stays valid when tests move the
world's clock.
"""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

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

    def issue(self, tenant_id: str, client_id: str, app_object_id: str, roles: list[str],
              audience: str = GRAPH_AUDIENCE, lifetime: int = TOKEN_LIFETIME,
              now: float | None = None) -> str:
        issued = int(now if now is not None else time.time())
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{tenant_id}/",
            "iat": issued, "nbf": issued, "exp": issued + lifetime,
            "aio": uuid.uuid4().hex,
            "app_displayname": None,
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
        """Return the claims of a token this service issued for ``tenant_id``, or raise."""
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
