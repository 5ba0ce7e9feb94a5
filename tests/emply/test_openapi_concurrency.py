"""The OpenAPI document matches the routes; many writers at once lose nothing."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import httpx


def _routes(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith(("/_sim", "/ui")):  # /ui: pages
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((method.lower(), path))
    return found


def test_openapi_document_lists_exactly_the_routes(client, app):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    documented = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert documented == _routes(app)
    assert client.get("/v1/contoso/openapi.json").json() == doc


def test_openapi_marks_assumed_resources_and_describes_errors_and_keys(client):
    doc = client.get("/openapi.json").json()
    employees = doc["paths"]["/v1/{customer}/employees"]["get"]
    users = doc["paths"]["/v1/{customer}/users"]["get"]
    assert "Assumed" not in employees["description"] and "Assumed" in users["description"]
    assert "Assumed" in doc["paths"]["/v1/{customer}/integrations/entra-id"]["patch"]["description"]
    assert doc["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey", "in": "query", "name": "apiKey",
        "description": doc["components"]["securitySchemes"]["apiKey"]["description"]}
    assert set(users["responses"]) >= {"200", "401", "403"}
    employee = doc["components"]["schemas"]["Employee"]["properties"]
    assert {"id", "firstName", "middleName", "lastName", "email", "number", "status"} <= set(employee)
    department = doc["components"]["schemas"]["Department"]["properties"]
    assert set(department) == {"id", "customId", "parentId", "title", "managerId", "active"}
    for path, ops in doc["paths"].items():  # every path parameter is declared
        for op in ops.values():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path


def test_openapi_schema_references_resolve(client):
    doc = client.get("/openapi.json").json()
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', str(doc).replace("'", '"')))
    assert refs and refs <= set(doc["components"]["schemas"])


def test_many_writers_at_once_lose_nothing(app, world, keys, ids):
    """Threads post through the WSGI app at once; every write lands exactly once."""
    writers, each = 16, 12

    def write(n: int) -> list[int]:
        statuses = []
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://emply.local") as c:
            for i in range(each):
                params = {"apiKey": keys["all"]}
                r = c.post("/v1/contoso/employees", params=params,
                           json={"firstName": f"W{n}", "lastName": f"E{i}",
                                 "email": f"w{n}.e{i}@contoso.com"})
                statuses.append(r.status_code)
                r = c.post("/v1/contoso/users", params=params,
                           json={"firstName": f"W{n}", "lastName": f"U{i}",
                                 "email": f"w{n}.u{i}@contoso.com"})
                statuses.append(r.status_code)
                r = c.post(f"/v1/contoso/users/{ids.user['ext']}/roles", params=params,
                           json={"roleId": ids.role["Manager"]})
                statuses.append(r.status_code)
                c.delete(f"/v1/contoso/users/{ids.user['ext']}/roles/{ids.role['Manager']}",
                         params=params)
        return statuses

    with ThreadPoolExecutor(max_workers=writers) as pool:
        results = [s for statuses in pool.map(write, range(writers)) for s in statuses]
    assert 500 not in results
    emply = world.emply
    assert len(emply.employees) == 2 + writers * each
    assert len(emply.users) == 5 + writers * each
    numbers = [e.number for e in emply.employees.values()]
    assert len(set(numbers)) == len(numbers)  # auto-numbering never hands out a number twice
    emails = {u.email for u in emply.users.values()}
    assert all(f"w{n}.u{i}@contoso.com" in emails for n in range(writers) for i in range(each))
    assert emply.user(ids.user["ext"]).role_ids.count(ids.role["Manager"]) <= 1


def test_concurrent_settings_changes_are_all_audited(app, world, keys):
    def flip(n: int) -> int:
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://emply.local") as c:
            return c.post("/v1/contoso/integrations/entra-id/synced-groups",
                          params={"apiKey": keys["all"]},
                          json={"groupId": f"grp-{n}", "displayName": f"Group {n}"}).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(flip, range(40)))
    assert statuses == [201] * 40
    groups = [g.group_id for g in world.emply.settings.synced_groups]
    assert sorted(groups) == sorted(f"grp-{n}" for n in range(40))
    assert len([a for a in world.emply.audit if a.setting == "syncedGroups"]) == 40
