"""F3: a batch inside a batch is refused however its URL is spelled, and never runs more.

Graph refuses a ``$batch`` request inside a batch. Whatever spelling the router would
take to the batch endpoint (percent-encoding, a fragment, control characters, case,
doubled slashes, the full URL) must be refused per request with 400, the outer batch
answering 200; a chain of nesting never gives a 500, and one outer request never runs
more than 20 inner requests.
"""

from __future__ import annotations

import pytest

from .extras_conftest_helpers import sim_fixture  # noqa: F401

ROLES = ("User.ReadWrite.All",)

SPELLINGS = [
    "/$batch", "$batch", "/%24batch", "/%24BATCH", "/$batch#x", "/$batch?x=1", "/$batch/",
    "/\t$batch", "/$batch\t", "//$batch", "/v1.0/$batch", "/V1.0/%24batch", "/v1.0//$batch",
    "/./$batch", "/users/../$batch", "/$Batch", "https://graph.microsoft.com/v1.0/$batch",
    "https://graph.microsoft.com/v1.0/%24batch#frag", " /$batch ",
]


def nested(url: str, inner: list[dict]) -> dict:
    return {"id": "n", "method": "POST", "url": url,
            "headers": {"Content-Type": "application/json"}, "body": {"requests": inner}}


def twenty_reads() -> list[dict]:
    return [{"id": str(i), "method": "GET", "url": "/users?$select=id"} for i in range(20)]


@pytest.mark.parametrize("url", SPELLINGS)
def test_a_nested_batch_is_refused_however_it_is_spelled(sim, url):
    client = sim.client(*ROLES)
    before = len(sim.world.journal.entries())
    response = client.post("/$batch", json={"requests": [nested(url, twenty_reads())]})
    assert response.status_code == 200, response.text
    answer = response.json()["responses"][0]
    assert answer["id"] == "n"
    assert answer["status"] == 400, answer
    assert answer["body"]["error"]["code"] == "BadRequest"
    assert "$batch" in answer["body"]["error"]["message"]
    # Only the outer batch (and at most the refused inner request) reached Graph: none
    # of the twenty reads inside the nested batch ran.
    ran = sim.world.journal.entries()[before:]
    assert not [e for e in ran if e.url.startswith("/v1.0/users")], [e.url for e in ran]


def test_a_chain_of_nesting_never_fails_with_500_or_runs_more_than_twenty(sim):
    client = sim.client(*ROLES)
    chain = twenty_reads()
    for depth in range(6):  # six levels, each level twenty wide at the bottom
        spelling = ("/%24batch", "/\t$batch", "/./$batch")[depth % 3]
        chain = [nested(spelling, chain)] + [
            {"id": f"d{depth}-{i}", "method": "GET", "url": "/users?$select=id"}
            for i in range(19)]
    before = len(sim.world.journal.entries())
    response = client.post("/$batch", json={"requests": chain})
    assert response.status_code == 200, response.text
    answers = {r["id"]: r for r in response.json()["responses"]}
    assert answers["n"]["status"] == 400
    assert all(r["status"] != 500 for r in answers.values())
    inner = [e for e in sim.world.journal.entries()[before:] if e.batch is not None]
    assert len(inner) <= 20


def test_an_ordinary_request_with_batch_in_its_query_still_runs(sim):
    client = sim.client(*ROLES)
    response = client.post("/$batch", json={"requests": [
        {"id": "1", "method": "GET", "url": "/users?$filter=displayName eq '$batch'"}]})
    assert response.json()["responses"][0]["status"] == 200
