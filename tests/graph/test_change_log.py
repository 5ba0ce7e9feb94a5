"""The tenant's change log after a world load: only the count of the load's changes is kept."""

from __future__ import annotations

import pytest

from mocks.entra.models import Change, ChangeLog

from .conftest import WORLD_DOC


def drain(client, url: str) -> tuple[list[dict], str]:
    objects = []
    while True:
        body = client.get(url).json()
        objects += body["value"]
        if "@odata.deltaLink" in body:
            return objects, body["@odata.deltaLink"]
        url = body["@odata.nextLink"]


def test_a_loaded_world_counts_its_changes_but_keeps_none(world, client):
    users, groups = len(WORLD_DOC["users"]), len(WORLD_DOC["groups"])
    log = world.tenant.changes
    assert log.base == world.tenant.last_seq >= users + groups
    assert list(log) == []
    first, link = drain(client, "/users/delta")
    assert len(first) == users  # the first round pages the users themselves
    client.patch(f"/users/{first[0]['id']}", json={"jobTitle": "Controller"})
    changed, _ = drain(client, link)
    assert [u["id"] for u in changed] == [first[0]["id"]]
    assert world.tenant.changes[-1].kind == "upsert"


def test_a_delta_link_from_before_forgotten_changes_must_resync(world, client):
    _, link = drain(client, "/users/delta")
    user = next(iter(world.tenant.users))
    client.patch(f"/users/{user}", json={"jobTitle": "Controller"})
    world.tenant.changes.forget()  # the change the link would report is gone
    response = client.get(link)
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "resyncRequired"
    assert drain(client, "/users/delta")[0]  # a new round works


def test_change_log_indexes_by_absolute_position():
    log = ChangeLog()
    for n in range(1, 6):
        log.append(Change(n, "user", f"u{n}", "upsert"))
    log.forget()
    log.append(Change(6, "user", "u6", "upsert"))
    log.append(Change(7, "user", "u7", "softDelete"))
    assert len(log) == 7 and log.base == 5
    assert [c.seq for c in log[5:7]] == [6, 7] == [c.seq for c in log[5:]]
    assert log[6].kind == log[-1].kind == "softDelete"
    assert log[7:7] == []
    with pytest.raises(IndexError):
        log[4]
    with pytest.raises(IndexError):
        log[3:6]
