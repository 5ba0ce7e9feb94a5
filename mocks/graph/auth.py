"""Bearer-token checks and Graph's application permissions, endpoint by endpoint.

Each operation names the application permissions Graph documents for it, least
privileged first; a token holding any one of them is allowed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request

from mocks.graph.errors import GraphError
from mocks.identity.models import TokenInvalid

_DIR_READ = ("Directory.Read.All", "Directory.ReadWrite.All")
_DIR_WRITE = ("Directory.ReadWrite.All",)

PERMISSIONS: dict[str, tuple[str, ...]] = {
    "users.read": ("User.Read.All", "User.ReadWrite.All", *_DIR_READ),
    "users.write": ("User.ReadWrite.All", *_DIR_WRITE),
    "users.delete": ("User.DeleteRestore.All", "User.ReadWrite.All", *_DIR_WRITE),
    "groups.read": ("GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All",
                    "Group.ReadWrite.All", *_DIR_READ),
    "groups.write": ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", *_DIR_WRITE),
    "groups.create": ("Group.Create", "Group.ReadWrite.All", *_DIR_WRITE),
    "groups.manage": ("Group.ReadWrite.All", *_DIR_WRITE),
    "memberships.read": ("GroupMember.Read.All", "Group.Read.All", "GroupMember.ReadWrite.All",
                         "Group.ReadWrite.All", *_DIR_READ),
    "directory.read": _DIR_READ,
    "photos.read": ("ProfilePhoto.Read.All", "ProfilePhoto.ReadWrite.All", "User.Read.All",
                    "User.ReadWrite.All"),
    "photos.write": ("ProfilePhoto.ReadWrite.All", "User.ReadWrite.All"),
    "calendars.read": ("Calendars.ReadBasic", "Calendars.Read", "Calendars.ReadWrite"),
    "calendars.write": ("Calendars.ReadWrite",),
    "deleteditems.read": ("User.Read.All", "User.ReadWrite.All", "User.DeleteRestore.All",
                          *_DIR_READ),
    "deleteditems.write": ("User.DeleteRestore.All", "User.ReadWrite.All", *_DIR_WRITE),
    "domains.read": ("Domain.Read.All", "Domain.ReadWrite.All", *_DIR_READ),
    "organization.read": ("Organization.Read.All", "Organization.ReadWrite.All", *_DIR_READ),
}

# The same, as sets to test a token's roles against (made once, not per request).
_ALLOWED = {operation: frozenset(roles) for operation, roles in PERMISSIONS.items()}


def bearer_claims() -> dict[str, Any]:
    """Validate the request's bearer token against the world's tenant, or raise 401."""
    header = request.environ.get("HTTP_AUTHORIZATION", "")  # as request.headers reads it
    scheme, _, token = header.partition(" ")
    if not header or scheme.lower() != "bearer" or not token.strip():
        raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
    world = current_app.config["WORLD"]
    try:
        return world.tokens.validate(token.strip(), world.tenant.id)
    except TokenInvalid as exc:
        raise GraphError(401, "InvalidAuthenticationToken", str(exc)) from exc


def check(operation: str) -> dict[str, Any]:
    """Authenticate the request and check it may perform ``operation``; return the claims."""
    claims = bearer_claims()
    if _ALLOWED[operation].isdisjoint(claims.get("roles") or ()):
        raise GraphError(403, "Authorization_RequestDenied",
                         "Insufficient privileges to complete the operation.")
    g.claims = claims
    return claims


def requires(operation: str) -> Callable:
    """Decorator form of :func:`check` for a Flask view."""
    if operation not in PERMISSIONS:
        raise KeyError(f"unknown Graph operation {operation!r}")

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            check(operation)
            return view(*args, **kwargs)

        wrapped.graph_operation = operation  # type: ignore[attr-defined]
        return wrapped

    return decorate
