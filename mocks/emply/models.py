"""State and rules of one Emply People customer (filled in by the Emply-side work)."""

from __future__ import annotations

from mocks.clock import SimClock
from mocks.ids import IdFactory


class Emply:
    """One Emply People customer."""

    def __init__(self, clock: SimClock, ids: IdFactory, customer: str = "contoso") -> None:
        self.clock = clock
        self.ids = ids
        self.customer = customer
