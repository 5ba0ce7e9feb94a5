"""A small Contoso world with one registered app, reached in-process."""

from __future__ import annotations

import httpx
import pytest

from mocks.identity import models
from mocks.inprocess import InProcess
from mocks.world import World

ROLES = {"User.Read.All", "GroupMember.Read.All", "Calendars.ReadWrite"}
SECRET = "Qx8~secret.value-for+tests"  # characters that need form encoding


@pytest.fixture(scope="session")
def signing_key() -> models.SigningKey:
    return models.new_signing_key()


@pytest.fixture
def world(monkeypatch, signing_key) -> World:
    # One RSA key for the session keeps the suite fast; each world is otherwise fresh.
    monkeypatch.setattr(models, "new_signing_key", lambda: signing_key)
    world = World(seed=7)
    world.tenant.add_domain("contoso.com", default=True)
    world.tenant.add_domain("contoso.dk")
    world.tenant.add_domain("contoso.onmicrosoft.com", initial=True)
    world.tenant.add_domain("pending.example", verified=False)
    return world


@pytest.fixture
def app(world):
    return world.tenant.add_app("Emply People", ROLES, secret=SECRET)


@pytest.fixture
def mocks(world) -> InProcess:
    return InProcess(world)


@pytest.fixture
def client(mocks) -> httpx.Client:
    with mocks.client() as client:
        yield client
