"""Fast, exact formatting of the ``@@T/Z/I…@@`` time markers (hot: every response has many).

``format_jira_time`` (the reference, in :mod:`.model`) builds an aware datetime per call. Here a
zone's UTC offset is looked up once per UTC hour and the local wall time is computed with integer
arithmetic; the date part comes from a per-day cache built with the same ``strftime``. An hour is
only cached when the offset at its first and last millisecond agree, so a DST switch inside it
falls back to the reference; the tests compare both formatters over many zones and transitions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_HOUR_MS = 3_600_000
_DAY_S = 86_400
_EPOCH = datetime(1970, 1, 1)
_MAX_ENTRIES = 200_000  # per cache; cleared when exceeded (times cluster, so it rarely is)

# (zone, UTC hour) -> (offset seconds, "%z" text); None when the offset changes inside the hour
_offsets: dict[tuple[str, int], tuple[int, str] | None] = {}
_days: dict[int, str] = {}  # local day number -> "YYYY-MM-DD"


def clear_cache() -> None:
    """Forget the cached offsets and dates."""
    _offsets.clear()
    _days.clear()


def _reference(ms: int, zone: str) -> str:
    from dlt_atlassian.simulator.jira.model import format_jira_time

    return format_jira_time(ms, zone)


def _offset(zone: str, hour: int) -> tuple[int, str] | None:
    key = (zone, hour)
    try:
        return _offsets[key]
    except KeyError:
        pass
    from dlt_atlassian.simulator.jira.model import _zone

    tz = _zone(zone)
    first = datetime.fromtimestamp(hour * 3600, UTC).astimezone(tz)
    last = datetime.fromtimestamp(hour * 3600 + 3599.999, UTC).astimezone(tz)
    offset = first.utcoffset()
    found: tuple[int, str] | None = None
    if (offset is not None and offset == last.utcoffset() and not offset.microseconds
            and first.strftime("%z") == last.strftime("%z")):
        found = (int(offset.total_seconds()), first.strftime("%z"))
    if len(_offsets) >= _MAX_ENTRIES:
        _offsets.clear()
    _offsets[key] = found
    return found


def _day(number: int) -> str:
    text = _days.get(number)
    if text is None:
        text = (_EPOCH + timedelta(days=number)).strftime("%Y-%m-%d")
        if len(_days) >= _MAX_ENTRIES:
            _days.clear()
        _days[number] = text
    return text


def jira_time(ms: int, zone: str) -> str:
    """``2024-01-17T12:34:56.789+0100``: identical to ``model.format_jira_time(ms, zone)``."""
    found = _offset(zone, ms // _HOUR_MS)
    if found is None:
        return _reference(ms, zone)
    offset_s, offset_text = found
    seconds, millis = divmod(ms, 1000)
    day, rest = divmod(seconds + offset_s, _DAY_S)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{_day(day)}T{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}{offset_text}"


def format_marker(kind: str, ms: int, zone: str) -> str:
    """Resolve one marker: ``T`` Jira style, ``Z`` UTC with ``Z``, ``I`` ISO offset ``+hh:mm``."""
    if kind == "Z":
        return jira_time(ms, "UTC")[:-5] + "Z"
    text = jira_time(ms, zone)
    return text if kind == "T" else text[:-2] + ":" + text[-2:]
