"""Microsoft's own Graph SDK for Python (msgraph-sdk) against the served mock, over real HTTPS.

The SDK is used as Microsoft documents it, changed only in what a client of another
cloud changes: the base URL (``served.graph_url``), the credentials (azure-identity's
``ClientSecretCredential`` pointed at the mock authority, instance discovery off),
the allowed hosts (127.0.0.1) and CA trust (the served world's throw-away CA).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.event import Event
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.user import User
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import GraphClientFactory
from msgraph_core.tasks.page_iterator import PageIterator

from mocks.serving import ServedWorld
from mocks.world import World

USERS = 250
GRAPH_SCOPES = ["https://graph.microsoft.com/.default"]
ROLES = {"User.ReadWrite.All", "GroupMember.Read.All", "Calendars.ReadWrite"}
# The generated request builders warn about their own deprecated configuration classes.
pytestmark = pytest.mark.filterwarnings("ignore:This class is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def served() -> Iterator[ServedWorld]:
    """One world served for this module: 250 users, a group with a nested group, one app."""
    world = World(seed=41)
    tenant = world.tenant
    tenant.add_domain("contoso.com", default=True)
    for n in range(USERS):
        tenant.add_user({"userPrincipalName": f"user{n:03d}@contoso.com",
                         "displayName": f"User {n:03d}", "mail": f"user{n:03d}@contoso.com",
                         "jobTitle": "Engineer"})
    upn = tenant.user_by_id_or_upn
    managers = tenant.add_group({"displayName": "Managers"}, members=[upn("user007@contoso.com").id])
    tenant.add_group({"displayName": "Engineering"},
                     members=[upn("user001@contoso.com").id, upn("user002@contoso.com").id,
                              managers.id])
    tenant.add_app("SDK test app", frozenset(ROLES))
    with ServedWorld(world) as serving:
        yield serving


class Sdk:
    """A GraphServiceClient on the served mock, as a user of the SDK would build it."""

    def __init__(self, served: ServedWorld) -> None:
        reg = next(iter(served.world.tenant.apps.values()))
        self.credential = ClientSecretCredential(
            served.world.tenant.id, reg.client_id, reg.secret,
            authority=served.identity_url, disable_instance_discovery=True,
            connection_verify=served.ca_file)
        auth = AzureIdentityAuthenticationProvider(self.credential, scopes=GRAPH_SCOPES,
                                                   allowed_hosts=["127.0.0.1"])
        self.http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(verify=served.ssl_context(), base_url=served.graph_url))
        self.adapter = GraphRequestAdapter(auth, client=self.http)
        self.client = GraphServiceClient(request_adapter=self.adapter)

    async def close(self) -> None:
        await self.http.aclose()
        self.credential.close()


def run(served: ServedWorld, scenario) -> Any:
    """Run ``scenario(sdk)`` on a fresh SDK client in its own event loop, on its own thread
    (another test's library, such as Playwright's sync API, may own this thread's loop)."""
    async def main() -> Any:
        sdk = Sdk(served)
        try:
            return await scenario(sdk)
        finally:
            await sdk.close()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, main()).result()


def graph_requests(served: ServedWorld, since: int, path: str) -> list[str]:
    """The URLs of the Graph requests the mock journaled after ``since`` whose path is ``path``."""
    return [e.url for e in served.world.journal.entries(since=since)
            if httpx.URL(e.url).path == f"/v1.0{path}"]


def test_page_iterator_lists_every_user_once_across_pages(served, no_env_overrides):
    since = served.world.journal.last_seq
    seen: list[User] = []

    async def scenario(sdk: Sdk) -> None:
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(top=100)
        first = await sdk.client.users.get(RequestConfiguration(query_parameters=query))
        assert len(first.value) == 100 and first.odata_next_link.startswith(served.graph_url)
        iterator = PageIterator(first, sdk.adapter)
        await iterator.iterate(lambda user: seen.append(user) or True)

    run(served, scenario)

    ids = [user.id for user in seen]
    assert len(ids) == len(set(ids)) == USERS
    assert set(ids) == set(served.world.tenant.users)
    assert all(isinstance(user, User) and user.user_principal_name for user in seen)
    pages = graph_requests(served, since, "/users")
    assert len(pages) == 3  # 100 + 100 + 50
    assert all("%24top=100" in url or "$top=100" in url for url in pages)


def test_group_members_come_typed_as_users_and_groups(served, no_env_overrides):
    tenant = served.world.tenant
    group = next(g for g in tenant.groups.values() if g.props["displayName"] == "Engineering")

    async def scenario(sdk: Sdk) -> tuple[Any, Any]:
        members = await sdk.client.groups.by_group_id(group.id).members.get()
        users_only = await sdk.client.groups.by_group_id(group.id).members.graph_user.get()
        return members, users_only

    members, users_only = run(served, scenario)

    users = sorted(m.user_principal_name for m in members.value if isinstance(m, User))
    groups = [m.display_name for m in members.value if isinstance(m, Group)]
    assert users == ["user001@contoso.com", "user002@contoso.com"]
    assert groups == ["Managers"]
    assert sorted(u.user_principal_name for u in users_only.value) == users


