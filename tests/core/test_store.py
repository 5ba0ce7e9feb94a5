"""The SQLite store: state survives reopening, runs and changes read back as logged."""

from sync_core.model import Action, LastState
from sync_core.store import Store


def test_state_and_links_survive_reopening_the_file(tmp_path):
    path = str(tmp_path / "sync.sqlite3")
    store = Store(path)
    store.link("e-1", "u-1", "2026-01-05T08:00:00Z")
    store.save_state(LastState(mapping={"g": "Employee"}, user_groups={"e-1": frozenset({"g"})},
                               retired_roles=frozenset({"Old"}), unsynced_links={"e-1"}))
    store.close()
    again = Store(path)
    state = again.last_state()
    assert again.links() == {"e-1": "u-1"}
    assert state.mapping == {"g": "Employee"} and state.user_groups == {"e-1": {"g"}}
    assert state.retired_roles == {"Old"} and state.unsynced_links == {"e-1"}


def test_saving_one_user_leaves_the_others_alone():
    store = Store()
    store.save_state(LastState(mapping={"g": "R"}, user_groups={"a": frozenset({"g"}),
                                                                "b": frozenset({"g"})}))
    store.save_state(LastState(mapping={"g": "X"}, user_groups={"a": frozenset()}), only={"a"})
    state = store.last_state()
    assert state.mapping == {"g": "R"}
    assert state.user_groups == {"a": frozenset(), "b": {"g"}}


def test_runs_and_changes_read_back_with_rule_and_reason():
    store = Store()
    run_id = store.start_run("schedule", "2026-01-05T08:00:00Z")
    store.log_change(run_id, "2026-01-05T08:00:01Z",
                     Action("deactivate", "SYNC-3", "left the groups", emply_id="u-1",
                            old="active", new="deactivated"), "success")
    store.finish_run(run_id, "success", "2026-01-05T08:00:02Z", {"deactivate": 1})
    assert store.mark_interrupted("later") == []
    [run] = store.runs()
    assert (run.status, run.counts) == ("success", {"deactivate": 1})
    [change] = store.changes(emply_user_id="u-1")
    assert (change["action"], change["rule"], change["old"], change["new"]) == (
        "disable", "SYNC-3", "active", "deactivated")


def test_a_run_left_running_is_marked_interrupted():
    store = Store()
    run_id = store.start_run("schedule", "t0")
    assert store.mark_interrupted("t1") == [run_id]
    assert store.run(run_id).status == "interrupted"
