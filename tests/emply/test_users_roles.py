"""Users, roles and role assignments through the API, with the administrator-role protection."""

from __future__ import annotations


def test_user_shows_origin_link_roles_and_their_sources(api, ids):
    megan = api.get(f"/users/{ids.user['megan']}").json()
    assert megan["origin"] == "integration" and megan["entraObjectId"] == "entra-megan"
    assert megan["status"] == "active" and megan["deactivation"] is None
    assert megan["isAdministrator"] is False
    roles = {r["name"]: r for r in megan["roles"]}
    assert set(roles) == {"Employee", "HR", "Manager"}
    assert roles["HR"]["source"] == "integration" and roles["HR"]["groupId"] == "grp-hr"
    assert roles["Manager"]["source"] == "manual" and roles["Manager"]["groupId"] is None
    ext = api.get(f"/users/{ids.user['ext']}").json()
    assert ext["origin"] == "manual" and ext["entraObjectId"] is None


def test_list_users_filters_by_status_and_email(api, ids):
    assert len(api.get("/users").json()) == 5
    found = api.get("/users", params={"email": " MEGAN.jordan@contoso.com"}).json()
    assert [u["id"] for u in found] == [ids.user["megan"]]
    api.post(f"/users/{ids.user['ext']}/deactivate")
    assert [u["id"] for u in api.get("/users", params={"status": "deactivated"}).json()] == [ids.user["ext"]]
    assert len(api.get("/users", params={"status": "active"}).json()) == 4


def test_create_user_by_hand_is_manual_and_names_who_made_it(api, ids, err):
    made = api.as_user(ids.user["alice"]).post("/users", json={
        "email": "new.person@contoso.com", "firstName": "New", "lastName": "Person",
        "departmentId": ids.dept["Sales"], "language": "da", "timeZone": "Europe/Copenhagen",
        "currency": "DKK"})
    assert made.status_code == 201
    user = made.json()
    assert user["origin"] == "manual" and user["createdBy"] == f"user:{ids.user['alice']}"
    assert (user["language"], user["timeZone"], user["currency"]) == ("da", "Europe/Copenhagen", "DKK")
    err(api.post("/users", json={"email": "NEW.person@contoso.com", "firstName": "A", "lastName": "B"}),
        409, "email_in_use", "new.person@contoso.com")
    err(api.post("/users", json={"email": "x@contoso.com", "firstName": "A"}), 400, "missing_field",
        "lastName")
    err(api.post("/users", json={"email": "x@contoso.com", "firstName": "A", "lastName": "B",
                                 "origin": "integration"}), 400, "unknown_field", "origin")
    assert len(api.get("/users").json()) == 6


def test_update_and_delete_user(api, ids, err):
    changed = api.patch(f"/users/{ids.user['ext']}", json={"firstName": "Exta",
                                                           "calendarSyncEnabled": False})
    assert changed.json()["firstName"] == "Exta" and changed.json()["calendarSyncEnabled"] is False
    err(api.patch(f"/users/{ids.user['ext']}", json={"departmentId": "nowhere"}), 422,
        "unknown_department")
    assert api.get(f"/users/{ids.user['ext']}").json()["firstName"] == "Exta"
    assert api.delete(f"/users/{ids.user['ext']}").status_code == 204
    err(api.get(f"/users/{ids.user['ext']}"), 404, "user_not_found", ids.user["ext"])


def test_deleting_a_linked_user_is_remembered_for_delete_in_entra(api, ids, world):
    assert api.delete(f"/users/{ids.user['megan']}").status_code == 204
    assert "entra-megan" in world.emply.deleted_entra_links


def test_connected_user_takes_names_from_the_employee(api, ids, err):
    err(api.patch(f"/users/{ids.user['ray']}", json={"lastName": "Other"}), 409,
        "managed_by_employee", "employee")
    made = api.post("/users", json={"email": "n.h@contoso.com", "firstName": "N", "lastName": "H",
                                    "employeeId": ids.emp["1002"]}).json()
    assert made["email"] == "nina.holm@contoso.com" and made["lastName"] == "Holm"
    assert api.get(f"/employees/{ids.emp['1002']}").json()["userId"] == made["id"]
    err(api.patch(f"/users/{ids.user['ext']}", json={"employeeId": ids.emp["1001"]}), 409,
        "employee_connected")
    disconnected = api.patch(f"/users/{made['id']}", json={"employeeId": None}).json()
    assert disconnected["employeeId"] is None


