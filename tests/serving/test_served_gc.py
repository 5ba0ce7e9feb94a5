"""The garbage collector's settings while a world is served (mocks.serving.GcPolicy)."""

from __future__ import annotations

import gc

import httpx
import pytest

from mocks import worldfile
from mocks.generate import Options, generate
from mocks.serving import GC_THRESHOLD, ServedWorld
from mocks.world import World


@pytest.fixture(autouse=True)
def _process_defaults():
    """Each test starts from and leaves Python's own settings: nothing frozen, 700/10/10."""
    saved = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.unfreeze()
    gc.set_threshold(*saved)


def _doc(users: int, seed: int) -> dict:
    base = {"seed": seed, "clock": "2026-01-05T08:00:00Z",
            "entra": {"tenant": {"displayName": "Contoso"},
                      "domains": [{"name": "contoso.dk", "default": True}]}}
    return generate(Options(users=users, groups=4, seed=seed, photos=0.5, calendars=0.5), base)


def _world(users: int = 20, seed: int = 3) -> World:
    world = World()
    worldfile.load(world, _doc(users, seed))
    return world


def _listed(obj: object) -> bool:
    """Whether the collector still walks ``obj`` (frozen objects are not listed)."""
    return any(o is obj for o in gc.get_objects())


def test_a_served_world_is_frozen_and_collected_less_often_until_it_stops():
    world = _world()
    with ServedWorld(world):
        assert gc.get_threshold() == GC_THRESHOLD
        assert gc.get_freeze_count() > 0
        assert not _listed(world.tenant.users)  # out of every later pass
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0
    assert _listed(world.tenant.users)


def test_the_settings_stay_until_the_last_of_two_served_worlds_stops():
    with ServedWorld(_world(seed=1)):
        second = ServedWorld(_world(seed=2)).start()
        try:
            assert gc.get_threshold() == GC_THRESHOLD
        finally:
            second.stop()
        assert gc.get_threshold() == GC_THRESHOLD  # the first one still serves
        assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (700, 10, 10)
    assert gc.get_freeze_count() == 0


def test_a_process_with_its_own_settings_keeps_them():
    gc.set_threshold(50_000, 5, 50)  # higher gen 0 and gen 2, lower gen 1
    gc.freeze()  # the process froze objects itself: that set is not the server's to thaw
    frozen = gc.get_freeze_count()
    with ServedWorld(_world()):
        assert gc.get_threshold() == (50_000, GC_THRESHOLD[1], 50)  # never more often
        # Freezing is left to the process: its set is neither thawed (0) nor joined by the
        # served world (more). Frozen objects that die meanwhile leave the count.
        assert 0 < gc.get_freeze_count() <= frozen
    assert gc.get_threshold() == (50_000, 5, 50)
    assert 0 < gc.get_freeze_count() <= frozen


def test_a_threshold_changed_while_serving_is_not_undone():
    with ServedWorld(_world()):
        gc.set_threshold(1_000, 10, 10)
    assert gc.get_threshold() == (1_000, 10, 10)


def test_in_process_worlds_are_not_frozen():
    world = _world()
    worldfile.load(world, _doc(20, 4))
    world.reset(5)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == (700, 10, 10)


def _tracked() -> int:
    return gc.get_freeze_count() + len(gc.get_objects())


def _world_size(doc: dict) -> int:
    """How many objects the collector tracks for one world loaded from ``doc``."""
    gc.collect()
    before = _tracked()
    world = World()
    worldfile.load(world, doc)
    size = _tracked() - before
    del world
    return size


def test_loading_worlds_through_sim_again_and_again_frees_each_replaced_one():
    world = _world()
    docs = [_doc(150, seed) for seed in (11, 12)]
    one_world = _world_size(docs[0])
    tracked: list[int] = []
    with ServedWorld(world) as served, \
            httpx.Client(verify=served.ssl_context(), trust_env=False) as client:
        for i in range(20):
            answer = client.post(f"{served.graph_url.removesuffix('/v1.0')}/_sim/load",
                                 json=docs[i % 2])
            assert answer.status_code == 200, answer.text
            assert answer.json()["users"] == 150
            tracked.append(_tracked())
    # Once the first loads settled, the count no longer climbs. (Without the collection
    # before each freeze, the reference cycles of every replaced world stayed frozen:
    # about a hundred objects more per load, 1,600 over these sixteen.)
    assert one_world > 1_000
    growth = max(tracked[4:]) - tracked[3]
    assert growth < one_world // 4, tracked
