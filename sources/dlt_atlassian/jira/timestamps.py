"""Jira timestamps: parse whatever Jira writes into aware UTC datetimes, and epoch milliseconds.

Jira writes ``2024-01-17T12:34:56.789+0000`` (offset without a colon, in the *author's* or the
caller's time zone); other endpoints write ``Z``, ``+00:00`` or epoch milliseconds (the
``/changelog/bulkfetch`` example). Everything we store or compare is UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_OFFSET_NO_COLON = re.compile(r"([+-])(\d{2})(\d{2})$")
_FRACTION = re.compile(r"\.(\d+)")


def parse_jira_datetime(value: object) -> datetime | None:
    """Parse a Jira timestamp into an aware UTC datetime (None for null/empty).

    Accepts ISO strings with ``+0000``/``+00:00``/``Z`` offsets, any number of fraction
    digits, naive strings (read as UTC), epoch milliseconds (int/float or digit strings)
    and datetimes.

    Raises:
        ValueError: ``value`` is not a timestamp.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        return from_epoch_ms(value)
    if not isinstance(value, str):
        raise ValueError(f"not a timestamp: {value!r}")
    text = value.strip()
    if text.lstrip("-").isdigit():
        return from_epoch_ms(int(text))
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _OFFSET_NO_COLON.sub(r"\1\2:\3", text)
    # Python < 3.11 quirks aside, fromisoformat wants 3 or 6 fraction digits: normalise to 6.
    text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_jira_date(value: object) -> date | None:
    """Parse a Jira date (``2024-01-17``) or timestamp into a date (None for null/empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        return date.fromisoformat(value.strip())
    parsed = parse_jira_datetime(value)
    return parsed.date() if parsed else None


def to_epoch_ms(value: datetime) -> int:
    """Epoch milliseconds of an aware datetime (naive ones are read as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return delta // timedelta(milliseconds=1)


def from_epoch_ms(value: float) -> datetime:
    """Aware UTC datetime of epoch milliseconds."""
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(value))


def parse_start_date(value: object) -> datetime | None:
    """Read the ``start_date`` option: an ISO date/datetime string, datetime, date or None."""
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and len(value.strip()) == 10:
        d = date.fromisoformat(value.strip())
        return datetime(d.year, d.month, d.day, tzinfo=UTC)
    return parse_jira_datetime(value)
