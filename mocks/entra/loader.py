"""The ``entra:`` part of the world document: load it into a tenant, dump a tenant as one.

Keys of users and groups are Graph's own property names (see docs/architecture.md).
Errors raise :class:`ValueError` naming the path inside the document, e.g.
``entra.users[3].userPrincipalName: domain 'x.com' is not a verified domain of the
tenant``. ``load(tenant, dump(tenant))`` gives the same tenant, ids kept, except
app secrets: :func:`dump` never writes them (it writes :data:`REDACTED`), and
loading the marker gives the app a fresh secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import zlib
from typing import Any

from mocks.entra import mailbox
from mocks.entra.models import (
    GROUP_PROPERTIES,
    USER_COMPLEX,
    USER_PROPERTIES,
    Calendar,
    EntraError,
    Event,
    Tenant,
    sid,
)

REDACTED = "<redacted>"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PERMISSION = re.compile(r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)+$")
DOMAIN_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
BOOLEAN_USER_PROPS = frozenset({"accountEnabled", "onPremisesSyncEnabled", "showInAddressList"})
BOOLEAN_GROUP_PROPS = frozenset({"mailEnabled", "securityEnabled", "onPremisesSyncEnabled",
                                 "isAssignableToRole"})
USER_EXTRAS = frozenset({"photo", "calendars", "manager"})
DUMP_USER_SKIP = frozenset({"deletedDateTime"})
GENERATED_TYPES = ("image/jpeg", "image/png")


def _fail(path: str, message: str) -> ValueError:
    return ValueError(f"{path}: {message}")


def _mapping(value: Any, path: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _fail(path, f"expected a mapping, got {type(value).__name__}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(path, f"expected a list, got {type(value).__name__}")
    return value


def _only(mapping: dict[str, Any], allowed: set[str] | frozenset[str], path: str) -> None:
    unknown = sorted(set(mapping) - set(allowed))
    if unknown:
        raise _fail(f"{path}.{unknown[0]}", f"unknown key (expected one of {', '.join(sorted(allowed))})")


def _guid(value: Any, path: str) -> str:
    if not isinstance(value, str) or not GUID.match(value):
        raise _fail(path, f"expected a GUID, got {value!r}")
    return value.lower()


def _str(value: Any, path: str, required: bool = False) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise _fail(path, "expected a non-empty string" if required else "expected a string")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(path, f"expected true or false, got {value!r}")
    return value


# ---------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------
def load(tenant: Tenant, doc: dict[str, Any]) -> None:
    """Fill an empty ``tenant`` from the ``entra:`` part of a world document."""
    root = "entra"
    doc = _mapping(doc, root)
    _only(doc, {"tenant", "domains", "apps", "users", "deletedUsers", "groups", "calendarShares"},
          root)
    _load_tenant(tenant, _mapping(doc.get("tenant"), f"{root}.tenant"))
    _load_domains(tenant, _list(doc.get("domains"), f"{root}.domains"))
    _load_apps(tenant, _list(doc.get("apps"), f"{root}.apps"))
    users = _list(doc.get("users"), f"{root}.users")
    deleted = _list(doc.get("deletedUsers"), f"{root}.deletedUsers")
    for i, entry in enumerate(users):
        _load_user(tenant, entry, f"{root}.users[{i}]", deleted=False)
    for i, entry in enumerate(deleted):
        _load_user(tenant, entry, f"{root}.deletedUsers[{i}]", deleted=True)
    for i, entry in enumerate(users):
        _load_manager(tenant, entry, f"{root}.users[{i}]")
    for i, entry in enumerate(deleted):
        _load_manager(tenant, entry, f"{root}.deletedUsers[{i}]")
    _load_groups(tenant, _list(doc.get("groups"), f"{root}.groups"))
    _load_shares(tenant, _list(doc.get("calendarShares"), f"{root}.calendarShares"))
    for i, entry in enumerate(deleted):
        _soft_delete(tenant, entry, f"{root}.deletedUsers[{i}]")
    # The loaded state is where every delta round starts: no token can ask for the
    # changes that built it, so only their count is kept (memory at 30,000 users).
    tenant.changes.forget()


def _load_tenant(tenant: Tenant, spec: dict[str, Any]) -> None:
    path = "entra.tenant"
    _only(spec, {"id", "displayName", "onPremisesSyncEnabled"}, path)
    if spec.get("id") is not None:
        tenant.id = _guid(spec["id"], f"{path}.id")
    if spec.get("displayName") is not None:
        tenant.display_name = _str(spec["displayName"], f"{path}.displayName", required=True)
    if spec.get("onPremisesSyncEnabled") is not None:
        tenant.on_premises_sync_enabled = _bool(spec["onPremisesSyncEnabled"],
                                                f"{path}.onPremisesSyncEnabled")


def _load_domains(tenant: Tenant, entries: list[Any]) -> None:
    defaults = 0
    for i, raw in enumerate(entries):
        path = f"entra.domains[{i}]"
        spec = _mapping(raw, path)
        _only(spec, {"name", "default", "initial", "verified", "authenticationType"}, path)
        name = (_str(spec.get("name"), f"{path}.name", required=True) or "").lower()
        if not DOMAIN_NAME.match(name):
            raise _fail(f"{path}.name", f"{name!r} is not a domain name")
        if name in tenant.domains:
            raise _fail(f"{path}.name", f"domain {name!r} is listed twice")
        default = _bool(spec.get("default", False), f"{path}.default")
        defaults += default
        auth = spec.get("authenticationType", "Managed")
        if auth not in ("Managed", "Federated"):
            raise _fail(f"{path}.authenticationType", f"expected Managed or Federated, got {auth!r}")
        domain = tenant.add_domain(name, default=default,
                                   initial=_bool(spec.get("initial", False), f"{path}.initial"),
                                   verified=_bool(spec.get("verified", True), f"{path}.verified"))
        domain.authentication_type = auth
    if defaults > 1:
        raise _fail("entra.domains", "more than one domain is marked default")
    if entries and not defaults:
        next(iter(tenant.domains.values())).is_default = True  # a tenant always has one default


def _load_apps(tenant: Tenant, entries: list[Any]) -> None:
    for i, raw in enumerate(entries):
        path = f"entra.apps[{i}]"
        spec = _mapping(raw, path)
        _only(spec, {"displayName", "clientId", "objectId", "secret", "permissions"}, path)
        name = _str(spec.get("displayName"), f"{path}.displayName", required=True)
        client_id = _guid(spec["clientId"], f"{path}.clientId") if spec.get("clientId") else None
        if client_id in tenant.apps:
            raise _fail(f"{path}.clientId", f"client id {client_id} is used by another app")
        secret = _str(spec.get("secret"), f"{path}.secret")
        if secret == REDACTED:
            secret = None  # dumps never hold secrets: the app gets a fresh one
        roles = []
        for j, perm in enumerate(_list(spec.get("permissions"), f"{path}.permissions")):
            if not isinstance(perm, str) or not PERMISSION.match(perm):
                raise _fail(f"{path}.permissions[{j}]",
                            f"{perm!r} is not a Graph permission name like User.Read.All")
            roles.append(perm)
        app = tenant.add_app(name or "", set(roles), client_id=client_id, secret=secret)
        if spec.get("objectId"):
            app.object_id = _guid(spec["objectId"], f"{path}.objectId")


def _load_user(tenant: Tenant, raw: Any, path: str, deleted: bool) -> None:
    spec = _mapping(raw, path)
    allowed = set(USER_PROPERTIES) | USER_EXTRAS
    if deleted:
        allowed |= {"formerGroups"}
    else:
        allowed.discard("deletedDateTime")
    _only(spec, allowed, path)
    props: dict[str, Any] = {}
    for name, value in spec.items():
        if name in USER_EXTRAS or name == "formerGroups":
            continue
        default = USER_PROPERTIES[name]
        if name == "id":
            value = _guid(value, f"{path}.id")
        elif name in BOOLEAN_USER_PROPS:
            value = None if value is None and name != "accountEnabled" else _bool(value, f"{path}.{name}")
        elif isinstance(default, list):
            value = [_str(v, f"{path}.{name}[{j}]", required=True)
                     for j, v in enumerate(_list(value, f"{path}.{name}"))]
        elif name in USER_COMPLEX:
            value = _complex(value, USER_COMPLEX[name], f"{path}.{name}")
        else:
            value = _str(value, f"{path}.{name}")
        props[name] = value
    upn = _str(props.get("userPrincipalName"), f"{path}.userPrincipalName", required=True) or ""
    if "@" not in upn or upn.startswith("@") or upn.endswith("@"):
        raise _fail(f"{path}.userPrincipalName", f"{upn!r} is not of the form alias@domain")
    domain = upn.rsplit("@", 1)[1].lower()
    if not tenant.verified_domain(domain):
        raise _fail(f"{path}.userPrincipalName",
                    f"domain '{domain}' is not a verified domain of the tenant")
    if tenant.user_by_id_or_upn(upn) is not None:
        raise _fail(f"{path}.userPrincipalName", f"{upn!r} is used by another user")
    _str(props.get("displayName"), f"{path}.displayName", required=True)
    props.setdefault("mailNickname", upn.split("@", 1)[0])
    if tenant.on_premises_sync_enabled and "onPremisesSyncEnabled" not in props:
        props["onPremisesSyncEnabled"] = True  # users of a synced tenant come from AD
    if props.get("id") and (props["id"] in tenant.users or props["id"] in tenant.deleted_users):
        raise _fail(f"{path}.id", f"id {props['id']} is used by another user")
    try:
        user = tenant.add_user(props)
    except EntraError as exc:
        raise _fail(path, exc.message) from exc
    _load_calendars(tenant, user.id, _list(spec.get("calendars"), f"{path}.calendars"),
                    f"{path}.calendars")
    if spec.get("photo") is not None:
        _load_photo(tenant, user.id, _mapping(spec["photo"], f"{path}.photo"), f"{path}.photo")


def _complex(value: Any, keys: tuple[str, ...], path: str) -> dict[str, Any] | None:
    """An object-valued property (employeeOrgData, onPremisesExtensionAttributes): string fields."""
    if value is None:
        return None
    spec = _mapping(value, path)
    _only(spec, set(keys), path)
    return {key: _str(spec.get(key), f"{path}.{key}") for key in keys}


def _load_manager(tenant: Tenant, raw: dict[str, Any], path: str) -> None:
    """``manager``: another user of the document, by userPrincipalName or id."""
    if raw.get("manager") is None:
        return
    user = tenant.user_by_id_or_upn(raw["userPrincipalName"])
    manager_id = _user_ref(tenant, raw["manager"], f"{path}.manager")
    try:
        tenant.set_manager(user.id, manager_id)
    except EntraError as exc:
        raise _fail(f"{path}.manager", exc.message) from exc


def _load_photo(tenant: Tenant, user_id: str, spec: dict[str, Any], path: str) -> None:
    _only(spec, {"contentType", "base64", "width", "height"}, path)
    ctype = spec.get("contentType", "image/jpeg")
    if ctype not in mailbox.PHOTO_TYPES:
        raise _fail(f"{path}.contentType", f"expected one of {', '.join(mailbox.PHOTO_TYPES)}")
    width, height = spec.get("width", 96), spec.get("height", 96)
    for key, value in (("width", width), ("height", height)):
        if not isinstance(value, int) or isinstance(value, bool) or not 8 <= value <= 648:
            raise _fail(f"{path}.{key}", "expected a whole number of pixels from 8 to 648")
    if spec.get("base64") is not None:
        try:
            content = base64.b64decode(_str(spec["base64"], f"{path}.base64") or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _fail(f"{path}.base64", "not valid base64") from exc
        size = mailbox.image_size(content, ctype) if hasattr(mailbox, "image_size") else None
        if size is not None:
            width, height = size
    else:
        if ctype not in GENERATED_TYPES:
            raise _fail(f"{path}.contentType",
                        f"only {' and '.join(GENERATED_TYPES)} photos are generated; give base64 "
                        f"for {ctype}")
        content = generated_photo(user_id, ctype, width, height)
    try:
        mailbox.set_photo(tenant, user_id, content, ctype, width, height)
    except EntraError as exc:
        raise _fail(path, exc.message) from exc


def _load_calendars(tenant: Tenant, user_id: str, entries: list[Any], path: str) -> None:
    """The user's calendars; the default one is listed only once it exists (a dump lists it),
    else :func:`mocks.entra.mailbox.default_calendar` creates it on first use."""
    has_default = False
    specs = []
    for i, raw in enumerate(entries):
        spec = _mapping(raw, f"{path}[{i}]")
        _only(spec, {"id", "name", "color", "isDefault", "events"}, f"{path}[{i}]")
        _str(spec.get("name"), f"{path}[{i}].name", required=True)
        if _bool(spec.get("isDefault", False), f"{path}[{i}].isDefault"):
            if has_default:
                raise _fail(f"{path}[{i}].isDefault", "a user has one default calendar")
            has_default = True
        specs.append(spec)
    for i, spec in enumerate(specs):
        cal_id = _str(spec.get("id"), f"{path}[{i}].id")
        if cal_id is not None and cal_id in tenant.calendars:
            raise _fail(f"{path}[{i}].id", f"calendar id {cal_id!r} is used twice")
        calendar = mailbox.add_calendar(tenant, user_id, spec["name"],
                                        _str(spec.get("color"), f"{path}[{i}].color") or "auto",
                                        is_default=bool(spec.get("isDefault")),
                                        calendar_id=cal_id)
        for j, event in enumerate(_list(spec.get("events"), f"{path}[{i}].events")):
            event = dict(_mapping(event, f"{path}[{i}].events[{j}]"))
            event_id = _str(event.pop("id", None), f"{path}[{i}].events[{j}].id")
            if event_id is None:  # written by hand: checked and completed as Graph would
                try:
                    mailbox.create_event(tenant, user_id, calendar.id, event)
                except EntraError as exc:
                    raise _fail(f"{path}[{i}].events[{j}]", exc.message) from None
            else:
                mailbox.store_event(tenant, Event(event_id, calendar.id, event))


def _load_groups(tenant: Tenant, entries: list[Any]) -> None:
    created = []
    for i, raw in enumerate(entries):
        path = f"entra.groups[{i}]"
        spec = _mapping(raw, path)
        _only(spec, set(GROUP_PROPERTIES) | {"members", "owners"}, path)
        props: dict[str, Any] = {}
        for name, value in spec.items():
            if name in ("members", "owners"):
                continue
            if name == "id":
                value = _guid(value, f"{path}.id")
            elif name in BOOLEAN_GROUP_PROPS:
                value = None if value is None and name not in ("mailEnabled", "securityEnabled") \
                    else _bool(value, f"{path}.{name}")
            elif isinstance(GROUP_PROPERTIES[name], list):
                value = [_str(v, f"{path}.{name}[{j}]", required=True)
                         for j, v in enumerate(_list(value, f"{path}.{name}"))]
            else:
                value = _str(value, f"{path}.{name}")
            props[name] = value
        _str(props.get("displayName"), f"{path}.displayName", required=True)
        try:
            group = tenant.add_group(props)
        except EntraError as exc:
            raise _fail(f"{path}.id", exc.message) from exc
        created.append((group, spec, path))
    by_name: dict[str, list[str]] = {}
    for group, _, _ in created:
        by_name.setdefault(group.props["displayName"].casefold(), []).append(group.id)
    for group, spec, path in created:  # members may name groups listed later
        for j, ref in enumerate(_list(spec.get("members"), f"{path}.members")):
            member_id = _resolve_member(tenant, ref, by_name, f"{path}.members[{j}]")
            if member_id == group.id:
                raise _fail(f"{path}.members[{j}]", "a group cannot be a member of itself")
            if member_id in group.members:
                raise _fail(f"{path}.members[{j}]", f"{ref!r} is listed twice")
            tenant.add_member(group.id, member_id)
        for j, ref in enumerate(_list(spec.get("owners"), f"{path}.owners")):
            owner_id = _user_ref(tenant, ref, f"{path}.owners[{j}]")
            if owner_id in tenant.owners.get(group.id, []):
                raise _fail(f"{path}.owners[{j}]", f"{ref!r} is listed twice")
            tenant.add_owner(group.id, owner_id)


def _resolve_member(tenant: Tenant, ref: Any, by_name: dict[str, list[str]], path: str) -> str:
    """A member reference: a user's UPN or id, a group's id, or a group's displayName."""
    if not isinstance(ref, str) or not ref.strip():
        raise _fail(path, "expected a userPrincipalName, an object id or a group displayName")
    user = tenant.user_by_id_or_upn(ref)
    if user is not None:
        return user.id
    if ref.lower() in tenant.groups:
        return ref.lower()
    ids = by_name.get(ref.casefold(), [])
    if len(ids) > 1:
        raise _fail(path, f"{len(ids)} groups are named {ref!r}; use the group's id")
    if ids:
        return ids[0]
    raise _fail(path, f"no user or group {ref!r} in the document")


