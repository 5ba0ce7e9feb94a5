"""A small world for the Graph mock: tenant with contoso.com + contoso.dk, one app, users, groups.

Tokens are issued directly by the world's token service; the Graph app is reached
in-process through ``httpx.WSGITransport``.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from mocks.entra import loader
from mocks.graph.app import create_app
from mocks.identity.models import TokenService, new_signing_key
from mocks.world import World

GRAPH = "https://graph.microsoft.com/v1.0"
ALL_ROLES = ["Directory.ReadWrite.All"]

WORLD_DOC = {
    "tenant": {"displayName": "Contoso"},
    "domains": [{"name": "contoso.com", "default": True}, {"name": "contoso.dk"},
                {"name": "contoso.onmicrosoft.com", "initial": True}],
    "apps": [{"displayName": "Emply People", "secret": "s3cr3t-value-never-dumped",
              "permissions": ["User.Read.All", "GroupMember.Read.All"]}],
    "users": [
        {"userPrincipalName": "ray.ross@contoso.com", "displayName": "Ray Ross",
         "givenName": "Ray", "surname": "Ross", "mail": "ray.ross@contoso.com",
         "jobTitle": "CFO", "department": "Finance", "employeeId": "1001",
         "otherMails": ["ray@private.example"], "photo": {"contentType": "image/jpeg"},
         "calendars": [{"name": "Projects", "color": "lightBlue"}]},
        {"userPrincipalName": "megan.jordan@contoso.com", "displayName": "Megan Jordan",
         "givenName": "Megan", "surname": "Jordan", "mail": "megan.jordan@contoso.com",
         "department": "HR"},
        {"userPrincipalName": "lars.nielsen@contoso.dk", "displayName": "Lars Nielsen",
         "givenName": "Lars", "surname": "Nielsen", "mail": "lars.nielsen@contoso.dk",
         "accountEnabled": False, "otherMails": ["lars@home.example", "ln@contoso.com"]},
        {"userPrincipalName": "o'brien@contoso.com", "displayName": "Siobhan O'Brien",
         "mail": None},
    ],
    "groups": [
        {"displayName": "Employee", "mail": "employee@contoso.com",
         "members": ["ray.ross@contoso.com", "megan.jordan@contoso.com", "HR"]},
        {"displayName": "HR", "members": ["megan.jordan@contoso.com", "lars.nielsen@contoso.dk",
                                          "Managers"]},
        {"displayName": "Managers", "members": ["ray.ross@contoso.com", "o'brien@contoso.com"]},
    ],
    "calendarShares": [{"owner": "ray.ross@contoso.com", "calendar": "Projects",
                        "with": "megan.jordan@contoso.com", "role": "write"}],
}


SIGNING_KEY = new_signing_key()  # one RSA key for this module's worlds: keeps tests fast


def new_world(seed: int = 7) -> World:
    """An empty world (as World(seed) builds) that signs with the shared test key."""
    w = World.__new__(World)
    w.tokens = TokenService(SIGNING_KEY)
    w.sim_token = None
    w.reset(seed)
    return w


@pytest.fixture
def world() -> World:
    w = new_world()
    loader.load(w.tenant, WORLD_DOC)
    return w


@pytest.fixture
def app(world):
    return create_app(world)


@pytest.fixture
def token(world) -> Callable[..., str]:
    """Issue an app-only Graph token for the world's app with the given roles."""
    def issue(*roles: str, **kwargs) -> str:
        app = next(iter(world.tenant.apps.values()))
        return world.tokens.issue(world.tenant.id, app.client_id, app.object_id, list(roles),
                                  **kwargs)
    return issue


@pytest.fixture
def anon(app) -> httpx.Client:
    """A client with no Authorization header."""
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=GRAPH) as client:
        yield client


@pytest.fixture
def client(app, token) -> httpx.Client:
    """A client whose token holds Directory.ReadWrite.All (every route of this area)."""
    headers = {"Authorization": f"Bearer {token(*ALL_ROLES)}"}
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=GRAPH,
                      headers=headers) as c:
        yield c


def upn_id(world: World, upn: str) -> str:
    user = world.tenant.user_by_id_or_upn(upn)
    assert user is not None, upn
    return user.id


def group_id(world: World, name: str) -> str:
    return next(g.id for g in world.tenant.groups.values() if g.props["displayName"] == name)


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["error"]["code"], body["error"]["message"]
