"""GET /users/{id|upn}, POST /users, PATCH /users/{id}, DELETE /users/{id}."""

from __future__ import annotations

import pytest

from mocks.entra.models import HYBRID_REFUSAL

from .conftest import error_of, upn_id

NEW_USER = {
    "accountEnabled": True,
    "displayName": "Adele Vance",
    "mailNickname": "AdeleV",
    "userPrincipalName": "AdeleV@contoso.dk",
    "passwordProfile": {"forceChangePasswordNextSignIn": True, "password": "xWwvJ]6NMw+bWH-d"},
}
NOT_FOUND = "does not exist or one of its queried reference-property objects are not present."


def test_get_user_by_id_and_by_upn(client, world):
    ray = upn_id(world, "ray.ross@contoso.com")
    by_id = client.get(f"/users/{ray}").json()
    by_upn = client.get("/users/RAY.ROSS@contoso.com").json()
    assert by_id == by_upn
    assert by_id["@odata.context"] == "https://graph.microsoft.com/v1.0/$metadata#users/$entity"
    assert by_id["id"] == ray and by_id["jobTitle"] == "CFO"
    assert "accountEnabled" not in by_id


def test_get_user_with_select(client, world):
    body = client.get("/users/lars.nielsen@contoso.dk",
                      params={"$select": "accountEnabled,onPremisesSyncEnabled"}).json()
    assert body["@odata.context"].endswith("#users(accountEnabled,onPremisesSyncEnabled)/$entity")
    assert body == {"@odata.context": body["@odata.context"], "accountEnabled": False,
                    "onPremisesSyncEnabled": None, "id": upn_id(world, "lars.nielsen@contoso.dk")}


def test_get_user_refuses_collection_options(client):
    assert error_of(client.get("/users/ray.ross@contoso.com", params={"$top": "1"}))[0] == 400


def test_unknown_user_is_404(client):
    status, code, message = error_of(client.get("/users/nobody@contoso.com"))
    assert (status, code) == (404, "Request_ResourceNotFound")
    assert message == f"Resource 'nobody@contoso.com' {NOT_FOUND}"


def test_create_user(client, world):
    before = world.tenant.last_seq
    r = client.post("/users", json=NEW_USER)
    assert r.status_code == 201
    body = r.json()
    assert body["@odata.context"].endswith("$metadata#users/$entity")
    assert body["displayName"] == "Adele Vance" and body["userPrincipalName"] == "AdeleV@contoso.dk"
    assert "passwordProfile" not in body and "accountEnabled" not in body
    fetched = client.get(f"/users/{body['id']}", params={"$select": "accountEnabled,mailNickname"})
    assert fetched.json()["accountEnabled"] is True and fetched.json()["mailNickname"] == "AdeleV"
    change = world.tenant.changes[before]
    assert (change.resource, change.object_id, change.kind) == ("user", body["id"], "upsert")


@pytest.mark.parametrize("missing", ["accountEnabled", "displayName", "mailNickname",
                                     "userPrincipalName", "passwordProfile"])
def test_create_user_requires_properties(client, world, missing):
    body = {k: v for k, v in NEW_USER.items() if k != missing}
    assert error_of(client.post("/users", json=body)) == (
        400, "Request_BadRequest",
        f"Invalid value specified for property '{missing}' of resource 'User'.")
    assert world.tenant.user_by_id_or_upn("AdeleV@contoso.dk") is None


def test_create_user_needs_a_password(client):
    body = {**NEW_USER, "passwordProfile": {"forceChangePasswordNextSignIn": True}}
    assert error_of(client.post("/users", json=body))[:2] == (400, "Request_BadRequest")


def test_create_user_in_unverified_domain(client):
    body = {**NEW_USER, "userPrincipalName": "adele@fabrikam.com"}
    status, code, message = error_of(client.post("/users", json=body))
    assert (status, code) == (400, "Request_BadRequest")
    assert "verified domain names" in message


def test_create_user_with_taken_upn(client):
    body = {**NEW_USER, "userPrincipalName": "Ray.Ross@contoso.com"}
    assert error_of(client.post("/users", json=body)) == (
        400, "Request_BadRequest",
        "Another object with the same value for property userPrincipalName already exists.")


