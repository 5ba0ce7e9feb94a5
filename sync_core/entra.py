"""The Entra adapter: reads an :class:`EntraView` from Graph and writes what a plan
says to write (SYNC-5, EXT-1, DEL-1, CAL-1). All Graph I/O of the sync core is here.

Everything that can share a request does: group members (first pages and their
``nextLink`` pages), per-user reads and photo bytes go through ``$batch``, 20 to a
batch, so a full read costs about as many requests as Graph allows.
"""

from __future__ import annotations

import base64
import contextlib
import sys
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sync_core.graph import RETRY_STATUSES, GraphClient, GraphError
from sync_core.model import EntraCalendar, EntraEvent, EntraUser, EntraView

USER_SELECT = ("id,userPrincipalName,mail,displayName,givenName,surname,jobTitle,department,"
               "mobilePhone,businessPhones,accountEnabled,onPremisesSyncEnabled")
MEMBERS_QUERY = "$select=id&$top=999"
EVENTS_QUERY = "$select=id,subject,start,end,transactionId&$top=100"


@dataclass
class PerUserReads:
    """What the per-user reads of one run found (see :meth:`EntraAdapter.per_user_reads`)."""

    photo_etags: dict[str, str | None] = field(default_factory=dict)
    calendars: dict[str, tuple[EntraCalendar, ...]] = field(default_factory=dict)
    events: dict[str, tuple[EntraEvent, ...]] = field(default_factory=dict)


