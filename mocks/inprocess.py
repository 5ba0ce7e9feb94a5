"""The whole world in-process: every mock app behind one ``httpx.Client``, no sockets.

Requests are routed by host to each app through ``httpx.WSGITransport``:
``login.microsoftonline.com`` -> identity platform, ``graph.microsoft.com`` -> Graph,
``emply.local`` -> Emply People. Any other host is refused, so nothing in a test
can reach the real network. :func:`msal_app` gives an unchanged MSAL
``ConfidentialClientApplication`` that gets its tokens from the identity mock.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

import httpx
import msal
from flask import Flask

LOGIN_HOST = "login.microsoftonline.com"
GRAPH_HOST = "graph.microsoft.com"
EMPLY_HOST = "emply.local"
IDENTITY_URL = f"https://{LOGIN_HOST}"
GRAPH_URL = f"https://{GRAPH_HOST}/v1.0"
EMPLY_URL = f"https://{EMPLY_HOST}"
LOG = logging.getLogger(__name__)


class HostRouter(httpx.BaseTransport):
    """An httpx transport that hands each request to the WSGI app serving its host."""

    def __init__(self, apps: dict[str, Flask]) -> None:
        self.apps = dict(apps)
        self._transports = {host: httpx.WSGITransport(app=app) for host, app in apps.items()}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._transports.get(request.url.host)
        if transport is None:
            raise httpx.ConnectError(
                f"no mock serves {request.url.host!r} in-process (known: "
                f"{', '.join(sorted(self._transports))}); the real network is not used",
                request=request)
        return transport.handle_request(request)


class InProcess:
    """The mock apps over one world, reachable through :meth:`client` without sockets."""

    def __init__(self, world) -> None:
        from mocks.graph.app import create_app as create_graph
        from mocks.identity.app import create_app as create_identity

        self.world = world
        self.identity_app = create_identity(world)
        self.graph_app = create_graph(world)
        self.emply_app = emply_app(world)
        apps = {LOGIN_HOST: self.identity_app, GRAPH_HOST: self.graph_app}
        if self.emply_app is not None:
            apps[EMPLY_HOST] = self.emply_app
        self.transport = HostRouter(apps)
        self.sync_host = None
        if self.emply_app is not None:  # Emply hosts the sync core, reaching Graph in-process
            from mocks.emply.hosting import in_process_host

            self.sync_host = in_process_host(world, self.client(), GRAPH_URL, IDENTITY_URL)
            self.emply_app.config["SYNC_HOST"] = self.sync_host

    @property
    def engine(self):
        """The hosted sync engine of the world's current Emply customer."""
        if self.sync_host is None:
            raise RuntimeError("the Emply mock is not part of this in-process world")
        return self.sync_host.engine

    def close(self) -> None:
        """Detach the hosted sync core from the world (its clock and store)."""
        if self.sync_host is not None:
            self.sync_host.close()

    @property
    def authority(self) -> str:
        return f"{IDENTITY_URL}/{self.world.tenant.id}"

    def client(self, **kwargs: Any) -> httpx.Client:
        """A new ``httpx.Client`` reaching every app by its host (pass ``base_url=`` etc.)."""
        return httpx.Client(transport=self.transport, **kwargs)

    def msal_app(self, client_id: str, secret: str, **kwargs: Any) -> msal.ConfidentialClientApplication:
        """MSAL's confidential client for ``client_id``, talking to the identity mock in-process."""
        return msal_app(self.world, client_id, secret, http_client=self.client(), **kwargs)


def emply_app(world) -> Flask | None:
    """The Emply People app over ``world``, or None while ``mocks.emply.app`` cannot be imported yet.

    Only an import failure inside ``mocks.emply`` (a part not written yet) leaves Emply out,
    with a warning in the log; any other error propagates.
    """
    try:
        module = importlib.import_module("mocks.emply.app")
    except ImportError as exc:
        if not (exc.name or "").startswith("mocks.emply"):
            raise
        LOG.warning("Emply People mock left out: mocks.emply.app cannot be imported yet (%s)", exc)
        return None
    return module.create_app(world)


def msal_app(world, client_id: str, secret: str, http_client: httpx.Client | None = None,
             **kwargs: Any) -> msal.ConfidentialClientApplication:
    """``msal.ConfidentialClientApplication`` for the world's tenant, reaching the mock in-process.

    ``http_client`` defaults to a new :class:`InProcess` client; an ``httpx.Client`` already
    has the ``get``/``post`` MSAL calls and the ``status_code``/``text``/``headers`` it reads.
    """
    if http_client is None:
        http_client = InProcess(world).client()
    return msal.ConfidentialClientApplication(
        client_id, client_credential=secret,
        authority=f"{IDENTITY_URL}/{world.tenant.id}",
        instance_discovery=False, http_client=http_client, **kwargs)