@pytest.mark.parametrize("extra, code, fragment", [
    ({"shoeSize": "42"}, "BadRequest", "The property 'shoeSize' does not exist on type "
                                       "'microsoft.graph.user'."),
    ({"id": "00000000-0000-4000-8000-000000000000"}, "Request_BadRequest",
     "Property 'id' is read-only"),
    ({"onPremisesSyncEnabled": True}, "Request_BadRequest", "read-only"),
    ({"accountEnabled": "yes"}, "Request_BadRequest", "property 'accountEnabled'"),
    ({"businessPhones": "+45 1234"}, "Request_BadRequest", "property 'businessPhones'"),
    ({"jobTitle": 7}, "Request_BadRequest", "property 'jobTitle'"),
])
def test_create_user_bad_properties(client, extra, code, fragment):
    status, got, message = error_of(client.post("/users", json={**NEW_USER, **extra}))
    assert (status, got) == (400, code) and fragment in message


@pytest.mark.parametrize("method", ["post", "patch"])
@pytest.mark.parametrize("content, ctype", [
    (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b"", "application/json"),
    (b'{"displayName": "x"}', "text/plain"),
    (b'{"displayName": "x"}', None),
])
def test_unreadable_json(client, world, method, content, ctype):
    url = "/users" if method == "post" else "/users/ray.ross@contoso.com"
    headers = {"Content-Type": ctype} if ctype else {}
    r = client.request(method.upper(), url, content=content, headers=headers)
    assert error_of(r) == (400, "BadRequest", "Unable to read JSON request payload. Please ensure "
                           "Content-Type header is set and payload is of valid JSON format.")
    assert world.tenant.user_by_id_or_upn("ray.ross@contoso.com").props["displayName"] == "Ray Ross"


def test_patch_user(client, world):
    megan = upn_id(world, "megan.jordan@contoso.com")
    before = world.tenant.last_seq
    r = client.patch(f"/users/{megan}", json={"jobTitle": "HR Partner", "department": "People",
                                               "businessPhones": ["+45 1234 5678"]})
    assert r.status_code == 204 and r.content == b""
    body = client.get(f"/users/{megan}", params={"$select": "jobTitle,department,businessPhones"})
    assert body.json()["jobTitle"] == "HR Partner" and body.json()["department"] == "People"
    assert body.json()["businessPhones"] == ["+45 1234 5678"]
    change = world.tenant.changes[before]
    assert change.kind == "upsert" and set(change.properties) == {"jobTitle", "department",
                                                                  "businessPhones"}


def test_patch_user_by_upn_and_rename(client, world):
    r = client.patch("/users/megan.jordan@contoso.com",
                     json={"userPrincipalName": "megan.j@contoso.dk"})
    assert r.status_code == 204
    assert client.get("/users/megan.j@contoso.dk").status_code == 200
    assert client.get("/users/megan.jordan@contoso.com").status_code == 404


def test_patch_unknown_user_and_unknown_property(client):
    assert error_of(client.patch("/users/nobody@contoso.com", json={"jobTitle": "x"}))[:2] == \
        (404, "Request_ResourceNotFound")
    status, code, message = error_of(client.patch("/users/ray.ross@contoso.com",
                                                  json={"shoeSize": "42"}))
    assert (status, code) == (400, "BadRequest") and "'shoeSize' does not exist" in message


def test_patch_hybrid_user_refuses_on_premises_mastered_properties(client, world):
    ray = world.tenant.user_by_id_or_upn("ray.ross@contoso.com")
    ray.props["onPremisesSyncEnabled"] = True
    before = world.tenant.last_seq
    for body in ({"jobTitle": "CEO"}, {"displayName": "R. Ross"}, {"accountEnabled": False},
                 {"passwordProfile": {"password": "N3w-passw0rd!"}}):
        assert error_of(client.patch(f"/users/{ray.id}", json=body)) == (
            400, "Request_BadRequest", HYBRID_REFUSAL)
    assert ray.props["jobTitle"] == "CFO" and ray.props["accountEnabled"] is True
    assert world.tenant.last_seq == before
    # Cloud-mastered properties of a synced user may still change.
    assert client.patch(f"/users/{ray.id}", json={"usageLocation": "DK"}).status_code == 204
    assert ray.props["usageLocation"] == "DK"


def test_delete_user(client, world):
    megan = upn_id(world, "megan.jordan@contoso.com")
    assert client.delete(f"/users/{megan}").status_code == 204
    assert client.get(f"/users/{megan}").status_code == 404
    assert megan in world.tenant.deleted_users
    assert [c.kind for c in world.tenant.changes[-1:]] == ["softDelete"]
    assert error_of(client.delete(f"/users/{megan}"))[:2] == (404, "Request_ResourceNotFound")
    members = client.get("/users", params={"$filter": "department eq 'HR'"}).json()["value"]
    assert members == []
