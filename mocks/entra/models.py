"""State and rules of one simulated Entra ID tenant.

Plain Python objects, no HTTP: the Graph routes (``mocks.graph``) and the identity
platform (``mocks.identity``) are thin layers over this model. Every mutation is
recorded in :attr:`Tenant.changes` so that delta queries can replay it.

Property names of users and groups are Graph's own (camelCase), so that
``$select``, ``$filter`` and PATCH bodies map onto them without a translation
table.
"""

from __future__ import annotations

import bisect
import struct
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from mocks.clock import SimClock, isoformat_z
from mocks.ids import IdFactory

DELETED_RETENTION = timedelta(days=30)

# Graph's default user properties in v1.0 when no $select is given.
USER_DEFAULT_PROPERTIES = (
    "businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone",
    "officeLocation", "preferredLanguage", "surname", "userPrincipalName", "id",
)
# Every user property the mock knows, with its empty value.
USER_PROPERTIES: dict[str, Any] = {
    "id": None, "accountEnabled": True, "businessPhones": [], "city": None,
    "companyName": None, "country": None, "createdDateTime": None, "department": None,
    "displayName": None, "employeeId": None, "givenName": None, "jobTitle": None,
    "mail": None, "mailNickname": None, "mobilePhone": None, "officeLocation": None,
    "onPremisesImmutableId": None, "onPremisesSyncEnabled": None, "otherMails": [],
    "preferredLanguage": None, "surname": None, "usageLocation": None,
    "userPrincipalName": None, "userType": "Member", "deletedDateTime": None,
    "employeeType": None, "employeeHireDate": None, "faxNumber": None, "postalCode": None,
    "state": None, "streetAddress": None, "proxyAddresses": [], "imAddresses": [],
    "onPremisesSamAccountName": None, "onPremisesUserPrincipalName": None,
    "onPremisesDomainName": None, "onPremisesLastSyncDateTime": None,
    "showInAddressList": None, "ageGroup": None, "passwordPolicies": None,
    "employeeLeaveDateTime": None, "employeeOrgData": None,
    "onPremisesExtensionAttributes": None,
}
# Complex (object-valued) user properties and the keys each may hold.
EXTENSION_ATTRIBUTES = tuple(f"extensionAttribute{n}" for n in range(1, 16))
USER_COMPLEX: dict[str, tuple[str, ...]] = {
    "employeeOrgData": ("division", "costCenter"),
    "onPremisesExtensionAttributes": EXTENSION_ATTRIBUTES,
}
# Properties the service sets; a client never writes them.
USER_READ_ONLY = frozenset({"id", "createdDateTime", "deletedDateTime", "proxyAddresses",
                            "imAddresses", "onPremisesSyncEnabled", "onPremisesLastSyncDateTime",
                            "onPremisesSamAccountName", "onPremisesUserPrincipalName",
                            "onPremisesDomainName"})
# Properties that on-premises AD masters for a hybrid user: Graph refuses to change them.
ON_PREMISES_MASTERED = frozenset({
    "accountEnabled", "businessPhones", "city", "companyName", "country", "department",
    "displayName", "employeeId", "givenName", "jobTitle", "mail", "mailNickname",
    "mobilePhone", "officeLocation", "onPremisesImmutableId", "surname",
    "userPrincipalName", "otherMails", "employeeType", "employeeHireDate", "faxNumber",
    "postalCode", "state", "streetAddress", "onPremisesExtensionAttributes",
})
HYBRID_REFUSAL = ("Unable to update the specified properties for on-premises mastered "
                  "Directory Sync objects or objects currently undergoing migration.")