class _PerUserRequests(Sequence[dict[str, Any]]):
    """The per-user read requests, each made when it is sent: a 30,000-user first run
    holds 60,000 small tuples, not 60,000 request dicts with their URLs (peak memory).
    A request's id is its number, unique in any batch."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []  # (kind, user id, calendar id or "")

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._request(i) for i in range(*index.indices(len(self.items)))]
        return self._request(index)

    def _request(self, i: int) -> dict[str, Any]:
        kind, uid, cal = self.items[i]
        if kind == "photo":
            url = f"/users/{uid}/photo"
        elif kind == "calendars":
            url = f"/users/{uid}/calendars?$select=id,name,isDefaultCalendar,canEdit"
        else:
            url = f"/users/{uid}/calendars/{cal}/events?{EVENTS_QUERY}"
        return {"id": str(i), "method": "GET", "url": url}

    def key(self, response: dict[str, Any]) -> tuple[str, str]:
        """(kind, user id or, for events, calendar id) of the request an answer is for."""
        kind, uid, cal = self.items[int(response["id"])]
        return kind, cal if kind == "events" else uid


class EntraAdapter:
    """Reads and writes the one integrated tenant through :class:`GraphClient`."""

    def __init__(self, graph: GraphClient) -> None:
        self.graph = graph
        # the photo bytes this run will copy, streamed ahead (see expect_photos)
        self._photo_stream: Iterator[dict[str, Any]] | None = None
        self._photo_queue: list[str] = []
        self._photos: dict[str, dict[str, Any]] = {}

    # -- reading ---------------------------------------------------------------------
    def read_directory(self, group_ids: Iterable[str]) -> EntraView:
        """Read the tenant, its users and the synced groups' direct members.

        A failed read gives ``complete=False`` with the error (SAFE-1).
        """
        view = EntraView()
        errors: list[str] = []
        try:
            org = self.graph.collect("organization", {"$select": "id,onPremisesSyncEnabled,verifiedDomains"})
            if org:
                view.tenant_hybrid = bool(org[0].get("onPremisesSyncEnabled"))
                view.domains = frozenset(d["name"].lower() for d in org[0].get("verifiedDomains", []))
                view.default_domain = next((d["name"].lower() for d in org[0].get(
                    "verifiedDomains", []) if d.get("isDefault")), None)
            if self.graph.in_flight > 1:
                # Served: the members go out through $batch while the users are paged
                # (each users page waits for the one before it: nextLink).
                with ThreadPoolExecutor(1, thread_name_prefix="graph-members") as pool:
                    members = pool.submit(self.members_of, list(group_ids))
                    self._read_users(view)
                    view.members.update(members.result())
            else:
                self._read_users(view)
                view.members.update(self.members_of(group_ids))
        except GraphError as exc:
            errors.append(str(exc))
        view.complete = not errors
        view.errors = tuple(errors)
        return view

    def _read_users(self, view: EntraView) -> None:
        """Page by page: a page's 999 users become records before the next is read, not
        all 30,000 held as parsed JSON first (issue 13: peak memory)."""
        for page in self.graph.pages("users", {"$select": USER_SELECT, "$top": "999"}):
            for item in page.get("value", []):
                user = entra_user(item)
                view.users[user.id] = user

    def delta_start(self) -> tuple[str, str]:
        """Delta links for users and groups that start from now (``$deltatoken=latest``).

        Asked before a full read, so a change made during the read is reported again
        by the next delta round rather than lost (replays are harmless).
        """
        users = self.graph.get_json("users/delta", params={"$deltatoken": "latest",
                                                           "$select": USER_SELECT})
        groups = self.graph.get_json("groups/delta", params={"$deltatoken": "latest",
                                                             "$select": "id,displayName,members"})
        return users["@odata.deltaLink"], groups["@odata.deltaLink"]

    def delta_round(self, link: str) -> tuple[list[dict[str, Any]], str]:
        """Every page of one delta round; returns the items and the next delta link."""
        items: list[dict[str, Any]] = []
        page = self.graph.get_json(link)
        items += page.get("value", [])
        while next_link := page.get("@odata.nextLink"):
            page = self.graph.get_json(next_link)
            items += page.get("value", [])
        return items, page["@odata.deltaLink"]

    def members_of(self, group_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """SYNC-13: each group's direct members, users only (the microsoft.graph.user cast),
        read through $batch: every group's first page, then every ``nextLink`` page."""
        members: dict[str, list[str]] = {g: [] for g in group_ids}
        todo = {g: f"/groups/{g}/members/microsoft.graph.user?{MEMBERS_QUERY}" for g in members}
        while todo:
            requests = [{"id": str(i), "method": "GET", "url": url}
                        for i, url in enumerate(todo.values())]
            answers = self.graph.batch(requests)
            following: dict[str, str] = {}
            for i, group_id in enumerate(todo):
                response = answers[str(i)]
                status = int(response["status"])
                if status == 404:
                    continue  # the group no longer exists in Entra: nobody is a member
                if status != 200:
                    raise GraphError("GET", f"groups/{group_id}/members", status,
                                     *_inner_error(response))
                body = response.get("body") or {}
                members[group_id] += [item["id"] for item in body.get("value", [])]
                if link := body.get("@odata.nextLink"):
                    following[group_id] = "/" + self.graph.relative(link)
            todo = following
        return {g: tuple(m) for g, m in members.items()}

    def per_user_reads(self, photo_users: Iterable[str], calendar_users: Iterable[str],
                       event_calendars: Iterable[tuple[str, str]]) -> PerUserReads:
        """Photo metadata (PIC-1), calendars with ``canEdit`` (CAL-2) and the events of the
        given (user id, calendar id) pairs (CAL-1), all in one stream of $batch requests.

        None of these reads depends on another, so they share batches and the wire never
        drains between them: up to ``in_flight`` batches stay out from the first to the
        last (issue 13: a run under real Graph latency). Answers are turned into the
        view's small records batch by batch, as they arrive (peak memory).
        """
        reads = PerUserReads()
        requests = _PerUserRequests()
        requests.items += (("photo", uid, "") for uid in photo_users)
        requests.items += (("calendars", uid, "") for uid in calendar_users)
        requests.items += (("events", uid, cal) for uid, cal in event_calendars)
        if not requests:
            return reads
        throttled: list[dict[str, Any]] = []
        with contextlib.closing(self.graph.stream(requests)) as answers:
            for response in answers:
                if int(response.get("status", 500)) in RETRY_STATUSES:
                    throttled.append(response)  # asked again below, after Retry-After
                    continue
                self._take(reads, requests.key(response), response)
        if throttled:
            self.graph.hold_back(max(throttled, key=_retry_after))
            again = self.graph.batch([requests[int(r["id"])] for r in throttled])
            for response in again.values():
                self._take(reads, requests.key(response), response)
        return reads

    def _take(self, reads: PerUserReads, kind_key: tuple[str, str],
              response: dict[str, Any]) -> None:
        """One per-user answer into the records the rules read; a failed one raises."""
        kind, key = kind_key
        status = int(response.get("status", 500))
        body = response.get("body") or {}
        if kind == "photo":
            if status == 200:
                # Graph answers a user without a photo with a placeholder whose etag is empty.
                reads.photo_etags[key] = body.get("@odata.mediaEtag") or None
            elif status == 404:
                reads.photo_etags[key] = None
            else:
                raise GraphError("GET", f"/users/{key}/photo", status, *_inner_error(response))
        elif kind == "calendars":
            if status != 200:
                raise GraphError("GET", f"/users/{key}/calendars", status,
                                 *_inner_error(response))
            reads.calendars[key] = tuple(
                EntraCalendar(c["id"], c.get("name", ""), bool(c.get("isDefaultCalendar")),
                              bool(c.get("canEdit")))
                for c in body.get("value", []))
        else:
            if status != 200:
                raise GraphError("GET", f"calendars/{key}/events", status,
                                 *_inner_error(response))
            items = list(body.get("value", []))
            if body.get("@odata.nextLink"):  # a long calendar: the rest page by page
                items += self.graph.collect(body["@odata.nextLink"])
            reads.events[key] = tuple(
                EntraEvent(e["id"], key, e.get("subject") or "",
                           (e.get("start") or {}).get("dateTime", ""),
                           (e.get("end") or {}).get("dateTime", ""), e.get("transactionId"))
                for e in items)

    def user_id(self, key: str) -> str:
        """The object id of the user with this id or user principal name."""
        return self.graph.get_json(f"users/{key}", params={"$select": "id"})["id"]

    def expect_photos(self, user_ids: Iterable[str]) -> None:
        """The users whose photo bytes :meth:`photo` will be asked for, in that order: they
        are streamed ahead through $batch, so the wire stays busy while earlier photos are
        being copied."""
        if self._photo_stream is not None:
            self._photo_stream.close()  # a previous run's stream that was not used up
        self._photos.clear()
        self._photo_queue = list(dict.fromkeys(user_ids))
        self._photo_stream = self._stream_photos(self._photo_queue)

    def _stream_photos(self, user_ids: list[str]) -> Iterator[dict[str, Any]] | None:
        return self.graph.stream([{"id": uid, "method": "GET", "url": f"/users/{uid}/photo/$value"}
                                  for uid in user_ids]) if user_ids else None

    def photo(self, user_id: str) -> tuple[bytes, str]:
        """A user's photo bytes and content type (PIC-1)."""
        while user_id not in self._photos and self._photo_stream is not None:
            try:
                response = next(self._photo_stream, None)
            except GraphError:
                # The batch carrying this photo failed for good: this copy fails; the
                # photos still to come are streamed again, from the next one on.
                at = self._photo_queue.index(user_id) if user_id in self._photo_queue else -1
                self._photo_queue = [u for u in self._photo_queue[at + 1:]
                                     if u not in self._photos]
                self._photo_stream = self._stream_photos(self._photo_queue)
                raise
            if response is None:  # every expected photo has arrived
                self._photo_stream = None
                break
            self._photos[response["id"]] = response
        found = self._photos.pop(user_id, None)
        if found is not None and int(found.get("status", 500)) in RETRY_STATUSES:
            # throttled inside its batch: asked again, after Graph's Retry-After
            self.graph.hold_back(found)
            found = self.graph.batch([{"id": user_id, "method": "GET",
                                       "url": f"/users/{user_id}/photo/$value"}])[user_id]
        if found is None:  # not expected: one request of its own
            response = self.graph.request("GET", f"users/{user_id}/photo/$value")
            return response.content, response.headers.get("Content-Type", "image/jpeg")
        return _photo_bytes(user_id, found)

    # -- writing -----------------------------------------------------------------------
    def update_user(self, user_id: str, changes: dict[str, Any]) -> None:
        """SYNC-5. Graph answers 400 for on-premises-mastered users (SYNC-11)."""
        self.graph.request("PATCH", f"users/{user_id}", json=changes)

    def create_user(self, data: dict[str, Any], password: str) -> str:
        """EXT-1. A retried create first checks whether the first attempt landed."""
        upn = data["userPrincipalName"]
        body = {"accountEnabled": True, "mailNickname": upn.split("@")[0],
                "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": password},
                **data}

        def already_there():
            try:
                return self.graph.request("GET", f"users/{upn}", params={"$select": "id"})
            except GraphError as exc:
                if exc.status == 404:
                    return None
                raise

        response = self.graph.request("POST", "users", json=body, before_retry=already_there)
        return response.json()["id"]

    def delete_user(self, user_id: str) -> None:
        """DEL-1: the user moves to Entra's deleted items."""
        try:
            self.graph.request("DELETE", f"users/{user_id}")
        except GraphError as exc:
            if exc.status != 404:  # a retried delete that already happened
                raise

    def create_event(self, user_id: str, calendar_id: str, event: dict[str, Any]) -> str:
        """CAL-1: ``transactionId`` makes a retried POST return the first event, not a copy."""
        body = {
            "subject": event["subject"],
            "start": {"dateTime": event["start"], "timeZone": event.get("timeZone", "UTC")},
            "end": {"dateTime": event["end"], "timeZone": event.get("timeZone", "UTC")},
            "transactionId": event["transactionId"],
        }
        response = self.graph.request("POST", f"users/{user_id}/calendars/{calendar_id}/events",
                                      json=body, idempotent=True)
        return response.json()["id"]


