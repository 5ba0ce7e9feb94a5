"""Generated worlds: realistic tenants of any size from a seed, as world documents.

:func:`generate` turns :class:`Options` (the ``generate:`` part of a scenario) into
Entra users, groups, memberships, photos and shared calendars, and the matching
Emply side (app registration, API key, roles, departments, integration settings)
where the document has none. Faker gives the names; the same options and seed give
the same document, byte for byte once dumped.
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker
from faker.config import AVAILABLE_LOCALES

# The Graph application permissions the sync reads with; writing to Entra adds User.ReadWrite.All.
SYNC_PERMISSIONS = ("User.Read.All", "GroupMember.Read.All", "ProfilePhoto.Read.All",
                    "Calendars.ReadWrite", "Organization.Read.All")
APP_NAME = "Emply People"
SHARES = ("photos", "calendars", "hybrid", "disabled", "employees")

_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa",
                       "ß": "ss", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ł": "l",
                       "Ł": "L", "đ": "d", "Đ": "D", "œ": "oe", "Œ": "Oe", "ı": "i"})
_NOT_LOCAL = re.compile(r"[^a-z0-9.-]+")

# Department names by language; more groups than names get a number ("Salg 2").
_DEPARTMENTS = {
    "da": ["Salg", "Økonomi", "Kundeservice", "IT", "Marketing", "Produktion", "Lager",
           "Indkøb", "Jura", "Kommunikation", "Forskning og udvikling", "Kvalitet", "Logistik",
           "Facility", "Ledelsessekretariat"],
    "sv": ["Försäljning", "Ekonomi", "Kundtjänst", "IT", "Marknad", "Produktion", "Lager",
           "Inköp", "Juridik", "Kommunikation", "Forskning och utveckling", "Kvalitet"],
    "no": ["Salg", "Økonomi", "Kundeservice", "IT", "Markedsføring", "Produksjon", "Lager",
           "Innkjøp", "Juridisk", "Kommunikasjon", "Forskning og utvikling", "Kvalitet"],
    "de": ["Vertrieb", "Finanzen", "Kundenservice", "IT", "Marketing", "Produktion", "Lager",
           "Einkauf", "Recht", "Kommunikation", "Forschung und Entwicklung", "Qualität"],
    "en": ["Sales", "Finance", "Customer Service", "IT", "Marketing", "Production",
           "Warehouse", "Procurement", "Legal", "Communications", "Research and Development",
           "Quality", "Logistics", "Facilities", "Executive Office"],
}
_ALL_STAFF = {"da": "Alle medarbejdere", "sv": "Alla medarbetare", "no": "Alle ansatte",
              "de": "Alle Mitarbeitenden", "en": "All employees"}
_MANAGERS = {"da": "Ledere", "sv": "Chefer", "no": "Ledere", "de": "Führungskräfte",
             "en": "Managers"}
_SHARED_CALENDARS = {"da": ["Projekter", "Team", "Vagtplan", "Møder"],
                     "sv": ["Projekt", "Team", "Schema", "Möten"],
                     "no": ["Prosjekter", "Team", "Vaktplan", "Møter"],
                     "de": ["Projekte", "Team", "Dienstplan", "Besprechungen"],
                     "en": ["Projects", "Team", "Rota", "Meetings"]}
_TIME_ZONES = {"DK": "Europe/Copenhagen", "SE": "Europe/Stockholm", "NO": "Europe/Oslo",
               "FI": "Europe/Helsinki", "DE": "Europe/Berlin", "AT": "Europe/Vienna",
               "CH": "Europe/Zurich", "GB": "Europe/London", "IE": "Europe/Dublin",
               "US": "America/New_York", "CA": "America/Toronto", "NL": "Europe/Amsterdam",
               "FR": "Europe/Paris", "ES": "Europe/Madrid", "IT": "Europe/Rome",
               "PL": "Europe/Warsaw"}
_CURRENCIES = {"DK": "DKK", "SE": "SEK", "NO": "NOK", "GB": "GBP", "US": "USD", "CA": "CAD",
               "CH": "CHF", "PL": "PLN"}


@dataclass(frozen=True)
class Options:
    """The ``generate:`` part of a scenario. Shares are fractions of the generated users."""

    users: int = 100
    groups: int = 8
    seed: int = 0
    locale: str = "da_DK"
    photos: float = 0.3
    calendars: float = 0.1
    hybrid: float = 0.05
    disabled: float = 0.02
    employees: float = 0.0  # a share of users who already have an Emply employee profile + account
    domains: tuple[str, ...] = ()  # default: the document's verified domains, else contoso.com/.dk

    @classmethod
    def from_doc(cls, raw: Any, path: str = "generate") -> Options:
        """Options from a scenario's ``generate:`` mapping; ValueError names the bad key."""
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: expected a mapping like {{users: 500, seed: 7}}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"{path}.{unknown[0]}: unknown key (expected one of "
                             f"{', '.join(sorted(known))})")
        values = dict(raw)
        for key in ("users", "groups", "seed"):
            if key in values:
                value = values[key]
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValueError(f"{path}.{key}: expected a whole number of 0 or more, "
                                     f"got {value!r}")
        if values.get("users", cls.users) > 200_000:
            raise ValueError(f"{path}.users: at most 200000 users are generated")
        for key in SHARES:
            if key in values:
                value = values[key]
                if isinstance(value, bool) or not isinstance(value, int | float) \
                        or not 0 <= value <= 1:
                    raise ValueError(f"{path}.{key}: expected a share from 0 to 1, got {value!r}")
        if "locale" in values:
            locale = values["locale"]
            if not isinstance(locale, str) or locale not in AVAILABLE_LOCALES:
                raise ValueError(f"{path}.locale: {locale!r} is not a Faker locale "
                                 "(e.g. da_DK, sv_SE, no_NO, de_DE, en_US)")
        if "domains" in values:
            domains = values["domains"]
            if not isinstance(domains, list) or not domains or \
                    not all(isinstance(d, str) and "." in d for d in domains):
                raise ValueError(f"{path}.domains: expected a list of domain names")
            values["domains"] = tuple(d.lower() for d in domains)
        return cls(**values)

    def to_doc(self) -> dict[str, Any]:
        """The options as a ``generate:`` mapping (defaults left out)."""
        default = Options()
        out = {k: v for k, v in asdict(self).items() if v != getattr(default, k)}
        if "domains" in out:
            out["domains"] = list(out["domains"])
        return out


