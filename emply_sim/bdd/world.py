"""Build a world document (docs/architecture.md) from the tables of a Gherkin scenario.

Given steps only describe the world; :meth:`WorldBuilder.document` turns what they
said into the document that ``POST /_sim/load`` takes. People and groups are named
as the feature names them; an e-mail address is made from a person's name unless a
table gives one. The document always holds two app registrations and an Emply API
key whose secrets the steps know, because a load replaces every secret.
"""

from __future__ import annotations

import copy
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

INTEGRATION_APP = "Emply People"  # the app registration the hosted sync uses
INTEGRATION_CLIENT_ID = "7d4a1c2e-0b3f-4e5d-9a6c-1b2c3d4e5f60"
INTEGRATION_SECRET = "emply-sim-integration-secret"
INTEGRATION_PERMISSIONS = ["User.ReadWrite.All", "GroupMember.Read.All", "ProfilePhoto.Read.All",
                           "Calendars.ReadWrite", "Organization.Read.All"]
QA_APP = "QA console"  # the app registration the steps use to act as an Entra administrator
QA_CLIENT_ID = "8e5b2d3f-1c4a-4f6e-8b7d-2c3d4e5f6a71"
QA_SECRET = "emply-sim-qa-secret"
QA_PERMISSIONS = ["Directory.ReadWrite.All", "User.ReadWrite.All", "Group.ReadWrite.All",
                  "ProfilePhoto.ReadWrite.All", "Calendars.ReadWrite", "Organization.Read.All"]
API_KEY_NAME = "qa"
API_KEY = "emply-sim-qa-api-key"
DEFAULT_CUSTOMER = "contoso"

# The integration's on/off settings as docs/rules.md names them -> Emply API names.
SETTINGS = {
    "update roles after first sync": "updateRolesAfterFirstSync",
    "calendar sync": "calendarSync",
    "update entra id": "updateEntra",
    "delete in entra id": "deleteInEntra",
    "create in entra id": "createInEntra",
}
YES = {"yes", "y", "true", "on", "x"}
NO = {"", "no", "n", "false", "off", "-"}


class WorldTableError(ValueError):
    """A Given step or table the builder cannot turn into a world document."""


def setting_key(words: str) -> str:
    """The Emply API name of a setting given in words ("calendar sync" -> calendarSync)."""
    key = SETTINGS.get(" ".join(words.lower().split()))
    if key is None:
        raise WorldTableError(f"unknown setting {words!r}; the settings are: "
                              f"{', '.join(repr(s) for s in SETTINGS)}")
    return key


def split_list(text: str) -> list[str]:
    """``"A, B and C"`` -> ``["A", "B", "C"]`` (quotes around items are dropped)."""
    parts = re.split(r",|\band\b", text or "")
    return [p.strip().strip('"').strip() for p in parts if p.strip().strip('"').strip()]


