"""HR data in the world: the generator's employee data and managers, the loader's
round trip of managers, owners and complex properties (issue 14)."""

from __future__ import annotations

from collections import Counter

import pytest

from mocks.entra import loader
from mocks.generate import Options, generate
from mocks.world import World
from mocks.worldfile import load

from .conftest import WORLD_DOC, new_world


@pytest.fixture(scope="module")
def generated() -> dict:
    return generate(Options(users=400, groups=8, seed=5, hybrid=0.1))


def test_every_generated_user_has_hr_data(generated):
    users = generated["entra"]["users"]
    ids = [u["employeeId"] for u in users]
    assert len(set(ids)) == len(users) and all(i.isdigit() and len(i) == 5 for i in ids)
    kinds = Counter(u["employeeType"] for u in users)
    assert kinds["Employee"] > kinds["Contractor"] > 0
    assert all(u["employeeHireDate"] < "2026-01-05" and u["employeeHireDate"] > "2011"
               for u in users)
    assert len({u["companyName"] for u in users}) == 1
    assert 1 < len({u["city"] for u in users}) <= 6
    assert all(u["employeeOrgData"]["division"] == u.get("department") for u in users)


def test_generated_managers_form_one_tree_by_department(generated):
    users = {u["userPrincipalName"]: u for u in generated["entra"]["users"]}
    top = generated["entra"]["users"][0]["userPrincipalName"]
    assert "manager" not in users[top]
    for upn, user in users.items():
        if upn == top:
            continue
        boss = users[user["manager"]]
        same_department = boss.get("department") == user.get("department")
        assert same_department or user["manager"] == top, upn
        chain, at = set(), upn  # every chain ends at the top person
        while "manager" in users[at]:
            assert at not in chain
            chain.add(at)
            at = users[at]["manager"]
        assert at == top


def test_hybrid_users_get_on_premises_accounts(generated):
    hybrid = [u for u in generated["entra"]["users"] if u.get("onPremisesSyncEnabled")]
    assert len(hybrid) == 40
    for user in hybrid:
        assert user["onPremisesSamAccountName"] and len(user["onPremisesSamAccountName"]) <= 20
        assert user["onPremisesUserPrincipalName"] == user["userPrincipalName"]
        assert user["onPremisesExtensionAttributes"]["extensionAttribute1"] == user["employeeType"]


def test_the_same_seed_gives_the_same_hr_data():
    a = generate(Options(users=50, seed=3))
    b = generate(Options(users=50, seed=3))
    c = generate(Options(users=50, seed=4))
    assert a == b and a["entra"]["users"] != c["entra"]["users"]


def test_generated_world_loads_with_its_managers(generated):
    world = World()
    load(world, generated)
    tenant = world.tenant
    assert len(tenant.managers) == len(tenant.users) - 1
    top = tenant.user_by_id_or_upn(generated["entra"]["users"][0]["userPrincipalName"])
    assert tenant.manager_of(top.id) is None and tenant.direct_reports(top.id)


def test_dump_and_load_keep_managers_owners_and_complex_properties():
    doc = dict(WORLD_DOC)
    doc["users"] = [dict(u) for u in WORLD_DOC["users"]]
    doc["users"][1].update({"manager": "ray.ross@contoso.com",
                            "employeeOrgData": {"division": "People", "costCenter": "7"}})
    doc["groups"] = [dict(g) for g in WORLD_DOC["groups"]]
    doc["groups"][0]["owners"] = ["megan.jordan@contoso.com"]
    first = new_world()
    loader.load(first.tenant, doc)
    dumped = loader.dump(first.tenant)
    second = new_world()
    loader.load(second.tenant, dumped)
    assert loader.dump(second.tenant) == dumped
    megan = second.tenant.user_by_id_or_upn("megan.jordan@contoso.com")
    assert second.tenant.manager_of(megan.id).props["displayName"] == "Ray Ross"
    assert megan.props["employeeOrgData"] == {"division": "People", "costCenter": "7"}
    employee = next(g for g in second.tenant.groups.values()
                    if g.props["displayName"] == "Employee")
    assert second.tenant.owners[employee.id] == [megan.id]


@pytest.mark.parametrize("patch, message", [
    ({"manager": "nobody@contoso.com"}, "entra.users[1].manager: no user"),
    ({"employeeOrgData": {"division": "x", "floor": "3"}}, "entra.users[1].employeeOrgData"),
    ({"employeeOrgData": "Finance"}, "entra.users[1].employeeOrgData"),
])
def test_bad_hr_data_in_a_document_names_its_path(patch, message):
    doc = dict(WORLD_DOC)
    doc["users"] = [dict(u) for u in WORLD_DOC["users"]]
    doc["users"][1].update(patch)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        loader.load(new_world().tenant, doc)
