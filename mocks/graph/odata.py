"""OData query options as Microsoft Graph applies them to directory collections.

What every collection route needs, in one place:

* :func:`parse_query` reads ``$select``, ``$filter``, ``$top``, ``$count``,
  ``$skiptoken`` and ``$orderby`` (plus the ``ConsistencyLevel`` header) from the
  current Flask request, validates them against an :class:`EntityType`, and
  refuses unknown ``$`` options with Graph's 400 error.
* :func:`page` turns a sequence of model objects into Graph's collection body:
  filter, order, one page of at most ``$top`` items, ``$select`` projection,
  ``@odata.context``, ``@odata.count`` and an absolute ``@odata.nextLink`` on the
  mock's own host carrying an opaque ``$skiptoken``.
* :func:`entity` shapes one object for a single-entity GET (``.../$entity``).

``$filter`` is parsed by a small recursive-descent parser (never ``eval``) into
a predicate. Advanced-query-only operators (``ne``, ``not``, ``endsWith``,
comparisons with ``null``) need ``ConsistencyLevel: eventual`` and
``$count=true``, as documented in "Advanced query capabilities on Microsoft Entra
ID objects". String comparisons are case-insensitive, as in the directory.

Example (a route listing calendars)::

    q = parse_query(CALENDAR_TYPE)            # or parse_query(None): no $filter/$select check
    return page(calendars, calendar_json, f"users('{uid}')/calendars", query=q)
"""

from __future__ import annotations

import base64
import bisect
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import request

from mocks.graph.errors import GraphError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 999
ADVANCED_HINT = ("is not supported because the required parameters might be missing. "
                 "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
                 "Refer to https://aka.ms/graph-docs/advanced-queries for more information")
# OData system query options Graph knows but this mock does not implement.
KNOWN_UNSUPPORTED = frozenset({"$skip", "$format", "$apply", "$compute", "$levels", "$deltatoken"})
ALL_OPTIONS = frozenset({"$select", "$filter", "$top", "$count", "$skiptoken", "$orderby",
                         "$search", "$expand"})
MAX_FILTER_DEPTH = 100  # nesting of parentheses and 'not' a $filter may use
SEARCH_NEEDS_EVENTUAL = ("Request with $search query parameter only works through MSGraph with a "
                         "special request header: 'ConsistencyLevel: eventual'")


# ---------------------------------------------------------------------------
# Entity types
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FilterRules:
    """Which ``$filter`` operators a property supports.

    ``eq``/``in`` work by default; ``ne`` and ``not`` need advanced query
    parameters. ``startswith`` works by default; ``endswith`` and ``null``
    comparisons need advanced query parameters (Graph's documented table).
    """

    startswith: bool = False
    endswith: bool = False
    null: bool = False
    collection: bool = False  # filtered with a lambda: prop/any(x: ...)
    boolean: bool = False  # Edm.Boolean: compared with true/false, not strings
    compare: bool = False  # ge, le, gt, lt
    date: bool = False  # Edm.DateTimeOffset: compared with unquoted dates
    advanced: bool = False  # every operator needs advanced query parameters
    children: tuple[str, ...] = ()  # a complex property filtered by its fields: prop/field


@dataclass(frozen=True)
class EntityType:
    """What a collection's items are: their properties, default set, filters and sort keys."""

    name: str  # "microsoft.graph.user"
    resource: str  # "User", as Graph names it in filter errors
    properties: tuple[str, ...]
    default_select: tuple[str, ...] | None = None  # None: every property
    filters: dict[str, FilterRules] = field(default_factory=dict)
    orderby: tuple[str, ...] = ()
    search: tuple[str, ...] = ()  # properties $search may name
    navigation: tuple[str, ...] = ()  # what $expand may name
    # properties computed from the stored ones (``$filter`` reads them through these)
    derived: dict[str, Callable[[dict[str, Any]], Any]] = field(default_factory=dict)

    def canonical(self, name: str) -> str | None:
        """The property's own spelling, matched case-insensitively as Graph does."""
        lowered = name.lower()
        for prop in self.properties:
            if prop.lower() == lowered:
                return prop
        return None


def user_identities(props: dict[str, Any]) -> list[dict[str, str]]:
    """A user's sign-in identities: those it was created with, else its userPrincipalName
    issued by the initial domain."""
    if props.get("identities"):
        return props["identities"]
    upn = props.get("userPrincipalName") or ""
    domain = upn.rsplit("@", 1)[-1]
    issuer = domain.split(".", 1)[0] + ".onmicrosoft.com" if domain else ""
    return [{"signInType": "userPrincipalName", "issuer": issuer, "issuerAssignedId": upn}]


