"""A small FAQ-like world, served in-process, with the sync core hosted by Emply."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from mocks.inprocess import EMPLY_URL, GRAPH_URL, InProcess
from mocks.world import World
from mocks.worldfile import load

API_KEY = "test-key"
PERMISSIONS = ["User.ReadWrite.All", "GroupMember.Read.All", "ProfilePhoto.Read.All",
               "Calendars.ReadWrite", "Organization.Read.All"]

WORLD = {
    "seed": 3,
    "clock": "2026-02-02T08:00:00Z",
    "entra": {
        "tenant": {"displayName": "Contoso"},
        "domains": [{"name": "contoso.com", "default": True}, {"name": "contoso.dk"}],
        "apps": [{"displayName": "Emply People", "permissions": PERMISSIONS}],
        "users": [
            {"userPrincipalName": "ray.ross@contoso.com", "mail": "ray.ross@contoso.com",
             "displayName": "Ray Ross", "givenName": "Ray", "surname": "Ross"},
            {"userPrincipalName": "megan.jordan@contoso.com", "mail": "megan.jordan@contoso.com",
             "displayName": "Megan Jordan", "givenName": "Megan", "surname": "Jordan",
             "photo": {"contentType": "image/png"}},
            {"userPrincipalName": "nina.holm@contoso.dk", "mail": "nina.holm@contoso.dk",
             "displayName": "Nina Holm", "givenName": "Nina", "surname": "Holm",
             "calendars": [{"name": "Team"}, {"name": "Private projects"}]},
            {"userPrincipalName": "ole.berg@contoso.com", "displayName": "Ole Berg"},
        ],
        "groups": [
            {"displayName": "Employee", "members": ["ray.ross@contoso.com",
                                                    "megan.jordan@contoso.com",
                                                    "nina.holm@contoso.dk"]},
            {"displayName": "HR", "members": ["ray.ross@contoso.com", "megan.jordan@contoso.com"]},
            {"displayName": "Not synced", "members": ["ole.berg@contoso.com"]},
        ],
    },
    "emply": {
        "apiKeys": [{"name": "qa", "key": API_KEY, "permissions": ["read", "write", "settings"]}],
        "roles": [{"name": "Employee"}, {"name": "HR"}, {"name": "Manager"},
                  {"name": "New employee"}, {"name": "Administrator", "isAdministrator": True}],
        "departments": [{"title": "Staff"}, {"title": "People"}],
        "employees": [{"number": "1001", "firstName": "Ray", "lastName": "Ross",
                       "email": "ray.ross@contoso.com", "jobTitle": "CFO"}],
        "users": [
            {"email": "ray.ross@contoso.com", "firstName": "Ray", "lastName": "Ross",
             "employee": "1001", "roles": ["Employee", "HR", "Manager"]},
            {"email": "megan.jordan@contoso.com", "firstName": "Megan", "lastName": "Jordan",
             "roles": ["Employee", "HR", "Manager"]},
            {"email": "admin@contoso.com", "firstName": "Ada", "lastName": "Admin",
             "roles": ["Administrator"]},
            {"email": "consultant@partner.example", "firstName": "Carl", "lastName": "Consultant"},
        ],
        "integration": {
            "syncedGroups": [
                {"group": "Employee", "role": "Employee", "department": "Staff",
                 "language": "da", "timeZone": "Europe/Copenhagen", "currency": "DKK"},
                {"group": "HR", "role": "HR", "department": "People", "language": "en"},
            ],
            "updateRolesAfterFirstSync": True,
        },
    },
}


class Sim:
    """The world, its in-process clients, and shortcuts a QA tester would use."""

    def __init__(self, doc: dict) -> None:
        self.world = World()
        load(self.world, doc)
        self.inproc = InProcess(self.world)
        self.emply_http = self.inproc.client(base_url=f"{EMPLY_URL}/v1/contoso",
                                             params={"apiKey": API_KEY})
        self.graph_http = self.inproc.client(base_url=GRAPH_URL)
        app = next(iter(self.world.tenant.apps.values()))
        self.token = self.inproc.msal_app(app.client_id, app.secret).acquire_token_for_client(
            scopes=["https://graph.microsoft.com/.default"])["access_token"]

    @property
    def emply(self):
        return self.world.emply

    @property
    def tenant(self):
        return self.world.tenant

    def run(self) -> dict:
        response = self.emply_http.post("/integrations/entra-id/runs")
        assert response.status_code == 201, response.text
        return response.json()

    def user(self, email: str):
        return self.emply.user_by_email(email)

    def roles(self, email: str) -> set[str]:
        return {self.emply.roles[r].name for r in self.user(email).role_ids}

    def role_id(self, name: str) -> str:
        return self.emply.role_by_name(name).id

    def entra_user(self, upn: str):
        return self.tenant.user_by_id_or_upn(upn)

    def group(self, name: str):
        return next(g for g in self.tenant.groups.values() if g.props["displayName"] == name)

    def graph(self, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.graph_http.request(method, path, headers=headers, **kwargs)

    def advance(self, minutes: int) -> None:
        """Let time pass with the scheduler awake: in steps of at most 30 minutes, so every
        slot runs (one jump would coalesce the missed slots into one run, SYNC-2)."""
        while minutes > 0:
            step = min(30, minutes)
            self.world.clock.advance(timedelta(minutes=step))
            minutes -= step

    def close(self) -> None:
        self.inproc.close()


@pytest.fixture
def world_doc() -> dict:
    return copy.deepcopy(WORLD)


@pytest.fixture
def sim(world_doc):
    s = Sim(world_doc)
    yield s
    s.close()
