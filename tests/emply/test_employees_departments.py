"""Employees and departments through the API, and the employee lifecycle across the clock."""

from __future__ import annotations

from datetime import timedelta


def test_list_and_get_employees_have_emplys_fields(api, ids):
    listed = api.get("/employees").json()
    assert {e["number"] for e in listed} == {"1001", "1002"}
    ray = api.get(f"/employees/{ids.emp['1001']}").json()
    for key in ("id", "firstName", "middleName", "lastName", "email", "number", "status"):
        assert key in ray
    assert ray["status"] == "Active" and ray["jobTitle"] == "Sales rep"
    assert ray["departmentId"] == ids.dept["Sales"]
    assert ray["userId"] == ids.user["ray"]
    assert ray["phones"] == {"work": None, "mobile": "+45 11 22 33 44"}


def test_find_by_name_matches_email_case_insensitively_and_names(api, err):
    found = api.get("/employees/find-by-name", params={"email": "  RAY.Ross@Contoso.com "}).json()
    assert [e["number"] for e in found] == ["1001"]
    assert [e["number"] for e in api.get("/employees/find-by-name", params={"name": "holm"}).json()] == ["1002"]
    assert api.get("/employees/find-by-name", params={"email": "nobody@contoso.com"}).json() == []
    err(api.get("/employees/find-by-name"), 400, "missing_field", "email")


def test_create_update_delete_employee(api, ids, err):
    created = api.post("/employees", json={"firstName": "Ole", "lastName": "Lund",
                                           "email": "ole.lund@contoso.com",
                                           "departmentId": ids.dept["Head office"]})
    assert created.status_code == 201
    emp = created.json()
    assert emp["number"] == "1003" and emp["status"] == "Active"
    changed = api.patch(f"/employees/{emp['id']}", json={"jobTitle": "Buyer",
                                                         "phones": {"work": "+45 70 00 00 00"}})
    assert changed.json()["jobTitle"] == "Buyer"
    assert api.get(f"/employees/{emp['id']}").json()["phones"]["work"] == "+45 70 00 00 00"
    assert api.delete(f"/employees/{emp['id']}").status_code == 204
    err(api.get(f"/employees/{emp['id']}"), 404, "employee_not_found", emp["id"])


def test_employee_input_is_checked_and_nothing_is_kept_on_refusal(api, ids, err):
    err(api.post("/employees", json={"lastName": "X"}), 400, "missing_field", "firstName")
    err(api.post("/employees", json={"firstName": "A", "lastName": "B", "email": "nope"}),
                 400, "invalid_value", "email")
    err(api.post("/employees", json={"firstName": "A", "lastName": "B", "number": "1001"}),
                 409, "number_in_use", "1001")
    err(api.post("/employees", json={"firstName": "A", "lastName": "B", "departmentId": "x"}),
                 422, "unknown_department", "x")
    err(api.post("/employees", json={"firstName": "A", "lastName": "B", "salary": 1}),
                 400, "unknown_field", "salary")
    before = api.get(f"/employees/{ids.emp['1002']}").json()
    err(api.patch(f"/employees/{ids.emp['1002']}",
                           json={"jobTitle": "Boss", "email": "ray.ross@contoso.com"}),
                 409, "email_in_use")
    assert api.get(f"/employees/{ids.emp['1002']}").json() == before
    assert len(api.get("/employees").json()) == 2


def test_connected_employee_cannot_be_deleted(api, ids, err):
    err(api.delete(f"/employees/{ids.emp['1001']}"), 409, "employee_connected",
                 "resignation date")


def test_employee_changes_reach_the_connected_user(api, ids):
    api.patch(f"/employees/{ids.emp['1001']}", json={"lastName": "Ross-Hansen"})
    assert api.get(f"/users/{ids.user['ray']}").json()["lastName"] == "Ross-Hansen"


