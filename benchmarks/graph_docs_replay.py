"""Independent Graph fidelity figure: Microsoft's documented examples, replayed on the served mock.

For each page of the Graph v1.0 API reference listed below (microsoftgraph/
microsoft-graph-docs-contrib, ``api-reference/v1.0/api/<page>``) every HTTP example
was rewritten by hand against a small world of this script's own (people, groups,
ids). Each is sent over HTTPS to a freshly served world; the script compares the
status code and the body's shape with the documented response: the top-level keys
and, for collections, the keys of each ``value`` item, limited to what the request
selects. Keys shown in the documented response must be present; the mock may send
more (the docs shorten their responses). ``/me`` examples use ``/users/{id}``, since
the mock issues application tokens only.

This does not reuse tests/conformance: its examples and checks are written apart
from that suite, so the figure does not measure a suite against itself.

    python benchmarks/graph_docs_replay.py            # one line per example, then the share
    python benchmarks/graph_docs_replay.py --failed   # only the examples that differ
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from mocks.entra import loader, mailbox  # noqa: E402
from mocks.serving import ServedWorld  # noqa: E402
from mocks.world import World  # noqa: E402

EVENTUAL = {"ConsistencyLevel": "eventual"}
ROLES = ["Directory.ReadWrite.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All",
         "User.ReadWrite.All", "Calendars.ReadWrite", "ProfilePhoto.ReadWrite.All",
         "AuditLog.Read.All", "CustomSecAttributeAssignment.Read.All",
         "Organization.Read.All", "Domain.Read.All"]

# A world of this script's own: a three-level management chain, a guest, nested groups.
WORLD = {
    "tenant": {"displayName": "Nordhavn Logistik"},
    "domains": [{"name": "nordhavn.dk", "default": True},
                {"name": "nordhavn.onmicrosoft.com", "initial": True}],
    "apps": [{"displayName": "Replay", "permissions": ["User.Read.All"]}],
    "users": [
        {"userPrincipalName": "astrid.moeller@nordhavn.dk", "displayName": "Astrid Moeller",
         "givenName": "Astrid", "surname": "Moeller", "mail": "astrid.moeller@nordhavn.dk",
         "jobTitle": "Managing Director", "department": "Board", "city": "Esbjerg",
         "postalCode": "6700", "photo": {"contentType": "image/jpeg"}},
        {"userPrincipalName": "bo.thygesen@nordhavn.dk", "displayName": "Bo Thygesen",
         "givenName": "Bo", "surname": "Thygesen", "mail": "bo.thygesen@nordhavn.dk",
         "jobTitle": "Tier lead", "department": "Warehouse", "manager": "astrid.moeller@nordhavn.dk"},
        {"userPrincipalName": "wanda.aagaard@nordhavn.dk", "displayName": "Wanda Aagaard",
         "givenName": "Wanda", "surname": "Aagaard", "mail": "wanda.aagaard@nordhavn.dk",
         "jobTitle": "Forklift driver", "department": "Warehouse",
         "manager": "bo.thygesen@nordhavn.dk"},
        {"userPrincipalName": "emil.dahl@nordhavn.dk", "displayName": "Emil Dahl",
         "givenName": "Emil", "surname": "Dahl", "mail": "emil.dahl@nordhavn.dk",
         "jobTitle": "Planner", "department": "Warehouse", "manager": "bo.thygesen@nordhavn.dk"},
    ],
    "groups": [
        {"displayName": "Warehouse tier 1", "mailNickname": "wh-tier1",
         "description": "Floor staff", "members": ["wanda.aagaard@nordhavn.dk",
                                                   "emil.dahl@nordhavn.dk"],
         "owners": ["bo.thygesen@nordhavn.dk"]},
        {"displayName": "All warehouse", "mailNickname": "allwh", "groupTypes": ["Unified"],
         "mailEnabled": True, "mail": "allwh@nordhavn.dk", "visibility": "Private",
         "description": "Everyone at the docks",
         "members": ["Warehouse tier 1", "bo.thygesen@nordhavn.dk"],
         "owners": ["astrid.moeller@nordhavn.dk"]},
        {"displayName": "Archive crew", "mailNickname": "archive",
         "members": ["astrid.moeller@nordhavn.dk"]},
    ],
}

A, B, W, E = ("astrid.moeller@nordhavn.dk", "bo.thygesen@nordhavn.dk",
              "wanda.aagaard@nordhavn.dk", "emil.dahl@nordhavn.dk")
USER_DEFAULT = ["businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
                "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id"]
GROUP_DEFAULT = ["id", "deletedDateTime", "classification", "createdDateTime", "description",
                 "displayName", "expirationDateTime", "groupTypes", "isAssignableToRole", "mail",
                 "mailEnabled", "mailNickname", "membershipRule", "membershipRuleProcessingState",
                 "onPremisesLastSyncDateTime", "onPremisesSecurityIdentifier",
                 "onPremisesSyncEnabled", "preferredDataLocation", "preferredLanguage",
                 "proxyAddresses", "renewedDateTime", "resourceBehaviorOptions",
                 "resourceProvisioningOptions", "securityEnabled", "theme", "visibility",
                 "onPremisesProvisioningErrors"]
GROUP_GET = GROUP_DEFAULT + ["onPremisesDomainName", "onPremisesNetBiosName",
                             "onPremisesSamAccountName", "securityIdentifier"]
CALENDAR = ["@odata.id", "id", "name", "color", "hexColor", "changeKey", "canShare",
            "canViewPrivateItems", "canEdit", "allowedOnlineMeetingProviders",
            "defaultOnlineMeetingProvider", "isTallyingResponses", "isRemovable", "owner"]
EVENT_SELECTED = ["@odata.etag", "id", "subject", "bodyPreview", "body", "start", "end",
                  "location", "attendees", "organizer"]
EVENT = ["@odata.etag", "id", "createdDateTime", "lastModifiedDateTime", "changeKey", "categories",
         "originalStartTimeZone", "originalEndTimeZone", "iCalUId", "reminderMinutesBeforeStart",
         "isReminderOn", "hasAttachments", "subject", "bodyPreview", "importance", "sensitivity",
         "isAllDay", "isCancelled", "isOrganizer", "responseRequested", "seriesMasterId",
         "showAs", "type", "webLink", "onlineMeetingUrl", "isOnlineMeeting",
         "onlineMeetingProvider", "allowNewTimeProposals", "isDraft", "hideAttendees",
         "responseStatus", "body", "start", "end", "location", "locations", "recurrence",
         "attendees", "organizer", "onlineMeeting"]
DOMAIN = ["authenticationType", "availabilityStatus", "id", "isAdminManaged", "isDefault",
          "isInitial", "isRoot", "isVerified", "passwordNotificationWindowInDays",
          "passwordValidityPeriodInDays", "supportedServices", "state"]
ORGANIZATION = ["id", "deletedDateTime", "businessPhones", "city", "country", "countryLetterCode",
                "createdDateTime", "displayName", "marketingNotificationEmails",
                "onPremisesLastSyncDateTime", "onPremisesSyncEnabled", "postalCode",
                "preferredLanguage", "privacyProfile", "securityComplianceNotificationMails",
                "securityComplianceNotificationPhones", "state", "street",
                "technicalNotificationMails", "tenantType", "directorySizeQuota",
                "assignedPlans", "provisionedPlans", "verifiedDomains"]
DELETED_GROUP = ["id", "displayName", "groupTypes", "mail", "mailEnabled", "mailNickname",
                 "securityEnabled", "visibility"]
PHOTO_META = ["@odata.context", "@odata.id", "@odata.mediaContentType", "@odata.mediaEtag", "id", "height",
              "width"]
# A 240x240 baseline JPEG header (SOI, JFIF APP0, SOF0, EOI): what an upload's bytes start with.
JPEG = (b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xc0\x00\x11\x08\x00\xf0\x00\xf0\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
        + b"\xff\xd9")


class Ctx:
    """The served world, a client with every permission the examples use, and id lookups."""

    def __init__(self, world: World, client: httpx.Client) -> None:
        self.world, self.client = world, client

    def u(self, upn: str) -> str:
        return self.world.tenant.user_by_id_or_upn(upn).id

    def g(self, name: str) -> str:
        return next(g.id for g in self.world.tenant.groups.values()
                    if g.props["displayName"] == name)

    def event(self, upn: str = A, subject: str = "Dock inspection") -> str:
        uid = self.u(upn)
        calendar = mailbox.default_calendar(self.world.tenant, uid)
        event, _ = mailbox.create_event(self.world.tenant, uid, calendar.id, {
            "subject": subject, "body": {"contentType": "HTML", "content": "<p>Crane 4</p>"},
            "start": {"dateTime": "2026-03-02T08:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-03-02T09:00:00", "timeZone": "UTC"}})
        return event.id

    def deleted(self, kind: str = "users", key: str = E) -> str:
        oid = self.u(key) if kind == "users" else self.g(key)
        self.client.delete(f"/{kind}/{oid}")
        return oid

    def ref(self, path: str) -> str:
        return str(self.client.base_url).rstrip("/") + path


Req = Callable[[Ctx], tuple[str, str, dict[str, Any]]]


@dataclass
class Ex:
    page: str  # api-reference/v1.0/api/<page>, or concepts/<page>
    name: str  # the example's heading, in short
    request: Req
    status: int
    top: list[str] = field(default_factory=list)  # documented top-level keys
    item: list[str] = field(default_factory=list)  # documented keys of each `value` item
    text: bool = False  # a text/plain count
    binary: str = ""  # expected media type of a binary body
    nested: Callable[[Any], bool] | None = None  # a further documented shape, on the JSON body
    applies: bool = True  # False: a resource the mock does not simulate (listed, not counted)


def G(path: str, params: dict | None = None, headers: dict | None = None) -> Req:  # noqa: N802
    return lambda c: ("GET", path.format(**ids(c)), {"params": params or {},
                                                      "headers": headers or {}})


def ids(c: Ctx) -> dict[str, str]:
    return {"A": c.u(A), "B": c.u(B), "W": c.u(W), "E": c.u(E), "T1": c.g("Warehouse tier 1"),
            "ALL": c.g("All warehouse"), "ARC": c.g("Archive crew")}


def chain(depth: int) -> Callable[[Any], bool]:
    def ok(body: Any) -> bool:
        node = body
        for _ in range(depth):
            node = node.get("manager")
            if not isinstance(node, dict) or set(node) - {"id", "displayName", "@odata.type",
                                                          "manager"}:
                return False
        return True
    return ok


CREATED_USER = ["@odata.context", "id", "businessPhones", "displayName", "givenName", "jobTitle",
                "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname",
                "userPrincipalName"]
MEMBEROF_ITEM = ["@odata.type", "displayName", "mailEnabled", "securityEnabled"]
COLL = ["@odata.context", "value"]
COUNTED = ["@odata.context", "@odata.count", "value"]

EXAMPLES: list[Ex] = [
    # -- user-list.md ------------------------------------------------------------------
    Ex("user-list.md", "Example 1: get all users", G("/users"), 200, COLL, USER_DEFAULT),
    Ex("user-list.md", "Example 2: a user by sign-in name",
       G("/users", {"$select": "displayName,id",
                    "$filter": f"identities/any(c:c/issuerAssignedId eq '{W}' and "
                               "c/issuer eq 'nordhavn.onmicrosoft.com')"}),
       200, ["value"], ["displayName", "id"]),
    Ex("user-list.md", "Example 3: only a count of users", G("/users/$count", headers=EVENTUAL),
       200, text=True),
    Ex("user-list.md", "Example 4: startswith, $top=1, $count",
       G("/users", {"$filter": "startswith(displayName,'w')", "$orderby": "displayName",
                    "$count": "true", "$top": "1"}, EVENTUAL),
       200, COUNTED, ["displayName", "mail", "userPrincipalName"]),
    Ex("user-list.md", "Example 5: endswith(mail), $orderby, $count",
       G("/users", {"$filter": "endswith(mail,'dahl@nordhavn.dk')",
                    "$orderby": "userPrincipalName", "$count": "true"}, EVENTUAL),
       200, COUNTED, ["displayName", "givenName", "jobTitle", "mail", "userPrincipalName", "id"]),
    Ex("user-list.md", "Example 6: $search displayName, $count",
       G("/users", {"$search": '"displayName:wa"', "$orderby": "displayName", "$count": "true"},
         EVENTUAL), 200, COUNTED, ["displayName", "givenName", "mail", "userPrincipalName"]),
    Ex("user-list.md", "Example 7: $search with OR",
       G("/users", {"$search": '"displayName:wa" OR "displayName:bo"', "$count": "true"},
         EVENTUAL), 200, COUNTED, ["displayName", "givenName", "mail", "userPrincipalName"]),
    Ex("user-list.md", "Example 8: guests by userPrincipalName suffix",
       G("/users", {"$select": "id,displayName,mail,identities",
                    "$filter": "endsWith(userPrincipalName,'#EXT#@nordhavn.onmicrosoft.com')",
                    "$count": "true"}, EVENTUAL), 200, COUNTED),
    Ex("user-list.md", "Example 9: users with a licence",
       G("/users", {"$select": "id,mail,assignedLicenses",
                    "$filter": "assignedLicenses/any(u:u/skuId eq "
                               "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46)"}), 200, COLL),
    Ex("user-list.md", "Example 10: a schema extension for all users",
       G("/users", {"$select": "extq3v8hd1k_trainingRecord"}), 200, COLL),
    Ex("user-list.md", "Example 11: users with their last sign-in",
       G("/users", {"$select": "displayName,userPrincipalName,signInActivity"}), 200, COLL,
       ["displayName", "userPrincipalName", "id", "signInActivity"]),
    # -- user-get.md -------------------------------------------------------------------
    Ex("user-get.md", "Example 1: standard request", G("/users/{W}"), 200,
       ["@odata.context"] + USER_DEFAULT),
    Ex("user-get.md", "Example 2: signed-in user (as /users/{id})", G("/users/{B}"), 200,
       USER_DEFAULT),
    Ex("user-get.md", "Example 3: $select with identities",
       G("/users/{A}", {"$select": "displayName,givenName,postalCode,identities"}), 200,
       ["@odata.context", "displayName", "givenName", "postalCode", "identities"]),
    Ex("user-get.md", "Example 4: a schema extension of a user",
       G("/users/{A}", {"$select": "extq3v8hd1k_trainingRecord"}), 200, ["@odata.context"]),
    Ex("user-get.md", "Example 5: custom security attributes",
       G("/users/{A}", {"$select": "customSecurityAttributes"}), 200,
       ["@odata.context", "customSecurityAttributes"]),
    # -- user-post-users.md ------------------------------------------------------------
    Ex("user-post-users.md", "Example 1: create a user",
       lambda c: ("POST", "/users", {"json": {
           "accountEnabled": True, "displayName": "Freja Holt", "mailNickname": "FrejaH",
           "userPrincipalName": "freja.holt@nordhavn.onmicrosoft.com",
           "passwordProfile": {"forceChangePasswordNextSignIn": True,
                               "password": "Kaj-7!tidevand"}}}), 201, CREATED_USER),
    Ex("user-post-users.md", "Example 2: local and social identities (B2C)",
       lambda c: ("POST", "/users", {"json": {
           "displayName": "Gorm Lind",
           "identities": [
               {"signInType": "userName", "issuer": "nordhavn.onmicrosoft.com",
                "issuerAssignedId": "gormlind"},
               {"signInType": "emailAddress", "issuer": "nordhavn.onmicrosoft.com",
                "issuerAssignedId": "gorm.lind@example.org"},
               {"signInType": "federated", "issuer": "facebook.com", "issuerAssignedId": "7a1c9e"}],
           "passwordProfile": {"password": "Tang!-8-hav", "forceChangePasswordNextSignIn": False},
           "passwordPolicies": "DisablePasswordExpiration"}}), 201,
       ["@odata.context", "displayName", "id", "identities", "passwordPolicies"]),
    # -- user-update.md, user-delete.md --------------------------------------------------
    Ex("user-update.md", "Example: update properties (as /users/{id})",
       lambda c: ("PATCH", f"/users/{c.u(E)}", {"json": {
           "accountEnabled": True, "businessPhones": ["+45 7512 0000"], "city": "Fanoe"}}), 204),
    Ex("user-delete.md", "Example: delete a user",
       lambda c: ("DELETE", f"/users/{c.u(E)}", {}), 204),
    # -- manager, direct reports ---------------------------------------------------------
    Ex("user-list-manager.md", "Example 1: get the manager", G("/users/{W}/manager"), 200,
       ["id", "displayName", "jobTitle", "mail", "userPrincipalName"]),
    Ex("user-list-manager.md", "Example 2: the manager chain to the root",
       G("/users/{W}", {"$expand": "manager($levels=max;$select=id,displayName)",
                        "$select": "id,displayName", "$count": "true"}, EVENTUAL), 200,
       ["id", "displayName", "manager"], nested=chain(2)),
    Ex("user-list-directreports.md", "Example: direct reports (as /users/{id})",
       G("/users/{B}/directReports"), 200, ["value"], ["id"]),
    Ex("user-post-manager.md", "Example: assign a manager",
       lambda c: ("PUT", f"/users/{c.u(E)}/manager/$ref",
                  {"json": {"@odata.id": c.ref(f"/users/{c.u(A)}")}}), 204),
    # -- memberOf -------------------------------------------------------------------------
    Ex("user-list-memberof.md", "Example 1: direct memberships", G("/users/{W}/memberOf"), 200,
       ["value"], MEMBEROF_ITEM),
    Ex("user-list-memberof.md", "Example 2: only a count",
       G("/users/{W}/memberOf/$count", headers=EVENTUAL), 200, text=True),
    Ex("user-list-memberof.md", "Example 3: cast to groups, only a count",
       G("/users/{W}/memberOf/microsoft.graph.group/$count", headers=EVENTUAL), 200, text=True),
    Ex("user-list-memberof.md", "Example 4: cast, $search, $select, $count",
       G("/users/{W}/memberOf/microsoft.graph.group",
         {"$count": "true", "$orderby": "displayName", "$search": '"displayName:tier"',
          "$select": "displayName,id"}, EVENTUAL), 200, COUNTED, ["displayName", "id"]),
    Ex("user-list-memberof.md", "Example 5: cast, startswith, $count",
       G("/users/{B}/memberOf/microsoft.graph.group",
         {"$count": "true", "$orderby": "displayName", "$filter": "startswith(displayName, 'a')"},
         EVENTUAL), 200, COUNTED,
       ["displayName", "mail", "mailEnabled", "mailNickname", "securityEnabled"]),
    Ex("user-list-memberof.md", "Example 6: groups with app role assignments",
       G("/users/{W}/memberOf/microsoft.graph.group",
         {"$filter": "appRoleAssignments/$count gt 0", "$select": "id,displayName"}), 200, COLL),
    Ex("user-list-transitivememberof.md", "Example 1: all memberships",
       G("/users/{W}/transitiveMemberOf"), 200, COLL,
       ["@odata.type", "displayName", "mailEnabled", "mailNickname", "securityEnabled"]),
    Ex("user-list-transitivememberof.md", "Example 2: only a count",
       G("/users/{W}/transitiveMemberOf/$count", headers=EVENTUAL), 200, text=True),
    Ex("user-list-transitivememberof.md", "Example 3: cast to groups, only a count",
       G("/users/{W}/transitiveMemberOf/microsoft.graph.group/$count", headers=EVENTUAL), 200,
       text=True),
    Ex("user-list-transitivememberof.md", "Example 4: cast, $search, $select, $count",
       G("/users/{W}/transitiveMemberOf/microsoft.graph.group",
         {"$count": "true", "$orderby": "displayName", "$search": '"displayName:tier"',
          "$select": "displayName,id"}, EVENTUAL), 200, COUNTED, ["displayName", "id"]),
    Ex("user-list-transitivememberof.md", "Example 5: cast, startswith, $count",
       G("/users/{W}/transitiveMemberOf/microsoft.graph.group",
         {"$count": "true", "$orderby": "displayName", "$filter": "startswith(displayName, 'a')"},
         EVENTUAL), 200, COUNTED,
       ["displayName", "mail", "mailEnabled", "mailNickname", "securityEnabled"]),
    # -- user-delta.md ---------------------------------------------------------------------
    Ex("user-delta.md", "Example 1: default properties", G("/users/delta"), 200,
       ["@odata.context", "value"], USER_DEFAULT),
    Ex("user-delta.md", "Example 2: selecting three properties",
       G("/users/delta", {"$select": "displayName,jobTitle,mobilePhone"}), 200,
       ["@odata.context", "value"], ["displayName", "jobTitle", "mobilePhone"]),
    Ex("user-delta.md", "Example 3: minimal response behaviour",
       G("/users/delta", {"$select": "displayName,jobTitle,mobilePhone"},
         {"Prefer": "return=minimal"}), 200, ["@odata.context", "value"],
       ["displayName", "jobTitle"]),
    # -- groups ----------------------------------------------------------------------------
    Ex("group-list.md", "Example 1: list groups", G("/groups"), 200, COLL, GROUP_DEFAULT),
    Ex("group-list.md", "Example 2: filtered list with $count",
       G("/groups", {"$count": "true", "$filter": "hasMembersWithLicenseErrors eq true",
                     "$select": "id,displayName"}, EVENTUAL), 200, COUNTED),
    Ex("group-list.md", "Example 3: only a count of groups",
       G("/groups/$count", headers=EVENTUAL), 200, text=True),
    Ex("group-list.md", "Example 4: startswith, $top=1, $count",
       G("/groups", {"$filter": "startswith(displayName, 'a')", "$count": "true", "$top": "1",
                     "$orderby": "displayName"}, EVENTUAL), 200, COUNTED,
       ["displayName", "mailNickname"]),
    Ex("group-list.md", "Example 5: $search displayName OR description",
       G("/groups", {"$search": '"displayName:crew" OR "description:docks"',
                     "$orderby": "displayName", "$count": "true"}, EVENTUAL), 200, COUNTED,
       ["displayName", "mailNickname"]),
    Ex("group-list.md", "Example 6: dynamic security groups",
       G("/groups", {"$filter": "mailEnabled eq false and securityEnabled eq true and "
                                "NOT(groupTypes/any(s:s eq 'Unified')) and "
                                "membershipRuleProcessingState eq 'On'",
                     "$count": "true", "$select": "id,membershipRule,membershipRuleProcessingState"},
         EVENTUAL), 200, COUNTED),
    Ex("group-list.md", "Example 7: licensed groups with members expanded",
       G("/groups", {"$select": "id,assignedLicenses", "$filter": "assignedLicenses/any()",
                     "$expand": "members($select=id,displayName)"}), 200, COLL),
    Ex("group-get.md", "Example 1: default properties", G("/groups/{ALL}"), 200,
       ["@odata.context"] + GROUP_GET),
    Ex("group-get.md", "Example 2: $select of Outlook properties",
       G("/groups/{ALL}", {"$select": "allowExternalSenders,autoSubscribeNewMembers,"
                                      "isSubscribedByMail,unseenCount"}), 200,
       ["@odata.context", "id", "allowExternalSenders", "autoSubscribeNewMembers",
        "isSubscribedByMail", "unseenCount"]),
    Ex("group-post-groups.md", "Example 1: a Microsoft 365 group",
       lambda c: ("POST", "/groups", {"json": {
           "description": "Shift swaps and rota questions", "displayName": "Rota desk",
           "groupTypes": ["Unified"], "mailEnabled": True, "mailNickname": "rota",
           "securityEnabled": False}}), 201,
       [k for k in GROUP_DEFAULT if k not in ("expirationDateTime", "isAssignableToRole",
                                              "membershipRule", "membershipRuleProcessingState",
                                              "preferredLanguage", "theme")]),
    Ex("group-post-groups.md", "Example 2: with owners and members",
       lambda c: ("POST", "/groups", {"json": {
           "description": "Night shift, owner and members set", "displayName": "Night shift",
           "groupTypes": [], "mailEnabled": False, "mailNickname": "nightshift",
           "securityEnabled": True,
           "owners@odata.bind": [c.ref(f"/users/{c.u(B)}")],
           "members@odata.bind": [c.ref(f"/users/{c.u(W)}"), c.ref(f"/users/{c.u(E)}")]}}), 201,
       ["@odata.context", "@odata.id"] + GROUP_GET),
    Ex("group-post-groups.md", "Example 3: a role-assignable group",
       lambda c: ("POST", "/groups", {"json": {
           "description": "Can hold a directory role", "displayName": "Helpdesk admins",
           "groupTypes": ["Unified"], "isAssignableToRole": True, "mailEnabled": True,
           "securityEnabled": True, "mailNickname": "helpdeskadmins",
           "owners@odata.bind": [c.ref(f"/users/{c.u(A)}")],
           "members@odata.bind": [c.ref(f"/users/{c.u(B)}"), c.ref(f"/users/{c.u(E)}")]}}), 201,
       ["@odata.context", "id", "displayName", "isAssignableToRole"]),
    Ex("group-update.md", "Example 1: update properties",
       lambda c: ("PATCH", f"/groups/{c.g('Archive crew')}", {"json": {
           "description": "Paper records and scans", "displayName": "Archive team",
           "groupTypes": ["Unified"], "mailEnabled": True, "mailNickname": "archive",
           "securityEnabled": True}}), 204),
    Ex("group-delete.md", "Example: delete a group",
       lambda c: ("DELETE", f"/groups/{c.g('Archive crew')}", {}), 204),
    Ex("group-list-members.md", "Example: list members", G("/groups/{T1}/members"), 200,
       ["value"], ["id"]),
    Ex("group-post-members.md", "Example 1: add a member",
       lambda c: ("POST", f"/groups/{c.g('Archive crew')}/members/$ref",
                  {"json": {"@odata.id": c.ref(f"/directoryObjects/{c.u(E)}")}}), 204),
    Ex("group-post-members.md", "Example 2: add several members in one PATCH",
       lambda c: ("PATCH", f"/groups/{c.g('Archive crew')}", {"json": {"members@odata.bind": [
           c.ref(f"/directoryObjects/{c.u(B)}"), c.ref(f"/directoryObjects/{c.u(W)}"),
           c.ref(f"/directoryObjects/{c.u(E)}")]}}), 204),
    Ex("group-delete-members.md", "Example: remove a member",
       lambda c: ("DELETE", f"/groups/{c.g('Warehouse tier 1')}/members/{c.u(E)}/$ref", {}),
       204),
    Ex("group-list-transitivemembers.md", "Example 1: transitive members",
       G("/groups/{ALL}/transitiveMembers"), 200, ["value"], ["@odata.type", "id", "mail"]),
    Ex("group-list-transitivemembers.md", "Example 2: only a count",
       G("/groups/{ALL}/transitiveMembers/$count", headers=EVENTUAL), 200, text=True),
    Ex("group-list-transitivemembers.md", "Example 3: cast to groups with $count",
       G("/groups/{ALL}/transitivemembers/microsoft.graph.group", {"$count": "true"}, EVENTUAL),
       200, COUNTED, ["@odata.id", "id", "displayName", "groupTypes", "mail", "mailEnabled",
                      "mailNickname"]),
    Ex("group-list-transitivemembers.md", "Example 4: cast to users, $search, $select",
       G("/groups/{ALL}/transitiveMembers/microsoft.graph.user",
         {"$count": "true", "$orderBy": "displayName", "$search": '"displayName:wa"',
          "$select": "displayName,id"}, EVENTUAL), 200, COUNTED, ["displayName", "id"]),
    Ex("group-list-transitivemembers.md", "Example 5: cast to users, startswith",
       G("/groups/{ALL}/transitiveMembers/microsoft.graph.user",
         {"$count": "true", "$orderBy": "displayName", "$filter": "startswith(displayName, 'e')"},
         EVENTUAL), 200, COUNTED, ["displayName", "mail"]),
    Ex("group-list-owners.md", "Example: list owners", G("/groups/{ALL}/owners"), 200, COLL,
       ["@odata.type", "id", "accountEnabled", "displayName", "userPrincipalName"]),
    Ex("group-delta.md", "Example 1: initial request with $select",
       G("/groups/delta", {"$select": "displayName,description"}), 200,
       ["@odata.context", "value"], ["displayName", "description", "id"]),
    # -- photos ----------------------------------------------------------------------------
    Ex("profilephoto-get.md", "Example 1: the photo's bytes (as /users/{id})",
       G("/users/{A}/photo/$value"), 200, binary="image/jpeg"),
    Ex("profilephoto-get.md", "Example 2: the 48x48 photo's bytes",
       G("/users/{A}/photo/48x48/$value"), 200, binary="image/jpeg"),
    Ex("profilephoto-get.md", "Example 3: the photo's metadata", G("/users/{A}/photo"), 200,
       PHOTO_META),
    Ex("profilephoto-get.md", "Example 3: metadata when no photo was uploaded",
       G("/users/{E}/photo"), 200, PHOTO_META),
    Ex("profilephoto-get.md", "Example 4: a team photo's metadata", G("/teams/{ALL}/photo"), 200,
       PHOTO_META, applies=False),
    Ex("profilephoto-get.md", "Example 5: a team photo's bytes", G("/teams/{ALL}/photo/$value"),
       200, binary="image/jpeg", applies=False),
    Ex("profilephoto-update.md", "Example: upload a photo (binary body)",
       lambda c: ("PUT", f"/users/{c.u(B)}/photo/$value",
                  {"content": JPEG, "headers": {"Content-Type": "image/jpeg"}}), 200),
    Ex("profilephoto-delete.md", "Example: delete the photo",
       lambda c: ("DELETE", f"/users/{c.u(A)}/photo/$value", {}), 204),
    # -- calendars and events ----------------------------------------------------------------
    Ex("user-list-calendars.md", "Example: list calendars (as /users/{id})",
       G("/users/{A}/calendars"), 200, COLL, CALENDAR),
    Ex("calendar-get.md", "Example 1: the default calendar (as /users/{id})",
       G("/users/{A}/calendar"), 200, ["@odata.context"] + CALENDAR),
    Ex("user-list-events.md", "Example 1: events with $select",
       lambda c: (c.event(), ("GET", f"/users/{c.u(A)}/events", {"params": {
           "$select": "subject,body,bodyPreview,organizer,attendees,start,end,location"}}))[1],
       200, COLL, EVENT_SELECTED),
    Ex("user-list-events.md", "Example 2: with Prefer outlook.timezone",
       lambda c: (c.event(), ("GET", f"/users/{c.u(A)}/events", {
           "params": {"$select": "subject,body,bodyPreview,organizer,attendees,start,end,location"},
           "headers": {"Prefer": 'outlook.timezone="Pacific Standard Time"'}}))[1],
       200, COLL, EVENT_SELECTED),
    Ex("event-get.md", "Example 1: an event with $select",
       lambda c: ("GET", f"/users/{c.u(A)}/events/{c.event()}", {"params": {
           "$select": "subject,body,bodyPreview,organizer,attendees,start,end,location,"
                      "hideAttendees"}}), 200,
       ["@odata.context", "@odata.etag", "id", "subject", "bodyPreview", "body", "start", "end",
        "location", "attendees", "organizer", "hideAttendees"]),
    Ex("event-update.md", "Example: update an event",
       lambda c: ("PATCH", f"/users/{c.u(A)}/events/{c.event()}", {"json": {
           "originalStartTimeZone": "Romance Standard Time",
           "originalEndTimeZone": "Romance Standard Time",
           "responseStatus": {"response": "none", "time": "2026-03-01T07:00:00Z"},
           "recurrence": None, "reminderMinutesBeforeStart": 45, "isOnlineMeeting": True,
           "onlineMeetingProvider": "teamsForBusiness", "isReminderOn": True,
           "hideAttendees": False, "categories": ["Blue category"]}}), 200,
       ["originalStartTimeZone", "originalEndTimeZone", "responseStatus", "recurrence",
        "reminderMinutesBeforeStart", "isOnlineMeeting", "onlineMeetingProvider", "isReminderOn",
        "hideAttendees", "onlineMeeting"]),
    Ex("event-delete.md", "Example: delete an event (as /users/{id})",
       lambda c: ("DELETE", f"/users/{c.u(A)}/events/{c.event()}", {}), 204),
    Ex("user-post-events.md", "Example 1: create an event",
       lambda c: ("POST", f"/users/{c.u(A)}/events", {"json": {
           "subject": "Crane certification", "body": {"contentType": "HTML",
                                                      "content": "<p>Bring your card</p>"},
           "start": {"dateTime": "2026-03-05T12:00:00", "timeZone": "Pacific Standard Time"},
           "end": {"dateTime": "2026-03-05T14:00:00", "timeZone": "Pacific Standard Time"},
           "location": {"displayName": "Quay 1"},
           "attendees": [{"emailAddress": {"address": B, "name": "Bo Thygesen"},
                          "type": "required"}],
           "allowNewTimeProposals": True}}), 201, ["@odata.context"] + EVENT),
    Ex("user-post-events.md", "Example 2: an event in several locations",
       lambda c: ("POST", f"/users/{c.u(A)}/events", {"json": {
           "subject": "Safety walk", "body": {"contentType": "HTML", "content": "<p>Walk</p>"},
           "start": {"dateTime": "2026-03-06T12:00:00", "timeZone": "Pacific Standard Time"},
           "end": {"dateTime": "2026-03-06T14:00:00", "timeZone": "Pacific Standard Time"},
           "location": {"displayName": "Quay 1 and Quay 2"},
           "locations": [{"displayName": "Quay 1"}, {"displayName": "Quay 2"}],
           "attendees": [{"emailAddress": {"address": W, "name": "Wanda Aagaard"},
                          "type": "required"}],
           "allowNewTimeProposals": True}}), 201, ["@odata.context"] + EVENT),
    Ex("user-post-events.md", "Example 3: an online meeting",
       lambda c: ("POST", f"/users/{c.u(A)}/events", {"json": {
           "subject": "Rota review", "body": {"contentType": "HTML", "content": "<p>Online</p>"},
           "start": {"dateTime": "2026-03-07T12:00:00", "timeZone": "Pacific Standard Time"},
           "end": {"dateTime": "2026-03-07T13:00:00", "timeZone": "Pacific Standard Time"},
           "isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness"}}), 201,
       ["@odata.context"] + EVENT),
    Ex("calendar-list-calendarview.md", "Example: events in a window",
       lambda c: (c.event(), ("GET", f"/users/{c.u(A)}/calendar/calendarView", {"params": {
           "startDateTime": "2026-03-01T00:00:00.0000000",
           "endDateTime": "2026-03-08T00:00:00.0000000"}}))[1], 200, COLL,
       ["@odata.etag", "id", "subject", "start", "end"]),
    # -- deleted items ------------------------------------------------------------------------
    Ex("directory-deleteditems-list.md", "Example 1: deleted groups",
       lambda c: (c.deleted("groups", "All warehouse"),
                  ("GET", "/directory/deletedItems/microsoft.graph.group", {}))[1], 200, COLL,
       DELETED_GROUP),
    Ex("directory-deleteditems-list.md", "Example 2: count of deleted items, $orderBy",
       lambda c: (c.deleted("groups", "All warehouse"),
                  ("GET", "/directory/deletedItems/microsoft.graph.group", {
                      "params": {"$count": "true", "$orderBy": "deletedDateTime asc",
                                 "$select": "id,DisplayName,deletedDateTime"},
                      "headers": EVENTUAL}))[1], 200, COUNTED,
       ["id", "displayName", "deletedDateTime"]),
    Ex("directory-deleteditems-get.md", "Example: a deleted item",
       lambda c: ("GET", f"/directory/deletedItems/{c.deleted('groups', 'All warehouse')}", {}),
       200, ["@odata.context"] + DELETED_GROUP),
    Ex("directory-deleteditems-restore.md", "Example: restore a deleted item",
       lambda c: ("POST", f"/directory/deletedItems/{c.deleted()}/restore", {}), 200,
       ["@odata.context", "@odata.type", "id", "displayName"]),
    # -- domains, organization ------------------------------------------------------------
    Ex("domain-list.md", "Example: list domains", G("/domains"), 200, COLL, DOMAIN),
    Ex("domain-get.md", "Example: get a domain", G("/domains/nordhavn.dk"), 200,
       ["@odata.context"] + DOMAIN),
    Ex("organization-list.md", "Example: list organizations", G("/organization"), 200, COLL,
       ORGANIZATION),
    Ex("organization-get.md", "Example: get the organization",
       lambda c: ("GET", f"/organization/{c.world.tenant.id}", {}), 200,
       ["@odata.context"] + ORGANIZATION),
    # -- directoryObjects -------------------------------------------------------------------
    Ex("directoryobject-getbyids.md", "Example: users and groups by id",
       lambda c: ("POST", "/directoryObjects/getByIds", {"json": {
           "ids": [c.u(A), c.g("All warehouse")], "types": ["user", "group"]}}), 200, COLL,
       ["@odata.type", "id", "displayName"]),
    Ex("directoryobject-checkmembergroups.md", "Example 1: for a directory object",
       lambda c: ("POST", f"/directoryObjects/{c.u(W)}/checkMemberGroups", {"json": {
           "groupIds": [c.g("Warehouse tier 1"), c.g("Archive crew"), c.g("All warehouse")]}}),
       200, COLL),
    Ex("directoryobject-checkmembergroups.md", "Example 2: for the signed-in user (as /users)",
       lambda c: ("POST", f"/users/{c.u(W)}/checkMemberGroups", {"json": {
           "groupIds": [c.g("Warehouse tier 1"), c.g("Archive crew")]}}), 200, COLL),
    Ex("directoryobject-getmembergroups.md", "Example 1: a user's groups",
       lambda c: ("POST", f"/users/{c.u(W)}/getMemberGroups",
                  {"json": {"securityEnabledOnly": True}}), 200, COLL),
    Ex("directoryobject-getmembergroups.md", "Example 2: a group's groups",
       lambda c: ("POST", f"/directoryObjects/{c.g('Warehouse tier 1')}/getMemberGroups",
                  {"json": {"securityEnabledOnly": False}}), 200, COLL),
    # -- concepts/json-batching.md -----------------------------------------------------------
    Ex("concepts/json-batching.md", "Example: several requests, one batch",
       lambda c: ("POST", "/$batch", {"json": {"requests": [
           {"id": "1", "method": "GET", "url": f"/users/{c.u(A)}?$select=displayName,jobTitle"},
           {"id": "2", "method": "GET", "url": f"/users/{c.u(W)}/memberOf"},
           {"id": "3", "method": "GET", "url": "/groups?$select=displayName&$top=2"},
           {"id": "4", "method": "PATCH", "url": f"/users/{c.u(E)}",
            "headers": {"Content-Type": "application/json"}, "body": {"city": "Ribe"}},
           {"id": "5", "method": "GET", "url": f"/users/{c.u(E)}?$select=city",
            "dependsOn": ["4"]}]}}), 200, ["responses"],
       nested=lambda b: sorted(r["id"] for r in b["responses"]) == ["1", "2", "3", "4", "5"]
       and all({"id", "status"} <= set(r) for r in b["responses"])),
]


def verdict(ex: Ex, r: httpx.Response) -> tuple[bool, str]:
    """Compare one answer with the documented status and shape; say what differs."""
    if r.status_code != ex.status:
        detail = ""
        with contextlib.suppress(ValueError):
            detail = r.json().get("error", {}).get("code", "")
        return False, f"status {r.status_code} {detail}".strip()
    if ex.text:
        ok = r.headers.get("content-type", "").startswith("text/plain") and r.text.isdigit()
        return ok, "" if ok else f"not a text/plain count: {r.text[:40]!r}"
    if ex.binary:
        ok = r.headers.get("content-type", "").startswith(ex.binary) and len(r.content) > 0
        return ok, "" if ok else f"content-type {r.headers.get('content-type')}"
    if not (ex.top or ex.item or ex.nested):
        return True, ""
    try:
        body = r.json()
    except ValueError:
        return False, "no JSON body"
    missing = [k for k in ex.top if k not in body]
    if ex.item:
        items = body.get("value") or []
        if not items:
            missing.append("value (empty: item keys not checked)")
        for item in items:
            missing += [f"value[].{k}" for k in ex.item if k not in item
                        and f"value[].{k}" not in missing]
    if ex.nested and not missing and not ex.nested(body):
        missing.append("nested shape")
    return not missing, ("missing " + ", ".join(missing)) if missing else ""


def run(ex: Ex) -> tuple[bool, int, str]:
    world = World(seed=1414)
    loader.load(world.tenant, WORLD)
    reg = next(iter(world.tenant.apps.values()))
    token = world.tokens.issue(world.tenant.id, reg.client_id, reg.object_id, ROLES)
    with ServedWorld(world) as served, httpx.Client(
            base_url=served.graph_url, verify=served.ssl_context(), trust_env=False,
            headers={"Authorization": f"Bearer {token}"}) as client:
        method, path, kwargs = ex.request(Ctx(world, client))
        r = client.request(method, path, **kwargs)
        ok, why = verdict(ex, r)
        return ok, r.status_code, why


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failed", action="store_true", help="print only what differs")
    args = parser.parse_args(argv)
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        os.environ.pop(name, None)
    rows = []
    for ex in EXAMPLES:
        ok, got, why = run(ex)
        word = ("ok" if ok else "DIFFERS") if ex.applies else "n/a"
        rows.append((ex.page, ex.name, ex.status, got, word, why))
    rows.sort(key=lambda row: (row[0], row[1]))
    for page, name, want, got, word, why in rows:
        if args.failed and word != "DIFFERS":
            continue
        print(f"{page:38} {name[:52]:52} {want} {got} {word}" + (f"  ({why})" if why else ""))
    passed = sum(1 for row in rows if row[4] == "ok")
    counted = sum(1 for row in rows if row[4] != "n/a")
    print(f"documented examples with the documented status and body shape (served): "
          f"{passed} of {counted} ({100 * passed / counted:.0f} %); "
          f"{len(rows) - counted} not counted (resources the mock does not simulate)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
