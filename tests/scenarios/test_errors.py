"""A broken scenario is refused before anything starts: file, path, line, what was expected."""

from __future__ import annotations

import textwrap

import pytest

from mocks.scenarios import ScenarioError, load_world, parse, validate
from mocks.world import World

BASE = """\
name: small
description: A small world for error tests.
seed: 3
entra:
  domains:
    - {name: contoso.com, default: true}
  apps:
    - {displayName: Emply People, permissions: [User.Read.All, GroupMember.Read.All]}
  users:
    - userPrincipalName: ray.ross@contoso.com
      displayName: Ray Ross
      mail: ray.ross@contoso.com
    - userPrincipalName: megan.jordan@contoso.com
      displayName: Megan Jordan
      mail: megan.jordan@contoso.com
  groups:
    - displayName: Employee
      members: [ray.ross@contoso.com, megan.jordan@contoso.com]
emply:
  apiKeys: [{name: demo, key: demo-key, permissions: [read, write, settings]}]
  roles:
    - {name: Employee}
    - {name: Administrator, isAdministrator: true}
  users:
    - {email: ray.ross@contoso.com, firstName: Ray, lastName: Ross, roles: [Employee]}
  integration:
    syncedGroups:
      - {group: Employee, role: Employee}
"""


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """The 1-based line number of the n-th line containing ``fragment``."""
    hits = [n for n, line in enumerate(textwrap.dedent(text).splitlines(), 1) if fragment in line]
    return hits[occurrence - 1]


def broken(old: str, new: str) -> str:
    assert old in BASE
    return BASE.replace(old, new, 1)


def test_the_base_world_loads(write):
    doc, world = load_world(write(BASE))
    assert doc["name"] == "small" and len(world.tenant.users) == 2


def test_yaml_syntax_error_names_the_line(refusal):
    text = broken("      displayName: Megan Jordan\n", "      displayName: [Megan Jordan\n")
    error = refusal(text)
    assert "YAML syntax error" in error.message
    assert error.line is not None and error.line >= line_of(text, "[Megan Jordan")


def test_a_key_given_twice_is_refused(refusal):
    text = broken("      mail: megan.jordan@contoso.com\n",
                  "      mail: megan.jordan@contoso.com\n      mail: megan@contoso.com\n")
    error = refusal(text)
    assert error.path == "entra.users[1].mail"
    assert error.line == line_of(text, "mail: megan@contoso.com")
    assert "appears twice" in error.message


def test_unknown_top_level_key(refusal):
    text = BASE + "colour: blue\n"
    error = refusal(text)
    assert error.path == "colour"
    assert error.line == line_of(text, "colour: blue")
    assert "unknown top-level key" in error.message and "entra" in error.message


def test_not_a_mapping(refusal):
    error = refusal("- just\n- a list\n")
    assert "expected a mapping" in error.message and error.line == 1


def test_wrong_type_of_a_list(refusal):
    text = broken("  groups:\n    - displayName: Employee\n      members: [ray.ross@contoso.com, "
                  "megan.jordan@contoso.com]\n", "  groups: Employee\n")
    error = refusal(text)
    assert error.path == "entra.groups"
    assert error.line == line_of(text, "groups: Employee")
    assert "expected a list" in error.message


def test_wrong_type_of_a_scalar(refusal):
    text = broken("seed: 3\n", "seed: three\n")
    error = refusal(text)
    assert (error.path, error.line) == ("seed", line_of(text, "seed: three"))
    assert "expected an integer" in error.message


def test_unknown_property_of_a_user(refusal):
    text = broken("      displayName: Ray Ross\n", "      displayName: Ray Ross\n      colour: red\n")
    error = refusal(text)
    assert error.path == "entra.users[0].colour"
    assert error.line == line_of(text, "colour: red")
    assert "unknown key" in error.message


def test_upn_outside_the_verified_domains(refusal):
    text = broken("    - userPrincipalName: megan.jordan@contoso.com",
                  "    - userPrincipalName: megan.jordan@fabrikam.com")
    error = refusal(text)
    assert error.path == "entra.users[1].userPrincipalName"
    assert error.line == line_of(text, "megan.jordan@fabrikam.com")
    assert "'fabrikam.com' is not a verified domain" in error.message


def test_duplicate_upn(refusal):
    text = broken("    - userPrincipalName: megan.jordan@contoso.com",
                  "    - userPrincipalName: ray.ross@contoso.com")
    error = refusal(text)
    assert error.path == "entra.users[1].userPrincipalName"
    assert error.line == line_of(text, "userPrincipalName: ray.ross@contoso.com", 1) + 3
    assert "used by another user" in error.message


def test_duplicate_entra_mail(refusal):
    text = broken("      mail: megan.jordan@contoso.com", "      mail: Ray.Ross@contoso.com")
    error = refusal(text)
    assert error.path == "entra.users[1].mail"
    assert error.line == line_of(text, "mail: Ray.Ross@contoso.com")
    assert "already the e-mail of entra.users[0]" in error.message