def entra_user(item: dict[str, Any]) -> EntraUser:
    """A user as the rules read it. Names, job titles and departments repeat across a
    tenant: one shared string each, not one per user read (issue 13, memory)."""
    return EntraUser(
        id=item["id"], user_principal_name=item.get("userPrincipalName") or "",
        mail=item.get("mail"), display_name=item.get("displayName"),
        given_name=_shared(item.get("givenName")), surname=_shared(item.get("surname")),
        job_title=_shared(item.get("jobTitle")), department=_shared(item.get("department")),
        mobile_phone=item.get("mobilePhone"),
        business_phones=tuple(item.get("businessPhones") or ()),
        account_enabled=item.get("accountEnabled") is not False,
        hybrid=bool(item.get("onPremisesSyncEnabled")))


def _photo_bytes(user_id: str, response: dict[str, Any]) -> tuple[bytes, str]:
    """The bytes and content type of a ``photo/$value`` answer inside a batch (base64)."""
    status = int(response.get("status", 500))
    if status != 200:
        raise GraphError("GET", f"users/{user_id}/photo/$value", status, *_inner_error(response))
    body = response.get("body")
    if not isinstance(body, str):  # a JSON body where bytes were expected: not a photo
        raise GraphError("GET", f"users/{user_id}/photo/$value", status, "unexpectedBody",
                         "the photo was not binary")
    content_type = next((v for k, v in (response.get("headers") or {}).items()
                         if k.lower() == "content-type"), "image/jpeg")
    return base64.b64decode(body), content_type


def _shared(value: Any) -> Any:
    return sys.intern(value) if isinstance(value, str) else value


def _retry_after(response: dict[str, Any]) -> float:
    """The Retry-After of an inner answer in seconds (1 when it names none)."""
    value = next((v for k, v in (response.get("headers") or {}).items()
                  if k.lower() == "retry-after"), None)
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except ValueError:
        return 1.0


def _inner_error(response: dict[str, Any]) -> tuple[str, str]:
    body = response.get("body")
    error = (body.get("error") if isinstance(body, dict) else None) or {}
    return error.get("code", "unknown"), error.get("message", "")
