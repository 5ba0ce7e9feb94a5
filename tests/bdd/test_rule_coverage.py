"""Every rule id of the rules document has a scenario, and every rule-shaped tag is a rule."""

from __future__ import annotations

from pytest_bdd.feature import get_features

from emply_sim.bdd.rules import known_rules, looks_like_rule_id, parse_rules, rules_text
from tests.bdd.conftest import FEATURES, ROOT


def _scenario_tags() -> dict[str, set[str]]:
    """``{"<feature file>: <scenario>": tags}`` of every scenario under features/."""
    found = {}
    for feature in get_features([str(FEATURES)]):
        for name, template in feature.scenarios.items():
            tags = set(template.tags) | set(feature.tags)
            for examples in template.examples:
                tags |= set(examples.tags)
            found[f"{feature.rel_filename}: {name}"] = tags
    return found


def test_the_packaged_rules_are_the_projects_rules_document():
    # The plugin reads emply_sim/bdd/rules.md (shipped in the package); docs/rules.md is the
    # document people read. They must be the same text: cp docs/rules.md emply_sim/bdd/rules.md
    assert rules_text() == (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_the_rules_document_defines_the_familiar_ids():
    rules = known_rules()
    assert {"TEN-1", "PIC-2", "SYNC-6", "SYNC-13", "DEL-2", "INT-1", "SAFE-3"} <= set(rules)
    assert rules["SYNC-6"].startswith("role sync")


def test_every_rule_id_has_at_least_one_scenario():
    tagged = set().union(*_scenario_tags().values())
    missing = sorted(set(known_rules()) - tagged)
    assert missing == [], f"rule ids without a scenario in features/: {missing}"


def test_every_tag_shaped_like_a_rule_id_names_a_rule():
    unknown = {where: sorted(t for t in tags if looks_like_rule_id(t) and t not in known_rules())
               for where, tags in _scenario_tags().items()}
    unknown = {where: tags for where, tags in unknown.items() if tags}
    assert unknown == {}, f"tags that look like rule ids but name no rule: {unknown}"


def test_every_scenario_proves_at_least_one_rule():
    untagged = sorted(where for where, tags in _scenario_tags().items()
                      if not any(looks_like_rule_id(t) for t in tags))
    assert untagged == []


def test_the_rule_parser_finds_definitions_not_mentions():
    text = ("**AB-1 — first rule.** mentions CD-2 and AB-1.\n\n"
            "**CD-2 - second.** text\n\nsee EF-3\n")
    assert parse_rules(text) == {"AB-1": "first rule", "CD-2": "second"}
    assert looks_like_rule_id("SYNC-13") and not looks_like_rule_id("sync-1")
    assert not looks_like_rule_id("SYNC")
