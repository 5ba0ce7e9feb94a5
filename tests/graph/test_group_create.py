"""POST /groups: a security group as Microsoft documents it, and Graph's 400s for bad bodies."""

from __future__ import annotations

import httpx

from .conftest import GRAPH, error_of

GROUP = {"displayName": "Warehouse", "mailEnabled": False, "mailNickname": "warehouse",
         "securityEnabled": True, "description": "Floor staff"}


def test_a_security_group_is_created_and_listed(client, world):
    response = client.post("/groups", json=GROUP)
    assert response.status_code == 201
    body = response.json()
    assert body["@odata.context"].endswith("$metadata#groups/$entity")
    assert (body["displayName"], body["securityEnabled"], body["mailEnabled"]) == ("Warehouse", True, False)
    assert body["id"] in world.tenant.groups and world.tenant.groups[body["id"]].members == []
    assert client.get(f"/groups/{body['id']}").json()["description"] == "Floor staff"


def test_each_required_property_is_required(client, world):
    count = len(world.tenant.groups)
    for name in ("displayName", "mailEnabled", "mailNickname", "securityEnabled"):
        body = {k: v for k, v in GROUP.items() if k != name}
        status, code, message = error_of(client.post("/groups", json=body))
        assert (status, code) == (400, "Request_BadRequest")
        assert message == f"Invalid value specified for property '{name}' of resource 'Group'."
    assert len(world.tenant.groups) == count


def test_unknown_properties_and_wrong_types_are_refused(client):
    status, code, message = error_of(client.post("/groups", json={**GROUP, "colour": "red"}))
    assert (status, code) == (400, "BadRequest")
    assert "The property 'colour' does not exist on type 'microsoft.graph.group'" in message
    status, code, _ = error_of(client.post("/groups", json={**GROUP, "securityEnabled": "yes"}))
    assert (status, code) == (400, "Request_BadRequest")
    status, code, _ = error_of(client.post("/groups", content=b"{", headers={
        "Content-Type": "application/json"}))
    assert status == 400


def test_creating_needs_a_group_write_permission(app, token):
    for roles, expected in ((["GroupMember.ReadWrite.All"], 403), (["Group.Create"], 201),
                            (["Group.ReadWrite.All"], 201)):
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url=GRAPH,
                          headers={"Authorization": f"Bearer {token(*roles)}"}) as c:
            assert c.post("/groups", json=GROUP).status_code == expected, roles
