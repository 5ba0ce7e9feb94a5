"""The inner requests of a batch get the environ werkzeug's EnvironBuilder would build.

The batch builds plain inner environs itself (20 builders per batch cost more than the
requests they ran); these tests hold it to the builder's result, key by key, and check
that anything unusual still goes through the builder.
"""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder

from mocks.graph import batch

HOSTS = ("https://127.0.0.1/", "https://127.0.0.1:8443/", "https://[::1]:9000/",
         "http://localhost:5000/")

PLAIN = [
    ("GET", "/v1.0/users/ab-12/calendars", "$select=id,name,isDefaultCalendar,canEdit", {}, None),
    ("GET", "/v1.0/users/o'brien@contoso.com/photo/$value", "", {"Prefer": "x"}, None),
    ("GET", "/v1.0/groups/g1/members/microsoft.graph.user", "$select=id&$top=999",
     {"ConsistencyLevel": "eventual", "consistencylevel": "eventual"}, None),
    ("PATCH", "/v1.0/users/u1", "", {"Content-Type": "application/json",
                                     "Authorization": "Bearer t"}, b'{"city":"Aarhus"}'),
    ("PUT", "/v1.0/users/u1/photo/$value", "", {"Content-Type": "image/png"}, b"\x89PNG"),
    ("POST", "/v1.0/users", "a=(b)", {"Content-Type": "application/json"}, b"{}"),
    ("DELETE", "/v1.0/groups/g1/members/u1/$ref", "", {"client-request-id": "c-1"}, None),
]

UNUSUAL = [
    ("GET", "/v1.0/users/æøå", "", {}, None),  # not ASCII
    ("GET", "/v1.0/users/a%20b", "", {}, None),  # percent-encoded
    ("GET", "/v1.0/users/a b", "$filter=x eq 'y'", {}, None),  # spaces
    ("GET", "/v1.0/users", "", {"Content-Type": "application/json"}, None),  # type, no body
    ("POST", "/v1.0/users", "", {"Content-Type": "application/json", "Content-Length": "2"},
     b"{}"),
    ("GET", "/v1.0/users", "", {"X-Name": "café"}, None),  # a header value not ASCII
    ("GET", "/v1.0/users", "", {"Bad Name": "v"}, None),  # not a header name
]


def _builder(host: str, method: str, path: str, query: str, headers: dict, data) -> dict:
    builder = EnvironBuilder(path=path, query_string=query, method=method, headers=headers,
                             data=data, base_url=host)
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _comparable(environ: dict) -> dict:
    out = dict(environ)
    out["wsgi.input"] = out["wsgi.input"].read()
    return out


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize(("method", "path", "query", "headers", "data"), PLAIN)
def test_plain_inner_requests_get_the_builders_environ(host, method, path, query, headers,
                                                       data):
    app = Flask(__name__)
    with app.test_request_context("/v1.0/$batch", base_url=host, method="POST"):
        quick = batch._quick_environ(method, path, query, headers, data)
    assert quick is not None, "a plain request is built without the builder"
    assert _comparable(quick) == _comparable(_builder(host, method, path, query, headers, data))


@pytest.mark.parametrize(("method", "path", "query", "headers", "data"), UNUSUAL)
def test_unusual_inner_requests_are_left_to_the_builder(method, path, query, headers, data):
    app = Flask(__name__)
    with app.test_request_context("/v1.0/$batch", base_url=HOSTS[0], method="POST"):
        assert batch._quick_environ(method, path, query, headers, data) is None


def test_inner_environs_do_not_share_state():
    app = Flask(__name__)
    with app.test_request_context("/v1.0/$batch", base_url=HOSTS[1], method="POST"):
        first = batch._quick_environ("GET", "/v1.0/users", "", {"Prefer": "a"}, None)
        first["mocks.graph.request_id"] = "changed by the app"
        second = batch._quick_environ("GET", "/v1.0/groups", "", {}, None)
    assert "mocks.graph.request_id" not in second and "HTTP_PREFER" not in second
    assert second["PATH_INFO"] == "/v1.0/groups"
