"""Graph routes: deleted items (restore, permanent delete), domains and the organization.

Deleted users stay restorable for 30 days of simulation time; every deleted-items
route first lets the model purge what has expired (``Tenant.purge_expired``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response

from mocks.clock import isoformat_z
from mocks.entra.models import Domain, Group, User
from mocks.graph.auth import requires
from mocks.graph.errors import GraphError
from mocks.graph.odata import (
    GROUP_TYPE,
    USER_TYPE,
    EntityType,
    Query,
    entity,
    page,
    parse_query,
)
from mocks.graph.users import not_found, tenant, user_json

bp = Blueprint("graph_directory", __name__)

DOMAIN_TYPE = EntityType(
    "microsoft.graph.domain", "Domain",
    properties=("authenticationType", "availabilityStatus", "id", "isAdminManaged", "isDefault",
                "isInitial", "isRoot", "isVerified", "passwordNotificationWindowInDays",
                "passwordValidityPeriodInDays", "supportedServices", "state"),
)
ORGANIZATION_TYPE = EntityType(
    "microsoft.graph.organization", "Organization",
    properties=("id", "deletedDateTime", "businessPhones", "city", "country",
                "countryLetterCode", "createdDateTime", "defaultUsageLocation", "displayName",
                "isMultipleDataLocationsForServicesEnabled", "marketingNotificationEmails",
                "onPremisesLastSyncDateTime", "onPremisesSyncEnabled", "onPremisesSyncStatus",
                "partnerTenantType", "postalCode", "preferredLanguage",
                "securityComplianceNotificationMails", "securityComplianceNotificationPhones",
                "state", "street", "technicalNotificationMails", "tenantType",
                "directorySizeQuota", "privacyProfile", "assignedPlans", "provisionedPlans",
                "verifiedDomains"),
)
AD_CONNECT_INTERVAL = timedelta(minutes=30)


# -- deleted items ----------------------------------------------------------
# Deleted items sort by deletedDateTime too (directory-deleteditems-list.md, $orderBy table).
DELETED_USER_TYPE = replace(USER_TYPE, orderby=("deletedDateTime", "displayName",
                                                "userPrincipalName"))
DELETED_GROUP_TYPE = replace(GROUP_TYPE, orderby=("deletedDateTime", "displayName"))


def _deleted_query(etype: EntityType) -> Query:
    """The listing's options; sorting on deletedDateTime needs advanced query parameters."""
    q = parse_query(etype)
    if q.orderby is not None and q.orderby[0] == "deletedDateTime" and not q.advanced:
        raise GraphError(400, "Request_UnsupportedQuery",
                         "Sorting on 'deletedDateTime' needs advanced query parameters: "
                         "$count=true and ConsistencyLevel: eventual.")
    return q


def _deleted(kind: str) -> list[Any]:
    t = tenant()
    with t.lock:
        t.purge_expired()
        source = t.deleted_users if kind == "user" else t.deleted_groups
        return sorted(source.values(), key=lambda o: o.id)


@bp.get("/directory/deletedItems/microsoft.graph.user")
@bp.get("/directory/deletedItems/graph.user")  # the alias Microsoft's SDKs send
@requires("deleteditems.read")
def list_deleted_users():
    q = _deleted_query(DELETED_USER_TYPE)
    return page(_deleted("user"), lambda u: user_json(u, q.select), "users",
                etype=DELETED_USER_TYPE,
                query=q,
                key=lambda u: u.id, props=lambda u: u.props)


@bp.get("/directory/deletedItems/microsoft.graph.group")
@bp.get("/directory/deletedItems/graph.group")
@requires("deleteditems.read")
def list_deleted_groups():
    q = _deleted_query(DELETED_GROUP_TYPE)
    return page(_deleted("group"), lambda g: dict(g.props), "groups", etype=DELETED_GROUP_TYPE,
                query=q, key=lambda g: g.id, props=lambda g: g.props)


def _deleted_object(item_id: str) -> User | Group:
    t = tenant()
    t.purge_expired()
    key = item_id.lower()
    obj = t.deleted_users.get(key) or t.deleted_groups.get(key)
    if obj is None:
        raise not_found(item_id)
    return obj


def _directory_object(obj: User | Group) -> tuple[dict[str, Any], EntityType]:
    if isinstance(obj, User):
        return {"@odata.type": "#microsoft.graph.user", **user_json(obj)}, USER_TYPE
    return {"@odata.type": "#microsoft.graph.group", **obj.props}, GROUP_TYPE


