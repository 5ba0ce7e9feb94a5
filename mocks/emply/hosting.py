"""Emply People hosting the sync core, as the real product hosts its integration.

The host builds a :class:`~sync_core.engine.SyncEngine` for the world's current
Emply customer: an Entra adapter that reaches Graph over HTTP with tokens from
MSAL, the Emply adapter over the model, and a SQLite store. When the world is reset
or loaded, the engine is built anew (a new world has no sync history) and put on
the new clock's 30-minute schedule.
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from collections.abc import Callable

import httpx

from mocks.emply.adapter import EmplyAdapter
from sync_core.engine import NotConfigured, SyncEngine
from sync_core.entra import EntraAdapter
from sync_core.graph import GraphClient, MsalTokens
from sync_core.store import Store

# Graph application permissions that let an app registration read what the sync needs.
_READS_USERS = {"User.Read.All", "User.ReadWrite.All", "Directory.Read.All",
                "Directory.ReadWrite.All"}


class IntegrationHost:
    """The sync core inside one Emply server, for one :class:`mocks.world.World`."""

    def __init__(self, world, http: httpx.Client, graph_url: str, identity_url: str, *,
                 sleep: Callable[[float], None] | None = None, store_path: str = ":memory:",
                 schedule: bool = True, in_flight: int = 1) -> None:
        self.world = world
        self.in_flight = in_flight  # batches on the wire at most (served: 4; see sync_core.window)
        self.http = http
        self.graph_url = graph_url
        self.identity_url = identity_url
        # In-process, waiting for Retry-After moves the simulation clock; served, it is real.
        self._sleep = sleep
        self.store_path = store_path
        self.schedule = schedule
        self._lock = threading.RLock()
        self._engine: SyncEngine | None = None
        self._clock = None
        world.on_replace(self._on_replace)
        self.rebuild()

    def _on_replace(self, _world) -> None:
        self.rebuild()

    def close(self) -> None:
        """Leave the world: off its clock and its replace notifications; close the store."""
        with self._lock:
            self.world.off_replace(self._on_replace)
            if self._engine is not None:
                if self._clock is not None:
                    self._clock.unsubscribe(self._engine.on_clock)
                self._engine.store.close()
                self._engine = None

    def rebuild(self) -> None:
        """A new world: a new store, a new engine, on the new clock's schedule."""
        with self._lock:
            if self._engine is not None:
                self._engine.store.close()
                if self._clock is not None:
                    self._clock.unsubscribe(self._engine.on_clock)
            if self.store_path != ":memory:" and os.path.exists(self.store_path):
                os.remove(self.store_path)
            store = Store(self.store_path)
            sleep = self._sleep or self.world.clock.sleep
            graph = GraphClient(self.graph_url, self._token, self.http, sleep=sleep,
                                in_flight=self.in_flight)
            self._engine = SyncEngine(EmplyAdapter(self.world.emply), EntraAdapter(graph), store)
            self._clock = self.world.clock
            self._tokens: MsalTokens | None = None
            self._tokens_for: tuple[str, str, str] | None = None
            if self.schedule:
                self._engine.schedule_from(self._clock.now())
                self._clock.subscribe(self._engine.on_clock)

    @property
    def engine(self) -> SyncEngine:
        assert self._engine is not None
        return self._engine

    def credentials(self) -> tuple[str, str, str]:
        """(tenant id, client id, secret) of the app registration the integration uses.

        The simulated administrator typed the app's client id and secret into the
        integration setup; here they come from the world's app registration that can
        read users (the one named "Emply People" first).
        """
        settings = self.world.emply.settings
        if not settings.configured:
            raise NotConfigured("the Entra ID integration is not set up")
        apps = sorted(self.world.tenant.apps.values(),
                      key=lambda a: (a.display_name != "Emply People", a.display_name))
        app = next((a for a in apps if a.roles & _READS_USERS), None)
        if app is None:
            raise NotConfigured("no app registration in the tenant can read users "
                                "(it needs User.Read.All or Directory.Read.All)")
        return settings.tenant.id, app.client_id, app.secret

    def _token(self) -> str:
        key = self.credentials()
        if self._tokens is None or self._tokens_for != key:
            tenant_id, client_id, secret = key
            self._tokens = MsalTokens(f"{self.identity_url}/{tenant_id}", client_id, secret,
                                      http_client=self.http)
            self._tokens_for = key
        return self._tokens()


def in_process_host(world, http: httpx.Client, graph_url: str, identity_url: str) -> IntegrationHost:
    """The host for tests and demos: no sockets, Retry-After waits on the simulation clock."""
    return IntegrationHost(world, http, graph_url, identity_url)


def served_host(world, ca_file: str, graph_url: str, identity_url: str,
                store_path: str = ":memory:") -> IntegrationHost:
    """The host for a served world: real HTTPS to Graph, real waiting."""
    http = httpx.Client(verify=ssl.create_default_context(cafile=ca_file), timeout=30.0)
    return IntegrationHost(world, http, graph_url, identity_url, sleep=time.sleep,
                           store_path=store_path, in_flight=4)