def ascii_fold(text: str) -> str:
    """Text with Danish and other letters folded to ASCII (æ→ae, ø→oe, å→aa, é→e)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return decomposed.encode("ascii", "ignore").decode()


def mail_local_part(*names: str) -> str:
    """``first.last`` in lower-case ASCII, fit for an e-mail address (may be empty)."""
    parts = [_NOT_LOCAL.sub("", ascii_fold(n).lower().replace(" ", ".")) for n in names]
    local = ".".join(p for p in parts if p)
    return re.sub(r"\.{2,}", ".", local).strip(".-")


def generate(options: Options, base: dict[str, Any] | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """A world document: ``base`` (left unchanged) plus what ``options`` generate.

    Generated objects never clash with ``base``'s (UPNs, e-mails, group names are
    kept unique). ``progress(done, total)`` is called while users are made.
    """
    return _Generator(options, base or {}, progress).run()


def expand(doc: dict[str, Any], progress: Callable[[int, int], None] | None = None
           ) -> dict[str, Any]:
    """A scenario with its ``generate:`` part replaced by what it generates (else a copy)."""
    if doc.get("generate") is None:
        return {k: v for k, v in doc.items() if k != "generate"}
    options = Options.from_doc(doc["generate"])
    base = {k: v for k, v in doc.items() if k != "generate"}
    return generate(options, base, progress)


def weights_zipf(count: int, exponent: float = 1.1) -> list[float]:
    """Zipf-like weights: a few big departments, a long tail of small ones."""
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


class _Generator:
    def __init__(self, options: Options, base: dict[str, Any],
                 progress: Callable[[int, int], None] | None) -> None:
        self.o = options
        _check_shape(base)
        self.doc = copy.deepcopy(base)
        self.progress = progress
        self.rng = random.Random(f"generate:{options.seed}")
        self.fake = Faker(options.locale)
        self.fake.seed_instance(options.seed)
        lang, _, country = options.locale.partition("_")
        self.lang = lang if lang in _DEPARTMENTS else "en"
        self.language = lang
        self.country = country or None
        self.entra = self.doc.setdefault("entra", {}) or {}
        self.doc["entra"] = self.entra
        self.emply = self.doc.setdefault("emply", {}) or {}
        self.doc["emply"] = self.emply
        self.taken: set[str] = set()
        for user in list(self.entra.get("users") or []) + list(self.entra.get("deletedUsers") or []):
            if isinstance(user, dict):
                for key in ("userPrincipalName", "mail"):
                    if isinstance(user.get(key), str):
                        self.taken.add(user[key].lower())
        for user in list(self.emply.get("users") or []) + list(self.emply.get("employees") or []):
            if isinstance(user, dict) and isinstance(user.get("email"), str):
                self.taken.add(user["email"].lower())

    def run(self) -> dict[str, Any]:
        domains = self.domains()
        groups = self.group_names()
        users, departments = self.users(domains, groups)
        self.entra["users"] = list(self.entra.get("users") or []) + users
        memberships = self.memberships(users, departments, len(groups))
        group_docs = [{"displayName": name, "description": self.group_description(i, name),
                       "securityEnabled": True, "mailEnabled": False,
                       "mailNickname": mail_local_part(name) or f"group{i + 1}",
                       "members": memberships[i]}
                      for i, name in enumerate(groups)]
        self.entra["groups"] = list(self.entra.get("groups") or []) + group_docs
        shares = self.calendars(users, departments)
        if shares:
            self.entra["calendarShares"] = list(self.entra.get("calendarShares") or []) + shares
        self.emply_side(users, groups)
        return self.doc

    # -- Entra -------------------------------------------------------------------------------
    def domains(self) -> list[str]:
        if self.o.domains:
            listed = {str(d.get("name", "")).lower() for d in self.entra.get("domains") or []
                      if isinstance(d, dict)}
            missing = [d for d in self.o.domains if d not in listed]
            if missing:
                existing = list(self.entra.get("domains") or [])
                self.entra["domains"] = existing + [{"name": d, "default": not existing and i == 0}
                                                    for i, d in enumerate(missing)]
            return list(self.o.domains)
        verified = [str(d["name"]).lower() for d in self.entra.get("domains") or []
                    if isinstance(d, dict) and d.get("name") and d.get("verified", True)]
        if verified:
            default = [str(d["name"]).lower() for d in self.entra["domains"]
                       if isinstance(d, dict) and d.get("default")]
            return default + [d for d in verified if d not in default]
        existing = list(self.entra.get("domains") or [])
        listed = {str(d.get("name", "")).lower() for d in existing if isinstance(d, dict)}
        names = [n for n in dict.fromkeys(["contoso.com",
                                           f"contoso.{(self.country or 'dk').lower()}"])
                 if n not in listed] or [f"generated-{self.o.seed}.example.com"]
        self.entra["domains"] = existing + [{"name": n, "default": i == 0 and not any(
            isinstance(d, dict) and d.get("default") for d in existing)} for i, n in enumerate(names)]
        return names

    def group_names(self) -> list[str]:
        count = self.o.groups
        if count == 0:
            return []
        existing = {str(g.get("displayName", "")).casefold() for g in self.entra.get("groups") or []
                    if isinstance(g, dict)}
        names = [_ALL_STAFF[self.lang]]
        if count >= 3:
            names.append(_MANAGERS[self.lang])
        pool = _DEPARTMENTS[self.lang]
        i = 0
        while len(names) < count:
            base = pool[i % len(pool)]
            names.append(base if i < len(pool) else f"{base} {i // len(pool) + 1}")
            i += 1
        unique = []
        for name in names:
            candidate, n = name, 2
            while candidate.casefold() in existing:
                candidate, n = f"{name} ({n})", n + 1
            existing.add(candidate.casefold())
            unique.append(candidate)
        return unique

    def group_description(self, index: int, name: str) -> str:
        if index == 0:
            return "Everyone employed (generated)"
        if index == 1 and self.o.groups >= 3:
            return "People managers (generated)"
        return f"Department {name} (generated)"

    def first_department(self) -> int:
        return 2 if self.o.groups >= 3 else 1

    def users(self, domains: list[str], groups: list[str]) -> tuple[list[dict[str, Any]], list[int]]:
        """The users, and for each the index of their department group (-1: none)."""
        n, rng, fake = self.o.users, self.rng, self.fake
        first_dep = self.first_department()
        dep_count = max(0, len(groups) - first_dep)
        departments = [-1] * n
        if dep_count:
            order = list(range(dep_count))
            rng.shuffle(order)  # which department is the big one varies with the seed
            drawn = rng.choices(range(dep_count), cum_weights=_cumulative(weights_zipf(dep_count)),
                                k=n)
            departments = [first_dep + order[d] for d in drawn]
        domain_cum = _cumulative([0.8] + [0.2 / (len(domains) - 1)] * (len(domains) - 1)
                                 if len(domains) > 1 else [1.0])
        domain_of = rng.choices(range(len(domains)), cum_weights=domain_cum, k=n)
        hybrid = self.pick(self.o.hybrid)
        disabled = self.pick(self.o.disabled)
        photos = self.pick(self.o.photos)
        usage = self.country if self.country and len(self.country) == 2 else None
        users = []
        step = max(1, n // 100)
        for i in range(n):
            first, last = fake.first_name(), fake.last_name()
            address = self.address(mail_local_part(first, last) or f"user{i + 1}",
                                   domains[domain_of[i]])
            user: dict[str, Any] = {"userPrincipalName": address, "displayName": f"{first} {last}",
                                    "givenName": first, "surname": last, "mail": address,
                                    "jobTitle": fake.job()[:128]}
            if departments[i] >= 0:
                user["department"] = groups[departments[i]]
            if usage:
                user["usageLocation"] = usage
            if i in disabled:
                user["accountEnabled"] = False
            if i in hybrid:
                user["onPremisesSyncEnabled"] = True
                user["onPremisesImmutableId"] = hashlib.sha256(address.encode()).hexdigest()[:24]
            if i in photos:
                user["photo"] = {"contentType": "image/jpeg"}
            users.append(user)
            if self.progress and (i + 1) % step == 0:
                self.progress(i + 1, n)
        self.hr_data(users, departments, groups, hybrid)
        if self.progress:
            self.progress(n, n)
        return users, departments

    def hr_data(self, users: list[dict[str, Any]], departments: list[int], groups: list[str],
                hybrid: set[int]) -> None:
        """HR properties and managers, from a stream of their own (names and groups unchanged).

        Every user gets an employee number, type, hire date, company, office city and org
        data; the first user of a department manages it, department heads report to the
        first user; hybrid users get their on-premises account names.
        """
        if not users:
            return
        rng = random.Random(f"hr:{self.o.seed}")
        saved = self.fake.random.getstate()  # borrow the Faker, leave its stream as it was
        self.fake.seed_instance(self.o.seed + 1)
        company = self.fake.company()[:64]
        cities = [self.fake.city() for _ in range(6)]
        self.fake.random.setstate(saved)
        numbers = list(range(10001, 10001 + len(users)))
        rng.shuffle(numbers)
        start = datetime(2026, 1, 5, tzinfo=UTC)
        heads: dict[int, int] = {}
        for i, dep in enumerate(departments):
            heads.setdefault(dep, i)
        top = users[0]["userPrincipalName"]
        n = len(users)
        kinds = rng.choices(("Employee", "Contractor", "Intern"), weights=(90, 8, 2), k=n)
        towns = rng.choices(cities, weights=(8, 4, 2, 1, 1, 1), k=n)
        days = [rng.randrange(30, 15 * 365) for _ in range(n)]
        for i, user in enumerate(users):
            kind = kinds[i]
            user.update({
                "employeeId": str(numbers[i]), "employeeType": kind,
                "employeeHireDate": (start - timedelta(days=days[i])).strftime("%Y-%m-%dT00:00:00Z"),
                "companyName": company, "city": towns[i],
                "employeeOrgData": {
                    "division": groups[departments[i]] if departments[i] >= 0 else None,
                    "costCenter": f"CC-{1000 + max(departments[i], 0) * 10}"},
            })
            head = heads.get(departments[i], 0)
            boss = users[head]["userPrincipalName"] if head != i else top
            if boss != user["userPrincipalName"]:
                user["manager"] = boss
            if i in hybrid:
                local = user["userPrincipalName"].split("@", 1)[0]
                user["onPremisesSamAccountName"] = local.replace(".", "")[:20]
                user["onPremisesUserPrincipalName"] = user["userPrincipalName"]
                user["onPremisesDomainName"] = "corp." + user["userPrincipalName"].split("@", 1)[1]
                user["onPremisesExtensionAttributes"] = {"extensionAttribute1": kind}

    def pick(self, share: float) -> set[int]:
        """Exactly round(share × users) distinct user indexes, from the seed."""
        return set(self.rng.sample(range(self.o.users), round(share * self.o.users)))

    def address(self, local: str, domain: str) -> str:
        candidate, n = f"{local}@{domain}", 2
        while candidate in self.taken:
            candidate, n = f"{local}{n}@{domain}", n + 1
        self.taken.add(candidate)
        return candidate

    def memberships(self, users: list[dict[str, Any]], departments: list[int],
                    group_count: int) -> list[list[str]]:
        members: list[list[str]] = [[] for _ in range(group_count)]
        if not group_count:
            return members
        rng = self.rng
        has_managers = self.o.groups >= 3
        first_dep = self.first_department()
        for i, user in enumerate(users):
            upn = user["userPrincipalName"]
            if rng.random() < 0.97:  # a few people are not (yet) in the all-staff group
                members[0].append(upn)
            if departments[i] >= 0:
                members[departments[i]].append(upn)
                if group_count - first_dep > 1 and rng.random() < 0.1:  # a second department
                    other = rng.randrange(first_dep, group_count)
                    if other != departments[i]:
                        members[other].append(upn)
            if has_managers and rng.random() < 0.08:
                members[1].append(upn)
        return members

    def calendars(self, users: list[dict[str, Any]], departments: list[int]) -> list[dict[str, Any]]:
        """Extra calendars for a share of users, each shared with colleagues (edit or read)."""
        owners = sorted(self.pick(self.o.calendars))
        if not owners or len(users) < 2:
            return []
        by_department: dict[int, list[int]] = {}
        for i, d in enumerate(departments):
            by_department.setdefault(d, []).append(i)
        names = _SHARED_CALENDARS[self.lang]
        shares = []
        for i in owners:
            name = names[self.rng.randrange(len(names))]
            users[i].setdefault("calendars", []).append({"name": name, "color": "auto"})
            colleagues = by_department.get(departments[i], [])
            pool = colleagues if len(colleagues) > 1 else range(len(users))
            chosen: set[int] = set()
            for _ in range(self.rng.randint(1, 3)):
                j = pool[self.rng.randrange(len(pool))]
                if j != i and j not in chosen:
                    chosen.add(j)
                    shares.append({"owner": users[i]["userPrincipalName"], "calendar": name,
                                   "with": users[j]["userPrincipalName"],
                                   "role": "write" if self.rng.random() < 0.7 else "read"})
        return shares

    # -- Emply ---------------------------------------------------------------------------------
    def emply_side(self, users: list[dict[str, Any]], groups: list[str]) -> None:
        """The app registration, an API key, roles, departments and the integration, if missing."""
        if not self.entra.get("apps"):
            self.entra["apps"] = [{"displayName": APP_NAME, "permissions": list(SYNC_PERMISSIONS)}]
        emply = self.emply
        if not emply.get("apiKeys"):
            key = "sim-" + hashlib.sha256(f"emply-sim:{self.o.seed}".encode()).hexdigest()[:32]
            emply["apiKeys"] = [{"name": "emply-sim", "key": key,
                                 "permissions": ["read", "write", "settings"]}]
        if not emply.get("roles"):
            emply["roles"] = [{"name": "Administrator", "isAdministrator": True},
                              {"name": "Employee"}, {"name": "Manager"}]
        role_names = {str(r.get("name", "")).casefold(): r for r in emply["roles"]
                      if isinstance(r, dict)}
        first_dep = self.first_department()
        dep_groups = groups[first_dep:]
        if dep_groups and not emply.get("departments"):
            emply["departments"] = [{"title": name, "customId": f"D{i + 1:03d}"}
                                    for i, name in enumerate(dep_groups)]
        titles = {str(d.get("title", "")).casefold() for d in emply.get("departments") or []
                  if isinstance(d, dict)}
        self.emply_people(users, role_names)
        integration = emply.get("integration")
        if isinstance(integration, dict) and "syncedGroups" not in integration and groups \
                or integration is None and "integration" not in emply and groups:
            defaults = {"language": self.language,
                        "timeZone": _TIME_ZONES.get(self.country or "", "UTC"),
                        "currency": _CURRENCIES.get(self.country or "", "EUR")}
            synced = []
            for name in dep_groups:  # first: departments give the defaults (SYNC-12)
                entry = {"group": name, **defaults}
                if name.casefold() in titles:
                    entry["department"] = name
                synced.append(entry)
            staff = {"group": groups[0], **defaults}
            if "employee" in role_names and not role_names["employee"].get("isAdministrator"):
                staff["role"] = role_names["employee"]["name"]
            synced.append(staff)
            if first_dep == 2:
                managers = {"group": groups[1], **defaults}
                if "manager" in role_names and not role_names["manager"].get("isAdministrator"):
                    managers["role"] = role_names["manager"]["name"]
                synced.append(managers)
            emply["integration"] = {**(integration or {}), "syncedGroups": synced}

    def emply_people(self, users: list[dict[str, Any]], role_names: dict[str, Any]) -> None:
        """An Emply administrator (a generated person) and, for a share, employee profiles."""
        emply = self.emply
        enabled = [u for u in users if u.get("accountEnabled", True)]
        if not emply.get("users") and enabled:
            admin_role = next((r["name"] for r in emply["roles"]
                               if isinstance(r, dict) and r.get("isAdministrator")), None)
            admin = enabled[0]
            emply["users"] = [{"email": admin["mail"], "firstName": admin["givenName"],
                               "lastName": admin["surname"],
                               "roles": [admin_role] if admin_role else []}]
        if not self.o.employees:
            return
        listed = {str(u.get("email", "")).lower() for u in emply.get("users") or []
                  if isinstance(u, dict)}
        employee_role = role_names.get("employee")
        employees, accounts = list(emply.get("employees") or []), list(emply.get("users") or [])
        numbers = {str(e.get("number")) for e in employees if isinstance(e, dict)}
        number = 10000
        for i in sorted(self.pick(self.o.employees)):
            user = users[i]
            if user["mail"] in listed:
                continue
            while str(number) in numbers:
                number += 1
            numbers.add(str(number))
            employees.append({"number": str(number), "firstName": user["givenName"],
                              "lastName": user["surname"], "email": user["mail"],
                              "jobTitle": user["jobTitle"]})
            account = {"email": user["mail"], "firstName": user["givenName"],
                       "lastName": user["surname"], "employee": str(number)}
            if employee_role is not None and not employee_role.get("isAdministrator"):
                account["roles"] = [employee_role["name"]]
            accounts.append(account)
        emply["employees"], emply["users"] = employees, accounts


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _check_shape(doc: dict[str, Any]) -> None:
    """The parts the generator adds to must be what the loaders expect (ValueError names them)."""
    lists = {"entra": ("domains", "apps", "users", "deletedUsers", "groups", "calendarShares"),
             "emply": ("apiKeys", "roles", "departments", "employees", "users")}
    for part, keys in lists.items():
        value = doc.get(part)
        if value is not None and not isinstance(value, dict):
            raise ValueError(f"{part}: expected a mapping, got {type(value).__name__}")
        for key in keys:
            item = (value or {}).get(key)
            if item is not None and not isinstance(item, list):
                raise ValueError(f"{part}.{key}: expected a list, got {type(item).__name__}")
    integration = (doc.get("emply") or {}).get("integration")
    if integration is not None and not isinstance(integration, dict):
        raise ValueError(f"emply.integration: expected a mapping, got {type(integration).__name__}")
