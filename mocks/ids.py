"""Deterministic GUIDs: the same seed gives the same ids, run after run."""

from __future__ import annotations

import random
import threading
import uuid


class IdFactory:
    """Hands out version-4-shaped GUIDs from a seeded generator."""

    def __init__(self, seed: int | str = 0) -> None:
        self._rng = random.Random(f"ids:{seed}")
        self._lock = threading.Lock()

    def guid(self) -> str:
        with self._lock:
            bits = self._rng.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))

    def token(self, nbytes: int = 16) -> str:
        """An opaque url-safe token (skip tokens, delta tokens, secrets)."""
        with self._lock:
            return self._rng.randbytes(nbytes).hex()