def test_duplicate_emply_email(refusal):
    text = broken("    - {email: ray.ross@contoso.com, firstName: Ray, lastName: Ross, roles: [Employee]}\n",
                  "    - {email: ray.ross@contoso.com, firstName: Ray, lastName: Ross, roles: [Employee]}\n"
                  "    - {email: RAY.ROSS@contoso.com, firstName: Ray, lastName: Two}\n")
    error = refusal(text)
    assert error.path.startswith("emply.users[1]")
    assert error.line == line_of(text, "RAY.ROSS@contoso.com")


def test_group_member_that_is_no_user_or_group(refusal):
    text = broken("members: [ray.ross@contoso.com, megan.jordan@contoso.com]",
                  "members: [ray.ross@contoso.com, megan.jordan@contoso.com, nobody@contoso.com]")
    error = refusal(text)
    assert error.path == "entra.groups[0].members[2]"
    assert error.line == line_of(text, "nobody@contoso.com")
    assert "no user or group 'nobody@contoso.com'" in error.message


def test_synced_group_that_is_no_entra_group(refusal):
    text = broken("      - {group: Employee, role: Employee}", "      - {group: Staff, role: Employee}")
    error = refusal(text)
    assert error.path.startswith("emply.integration.syncedGroups[0]")
    assert error.line == line_of(text, "group: Staff")
    assert "no Entra group 'Staff'" in error.message


def test_role_that_does_not_exist(refusal):
    text = broken("lastName: Ross, roles: [Employee]}", "lastName: Ross,\n       roles: [Employee, Boss]}")
    error = refusal(text)
    assert error.path == "emply.users[0].roles[1]"
    assert error.line == line_of(text, "roles: [Employee, Boss]")
    assert "no role 'Boss'" in error.message


def test_synced_group_mapped_to_an_administrator_role(refusal):
    text = broken("      - {group: Employee, role: Employee}", "      - {group: Employee, role: Administrator}")
    error = refusal(text)
    assert error.path.startswith("emply.integration")
    assert error.line == line_of(text, "role: Administrator}")
    assert "administrator role" in error.message and "SYNC-9" in error.message


def test_write_to_entra_in_a_hybrid_tenant(refusal):
    text = broken("entra:\n", "entra:\n  tenant: {onPremisesSyncEnabled: true}\n")
    text = text.replace("      - {group: Employee, role: Employee}\n",
                        "      - {group: Employee, role: Employee}\n    updateEntra: true\n")
    error = refusal(text)
    assert error.path == "emply.integration" and error.line == line_of(text, "integration:")
    assert "SYNC-11" in error.message


def test_bad_generate_part(refusal):
    text = BASE + "generate: {users: -5, seed: 1}\n"
    error = refusal(text)
    assert error.path == "generate.users" and error.line == line_of(text, "generate:")
    assert "whole number" in error.message


def test_unknown_locale(refusal):
    error = refusal(BASE + "generate: {users: 5, locale: xx_XX}\n")
    assert error.path == "generate.locale" and "Faker locale" in error.message


def test_error_in_what_generate_made_points_at_generate(refusal):
    text = """\
    generate: {users: 3, groups: 0, seed: 1, domains: [fabrikam.com]}
    entra:
      domains:
        - {name: contoso.com, default: true}
        - {name: fabrikam.com, verified: false}
    """
    error = refusal(text)
    assert error.path == "entra.users[0].userPrincipalName"
    assert error.line == 1 and "generate" in error.message


def test_wrong_shape_under_a_generate_part(refusal):
    text = """\
    generate: {users: 3}
    entra:
      users: {userPrincipalName: a@contoso.com}
    """
    error = refusal(text)
    assert (error.path, error.line) == ("entra.users", 3)
    assert "expected a list, got dict" in error.message


def test_missing_file_and_unknown_name():
    with pytest.raises(ScenarioError, match="no such file"):
        load_world("does/not/exist.yaml")
    with pytest.raises(ScenarioError, match=r"no built-in scenario .*faq"):
        load_world("no-such-world")


def test_nothing_is_half_loaded(write):
    world = World(seed=1)
    load_world(write(BASE), world)
    before = sorted(u.props["userPrincipalName"] for u in world.tenant.users.values())
    bad = broken("members: [ray.ross@contoso.com, megan.jordan@contoso.com]",
                 "members: [ray.ross@contoso.com, ghost@contoso.com]")
    with pytest.raises(ScenarioError):
        load_world(write(bad, "bad.yaml"), world)
    assert sorted(u.props["userPrincipalName"] for u in world.tenant.users.values()) == before
    assert world.emply.settings.synced_groups and len(world.emply.users) == 1


def test_validate_a_parsed_document_without_lines():
    doc, _ = parse(BASE)
    doc["entra"]["users"][1]["userPrincipalName"] = "megan@nowhere.org"
    with pytest.raises(ScenarioError) as caught:
        validate(doc, "inline")
    assert caught.value.path == "entra.users[1].userPrincipalName" and caught.value.line is None
    assert str(caught.value).startswith("inline: entra.users[1].userPrincipalName: ")


def test_timestamps_stay_strings_so_the_document_is_json_shaped(write):
    text = broken("seed: 3\n", "seed: 3\nclock: 2026-01-05T08:00:00Z\n")
    doc, world = load_world(write(text))
    assert doc["clock"] == "2026-01-05T08:00:00Z"
    assert world.clock.now().isoformat().startswith("2026-01-05T08:00:00")