def _load_shares(tenant: Tenant, entries: list[Any]) -> None:
    for i, raw in enumerate(entries):
        path = f"entra.calendarShares[{i}]"
        spec = _mapping(raw, path)
        _only(spec, {"owner", "calendar", "with", "role"}, path)
        owner = _user_ref(tenant, spec.get("owner"), f"{path}.owner")
        other = _user_ref(tenant, spec.get("with"), f"{path}.with")
        if owner == other:
            raise _fail(f"{path}.with", "a calendar is not shared with its own owner")
        name = _str(spec.get("calendar"), f"{path}.calendar", required=True)
        calendar = _calendar_ref(tenant, owner, name or "", f"{path}.calendar")
        try:
            mailbox.share_calendar(tenant, calendar.id, other,
                                   _str(spec.get("role", "read"), f"{path}.role") or "read")
        except EntraError as exc:
            raise _fail(f"{path}.role", exc.message) from exc


def _user_ref(tenant: Tenant, ref: Any, path: str) -> str:
    user = tenant.user_by_id_or_upn(ref) if isinstance(ref, str) and ref else None
    if user is None:
        raise _fail(path, f"no user {ref!r} in the document")
    return user.id


def _calendar_ref(tenant: Tenant, owner_id: str, ref: str, path: str) -> Calendar:
    own = [tenant.calendars[c] for c in tenant.calendars_by_owner.get(owner_id, ())]
    for calendar in own:
        if calendar.id == ref:
            return calendar
    named = [c for c in own if c.name.casefold() == ref.casefold()]
    if len(named) == 1:
        return named[0]
    if named:
        raise _fail(path, f"the owner has {len(named)} calendars named {ref!r}; use the id")
    raise _fail(path, f"the owner has no calendar {ref!r}")


