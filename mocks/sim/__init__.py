"""Simulation control: the ``/_sim/`` API every mock app carries (routes in :mod:`.responses`).

This module holds the small rules the control routes share (here and on Graph's
``/_sim/faults``): ISO 8601 durations and instants, the simulation token check, and
the error the routes answer with.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?")


TOKEN_NEEDED = ("The simulation control API needs the simulation token: send "
                "'Authorization: Bearer <token>' or 'X-Sim-Token: <token>'.")


def token_accepted(world, headers) -> bool:
    """Whether a control request may go on: the world has no simulation token (served on
    loopback), or the request carries it as ``X-Sim-Token`` or ``Authorization: Bearer``."""
    expected = getattr(world, "sim_token", None)
    if not expected:
        return True
    sent = headers.get("X-Sim-Token", "")
    scheme, _, value = headers.get("Authorization", "").partition(" ")
    if not sent and scheme.lower() == "bearer":
        sent = value.strip()
    return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


class SimError(Exception):
    """A refused control request: HTTP status, a short code, and a message naming the problem."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def parse_duration(text: str) -> timedelta:
    """``PnWnDTnHnMnS`` (e.g. ``PT30M``, ``P1DT2H``) as a timedelta; years and months are refused."""
    if not isinstance(text, str):
        raise SimError(400, "invalidDuration", "advance: expected an ISO 8601 duration string such as 'PT30M'")
    match = _DURATION.fullmatch(text.strip().upper())
    if not match or text.strip().upper() in ("P", "PT") or text.strip().upper().endswith("T"):
        raise SimError(400, "invalidDuration",
                       f"advance: {text!r} is not an ISO 8601 duration of weeks, days, hours, "
                       "minutes and seconds, such as 'PT30M' or 'P1DT2H'")
    parts = {name: float(value) for name, value in match.groupdict().items() if value}
    return timedelta(**parts)


def parse_instant(text: object, field: str) -> datetime:
    """An ISO 8601 timestamp (``Z`` or an offset; naive means UTC) as an aware datetime."""
    if not isinstance(text, str):
        raise SimError(400, "invalidTimestamp", f"{field}: expected an ISO 8601 timestamp string")
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise SimError(400, "invalidTimestamp",
                       f"{field}: {text!r} is not an ISO 8601 timestamp such as "
                       "'2026-01-05T08:00:00Z'") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)
