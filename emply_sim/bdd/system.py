"""The system under test as the steps reach it: Graph, Emply, ``/_sim/`` and the clock.

A :class:`Target` says where the apps are: :class:`InProcessTarget` builds a fresh
world per scenario and reaches it through ``httpx`` without sockets;
:class:`ServedTarget` reads the port file of ``emply-sim serve`` (or serves a world
itself) and reaches it over HTTPS. :class:`Harness` is what a scenario holds: it loads
the world the Given steps described, gets a Graph token through MSAL, and offers the
look-ups steps need (a person's Emply user, a group's id) through the APIs only.
"""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import msal

from emply_sim.bdd import world as wb

GRAPH_SCOPE = ["https://graph.microsoft.com/.default"]
PORT_FILE_KEYS = ("graph_url", "authority", "tenant_id", "ca_file", "emply_url")


class StepFailure(AssertionError):
    """A request a step relies on did not do what the step needs."""


@dataclass
class Endpoints:
    """Where the apps of one served or in-process world answer."""

    identity_url: str  # origin of the identity platform; the authority is {identity_url}/{tenant}
    graph_url: str  # ends with /v1.0
    emply_origin: str  # Emply People; its API is {emply_origin}/v1/{customer}
    sim_url: str  # origin of the Graph app, where /_sim/ (with faults and journal) answers
    sim_token: str | None = None


class Target:
    """Where a scenario's world lives and how to reach it."""

    endpoints: Endpoints

    def client(self, **kwargs: Any) -> httpx.Client:
        raise NotImplementedError

    def close(self) -> None:
        """Free what the target holds (the in-process world, the served apps)."""


class InProcessTarget(Target):
    """A fresh :class:`mocks.world.World` behind :class:`mocks.inprocess.InProcess`."""

    def __init__(self) -> None:
        from mocks.inprocess import EMPLY_URL, GRAPH_URL, IDENTITY_URL, InProcess
        from mocks.world import World

        self.world = World()
        self.inprocess = InProcess(self.world)
        self.endpoints = Endpoints(IDENTITY_URL, GRAPH_URL, EMPLY_URL,
                                   GRAPH_URL.rsplit("/v1.0", 1)[0])

    def client(self, **kwargs: Any) -> httpx.Client:
        return self.inprocess.client(**kwargs)

    def close(self) -> None:
        self.inprocess.close()


class ServedTarget(Target):
    """Apps served over HTTPS, described by the port file ``emply-sim serve --port-file`` writes."""

    def __init__(self, endpoints: Endpoints, ca_file: str | None,
                 on_close: Callable[[], None] | None = None) -> None:
        self.endpoints = endpoints
        self.ca_file = ca_file
        self._on_close = on_close
        self._ssl: ssl.SSLContext | None = None

    @classmethod
    def from_port_file(cls, path: str | Path) -> ServedTarget:
        """Read the JSON port file; its keys are named in :data:`PORT_FILE_KEYS`."""
        try:
            info = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read the emply-sim port file {path}: {exc}") from exc
        missing = [k for k in PORT_FILE_KEYS if not info.get(k)]
        if missing:
            raise ValueError(f"the port file {path} lacks {', '.join(missing)}; write it with "
                             "`emply-sim serve --port-file PATH`")
        return cls(endpoints_from_port_info(info), info["ca_file"])

    @classmethod
    def serve(cls, timeout: float = 60.0) -> ServedTarget:
        """Start ``emply-sim serve --port-file`` as a child process and run against it."""
        folder = tempfile.mkdtemp(prefix="emply-sim-bdd-")
        port_file = Path(folder) / "ports.json"
        process = subprocess.Popen([sys.executable, "-m", "emply_sim.cli", "serve", "--port-file",
                                    str(port_file)], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)

        def stop() -> None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            shutil.rmtree(folder, ignore_errors=True)

        deadline = time.monotonic() + timeout
        while not port_file.exists():  # a real server process: wait until it answers
            if process.poll() is not None or time.monotonic() > deadline:
                error = process.stderr.read() if process.poll() is not None and process.stderr else ""
                stop()
                raise RuntimeError(f"emply-sim serve did not start: {error.strip() or 'timeout'}")
            time.sleep(0.05)
        target = cls.from_port_file(port_file)
        target._on_close = stop
        return target

    def client(self, **kwargs: Any) -> httpx.Client:
        kwargs.setdefault("timeout", 60.0)
        if self._ssl is None and self.ca_file:
            self._ssl = ssl.create_default_context(cafile=self.ca_file)
        return httpx.Client(verify=self._ssl or True, **kwargs)

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None


def endpoints_from_port_info(info: dict[str, Any]) -> Endpoints:
    """The :class:`Endpoints` described by a port file's JSON object."""
    authority = info["authority"].rstrip("/")
    identity = authority.rsplit("/", 1)[0] if authority.endswith(info["tenant_id"]) else authority
    graph = info["graph_url"].rstrip("/")
    emply = info["emply_url"].rstrip("/")
    emply_origin = emply.split("/v1/", 1)[0] if "/v1/" in emply else emply
    return Endpoints(identity, graph, emply_origin, graph.rsplit("/v1.0", 1)[0],
                     info.get("sim_token"))


