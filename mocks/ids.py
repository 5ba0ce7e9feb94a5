"""Deterministic GUIDs: the same seed gives the same ids, run after run."""

from __future__ import annotations

import hashlib
import random
import threading
import uuid


class IdFactory:
    """Hands out version-4-shaped GUIDs from a seeded generator."""

    def __init__(self, seed: int | str = 0) -> None:
        self._seed = f"ids:{seed}"
        self._rng = random.Random(self._seed)
        self._lock = threading.Lock()

    def guid(self) -> str:
        with self._lock:
            bits = self._rng.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))

    def token(self, nbytes: int = 16) -> str:
        """An opaque url-safe token (skip tokens, delta tokens, secrets)."""
        with self._lock:
            return self._rng.randbytes(nbytes).hex()

    def derived_guid(self, *names: str) -> str:
        """A GUID made from the seed and ``names`` alone, not drawn from the sequence: an
        object made on first read gets the same id whichever order reads come in."""
        bits = int.from_bytes(self._digest(16, "guid", *names), "big")
        return str(uuid.UUID(int=bits, version=4))

    def derived_token(self, nbytes: int, *names: str) -> str:
        """Like :meth:`token`, but made from the seed and ``names`` (see :meth:`derived_guid`)."""
        return self._digest(nbytes, "token", *names).hex()

    def _digest(self, nbytes: int, kind: str, *names: str) -> bytes:
        text = "\0".join((self._seed, kind, *names))
        return hashlib.blake2b(text.encode(), digest_size=nbytes).digest()
