"""Load and dump a whole world document (see docs/architecture.md).

The document's ``entra:`` part goes to :mod:`mocks.entra.loader`, its ``emply:``
part to :mod:`mocks.emply.loader`. Loading is all or nothing: the document is
loaded into a fresh world first and swapped in only when every part loaded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mocks.clock import isoformat_z


class WorldFileError(ValueError):
    """A world document that cannot be loaded; the message names the path inside it."""


def load(world, doc: dict[str, Any]) -> None:
    """Replace ``world``'s contents with ``doc``; on error ``world`` is left as it was."""
    from mocks.emply import loader as emply_loader
    from mocks.entra import loader as entra_loader
    from mocks.world import World

    if not isinstance(doc, dict):
        raise WorldFileError("the world document must be a mapping (JSON object)")
    unknown = sorted(set(doc) - {"seed", "clock", "entra", "emply", "name", "description"})
    if unknown:
        raise WorldFileError(f"{unknown[0]}: unknown top-level key (expected seed, clock, entra, emply)")
    seed = doc.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise WorldFileError("seed: expected an integer")
    start = None
    if doc.get("clock") is not None:
        try:
            start = datetime.fromisoformat(str(doc["clock"]).replace("Z", "+00:00"))
        except ValueError as exc:
            raise WorldFileError(f"clock: expected an ISO 8601 timestamp, got {doc['clock']!r}") from exc

    staged = World.__new__(World)  # no listeners: nobody hears about the staged world
    staged.tokens = world.tokens
    staged.sim_token = world.sim_token
    staged.reset(seed, start)
    try:
        entra_loader.load(staged.tenant, doc.get("entra") or {})
        emply_loader.load(staged.emply, doc.get("emply") or {}, tenant=staged.tenant)
    except WorldFileError:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise WorldFileError(str(exc)) from exc
    # Swap the loaded state in only now, so a failed load loses nothing.
    for name, value in vars(staged).items():
        if name not in ("tokens", "sim_token", "_on_replace"):
            setattr(world, name, value)
    world.replaced()


def dump(world) -> dict[str, Any]:
    """The world as a document that :func:`load` accepts (secrets left out)."""
    from mocks.emply import loader as emply_loader
    from mocks.entra import loader as entra_loader

    return {
        "seed": world.seed,
        "clock": isoformat_z(world.clock.now()),
        "entra": entra_loader.dump(world.tenant),
        "emply": emply_loader.dump(world.emply),
    }