class Harness:
    """One scenario's view of the system: the world it describes, then the APIs over it."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.builder = wb.WorldBuilder()
        self.loaded = False
        self.tenant_id: str | None = None
        self.last_response: httpx.Response | None = None
        self.unchecked: httpx.Response | None = None  # a refusal no step has looked at yet
        self.last_run: dict[str, Any] | None = None
        self.notes: dict[str, Any] = {}  # what earlier steps saw, for later steps
        self._entra_ids: dict[str, str] = {}
        self._clients: list[httpx.Client] = []
        self._sim = self._client(base_url=target.endpoints.sim_url)
        self._graph: httpx.Client | None = None
        self._emply: httpx.Client | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def _client(self, **kwargs: Any) -> httpx.Client:
        client = self.target.client(**kwargs)
        self._clients.append(client)
        return client

    def ensure_loaded(self) -> None:
        """Load the world the Given steps described (once), then connect to Graph and Emply."""
        if self.loaded:
            return
        response = self.sim("POST", "/_sim/load", json=self.builder.document())
        if response.status_code != 200:
            raise StepFailure(f"the world the scenario describes was refused by /_sim/load: "
                              f"{response.status_code} {response.text}")
        self.tenant_id = response.json()["tenantId"]
        self.loaded = True
        endpoints = self.target.endpoints
        app = msal.ConfidentialClientApplication(
            wb.QA_CLIENT_ID, client_credential=wb.QA_SECRET,
            authority=f"{endpoints.identity_url}/{self.tenant_id}", instance_discovery=False,
            http_client=self._client())
        token = app.acquire_token_for_client(scopes=GRAPH_SCOPE)
        if "access_token" not in token:
            raise StepFailure(f"no Graph token for the QA app: {token.get('error_description')}")
        self._graph = self._client(base_url=endpoints.graph_url,
                                   headers={"Authorization": f"Bearer {token['access_token']}"})
        self._emply = self._client(base_url=self.emply_url, params={"apiKey": wb.API_KEY})
        self._remember_entra_ids()

    def _remember_entra_ids(self) -> None:
        """Note every person's Entra object id now, so steps find them after a deletion."""
        by_upn = {p.upn.lower(): name for name, p in self.builder.people.items() if p.upn}
        url: str | None = "/users"
        params: dict[str, str] | None = {"$select": "id,userPrincipalName", "$top": "999"}
        while url:
            page = self.expect(self.graph("GET", url, params=params), "listing Entra users").json()
            for user in page["value"]:
                name = by_upn.get(user["userPrincipalName"].lower())
                if name is not None:
                    self._entra_ids[name] = user["id"]
            url, params = page.get("@odata.nextLink"), None

    def new_client(self, **kwargs: Any) -> httpx.Client:
        """A plain client that reaches every app of the target (closed with the harness)."""
        return self._client(**kwargs)

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    @property
    def emply_url(self) -> str:
        return f"{self.target.endpoints.emply_origin}/v1/{self.builder.customer}"

    # -- the three interfaces -------------------------------------------------------------
    def sim(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        token = self.target.endpoints.sim_token
        if token:
            kwargs.setdefault("headers", {})["X-Sim-Token"] = token
        return self._sim.request(method, path, **kwargs)

    def graph(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.ensure_loaded()
        assert self._graph is not None
        return self._graph.request(method, path, **kwargs)

    def emply(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        self.ensure_loaded()
        assert self._emply is not None
        return self._emply.request(method, path, **kwargs)

    def expect(self, response: httpx.Response, what: str, *status: int) -> httpx.Response:
        """``response`` when its status is one of ``status`` (any 2xx if none), else fail."""
        ok = response.status_code in status if status else response.is_success
        if not ok:
            raise StepFailure(f"{what}: {response.request.method} {response.request.url.path} "
                              f"answered {response.status_code}: {response.text[:500]}")
        return response

    def attempt(self, response: httpx.Response) -> httpx.Response:
        """Keep a response a Then step will judge (it may be a refusal the scenario expects)."""
        self.check_nothing_unchecked()
        self.last_response = response
        self.unchecked = None if response.is_success else response
        return response

    def check_nothing_unchecked(self) -> None:
        """Fail when an earlier request was refused and no step looked at the refusal."""
        refused, self.unchecked = self.unchecked, None
        if refused is not None:
            raise StepFailure(f"{refused.request.method} {refused.request.url.path} was refused "
                              f"({refused.status_code}: {refused.text[:300]}) and no step of the "
                              "scenario checked it")

    # -- clock ---------------------------------------------------------------------------
    def advance(self, seconds: float) -> dict[str, Any]:
        self.ensure_loaded()
        return self.expect(self.sim("POST", "/_sim/clock", json={"advanceSeconds": seconds}),
                           "moving the clock").json()

    def set_clock(self, instant: str) -> dict[str, Any]:
        self.ensure_loaded()
        return self.expect(self.sim("POST", "/_sim/clock", json={"set": instant}),
                           "setting the clock").json()

    # -- people, groups, roles --------------------------------------------------------------
    def email(self, name: str) -> str:
        return self.builder.email_of(name)

    def upn(self, name: str) -> str:
        """A person's user principal name; for someone made in Emply, their e-mail."""
        person = self.builder.people.get(name)
        if person is not None and person.upn is None:
            return person.email
        return self.builder.upn_of(name)

    def entra_id(self, name: str) -> str:
        """The Entra object id of a person (remembered, so it is known after a deletion)."""
        if name not in self._entra_ids:
            response = self.find_entra_user(name)
            self.expect(response, f"finding {name} in Entra")
            self._entra_ids[name] = response.json()["id"]
        return self._entra_ids[name]

    def find_entra_user(self, name: str) -> httpx.Response:
        """GET the person's Entra user. Someone made in Emply is found by their e-mail as
        sign-in name, or else through their Emply user's link (EXT-1 may have given them a
        sign-in name on the default domain)."""
        response = self.graph("GET", f"/users/{quote(self.upn(name))}")
        person = self.builder.people.get(name)
        if response.status_code == 404 and person is not None and person.upn is None:
            users = self.emply_users(name)
            linked = users[0].get("entraObjectId") if users else None
            if linked:
                return self.graph("GET", f"/users/{quote(linked)}")
        return response

    def entra_user(self, name: str) -> dict[str, Any] | None:
        response = self.graph("GET", f"/users/{self.entra_id(name)}",
                              params={"$select": "id,displayName,givenName,surname,jobTitle,"
                                      "department,mobilePhone,mail,userPrincipalName,"
                                      "accountEnabled"})
        return None if response.status_code == 404 else self.expect(response, "reading").json()

    def emply_users(self, name: str) -> list[dict[str, Any]]:
        response = self.emply("GET", "/users", params={"email": self.email(name)})
        return self.expect(response, f"looking up {name} in Emply").json()

    def emply_user(self, name: str) -> dict[str, Any]:
        users = self.emply_users(name)
        if len(users) != 1:
            raise StepFailure(f"expected one Emply user for {name} ({self.email(name)}), "
                              f"found {len(users)}")
        return users[0]

    def group_id(self, name: str) -> str:
        escaped = name.replace("'", "''")
        response = self.expect(self.graph("GET", "/groups",
                                          params={"$filter": f"displayName eq '{escaped}'"}),
                               f"finding the group {name}")
        found = response.json()["value"]
        if len(found) != 1:
            raise StepFailure(f"expected one Entra group named {name!r}, found {len(found)}")
        return found[0]["id"]

    def roles(self) -> dict[str, str]:
        """Emply's roles, name -> id."""
        return {r["name"]: r["id"] for r in self.expect(self.emply("GET", "/roles"), "roles").json()}

    def role_id(self, name: str) -> str:
        roles = self.roles()
        if name not in roles:
            raise StepFailure(f"Emply has no role named {name!r} (it has {', '.join(roles)})")
        return roles[name]

    def employee(self, name: str) -> dict[str, Any]:
        found = self.expect(self.emply("GET", "/employees/find-by-name",
                                       params={"email": self.email(name)}),
                            f"finding the employee {name}").json()
        if len(found) != 1:
            raise StepFailure(f"expected one Emply employee for {name}, found {len(found)}")
        return found[0]

    # -- the sync ---------------------------------------------------------------------------
    def run_sync(self) -> dict[str, Any]:
        """Trigger a run through Emply's API and keep its result."""
        self.check_nothing_unchecked()
        self.last_run = self.expect(self.emply("POST", "/integrations/entra-id/runs"),
                                    "running the sync", 201).json()
        return self.last_run

    def run_in_background(self) -> tuple[threading.Thread, dict[str, Any]]:
        """Start a run from another thread; the dict gets its ``response`` when it ends."""
        self.ensure_loaded()
        outcome: dict[str, Any] = {}
        client = self._client(base_url=self.emply_url, params={"apiKey": wb.API_KEY})

        def trigger() -> None:
            outcome["response"] = client.post("/integrations/entra-id/runs")

        thread = threading.Thread(target=trigger, name="emply-sim-background-run", daemon=True)
        thread.start()
        return thread, outcome

    def wait_for_running_run(self, thread: threading.Thread, timeout: float = 20.0) -> None:
        """Until the run log shows a run under way (real time: the run waits on slow Graph)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and thread.is_alive():
            runs = self.expect(self.emply("GET", "/integrations/entra-id/runs",
                                          params={"limit": 1}), "reading runs").json()["value"]
            if runs and runs[0]["status"] == "running":
                return
        raise StepFailure("no run was seen under way; the background run ended or never began")

    def changes(self, **params: Any) -> list[dict[str, Any]]:
        response = self.emply("GET", "/integrations/entra-id/changes", params=params)
        return self.expect(response, "reading the run log").json()["value"]
