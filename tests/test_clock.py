"""The simulation clock: only moves when told, never backwards, tells listeners."""

from datetime import UTC, datetime, timedelta

import pytest

from mocks.clock import SimClock, isoformat_z


def test_clock_moves_only_when_advanced():
    clock = SimClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    assert clock.now() == clock.now() == datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    clock.advance(timedelta(minutes=30))
    assert isoformat_z(clock.now()) == "2026-03-01T09:30:00Z"


def test_sleep_moves_simulated_time_and_listeners_hear_it():
    clock = SimClock(datetime(2026, 3, 1, tzinfo=UTC))
    heard = []
    clock.subscribe(lambda old, new: heard.append((new - old).total_seconds()))
    clock.sleep(7)
    assert heard == [7.0]


def test_clock_refuses_to_go_backwards():
    clock = SimClock()
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_the_wall_clock_driver_moves_simulated_time_with_real_time():
    import time

    from mocks.clock import WallClockDriver

    clock = SimClock(datetime(2026, 3, 1, tzinfo=UTC))
    driver = WallClockDriver(lambda: clock, interval=0.02).start()
    time.sleep(0.3)  # the one test that needs real time: it is about real time
    driver.stop()
    moved = (clock.now() - datetime(2026, 3, 1, tzinfo=UTC)).total_seconds()
    assert 0.15 <= moved <= 5
