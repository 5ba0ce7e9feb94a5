"""The Entra administrator of the demo pages, acting through Microsoft Graph over HTTP.

The pages' Entra actions (create a user, disable, delete, restore, upload a photo,
create a group, add or remove a member) are Graph requests made with a token for an
app registration of the world's tenant that may write, obtained with MSAL from the
identity mock, over the same ``httpx`` client the hosted sync uses. So Graph's own
rules and errors apply, and Graph's journal shows every call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from sync_core.graph import GraphError, MsalTokens

# The app the pages register when asked (the Azure portal's "new registration").
ADMIN_APP = "Demo: Entra administrator"
ADMIN_PERMISSIONS = frozenset({"User.ReadWrite.All", "Group.ReadWrite.All",
                               "GroupMember.ReadWrite.All", "ProfilePhoto.ReadWrite.All",
                               "Directory.ReadWrite.All"})
# Application permissions that let an app change users or groups through Graph.
WRITES = frozenset({"User.ReadWrite.All", "Directory.ReadWrite.All", "Group.ReadWrite.All",
                    "GroupMember.ReadWrite.All", "User.DeleteRestore.All"})


class NoAdminApp(RuntimeError):
    """The tenant has no app registration that may change users or groups."""


@dataclass
class GraphRefusal(Exception):
    """Graph answered an error: its status and the code and message of its error body."""

    method: str
    path: str
    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"Graph refused {self.method} {self.path} ({self.status} {self.code}): {self.message}"


def admin_app(tenant):
    """The tenant's app registration the pages act with: the one that may write the most.

    Apps named like the demo's come first; the integration's own app is used only when no
    other app may write. ``None`` when no app may change users or groups.
    """
    writers = [a for a in tenant.apps.values() if a.roles & WRITES]
    if not writers:
        return None
    return min(writers, key=lambda a: (a.display_name != ADMIN_APP,
                                       a.display_name == "Emply People",
                                       -len(a.roles & WRITES), a.display_name))


def register_admin_app(tenant):
    """Register the demo's administrator app (as an Entra admin would in the portal)."""
    existing = next((a for a in tenant.apps.values() if a.display_name == ADMIN_APP), None)
    return existing or tenant.add_app(ADMIN_APP, set(ADMIN_PERMISSIONS))


class GraphAdmin:
    """Graph requests as the tenant's administrator app, through the host's HTTP client."""

    def __init__(self, world, http: httpx.Client, graph_url: str, identity_url: str) -> None:
        self.world = world
        self.http = http
        self.graph_url = graph_url.rstrip("/")
        self.identity_url = identity_url.rstrip("/")
        self._tokens: MsalTokens | None = None
        self._key: tuple[str, str, str] | None = None

    @classmethod
    def of_host(cls, host) -> GraphAdmin:
        """The administrator for the world an :class:`IntegrationHost` serves."""
        return cls(host.world, host.http, host.graph_url, host.identity_url)

    def app(self):
        return admin_app(self.world.tenant)

    def _token(self) -> str:
        app = self.app()
        if app is None:
            raise NoAdminApp("no app registration in this tenant may change users or groups "
                             "(it needs User.ReadWrite.All, Group.ReadWrite.All or "
                             "Directory.ReadWrite.All)")
        key = (self.world.tenant.id, app.client_id, app.secret)
        if self._tokens is None or self._key != key:
            self._tokens = MsalTokens(f"{self.identity_url}/{key[0]}", key[1], key[2],
                                      http_client=self.http)
            self._key = key
        try:
            return self._tokens()
        except GraphError as exc:  # the identity platform refused the app's credentials
            raise GraphRefusal("POST", "/oauth2/v2.0/token", exc.status or 400,
                               exc.code or "token_error", exc.message) from None

    def call(self, method: str, path: str, *, json_body: Any = None, content: bytes | None = None,
             content_type: str | None = None) -> Any:
        """One Graph request; its JSON answer (``None`` for 204), or :class:`GraphRefusal`."""
        headers = {"Authorization": f"Bearer {self._token()}"}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = self.http.request(method, f"{self.graph_url}{path}", headers=headers,
                                         json=json_body, content=content)
        except httpx.HTTPError as exc:
            raise GraphRefusal(method, path, 0, "no_answer", f"Graph did not answer: {exc}") from None
        if response.status_code >= 400:
            code, message = "unknown", response.text[:300]
            try:
                error = response.json().get("error", {})
                code, message = error.get("code", code), error.get("message", message)
            except (ValueError, AttributeError):
                pass
            raise GraphRefusal(method, path, response.status_code, code, message)
        if not response.content:
            return None
        try:
            return response.json()
        except json.JSONDecodeError:
            return None

    # -- users ---------------------------------------------------------------------------
    def create_user(self, display_name: str, upn: str, password: str) -> dict[str, Any]:
        nickname = upn.partition("@")[0]
        return self.call("POST", "/users", json_body={
            "accountEnabled": True, "displayName": display_name, "mailNickname": nickname,
            "userPrincipalName": upn, "mail": upn,
            "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": password}})

    def set_enabled(self, user_id: str, enabled: bool) -> None:
        self.call("PATCH", f"/users/{user_id}", json_body={"accountEnabled": enabled})

    def delete_user(self, user_id: str) -> None:
        self.call("DELETE", f"/users/{user_id}")

    def restore_user(self, user_id: str) -> dict[str, Any]:
        return self.call("POST", f"/directory/deletedItems/{user_id}/restore")

    def upload_photo(self, user_id: str, content: bytes, content_type: str) -> None:
        self.call("PUT", f"/users/{user_id}/photo/$value", content=content,
                  content_type=content_type)

    # -- groups --------------------------------------------------------------------------
    def create_group(self, display_name: str, description: str | None = None) -> dict[str, Any]:
        nickname = "".join(c for c in display_name.lower() if c.isascii() and c.isalnum())
        body = {"displayName": display_name, "mailEnabled": False,
                "mailNickname": nickname or "group", "securityEnabled": True}
        if description:
            body["description"] = description
        return self.call("POST", "/groups", json_body=body)

    def add_member(self, group_id: str, member_id: str) -> None:
        self.call("POST", f"/groups/{group_id}/members/$ref", json_body={
            "@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{member_id}"})

    def remove_member(self, group_id: str, member_id: str) -> None:
        self.call("DELETE", f"/groups/{group_id}/members/{member_id}/$ref")