_STRING = FilterRules(startswith=True, null=True)
_TEXT = FilterRules(startswith=True, null=True, compare=True)  # eq, ne, in, ge, le, startsWith
_DATE = FilterRules(null=True, compare=True, date=True)
USER_TYPE = EntityType(
    "microsoft.graph.user", "User",
    properties=(
        "id", "accountEnabled", "ageGroup", "assignedLicenses", "businessPhones", "city",
        "companyName", "country",
        "createdDateTime", "deletedDateTime", "department", "displayName", "employeeHireDate",
        "employeeId", "employeeLeaveDateTime", "employeeOrgData", "employeeType", "faxNumber",
        "givenName", "identities", "imAddresses", "jobTitle", "mail",
        "mailNickname", "mobilePhone", "officeLocation", "onPremisesDomainName",
        "onPremisesExtensionAttributes",
        "onPremisesImmutableId", "onPremisesLastSyncDateTime", "onPremisesSamAccountName",
        "onPremisesSyncEnabled", "onPremisesUserPrincipalName", "otherMails", "passwordPolicies",
        "passwordProfile", "postalCode", "preferredLanguage", "proxyAddresses",
        "showInAddressList", "state", "streetAddress", "surname", "usageLocation",
        "userPrincipalName", "userType",
        # returned only when selected (user-list.md Example 11, user-get.md Example 5)
        "signInActivity", "customSecurityAttributes",
    ),
    default_select=("businessPhones", "displayName", "givenName", "jobTitle", "mail",
                    "mobilePhone", "officeLocation", "preferredLanguage", "surname",
                    "userPrincipalName", "id"),
    filters={
        "id": FilterRules(),
        "accountEnabled": FilterRules(boolean=True),
        "onPremisesSyncEnabled": FilterRules(null=True, boolean=True),
        "userType": FilterRules(null=True),
        "displayName": _STRING,
        "givenName": _STRING,
        "surname": _STRING,
        "department": _STRING,
        "employeeId": _STRING,
        "mailNickname": _STRING,
        "jobTitle": FilterRules(null=True),
        "mail": FilterRules(startswith=True, endswith=True, null=True),
        "userPrincipalName": FilterRules(startswith=True, endswith=True),
        "otherMails": FilterRules(startswith=True, endswith=True, collection=True),
        "proxyAddresses": FilterRules(startswith=True, endswith=True, collection=True),
        "identities": FilterRules(collection=True,
                                  children=("signInType", "issuer", "issuerAssignedId")),
        "assignedLicenses": FilterRules(collection=True, children=("skuId",)),
        # HR and on-premises properties (resources/user.md, "Supports $filter" notes).
        "createdDateTime": _DATE,
        "employeeHireDate": _DATE,
        "employeeLeaveDateTime": FilterRules(null=True, compare=True, date=True, advanced=True),
        "onPremisesLastSyncDateTime": _DATE,
        "employeeType": _TEXT,
        "companyName": _TEXT,
        "city": _TEXT,
        "country": _TEXT,
        "state": _TEXT,
        "postalCode": _TEXT,
        "officeLocation": _TEXT,
        "usageLocation": _TEXT,
        "preferredLanguage": _TEXT,
        "mobilePhone": _TEXT,
        "faxNumber": _TEXT,
        "streetAddress": _TEXT,
        "onPremisesImmutableId": FilterRules(null=True, compare=True),
        "onPremisesSamAccountName": _TEXT,
        "onPremisesUserPrincipalName": _TEXT,
        "onPremisesDomainName": _TEXT,
        "employeeOrgData": FilterRules(null=True, compare=True, advanced=True,
                                       children=("division", "costCenter")),
        "onPremisesExtensionAttributes": FilterRules(
            null=True, advanced=True, children=tuple(f"extensionAttribute{n}" for n in range(1, 16))),
    },
    orderby=("displayName", "userPrincipalName"),
    search=("displayName", "givenName", "surname", "mail", "mailNickname", "userPrincipalName",
            "otherMails", "proxyAddresses", "onPremisesUserPrincipalName", "jobTitle",
            "department", "employeeId"),
    navigation=("manager", "directReports", "memberOf", "transitiveMemberOf"),
    derived={"identities": user_identities, "assignedLicenses": lambda props: [],
             # No interactive sign-ins and no attribute sets are simulated: Graph's null.
             "signInActivity": lambda props: None,
             "customSecurityAttributes": lambda props: None},
)


def _outlook_setting(value: Any) -> Callable[[dict[str, Any]], Any]:
    """A Microsoft 365 group's Outlook setting (null on other groups, as Graph returns it)."""
    return lambda props: value if "Unified" in (props.get("groupTypes") or []) else None

GROUP_TYPE = EntityType(
    "microsoft.graph.group", "Group",
    properties=("id", "deletedDateTime", "classification", "createdDateTime", "creationOptions",
                "description", "displayName", "expirationDateTime", "groupTypes",
                "isAssignableToRole", "mail", "mailEnabled", "mailNickname", "membershipRule",
                "membershipRuleProcessingState", "onPremisesDomainName",
                "onPremisesLastSyncDateTime", "onPremisesNetBiosName", "onPremisesSamAccountName",
                "onPremisesSecurityIdentifier", "onPremisesSyncEnabled", "preferredDataLocation",
                "preferredLanguage", "proxyAddresses", "renewedDateTime",
                "resourceBehaviorOptions", "resourceProvisioningOptions", "securityEnabled",
                "securityIdentifier", "theme", "visibility", "onPremisesProvisioningErrors",
                "serviceProvisioningErrors",
                # returned only when selected (group-get.md Example 2, group-list.md Example 7)
                "allowExternalSenders", "autoSubscribeNewMembers", "hideFromAddressLists",
                "hideFromOutlookClients", "isSubscribedByMail", "unseenCount",
                "assignedLicenses", "hasMembersWithLicenseErrors"),
    default_select=None,
    filters={
        "id": FilterRules(),
        "displayName": _STRING,
        "mail": FilterRules(startswith=True, null=True),
        "mailNickname": _STRING,
        "mailEnabled": FilterRules(boolean=True),
        "securityEnabled": FilterRules(boolean=True),
        "onPremisesSyncEnabled": FilterRules(null=True, boolean=True),
        "groupTypes": FilterRules(collection=True),
        "proxyAddresses": FilterRules(startswith=True, endswith=True, collection=True),
        "createdDateTime": _DATE,
        "description": _STRING,
        "isAssignableToRole": FilterRules(boolean=True),
        "securityIdentifier": FilterRules(startswith=True),
        "onPremisesSamAccountName": _TEXT,
        "membershipRuleProcessingState": FilterRules(),
        "visibility": FilterRules(),
        "assignedLicenses": FilterRules(collection=True, children=("skuId",)),
        "hasMembersWithLicenseErrors": FilterRules(boolean=True),
    },
    orderby=("displayName",),
    search=("displayName", "description", "mail", "mailNickname", "proxyAddresses"),
    navigation=("members", "owners", "memberOf", "transitiveMembers"),
    # No licences are simulated: none assigned, so no member has a licence error.
    derived={"assignedLicenses": lambda props: [],
             "hasMembersWithLicenseErrors": lambda props: False,
             "allowExternalSenders": _outlook_setting(False),
             "autoSubscribeNewMembers": _outlook_setting(False),
             "hideFromAddressLists": _outlook_setting(False),
             "hideFromOutlookClients": _outlook_setting(False),
             "isSubscribedByMail": _outlook_setting(False),
             "unseenCount": _outlook_setting(0)},
)

