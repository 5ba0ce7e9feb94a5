"""Fixtures and helpers for the photo, calendar, delta, batch and fault tests of the Graph mock.

Import the fixture into a test module (``from .extras_conftest_helpers import sim_fixture``);
tests then ask for ``sim``.
Each test gets its own world with contoso.com, three users and an app registration;
tokens come straight from the world's token service, and the Graph app is reached
in-process through ``httpx.WSGITransport``.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

import httpx
import pytest

from mocks.entra.models import User
from mocks.graph.app import create_app
from mocks.identity import models as identity_models
from mocks.world import World

GRAPH = "https://graph.microsoft.com/v1.0"
SIM = "https://graph.microsoft.com/_sim"
_KEY: list[identity_models.SigningKey] = []


class Sim:
    """One world, its Graph app, and clients holding tokens with chosen application roles."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.app = create_app(world)
        self.registration = world.tenant.add_app("Emply", {"User.Read.All"})
        self._clients: list[httpx.Client] = []
        world.tenant.add_domain("contoso.com", default=True)
        self.ray = self.add_user("ray.ross", "Ray Ross", jobTitle="CFO")
        self.megan = self.add_user("megan.jordan", "Megan Jordan")
        self.lars = self.add_user("lars.nielsen", "Lars Nielsen")

    @property
    def tenant(self):
        return self.world.tenant

    def token(self, *roles: str) -> str:
        reg = self.registration
        return self.world.tokens.issue(self.world.tenant.id, reg.client_id, reg.object_id,
                                       list(roles))

    def client(self, *roles: str, **headers: str) -> httpx.Client:
        """A Graph client whose token holds ``roles`` (no roles: no Authorization header)."""
        sent = {k.replace("_", "-"): v for k, v in headers.items()}
        if roles:
            sent["Authorization"] = f"Bearer {self.token(*roles)}"
        client = httpx.Client(transport=httpx.WSGITransport(app=self.app), base_url=GRAPH,
                              headers=sent)
        self._clients.append(client)
        return client

    def add_user(self, nickname: str, name: str, **props: Any) -> User:
        upn = f"{nickname}@contoso.com"
        return self.world.tenant.add_user({"userPrincipalName": upn, "displayName": name,
                                           "mail": upn, **props})

    def close(self) -> None:
        for client in self._clients:
            client.close()


@pytest.fixture(name="sim")
def sim_fixture(monkeypatch) -> Sim:
    # One RSA key for the whole run keeps worlds cheap to build; each world is otherwise new.
    if not _KEY:
        _KEY.append(identity_models.new_signing_key())
    monkeypatch.setattr(identity_models, "new_signing_key", lambda: _KEY[0])
    world_sim = Sim(World(seed=11))
    yield world_sim
    world_sim.close()


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    """(status, Graph error code, message) of an error response."""
    body = response.json()
    return response.status_code, body["error"]["code"], body["error"]["message"]


def png(width: int, height: int) -> bytes:
    """A real (tiny, grey) PNG image of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg(width: int, height: int, padding: int = 0) -> bytes:
    """JPEG bytes with an APP0 segment and a baseline frame header of the given size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\x00" * padding + b"\xff\xd9"