GROUP_PROPERTIES: dict[str, Any] = {
    "id": None, "displayName": None, "description": None, "mail": None,
    "mailEnabled": False, "mailNickname": None, "securityEnabled": True, "groupTypes": [],
    "createdDateTime": None, "deletedDateTime": None, "visibility": None,
    "onPremisesSyncEnabled": None,
    # The rest of Graph's default group properties (group-get.md), empty unless set.
    "classification": None, "creationOptions": [], "expirationDateTime": None,
    "isAssignableToRole": None, "membershipRule": None, "membershipRuleProcessingState": None,
    "onPremisesDomainName": None, "onPremisesLastSyncDateTime": None,
    "onPremisesNetBiosName": None, "onPremisesSamAccountName": None,
    "onPremisesSecurityIdentifier": None, "onPremisesProvisioningErrors": [],
    "preferredDataLocation": None, "preferredLanguage": None, "proxyAddresses": [],
    "renewedDateTime": None, "resourceBehaviorOptions": [], "resourceProvisioningOptions": [],
    "securityIdentifier": None, "serviceProvisioningErrors": [], "theme": None,
}
# Group properties a client may set on create or update (group-post-groups.md, group-update.md).
GROUP_WRITABLE = frozenset({"displayName", "description", "mailEnabled", "mailNickname",
                            "securityEnabled", "groupTypes", "visibility", "classification",
                            "isAssignableToRole", "membershipRule",
                            "membershipRuleProcessingState", "preferredDataLocation",
                            "preferredLanguage", "theme", "resourceBehaviorOptions"})


class EntraError(Exception):
    """A refusal by the tenant model; the Graph layer turns it into Graph's error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class Domain:
    id: str  # the domain name, as Graph uses it
    is_verified: bool = True
    is_default: bool = False
    is_initial: bool = False
    authentication_type: str = "Managed"  # "Federated" for on-premises federated domains


@dataclass
class App:
    """An app registration with a client secret and granted application permissions."""

    client_id: str
    display_name: str
    secret: str
    roles: frozenset[str] = frozenset()
    object_id: str = ""


@dataclass(slots=True)
class User:
    props: dict[str, Any]
    # Groups the user was a direct member of when soft-deleted; restored with the user.
    # An empty tuple until a soft delete sets a list: not one empty list per user (memory).
    deleted_memberships: list[str] | tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.props["id"]

    @property
    def hybrid(self) -> bool:
        return bool(self.props.get("onPremisesSyncEnabled"))


_SHARED: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared(names: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple object for equal property-name lists (every created user records the same)."""
    return _SHARED.setdefault(names, names)


class MemberList(list):
    """Direct member ids in order, with a set beside them so that ``in`` is constant-time
    (a 10,000-member group is checked at every add)."""

    def __init__(self, items=()) -> None:
        super().__init__(items)
        self._set = set(self)

    def __contains__(self, item: object) -> bool:
        return item in self._set

    def append(self, item: str) -> None:
        super().append(item)
        self._set.add(item)

    def remove(self, item: str) -> None:
        super().remove(item)
        self._set.discard(item)  # ids are never listed twice

    def __setitem__(self, *args) -> None:
        raise TypeError("change members with append and remove")

    __delitem__ = __iadd__ = extend = insert = pop = clear = sort = reverse = __setitem__


@dataclass
class Group:
    props: dict[str, Any]
    members: MemberList = field(default_factory=MemberList)  # direct member ids, in order

    def __post_init__(self) -> None:
        if not isinstance(self.members, MemberList):
            self.members = MemberList(self.members)

    @property
    def id(self) -> str:
        return self.props["id"]


@dataclass
class Photo:
    content: bytes
    content_type: str
    width: int
    height: int
    etag: str


_NO_SHARES: Mapping[str, str] = MappingProxyType({})


@dataclass(slots=True)
class Calendar:
    id: str
    owner_id: str  # the user whose mailbox holds it
    name: str
    color: str = "auto"
    is_default: bool = False
    # user id -> "read" | "write" | "delegateWithoutPrivateEventAccess" | ... (shares).
    # One shared empty mapping until a share is made: most calendars are never shared.
    shared_with: Mapping[str, str] = field(default_factory=lambda: _NO_SHARES)
    change_key: str = ""

    def share(self, user_id: str, role: str) -> None:
        """Give ``user_id`` the ``role`` on this calendar."""
        if self.shared_with is _NO_SHARES:
            self.shared_with = {}
        self.shared_with[user_id] = role  # type: ignore[index]


