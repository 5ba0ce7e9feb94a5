"""Logged changes as a presenter reads them aloud: names, not ids; lists as added/removed.

The run log stores old and new values as the sync core saw them (role ids, group ids,
a ``groupRoles`` map of group id to role id, department ids, Entra object ids). The
pages show them with names from the world, and keep the raw JSON for a "details" toggle.
"""

from __future__ import annotations

import json
from typing import Any

# Keys of logged objects, as people say them.
LABELS = {"roles": "roles", "groupRoles": "groups → roles", "departmentId": "department",
          "email": "e-mail", "firstName": "first name", "lastName": "last name",
          "middleName": "middle name", "jobTitle": "job title", "language": "language",
          "timeZone": "time zone", "currency": "currency", "entraObjectId": "Entra user",
          "groups": "groups", "mobilePhone": "mobile phone", "businessPhones": "business phones",
          "department": "department", "displayName": "display name", "accountEnabled": "account"}


def names_of(world) -> dict[str, str]:
    """Every id a change can mention, to its name: roles, departments, groups, users."""
    e, tenant = world.emply, world.tenant
    names: dict[str, str] = {}
    for user in list(tenant.users.values()) + list(tenant.deleted_users.values()):
        names[user.id] = user.props.get("displayName") or user.props.get("userPrincipalName") or user.id
    for group in tenant.groups.values():
        names[group.id] = group.props.get("displayName") or group.id
    for group in [*e.settings.synced_groups, *e.settings.removed_groups]:
        if group.display_name:
            names.setdefault(group.group_id, group.display_name)
    for user in e.users.values():
        names[user.id] = " ".join(p for p in (user.first_name, user.last_name) if p) or user.email
    for dept in e.departments.values():
        names[dept.id] = dept.title
    for role in e.roles.values():
        names[role.id] = role.name
    return names


def text(value: Any, names: dict[str, str]) -> str:
    """One value in words: ids as names, lists joined, booleans as on/off."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str):
        if value.startswith('W/"'):
            return "a new version (photo)"
        return names.get(value, value)
    if isinstance(value, list):
        return ", ".join(sorted(text(v, names) for v in value)) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{LABELS.get(k, k)}: {text(v, names)}" for k, v in value.items())
    return str(value)


def describe(old: Any, new: Any, names: dict[str, str]) -> dict[str, Any]:
    """A change for the page: ``added``/``removed`` lists, ``fields`` (label, old, new), or
    ``old``/``new`` words, and ``json`` for the details toggle."""
    out: dict[str, Any] = {"added": [], "removed": [], "fields": [], "old": None, "new": None,
                           "json": json.dumps({"old": old, "new": new}, indent=2, sort_keys=True)}
    if isinstance(old, list | type(None)) and isinstance(new, list) or \
            isinstance(old, list) and new is None:
        before, after = set(map(_key, old or [])), set(map(_key, new or []))
        out["added"] = sorted(text(v, names) for v in after - before)
        out["removed"] = sorted(text(v, names) for v in before - after)
        if not out["added"] and not out["removed"]:
            out["new"] = "no change"
        return out
    if isinstance(new, dict) or isinstance(old, dict):
        o, n = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
        for key in [*o, *(k for k in n if k not in o)]:
            if o.get(key) == n.get(key) and old is not None:
                continue
            out["fields"].append((LABELS.get(key, key), _field(o.get(key), names, key),
                                  _field(n.get(key), names, key)))
        return out
    out["old"], out["new"] = text(old, names), text(new, names)
    return out


def _field(value: Any, names: dict[str, str], key: str) -> str:
    if key == "groupRoles" and isinstance(value, dict):
        return ", ".join(f"{names.get(g, g)} → {text(r, names)}"
                         for g, r in sorted(value.items(), key=lambda i: names.get(i[0], i[0])))
    return text(value, names) if value is not None else "—"


def _key(value: Any) -> Any:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