# Members of a group are users or groups: directoryObject with the union of their properties.
DIRECTORY_OBJECT_TYPE = EntityType(
    "microsoft.graph.directoryObject", "DirectoryObject",
    properties=tuple(dict.fromkeys(USER_TYPE.properties + GROUP_TYPE.properties)),
    default_select=None,
    filters={**GROUP_TYPE.filters, **USER_TYPE.filters},
    orderby=("displayName",),
    search=tuple(dict.fromkeys(USER_TYPE.search + GROUP_TYPE.search)),
)


# ---------------------------------------------------------------------------
# Parsed query
# ---------------------------------------------------------------------------
@dataclass
class Query:
    """The validated query options of one request."""

    select: list[str] | None = None
    filter: Callable[[dict[str, Any]], bool] | None = None
    filter_text: str | None = None
    top: int = DEFAULT_PAGE_SIZE
    count: bool = False  # $count=true honoured (with ConsistencyLevel: eventual)
    advanced: bool = False  # ConsistencyLevel: eventual and $count=true
    eventual: bool = False  # ConsistencyLevel: eventual
    skiptoken: str | None = None
    orderby: tuple[str, bool] | None = None  # (property, descending)
    top_given: bool = False
    search: Callable[[dict[str, Any]], bool] | None = None
    # (navigation property, nested $select, nested $levels: 0 none, -1 max)
    expand: tuple[str, list[str] | None, int] | None = None


def bad_request(message: str, code: str = "BadRequest") -> GraphError:
    return GraphError(400, code, message)


def _options() -> dict[str, str]:
    """The request's ``$`` options, names lower-cased (Graph matches them case-insensitively)."""
    found: dict[str, str] = {}
    for name, value in request.args.items(multi=True):
        if name.startswith("$"):
            key = name.lower()
            if key in found:
                raise bad_request(f"Query option '{name}' was specified more than once, "
                                  "but it must be specified at most once.")
            found[key] = value
    return found


def parse_query(etype: EntityType | None, allowed: frozenset[str] | set[str] = ALL_OPTIONS,
                page_size: int = DEFAULT_PAGE_SIZE, count_segment: bool = False) -> Query:
    """Read and validate the current request's OData options, or raise Graph's 400.

    ``etype`` None skips property checks (``$select`` picks any key, ``$filter`` is
    refused). ``allowed`` names the options this endpoint takes; others are refused.
    ``count_segment``: the request is ``.../$count``, where the ConsistencyLevel
    header alone makes the query advanced.
    """
    # as request.headers.get reads it, without its KeyError when the header is absent
    eventual = request.environ.get("HTTP_CONSISTENCYLEVEL", "").strip().lower() == "eventual"
    key = (request.environ.get("QUERY_STRING", ""), id(etype), frozenset(allowed), page_size,
           count_segment, eventual)
    known = _QUERIES.get(key)
    if known is not None and known[0] is etype:
        q = Query(**known[1])
        if q.select is not None:
            q.select = list(q.select)  # the caller's own list, as a fresh parse gives
        return q
    q = _parse_query(etype, allowed, page_size, count_segment, eventual)
    if q.skiptoken is None and q.filter is None and q.search is None and q.expand is None:
        # plain values only (a page's token, a compiled filter: not kept)
        if len(_QUERIES) >= 1024:
            _QUERIES.clear()
        _QUERIES[key] = (etype, {**vars(q), "select": None if q.select is None
                                 else list(q.select)})
    return q


# Parsed plain queries by (query string, entity type, allowed options, page size, count
# segment, eventual): the refresh sends the same few option strings for thousands of
# users, and reading and checking them was a tenth of an inner batch request's cost.
_QUERIES: dict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = {}


def _parse_query(etype: EntityType | None, allowed: frozenset[str] | set[str], page_size: int,
                 count_segment: bool, eventual: bool) -> Query:
    opts = _options()
    for name in opts:
        if name in KNOWN_UNSUPPORTED or (name in ALL_OPTIONS and name not in allowed):
            raise bad_request(f"'{name}' is not supported by the service.", "Request_BadRequest")
        if name not in ALL_OPTIONS:
            raise bad_request(f"The query parameter '{name}' is not supported.")
    q = Query(top=page_size)
    q.eventual = eventual
    if "$count" in opts:
        value = opts["$count"].strip().lower()
        if value not in ("true", "false"):
            raise bad_request(f"'{opts['$count']}' is not a valid count option.")
        # Without ConsistencyLevel: eventual Graph silently ignores $count=true (documented).
        q.count = value == "true" and q.eventual
    q.advanced = q.count or (count_segment and q.eventual)
    if "$top" in opts:
        q.top = parse_top(opts["$top"])
        q.top_given = True
    if "$select" in opts:
        q.select = parse_select(opts["$select"], etype)
    if "$skiptoken" in opts:
        q.skiptoken = opts["$skiptoken"]
        decode_skiptoken(q.skiptoken)  # validate early
    if "$orderby" in opts:
        q.orderby = parse_orderby(opts["$orderby"], etype)
    if "$filter" in opts:
        if etype is None:
            raise bad_request("Invalid filter clause: filtering is not supported on this resource.")
        q.filter_text = opts["$filter"]
        q.filter = compile_filter(q.filter_text, etype, q.advanced)
    if "$search" in opts:
        if not q.eventual:
            raise bad_request(SEARCH_NEEDS_EVENTUAL, "Request_UnsupportedQuery")
        if etype is None or not etype.search:
            raise bad_request("'$search' is not supported by the service.", "Request_BadRequest")
        q.search = compile_search(opts["$search"], etype)
    if "$expand" in opts:
        q.expand = parse_expand(opts["$expand"], etype)
        if q.expand[2] and not q.advanced:
            raise bad_request("$levels in $expand needs advanced query parameters: "
                              "$count=true and ConsistencyLevel: eventual.",
                              "Request_UnsupportedQuery")
        if q.advanced and not q.expand[2]:
            raise bad_request("$expand is not supported together with advanced query "
                              "parameters ($count, ConsistencyLevel: eventual).",
                              "Request_UnsupportedQuery")
    if q.search is not None:
        both = (q.filter, q.search)
        q.filter = (lambda props: all(f(props) for f in both if f is not None))
    if q.filter is not None and q.orderby is not None and not q.advanced:
        raise bad_request("Sorting not supported for current query.", "Request_UnsupportedQuery")
    return q


