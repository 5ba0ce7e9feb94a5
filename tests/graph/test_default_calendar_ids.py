"""A user's default calendar (made on first read, as Exchange does) has the same id and
change key whichever order reads come in, in process or served with requests in flight,
and making it draws nothing from the world's id sequence."""

from __future__ import annotations

import sys
import threading
import uuid

import httpx
import pytest

from mocks.entra.mailbox import default_calendar
from mocks.generate import Options, generate
from mocks.graph.app import create_app
from mocks.serving import ServedWorld
from mocks.world import World
from mocks.worldfile import load
from tests.graph.conftest import GRAPH

PERMISSIONS = ["User.Read.All", "Calendars.Read"]


def _world() -> World:
    base = {"seed": 11, "clock": "2026-01-05T08:00:00Z",
            "entra": {"tenant": {"displayName": "Calendars"},
                      "domains": [{"name": "contoso.dk", "default": True}],
                      "apps": [{"displayName": "Reader", "permissions": PERMISSIONS}]}}
    world = World()
    load(world, generate(Options(users=24, groups=2, seed=11, calendars=0.0), base))
    return world


def _token(world: World) -> str:
    app = next(iter(world.tenant.apps.values()))
    return world.tokens.issue(world.tenant.id, app.client_id, app.object_id, ["Calendars.Read"])


def _read_in_process(world: World, order: list[str]) -> dict[str, tuple[str, str]]:
    headers = {"Authorization": f"Bearer {_token(world)}"}
    with httpx.Client(transport=httpx.WSGITransport(app=create_app(world)), base_url=GRAPH,
                      headers=headers) as client:
        seen = {}
        for uid in order:
            body = client.get(f"/users/{uid}/calendar").json()
            seen[uid] = (body["id"], body["changeKey"])
        return seen


def test_default_calendar_ids_do_not_depend_on_the_order_of_reads():
    forward, backward, unread = _world(), _world(), _world()
    users = sorted(forward.tenant.users)
    assert users == sorted(backward.tenant.users) == sorted(unread.tenant.users)
    first = _read_in_process(forward, users)
    second = _read_in_process(backward, users[::-1])
    assert first == second
    for calendar_id, change_key in first.values():
        assert uuid.UUID(calendar_id).version == 4 and str(uuid.UUID(calendar_id)) == calendar_id
        assert len(change_key) == 16 and int(change_key, 16) >= 0
    assert len({cid for cid, _ in first.values()}) == len(users)
    # the ids drawn next (users, events, tokens) are those of a world where nobody read
    assert forward.ids.guid() == backward.ids.guid() == unread.ids.guid()


def test_served_reads_in_flight_give_the_in_process_ids_and_one_default_each(monkeypatch):
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy",
                 "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    served_world, local = _world(), _world()
    users = sorted(served_world.tenant.users)
    expected = _read_in_process(local, users)
    seen: dict[str, set[tuple[str, str]]] = {uid: set() for uid in users}
    errors: list[str] = []
    with ServedWorld(served_world) as served:
        headers = {"Authorization": f"Bearer {_token(served_world)}"}
        start = threading.Barrier(4)

        def reader(shift: int) -> None:
            with httpx.Client(verify=served.ssl_context(), trust_env=False,
                              base_url=served.graph_url, headers=headers) as client:
                start.wait()
                for uid in users[shift:] + users[:shift]:  # everyone, from different places
                    response = client.get(f"/users/{uid}/calendar")
                    if response.status_code != 200:
                        errors.append(response.text)
                        continue
                    body = response.json()
                    seen[uid].add((body["id"], body["changeKey"]))

        threads = [threading.Thread(target=reader, args=(i * len(users) // 4,))
                   for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert {uid: found.pop() for uid, found in seen.items() if len(found) == 1} == expected
        with httpx.Client(verify=served.ssl_context(), trust_env=False,
                          base_url=served.graph_url, headers=headers) as client:
            for uid in users:
                listed = client.get(f"/users/{uid}/calendars").json()["value"]
                assert [c["id"] for c in listed if c["isDefaultCalendar"]] == [expected[uid][0]]
    assert served_world.ids.guid() == local.ids.guid()


@pytest.mark.parametrize("reads", [1, 3])
def test_a_default_calendar_is_made_once_and_kept(reads):
    world = _world()
    uid = sorted(world.tenant.users)[0]
    made = [default_calendar(world.tenant, uid) for _ in range(reads)]
    assert all(c is made[0] for c in made)
    assert world.tenant.calendars_by_owner[uid].count(made[0].id) == 1


def test_concurrent_first_reads_make_one_default_calendar_per_user():
    """Served Graph handlers run on several threads with no lock around them: first reads
    of one mailbox racing must not leave two default calendars."""
    world = _world()
    tenant = world.tenant
    users = sorted(tenant.users)
    start = threading.Barrier(8)

    def reader() -> None:
        start.wait()
        for uid in users:
            default_calendar(tenant, uid)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: widen any race
    try:
        for _ in range(10):
            for uid in users:  # every mailbox back to "never read"
                for calendar_id in tenant.calendars_by_owner.pop(uid, ()):
                    del tenant.calendars[calendar_id]
            threads = [threading.Thread(target=reader) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            doubled = [uid for uid in users if len(tenant.calendars_by_owner[uid]) != 1]
            assert doubled == []
    finally:
        sys.setswitchinterval(interval)
