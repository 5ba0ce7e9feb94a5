"""Issue 15: hand-made users kept over several runs (EXT-1), other domains (EXT-1),
DEL-1 not reaching back, Emply's refusals as failed changes, one shape per run."""

from __future__ import annotations

from mocks.emply.models import user_actor


def _synced(sim, runs: int = 2):
    return [sim.run() for _ in range(runs)]


def _admin(sim):
    return sim.user("admin@contoso.com")


# -- item 1: EXT-1 over several runs ------------------------------------------------------
def test_ext_1_users_created_in_entra_stay_active_over_several_runs(sim):
    sim.emply.add_user({"email": "tim.temp@contoso.dk", "firstName": "Tim", "lastName": "Temp"},
                       "user:hr-admin")
    sim.emply.update_settings({"createInEntra": True}, "user:hr-admin")
    runs = [sim.run() for _ in range(4)]
    for email in ("tim.temp@contoso.dk", "admin@contoso.com"):
        user = sim.user(email)
        assert sim.entra_user(email) is not None, email
        assert user.entra_object_id == sim.entra_user(email).id, email
        assert user.active, f"{email} was deactivated: {user.deactivation}"
    assert all(r["status"] == "success" for r in runs), [r["status"] for r in runs]
    assert not [c for r in runs for c in r["changes"] if c["kind"] == "deactivate"]


def test_ext_1_users_created_in_entra_follow_del_1_when_deleted_in_entra(sim):
    sim.emply.update_settings({"createInEntra": True}, "user:hr-admin")
    _synced(sim)
    tim = sim.emply.add_user({"email": "tim.temp@contoso.dk", "firstName": "Tim",
                              "lastName": "Temp"}, "user:hr-admin")
    sim.run()
    assert sim.graph("DELETE", f"/users/{tim.entra_object_id}").status_code == 204
    sim.run()
    assert sim.user("tim.temp@contoso.dk").deactivation.reason == "deleted_in_entra"


# -- item 2: EXT-1, an e-mail on a domain the tenant has not verified ---------------------
def test_ext_1_other_domain_gets_a_sign_in_name_on_the_default_domain(sim):
    # Behaviour changed by issue 15 (decision): this used to be refused with an error.
    sim.tenant.add_user({"userPrincipalName": "consultant@contoso.com",
                         "displayName": "Someone Else", "accountEnabled": True,
                         "mailNickname": "consultant"})
    sim.emply.update_settings({"createInEntra": True}, "user:hr-admin")
    runs = _synced(sim, 3)
    carl = sim.user("consultant@partner.example")
    created = sim.tenant.users[carl.entra_object_id]
    assert created.props["userPrincipalName"] == "consultant2@contoso.com"
    assert created.props["mail"] == "consultant@partner.example"
    assert created.props["otherMails"] == ["consultant@partner.example"]
    assert carl.active
    assert all(r["status"] == "success" for r in runs)
    [create] = [c for c in runs[0]["changes"] if c["kind"] == "create_in_entra"
                and c["email"] == "consultant@partner.example"]
    assert create["rule"] == "EXT-1" and "default domain" in create["reason"]


# -- item 3: DEL-1 does not reach back ----------------------------------------------------
def test_del_1_does_not_reach_back_to_users_deleted_while_it_was_off(sim):
    _synced(sim)
    megan = sim.user("megan.jordan@contoso.com")
    megan_entra = megan.entra_object_id
    sim.emply.delete_user(megan.id, "user:hr-admin")
    sim.run()
    sim.emply.update_settings({"deleteInEntra": True}, "user:hr-admin")
    runs = _synced(sim, 2)
    assert megan_entra in sim.tenant.users, "deleted in Entra although deleted while off"
    assert sim.user("megan.jordan@contoso.com") is None
    assert not [c for r in runs for c in r["changes"] if c["kind"] == "delete_in_entra"]


def test_del_1_does_not_reach_back_even_without_a_run_in_between(sim):
    _synced(sim)
    ray_employee = sim.emply.find_employees(email="ray.ross@contoso.com")[0]
    sim.emply.set_resignation_date(ray_employee.id, "2026-02-03")
    sim.world.clock.set(sim.world.clock.now().replace(day=3, hour=0, minute=5))
    assert sim.emply.employee(ray_employee.id).status == "Archived"
    sim.emply.update_settings({"deleteInEntra": True}, "user:hr-admin")
    sim.run()
    assert sim.entra_user("ray.ross@contoso.com") is not None


def test_del_1_still_deletes_what_is_deleted_once_it_is_on(sim):
    _synced(sim)
    sim.emply.update_settings({"deleteInEntra": True}, "user:hr-admin")
    megan = sim.user("megan.jordan@contoso.com")
    megan_entra = megan.entra_object_id
    sim.emply.delete_user(megan.id, "user:hr-admin")
    sim.run()
    assert megan_entra not in sim.tenant.users


# -- item 4: a refusal by Emply is one failed change ---------------------------------------
def test_an_emply_refusal_is_one_failed_change_and_a_partial_run(sim):
    _synced(sim)
    leavers = ["megan.jordan@contoso.com", "nina.holm@contoso.dk"]
    for upn in leavers:
        for group in ("Employee", "HR"):
            user = sim.entra_user(upn)
            if user.id in sim.group(group).members:
                sim.tenant.remove_member(sim.group(group).id, user.id)
    engine = sim.inproc.engine

    def meanwhile(action, count):  # a person deactivates Nina by hand during the run
        nina = sim.user("nina.holm@contoso.dk")
        if nina.active:
            sim.emply.deactivate_user(nina.id, "manual", user_actor(_admin(sim).id))

    engine.on_applied = meanwhile
    response = sim.emply_http.post("/integrations/entra-id/runs")
    engine.on_applied = None
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["status"] == "partial"
    deactivations = {c["email"]: c for c in run["changes"] if c["kind"] == "deactivate"}
    refused = [c for c in deactivations.values() if c["status"] == "failure"]
    assert len(refused) == 1 and "already_deactivated" in refused[0]["error"]
    assert all(not sim.user(e).active for e in leavers)
    stored = sim.emply_http.get(f"/integrations/entra-id/runs/{run['runId']}").json()
    assert stored["status"] == "partial"


# -- item 8: one shape per run, ids filled in ---------------------------------------------
def test_a_run_has_one_shape_and_created_users_have_their_emply_id(sim):
    posted = sim.run()
    got = sim.emply_http.get(f"/integrations/entra-id/runs/{posted['runId']}").json()
    assert posted == got
    assert posted["changes"], "the first run changes something"
    for change in posted["changes"]:
        assert "entra_id" not in change and "entraId" in change and "emplyUserId" in change
    created = [c for c in posted["changes"] if c["kind"] == "create_user"]
    assert created
    for change in created:
        user = sim.emply.user_by_entra_id(change["entraId"])
        assert change["emplyUserId"] == user.id
    photos = [c for c in posted["changes"] if c["kind"] == "set_photo"]
    assert photos and all(c["emplyUserId"] for c in photos)
