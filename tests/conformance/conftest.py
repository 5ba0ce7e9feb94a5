"""A world shaped like the tenants in Microsoft's Graph examples, for the conformance suite.

Tokens hold every permission the examples need; the Graph app is reached in-process.
"""

from __future__ import annotations

import httpx
import pytest

from mocks.entra import loader, mailbox
from mocks.graph.app import create_app
from mocks.world import World

GRAPH = "https://graph.microsoft.com/v1.0"
ROLES = ["Directory.ReadWrite.All", "Group.ReadWrite.All", "User.ReadWrite.All",
         "Calendars.ReadWrite", "ProfilePhoto.ReadWrite.All"]

DOC = {
    "tenant": {"displayName": "Fabrikam"},
    "domains": [{"name": "fabrikam.dk", "default": True}, {"name": "fabrikam.onmicrosoft.com",
                                                           "initial": True}],
    "apps": [{"displayName": "QA scripts", "permissions": ["User.Read.All"]}],
    "users": [
        {"userPrincipalName": "ida.holm@fabrikam.dk", "displayName": "Ida Holm",
         "givenName": "Ida", "surname": "Holm", "mail": "ida.holm@fabrikam.dk",
         "jobTitle": "Head of People", "department": "HR", "employeeId": "4711",
         "employeeType": "Employee", "employeeHireDate": "2019-03-01T00:00:00Z",
         "companyName": "Fabrikam A/S", "city": "Aarhus",
         "employeeOrgData": {"division": "Corporate", "costCenter": "CC-100"},
         "photo": {"contentType": "image/jpeg"}},
        {"userPrincipalName": "jonas.wad@fabrikam.dk", "displayName": "Jonas Wad",
         "givenName": "Jonas", "surname": "Wad", "mail": "jonas.wad@fabrikam.dk",
         "jobTitle": "Recruiter", "department": "HR", "employeeHireDate": "2023-08-15T00:00:00Z",
         "city": "Odense", "manager": "ida.holm@fabrikam.dk",
         "onPremisesSyncEnabled": True, "onPremisesImmutableId": "b3Bwb3J0dW5pdHk=",
         "onPremisesSamAccountName": "jwad",
         "onPremisesExtensionAttributes": {"extensionAttribute1": "Nordic"}},
        {"userPrincipalName": "adam.berg@fabrikam.dk", "displayName": "Adam Berg",
         "givenName": "Adam", "surname": "Berg", "mail": "adam.berg@fabrikam.dk",
         "jobTitle": "Payroll", "department": "Finance", "manager": "ida.holm@fabrikam.dk"},
    ],
    "groups": [
        {"displayName": "People team", "mailNickname": "people", "description": "HR staff",
         "members": ["ida.holm@fabrikam.dk", "jonas.wad@fabrikam.dk", "Payroll"],
         "owners": ["ida.holm@fabrikam.dk"]},
        {"displayName": "Payroll", "mailNickname": "payroll", "members": ["adam.berg@fabrikam.dk"]},
        {"displayName": "All staff", "mailNickname": "allstaff", "groupTypes": ["Unified"],
         "mailEnabled": True, "mail": "allstaff@fabrikam.dk", "visibility": "Public",
         "members": ["People team"]},
    ],
}


class Tenant:
    """The world, its Graph app and a client allowed to do what the examples do."""

    def __init__(self) -> None:
        self.world = World(seed=14)
        loader.load(self.world.tenant, DOC)
        self.app = create_app(self.world)
        reg = next(iter(self.world.tenant.apps.values()))
        token = self.world.tokens.issue(self.world.tenant.id, reg.client_id, reg.object_id, ROLES)
        self.client = httpx.Client(transport=httpx.WSGITransport(app=self.app), base_url=GRAPH,
                                   headers={"Authorization": f"Bearer {token}"})

    def user(self, upn: str) -> str:
        return self.world.tenant.user_by_id_or_upn(upn).id

    def group(self, name: str) -> str:
        return next(g.id for g in self.world.tenant.groups.values()
                    if g.props["displayName"] == name)

    def group_deleted(self, name: str) -> str:
        return next(g.id for g in self.world.tenant.deleted_groups.values()
                    if g.props["displayName"] == name)

    def event(self, upn: str) -> str:
        uid = self.user(upn)
        calendar = mailbox.default_calendar(self.world.tenant, uid)
        event, _ = mailbox.create_event(self.world.tenant, uid, calendar.id, {
            "subject": "Onboarding", "start": {"dateTime": "2026-01-07T09:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-01-07T10:00:00", "timeZone": "UTC"}})
        return event.id


@pytest.fixture
def fab() -> Tenant:
    tenant = Tenant()
    yield tenant
    tenant.client.close()
