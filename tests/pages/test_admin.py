"""The Entra administrator's pages act through Graph, with Graph's errors and its journal."""

from __future__ import annotations

import io
import re

from mocks.emply.entra_admin import ADMIN_APP

from .conftest import flashes, text

MEGAN, LARS, SOFIE = "megan.jordan@contoso.com", "lars.nielsen@contoso.com", "sofie.hansen@contoso.com"
HR = "aaaaaaaa-0002-4000-8000-000000000002"
EMPLOYEE = "aaaaaaaa-0001-4000-8000-000000000001"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")


def admin_ready(demo) -> str:
    page = demo.post("/ui/entra/admin-app", back="/ui/entra")
    assert flashes(page)[0].startswith(f"Registered the app '{ADMIN_APP}' with ")
    return next(a.client_id for a in demo.world.tenant.apps.values() if a.display_name == ADMIN_APP)


def graph_calls(demo, client_id: str) -> list[str]:
    return [f"{e.method} {e.url.split('/v1.0', 1)[-1]} {e.status}"
            for e in demo.world.journal.entries() if e.client == client_id]


def entra_id(demo, upn: str) -> str:
    return demo.world.tenant.user_by_id_or_upn(upn).id


def test_without_a_writing_app_the_page_says_so_and_offers_none_of_the_actions(faq):
    page = faq.get("/ui/entra")
    assert "No app registration in this tenant may change users or groups" in text(page, "admin")
    assert 'id="create-user"' not in page and "Remove the chosen member" not in page
    refused = faq.post(f"/ui/entra/groups/{HR}/members/remove",
                       {"member_id": entra_id(faq, MEGAN)}, back="/ui/entra")
    assert flashes(refused)[0].startswith("no app registration in this tenant may change users")
    assert entra_id(faq, MEGAN) in faq.world.tenant.groups[HR].members  # nothing changed


def test_case_b_megan_leaves_hr_through_graph_and_keeps_her_roles(faq):
    client = admin_ready(faq)
    faq.engine.run("manual")
    faq.engine.run("manual")
    page = faq.post(f"/ui/entra/groups/{HR}/members/remove", {"member_id": entra_id(faq, MEGAN)},
                    back="/ui/entra")
    assert flashes(page) == ["Graph removed Megan Jordan from the group HR."]
    assert "HR aaaaaaaa-0002-4000-8000-000000000002 synced → HR Ray Ross, Sofie Hansen" in text(page, "groups")
    assert f"DELETE /groups/{HR}/members/{entra_id(faq, MEGAN)}/$ref 204" in graph_calls(faq, client)
    faq.post("/ui/sync/run")
    assert faq.roles(MEGAN) == {"Employee", "HR", "Manager"}  # FAQ case b: no role changes


def test_graph_errors_are_shown_as_graph_gives_them(faq):
    admin_ready(faq)
    megan = entra_id(faq, MEGAN)
    faq.post(f"/ui/entra/groups/{HR}/members/remove", {"member_id": megan}, back="/ui/entra")
    again = faq.post(f"/ui/entra/groups/{HR}/members/remove", {"member_id": megan}, back="/ui/entra")
    assert flashes(again) == [
        f"Graph refused DELETE /groups/{HR}/members/{megan}/$ref (404 Request_ResourceNotFound): "
        f"Resource '{megan}' does not exist or one of its queried reference-property objects "
        "are not present."]
    twice = faq.post(f"/ui/entra/groups/{EMPLOYEE}/members", {"member_id": megan}, back="/ui/entra")
    assert "(400 Request_BadRequest): One or more added object references already exist" in flashes(twice)[0]
    taken = faq.post("/ui/entra/users", {"displayName": "Ray Again",
                                         "userPrincipalName": "ray.ross@contoso.com"}, back="/ui/entra")
    assert flashes(taken)[0].startswith("Graph refused POST /users (400 ")
    assert len(faq.world.tenant.users) == 6