def parse_top(raw: str) -> int:
    """``$top``: an integer from 1 to 999 inclusive."""
    text = raw.strip()
    # ASCII digits only: Python's \d and int() would also take e.g. Arabic-Indic digits.
    if not re.fullmatch(r"[+-]?[0-9]+", text) or not 1 <= int(text) <= MAX_PAGE_SIZE:
        raise bad_request(f"Invalid page size specified: '{raw}'. Must be between 1 and "
                          f"{MAX_PAGE_SIZE} inclusive.", "Request_BadRequest")
    return int(text)


def parse_select(raw: str, etype: EntityType | None) -> list[str]:
    """``$select``: a comma list of known properties (``*`` for all); ``id`` is always returned."""
    names = [part.strip() for part in raw.split(",")]
    if not raw.strip() or any(not n for n in names):
        raise bad_request(f"Syntax error: character ',' is not valid at position 0 in '{raw}'.")
    result: list[str] = []
    for name in names:
        if name == "*":
            if etype is None:
                return ["*"]
            result.extend(p for p in etype.properties if p not in result)
            continue
        prop = etype.canonical(name) if etype else name
        if prop is None:
            raise bad_request(f"Could not find a property named '{name}' on type '{etype.name}'.")
        if prop not in result:
            result.append(prop)
    return result


def parse_orderby(raw: str, etype: EntityType | None) -> tuple[str, bool]:
    parts = raw.strip().split()
    if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
        raise bad_request(f"Syntax error at position 0 in '{raw}'.")
    prop = etype.canonical(parts[0]) if etype else parts[0]
    if etype is not None and prop is None:
        raise bad_request(f"Could not find a property named '{parts[0]}' on type '{etype.name}'.")
    if etype is not None and prop not in etype.orderby:
        raise bad_request(f"Sorting not supported for property '{prop}' of resource "
                          f"'{etype.resource}'.", "Request_UnsupportedQuery")
    return prop, len(parts) == 2 and parts[1].lower() == "desc"


def parse_expand(raw: str, etype: EntityType | None) -> tuple[str, list[str] | None, int]:
    """``$expand``: one navigation property, optionally with ``($select=...)`` and, for the
    manager chain, ``$levels`` (a number or ``max``), options separated by ``;``.

    Directory objects expand one relationship per request; Graph refuses more.
    """
    text = raw.strip()
    if etype is None or not etype.navigation:
        raise bad_request("'$expand' is not supported by the service.", "Request_BadRequest")
    depth, parts, start = 0, [], 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    if len(parts) > 1:
        raise bad_request("Only one navigation property can be expanded per request on "
                          f"directory objects ('$expand={raw}').", "Request_BadRequest")
    match = re.fullmatch(r"\s*([A-Za-z]+)\s*(?:\(([^()]*)\))?\s*", parts[0])
    name = match and next((n for n in etype.navigation if n.lower() == match.group(1).lower()), None)
    if not match or name is None:
        raise bad_request(f"Could not find a navigation property named '{parts[0].strip()}' on "
                          f"type '{etype.name}' for '$expand'.", "Request_BadRequest")
    nested, levels = None, 0
    for option in (match.group(2) or "").split(";"):
        key, sep, value = option.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not key and not sep:
            continue
        if key == "$select" and value:
            nested = [p.strip() for p in value.split(",") if p.strip()]
        elif key == "$levels" and name == "manager" and (value.lower() == "max" or
                                                         value.isdigit() and int(value) > 0):
            levels = -1 if value.lower() == "max" else int(value)
        else:
            raise bad_request(f"The option '{option.strip()}' is not supported in "
                              f"'$expand={raw}'.", "Request_BadRequest")
    return name, nested, levels


_SEARCH_CLAUSE = re.compile(r'\s*"([^"]*)"\s*')
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])|[^\W_]+", re.UNICODE)


def compile_search(raw: str, etype: EntityType) -> Callable[[dict[str, Any]], bool]:
    """``$search="prop:text"`` clauses joined by AND / OR (AND binds first).

    A clause matches when a word of the property's value starts with the text (Graph
    tokenizes display names on spaces, case changes and symbols), or the whole value does.
    """
    groups: list[list[tuple[str, str]]] = [[]]
    at = 0
    while True:
        match = _SEARCH_CLAUSE.match(raw, at)
        if match is None:
            raise bad_request(f"Syntax error: invalid $search clause at position {at} in "
                              f"'{raw}'; use \"property:text\".", "Request_BadRequest")
        name, sep, needle = match.group(1).partition(":")
        prop = etype.canonical(name.strip()) if sep else None
        if prop is None or prop not in etype.search:
            raise bad_request(f"Search on property '{name.strip() or match.group(1)}' of resource "
                              f"'{etype.resource}' is not supported.", "Request_UnsupportedQuery")
        groups[-1].append((prop, needle.strip().casefold()))
        at = match.end()
        if at >= len(raw):
            break
        joiner = re.match(r"(AND|OR)\b", raw[at:])
        if joiner is None:
            raise bad_request(f"Syntax error: expected AND or OR at position {at} in '{raw}'.",
                              "Request_BadRequest")
        at += len(joiner.group(1))
        if joiner.group(1) == "OR":
            groups.append([])

    def hit(props: dict[str, Any], prop: str, needle: str) -> bool:
        values = props.get(prop)
        for value in values if isinstance(values, list) else [values]:
            if not isinstance(value, str):
                continue
            folded = value.casefold()
            if folded.startswith(needle) or any(w.casefold().startswith(needle)
                                                for w in _WORD.findall(value)):
                return True
        return False

    return lambda props: any(all(hit(props, p, n) for p, n in clauses) for clauses in groups)


