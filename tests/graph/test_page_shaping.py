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


@pytest.mark.parametrize("obj", [USER, ANNOTATED, SPARSE])
@pytest.mark.parametrize("select", [None, ["displayName"], ["*"], ["city", "id"]])
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