def test_create_disable_enable_delete_restore_and_photo_through_graph(faq):
    client = admin_ready(faq)
    page = faq.post("/ui/entra/users", {"displayName": "Nora Berg",
                                        "userPrincipalName": "nora.berg@contoso.com"}, back="/ui/entra")
    assert flashes(page) == ["Graph created the user Nora Berg (nora.berg@contoso.com)."]
    nora = entra_id(faq, "nora.berg@contoso.com")
    assert "Nora Berg nora.berg@contoso.com nora.berg@contoso.com enabled — —" in text(page, "users")

    page = faq.post(f"/ui/entra/users/{nora}/enabled", {"enabled": "false"}, back="/ui/entra")
    assert flashes(page) == ["Graph disabled the account of Nora Berg."]
    assert "Nora Berg nora.berg@contoso.com nora.berg@contoso.com disabled" in text(page, "users")
    faq.post(f"/ui/entra/users/{nora}/enabled", {"enabled": "true"}, back="/ui/entra")
    assert faq.world.tenant.users[nora].props["accountEnabled"] is True

    response = faq.client.post(f"/ui/entra/users/{nora}/photo", data={
        "next": "/ui/entra", "photo": (io.BytesIO(PNG), "nora.png", "image/png")},
        content_type="multipart/form-data", headers={"Origin": "http://localhost"})
    assert response.status_code == 303
    assert flashes(faq.get("/ui/entra")) == ["Graph stored a new photo for Nora Berg."]
    assert faq.world.tenant.photos[nora].content == PNG

    page = faq.post(f"/ui/entra/users/{nora}/delete", back="/ui/entra")
    assert flashes(page) == ["Graph deleted Nora Berg; restorable from deleted users for 30 days."]
    assert "Nora Berg nora.berg@contoso.com" in text(page, "deleted")
    page = faq.post(f"/ui/entra/deleted/{nora}/restore", back="/ui/entra")
    assert flashes(page) == ["Graph restored Nora Berg."]
    assert "No deleted users." in text(page, "deleted") and nora in faq.world.tenant.users
    calls = graph_calls(faq, client)
    assert calls == ["POST /users 201", f"PATCH /users/{nora} 204", f"PATCH /users/{nora} 204",
                     f"PUT /users/{nora}/photo/$value 200", f"DELETE /users/{nora} 204",
                     f"POST /directory/deletedItems/{nora}/restore 200"]


def test_create_a_group_and_add_a_member_through_graph(faq):
    client = admin_ready(faq)
    page = faq.post("/ui/entra/groups", {"displayName": "Warehouse", "description": "Floor staff"},
                    back="/ui/entra")
    assert flashes(page) == ["Graph created the group Warehouse."]
    group = next(g for g in faq.world.tenant.groups.values() if g.props["displayName"] == "Warehouse")
    assert group.props["securityEnabled"] is True and group.props["description"] == "Floor staff"
    page = faq.post(f"/ui/entra/groups/{group.id}/members", {"member_id": entra_id(faq, LARS)},
                    back="/ui/entra")
    assert flashes(page) == ["Graph added Lars Nielsen to the group Warehouse."]
    assert "Warehouse " in text(page, "groups") and group.members == [entra_id(faq, LARS)]
    assert graph_calls(faq, client)[:2] == ["POST /groups 201",
                                            f"POST /groups/{group.id}/members/$ref 204"]
    empty = faq.post("/ui/entra/groups", {"displayName": " "}, back="/ui/entra")
    assert flashes(empty) == ["Give the new group a name."]


def test_del1_a_user_deleted_through_the_pages_is_deactivated_and_restored(faq):
    admin_ready(faq)
    faq.engine.run("manual")
    sofie = entra_id(faq, SOFIE)
    faq.post(f"/ui/entra/users/{sofie}/delete", back="/ui/entra")
    faq.post("/ui/sync/run")
    user = faq.user(SOFIE)
    assert not user.active and user.deactivation.reason == "deleted_in_entra"
    faq.post(f"/ui/entra/deleted/{sofie}/restore", back="/ui/entra")
    faq.post("/ui/sync/run")
    assert faq.user(SOFIE).active  # SYNC-3: the sync reactivates what it deactivated


def test_hybrid_users_carry_the_marker_and_graph_refuses_what_ad_masters():
    from .conftest import Demo

    demo = Demo("hybrid")
    try:
        admin_ready(demo)
        page = demo.get("/ui/entra")
        hybrid = [u for u in demo.world.tenant.users.values() if u.hybrid]
        assert hybrid, "the hybrid scenario has users synced from AD"
        row = re.search(rf'<tr data-upn="{re.escape(hybrid[0].props["userPrincipalName"])}">(.*?)</tr>',
                        page, re.S).group(1)
        assert '<span class="badge warn" title="synced from on-premises Active Directory' in row
        user = hybrid[0]
        refused = demo.post(f"/ui/entra/users/{user.id}/enabled", {"enabled": "false"},
                            back="/ui/entra")
        assert flashes(refused) == [
            f"Graph refused PATCH /users/{user.id} (400 Request_BadRequest): Unable to update the "
            "specified properties for on-premises mastered Directory Sync objects or objects "
            "currently undergoing migration."]
        assert user.props.get("accountEnabled") is not False
    finally:
        demo.close()