@dataclass(slots=True)
class Event:
    id: str
    calendar_id: str
    props: dict[str, Any]


@dataclass(slots=True)
class Change:
    """One entry of the tenant's change log, read by delta queries.

    ``kind`` is ``"upsert"`` (created or properties changed), ``"softDelete"``
    (moved to deleted items), ``"hardDelete"`` (gone for good), ``"restore"``, or
    ``"memberAdded"`` / ``"memberRemoved"`` (groups only, with ``member_id``).
    """

    seq: int
    resource: str  # "user" | "group"
    object_id: str
    kind: str
    member_id: str | None = None
    properties: tuple[str, ...] = ()


class ChangeLog:
    """The tenant's change log, indexed by position as a list is (``log[seq - 1]`` is the
    change numbered ``seq``), that can forget a prefix no delta token can ask for.

    A loaded world records its whole starting state (one change per user and per
    membership: 190,000 at 30,000 users) before any token exists; delta's first round
    pages the objects themselves, so those changes are never read again.
    """

    __slots__ = ("_base", "_items")

    def __init__(self) -> None:
        self._base = 0  # how many changes were forgotten
        self._items: list[Change] = []

    @property
    def base(self) -> int:
        """The number of forgotten changes: a range starting before it cannot be read."""
        return self._base

    def append(self, change: Change) -> None:
        self._items.append(change)

    def forget(self) -> None:
        """Forget every change so far (their count stays: ``len`` and sequence numbers)."""
        self._base += len(self._items)
        self._items = []

    def __len__(self) -> int:
        return self._base + len(self._items)

    def __iter__(self) -> Iterator[Change]:
        """The kept changes (``len`` also counts the forgotten ones)."""
        return iter(self._items)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if start < self._base and start < stop:
                raise IndexError(f"changes before {self._base + 1} were forgotten")
            return self._items[max(start - self._base, 0):max(stop - self._base, 0):step]
        at = index + len(self) if index < 0 else index
        if not self._base <= at < len(self):
            raise IndexError(f"no change at {index} (kept: {self._base} to {len(self) - 1})")
        return self._items[at - self._base]


