"""Fixtures for the Emply People mock: a small seeded customer, an API client, error checks.

The suite runs with ``--import-mode=importlib``, so helpers reach test modules as fixtures.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from mocks.emply import loader
from mocks.emply.app import create_app
from mocks.world import World

KEY_ALL = "key-all-7f3a9c"
KEY_READ = "key-read-51be02"
KEY_WRITE = "key-write-c0ffee"  # read + write, no settings
KEY_SETTINGS = "key-settings-9d9d"  # read + settings, no write

DOC: dict[str, Any] = {
    "apiKeys": [
        {"name": "all", "key": KEY_ALL, "permissions": ["read", "write", "settings"]},
        {"name": "reader", "key": KEY_READ, "permissions": ["read"]},
        {"name": "writer", "key": KEY_WRITE, "permissions": ["read", "write"]},
        {"name": "admin-console", "key": KEY_SETTINGS, "permissions": ["read", "settings"]},
    ],
    "departments": [
        {"title": "Head office", "customId": "HO"},
        {"title": "Sales", "customId": "S1", "parent": "HO"},
    ],
    "roles": [
        {"name": "Administrator", "isAdministrator": True},
        {"name": "Employee"}, {"name": "HR"}, {"name": "Manager"},
    ],
    "employees": [
        {"number": "1001", "firstName": "Ray", "lastName": "Ross", "email": "ray.ross@contoso.com",
         "jobTitle": "Sales rep", "department": "Sales", "phones": {"mobile": "+45 11 22 33 44"}},
        {"number": "1002", "firstName": "Nina", "lastName": "Holm", "email": "nina.holm@contoso.com"},
    ],
    "users": [
        {"email": "alice.admin@contoso.com", "firstName": "Alice", "lastName": "Admin",
         "roles": ["Administrator"]},
        {"email": "bob.boss@contoso.com", "firstName": "Bob", "lastName": "Boss",
         "roles": ["Administrator", "Manager"]},
        {"email": "megan.jordan@contoso.com", "firstName": "Megan", "lastName": "Jordan",
         "origin": "integration", "entraObjectId": "entra-megan",
         "roles": [{"role": "Employee", "source": "integration", "groupId": "grp-employee"},
                   {"role": "HR", "source": "integration", "groupId": "grp-hr"}, "Manager"]},
        {"email": "ray.ross@contoso.com", "firstName": "Ray", "lastName": "Ross",
         "employee": "1001", "origin": "integration", "entraObjectId": "entra-ray",
         "roles": ["Employee"],
         "calendars": [{"entraCalendarId": "cal-ray-default", "name": "Calendar", "isDefault": True},
                       {"entraCalendarId": "cal-ray-projects", "name": "Projects"}]},
        {"email": "ext.consultant@partner.com", "firstName": "Ext", "lastName": "Consultant"},
    ],
}


class Api:
    """A thin client for ``/v1/contoso/...`` that adds the API key (and an acting user)."""

    def __init__(self, client: httpx.Client, key: str | None, acting: str | None = None,
                 customer: str = "contoso") -> None:
        self.client, self.key, self.acting, self.customer = client, key, acting, customer

    def as_user(self, user_id: str) -> Api:
        return Api(self.client, self.key, user_id, self.customer)

    def with_key(self, key: str | None) -> Api:
        return Api(self.client, key, self.acting, self.customer)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        params = dict(kwargs.pop("params", None) or {})
        if self.key is not None:
            params["apiKey"] = self.key
        headers = dict(kwargs.pop("headers", None) or {})
        if self.acting:
            headers["X-Acting-User"] = self.acting
        return self.client.request(method, f"/v1/{self.customer}{path}", params=params,
                                   headers=headers, **kwargs)

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("DELETE", path, **kw)


class Ids:
    """Ids of the seeded objects by readable key."""

    def __init__(self, world: World) -> None:
        e = world.emply
        self.user = {u.email.split("@")[0].split(".")[0]: u.id for u in e.users.values()}
        self.role = {r.name: r.id for r in e.roles.values()}
        self.dept = {d.title: d.id for d in e.departments.values()}
        self.emp = {x.number: x.id for x in e.employees.values()}


def assert_error(response: httpx.Response, status: int, code: str, *words: str) -> dict:
    """The response is Emply's JSON error with this status and code; its message names ``words``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    for word in words:
        assert word.lower() in body["error"]["message"].lower(), body
    return body


@pytest.fixture
def world() -> World:
    w = World(seed=3)
    loader.load(w.emply, copy.deepcopy(DOC))
    return w


@pytest.fixture
def app(world: World):
    return create_app(world)


@pytest.fixture
def client(app):
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://emply.local") as c:
        yield c


@pytest.fixture
def api(client) -> Api:
    return Api(client, KEY_ALL)


@pytest.fixture
def ids(world: World) -> Ids:
    return Ids(world)


@pytest.fixture
def err():
    """``err(response, status, code, *words)``: assert Emply's error body (see assert_error)."""
    return assert_error


@pytest.fixture
def keys() -> dict[str, str]:
    return {"all": KEY_ALL, "read": KEY_READ, "write": KEY_WRITE, "settings": KEY_SETTINGS}