def _soft_delete(tenant: Tenant, raw: dict[str, Any], path: str) -> None:
    upn = raw["userPrincipalName"]
    user = tenant.user_by_id_or_upn(upn)
    assert user is not None  # loaded above
    tenant.delete_user(user.id)
    when = raw.get("deletedDateTime")
    if when is not None:
        user.props["deletedDateTime"] = _str(when, f"{path}.deletedDateTime")
    former = []
    for j, gid in enumerate(_list(raw.get("formerGroups"), f"{path}.formerGroups")):
        gid = _guid(gid, f"{path}.formerGroups[{j}]")
        if gid not in tenant.groups:
            raise _fail(f"{path}.formerGroups[{j}]", f"no group {gid}")
        former.append(gid)
    user.deleted_memberships = former


# ---------------------------------------------------------------------------
# dump
# ---------------------------------------------------------------------------
def dump(tenant: Tenant) -> dict[str, Any]:
    """The tenant as the ``entra:`` part of a world document (app secrets redacted)."""
    calendars_by_owner: dict[str, list[Calendar]] = {}
    for calendar in tenant.calendars.values():
        calendars_by_owner.setdefault(calendar.owner_id, []).append(calendar)
    events_by_calendar: dict[str, list[Event]] = {}
    for event in tenant.events.values():
        events_by_calendar.setdefault(event.calendar_id, []).append(event)

    def user_doc(user, deleted: bool) -> dict[str, Any]:
        doc = {k: (list(v) if isinstance(v, list) else v) for k, v in user.props.items()
               if k not in DUMP_USER_SKIP and v != USER_PROPERTIES.get(k, object())}
        for key in ("id", "userPrincipalName", "displayName", "accountEnabled", "mailNickname"):
            doc[key] = user.props.get(key)
        if doc.get("proxyAddresses") == [f"SMTP:{user.props.get('mail')}"]:
            del doc["proxyAddresses"]  # derived from mail again on load
        if tenant.managers.get(user.id):
            doc["manager"] = tenant.managers[user.id]
        if deleted:
            doc["deletedDateTime"] = user.props.get("deletedDateTime")
            doc["formerGroups"] = list(user.deleted_memberships)
        cals = sorted(calendars_by_owner.get(user.id, []), key=lambda c: (not c.is_default, c.id))
        if cals:
            doc["calendars"] = [
                {"id": c.id, "name": c.name, "color": c.color, "isDefault": c.is_default,
                 "events": [{"id": e.id, **e.props} for e in events_by_calendar.get(c.id, [])]}
                for c in cals]
        photo = tenant.photos.get(user.id)
        if photo is not None:
            pdoc: dict[str, Any] = {"contentType": photo.content_type, "width": photo.width,
                                    "height": photo.height}
            if photo.content_type not in GENERATED_TYPES or photo.content != generated_photo(
                    user.id, photo.content_type, photo.width, photo.height):
                pdoc["base64"] = base64.b64encode(photo.content).decode()
            doc["photo"] = pdoc
        return doc

    def group_doc(group) -> dict[str, Any]:
        doc = {k: v for k, v in group.props.items()
               if v != GROUP_PROPERTIES.get(k, object()) or k in ("id", "displayName")}
        if doc.get("renewedDateTime") == doc.get("createdDateTime"):
            del doc["renewedDateTime"]  # derived again on load
        if doc.get("securityIdentifier") == sid(group.id):
            del doc["securityIdentifier"]
        doc["members"] = list(group.members)
        if tenant.owners.get(group.id):
            doc["owners"] = list(tenant.owners[group.id])
        return doc

    shares = []
    for calendar in tenant.calendars.values():
        owner = tenant.users.get(calendar.owner_id) or tenant.deleted_users.get(calendar.owner_id)
        for uid, role in calendar.shared_with.items():
            other = tenant.users.get(uid) or tenant.deleted_users.get(uid)
            if owner is not None and other is not None:
                shares.append({"owner": owner.id, "calendar": calendar.id, "with": other.id,
                               "role": role})
    return {
        "tenant": {"id": tenant.id, "displayName": tenant.display_name,
                   "onPremisesSyncEnabled": tenant.on_premises_sync_enabled},
        "domains": [{"name": d.id, "default": d.is_default, "initial": d.is_initial,
                     "verified": d.is_verified, "authenticationType": d.authentication_type}
                    for d in tenant.domains.values()],
        "apps": [{"displayName": a.display_name, "clientId": a.client_id,
                  "objectId": a.object_id, "secret": REDACTED,
                  "permissions": sorted(a.roles)} for a in tenant.apps.values()],
        "users": [user_doc(u, False) for u in tenant.users.values()],
        "deletedUsers": [user_doc(u, True) for u in tenant.deleted_users.values()],
        "groups": [group_doc(g) for g in tenant.groups.values()],
        "calendarShares": shares,
    }


