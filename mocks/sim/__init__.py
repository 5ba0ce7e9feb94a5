"""Simulation control: the ``/_sim/`` API every mock app carries (routes in :mod:`.responses`).

This module holds the small parsing rules the routes share: ISO 8601 durations and
instants, and the error the routes answer with.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(
    r"P(?:(?P<weeks>\d+(?:\.\d+)?)W)?(?:(?P<days>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?")


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
