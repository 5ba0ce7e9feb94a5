"""A batch answer is the JSON Flask would write for it, whichever way each body got there.

Inner JSON bodies the Graph app encoded are placed into the batch answer as they are
(mocks.graph.jsonbody); bodies from elsewhere (an injected 429, binary photos, the
batch's own refusals) are parsed and encoded. Either way the answer must be exactly
``jsonify`` of its own content as the Graph app's provider writes it (orjson): compact,
keys in their order, non-ASCII as UTF-8, one newline at the end.
"""

from __future__ import annotations

import json

import orjson

from mocks.graph.jsonbody import ENCODED_KEY

from .extras_conftest_helpers import SIM, png, sim_fixture  # noqa: F401

ROLES = ("User.ReadWrite.All", "Calendars.ReadWrite", "ProfilePhoto.ReadWrite.All")


def _as_flask_writes(content: bytes) -> bytes:
    value = json.loads(content)
    return orjson.dumps(value) + b"\n"


def test_mixed_batch_answer_is_exactly_the_encoding_of_its_content(sim):
    client = sim.client(*ROLES)
    assert client.put(f"/users/{sim.ray.id}/photo/$value", content=png(64, 64),
                      headers={"Content-Type": "image/png"}).status_code == 200
    plan = {"rules": [{"pathPrefix": f"/users/{sim.lars.id}", "fault": "throttle", "nth": [1]}]}
    assert client.put(f"{SIM}/faults", json=plan).status_code == 200
    requests = [
        {"id": "1", "method": "GET", "url": "/users?$top=2&$select=displayName,id"},
        {"id": "2", "method": "GET", "url": f"/users/{sim.ray.id}/photo/$value"},
        {"id": "3", "method": "GET", "url": f"/users/{sim.lars.id}"},  # the injected 429
        {"id": "4", "method": "GET", "url": "/users/nobody"},
        {"id": "5", "method": "FETCH", "url": "/users"},
        {"id": "6", "method": "GET", "url": f"/users/{sim.megan.id}/calendars"},
        {"id": "7", "method": "PATCH", "url": f"/users/{sim.megan.id}", "body": {"city": "Århus"},
         "headers": {"Content-Type": "application/json"}},
        {"id": "8", "method": "GET", "url": f"/users/{sim.megan.id}?$select=city", "dependsOn": ["7"]},
    ]
    response = client.post("/$batch", json={"requests": requests})
    assert response.status_code == 200
    assert response.content == _as_flask_writes(response.content)
    answers = {r["id"]: r for r in response.json()["responses"]}
    assert [answers[str(i)]["status"] for i in range(1, 9)] == [200, 200, 429, 404, 400, 200,
                                                                204, 200]
    assert answers["8"]["body"]["city"] == "Århus"
    assert "Århus".encode() in response.content  # non-ASCII as UTF-8, as Graph writes it
    assert list(answers["1"]) == ["id", "status", "headers", "body"]


def test_inner_bodies_are_reused_not_reparsed(sim, monkeypatch):
    """The point of the provider's note: inner JSON bodies are spliced, not parsed again."""
    parsed: list[bytes] = []
    real_loads = json.loads

    def counting_loads(raw, *args, **kwargs):
        parsed.append(raw if isinstance(raw, bytes) else raw.encode())
        return real_loads(raw, *args, **kwargs)

    client = sim.client(*ROLES)
    requests = [{"id": str(i), "method": "GET", "url": f"/users/{u.id}/calendars"}
                for i, u in enumerate([sim.ray, sim.megan, sim.lars])]
    monkeypatch.setattr("mocks.graph.batch.json.loads", counting_loads)
    response = client.post("/$batch", json={"requests": requests})
    monkeypatch.undo()
    assert response.status_code == 200
    assert not [p for p in parsed if b"@odata.context" in p], "inner bodies were parsed again"
    assert [r["status"] for r in response.json()["responses"]] == [200, 200, 200]
    assert response.content == _as_flask_writes(response.content)


def test_the_note_is_only_kept_for_inner_requests(sim):
    environs = []
    app = sim.app

    def spy(environ, start_response):
        environs.append(environ)
        return inner(environ, start_response)

    inner = app.wsgi_app
    app.wsgi_app = spy
    sim.client(*ROLES).get(f"/users/{sim.ray.id}")
    assert environs and ENCODED_KEY not in environs[0]