def flag(value: str | None, column: str) -> bool:
    text = (value or "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise WorldTableError(f"column {column!r}: expected yes or no, got {value!r}")


def table_rows(datatable: list[list[str]]) -> list[dict[str, str]]:
    """A Gherkin data table as dicts keyed by the lower-cased header cells."""
    if not datatable or len(datatable) < 2:
        raise WorldTableError("the step needs a table with a header row and at least one row")
    header = [" ".join(cell.lower().split()) for cell in datatable[0]]
    return [{h: (cell or "").strip() for h, cell in zip(header, row, strict=True)}
            for row in datatable[1:]]


def email_from_name(name: str, domain: str) -> str:
    """``"Jo Smith"`` -> ``jo.smith@<domain>``."""
    local = ".".join(re.sub(r"[^a-z0-9]+", " ", name.lower()).split())
    if not local:
        raise WorldTableError(f"cannot make an e-mail address from the name {name!r}")
    return f"{local}@{domain}"


@dataclass
class Person:
    """Someone the scenario names, with the addresses the world knows them by."""

    name: str
    email: str
    upn: str | None = None  # set when the person is an Entra user
    entra: dict[str, Any] = field(default_factory=dict)


class WorldBuilder:
    """Collects what Given steps say about the world and writes the world document."""

    def __init__(self, seed: int = 1, clock: str = "2026-01-05T08:00:00Z") -> None:
        self.base: dict[str, Any] | None = None
        self.seed = seed
        self.clock = clock
        self.tenant: dict[str, Any] = {"displayName": "Contoso"}
        self.tenant_given = False
        self.domains: list[str] = []
        self.people: dict[str, Person] = {}
        self.groups: dict[str, list[str]] = {}
        self.shares: list[dict[str, str]] = []
        self.customer = DEFAULT_CUSTOMER
        self.roles: dict[str, bool] = {}  # name -> administrator
        self.departments: list[str] = []
        self.employees: list[dict[str, Any]] = []
        self.emply_users: list[dict[str, Any]] = []
        self.synced_groups: list[dict[str, Any]] = []
        self.settings: dict[str, Any] = {}
        self.configured = True

    # -- what the Given steps say -------------------------------------------------------
    def use_document(self, doc: dict[str, Any]) -> None:
        """Start from a whole world document (a built-in scenario); tables add to it."""
        self.base = copy.deepcopy(doc)
        for key in ("name", "description", "generate"):
            self.base.pop(key, None)
        entra = self.base.get("entra") or {}
        for user in entra.get("users") or []:
            name = user.get("displayName") or user["userPrincipalName"]
            email = user.get("mail") or user["userPrincipalName"]
            self.people[name] = Person(name, email, user["userPrincipalName"])
        for user in (self.base.get("emply") or {}).get("users") or []:
            name = " ".join(p for p in (user.get("firstName"), user.get("lastName")) if p)
            if name and name not in self.people and user.get("email"):
                self.people[name] = Person(name, user["email"])
        self.customer = (self.base.get("emply") or {}).get("customer") or self.customer

    def set_tenant(self, name: str, domains: list[str], hybrid: bool | None = None) -> None:
        self.tenant["displayName"] = name
        self.tenant_given = True
        if hybrid is not None:
            self.tenant["onPremisesSyncEnabled"] = hybrid
        for domain in domains:
            if domain.lower() not in self.domains:
                self.domains.append(domain.lower())

    @property
    def default_domain(self) -> str:
        if self.domains:
            return self.domains[0]
        if self.base:
            domains = (self.base.get("entra") or {}).get("domains") or []
            default = next((d for d in domains if d.get("default")), domains[0] if domains else None)
            if default:
                return default["name"]
        return "contoso.com"

    def add_entra_user(self, row: dict[str, str]) -> Person:
        name = _required(row, "name")
        email = row.get("email") or email_from_name(name, self.default_domain)
        upn = row.get("upn") or email
        given, _, surname = name.partition(" ")
        props: dict[str, Any] = {"userPrincipalName": upn, "displayName": name,
                                 "givenName": given, "surname": surname or None}
        mail = row.get("mail", email)
        if mail.lower() not in ("none", "(none)", "empty", ""):
            props["mail"] = mail
        for column, prop in (("job title", "jobTitle"), ("department", "department"),
                             ("mobile phone", "mobilePhone")):
            if row.get(column):
                props[prop] = row[column]
        if row.get("account"):
            props["accountEnabled"] = row["account"].lower() not in ("disabled", "off", "no")
        if "hybrid" in row and row["hybrid"]:
            props["onPremisesSyncEnabled"] = flag(row["hybrid"], "hybrid")
        photo = row.get("photo", "")
        if photo and photo.lower() not in NO:
            props["photo"] = {"contentType": photo if photo.startswith("image/") else "image/jpeg"}
        if row.get("calendars"):
            props["calendars"] = [{"name": c} for c in split_list(row["calendars"])]
        person = self.people.get(name) or Person(name, mail if "mail" in props else email)
        person.upn, person.entra = upn, props
        if "mail" in props:
            person.email = props["mail"]
        self.people[name] = person
        return person

    def add_generated_members(self, count: int, group: str) -> None:
        """``count`` more Entra users, named after the group, all direct members of it."""
        existing = sum(1 for n in self.people if n.startswith(f"{group} member "))
        names = [f"{group} member {existing + i + 1:03d}" for i in range(count)]
        for name in names:
            self.add_entra_user({"name": name})
        self.groups.setdefault(group, []).extend(names)

    def add_group(self, name: str, members: list[str]) -> None:
        self.groups.setdefault(name, []).extend(members)

    def add_roles(self, names: list[str], administrator: bool = False) -> None:
        for name in names:
            self.roles[name] = administrator

    def add_departments(self, titles: list[str]) -> None:
        self.departments.extend(t for t in titles if t not in self.departments)

    def add_employee(self, row: dict[str, str], *, with_account: bool = False) -> dict[str, Any]:
        name = _required(row, "name")
        email = row.get("email") or self.email_of(name, create=True)
        first, _, last = name.partition(" ")
        employee: dict[str, Any] = {"number": str(1001 + len(self.employees)), "firstName": first,
                                    "lastName": last or first, "email": email}
        if row.get("job title"):
            employee["jobTitle"] = row["job title"]
        if row.get("department"):
            employee["department"] = self._department(row["department"])
        if row.get("mobile phone"):
            employee["phones"] = {"mobile": row["mobile phone"]}
        if row.get("resignation date"):
            employee["resignationDate"] = row["resignation date"]
        self.employees.append(employee)
        return employee

    def add_emply_user(self, row: dict[str, str]) -> None:
        name = _required(row, "name")
        email = row.get("email") or self.email_of(name, create=True)
        self.people.setdefault(name, Person(name, email))
        first, _, last = name.partition(" ")
        user: dict[str, Any] = {"email": email, "firstName": first, "lastName": last or first}
        roles = split_list(row.get("roles", ""))
        for role in roles:
            self.roles.setdefault(role, False)
        if roles:
            user["roles"] = roles
        if row.get("department"):
            user["department"] = self._department(row["department"])
        if flag(row.get("connected to an employee") or row.get("employee"), "employee"):
            self.add_employee({**row, "email": email})
            user["employee"] = email
        status = (row.get("status") or "active").lower()
        if status == "deactivated":
            user["status"] = "deactivated"
            user["deactivation"] = {"reason": "manual", "by": "system"}
        elif status != "active":
            raise WorldTableError(f"column 'status': expected active or deactivated, got {status!r}")
        self.emply_users.append(user)

    def sync_groups(self, rows: list[dict[str, str]]) -> None:
        for row in rows:
            group = _required(row, "group")
            entry: dict[str, Any] = {"group": group}
            if row.get("role"):
                self.roles.setdefault(row["role"], False)
                entry["role"] = row["role"]
            if row.get("department"):
                entry["department"] = self._department(row["department"])
            for column, key in (("language", "language"), ("time zone", "timeZone"),
                                ("currency", "currency")):
                if row.get(column):
                    entry[key] = row[column]
            self.synced_groups.append(entry)

    def set_setting(self, words: str, on: bool) -> None:
        self.settings[setting_key(words)] = on

    def set_threshold(self, minimum: int, ratio: float) -> None:
        self.settings["deactivationThreshold"] = {"minimum": minimum, "ratio": ratio}

    def share_calendar(self, owner: str, calendar: str, other: str, role: str) -> None:
        self.shares.append({"owner": self.upn_of(owner), "calendar": calendar,
                            "with": self.upn_of(other), "role": role})

    # -- names --------------------------------------------------------------------------
    def email_of(self, name: str, create: bool = False) -> str:
        person = self.people.get(name)
        if person is not None:
            return person.email
        if not create:
            raise WorldTableError(f"nobody named {name!r} in the world so far; name them in a "
                                  "table of Entra or Emply users first")
        return email_from_name(name, self.default_domain)

    def upn_of(self, name: str) -> str:
        person = self.people.get(name)
        if person is None or person.upn is None:
            raise WorldTableError(f"{name!r} is not an Entra user of this world")
        return person.upn

    def _department(self, title: str) -> str:
        if title not in self.departments:
            self.departments.append(title)
        return title

    def _member_ref(self, name: str) -> str:
        if name in self.groups or self._base_group(name):
            return name  # the loader resolves a group's displayName
        return self.upn_of(name)

    def _base_group(self, name: str) -> bool:
        groups = ((self.base or {}).get("entra") or {}).get("groups") or []
        return any(g.get("displayName") == name for g in groups)

    # -- the document -------------------------------------------------------------------
    def document(self) -> dict[str, Any]:
        """The world document for ``POST /_sim/load``."""
        doc = copy.deepcopy(self.base) if self.base else {}
        doc.setdefault("seed", self.seed)
        doc.setdefault("clock", self.clock)
        entra = doc.setdefault("entra", {})
        tenant = entra.setdefault("tenant", {})
        if not self.base or self.tenant_given:
            tenant.update(self.tenant)
        domains = entra.setdefault("domains", [])
        known = {d["name"] for d in domains}
        for domain in self.domains or ([] if domains else [self.default_domain]):
            if domain not in known:
                domains.append({"name": domain, "default": not domains})
        apps = [a for a in entra.get("apps") or [] if a.get("displayName") not in
                (INTEGRATION_APP, QA_APP)]
        entra["apps"] = [
            {"displayName": INTEGRATION_APP, "clientId": INTEGRATION_CLIENT_ID,
             "secret": INTEGRATION_SECRET, "permissions": INTEGRATION_PERMISSIONS},
            {"displayName": QA_APP, "clientId": QA_CLIENT_ID, "secret": QA_SECRET,
             "permissions": QA_PERMISSIONS},
            *apps]
        users = entra.setdefault("users", [])
        known_upns = {u["userPrincipalName"].lower() for u in users}
        for person in self.people.values():
            if person.entra and person.upn and person.upn.lower() not in known_upns:
                users.append(person.entra)
        groups = entra.setdefault("groups", [])
        by_name = {g["displayName"]: g for g in groups}
        for name, members in self.groups.items():
            group = by_name.get(name)
            if group is None:
                group = {"displayName": name, "securityEnabled": True, "members": []}
                groups.append(group)
                by_name[name] = group
            refs = group.setdefault("members", [])
            for member in members:
                ref = self._member_ref(member)
                if ref not in refs:
                    refs.append(ref)
        if self.shares:
            entra.setdefault("calendarShares", []).extend(self.shares)

        emply = doc.setdefault("emply", {})
        emply.setdefault("customer", self.customer)
        keys = [k for k in emply.get("apiKeys") or [] if k.get("name") != API_KEY_NAME]
        emply["apiKeys"] = [{"name": API_KEY_NAME, "key": API_KEY,
                             "permissions": ["read", "write", "settings"]}, *keys]
        roles = emply.setdefault("roles", [])
        role_names = {r["name"] for r in roles}
        for name, admin in self.roles.items():
            if name not in role_names:
                roles.append({"name": name, "isAdministrator": admin})
        departments = emply.setdefault("departments", [])
        titles = {d["title"] for d in departments}
        departments.extend({"title": t} for t in self.departments if t not in titles)
        emply.setdefault("employees", []).extend(self.employees)
        emply.setdefault("users", []).extend(self.emply_users)
        integration = emply.setdefault("integration", {})
        if not self.configured:
            emply["integration"] = {"tenant": None}
        else:
            if self.synced_groups:
                integration.setdefault("syncedGroups", []).extend(self.synced_groups)
            integration.update(self.settings)
        return doc


def new_tenant_id() -> str:
    """A tenant id no world of the builder uses (for the TEN-1 refusal)."""
    return str(uuid.uuid4())


def _required(row: dict[str, str], column: str) -> str:
    value = row.get(column)
    if not value:
        raise WorldTableError(f"the table needs a {column!r} column with a value in every row "
                              f"(got {row})")
    return value