# ---------------------------------------------------------------------------
# generated photos: small, valid, different for every user, the same every run
# ---------------------------------------------------------------------------
def generated_photo(seed: str, content_type: str, width: int = 96, height: int = 96) -> bytes:
    """A solid-colour JPEG or PNG whose colour (and bytes) follow from ``seed``."""
    digest = hashlib.sha256(seed.encode()).digest()
    rgb = (64 + digest[0] % 160, 64 + digest[1] % 160, 64 + digest[2] % 160)
    if content_type == "image/png":
        return _png(rgb, width, height)
    return _jpeg(rgb, width, height, comment=seed.encode())


def _png(rgb: tuple[int, int, int], width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height, 9))
            + chunk(b"IEND", b""))


def _jpeg(rgb: tuple[int, int, int], width: int, height: int, comment: bytes) -> bytes:
    """Baseline JPEG, YCbCr 4:4:4, every 8x8 block flat (DC only), tiny Huffman tables."""
    r, g, b = rgb
    levels = (0.299 * r + 0.587 * g + 0.114 * b,
              128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
              128 + 0.5 * r - 0.418688 * g - 0.081312 * b)
    # With a quantisation table of ones, a flat block's DC coefficient is 8 * (level - 128).
    dcs = [round(8 * (level - 128)) for level in levels]

    def segment(marker: int, data: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(data) + 2) + data

    bits: list[str] = []
    blocks = ((width + 7) // 8) * ((height + 7) // 8)
    previous = [0, 0, 0]
    for _ in range(blocks):
        for comp in range(3):
            diff = dcs[comp] - previous[comp]
            previous[comp] = dcs[comp]
            size = abs(diff).bit_length()
            bits.append(format(size, "04b"))  # DC table: 12 symbols, 4-bit codes
            if size:
                value = diff if diff > 0 else diff + (1 << size) - 1
                bits.append(format(value, f"0{size}b"))
            bits.append("00")  # AC table: end of block
    stream = "".join(bits)
    stream += "1" * (-len(stream) % 8)
    data = bytearray()
    for i in range(0, len(stream), 8):
        byte = int(stream[i:i + 8], 2)
        data.append(byte)
        if byte == 0xFF:
            data.append(0x00)  # byte stuffing
    dc_bits = bytes([0, 0, 0, 12] + [0] * 12)
    ac_bits = bytes([0, 1] + [0] * 14)
    return (b"\xff\xd8"
            + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + segment(0xFE, comment[:60000])
            + segment(0xDB, b"\x00" + b"\x01" * 64)
            + segment(0xC0, struct.pack(">BHHB", 8, height, width, 3)
                      + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00")
            + segment(0xC4, b"\x00" + dc_bits + bytes(range(12)))
            + segment(0xC4, b"\x10" + ac_bits + b"\x00")
            + segment(0xDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00")
            + bytes(data) + b"\xff\xd9")
