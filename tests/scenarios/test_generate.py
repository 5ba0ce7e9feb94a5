"""The generator: reproducible from a seed, unique addresses, realistic spread, loadable."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from mocks.generate import Options, ascii_fold, generate, mail_local_part
from mocks.scenarios import load_scenario, validate
from mocks.world import World
from mocks.worldfile import load


@pytest.fixture(scope="module")
def ten_thousand():
    return generate(Options(users=10_000, groups=40, seed=7))


def test_same_seed_same_document_different_seed_different():
    a = generate(Options(users=300, seed=5))
    b = generate(Options(users=300, seed=5))
    c = generate(Options(users=300, seed=6))
    assert yaml.safe_dump(a) == yaml.safe_dump(b)
    names_a = [u["displayName"] for u in a["entra"]["users"]]
    names_c = [u["displayName"] for u in c["entra"]["users"]]
    assert names_a != names_c


def test_ten_thousand_users_have_unique_ascii_addresses(ten_thousand):
    users = ten_thousand["entra"]["users"]
    assert len(users) == 10_000
    upns = [u["userPrincipalName"].casefold() for u in users]
    mails = [u["mail"].casefold() for u in users]
    assert len(set(upns)) == len(upns) and len(set(mails)) == len(mails)
    assert all(m.isascii() and m.count("@") == 1 for m in mails)
    assert any(not u["displayName"].isascii() for u in users), "Danish names keep æ, ø, å"


def test_addresses_spread_over_the_domains(ten_thousand):
    domains = Counter(u["mail"].split("@")[1] for u in ten_thousand["entra"]["users"])
    assert set(domains) == {"contoso.com", "contoso.dk"}
    assert domains["contoso.com"] > domains["contoso.dk"] > 1000


def test_shares_are_exact(ten_thousand):
    users = ten_thousand["entra"]["users"]
    assert sum(1 for u in users if "photo" in u) == 3000
    assert sum(1 for u in users if u.get("accountEnabled") is False) == 200
    assert sum(1 for u in users if u.get("onPremisesSyncEnabled")) == 500
    assert sum(1 for u in users if u.get("calendars")) == 1000
    roles = {s["role"] for s in ten_thousand["entra"]["calendarShares"]}
    assert roles == {"write", "read"}


def test_group_sizes_are_skewed(ten_thousand):
    groups = ten_thousand["entra"]["groups"]
    assert groups[0]["displayName"] == "Alle medarbejdere"
    assert len(groups[0]["members"]) > 9_000
    departments = sorted((len(g["members"]) for g in groups[2:]), reverse=True)
    assert departments[0] > 5 * departments[-1]  # a few big departments, a long tail
    assert all(size > 0 for size in departments)


def test_emply_side_matches_the_generated_groups(ten_thousand):
    emply = ten_thousand["emply"]
    assert [r["name"] for r in emply["roles"]] == ["Administrator", "Employee", "Manager"]
    synced = emply["integration"]["syncedGroups"]
    assert {s["group"] for s in synced} == {g["displayName"] for g in ten_thousand["entra"]["groups"]}
    assert not any(s.get("role") == "Administrator" for s in synced)
    assert {s.get("timeZone") for s in synced} == {"Europe/Copenhagen"}
    assert emply["users"][0]["roles"] == ["Administrator"]
    assert emply["apiKeys"][0]["key"]
    assert ten_thousand["entra"]["apps"][0]["displayName"] == "Emply People"


def test_ascii_folding():
    assert ascii_fold("Søren Kjær Ågård") == "Soeren Kjaer Aagaard"
    assert mail_local_part("Åse-Marie", "Bøgh Møller") == "aase-marie.boegh.moeller"
    assert mail_local_part("José", "Muñoz") == "jose.munoz"
    assert mail_local_part("李", "王") == ""


def test_other_locales_and_domains():
    doc = generate(Options(users=200, groups=5, seed=3, locale="sv_SE",
                           domains=("example.se", "example.com")))
    assert doc["entra"]["groups"][0]["displayName"] == "Alla medarbetare"
    assert {u["mail"].split("@")[1] for u in doc["entra"]["users"]} == {"example.se", "example.com"}
    synced = doc["emply"]["integration"]["syncedGroups"]
    assert {(s["timeZone"], s["currency"]) for s in synced} == {("Europe/Stockholm", "SEK")}
    world = World()
    load(world, doc)
    assert len(world.tenant.users) == 200


def test_non_latin_names_get_usable_addresses():
    doc = generate(Options(users=50, groups=2, seed=1, locale="ja_JP"))
    mails = [u["mail"] for u in doc["entra"]["users"]]
    assert len(set(mails)) == 50 and all(m.isascii() for m in mails)


def test_generated_world_loads_with_photos_calendars_and_employees():
    doc = generate(Options(users=500, groups=8, seed=9, employees=0.2))
    world = World()
    load(world, doc)
    assert len(world.tenant.users) == 500 and len(world.tenant.photos) == 150
    shared = [c for c in world.tenant.calendars.values() if c.shared_with]
    assert shared and all(not c.is_default for c in shared)
    connected = [u for u in world.emply.users.values() if u.employee_id]
    assert len(connected) == 100


def test_generate_adds_to_a_scenario_without_clashes():
    faq = load_scenario("faq")
    doc = validate({**{k: v for k, v in faq.items()}, "generate": {"users": 400, "seed": 2}})
    users = doc["entra"]["users"]
    assert users[:len(faq["entra"]["users"])] == faq["entra"]["users"]
    assert len(users) == len(faq["entra"]["users"]) + 400
    assert doc["emply"]["roles"] == faq["emply"]["roles"]  # the scenario's own Emply side is kept


@pytest.mark.parametrize("raw, message", [
    ({"users": -1}, "generate.users: expected a whole number"),
    ({"users": 10, "photos": 1.5}, "generate.photos: expected a share from 0 to 1"),
    ({"locale": "xx"}, "generate.locale: 'xx' is not a Faker locale"),
    ({"people": 3}, "generate.people: unknown key"),
])
def test_options_refuse_bad_values(raw, message):
    with pytest.raises(ValueError, match=message):
        Options.from_doc(raw)
