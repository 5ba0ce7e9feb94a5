"""Bad input: schemathesis against Emply's OpenAPI document finds no 500, no answer that
differs from the document and no lost data; broken settings in a world document are
refused with their path. (Bad Graph input has its own Hypothesis sweep in
tests/sdk/test_bad_input.py; broken scenario files are covered in tests/scenarios.)"""

from __future__ import annotations

import copy

import pytest

from emply_sim.reliability import measure_bad_input, world_doc
from mocks.world import World
from mocks.worldfile import load


def test_schemathesis_finds_no_500_no_schema_violation_and_no_lost_data(figure):
    report = measure_bad_input()
    figure(f"{report.operations} operations, {report.calls} generated requests (valid and "
           f"invalid data, random and real ids): answers {dict(sorted(report.statuses.items()))}; "
           f"500s {report.server_errors}, schema/status violations {len(report.violations)}, "
           f"refused requests that changed stored data {len(report.lost_data)}; "
           f"{report.seconds:.1f} s")
    assert report.operations >= 50
    assert report.calls >= 10 * report.operations
    assert {400, 404, 200} <= set(report.statuses)  # both refusals and successes were seen
    assert report.server_errors == 0
    assert report.violations == []
    assert report.lost_data == []


BAD_SETTINGS = [
    ({"deactivationThreshold": {"minimum": 0}}, "deactivationThreshold"),
    ({"deactivationThreshold": {"ratio": 1.5}}, "deactivationThreshold"),
    ({"deactivationThreshold": {"percent": 20}}, "percent"),
    ({"updateRolesAfterFirstSync": "yes"}, "updateRolesAfterFirstSync"),
    ({"calendarSync": 1}, "calendarSync"),
    ({"syncedGroups": "Employee"}, "syncedGroups"),
    ({"syncedGroups": [{"group": "No such group"}]}, "No such group"),
    ({"syncedGroups": [{"role": "Employee"}]}, "group"),
    ({"pollEvery": "5m"}, "pollEvery"),
]


@pytest.mark.parametrize(("settings", "named"), BAD_SETTINGS,
                         ids=[str(s) for s, _ in BAD_SETTINGS])
def test_broken_integration_settings_in_a_world_document_are_refused_clearly(settings, named):
    doc = copy.deepcopy(world_doc(1, 5, groups=3, events_every=0))
    doc["emply"]["integration"] = {**doc["emply"]["integration"], **settings}
    world = World()
    with pytest.raises(ValueError) as refused:
        load(world, doc)
    message = str(refused.value)
    assert "emply.integration" in message and named in message, message
    assert "Traceback" not in message
