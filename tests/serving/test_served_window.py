"""The hosted sync against a served Graph that is far away (injected latency per round
trip): its window of batches on the wire opens up to the bound of four, which is what
keeps a large sync under real Graph's latency fast (issue 13)."""

from __future__ import annotations

from mocks.generate import Options, generate
from mocks.graph.faults import FaultPlan
from mocks.serving import ServedWorld
from mocks.world import World
from mocks.worldfile import load

PERMISSIONS = ["User.ReadWrite.All", "GroupMember.Read.All", "ProfilePhoto.Read.All",
               "Calendars.ReadWrite", "Organization.Read.All"]


def far_away_world(users: int) -> World:
    base = {"seed": 3, "clock": "2026-01-05T08:00:00Z",
            "entra": {"tenant": {"displayName": "Far away"},
                      "domains": [{"name": "contoso.dk", "default": True}],
                      "apps": [{"displayName": "Emply People", "permissions": PERMISSIONS}]},
            "emply": {"integration": {"calendarSync": True}}}
    world = World()
    load(world, generate(Options(users=users, groups=4, seed=3, photos=0.3, calendars=0.1),
                         base))
    return world


def test_under_latency_the_sync_keeps_more_batches_out_and_stays_within_four():
    world = far_away_world(400)  # 800 per-user reads: 40 batches
    with ServedWorld(world) as served:
        engine = served.sync_host.engine
        world.clock.unsubscribe(engine.on_clock)
        world.faults = FaultPlan(latency_ms=150)
        result = engine.run("test")
        window = engine.entra.graph.window()
    assert result.status == "success", result.message
    assert window.widest >= 3, "the window opened up under latency"
    assert window.limit <= window.most == 4