def test_deactivate_and_activate_by_hand(api, ids, err):
    done = api.as_user(ids.user["alice"]).post(f"/users/{ids.user['ext']}/deactivate",
                                               json={"note": "contract ended"})
    user = done.json()
    assert user["status"] == "deactivated"
    assert user["deactivation"]["reason"] == "manual"
    assert user["deactivation"]["by"] == f"user:{ids.user['alice']}"
    assert user["deactivation"]["note"] == "contract ended"
    assert user["deactivation"]["at"] == "2026-01-05T08:00:00Z"
    listed = api.get("/users/deactivated").json()
    assert [u["deactivation"]["reason"] for u in listed] == ["manual"]
    err(api.post(f"/users/{ids.user['ext']}/deactivate"), 409, "already_deactivated")
    err(api.post(f"/users/{ids.user['megan']}/deactivate", json={"reason": "x"}), 400,
        "unknown_field", "reason")
    assert api.post(f"/users/{ids.user['ext']}/activate").json()["status"] == "active"
    err(api.post(f"/users/{ids.user['ext']}/activate"), 409, "already_active")


def test_roles_crud(api, ids, err):
    made = api.post("/roles", json={"name": "Payroll"})
    assert made.status_code == 201 and made.json()["isAdministrator"] is False
    role_id = made.json()["id"]
    assert api.get(f"/roles/{role_id}").json()["name"] == "Payroll"
    assert api.patch(f"/roles/{role_id}", json={"name": "Payroll team"}).json()["name"] == "Payroll team"
    err(api.post("/roles", json={"name": "hr"}), 409, "role_name_in_use", "hr")
    err(api.post("/roles", json={"name": "X", "isAdministrator": "yes"}), 400, "invalid_value",
        "isAdministrator")
    assert api.delete(f"/roles/{role_id}").status_code == 204
    err(api.get(f"/roles/{role_id}"), 404, "role_not_found")
    err(api.delete(f"/roles/{ids.role['HR']}"), 409, "role_in_use", "HR")
    err(api.patch(f"/roles/{ids.role['Administrator']}", json={"isAdministrator": False}), 409,
        "role_in_use")
    assert {r["name"] for r in api.get("/roles").json()} == {"Administrator", "Employee", "HR", "Manager"}


def test_assign_and_remove_ordinary_roles(api, ids, err):
    given = api.as_user(ids.user["bob"]).post(f"/users/{ids.user['ext']}/roles",
                                              json={"roleId": ids.role["HR"]})
    assert given.status_code == 201
    assert given.json()["source"] == "manual" and given.json()["grantedBy"] == f"user:{ids.user['bob']}"
    assert [r["name"] for r in api.get(f"/users/{ids.user['ext']}/roles").json()] == ["HR"]
    err(api.post(f"/users/{ids.user['ext']}/roles", json={"roleId": ids.role["HR"]}), 409,
        "role_already_assigned")
    err(api.post(f"/users/{ids.user['ext']}/roles", json={"roleId": "nope"}), 422, "unknown_role")
    err(api.post(f"/users/{ids.user['ext']}/roles", json={}), 400, "missing_field", "roleId")
    assert api.delete(f"/users/{ids.user['ext']}/roles/{ids.role['HR']}").status_code == 204
    err(api.delete(f"/users/{ids.user['ext']}/roles/{ids.role['HR']}"), 404,
        "role_assignment_not_found")


def test_administrator_role_removal_needs_another_administrator(api, ids, err):
    path = f"/users/{ids.user['alice']}/roles/{ids.role['Administrator']}"
    # No acting user, the user herself, and a non-administrator are all refused.
    err(api.delete(path), 403, "admin_role_protected", "X-Acting-User")
    err(api.as_user(ids.user["alice"]).delete(path), 403, "admin_role_protected", "own")
    err(api.as_user(ids.user["megan"]).delete(path), 403, "admin_role_protected",
        "no administrator role")
    err(api.as_user("no-such-user").delete(path), 422, "unknown_acting_user", "no-such-user")
    roles = api.get(f"/users/{ids.user['alice']}").json()["roles"]
    assert [r["name"] for r in roles] == ["Administrator"]
    # Another administrator may.
    assert api.as_user(ids.user["bob"]).delete(path).status_code == 204
    assert api.get(f"/users/{ids.user['alice']}").json()["isAdministrator"] is False


def test_deactivated_administrator_cannot_remove_an_administrator_role(api, ids, err):
    api.as_user(ids.user["alice"]).post(f"/users/{ids.user['bob']}/deactivate")
    err(api.as_user(ids.user["bob"]).delete(f"/users/{ids.user['alice']}/roles/{ids.role['Administrator']}"),
        403, "admin_role_protected", "deactivated")


def test_deleting_an_administrator_needs_another_administrator(api, ids, err):
    err(api.delete(f"/users/{ids.user['bob']}"), 403, "admin_role_protected")
    err(api.as_user(ids.user["bob"]).delete(f"/users/{ids.user['bob']}"), 403, "admin_role_protected")
    assert api.get(f"/users/{ids.user['bob']}").status_code == 200
    assert api.as_user(ids.user["alice"]).delete(f"/users/{ids.user['bob']}").status_code == 204