def test_lifecycle_active_pending_archived_by_the_simulation_clock(api, ids, world):
    emp_id = ids.emp["1001"]
    response = api.put(f"/employees/{emp_id}/resignation", json={"resignationDate": "2026-01-31"})
    assert response.status_code == 200 and response.json()["status"] == "Pending"
    assert api.get("/employees", params={"status": "Pending"}).json()[0]["id"] == emp_id
    world.clock.advance(timedelta(days=25))  # 2026-01-30: still Pending
    assert api.get(f"/employees/{emp_id}").json()["status"] == "Pending"
    assert api.get(f"/users/{ids.user['ray']}").json()["status"] == "active"
    world.clock.advance(timedelta(days=1))  # 2026-01-31: the resignation date
    emp = api.get(f"/employees/{emp_id}").json()
    assert emp["status"] == "Archived" and emp["archivedAt"].startswith("2026-01-31")
    user = api.get(f"/users/{ids.user['ray']}").json()
    assert user["status"] == "deactivated"
    assert user["deactivation"]["reason"] == "employee_archived"
    assert user["deactivation"]["by"] == "system"
    deactivated = api.get("/users/deactivated").json()
    assert ids.user["ray"] in [u["id"] for u in deactivated]


def test_clearing_the_resignation_date_returns_to_active(api, ids, world):
    emp_id = ids.emp["1002"]
    api.put(f"/employees/{emp_id}/resignation", json={"resignationDate": "2026-03-01"})
    assert api.put(f"/employees/{emp_id}/resignation",
                   json={"resignationDate": None}).json()["status"] == "Active"
    world.clock.advance(timedelta(days=90))
    assert api.get(f"/employees/{emp_id}").json()["status"] == "Active"


def test_archived_employee_is_frozen_and_a_past_date_archives_at_once(api, ids, err):
    emp_id = ids.emp["1002"]
    assert api.put(f"/employees/{emp_id}/resignation",
                   json={"resignationDate": "2026-01-01"}).json()["status"] == "Archived"
    err(api.patch(f"/employees/{emp_id}", json={"jobTitle": "x"}), 409,
                 "employee_archived")
    err(api.put(f"/employees/{emp_id}/resignation", json={"resignationDate": None}),
                 409, "employee_archived")
    err(api.put(f"/employees/{emp_id}/resignation", json={"date": "2026-01-01"}),
                 400, "invalid_body", "resignationDate")
    err(api.put(f"/employees/{ids.emp['1001']}/resignation",
                         json={"resignationDate": "31/01/2026"}), 400, "invalid_value", "resignationDate")


def test_departments_crud_with_emplys_fields(api, ids, err):
    sales = api.get(f"/departments/{ids.dept['Sales']}").json()
    assert sales == {"id": ids.dept["Sales"], "customId": "S1", "parentId": ids.dept["Head office"],
                     "title": "Sales", "managerId": None, "active": True}
    made = api.post("/departments", json={"title": "Support", "parentId": ids.dept["Sales"],
                                          "managerId": ids.emp["1002"]})
    assert made.status_code == 201
    dept = made.json()
    assert api.patch(f"/departments/{dept['id']}", json={"active": False}).json()["active"] is False
    assert len(api.get("/departments").json()) == 3
    assert api.delete(f"/departments/{dept['id']}").status_code == 204
    err(api.get(f"/departments/{dept['id']}"), 404, "department_not_found")


def test_department_refusals(api, ids, err):
    err(api.post("/departments", json={"customId": "X"}), 400, "missing_field", "title")
    err(api.post("/departments", json={"title": "Dup", "customId": "S1"}), 409,
                 "custom_id_in_use", "S1")
    err(api.patch(f"/departments/{ids.dept['Head office']}",
                           json={"parentId": ids.dept["Sales"]}), 422, "department_cycle")
    err(api.delete(f"/departments/{ids.dept['Sales']}"), 409, "department_in_use",
                 "employee")
    err(api.delete(f"/departments/{ids.dept['Head office']}"), 409, "department_in_use",
                 "sub-department")
