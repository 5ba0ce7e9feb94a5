"""The step library: every step of every feature matches exactly one step definition, and
nothing in the steps knows the people or groups of the features."""

from __future__ import annotations

import re
from pathlib import Path

from pytest_bdd.feature import get_features

import emply_sim.bdd.steps as steps
from tests.bdd.conftest import FEATURES, ROOT


def _definitions():
    """``(type, parser)`` of every step definition in :mod:`emply_sim.bdd.steps`."""
    found = []
    for name, fixture in vars(steps).items():
        if name.startswith("pytestbdd_stepdef_"):
            context = fixture.__wrapped__()
            found.append((context.type, context.parser))
    return found


def _steps(paths):
    for feature in get_features([str(p) for p in paths]):
        background = feature.background.steps if feature.background else []
        for template in feature.scenarios.values():
            contexts = [c for e in template.examples for c in e.as_contexts()] or [{}]
            for context in contexts:
                for step in [*background, *template.render(context).steps]:
                    yield feature.rel_filename, step


def test_every_step_matches_exactly_one_definition():
    definitions = _definitions()
    assert len(definitions) > 50
    problems = []
    for where, step in _steps([FEATURES, ROOT / "examples" / "consumer"]):
        matches = [p for t, p in definitions if t == step.type and p.is_matching(step.name)]
        if len(matches) != 1:
            problems.append(f"{where}: {step.type} {step.name!r} matches {len(matches)} "
                            f"definitions: {[m.name for m in matches]}")
    assert problems == []


def test_the_steps_know_no_person_or_group_of_the_features():
    names = set()
    for feature in get_features([str(FEATURES)]):
        for template in feature.scenarios.values():
            for step in template.steps:
                if step.datatable is not None:
                    for row in step.datatable.raw()[1:]:
                        names.add(row[0])
    people = {n for n in names if re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", n)}
    assert {"Ray Ross", "Megan Jordan"} <= people
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(steps.__file__).parent.glob("*.py"))
    for person in people:
        first, last = person.split()
        for spelling in (person, f"{first}.{last}".lower()):
            assert spelling not in source, f"the step library mentions {spelling!r}"