class Tenant:
    """One Entra tenant: domains, users, groups, apps, photos, calendars, deleted items."""

    def __init__(self, tenant_id: str, display_name: str, clock: SimClock, ids: IdFactory,
                 on_premises_sync_enabled: bool = False) -> None:
        self.id = tenant_id
        self.display_name = display_name
        self.clock = clock
        self.ids = ids
        self.on_premises_sync_enabled = on_premises_sync_enabled
        self.lock = threading.RLock()
        self.domains: dict[str, Domain] = {}
        self.apps: dict[str, App] = {}
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.deleted_users: dict[str, User] = {}
        self.deleted_groups: dict[str, Group] = {}
        self.photos: dict[str, Photo] = {}
        self.calendars: dict[str, Calendar] = {}
        self.events: dict[str, Event] = {}
        self.changes = ChangeLog()
        # Mailbox lookups (mocks.entra.mailbox keeps them), so that a user's calendars and a
        # calendar's events cost what they hold, not what the tenant holds.
        self.calendars_by_owner: dict[str, list[str]] = {}
        self.calendars_shared_with: dict[str, set[str]] = {}
        self.events_by_calendar: dict[str, list[str]] = {}
        self.managers: dict[str, str] = {}  # user id -> manager's id (user or contact)
        self.owners: dict[str, list[str]] = {}  # group id -> owner ids, in order
        self._upn_index: dict[str, str] = {}  # lower-case UPN -> user id
        self._user_order: list[str] | None = None  # user ids, sorted; built on first use

    # -- change log --------------------------------------------------------
    def record(self, resource: str, object_id: str, kind: str, member_id: str | None = None,
               properties: tuple[str, ...] = ()) -> Change:
        change = Change(len(self.changes) + 1, resource, object_id, kind, member_id, properties)
        self.changes.append(change)
        return change

    @property
    def last_seq(self) -> int:
        return len(self.changes)

    # -- domains and apps --------------------------------------------------
    def add_domain(self, name: str, *, default: bool = False, initial: bool = False,
                   verified: bool = True) -> Domain:
        domain = Domain(name.lower(), is_verified=verified, is_default=default, is_initial=initial)
        self.domains[domain.id] = domain
        return domain

    def verified_domain(self, name: str) -> Domain | None:
        domain = self.domains.get(name.lower())
        return domain if domain and domain.is_verified else None

    def add_app(self, display_name: str, roles: set[str] | frozenset[str],
                client_id: str | None = None, secret: str | None = None) -> App:
        app = App(client_id or self.ids.guid(), display_name, secret or self.ids.token(20),
                  frozenset(roles), self.ids.guid())
        self.apps[app.client_id] = app
        return app

    # -- users ---------------------------------------------------------------
    def now_iso(self) -> str:
        return isoformat_z(self.clock.now())

    def user_by_id_or_upn(self, key: str) -> User | None:
        """Look a user up by object id (any case) or userPrincipalName, in O(1)."""
        user = self.users.get(key) or self.users.get(key.lower())
        if user is None:
            uid = self._upn_index.get(key.lower())
            user = self.users.get(uid) if uid else None
        return user

    def ordered_users(self) -> OrderedView:
        """All users sorted by id: the stable order Graph paging walks (no copy, no sort per call)."""
        with self.lock:
            order = self._user_order
            if order is None or len(order) != len(self.users):
                order = self._user_order = sorted(self.users)
            return OrderedView(order, self.users)

    def _order_add(self, user_id: str) -> None:
        if self._user_order is not None:
            bisect.insort(self._user_order, user_id)

    def _order_remove(self, user_id: str) -> None:
        order = self._user_order
        if order is not None:
            at = bisect.bisect_left(order, user_id)
            if at < len(order) and order[at] == user_id:
                del order[at]

    def add_user(self, props: dict[str, Any]) -> User:
        """Create a user; the UPN must be unique and in a verified domain."""
        with self.lock:
            upn = (props.get("userPrincipalName") or "").strip()
            if "@" not in upn:
                raise EntraError(400, "Request_BadRequest",
                                 "Invalid value specified for property 'userPrincipalName' of resource 'User'.")
            if not self.verified_domain(upn.rsplit("@", 1)[1]):
                raise EntraError(400, "Request_BadRequest",
                                 "The domain portion of the userPrincipalName property is invalid. "
                                 "You must use one of the verified domain names in your organization.")
            if upn.lower() in self._upn_index:
                raise EntraError(400, "Request_BadRequest",
                                 "Another object with the same value for property userPrincipalName already exists.")
            full = {k: (list(v) if isinstance(v, list) else v) for k, v in USER_PROPERTIES.items()}
            full.update(props)
            full["userPrincipalName"] = upn
            if full.get("mail") and not full.get("proxyAddresses"):
                full["proxyAddresses"] = [f"SMTP:{full['mail']}"]  # Exchange derives it from mail
            full["id"] = str(props.get("id") or self.ids.guid()).lower()
            if full["id"] in self.users or full["id"] in self.deleted_users or full["id"] in self.groups:
                raise EntraError(400, "Request_BadRequest",
                                 f"Another object with the same value for property id already exists: '{full['id']}'.")
            full["createdDateTime"] = props.get("createdDateTime") or self.now_iso()
            user = User(full)
            self.users[user.id] = user
            self._upn_index[upn.lower()] = user.id
            self._order_add(user.id)
            self.record("user", user.id, "upsert", properties=_shared(tuple(sorted(full))))
            return user

    def update_user(self, user_id: str, changes: dict[str, Any]) -> User:
        """PATCH semantics; hybrid users refuse on-premises-mastered properties."""
        with self.lock:
            user = self.users.get(user_id)
            if user is None:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{user_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            unknown = [k for k in changes if k not in USER_PROPERTIES or k in ("id", "createdDateTime", "deletedDateTime")]
            if unknown:
                raise EntraError(400, "Request_BadRequest",
                                 f"Property '{unknown[0]}' is read-only or does not exist on type 'microsoft.graph.user'.")
            if user.hybrid:
                mastered = sorted(set(changes) & ON_PREMISES_MASTERED)
                if mastered:
                    raise EntraError(400, "Request_BadRequest", HYBRID_REFUSAL)
            if "userPrincipalName" in changes:
                new_upn = str(changes["userPrincipalName"])
                old_upn = user.props["userPrincipalName"]
                if new_upn.lower() != old_upn.lower():
                    if "@" not in new_upn or not self.verified_domain(new_upn.rsplit("@", 1)[1]):
                        raise EntraError(400, "Request_BadRequest",
                                         "The domain portion of the userPrincipalName property is invalid. "
                                         "You must use one of the verified domain names in your organization.")
                    if new_upn.lower() in self._upn_index:
                        raise EntraError(400, "Request_BadRequest",
                                         "Another object with the same value for property userPrincipalName already exists.")
                    del self._upn_index[old_upn.lower()]
                    self._upn_index[new_upn.lower()] = user.id
            changes = dict(changes)
            if "mail" in changes and changes["mail"] != user.props.get("mail"):
                changes["proxyAddresses"] = _proxy_addresses(user.props.get("proxyAddresses") or [],
                                                            changes["mail"])
            user.props.update(changes)
            self.record("user", user.id, "upsert", properties=tuple(sorted(changes)))
            return user

    def delete_user(self, user_id: str) -> User:
        """Soft delete: the user moves to deleted items, restorable for 30 days."""
        with self.lock:
            user = self.users.pop(user_id, None)
            if user is None:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{user_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            self._upn_index.pop(user.props["userPrincipalName"].lower(), None)
            self._order_remove(user.id)
            user.props["deletedDateTime"] = self.now_iso()
            self.deleted_users[user.id] = user
            user.deleted_memberships = []
            for group in self.groups.values():
                if user.id in group.members:
                    group.members.remove(user.id)
                    user.deleted_memberships.append(group.id)
                    self.record("group", group.id, "memberRemoved", member_id=user.id)
            self.record("user", user.id, "softDelete")
            return user

    def restore_user(self, user_id: str) -> User:
        with self.lock:
            self.purge_expired()
            user = self.deleted_users.get(user_id)
            if user is None:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{user_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            if user.props["userPrincipalName"].lower() in self._upn_index:
                raise EntraError(400, "Request_BadRequest",
                                 "Another object with the same value for property userPrincipalName already exists.")
            del self.deleted_users[user_id]
            user.props["deletedDateTime"] = None
            self.users[user.id] = user
            self._upn_index[user.props["userPrincipalName"].lower()] = user.id
            self._order_add(user.id)
            self.record("user", user.id, "restore")
            # As in Entra, a restored user gets back the group memberships it had.
            for group_id in user.deleted_memberships:
                group = self.groups.get(group_id)
                if group is not None and user.id not in group.members:
                    group.members.append(user.id)
                    self.record("group", group.id, "memberAdded", member_id=user.id)
            user.deleted_memberships = []
            return user

    def purge_deleted_user(self, user_id: str) -> None:
        with self.lock:
            if self.deleted_users.pop(user_id, None) is None:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{user_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            self.photos.pop(user_id, None)
            self.record("user", user_id, "hardDelete")

    def purge_expired(self) -> None:
        """Deleted items older than 30 days (simulation clock) are gone for good."""
        with self.lock:
            now = self.clock.now()
            for uid, user in list(self.deleted_users.items()):
                deleted = datetime.fromisoformat(user.props["deletedDateTime"].replace("Z", "+00:00"))
                if now - deleted >= DELETED_RETENTION:
                    self.purge_deleted_user(uid)
            for gid, group in list(self.deleted_groups.items()):
                deleted = datetime.fromisoformat(group.props["deletedDateTime"].replace("Z", "+00:00"))
                if now - deleted >= DELETED_RETENTION:
                    self.purge_deleted_group(gid)

    # -- groups --------------------------------------------------------------
    def add_group(self, props: dict[str, Any], members: list[str] | None = None) -> Group:
        with self.lock:
            full = {k: (list(v) if isinstance(v, list) else v) for k, v in GROUP_PROPERTIES.items()}
            full.update(props)
            full["id"] = str(props.get("id") or self.ids.guid()).lower()
            if full["id"] in self.groups or full["id"] in self.users or full["id"] in self.deleted_users:
                raise EntraError(400, "Request_BadRequest",
                                 f"Another object with the same value for property id already exists: '{full['id']}'.")
            full["createdDateTime"] = props.get("createdDateTime") or self.now_iso()
            full["renewedDateTime"] = full.get("renewedDateTime") or full["createdDateTime"]
            full["securityIdentifier"] = full.get("securityIdentifier") or sid(full["id"])
            group = Group(full)
            self.groups[group.id] = group
            self.record("group", group.id, "upsert", properties=tuple(sorted(full)))
            for member_id in members or []:
                self.add_member(group.id, member_id)
            return group

    def add_member(self, group_id: str, member_id: str) -> None:
        with self.lock:
            group = self._group(group_id)
            if member_id not in self.users and member_id not in self.groups:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{member_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            if member_id in group.members:
                raise EntraError(400, "Request_BadRequest",
                                 "One or more added object references already exist for the following modified properties: 'members'.")
            group.members.append(member_id)
            self.record("group", group.id, "memberAdded", member_id=member_id)

    def remove_member(self, group_id: str, member_id: str) -> None:
        with self.lock:
            group = self._group(group_id)
            if member_id not in group.members:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{member_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            group.members.remove(member_id)
            self.record("group", group.id, "memberRemoved", member_id=member_id)

    def update_group(self, group_id: str, changes: dict[str, Any]) -> Group:
        """PATCH semantics for a group's writable properties."""
        with self.lock:
            group = self._group(group_id)
            group.props.update(changes)
            self.record("group", group.id, "upsert", properties=tuple(sorted(changes)))
            return group

    def delete_group(self, group_id: str) -> Group:
        """Microsoft 365 groups go to deleted items (30 days); security groups are gone for good."""
        with self.lock:
            group = self.groups.pop(group_id, None)
            if group is None:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{group_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            for other in self.groups.values():
                if group.id in other.members:
                    other.members.remove(group.id)
                    self.record("group", other.id, "memberRemoved", member_id=group.id)
            if "Unified" in (group.props.get("groupTypes") or []):
                group.props["deletedDateTime"] = self.now_iso()
                self.deleted_groups[group.id] = group
                self.record("group", group.id, "softDelete")
            else:
                self.owners.pop(group.id, None)
                self.record("group", group.id, "hardDelete")
            return group

    def restore_group(self, group_id: str) -> Group:
        """Bring a deleted Microsoft 365 group back from deleted items."""
        with self.lock:
            group = self.deleted_groups.pop(group_id, None)
            if group is None:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{group_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            group.props["deletedDateTime"] = None
            self.groups[group.id] = group
            self.record("group", group.id, "restore")
            return group

    def purge_deleted_group(self, group_id: str) -> None:
        with self.lock:
            if self.deleted_groups.pop(group_id, None) is None:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{group_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            self.owners.pop(group_id, None)
            self.record("group", group_id, "hardDelete")

    def add_owner(self, group_id: str, owner_id: str) -> None:
        with self.lock:
            group = self._group(group_id)
            if owner_id not in self.users:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{owner_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            owners = self.owners.setdefault(group.id, [])
            if owner_id in owners:
                raise EntraError(400, "Request_BadRequest",
                                 "One or more added object references already exist for the "
                                 "following modified properties: 'owners'.")
            owners.append(owner_id)

    def remove_owner(self, group_id: str, owner_id: str) -> None:
        with self.lock:
            owners = self.owners.get(self._group(group_id).id, [])
            if owner_id not in owners:
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{owner_id}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            owners.remove(owner_id)

    # -- manager and memberships ---------------------------------------------
    def set_manager(self, user_id: str, manager_id: str) -> None:
        """Assign a user's manager (another user; Entra does not check longer loops)."""
        with self.lock:
            if user_id not in self.users or manager_id not in self.users:
                missing = user_id if user_id not in self.users else manager_id
                raise EntraError(404, "Request_ResourceNotFound",
                                 f"Resource '{missing}' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            if manager_id == user_id:
                raise EntraError(400, "Request_BadRequest", "A user cannot be their own manager.")
            self.managers[user_id] = manager_id

    def remove_manager(self, user_id: str) -> None:
        with self.lock:
            if self.manager_of(user_id) is None:
                raise EntraError(404, "Request_ResourceNotFound",
                                 "Resource 'manager' does not exist or one of its queried "
                                 "reference-property objects are not present.")
            del self.managers[user_id]

    def manager_of(self, user_id: str) -> User | None:
        """The user's manager while both exist (a deleted manager is not shown)."""
        manager_id = self.managers.get(user_id)
        return self.users.get(manager_id) if manager_id else None

    def direct_reports(self, user_id: str) -> list[User]:
        """Users whose manager is ``user_id``, in id order."""
        return sorted((self.users[uid] for uid, mid in self.managers.items()
                       if mid == user_id and uid in self.users), key=lambda u: u.id)

    def member_of(self, object_id: str) -> list[Group]:
        """Groups with ``object_id`` as a direct member, in id order."""
        return sorted((g for g in self.groups.values() if object_id in g.members),
                      key=lambda g: g.id)

    def transitive_member_of(self, object_id: str) -> list[Group]:
        """Groups the object belongs to directly or through nested groups, each once."""
        found: dict[str, Group] = {}
        todo = [object_id]
        while todo:
            current = todo.pop()
            for group in self.member_of(current):
                if group.id not in found:
                    found[group.id] = group
                    todo.append(group.id)
        return sorted(found.values(), key=lambda g: g.id)

    def transitive_members(self, group_id: str) -> list[str]:
        """Direct and nested members, each once, groups included (as Graph lists them)."""
        seen: list[str] = []
        stack = list(self._group(group_id).members)
        visited_groups = {group_id}
        while stack:
            member = stack.pop(0)
            if member in seen:
                continue
            seen.append(member)
            if member in self.groups and member not in visited_groups:
                visited_groups.add(member)
                stack.extend(self.groups[member].members)
        return seen

    def _group(self, group_id: str) -> Group:
        group = self.groups.get(group_id)
        if group is None:
            raise EntraError(404, "Request_ResourceNotFound",
                             f"Resource '{group_id}' does not exist or one of its queried "
                             "reference-property objects are not present.")
        return group


def sid(object_id: str) -> str:
    """The security identifier Entra derives from an object id (S-1-12-1- and four numbers)."""
    try:
        raw = uuid.UUID(object_id).bytes_le
    except ValueError:
        return ""
    return "S-1-12-1-" + "-".join(str(n) for n in struct.unpack("<IIII", raw))


def _proxy_addresses(current: list[str], new_mail: str | None) -> list[str]:
    """Proxy addresses after ``mail`` changes: the new one primary (SMTP:), the old kept (smtp:)."""
    rest = [f"smtp:{a.split(':', 1)[1]}" if a.startswith("SMTP:") else a for a in current]
    if not new_mail:
        return rest
    rest = [a for a in rest if a.lower() != f"smtp:{new_mail.lower()}"]
    return [f"SMTP:{new_mail}", *rest]


class OrderedView(Sequence):
    """A read-only sequence of users in id order, backed by the tenant's own index."""

    def __init__(self, order: list[str], users: dict[str, User]) -> None:
        self._order = order
        self._users = users

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._users[uid] for uid in self._order[index]]
        return self._users[self._order[index]]

    def __iter__(self) -> Iterator[User]:
        users = self._users
        return (users[uid] for uid in self._order)