def test_users_delta_round_then_only_the_change(served, no_env_overrides):
    tenant = served.world.tenant
    target = tenant.user_by_id_or_upn("user123@contoso.com")

    async def scenario(sdk: Sdk) -> tuple[list[User], int, list[User], list[User]]:
        first_round: list[User] = []
        pages = 0
        response = await sdk.client.users.delta.get()
        while True:
            pages += 1
            first_round.extend(response.value)
            if not response.odata_next_link:
                break
            response = await sdk.client.users.delta.with_url(response.odata_next_link).get()
        delta_link = response.odata_delta_link
        assert delta_link and delta_link.startswith(served.graph_url)

        await sdk.client.users.by_user_id(target.id).patch(User(job_title="Delta Lead"))

        changes = await sdk.client.users.delta.with_url(delta_link).get()
        assert changes.odata_delta_link and not changes.odata_next_link
        quiet = await sdk.client.users.delta.with_url(changes.odata_delta_link).get()
        return first_round, pages, changes.value, quiet.value

    first_round, pages, changes, quiet = run(served, scenario)

    assert pages == 2  # the mock pages delta rounds by 200
    assert {u.id for u in first_round} == set(tenant.users) and len(first_round) == USERS
    assert [(u.id, u.job_title, u.user_principal_name) for u in changes] == [
        (target.id, "Delta Lead", "user123@contoso.com")]
    assert quiet == []
    assert tenant.users[target.id].props["jobTitle"] == "Delta Lead"


def test_create_a_calendar_event_and_read_it_back(served, no_env_overrides):
    owner = served.world.tenant.user_by_id_or_upn("user042@contoso.com")

    async def scenario(sdk: Sdk) -> tuple[Event, list[Event]]:
        mailbox = sdk.client.users.by_user_id(owner.id)
        calendars = (await mailbox.calendars.get()).value
        default = next(c for c in calendars if c.is_default_calendar)
        assert default.can_edit and default.owner.address == "user042@contoso.com"
        created = await mailbox.calendars.by_calendar_id(default.id).events.post(Event(
            subject="Onboarding: first day",
            start=DateTimeTimeZone(date_time="2026-01-06T09:00:00",
                                   time_zone="Romance Standard Time"),
            end=DateTimeTimeZone(date_time="2026-01-06T10:30:00",
                                 time_zone="Romance Standard Time")))
        listed = await mailbox.calendars.by_calendar_id(default.id).events.get()
        return created, listed.value

    created, listed = run(served, scenario)

    assert created.id and created.subject == "Onboarding: first day"
    assert created.original_start_time_zone == "Romance Standard Time"
    assert [e.id for e in listed] == [created.id]
    back = listed[0]
    assert back.subject == "Onboarding: first day"
    # Paris is UTC+1 in January: the event comes back in UTC, as Graph answers by default.
    assert (back.start.date_time, back.start.time_zone) == ("2026-01-06T08:00:00.0000000", "UTC")
    assert (back.end.date_time, back.end.time_zone) == ("2026-01-06T09:30:00.0000000", "UTC")
    assert back.organizer.email_address.address == "user042@contoso.com"


def test_graph_errors_reach_the_sdk_as_odata_errors(served, no_env_overrides):
    async def scenario(sdk: Sdk) -> ODataError:
        with pytest.raises(ODataError) as raised:
            await sdk.client.users.by_user_id("nobody@contoso.com").get()
        return raised.value

    error = run(served, scenario)

    assert error.response_status_code == 404
    assert error.error.code == "Request_ResourceNotFound"
    assert "nobody@contoso.com" in error.error.message
    assert error.error.inner_error.request_id and error.error.inner_error.client_request_id


def test_deleted_user_is_listed_and_restored_through_the_sdk(served, no_env_overrides):
    tenant = served.world.tenant
    leaver = tenant.user_by_id_or_upn("user200@contoso.com")

    async def scenario(sdk: Sdk) -> tuple[list[str], str]:
        await sdk.client.users.by_user_id(leaver.id).delete()
        deleted = await sdk.client.directory.deleted_items.graph_user.get()
        restored = await sdk.client.directory.deleted_items.by_directory_object_id(
            leaver.id).restore.post()
        return [u.user_principal_name for u in deleted.value], restored.id

    deleted_upns, restored_id = run(served, scenario)

    assert "user200@contoso.com" in deleted_upns
    assert restored_id == leaver.id and leaver.id in tenant.users
