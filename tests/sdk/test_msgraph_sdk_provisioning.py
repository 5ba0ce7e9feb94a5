"""msgraph-sdk on the provisioning surface (issue 14): manager, memberOf, group create,
bind and delete, event update and delete, photo upload, served over HTTPS and in-process.

In-process, the SDK's own HTTP client (with Microsoft's middleware) reaches the Graph
app through an async wrapper of ``httpx.WSGITransport`` and sends a token issued by the
world; served, it signs in with azure-identity as in ``test_msgraph_sdk``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.event import Event
from msgraph.generated.models.group import Group
from msgraph.generated.models.reference_update import ReferenceUpdate
from msgraph.generated.models.user import User
from msgraph.generated.users.item.get_member_groups.get_member_groups_post_request_body import (
    GetMemberGroupsPostRequestBody,
)
from msgraph_core import GraphClientFactory

from mocks.entra import mailbox
from mocks.graph.app import create_app
from mocks.serving import ServedWorld
from mocks.world import World

from .test_msgraph_sdk import Sdk
from .test_permission_table import png

GRAPH = "https://graph.microsoft.com/v1.0"
ROLES = {"User.ReadWrite.All", "Group.ReadWrite.All", "Calendars.ReadWrite",
         "ProfilePhoto.ReadWrite.All"}
pytestmark = pytest.mark.filterwarnings("ignore:This class is deprecated:DeprecationWarning")


def provisioning_world() -> World:
    """Three people (one managing two), a nested group, one app with the roles above."""
    world = World(seed=14)
    t = world.tenant
    t.add_domain("contoso.com", default=True)
    for nick, name in (("ida.holm", "Ida Holm"), ("jonas.wad", "Jonas Wad"),
                       ("adam.berg", "Adam Berg")):
        t.add_user({"userPrincipalName": f"{nick}@contoso.com", "displayName": name,
                    "mail": f"{nick}@contoso.com", "mailNickname": nick})
    ida, jonas, adam = (t.user_by_id_or_upn(f"{n}@contoso.com").id
                        for n in ("ida.holm", "jonas.wad", "adam.berg"))
    t.set_manager(jonas, ida)
    t.set_manager(adam, ida)
    payroll = t.add_group({"displayName": "Payroll", "mailNickname": "payroll"}, members=[adam])
    t.add_group({"displayName": "People team", "mailNickname": "people"}, members=[ida, payroll.id])
    t.add_app("QA scripts", frozenset(ROLES))
    return world


class StaticToken(AccessTokenProvider):
    """A token the world issued, for the in-process client (no identity round trip)."""

    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(self, uri: str, additional_authentication_context=None) -> str:
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator(["graph.microsoft.com"])


class AsyncWsgi(httpx.AsyncBaseTransport):
    """The Graph app in-process, for an async client (each request runs the WSGI app)."""

    def __init__(self, app) -> None:
        self.sync = httpx.WSGITransport(app=app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        content = await request.aread()
        answer = self.sync.handle_request(httpx.Request(request.method, request.url,
                                                        headers=request.headers, content=content))
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.read())


class InProcessSdk:
    def __init__(self, world: World) -> None:
        reg = next(iter(world.tenant.apps.values()))
        token = world.tokens.issue(world.tenant.id, reg.client_id, reg.object_id, sorted(ROLES))
        self.http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(transport=AsyncWsgi(create_app(world)), base_url=GRAPH))
        self.adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(token)),
                                           client=self.http)
        self.client = GraphServiceClient(request_adapter=self.adapter)

    async def close(self) -> None:
        await self.http.aclose()


@pytest.fixture(params=["in-process", "served"])
def mode(request) -> Iterator[tuple[World, Any]]:
    """(world, make_sdk) for a fresh world, reached in-process or served over HTTPS."""
    world = provisioning_world()
    if request.param == "in-process":
        yield world, lambda: InProcessSdk(world)
        return
    request.getfixturevalue("no_env_overrides")
    with ServedWorld(world) as served:
        yield world, lambda: Sdk(served)


def run(make_sdk, scenario) -> Any:
    """``scenario(client)`` on a fresh SDK client, in its own loop on its own thread."""
    async def main() -> Any:
        sdk = make_sdk()
        try:
            return await scenario(sdk.client)
        finally:
            await sdk.close()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def uid(world: World, nick: str) -> str:
    return world.tenant.user_by_id_or_upn(f"{nick}@contoso.com").id


def test_manager_read_assign_and_remove(mode):
    world, make = mode
    ida, jonas, adam = uid(world, "ida.holm"), uid(world, "jonas.wad"), uid(world, "adam.berg")

    async def scenario(client: GraphServiceClient) -> tuple[Any, list[str]]:
        manager = await client.users.by_user_id(jonas).manager.get()
        reports = await client.users.by_user_id(ida).direct_reports.get()
        await client.users.by_user_id(ida).manager.ref.put(
            ReferenceUpdate(odata_id=f"{GRAPH}/users/{jonas}"))
        await client.users.by_user_id(adam).manager.ref.delete()
        return manager, [r.display_name for r in reports.value]

    manager, reports = run(make, scenario)
    assert isinstance(manager, User) and manager.display_name == "Ida Holm"
    assert sorted(reports) == ["Adam Berg", "Jonas Wad"]
    assert world.tenant.manager_of(ida).id == jonas
    assert world.tenant.manager_of(adam) is None


def test_member_of_direct_and_transitive(mode):
    world, make = mode
    adam = uid(world, "adam.berg")

    async def scenario(client: GraphServiceClient) -> tuple[list[str], list[str], list[str]]:
        direct = await client.users.by_user_id(adam).member_of.get()
        nested = await client.users.by_user_id(adam).transitive_member_of.get()
        ids = await client.users.by_user_id(adam).get_member_groups.post(
            GetMemberGroupsPostRequestBody(security_enabled_only=True))
        return ([g.display_name for g in direct.value], [g.display_name for g in nested.value],
                ids.value)

    direct, nested, ids = run(make, scenario)
    assert direct == ["Payroll"]
    assert sorted(nested) == ["Payroll", "People team"]
    groups = {g.props["displayName"]: g.id for g in world.tenant.groups.values()}
    assert sorted(ids) == sorted(groups.values())
    assert all(isinstance(g, str) for g in ids)


def test_group_create_bind_members_and_delete(mode):
    world, make = mode
    ida, jonas = uid(world, "ida.holm"), uid(world, "jonas.wad")

    async def scenario(client: GraphServiceClient) -> tuple[Group, list[str]]:
        created = await client.groups.post(Group(
            display_name="Onboarding", mail_enabled=False, mail_nickname="onboarding",
            security_enabled=True,
            additional_data={"members@odata.bind": [f"{GRAPH}/directoryObjects/{ida}"]}))
        await client.groups.by_group_id(created.id).patch(Group(additional_data={
            "members@odata.bind": [f"{GRAPH}/directoryObjects/{jonas}"]}))
        members = await client.groups.by_group_id(created.id).members.get()
        await client.groups.by_group_id(created.id).delete()
        return created, [m.display_name for m in members.value]

    created, members = run(make, scenario)
    assert created.id and created.display_name == "Onboarding" and created.security_enabled
    assert members == ["Ida Holm", "Jonas Wad"]
    assert created.id not in world.tenant.groups and created.id not in world.tenant.deleted_groups


def test_event_update_and_delete(mode):
    world, make = mode
    ida = uid(world, "ida.holm")
    calendar = mailbox.default_calendar(world.tenant, ida)
    keep, _ = mailbox.create_event(world.tenant, ida, calendar.id, {
        "subject": "Intro", "start": {"dateTime": "2026-01-07T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-01-07T10:00:00", "timeZone": "UTC"}})
    drop, _ = mailbox.create_event(world.tenant, ida, calendar.id, {
        "subject": "Cancelled", "start": {"dateTime": "2026-01-08T09:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-01-08T10:00:00", "timeZone": "UTC"}})

    async def scenario(client: GraphServiceClient) -> Event:
        mailbox_ = client.users.by_user_id(ida)
        updated = await mailbox_.events.by_event_id(keep.id).patch(Event(
            subject="Intro (moved)",
            start=DateTimeTimeZone(date_time="2026-01-07T13:00:00", time_zone="UTC"),
            end=DateTimeTimeZone(date_time="2026-01-07T14:00:00", time_zone="UTC")))
        await mailbox_.calendars.by_calendar_id(calendar.id).events.by_event_id(drop.id).delete()
        return updated

    updated = run(make, scenario)
    assert updated.subject == "Intro (moved)"
    assert updated.start.date_time.startswith("2026-01-07T13:00:00")
    assert list(world.tenant.events) == [keep.id]
    assert world.tenant.events[keep.id].props["subject"] == "Intro (moved)"


def test_photo_upload_through_the_sdk(mode):
    world, make = mode
    jonas = uid(world, "jonas.wad")
    image = png(12, 9)

    async def scenario(client: GraphServiceClient) -> bytes:
        await client.users.by_user_id(jonas).photo.content.put(image)
        return await client.users.by_user_id(jonas).photo.content.get()

    back = run(make, scenario)
    photo = world.tenant.photos[jonas]
    assert back == image and photo.content == image
    assert (photo.content_type, photo.width, photo.height) == ("image/png", 12, 9)
