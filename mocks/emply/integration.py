"""The Entra ID integration's settings, as Emply People holds them, and their rules.

Changes are applied to a copy and checked as a whole before anything is kept, so a
refused change leaves the settings exactly as they were. Rules enforced here:
TEN-1 (one tenant), SYNC-9 (no synced group mapped to an administrator role),
SYNC-11 (no write-to-Entra option in a hybrid tenant), SAFE-2 (threshold bounds).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mocks.clock import isoformat_z
from mocks.emply import errors as v
from mocks.emply.errors import EmplyError

# API name -> attribute name of the on/off settings; all default off.
TOGGLES = {
    "updateRolesAfterFirstSync": "update_roles_after_first_sync",
    "calendarSync": "calendar_sync",
    "updateEntra": "update_entra",
    "deleteInEntra": "delete_in_entra",
    "createInEntra": "create_in_entra",
}
WRITE_TO_ENTRA = ("updateEntra", "deleteInEntra", "createInEntra")
SETTABLE = frozenset({"tenant", "syncedGroups", "deactivationThreshold", *TOGGLES})
GROUP_FIELDS = frozenset({"groupId", "displayName", "roleId", "departmentId", "language",
                          "timeZone", "currency"})


@dataclass
class TenantRef:
    """The one integrated Entra tenant (TEN-1); hybrid when synced from on-premises AD."""

    id: str
    domains: list[str] = field(default_factory=list)
    on_premises_sync_enabled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "domains": list(self.domains),
                "onPremisesSyncEnabled": self.on_premises_sync_enabled}


@dataclass
class SyncedGroup:
    """One synced Entra group with its mapped role and the defaults of SYNC-12."""

    group_id: str
    display_name: str | None = None
    role_id: str | None = None
    department_id: str | None = None
    language: str | None = None
    time_zone: str | None = None
    currency: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"groupId": self.group_id, "displayName": self.display_name,
                "roleId": self.role_id, "departmentId": self.department_id,
                "language": self.language, "timeZone": self.time_zone, "currency": self.currency}


@dataclass
class RemovedGroup:
    """A group taken out of the integration, kept so the sync leaves its role alone (SYNC-4)."""

    group_id: str
    display_name: str | None
    role_id: str | None
    removed_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"groupId": self.group_id, "displayName": self.display_name,
                "roleId": self.role_id, "removedAt": isoformat_z(self.removed_at)}


@dataclass
class Threshold:
    """SAFE-2: a run is held when it would deactivate at least ``minimum`` and over ``ratio``."""

    minimum: int = 10
    ratio: float = 0.2

    def to_dict(self) -> dict[str, Any]:
        return {"minimum": self.minimum, "ratio": self.ratio}


@dataclass
class IntegrationSettings:
    tenant: TenantRef | None = None
    synced_groups: list[SyncedGroup] = field(default_factory=list)
    removed_groups: list[RemovedGroup] = field(default_factory=list)
    update_roles_after_first_sync: bool = False
    calendar_sync: bool = False
    update_entra: bool = False
    delete_in_entra: bool = False
    create_in_entra: bool = False
    threshold: Threshold = field(default_factory=Threshold)

    @property
    def configured(self) -> bool:
        return self.tenant is not None

    @property
    def hybrid(self) -> bool:
        return bool(self.tenant and self.tenant.on_premises_sync_enabled)

    def group(self, group_id: str) -> SyncedGroup | None:
        return next((g for g in self.synced_groups if g.group_id == group_id), None)

    def to_dict(self) -> dict[str, Any]:
        """The settings as the API shows them."""
        out: dict[str, Any] = {
            "configured": self.configured,
            "tenant": self.tenant.to_dict() if self.tenant else None,
            "syncedGroups": [g.to_dict() for g in self.synced_groups],
        }
        out.update({name: getattr(self, attr) for name, attr in TOGGLES.items()})
        out["deactivationThreshold"] = self.threshold.to_dict()
        out["removedGroups"] = [g.to_dict() for g in self.removed_groups]
        return out


def changed(settings: IntegrationSettings, body: dict[str, Any], *, roles: dict,
            departments: dict, now: datetime) -> tuple[IntegrationSettings, list[tuple[str, Any, Any]]]:
    """Apply a PATCH-style ``body`` to a copy of ``settings``; return it and what changed.

    ``roles`` and ``departments`` are the customer's, by id (for the references of
    synced groups). Raises :class:`EmplyError` and leaves ``settings`` untouched
    when anything in ``body`` is refused.
    """
    if not isinstance(body, dict):
        raise EmplyError(400, "invalid_body", "The settings change must be a JSON object.")
    if "configured" in body or "removedGroups" in body:
        raise EmplyError(400, "read_only_field",
                         "'configured' and 'removedGroups' are read-only; set 'tenant' to configure "
                         "the integration and DELETE it to remove it.")
    v.unknown_fields(body, SETTABLE, "the integration settings")
    new = copy.deepcopy(settings)
    if "tenant" in body:
        new.tenant = _tenant(settings.tenant, body["tenant"])
    for name, attr in TOGGLES.items():
        if name in body:
            setattr(new, attr, v.boolean(body[name], name))
    if "deactivationThreshold" in body:
        new.threshold = _threshold(new.threshold, body["deactivationThreshold"])
    if "syncedGroups" in body:
        new.synced_groups = _groups(body["syncedGroups"], roles, departments)
        kept = {g.group_id for g in new.synced_groups}
        new.removed_groups = [r for r in new.removed_groups if r.group_id not in kept]
        for old in settings.synced_groups:
            if old.group_id not in kept:
                new.removed_groups.append(
                    RemovedGroup(old.group_id, old.display_name, old.role_id, now))
    check(new, roles)
    before, after = settings.to_dict(), new.to_dict()
    diffs = [(key, before[key], after[key]) for key in after
             if key not in ("configured", "removedGroups") and before[key] != after[key]]
    return new, diffs


def check(settings: IntegrationSettings, roles: dict) -> None:
    """The rules a whole set of settings must satisfy (SYNC-9, SYNC-11)."""
    for group in settings.synced_groups:
        role = roles.get(group.role_id) if group.role_id else None
        if role is not None and role.is_admin:
            raise EmplyError(422, "admin_role_mapping_refused",
                             f"Synced group '{group.display_name or group.group_id}' cannot be "
                             f"mapped to the administrator role '{role.name}': the sync never "
                             "grants administrator access (SYNC-9).")
    if settings.hybrid:
        on = [name for name in WRITE_TO_ENTRA if getattr(settings, TOGGLES[name])]
        if on:
            raise EmplyError(422, "hybrid_tenant_write_refused",
                             f"The tenant is synced from on-premises Active Directory, so "
                             f"{', '.join(on)} cannot be on: the integration is one-way in a "
                             "hybrid tenant (SYNC-11).")


def _tenant(current: TenantRef | None, value: Any) -> TenantRef:
    if value is None:
        raise EmplyError(400, "invalid_value",
                         "'tenant' cannot be set to null; remove the integration with DELETE instead.")
    if not isinstance(value, dict):
        raise EmplyError(400, "invalid_value", "'tenant' must be an object with id, domains "
                                               "and onPremisesSyncEnabled.")
    v.unknown_fields(value, {"id", "domains", "onPremisesSyncEnabled"}, "tenant")
    tenant_id = v.text(value.get("id"), "tenant.id", required=current is None)
    if current is not None and tenant_id is not None and tenant_id.lower() != current.id.lower():
        raise EmplyError(409, "tenant_already_configured",
                         f"The integration is already configured for tenant '{current.id}'; only "
                         f"one tenant can be integrated, so tenant '{tenant_id}' is refused. Remove "
                         "the integration first to integrate another tenant (TEN-1).")
    result = copy.deepcopy(current) if current else TenantRef(str(tenant_id))
    if "domains" in value:
        result.domains = [d.lower() for d in v.string_list(value["domains"], "tenant.domains")]
    if "onPremisesSyncEnabled" in value:
        result.on_premises_sync_enabled = v.boolean(value["onPremisesSyncEnabled"],
                                                    "tenant.onPremisesSyncEnabled")
    return result


def _threshold(current: Threshold, value: Any) -> Threshold:
    if not isinstance(value, dict):
        raise EmplyError(400, "invalid_value",
                         "'deactivationThreshold' must be an object with minimum and ratio.")
    v.unknown_fields(value, {"minimum", "ratio"}, "deactivationThreshold")
    result = Threshold(current.minimum, current.ratio)
    if "minimum" in value:
        minimum = value["minimum"]
        if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 1:
            raise EmplyError(422, "invalid_value",
                             "'deactivationThreshold.minimum' must be a whole number of at least 1.")
        result.minimum = minimum
    if "ratio" in value:
        ratio = value["ratio"]
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 <= ratio <= 1:
            raise EmplyError(422, "invalid_value",
                             "'deactivationThreshold.ratio' must be a number from 0 to 1.")
        result.ratio = float(ratio)
    return result


def _groups(value: Any, roles: dict, departments: dict) -> list[SyncedGroup]:
    if not isinstance(value, list):
        raise EmplyError(400, "invalid_value", "'syncedGroups' must be a list, in sync order.")
    result: list[SyncedGroup] = []
    for index, item in enumerate(value):
        where = f"syncedGroups[{index}]"
        if not isinstance(item, dict):
            raise EmplyError(400, "invalid_value", f"'{where}' must be an object.")
        v.unknown_fields(item, GROUP_FIELDS, where)
        group = SyncedGroup(
            group_id=str(v.text(item.get("groupId"), f"{where}.groupId", required=True)),
            display_name=v.text(item.get("displayName"), f"{where}.displayName"),
            role_id=v.text(item.get("roleId"), f"{where}.roleId"),
            department_id=v.text(item.get("departmentId"), f"{where}.departmentId"),
            language=v.text(item.get("language"), f"{where}.language"),
            time_zone=v.text(item.get("timeZone"), f"{where}.timeZone"),
            currency=v.text(item.get("currency"), f"{where}.currency"),
        )
        if any(g.group_id.lower() == group.group_id.lower() for g in result):
            raise EmplyError(422, "duplicate_group",
                             f"Group '{group.group_id}' appears twice in 'syncedGroups'.")
        if group.role_id is not None and group.role_id not in roles:
            raise EmplyError(422, "unknown_role",
                             f"'{where}.roleId': no role with id '{group.role_id}'.")
        if group.department_id is not None and group.department_id not in departments:
            raise EmplyError(422, "unknown_department",
                             f"'{where}.departmentId': no department with id '{group.department_id}'.")
        result.append(group)
    return result