@bp.get("/directory/deletedItems/<item_id>")
@requires("deleteditems.read")
def get_deleted_item(item_id: str):
    q = parse_query(USER_TYPE, allowed={"$select"})
    body, etype = _directory_object(_deleted_object(item_id))
    return entity(body, "directory/deletedItems", etype, q)


@bp.post("/directory/deletedItems/<item_id>/restore")
@requires("deleteditems.write")
def restore_deleted_item(item_id: str):
    obj = _deleted_object(item_id)
    restored = (tenant().restore_user(obj.id) if isinstance(obj, User)
                else tenant().restore_group(obj.id))
    body, etype = _directory_object(restored)
    return entity(body, "directoryObjects", etype)


@bp.delete("/directory/deletedItems/<item_id>")
@requires("deleteditems.write")
def purge_deleted_item(item_id: str):
    obj = _deleted_object(item_id)
    if isinstance(obj, User):
        tenant().purge_deleted_user(obj.id)
    else:
        tenant().purge_deleted_group(obj.id)
    return Response(status=204)


# -- domains ------------------------------------------------------------------
def domain_json(domain: Domain) -> dict[str, Any]:
    return {
        "authenticationType": domain.authentication_type,
        "availabilityStatus": None,
        "id": domain.id,
        "isAdminManaged": True,
        "isDefault": domain.is_default,
        "isInitial": domain.is_initial,
        "isRoot": True,
        "isVerified": domain.is_verified,
        "passwordNotificationWindowInDays": 14,
        "passwordValidityPeriodInDays": 2147483647,
        "supportedServices": ["Email", "OfficeCommunicationsOnline"] if domain.is_verified else [],
        "state": None,
    }


@bp.get("/domains")
@requires("domains.read")
def list_domains():
    q = parse_query(DOMAIN_TYPE, allowed={"$select", "$top", "$skiptoken"})
    domains = sorted(tenant().domains.values(), key=lambda d: d.id)
    return page(domains, domain_json, "domains", etype=DOMAIN_TYPE, query=q, key=lambda d: d.id)


@bp.get("/domains/<domain_id>")
@requires("domains.read")
def get_domain(domain_id: str):
    q = parse_query(DOMAIN_TYPE, allowed={"$select"})
    domain = tenant().domains.get(domain_id.lower())
    if domain is None:
        raise not_found(domain_id)
    return entity(domain_json(domain), "domains", DOMAIN_TYPE, q)


# -- organization ---------------------------------------------------------------
def organization_json() -> dict[str, Any]:
    """The tenant as Graph's organization object (one per tenant)."""
    t = tenant()
    last_sync = None
    if t.on_premises_sync_enabled:  # Entra Connect syncs every 30 minutes
        now = t.clock.now().replace(second=0, microsecond=0)
        last_sync = isoformat_z(now - timedelta(minutes=now.minute % 30))
    verified = [d for d in sorted(t.domains.values(), key=lambda d: d.id) if d.is_verified]
    return {
        "id": t.id,
        "deletedDateTime": None,
        "businessPhones": [],
        "city": None,
        "country": None,
        "countryLetterCode": None,
        "createdDateTime": None,
        "defaultUsageLocation": None,
        "displayName": t.display_name,
        "isMultipleDataLocationsForServicesEnabled": None,
        "marketingNotificationEmails": [],
        "onPremisesLastSyncDateTime": last_sync,
        "onPremisesSyncEnabled": True if t.on_premises_sync_enabled else None,
        "onPremisesSyncStatus": [],
        "partnerTenantType": None,
        "postalCode": None,
        "preferredLanguage": "en",
        "securityComplianceNotificationMails": [],
        "securityComplianceNotificationPhones": [],
        "state": None,
        "street": None,
        "technicalNotificationMails": [],
        "tenantType": "AAD",
        "directorySizeQuota": {"used": len(t.users) + len(t.groups), "total": 300000},
        "privacyProfile": None,
        "assignedPlans": [],
        "provisionedPlans": [],
        "verifiedDomains": [
            {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": d.is_default,
             "isInitial": d.is_initial, "name": d.id, "type": d.authentication_type}
            for d in verified
        ],
    }


@bp.get("/organization")
@requires("organization.read")
def list_organization():
    q = parse_query(ORGANIZATION_TYPE, allowed={"$select"})
    return page([organization_json()], lambda o: o, "organization", etype=ORGANIZATION_TYPE,
                query=q)


@bp.get("/organization/<org_id>")
@requires("organization.read")
def get_organization(org_id: str):
    q = parse_query(ORGANIZATION_TYPE, allowed={"$select"})
    if org_id.lower() != tenant().id.lower():
        raise not_found(org_id)
    return entity(organization_json(), "organization", ORGANIZATION_TYPE, q)
