"""A page's items and nextLink come out as the general code writes them.

``odata.page`` projects a listing's items with :func:`odata.projector` (the work that
depends only on ``$select`` and the type done once per page) and builds ``@odata.nextLink``
from the cached host URL; both must give exactly what ``shape`` and werkzeug's
``request.base_url`` give, annotations and unusual paths included.
"""

from __future__ import annotations

import pytest
from flask import Flask, request

from mocks.graph import odata
from mocks.graph.odata import GROUP_TYPE, USER_TYPE, projector, shape

USER = {"id": "u1", "displayName": "Ray", "givenName": "Ray", "mail": None, "city": "Aarhus",
        "businessPhones": ["+45 1"], "jobTitle": "Chef"}
ANNOTATED = {"@odata.type": "#microsoft.graph.user", **USER}
SPARSE = {"id": "u2"}  # default properties missing: null, as shape writes them
NO_ID = {"@odata.type": "#microsoft.graph.user", "displayName": "Anon"}
MEMBER = {"@odata.type": "#microsoft.graph.user", "id": "u3"}  # a member cast to a user


@pytest.mark.parametrize("obj", [USER, ANNOTATED, SPARSE, NO_ID, MEMBER])
@pytest.mark.parametrize("select", [None, ["displayName"], ["*"], ["city", "id"], ["id"],
                                    ["*", "city"], ["displayName", "assignedLicenses"],
                                    ["identities"], ["@odata.type", "mail"]])
@pytest.mark.parametrize("etype", [USER_TYPE, GROUP_TYPE, None])
def test_projector_is_shape(obj, select, etype):
    got = projector(select, etype)(obj)
    assert got == shape(obj, select, etype)
    assert list(got) == list(shape(obj, select, etype))  # the same key order too


def test_annotations_stay_first_on_the_quick_path():
    got = projector(None, USER_TYPE)({**USER, "@odata.type": "#microsoft.graph.user"})
    assert next(iter(got)) == "@odata.type"
    assert "city" not in got  # not in the default set


@pytest.mark.parametrize(("base", "path"), [
    ("https://127.0.0.1/", "/v1.0/users"),
    ("https://127.0.0.1:8443/", "/v1.0/groups/g1/members/microsoft.graph.user"),
    ("https://[::1]:9000/", "/v1.0/users/o'brien@x.dk/calendars"),
    ("http://localhost:5000/mount/", "/v1.0/users"),  # an application mounted under a root
    ("https://127.0.0.1/", "/v1.0/users/%C3%A6%C3%B8"),  # not ASCII: werkzeug's own way
    ("https://127.0.0.1/", "/v1.0/users/a%2520b"),  # a percent sign in the path
])
def test_next_link_base_is_werkzeugs_base_url(base, path):
    app = Flask(__name__)
    with app.test_request_context(path, base_url=base, query_string="$top=2"):
        assert odata._base_url() == request.base_url
        assert odata.next_link("tok").startswith(request.base_url + "?")


@pytest.mark.parametrize("select", [["id"], ["displayName"], ["id", "mail", "id"],
                                    ["city", "givenName"], ["displayName", "identities"], ["*"],
                                    ["onPremisesExtensionAttributes"], None])
def test_member_rows_are_what_the_general_path_writes(world, select):
    """members/microsoft.graph.user?$select=...: one dict per member, the same JSON."""
    from mocks.graph.groups import object_json
    from mocks.graph.navigation import user_rows
    from mocks.graph.odata import Query

    users = list(world.tenant.users.values())
    assert users
    rows = user_rows(select)
    if select is None or select == ["*"] or "identities" in select \
            or "onPremisesExtensionAttributes" in select:
        assert rows is None  # derived or every property: the general path
        return
    q = Query(top=100, select=select)
    for user in users:
        general = projector(select, USER_TYPE)(object_json(user, q))
        assert rows(user) == general and list(rows(user)) == list(general)


def test_a_cast_member_page_with_select(world, token, app):
    import httpx

    group = next(g for g in world.tenant.groups.values() if g.members)
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="https://graph.test",
                      headers={"Authorization": f"Bearer {token('GroupMember.Read.All')}"}) as c:
        answer = c.get(f"/v1.0/groups/{group.id}/members/microsoft.graph.user",
                       params={"$select": "displayName"})
    assert answer.status_code == 200
    values = answer.json()["value"]
    assert values and all(list(v) == ["@odata.type", "displayName", "id"] for v in values)
    assert {v["id"] for v in values} == {m for m in group.members if m in world.tenant.users}
