"""Microsoft's documented Graph v1.0 examples, replayed against the mock (issue 14).

Each case names the page of microsoftgraph/microsoft-graph-docs-contrib
(``api-reference/v1.0/api/<page>``) and the example it follows, rebuilt with this
world's own people and ids. A case checks what the page documents: the status, the
body's shape (context, type annotations, the properties shown) and, for writes, what a
later read sees.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from mocks.entra.loader import generated_photo

from .conftest import GRAPH, Tenant

EVENTUAL = {"ConsistencyLevel": "eventual"}
IDA, JONAS, ADAM = "ida.holm@fabrikam.dk", "jonas.wad@fabrikam.dk", "adam.berg@fabrikam.dk"


@dataclass
class Example:
    page: str  # api-reference/v1.0/api/<page>
    example: str  # the example's heading, in short
    request: Callable[[Tenant], tuple[str, str, dict[str, Any]]]  # method, path, httpx kwargs
    status: int
    check: Callable[[Tenant, httpx.Response], None] = field(default=lambda fab, r: None)

    @property
    def id(self) -> str:
        return f"{self.page} - {self.example}"


def body(r: httpx.Response) -> Any:
    return r.json()


def names(r: httpx.Response) -> list[str]:
    return sorted(item.get("displayName") for item in r.json()["value"])


def context_is(r: httpx.Response, fragment: str) -> None:
    """``@odata.context`` on the host that answered (Graph's own, or the served mock's)."""
    root = f"{r.request.url.scheme}://{r.request.url.netloc.decode()}/v1.0"
    assert r.json()["@odata.context"] == f"{root}/$metadata#{fragment}", r.json()["@odata.context"]


def check_all(*checks: Callable[[Tenant, httpx.Response], None]):
    def run(fab: Tenant, r: httpx.Response) -> None:
        for c in checks:
            c(fab, r)
    return run


# -- users ----------------------------------------------------------------------------
def _users_default(fab, r):
    context_is(r, "users")
    first = r.json()["value"][0]
    assert list(first) == ["businessPhones", "displayName", "givenName", "jobTitle", "mail",
                           "mobilePhone", "officeLocation", "preferredLanguage", "surname",
                           "userPrincipalName", "id"]
    assert r.headers["OData-Version"] == "4.0"
    assert r.headers["content-type"].startswith("application/json;odata.metadata=minimal;"
                                                "odata.streaming=true;IEEE754Compatible=false")


def _count_text(expected: str):
    def run(fab, r):
        assert r.text == expected and r.headers["content-type"].startswith("text/plain")
    return run


def _hr_properties(fab, r):
    got = r.json()
    assert got["employeeId"] == "4711" and got["employeeType"] == "Employee"
    assert got["employeeHireDate"] == "2019-03-01T00:00:00Z"
    assert got["employeeOrgData"] == {"division": "Corporate", "costCenter": "CC-100"}
    assert got["companyName"] == "Fabrikam A/S"
    assert got["proxyAddresses"] == ["SMTP:ida.holm@fabrikam.dk"]


def _created_user(fab, r):
    got = r.json()
    context_is(r, "users/$entity")
    assert got["userPrincipalName"] == "karen.lund@fabrikam.dk" and "passwordProfile" not in got
    assert r.headers["Location"].endswith(f"/directoryObjects/{got['id']}/"
                                          "Microsoft.DirectoryServices.User")


USERS = [
    Example("user-list.md", "Example 1: get all users",
            lambda f: ("GET", "/users", {}), 200, _users_default),
    Example("user-list.md", "Example 2: a user by sign-in name (identities)",
            lambda f: ("GET", "/users", {"params": {
                "$select": "displayName,id",
                "$filter": "identities/any(c:c/issuerAssignedId eq 'jonas.wad@fabrikam.dk' "
                           "and c/issuer eq 'fabrikam.onmicrosoft.com')"}}), 200,
            lambda f, r: r.json()["value"] == [{"displayName": "Jonas Wad", "id": f.user(JONAS)}]
            or pytest.fail(r.text)),
    Example("user-list.md", "Example 9: users assigned a licence (none in a simulated tenant)",
            lambda f: ("GET", "/users", {"params": {
                "$select": "id,mail,assignedLicenses",
                "$filter": "assignedLicenses/any(u:u/skuId eq cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46)"}}),
            200, lambda f, r: (context_is(r, "users(id,mail,assignedLicenses)"),
                               r.json()["value"] == [] or pytest.fail(r.text))),
    Example("user-list.md", "Example 3: get only a count of users",
            lambda f: ("GET", "/users/$count", {"headers": EVENTUAL}), 200, _count_text("3")),
    Example("user-list.md", "Example 4: $filter startswith, $orderby, $count, $top=1",
            lambda f: ("GET", "/users", {"params": {"$filter": "startswith(displayName,'a')",
                                                    "$orderby": "displayName", "$count": "true",
                                                    "$top": "1"}, "headers": EVENTUAL}), 200,
            lambda f, r: (r.json()["@odata.count"] == 1 and names(r) == ["Adam Berg"]) or
            pytest.fail(r.text)),
    Example("user-list.md", "Example 5: endswith(mail) with $orderby and $count",
            lambda f: ("GET", "/users", {"params": {"$filter": "endswith(mail,'wad@fabrikam.dk')",
                                                    "$orderby": "userPrincipalName",
                                                    "$count": "true"}, "headers": EVENTUAL}), 200,
            lambda f, r: names(r) == ["Jonas Wad"] or pytest.fail(r.text)),
    Example("user-list.md", "Example 6: $search displayName with $count",
            lambda f: ("GET", "/users", {"params": {"$search": '"displayName:wa"',
                                                    "$orderby": "displayName", "$count": "true"},
                                         "headers": EVENTUAL}), 200,
            lambda f, r: (names(r) == ["Jonas Wad"] and r.json()["@odata.count"] == 1)
            or pytest.fail(r.text)),
    Example("user-list.md", "Example 7: $search with OR",
            lambda f: ("GET", "/users", {"params": {"$search": '"displayName:wa" OR "displayName:ad"',
                                                    "$count": "true"}, "headers": EVENTUAL}), 200,
            lambda f, r: names(r) == ["Adam Berg", "Jonas Wad"] or pytest.fail(r.text)),
    Example("user-list.md", "$search without ConsistencyLevel is refused",
            lambda f: ("GET", "/users", {"params": {"$search": '"displayName:wa"'}}), 400,
            lambda f, r: r.json()["error"]["code"] == "Request_UnsupportedQuery" or pytest.fail()),
    Example("user-get.md", "Example 2: get a user by id",
            lambda f: ("GET", f"/users/{f.user(IDA)}", {}), 200,
            lambda f, r: context_is(r, "users/$entity")),
    Example("user-get.md", "Example 3: $select HR properties",
            lambda f: ("GET", f"/users/{IDA}", {"params": {
                "$select": "employeeId,employeeType,employeeHireDate,employeeOrgData,"
                           "companyName,proxyAddresses"}}), 200,
            check_all(_hr_properties, lambda f, r: context_is(
                r, "users(employeeId,employeeType,employeeHireDate,employeeOrgData,companyName,"
                   "proxyAddresses)/$entity"))),
    Example("user-get.md", "on-premises extension attributes (hybrid user)",
            lambda f: ("GET", f"/users/{JONAS}", {"params": {
                "$select": "onPremisesExtensionAttributes,onPremisesImmutableId"}}), 200,
            lambda f, r: (r.json()["onPremisesExtensionAttributes"]["extensionAttribute1"] == "Nordic"
                          and len(r.json()["onPremisesExtensionAttributes"]) == 15)
            or pytest.fail(r.text)),
    Example("user-post-users.md", "Example 1: create a user",
            lambda f: ("POST", "/users", {"json": {
                "accountEnabled": True, "displayName": "Karen Lund", "mailNickname": "karen.lund",
                "userPrincipalName": "karen.lund@fabrikam.dk",
                "passwordProfile": {"forceChangePasswordNextSignIn": True,
                                    "password": "xWwvJ]6NMw+bWH-d"}}}), 201, _created_user),
    Example("user-update.md", "Example 1: update properties (HR data)",
            lambda f: ("PATCH", f"/users/{ADAM}", {"json": {
                "employeeType": "Contractor", "employeeLeaveDateTime": "2026-06-30T00:00:00Z",
                "employeeOrgData": {"division": "Finance", "costCenter": "CC-200"}}}), 204,
            lambda f, r: f.client.get(f"/users/{ADAM}", params={
                "$select": "employeeOrgData"}).json()["employeeOrgData"]["costCenter"] == "CC-200"
            or pytest.fail()),
    Example("user-delete.md", "Example 1: delete a user",
            lambda f: ("DELETE", f"/users/{ADAM}", {}), 204,
            lambda f, r: f.client.get(f"/users/{ADAM}").status_code == 404 or pytest.fail()),
]

# -- filters --------------------------------------------------------------------------
FILTERS = [
    Example("user-list.md", "$filter on a date: employeeHireDate ge",
            lambda f: ("GET", "/users", {"params": {
                "$filter": "employeeHireDate ge 2020-01-01T00:00:00Z"}}), 200,
            lambda f, r: names(r) == ["Jonas Wad"] or pytest.fail(r.text)),
    Example("user-list.md", "$filter createdDateTime le a date",
            lambda f: ("GET", "/users", {"params": {
                "$filter": "createdDateTime le 2030-01-01T00:00:00Z"}}), 200,
            lambda f, r: len(r.json()["value"]) == 3 or pytest.fail(r.text)),
    Example("user-list.md", "$filter companyName and city",
            lambda f: ("GET", "/users", {"params": {
                "$filter": "companyName eq 'Fabrikam A/S' and city eq 'Aarhus'"}}), 200,
            lambda f, r: names(r) == ["Ida Holm"] or pytest.fail(r.text)),
    Example("user-list.md", "$filter onPremisesSamAccountName / onPremisesImmutableId",
            lambda f: ("GET", "/users", {"params": {
                "$filter": "onPremisesSamAccountName eq 'jwad' or "
                           "onPremisesImmutableId eq 'b3Bwb3J0dW5pdHk='"}}), 200,
            lambda f, r: names(r) == ["Jonas Wad"] or pytest.fail(r.text)),
    Example("user-list.md", "$filter on an extension attribute (advanced query)",
            lambda f: ("GET", "/users", {"params": {
                "$filter": "onPremisesExtensionAttributes/extensionAttribute1 eq 'Nordic'",
                "$count": "true"}, "headers": EVENTUAL}), 200,
            lambda f, r: names(r) == ["Jonas Wad"] or pytest.fail(r.text)),
    Example("user-list.md", "$filter employeeOrgData/costCenter (advanced query)",
            lambda f: ("GET", "/users", {"params": {
                "$filter": "employeeOrgData/costCenter eq 'CC-100'", "$count": "true"},
                "headers": EVENTUAL}), 200,
            lambda f, r: names(r) == ["Ida Holm"] or pytest.fail(r.text)),
]

# -- manager, direct reports, memberships ------------------------------------------------
RELATIONS = [
    Example("user-list-manager.md", "Example 1: get the manager",
            lambda f: ("GET", f"/users/{JONAS}/manager", {}), 200,
            lambda f, r: (r.json()["@odata.type"] == "#microsoft.graph.user"
                          and r.json()["displayName"] == "Ida Holm") or pytest.fail(r.text)),
    Example("user-list-manager.md", "Example 2: $expand=manager with $select",
            lambda f: ("GET", f"/users/{JONAS}", {"params": {
                "$expand": "manager($select=id,displayName)"}}), 200,
            lambda f, r: r.json()["manager"] == {"@odata.type": "#microsoft.graph.user",
                                                 "id": f.user(IDA), "displayName": "Ida Holm"}
            or pytest.fail(r.text)),
    Example("user-post-manager.md", "assign a manager",
            lambda f: ("PUT", f"/users/{IDA}/manager/$ref", {"json": {
                "@odata.id": f"{GRAPH}/users/{f.user(ADAM)}"}}), 204,
            lambda f, r: f.world.tenant.manager_of(f.user(IDA)).id == f.user(ADAM) or pytest.fail()),
    Example("user-delete-manager.md", "remove the manager",
            lambda f: ("DELETE", f"/users/{JONAS}/manager/$ref", {}), 204,
            lambda f, r: f.client.get(f"/users/{JONAS}/manager").status_code == 404
            or pytest.fail()),
    Example("user-list-directreports.md", "list direct reports",
            lambda f: ("GET", f"/users/{IDA}/directReports", {}), 200,
            check_all(lambda f, r: context_is(r, "directoryObjects"),
                      lambda f, r: names(r) == ["Adam Berg", "Jonas Wad"] or pytest.fail(r.text))),
    Example("user-list-memberof.md", "Example 1: groups the user is a direct member of",
            lambda f: ("GET", f"/users/{ADAM}/memberOf", {}), 200,
            lambda f, r: ([(g["@odata.type"], g["displayName"]) for g in r.json()["value"]]
                          == [("#microsoft.graph.group", "Payroll")]) or pytest.fail(r.text)),
    Example("user-list-memberof.md", "Example 2: $count with ConsistencyLevel",
            lambda f: ("GET", f"/users/{ADAM}/memberOf/$count", {"headers": EVENTUAL}), 200,
            _count_text("1")),
    Example("user-list-memberof.md", "Example 3: cast to groups, $search, $orderby, $count",
            lambda f: ("GET", f"/users/{ADAM}/transitiveMemberOf/microsoft.graph.group", {
                "params": {"$count": "true", "$orderby": "displayName",
                           "$search": '"displayName:p"'}, "headers": EVENTUAL}), 200,
            lambda f, r: ([g["displayName"] for g in r.json()["value"]] == ["Payroll", "People team"]
                          and r.json()["@odata.count"] == 2) or pytest.fail(r.text)),
    Example("user-list-memberof.md", "count of groups only, by cast",
            lambda f: ("GET", f"/users/{ADAM}/memberOf/microsoft.graph.group/$count",
                       {"headers": EVENTUAL}), 200, _count_text("1")),
    Example("user-list-transitivememberof.md", "Example 1: nested memberships",
            lambda f: ("GET", f"/users/{ADAM}/transitiveMemberOf", {}), 200,
            lambda f, r: names(r) == ["All staff", "Payroll", "People team"] or pytest.fail(r.text)),
    Example("directoryobject-getmembergroups.md", "check group memberships (transitive)",
            lambda f: ("POST", f"/users/{ADAM}/getMemberGroups",
                       {"json": {"securityEnabledOnly": False}}), 200,
            check_all(lambda f, r: context_is(r, "Collection(Edm.String)"),
                      lambda f, r: sorted(r.json()["value"]) == sorted(
                          [f.group("Payroll"), f.group("People team"), f.group("All staff")])
                      or pytest.fail(r.text))),
    Example("directoryobject-checkmembergroups.md", "Example 1: for a directory object",
            lambda f: ("POST", f"/directoryObjects/{f.user(ADAM)}/checkMemberGroups", {"json": {
                "groupIds": [f.group("Payroll"), f.group("All staff")]}}), 200,
            check_all(lambda f, r: context_is(r, "Collection(Edm.String)"),
                      lambda f, r: r.json()["value"] == [f.group("Payroll"), f.group("All staff")]
                      or pytest.fail(r.text))),
    Example("directoryobject-getmembergroups.md", "for a group (directoryObjects path)",
            lambda f: ("POST", f"/directoryObjects/{f.group('Payroll')}/getMemberGroups",
                       {"json": {"securityEnabledOnly": False}}), 200,
            lambda f, r: sorted(r.json()["value"]) == sorted(
                [f.group("People team"), f.group("All staff")]) or pytest.fail(r.text)),
    Example("directoryobject-get.md", "get a directory object",
            lambda f: ("GET", f"/directoryObjects/{f.user(IDA)}", {}), 200,
            lambda f, r: (context_is(r, "directoryObjects/$entity"),
                          r.json()["@odata.type"] == "#microsoft.graph.user" or pytest.fail())),
    Example("directoryobject-checkmembergroups.md", "check a list of groups",
            lambda f: ("POST", f"/users/{ADAM}/checkMemberGroups", {"json": {
                "groupIds": [f.group("People team"), "00000000-0000-4000-8000-000000000000"]}}),
            200, lambda f, r: r.json()["value"] == [f.group("People team")] or pytest.fail(r.text)),
    Example("directoryobject-getbyids.md", "get users and groups by id",
            lambda f: ("POST", "/directoryObjects/getByIds", {"json": {
                "ids": [f.user(IDA), f.group("Payroll")], "types": ["user", "group"]}}), 200,
            lambda f, r: sorted(o["@odata.type"] for o in r.json()["value"]) == [
                "#microsoft.graph.group", "#microsoft.graph.user"] or pytest.fail(r.text)),
]

# -- groups -----------------------------------------------------------------------------
def _created_group(fab, r):
    got = r.json()
    context_is(r, "groups/$entity")
    for name in ("classification", "createdDateTime", "creationOptions", "expirationDateTime",
                 "isAssignableToRole", "membershipRule", "onPremisesSyncEnabled",
                 "preferredDataLocation", "proxyAddresses", "renewedDateTime",
                 "resourceBehaviorOptions", "resourceProvisioningOptions", "securityIdentifier",
                 "theme", "visibility", "onPremisesProvisioningErrors"):
        assert name in got, name
    assert got["securityIdentifier"].startswith("S-1-12-1-")
    members = fab.client.get(f"/groups/{got['id']}/members").json()["value"]
    assert [m["displayName"] for m in members] == ["Adam Berg"]
    owners = fab.client.get(f"/groups/{got['id']}/owners").json()["value"]
    assert [o["displayName"] for o in owners] == ["Ida Holm"]


GROUPS = [
    Example("group-list.md", "Example 1: list all groups",
            lambda f: ("GET", "/groups", {}), 200,
            lambda f, r: (context_is(r, "groups"), names(r) == ["All staff", "Payroll",
                                                                "People team"] or pytest.fail())),
    Example("group-list.md", "Example 2: count of groups",
            lambda f: ("GET", "/groups/$count", {"headers": EVENTUAL}), 200, _count_text("3")),
    Example("group-list.md", "Example 8: security groups that are not dynamic or Microsoft 365",
            lambda f: ("GET", "/groups", {"params": {
                "$filter": "mailEnabled eq false and securityEnabled eq true and "
                           "NOT(groupTypes/any(s:s eq 'Unified')) and "
                           "membershipRuleProcessingState eq 'On'",
                "$count": "true", "$select": "id,membershipRule,membershipRuleProcessingState"},
                "headers": EVENTUAL}), 200,
            lambda f, r: r.json()["@odata.count"] == 0 or pytest.fail(r.text)),
    Example("group-list.md", "Example 6: $search with $filter",
            lambda f: ("GET", "/groups", {"params": {
                "$search": '"displayName:people"', "$filter": "mailEnabled eq false",
                "$count": "true"}, "headers": EVENTUAL}), 200,
            lambda f, r: names(r) == ["People team"] or pytest.fail(r.text)),
    Example("group-list.md", "Example 5: $search on displayName",
            lambda f: ("GET", "/groups", {"params": {"$search": '"displayName:pay"',
                                                     "$count": "true"}, "headers": EVENTUAL}), 200,
            lambda f, r: names(r) == ["Payroll"] or pytest.fail(r.text)),
    Example("group-get.md", "Example 1: get a group",
            lambda f: ("GET", f"/groups/{f.group('All staff')}", {}), 200,
            lambda f, r: (r.json()["groupTypes"] == ["Unified"] and r.json()["visibility"] ==
                          "Public") or pytest.fail(r.text)),
    Example("group-get.md", "$expand=members",
            lambda f: ("GET", f"/groups/{f.group('Payroll')}", {"params": {"$expand": "members"}}),
            200, lambda f, r: [m["displayName"] for m in r.json()["members"]] == ["Adam Berg"]
            or pytest.fail(r.text)),
    Example("group-post-groups.md", "Example 1: create a security group",
            lambda f: ("POST", "/groups", {"json": {
                "displayName": "Onboarding", "mailEnabled": False, "mailNickname": "onboarding",
                "securityEnabled": True}}), 201,
            lambda f, r: (r.json()["groupTypes"] == [] and r.json()["mail"] is None)
            or pytest.fail(r.text)),
    Example("group-post-groups.md", "Example 3: create with owners and members",
            lambda f: ("POST", "/groups", {"json": {
                "displayName": "Payroll audit", "mailEnabled": True, "mailNickname": "audit",
                "securityEnabled": False, "groupTypes": ["Unified"],
                "owners@odata.bind": [f"{GRAPH}/users/{f.user(IDA)}"],
                "members@odata.bind": [f"{GRAPH}/users/{f.user(ADAM)}"]}}), 201, _created_group),
    Example("group-update.md", "Example 1: update description and displayName",
            lambda f: ("PATCH", f"/groups/{f.group('Payroll')}", {"json": {
                "description": "Salaries and pensions", "displayName": "Payroll DK"}}), 204,
            lambda f, r: f.client.get(f"/groups/{f.group('Payroll DK')}").json()["description"]
            == "Salaries and pensions" or pytest.fail()),
    Example("group-post-members.md", "Example 2: add several members with members@odata.bind",
            lambda f: ("PATCH", f"/groups/{f.group('Payroll')}", {"json": {
                "members@odata.bind": [f"{GRAPH}/directoryObjects/{f.user(IDA)}",
                                       f"{GRAPH}/directoryObjects/{f.user(JONAS)}"]}}), 204,
            lambda f, r: len(f.world.tenant.groups[f.group("Payroll")].members) == 3
            or pytest.fail()),
    Example("group-post-members.md", "Example 1: add a member by $ref",
            lambda f: ("POST", f"/groups/{f.group('Payroll')}/members/$ref", {"json": {
                "@odata.id": f"{GRAPH}/directoryObjects/{f.user(IDA)}"}}), 204),
    Example("group-list-members.md", "count of members",
            lambda f: ("GET", f"/groups/{f.group('People team')}/members/$count",
                       {"headers": EVENTUAL}), 200, _count_text("3")),
    Example("group-list-members.md", "count of the members that are users, by cast",
            lambda f: ("GET", f"/groups/{f.group('People team')}/members/microsoft.graph.user/$count",
                       {"headers": EVENTUAL}), 200, _count_text("2")),
    Example("group-list-owners.md", "list owners",
            lambda f: ("GET", f"/groups/{f.group('People team')}/owners", {}), 200,
            lambda f, r: names(r) == ["Ida Holm"] or pytest.fail(r.text)),
    Example("group-delete.md", "delete a Microsoft 365 group (restorable)",
            lambda f: ("DELETE", f"/groups/{f.group('All staff')}", {}), 204,
            lambda f, r: [g["displayName"] for g in f.client.get(
                "/directory/deletedItems/microsoft.graph.group").json()["value"]] == ["All staff"]
            or pytest.fail()),
    Example("group-delete.md", "delete a security group (gone for good)",
            lambda f: ("DELETE", f"/groups/{f.group('Payroll')}", {}), 204,
            lambda f, r: (f.client.get("/directory/deletedItems/microsoft.graph.group").json()[
                "value"] == [] and "Payroll" not in names(f.client.get("/groups")))
            or pytest.fail()),
    Example("directory-deleteditems-restore.md", "restore a deleted Microsoft 365 group",
            lambda f: (f.client.delete(f"/groups/{f.group('All staff')}"),
                       ("POST", f"/directory/deletedItems/{f.group_deleted('All staff')}/restore",
                        {}))[1], 200,
            lambda f, r: r.json()["displayName"] == "All staff" or pytest.fail(r.text)),
]

# -- photos and events ---------------------------------------------------------------------
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAA"
                       "AABJRU5ErkJggg==")
PHOTOS_EVENTS = [
    Example("profilephoto-get.md", "Example 3: photo metadata",
            lambda f: ("GET", f"/users/{IDA}/photo", {}), 200,
            lambda f, r: set(r.json()) >= {"@odata.context", "@odata.id", "@odata.mediaContentType",
                                           "@odata.mediaEtag", "id", "width", "height"}
            or pytest.fail(r.text)),
    Example("profilephoto-get.md", "Example 3: metadata when no photo was uploaded",
            lambda f: ("GET", f"/users/{ADAM}/photo", {}), 200,
            lambda f, r: (r.json()["id"], r.json()["@odata.mediaEtag"]) == ("1x1", "")
            or pytest.fail(r.text)),
    Example("profilephoto-get.md", "Example 1: the photo's bytes",
            lambda f: ("GET", f"/users/{IDA}/photo/$value", {}), 200,
            lambda f, r: r.content == generated_photo(f.user(IDA), "image/jpeg")
            or pytest.fail()),
    Example("profilephoto-update.md", "Example 1: update a user's photo (binary body)",
            lambda f: ("PUT", f"/users/{ADAM}/photo/$value",
                       {"content": PNG, "headers": {"Content-Type": "image/png"}}), 200),
    Example("profilephoto-update.md", "upload as application/octet-stream (SDKs)",
            lambda f: ("PUT", f"/users/{ADAM}/photo/$value",
                       {"content": PNG, "headers": {"Content-Type": "application/octet-stream"}}),
            200, lambda f, r: f.world.tenant.photos[f.user(ADAM)].content_type == "image/png"
            or pytest.fail()),
    Example("profilephoto-delete.md", "Example 1: delete the photo",
            lambda f: ("DELETE", f"/users/{IDA}/photo/$value", {}), 204,
            lambda f, r: f.client.get(f"/users/{IDA}/photo/$value").status_code == 404
            or pytest.fail()),
    Example("calendar-get.md", "Example 2: a user's default calendar",
            lambda f: ("GET", f"/users/{IDA}/calendar", {}), 200,
            lambda f, r: r.json()["@odata.id"].endswith(f"/calendars('{r.json()['id']}')")
            or pytest.fail(r.text)),
    Example("user-list-calendarview.md", "events in a time window",
            lambda f: (f.event(IDA), ("GET", f"/users/{IDA}/calendarView", {"params": {
                "startDateTime": "2026-01-07T08:30:00Z", "endDateTime": "2026-01-07T09:30:00Z"}}))[1],
            200, lambda f, r: [e["subject"] for e in r.json()["value"]] == ["Onboarding"]
            or pytest.fail(r.text)),
    Example("calendar-list-calendarview.md", "a window with no events",
            lambda f: (f.event(IDA), ("GET", f"/users/{IDA}/calendar/calendarView", {"params": {
                "startDateTime": "2026-01-07T10:00:00Z", "endDateTime": "2026-01-08T00:00:00Z"}}))[1],
            200, lambda f, r: r.json()["value"] == [] or pytest.fail(r.text)),
    Example("user-list-calendarview.md", "the window is required",
            lambda f: ("GET", f"/users/{IDA}/calendarView", {}), 400,
            lambda f, r: r.json()["error"]["code"] == "ErrorInvalidParameter" or pytest.fail()),
    Example("event-get.md", "Example 1: get an event",
            lambda f: ("GET", f"/users/{IDA}/events/{f.event(IDA)}", {}), 200,
            lambda f, r: (r.json()["subject"] == "Onboarding" and "iCalUId" in r.json()
                          and r.json()["@odata.etag"].startswith('W/"')) or pytest.fail(r.text)),
    Example("event-update.md", "update an event's time and subject",
            lambda f: ("PATCH", f"/users/{IDA}/events/{f.event(IDA)}", {"json": {
                "subject": "Onboarding, day 1",
                "start": {"dateTime": "2026-01-07T10:00:00", "timeZone": "Romance Standard Time"},
                "end": {"dateTime": "2026-01-07T11:00:00", "timeZone": "Romance Standard Time"}}}),
            200, lambda f, r: (r.json()["subject"] == "Onboarding, day 1"
                               and r.json()["start"]["dateTime"].startswith("2026-01-07T09:00:00")
                               and r.json()["originalStartTimeZone"] == "Romance Standard Time")
            or pytest.fail(r.text)),
    Example("event-delete.md", "delete an event (by calendar)",
            lambda f: ("DELETE", f"/users/{IDA}/calendar/events/{f.event(IDA)}", {}), 204,
            lambda f, r: f.client.get(f"/users/{IDA}/events").json()["value"] == []
            or pytest.fail()),
]

# -- calendars, directory, batching, delta, and what Graph refuses ---------------------------
EVENT_BODY = {"subject": "Payroll run", "body": {"contentType": "HTML", "content": "<p>Monthly</p>"},
              "start": {"dateTime": "2026-01-28T10:00:00", "timeZone": "Pacific Standard Time"},
              "end": {"dateTime": "2026-01-28T11:00:00", "timeZone": "Pacific Standard Time"},
              "location": {"displayName": "Room 2"}}


def _deleted_user(fab: Tenant) -> str:
    fab.client.delete(f"/users/{ADAM}")
    return fab.world.tenant.deleted_users and next(iter(fab.world.tenant.deleted_users))


def _batch(fab, r):
    answers = {a["id"]: a for a in r.json()["responses"]}
    assert answers["1"]["status"] == 200 and answers["1"]["body"]["displayName"] == "Ida Holm"
    assert answers["2"]["status"] == 200 and answers["2"]["body"]["value"]
    assert answers["3"]["status"] == 404


OTHER = [
    Example("user-list-calendars.md", "list a user's calendars",
            lambda f: ("GET", f"/users/{IDA}/calendars", {}), 200,
            lambda f, r: (r.json()["value"][0]["isDefaultCalendar"] is True and
                          "@odata.id" in r.json()["value"][0]) or pytest.fail(r.text)),
    Example("user-list-events.md", "list a user's events",
            lambda f: (f.event(IDA), ("GET", f"/users/{IDA}/events", {}))[1], 200,
            lambda f, r: [e["subject"] for e in r.json()["value"]] == ["Onboarding"]
            or pytest.fail(r.text)),
    Example("user-post-events.md", "create an event",
            lambda f: ("POST", f"/users/{IDA}/events", {"json": EVENT_BODY}), 201,
            lambda f, r: (r.json()["originalStartTimeZone"] == "Pacific Standard Time"
                          and r.json()["bodyPreview"] == "Monthly") or pytest.fail(r.text)),
    Example("calendar-post-events.md", "create an event in a given calendar",
            lambda f: ("POST", f"/users/{IDA}/calendars/"
                               f"{f.client.get(f'/users/{IDA}/calendar').json()['id']}/events",
                       {"json": EVENT_BODY}), 201),
    Example("domain-list.md", "list domains",
            lambda f: ("GET", "/domains", {}), 200,
            lambda f, r: sorted((d["id"], d["isDefault"]) for d in r.json()["value"]) == [
                ("fabrikam.dk", True), ("fabrikam.onmicrosoft.com", False)] or pytest.fail()),
    Example("domain-get.md", "get a domain",
            lambda f: ("GET", "/domains/fabrikam.dk", {}), 200,
            lambda f, r: (r.json()["isVerified"], r.json()["authenticationType"]) == (
                True, "Managed") or pytest.fail(r.text)),
    Example("organization-get.md", "get the organization",
            lambda f: ("GET", "/organization", {}), 200,
            lambda f, r: (r.json()["value"][0]["displayName"] == "Fabrikam" and
                          r.json()["value"][0]["directorySizeQuota"]["used"] == 6 and
                          {"assignedPlans", "verifiedDomains", "tenantType"} <= set(
                              r.json()["value"][0])) or pytest.fail(r.text)),
    Example("directory-deleteditems-list.md", "list deleted users",
            lambda f: (_deleted_user(f), ("GET", "/directory/deletedItems/microsoft.graph.user",
                                          {}))[1], 200,
            lambda f, r: [u["displayName"] for u in r.json()["value"]] == ["Adam Berg"]
            or pytest.fail(r.text)),
    Example("directory-deleteditems-get.md", "get a deleted item",
            lambda f: ("GET", f"/directory/deletedItems/{_deleted_user(f)}", {}), 200,
            lambda f, r: r.json()["@odata.type"] == "#microsoft.graph.user" or pytest.fail()),
    Example("directory-deleteditems-restore.md", "restore a deleted user",
            lambda f: ("POST", f"/directory/deletedItems/{_deleted_user(f)}/restore", {}), 200,
            lambda f, r: r.json()["userPrincipalName"] == ADAM or pytest.fail(r.text)),
    Example("directory-deleteditems-delete.md", "permanently delete an item",
            lambda f: ("DELETE", f"/directory/deletedItems/{_deleted_user(f)}", {}), 204),
    Example("json-batching (concepts)", "three requests in one batch",
            lambda f: ("POST", "/$batch", {"json": {"requests": [
                {"id": "1", "method": "GET", "url": f"/users/{IDA}"},
                {"id": "2", "method": "GET", "url": "/groups?$select=displayName"},
                {"id": "3", "method": "GET", "url": "/users/nobody@fabrikam.dk"}]}}), 200,
            _batch),
    Example("user-delta.md", "Example 1: initial request",
            lambda f: ("GET", "/users/delta", {"params": {"$select": "displayName,jobTitle"}}), 200,
            lambda f, r: ("@odata.deltaLink" in r.json() and len(r.json()["value"]) == 3)
            or pytest.fail(r.text)),
    Example("group-delta.md", "Example 1: initial request",
            lambda f: ("GET", "/groups/delta", {"params": {"$select": "displayName,members"}}), 200,
            lambda f, r: any("members@delta" in g for g in r.json()["value"]) or pytest.fail()),
    Example("user-list-manager.md", "Example 3: the manager chain with $levels=max",
            lambda f: ("GET", f"/users/{ADAM}", {"params": {
                "$expand": "manager($levels=max;$select=id,displayName)",
                "$select": "id,displayName", "$count": "true"}, "headers": EVENTUAL}), 200,
            lambda f, r: (r.json()["manager"]["displayName"] == "Ida Holm"
                          and "manager" not in r.json()["manager"]) or pytest.fail(r.text)),
    # Graph's documented limits (aad-advanced-queries.md, query-parameters.md)
    Example("query-parameters.md", "only one $expand navigation on directory objects",
            lambda f: ("GET", "/users", {"params": {"$expand": "manager,memberOf"}}), 400,
            lambda f, r: r.json()["error"]["code"] == "Request_BadRequest" or pytest.fail()),
    Example("aad-advanced-queries.md", "$search on a property that has no search index",
            lambda f: ("GET", "/users", {"params": {"$search": '"city:Aarhus"'},
                                         "headers": EVENTUAL}), 400,
            lambda f, r: r.json()["error"]["code"] == "Request_UnsupportedQuery" or pytest.fail()),
    Example("aad-advanced-queries.md", "ne without advanced query parameters",
            lambda f: ("GET", "/users", {"params": {"$filter": "city ne 'Aarhus'"}}), 400,
            lambda f, r: r.json()["error"]["code"] == "Request_UnsupportedQuery" or pytest.fail()),
    Example("aad-advanced-queries.md", "$expand is not combined with $count and eventual",
            lambda f: ("GET", "/groups", {"params": {"$expand": "members", "$count": "true"},
                                          "headers": EVENTUAL}), 400,
            lambda f, r: r.json()["error"]["code"] == "Request_UnsupportedQuery" or pytest.fail()),
    Example("user-list.md", "a date compared with a quoted string is a type error",
            lambda f: ("GET", "/users", {"params": {
                "$filter": "employeeHireDate ge '2020-01-01'"}}), 400,
            lambda f, r: "Edm.DateTimeOffset" in r.json()["error"]["message"] or pytest.fail()),
]

EXAMPLES = USERS + FILTERS + RELATIONS + GROUPS + PHOTOS_EVENTS + OTHER


def replay(fab: Tenant, example: Example) -> None:
    """Send the example's request and check the documented answer (AssertionError if not)."""
    method, path, kwargs = example.request(fab)
    response = fab.client.request(method, path, **kwargs)
    assert response.status_code == example.status, (example.id, response.text)
    example.check(fab, response)


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_documented_example(fab: Tenant, example: Example) -> None:
    replay(fab, example)
