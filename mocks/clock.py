"""The world's one simulation clock.

Everything timed in the simulation (deleted-item retention, employee resignation
dates, the 30-minute sync schedule, Retry-After waits in-process) reads this clock.
Tests move it with :meth:`SimClock.advance`; nothing in the world sleeps on it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
# The simulation's range: every timer computed from "now" (the next sync slot, delta links,
# deleted-item retention, token lifetimes) must fit in a datetime, so the clock keeps far
# from datetime's limits. A move beyond is refused (ValueError), never half done.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)

Listener = Callable[[datetime, datetime], None]


class SimClock:
    """A thread-safe clock that only moves when told to.

    Listeners are called with ``(old, new)`` after every move, outside the lock,
    so that models can act on time passing (archive employees, run due syncs).
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = check_instant(_aware(start or DEFAULT_START))
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []

    def now(self) -> datetime:
        # No lock: reading one attribute is atomic, and ``advance`` replaces the value whole.
        # (A 10k-user first sync asks the time 57,000 times, from several threads.)
        return self._now

    def advance(self, delta: timedelta | float) -> datetime:
        """Move the clock forward by ``delta`` (a timedelta or seconds); a move that is not a
        finite number of seconds, or that would pass :data:`LATEST`, raises ValueError."""
        if not isinstance(delta, timedelta):
            seconds = float(delta)
            if not math.isfinite(seconds):
                raise ValueError(f"the clock moves by a finite number of seconds, not {delta!r}")
            if seconds > (LATEST - EARLIEST).total_seconds():
                raise ValueError(f"the simulation clock cannot move past {isoformat_z(LATEST)}")
            delta = timedelta(seconds=seconds)
        if delta < timedelta(0):
            raise ValueError("the simulation clock cannot move backwards")
        with self._lock:
            old = self._now
            if delta > LATEST - old:
                raise ValueError(f"the simulation clock cannot move past {isoformat_z(LATEST)}")
            self._now = old + delta
            new = self._now
        for listener in list(self._listeners):
            listener(old, new)
        return new

    def set(self, when: datetime) -> datetime:
        """Move the clock to ``when``, which must not be in the clock's past."""
        return self.advance(_aware(when) - self.now())

    def sleep(self, seconds: float) -> None:
        """Stand-in for ``time.sleep`` in-process: waiting moves simulated time."""
        if seconds > 0:
            self.advance(seconds)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)


def check_instant(value: datetime) -> datetime:
    """``value`` when it lies in the simulation's range, else ValueError naming the range."""
    if not EARLIEST <= _aware(value) <= LATEST:
        raise ValueError(f"the simulation clock runs from {isoformat_z(EARLIEST)} to "
                         f"{isoformat_z(LATEST)}; {value.isoformat()} is outside")
    return value


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def isoformat_z(value: datetime) -> str:
    """Graph's timestamp form: ``2026-01-05T08:00:00Z``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WallClockDriver:
    """Moves a simulation clock along with real time, for a served world asked to run in
    real time (``emply-sim serve --real-time``): the 30-minute schedule then fires every
    30 real minutes. ``get_clock`` is asked at every tick, as a world load replaces it."""

    def __init__(self, get_clock: Callable[[], SimClock], interval: float = 1.0) -> None:
        self._get_clock = get_clock
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> WallClockDriver:
        self._thread = threading.Thread(target=self._tick, name="wall-clock", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _tick(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.interval):
            now = time.monotonic()
            self._get_clock().advance(now - last)
            last = now
