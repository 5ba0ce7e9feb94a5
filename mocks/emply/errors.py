"""Emply's refusals and the checks that raise them.

Every rule of the Emply model raises :class:`EmplyError`; the API turns it into
``{"error": {"code", "message"}}`` with its status. The helpers check one value of
an input and name the field when it is wrong, so that a message always says what
is wrong and where.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any


class EmplyError(Exception):
    """A refusal by the Emply model: HTTP status, stable code, and a message naming the problem."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def not_found(kind: str, key: str) -> EmplyError:
    """The 404 for an object that does not exist, e.g. ``user_not_found``."""
    return EmplyError(404, f"{kind}_not_found", f"No {kind.replace('_', ' ')} with id '{key}'.")


def unknown_fields(changes: dict[str, Any], allowed: set[str] | frozenset[str], what: str) -> None:
    """Refuse fields a resource does not have (400 ``unknown_field``)."""
    if allowed.issuperset(changes):  # the usual case, without building the difference
        return
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise EmplyError(400, "unknown_field",
                         f"'{unknown[0]}' is not a field of {what} that can be set "
                         f"(allowed: {', '.join(sorted(allowed))}).")


def text(value: Any, field: str, *, required: bool = False, max_len: int = 256) -> str | None:
    """A string field: trimmed, non-empty when required, ``None`` when absent and optional."""
    if value.__class__ is str:  # the usual case first: a string that fits (same result)
        trimmed = value.strip()
        if trimmed and len(trimmed) <= max_len:
            return trimmed
    if value is None:
        if required:
            raise EmplyError(400, "missing_field", f"'{field}' is required.")
        return None
    if not isinstance(value, str):
        raise EmplyError(400, "invalid_value", f"'{field}' must be a string.")
    value = value.strip()
    if not value:
        if required:
            raise EmplyError(400, "missing_field", f"'{field}' must not be empty.")
        return None
    if len(value) > max_len:
        raise EmplyError(400, "invalid_value", f"'{field}' is longer than {max_len} characters.")
    return value


def email(value: Any, field: str = "email", *, required: bool = False) -> str | None:
    """An e-mail address: one '@' with text on both sides."""
    result = text(value, field, required=required)
    if result is None:
        return None
    local, at, domain = result.partition("@")
    if not at or not local or "." not in domain or "@" in domain or " " in result:
        raise EmplyError(400, "invalid_value", f"'{field}' is not an e-mail address: '{result}'.")
    return result


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise EmplyError(400, "invalid_value", f"'{field}' must be true or false.")
    return value


def day(value: Any, field: str) -> date | None:
    """A calendar date ``YYYY-MM-DD`` (or ``None``)."""
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise EmplyError(400, "invalid_value", f"'{field}' must be a date like 2026-02-01 (or null).")


def timestamp(value: Any, field: str) -> datetime:
    """An ISO 8601 date-time; a value without offset is taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise EmplyError(400, "invalid_value",
                             f"'{field}' must be an ISO 8601 date-time like 2026-01-05T09:00:00Z.") from None
    else:
        raise EmplyError(400, "invalid_value",
                         f"'{field}' must be an ISO 8601 date-time like 2026-01-05T09:00:00Z.")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def string_list(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise EmplyError(400, "invalid_value", f"'{field}' must be a list of non-empty strings.")
    return [v.strip() for v in value]
