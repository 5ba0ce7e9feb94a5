"""The simulated world: one clock, one Entra tenant, one Emply People customer.

A :class:`World` is what scenarios load, what the ``/_sim/`` control API resets
and dumps, and what every mock app is built over. Tests give each scenario its own
World, so worlds never share state. Routes must read ``world.tenant`` and
``world.emply`` at request time: :meth:`World.reset` replaces them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from mocks.clock import SimClock
from mocks.emply.models import Emply
from mocks.entra.models import Tenant
from mocks.graph.faults import FaultPlan, Journal
from mocks.identity.models import TokenService
from mocks.ids import IdFactory

DEFAULT_TENANT_NAME = "Contoso"


class World:
    """Everything one simulation holds. Build apps over it with :mod:`mocks.apps`."""

    def __init__(self, seed: int = 0, start: datetime | None = None) -> None:
        self.tokens = TokenService()  # one signing key for the life of the process
        # Simulation control token for /_sim/ when served beyond loopback (None: open).
        self.sim_token: str | None = None
        self._on_replace: list[Callable[[World], None]] = []
        self.reset(seed, start)

    def on_replace(self, listener: Callable[[World], None]) -> None:
        """Call ``listener(world)`` whenever reset or a load replaced the world's contents."""
        self._on_replace.append(listener)

    def off_replace(self, listener: Callable[[World], None]) -> None:
        if listener in self._on_replace:
            self._on_replace.remove(listener)

    def replaced(self) -> None:
        """Tell listeners (the hosted sync core) that the contents are new."""
        for listener in list(getattr(self, "_on_replace", ())):
            listener(self)

    def reset(self, seed: int | None = None, start: datetime | None = None) -> None:
        """Forget every object and start an empty world with a fresh clock."""
        self.seed = getattr(self, "seed", 0) if seed is None else seed
        self.clock = SimClock(start)
        self.ids = IdFactory(self.seed)
        self.tenant = Tenant(self.ids.guid(), DEFAULT_TENANT_NAME, self.clock, self.ids)
        self.emply = Emply(self.clock, self.ids)
        self.faults = FaultPlan()  # Graph fault injection, off by default
        self.journal = Journal()  # every Graph request, with early-retry detection
        self.replaced()