# ---------------------------------------------------------------------------
# $filter: tokenizer, recursive-descent parser, compiled predicate
# ---------------------------------------------------------------------------
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<date>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?(?![\w-]))
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w-]))
  | (?P<name>\$count(?![\w])|[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<punct>[(),/:])
""", re.VERBOSE)

_COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")
# Relationships ``$filter`` may count, as in ``appRoleAssignments/$count gt 0``
# (user-list-memberof.md Example 6). App role assignments are not simulated: always none.
COUNTED_RELATIONS = {"approleassignments": lambda props: 0}
_NUMBER_TESTS = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "gt": lambda a, b: a > b,
                 "ge": lambda a, b: a >= b, "lt": lambda a, b: a < b, "le": lambda a, b: a <= b}


@dataclass
class _Tok:
    kind: str
    text: str
    pos: int


class _FilterSyntaxError(Exception):
    def __init__(self, pos: int) -> None:
        super().__init__(pos)
        self.pos = pos


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _FilterSyntaxError(pos)
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(_Tok(kind, match.group(), pos))
        pos = match.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


_MISSING = object()
Predicate = Callable[[dict[str, Any], Any], bool]  # (props, lambda element) -> bool


class _FilterParser:
    """Grammar (keywords case-insensitive)::

        expr    := and ('or' and)*
        and     := unary ('and' unary)*
        unary   := 'not' unary | primary
        primary := '(' expr ')' | func '(' operand ',' literal ')'
                 | operand cmp literal | operand 'in' '(' literal (',' literal)* ')'
                 | prop '/' 'any' '(' var ':' expr ')'
        operand := prop | var
    """

    def __init__(self, text: str, etype: EntityType, advanced: bool) -> None:
        self.text = text
        self.etype = etype
        self.advanced = advanced
        self.tokens = _tokenize(text)
        self.at = 0
        self.var: str | None = None  # lambda variable in scope
        self.var_prop: str | None = None
        self.depth = 0

    # -- token helpers -----------------------------------------------------
    def peek(self) -> _Tok:
        return self.tokens[self.at]

    def next(self) -> _Tok:
        tok = self.tokens[self.at]
        self.at += 1
        return tok

    def keyword(self, *words: str) -> str | None:
        tok = self.peek()
        if tok.kind == "name" and tok.text.lower() in words:
            self.at += 1
            return tok.text.lower()
        return None

    def expect(self, text: str) -> None:
        tok = self.next()
        if tok.text != text:
            raise _FilterSyntaxError(tok.pos)

    # -- rules ------------------------------------------------------------
    def parse(self) -> Predicate:
        pred = self.expr()
        if self.peek().kind != "end":
            raise _FilterSyntaxError(self.peek().pos)
        return pred

    def expr(self) -> Predicate:
        parts = [self.conj()]
        while self.keyword("or"):
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else (lambda p, e: any(f(p, e) for f in parts))

    def conj(self) -> Predicate:
        parts = [self.unary()]
        while self.keyword("and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda p, e: all(f(p, e) for f in parts))

    def unary(self) -> Predicate:
        if self.peek().kind == "name" and self.peek().text.lower() == "not":
            self.next()
            self.need_advanced("not")
            self.deeper()
            inner = self.unary()
            self.depth -= 1
            return lambda p, e: not inner(p, e)
        return self.primary()

    def deeper(self) -> None:
        """Refuse a filter nested beyond :data:`MAX_FILTER_DEPTH` (never a recursion error)."""
        self.depth += 1
        if self.depth > MAX_FILTER_DEPTH:
            raise bad_request("Invalid filter clause: the expression is nested more than "
                              f"{MAX_FILTER_DEPTH} levels deep.")

    def primary(self) -> Predicate:
        tok = self.peek()
        if tok.text == "(":
            self.next()
            self.deeper()
            inner = self.expr()
            self.expect(")")
            self.depth -= 1
            return inner
        if tok.kind != "name":
            raise _FilterSyntaxError(tok.pos)
        if tok.text.lower() in ("startswith", "endswith") and self.tokens[self.at + 1].text == "(":
            return self.function()
        if tok.text.lower() in COUNTED_RELATIONS and self.var is None \
                and [t.text for t in self.tokens[self.at + 1:self.at + 3]] == ["/", "$count"]:
            return self.relation_count()
        getter, prop = self.operand()
        if self.peek().text == "/":
            rules = self.etype.filters.get(prop, FilterRules())
            if rules.children and not rules.collection and self.var is None:
                getter = self.child(prop)
            else:
                return self.lambda_any(prop, tok)
        op_tok = self.peek()
        op = self.keyword(*_COMPARISONS, "in")
        if op is None:
            raise _FilterSyntaxError(op_tok.pos)
        rules = self.rules(prop)
        if rules.collection and getter is not None and self.var is None:
            self.unsupported(prop)
        if rules.advanced:
            self.need_advanced(op)
        read = (lambda p, e: _as_date(getter(p, e))) if rules.date else getter
        if op == "in":
            values = self.literal_list()
            for v in values:
                self.check_type(rules, v, "In")
            folded = {_fold(v) for v in values}
            return lambda p, e: _fold(read(p, e)) in folded
        value = self.literal()
        kind = {"eq": "Equal", "ne": "NotEqual", "gt": "GreaterThan", "ge": "GreaterThanOrEqual",
                "lt": "LessThan", "le": "LessThanOrEqual"}[op]
        self.check_type(rules, value, kind)
        if op not in ("eq", "ne"):
            if not rules.compare or value is None:
                self.unsupported(prop)
            target = _fold(value)
            test = {"gt": lambda a: a > target, "ge": lambda a: a >= target,
                    "lt": lambda a: a < target, "le": lambda a: a <= target}[op]

            def compare(p: dict[str, Any], e: Any) -> bool:
                current = _fold(read(p, e))
                return current is not None and type(current) is type(target) and test(current)
            return compare
        if op == "ne":
            self.need_advanced("ne")
        if value is None:
            if not rules.null:
                self.unsupported(prop)
            self.need_advanced(op)
        target = _fold(value)
        if op == "eq":
            return lambda p, e: _fold(read(p, e)) == target
        return lambda p, e: _fold(read(p, e)) != target

    def relation_count(self) -> Predicate:
        """``relation/$count <op> <number>``: how many objects a relationship holds."""
        count = COUNTED_RELATIONS[self.next().text.lower()]
        self.expect("/")
        self.next()  # $count
        op_tok = self.peek()
        op = self.keyword(*_COMPARISONS)
        if op is None:
            raise _FilterSyntaxError(op_tok.pos)
        value = self.literal()
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad_request("Invalid filter clause: a relationship's $count is compared "
                              "with a number.")
        test = _NUMBER_TESTS[op]
        return lambda p, e: test(count(p), value)

    def child(self, prop: str) -> Callable[[dict[str, Any], Any], Any]:
        """``prop/field`` of a complex property such as onPremisesExtensionAttributes."""
        self.expect("/")
        tok = self.next()
        rules = self.etype.filters[prop]
        name = next((c for c in rules.children if c.lower() == tok.text.lower()), None)
        if tok.kind != "name" or name is None:
            raise bad_request(f"Could not find a property named '{tok.text}' on the complex "
                              f"property '{prop}' of type '{self.etype.name}'.")
        return lambda p, e: (p.get(prop) or {}).get(name)

    def function(self) -> Predicate:
        name = self.next().text.lower()
        self.expect("(")
        getter, prop = self.operand()
        self.expect(",")
        value = self.literal()
        self.expect(")")
        rules = self.rules(prop)
        if not getattr(rules, name) or (rules.collection and self.var is None):
            self.unsupported(prop)
        if name == "endswith":
            self.need_advanced("endsWith")
        if not isinstance(value, str):
            raise bad_request(f"Invalid filter clause: the second argument of {name} must be a string.")
        needle = value.casefold()
        if name == "startswith":
            return lambda p, e: _text(getter(p, e)).startswith(needle)
        return lambda p, e: _text(getter(p, e)).endswith(needle)

    def lambda_any(self, prop: str, tok: _Tok) -> Predicate:
        self.expect("/")
        if self.keyword("any") is None:
            raise _FilterSyntaxError(self.peek().pos)
        if not self.rules(prop).collection or self.var is not None:
            self.unsupported(prop)
        self.expect("(")
        derive = self.etype.derived.get(prop)
        items = derive if derive is not None else (lambda p: p.get(prop) or [])
        if self.peek().text == ")":  # prop/any(): the collection is not empty
            self.next()
            return lambda p, e: bool(items(p))
        var_tok = self.next()
        if var_tok.kind != "name":
            raise _FilterSyntaxError(var_tok.pos)
        self.expect(":")
        self.var, self.var_prop = var_tok.text, prop
        body = self.expr()
        self.var = self.var_prop = None
        self.expect(")")
        return lambda p, e: any(body(p, item) for item in items(p))

    def operand(self) -> tuple[Callable[[dict[str, Any], Any], Any], str]:
        tok = self.next()
        if tok.kind != "name":
            raise _FilterSyntaxError(tok.pos)
        if self.var is not None and tok.text == self.var:
            if self.peek().text == "/":  # x/field of a complex item, e.g. c/issuerAssignedId
                self.next()
                field_tok = self.next()
                rules = self.etype.filters.get(self.var_prop or "", FilterRules())
                name = next((c for c in rules.children if c.lower() == field_tok.text.lower()),
                            None)
                if field_tok.kind != "name" or name is None:
                    self.unsupported(self.var_prop or "")
                return (lambda p, e: e.get(name) if isinstance(e, dict) else None), \
                    self.var_prop or ""
            return (lambda p, e: e), self.var_prop or ""
        prop = self.etype.canonical(tok.text)
        if prop is None:
            raise bad_request(f"Could not find a property named '{tok.text}' on type "
                              f"'{self.etype.name}'.")
        derive = self.etype.derived.get(prop)
        if derive is not None:
            return (lambda p, e: derive(p)), prop
        return (lambda p, e: p.get(prop)), prop

    def literal(self) -> Any:
        tok = self.next()
        if tok.kind == "string":
            return tok.text[1:-1].replace("''", "'")
        if tok.kind == "guid":
            return tok.text
        if tok.kind == "date":
            moment = _as_date(tok.text)
            if moment is None:
                raise bad_request(f"Invalid filter clause: '{tok.text}' is not a valid "
                                  "Edm.DateTimeOffset value.")
            return moment
        if tok.kind == "number":
            return float(tok.text) if "." in tok.text else int(tok.text)
        if tok.kind == "name" and tok.text.lower() in ("true", "false"):
            return tok.text.lower() == "true"
        if tok.kind == "name" and tok.text.lower() == "null":
            return None
        raise _FilterSyntaxError(tok.pos)

    def literal_list(self) -> list[Any]:
        self.expect("(")
        values = [self.literal()]
        while self.peek().text == ",":
            self.next()
            values.append(self.literal())
        self.expect(")")
        return values

    # -- capability checks ------------------------------------------------
    def rules(self, prop: str) -> FilterRules:
        rules = self.etype.filters.get(prop)
        if rules is None:
            self.unsupported(prop)
        return rules  # type: ignore[return-value]

    def check_type(self, rules: FilterRules, value: Any, kind: str) -> None:
        """Graph refuses e.g. ``accountEnabled eq 'true'``: the literal's type must match."""
        if value is None:
            return
        expected = ("Edm.Boolean" if rules.boolean else "Edm.DateTimeOffset" if rules.date
                    else "Edm.String")
        found = ("Edm.Boolean" if isinstance(value, bool) else "Edm.String"
                 if isinstance(value, str) else "Edm.DateTimeOffset"
                 if isinstance(value, datetime) else "Edm.Int32")
        if expected != found:
            raise bad_request("Invalid filter clause: A binary operator with incompatible types "
                              f"was detected. Found operand types '{expected}' and '{found}' "
                              f"for operator kind '{kind}'.")

    def unsupported(self, prop: str) -> None:
        raise bad_request(f"Unsupported or invalid query filter clause specified for property "
                          f"'{prop}' of resource '{self.etype.resource}'.",
                          "Request_UnsupportedQuery")

    def need_advanced(self, operator: str) -> None:
        if not self.advanced:
            raise bad_request(f"Operator '{operator}' {ADVANCED_HINT}", "Request_UnsupportedQuery")


def _as_date(value: Any) -> datetime | None:
    """A stored or literal date (``2021-01-01`` or ``2021-01-01T08:00:00Z``) as an aware datetime."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _fold(value: Any) -> Any:
    """Case-insensitive comparison key for strings; other values as they are."""
    return value.casefold() if isinstance(value, str) else value


def _text(value: Any) -> str:
    return value.casefold() if isinstance(value, str) else ""


def compile_filter(text: str, etype: EntityType, advanced: bool) -> Callable[[dict[str, Any]], bool]:
    """Parse a ``$filter`` expression into a predicate over an object's property dict."""
    try:
        pred = _FilterParser(text, etype, advanced).parse()
    except _FilterSyntaxError as exc:
        raise bad_request(f"Invalid filter clause: Syntax error at position {exc.pos} "
                          f"in '{text}'.") from None
    return lambda props: pred(props, None)


# ---------------------------------------------------------------------------
# Skip tokens
# ---------------------------------------------------------------------------
def encode_skiptoken(kind: str, value: Any) -> str:
    """An opaque token: ``kind`` "k" resumes after a sort key, "p" at a position."""
    raw = json.dumps([kind, value], separators=(",", ":")).encode()
    return "RFNwdA" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_skiptoken(token: str) -> tuple[str, Any]:
    try:
        if not token.startswith("RFNwdA"):
            raise ValueError(token)
        body = token[6:]
        kind, value = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if (kind == "p" and isinstance(value, int) and value >= 0) or (kind == "k" and isinstance(value, str)):
            return kind, value
        raise ValueError(token)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise bad_request("The specified page token value has expired and can no longer be "
                          "included in your request.", "Request_BadRequest") from None


# ---------------------------------------------------------------------------
# Shaping responses
# ---------------------------------------------------------------------------
def host_url() -> str:
    """The request's ``https://host/``, worked out once per request (werkzeug recomputes
    it at every read, and a page of calendars or groups reads it once per item)."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    environ = req.environ
    url = environ.get(HOST_URL_KEY)
    if url is None:
        # werkzeug derives it from these environ values alone (and the trusted hosts)
        key = (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"),
               environ.get("SERVER_NAME"), environ.get("SERVER_PORT"),
               environ.get("SCRIPT_NAME"), tuple(req.trusted_hosts or ()))
        url = _HOST_URLS.get(key)
        if url is None:
            url = req.host_url
            if len(_HOST_URLS) >= 256:
                _HOST_URLS.clear()
            _HOST_URLS[key] = url
        environ[HOST_URL_KEY] = url
    return url


HOST_URL_KEY = "mocks.graph.host_url"
_HOST_URLS: dict[tuple[Any, ...], str] = {}


def graph_root() -> str:
    """The mock's own ``https://host/v1.0/`` (Graph answers with its own host)."""
    return host_url() + "v1.0/"


def context_url(context: str, select: list[str] | None = None, entity: bool = False) -> str:
    """``@odata.context`` like ``https://host/v1.0/$metadata#users(displayName,mail)/$entity``."""
    url = graph_root() + "$metadata#" + context
    if select:
        url += "(" + ",".join(select) + ")"
    return url + ("/$entity" if entity else "")


# The control information names OData's JSON format defines (``@odata.type``, ...).
ODATA_CONTROL = frozenset("@odata." + name for name in (
    "context", "metadataEtag", "type", "count", "nextLink", "delta", "deltaLink", "id",
    "editLink", "readLink", "etag", "navigationLink", "associationLink", "mediaEditLink",
    "mediaReadLink", "mediaContentType", "mediaEtag", "removed"))


def shape(obj: dict[str, Any], select: list[str] | None, etype: EntityType | None) -> dict[str, Any]:
    """Project one JSON object: ``$select`` (plus ``id``), else the type's default set.

    Annotations such as ``@odata.type`` are always kept, first. ``obj`` is only read.
    """
    # Most objects carry no annotation: a set intersection finds out without a pass over
    # every property (a user has about a hundred).
    annotated = bool(obj.keys() & ODATA_CONTROL)
    out = {k: v for k, v in obj.items() if k.startswith("@odata.")} if annotated else {}
    derived = etype.derived if etype is not None else {}
    if select and select != ["*"]:
        names = select if "id" in select or "id" not in obj else [*select, "id"]
    elif etype is not None and etype.default_select is not None and not select:
        names = etype.default_select
        if derived and _plain_defaults(etype):
            derived = {}  # a listing's default set: every value is read as stored
    else:
        names = [k for k in obj if not k.startswith("@odata.")] if annotated else obj
    get = obj.get
    if not derived:
        if not out:  # the common case: one comprehension instead of a store per name
            return {name: get(name) for name in names}
        for name in names:
            out[name] = get(name)
        return out
    for name in names:
        out[name] = derived[name](obj) if name not in obj and name in derived else get(name)
    return out


def projector(select: list[str] | None, etype: EntityType | None) -> Callable[[dict[str, Any]],
                                                                          dict[str, Any]]:
    """``shape(obj, select, etype)`` as one callable for a whole page: what depends only on
    ``select`` and ``etype`` is worked out once, not once per item. The common listing
    (no ``$select``, a default set of stored properties, no annotations) is one
    comprehension per item; every other case is :func:`shape` itself."""
    if select and select != ["*"]:
        return _select_projector(select, etype)
    if etype is None or select or etype.default_select is None or not _plain_defaults(etype):
        return lambda obj: shape(obj, select, etype)
    names = etype.default_select

    def project(obj: dict[str, Any]) -> dict[str, Any]:
        if obj.keys().isdisjoint(ODATA_CONTROL):  # what shape does when nothing is annotated
            get = obj.get
            return {name: get(name) for name in names}
        return shape(obj, select, etype)

    return project


def _select_projector(select: list[str], etype: EntityType | None) -> Callable[
        [dict[str, Any]], dict[str, Any]]:
    """:func:`projector` for an explicit ``$select``: when no selected name (nor ``id``) is
    a derived property, each item is only read, as :func:`shape` would read it."""
    derived = etype.derived if etype is not None else {}
    if "id" in derived or any(name in derived for name in select):
        return lambda obj: shape(obj, select, etype)
    has_id = "id" in select
    with_id = select if has_id else [*select, "id"]

    def project(obj: dict[str, Any]) -> dict[str, Any]:
        names = select if has_id or "id" not in obj else with_id
        get = obj.get
        if obj.keys().isdisjoint(ODATA_CONTROL):
            return {name: get(name) for name in names}
        out = {k: v for k, v in obj.items() if k.startswith("@odata.")}
        for name in names:
            out[name] = get(name)
        return out

    return project


_PLAIN_DEFAULTS: dict[int, bool] = {}


def _plain_defaults(etype: EntityType) -> bool:
    """Whether no property of the type's default set is derived (then ``shape`` only reads)."""
    plain = _PLAIN_DEFAULTS.get(id(etype))
    if plain is None:
        plain = _PLAIN_DEFAULTS[id(etype)] = not (etype.derived.keys()
                                                  & set(etype.default_select or ()))
    return plain


def entity(obj: dict[str, Any], context: str, etype: EntityType | None,
           query: Query | None = None) -> dict[str, Any]:
    """One object's body for a single-entity GET, with ``@odata.context``."""
    select = query.select if query else None
    body = {"@odata.context": context_url(context, select, entity=True)}
    body.update(shape(obj, select, etype))
    return body


def page(items: Sequence[Any], to_json: Callable[[Any], dict[str, Any]], context: str, *,
         etype: EntityType | None = None, query: Query | None = None,
         key: Callable[[Any], str] | None = None,
         props: Callable[[Any], dict[str, Any]] | None = None,
         extra: Callable[[Any], dict[str, Any]] | None = None,
         shaped: bool = False) -> dict[str, Any]:
    """One page of a collection as Graph's JSON body.

    ``items``: the whole collection in a stable order. ``to_json``: an item's full
    JSON (``$select`` and the default property set are applied to it). ``context``:
    the ``@odata.context`` fragment, e.g. ``"users"``. ``key``: when ``items`` is
    sorted ascending by this key, the skiptoken carries the last key and the next
    page starts by binary search (cheap on 10,000 items, stable under inserts and
    deletes); otherwise it carries a position. ``props``: the dict ``$filter`` and
    ``$orderby`` read (default ``to_json``). ``extra``: what to add to an item after
    projection (``$expand``). ``shaped``: ``to_json`` already gives the projected item.
    """
    q = query or parse_query(etype)
    read = props or to_json
    seq: Sequence[Any] = items
    keyed = key is not None
    if q.orderby is not None:
        name, desc = q.orderby
        keyed = False
        seq = sorted(items, key=lambda it: (_sort_key(read(it).get(name)),
                                            str(read(it).get("id", ""))), reverse=desc)
    start = 0
    if q.skiptoken:
        kind, value = decode_skiptoken(q.skiptoken)
        if kind == "k" and keyed:
            start = bisect.bisect_right(seq, value, key=key)  # type: ignore[arg-type]
        elif kind == "p" and not keyed:
            start = value
        else:
            decode_skiptoken("")  # a token from another kind of listing: refuse it
    chosen: list[Any] = []
    more = False
    at = start
    pred = q.filter
    total = len(seq)
    if pred is None and q.top >= 0:  # no filter: the page is a slice of the collection
        chosen = list(seq[start:start + q.top])
        more = start + q.top < total
        at = start + len(chosen) + 1
    while pred is not None and at < total:
        item = seq[at]
        at += 1
        if pred is not None and not pred(read(item)):
            continue
        if len(chosen) == q.top:
            more = True
            break
        chosen.append(item)
    body: dict[str, Any] = {"@odata.context": context_url(context, q.select)}
    if q.count:
        body["@odata.count"] = (len(seq) if pred is None
                                else sum(1 for it in seq if pred(read(it))))
    if more:
        last = chosen[-1]
        token = (encode_skiptoken("k", key(last)) if keyed and key is not None
                 else encode_skiptoken("p", at - 1))
        body["@odata.nextLink"] = next_link(token)
    project = projector(q.select, etype)
    if shaped and extra is None:
        body["value"] = [to_json(it) for it in chosen]
    elif extra is None:
        body["value"] = [project(to_json(it)) for it in chosen]
    else:
        body["value"] = [{**project(to_json(it)), **extra(it)} for it in chosen]
    return body


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (1, "")
    return (0, value.casefold() if isinstance(value, str) else value)


def next_link(skiptoken: str) -> str:
    """The request's own absolute URL with every option kept and ``$skiptoken`` replaced."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k.lower() != "$skiptoken"]
    pairs.append(("$skiptoken", skiptoken))
    return _base_url() + "?" + urlencode(pairs, safe="$,'():/@")


# Path characters werkzeug's base_url neither quotes nor unquotes (no ``%``, all ASCII).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=@-]*")


def _base_url() -> str:
    """``request.base_url`` (the URL without its query), from the cached :func:`host_url`
    when the path is plain: werkzeug quotes and converts the whole URL again per read."""
    root, path = request.root_path, request.path
    if not (_PLAIN_PATH.fullmatch(root) and _PLAIN_PATH.fullmatch(path)):
        return request.base_url
    return host_url()[:-1] + root.rstrip("/") + "/" + path.lstrip("/")


def count_only(items: Sequence[Any], query: Query, props: Callable[[Any], dict[str, Any]]) -> int:
    """How many items match the query's filter (for ``/$count`` segments)."""
    if query.filter is None:
        return len(items)
    return sum(1 for it in items if query.filter(props(it)))


# ---------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------
UNREADABLE_JSON = ("Unable to read JSON request payload. Please ensure Content-Type header is "
                   "set and payload is of valid JSON format.")


def json_body() -> dict[str, Any]:
    """The request's JSON object body, or Graph's 400 when it is not JSON or not an object.

    Graph needs ``Content-Type: application/json``; without it, or with a body that
    does not parse, it answers ``BadRequest`` "Unable to read JSON request payload...".
    """
    mimetype = (request.mimetype or "").lower()
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise bad_request(UNREADABLE_JSON)
    try:
        body = json.loads(request.get_data(cache=True) or b"")
    except (ValueError, UnicodeDecodeError):
        raise bad_request(UNREADABLE_JSON) from None
    if not isinstance(body, dict):
        raise bad_request(UNREADABLE_JSON)
    return body
