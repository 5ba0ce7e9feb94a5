"""The rule ids of the integration, read from the rules document shipped in this package.

``emply_sim/bdd/rules.md`` is a copy of the project's ``docs/rules.md`` (a test keeps the
two equal), so an installed plugin knows the rules without the source tree. A rule is
defined by a paragraph starting ``**ID — title.**``; a tag shaped like a rule id is
``@ABC-1``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")
_DEFINITION = re.compile(r"^\*\*([A-Z][A-Z0-9]*-\d+)\s+[—-]+\s+(.+?)\*\*", re.MULTILINE)


def rules_text() -> str:
    """The packaged rules document (Markdown)."""
    return resources.files("emply_sim.bdd").joinpath("rules.md").read_text(encoding="utf-8")


def parse_rules(text: str) -> dict[str, str]:
    """``{rule id: title}`` of every rule defined in ``text``, in document order."""
    return {match.group(1): match.group(2).strip().rstrip(".") for match in _DEFINITION.finditer(text)}


@lru_cache(maxsize=1)
def known_rules() -> dict[str, str]:
    """``{rule id: title}`` of the packaged rules document."""
    return parse_rules(rules_text())


def looks_like_rule_id(tag: str) -> bool:
    """True for tags shaped like a rule id (``SYNC-6``, ``TEN-1``), known or not."""
    return bool(RULE_ID.match(tag))
