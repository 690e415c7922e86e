"""Property tests: Jira timestamps and the incremental JQL bound, in any time zone.

The promise checked here: an issue updated at or after ``cursor - lookback`` is never left out
by the next search, whatever time zone Jira wrote its timestamps in (DST edges included),
whatever minute boundary the cursor sits on, and whatever time zone the caller's Jira profile
uses (the simulator evaluates the JQL the way Jira does: quoted dates in the caller's zone,
numbers as instants).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from conftest import build_sim_config
from dlt_atlassian.jira.cursors import Cursor, CursorAdvance
from dlt_atlassian.jira.jql import ALL_ISSUES, incremental_jql, slice_jql, time_slices
from dlt_atlassian.jira.timestamps import (
    from_epoch_ms,
    parse_jira_datetime,
    to_epoch_ms,
)
from dlt_atlassian.simulator.state import Simulator

BOUND = re.compile(r"updated >= (-?\d+)")
# Zones with DST, half-hour and 45-minute offsets, and the date line.
ZONES = ["UTC", "America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin",
         "Australia/Lord_Howe", "Asia/Kathmandu", "Asia/Kolkata", "Pacific/Kiritimati",
         "Pacific/Pago_Pago", "America/St_Johns", "Pacific/Chatham"]

instants = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1),
                        timezones=st.sampled_from([ZoneInfo(z) for z in ZONES]))
lookbacks_ms = st.integers(min_value=0, max_value=7 * 24 * 3600 * 1000)


def jira_format(moment: datetime, digits: int = 3, style: str = "jira") -> str:
    """``moment`` the way Jira writes it (``+0000`` offsets) or in the ISO variants."""
    fraction = f"{moment.microsecond:06d}"[:digits]
    base = moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if digits else "")
    offset = moment.strftime("%z")
    if style == "colon":
        offset = offset[:3] + ":" + offset[3:]
    elif style == "z":
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + (
            f".{f'{moment.microsecond:06d}'[:digits]}" if digits else "") + "Z"
    return base + offset


def truncated(moment: datetime, digits: int) -> datetime:
    keep = 10 ** (6 - digits)
    return moment.replace(microsecond=moment.microsecond // keep * keep).astimezone(UTC)


@settings(max_examples=300, deadline=None)
@given(moment=instants, digits=st.sampled_from([0, 1, 3, 6]),
       style=st.sampled_from(["jira", "colon", "z"]))
def test_any_zone_parses_to_the_same_instant(moment: datetime, digits: int, style: str) -> None:
    parsed = parse_jira_datetime(jira_format(moment, digits, style))
    assert parsed == truncated(moment, digits)
    assert parsed is not None and parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)


@settings(max_examples=200, deadline=None)
@given(ms=st.integers(min_value=0, max_value=4_000_000_000_000))
def test_epoch_milliseconds_round_trip(ms: int) -> None:
    assert to_epoch_ms(from_epoch_ms(ms)) == ms
    assert parse_jira_datetime(ms) == parse_jira_datetime(str(ms)) == from_epoch_ms(ms)


@pytest.mark.parametrize("text, expected", [
    # America/New_York, the hour that repeats in November (fold) and the one skipped in March
    ("2024-11-03T01:30:00.000-0400", "2024-11-03T05:30:00+00:00"),
    ("2024-11-03T01:30:00.000-0500", "2024-11-03T06:30:00+00:00"),
    ("2024-03-10T03:00:00.000-0400", "2024-03-10T07:00:00+00:00"),
    ("2024-03-10T01:59:59.999-0500", "2024-03-10T06:59:59.999000+00:00"),
    # Lord Howe shifts by 30 minutes; Chatham sits at +13:45 in summer
    ("2024-04-07T01:45:00.000+1100", "2024-04-06T14:45:00+00:00"),
    ("2024-01-01T00:00:00.000+1345", "2023-12-31T10:15:00+00:00"),
    # a minute boundary, and the last millisecond before it
    ("2024-01-17T12:35:00.000+0000", "2024-01-17T12:35:00+00:00"),
    ("2024-01-17T12:34:59.999+0000", "2024-01-17T12:34:59.999000+00:00"),
])
def test_dst_and_minute_edges(text: str, expected: str) -> None:
    assert parse_jira_datetime(text) == datetime.fromisoformat(expected)


@settings(max_examples=300, deadline=None)
@given(cursor=instants, lookback=lookbacks_ms, late_ms=st.integers(0, 10**10),
       zone=st.sampled_from(ZONES))
def test_bound_never_excludes_an_update_after_cursor_minus_lookback(
        cursor: datetime, lookback: int, late_ms: int, zone: str) -> None:
    # The cursor is what the source read back from Jira's text in the author's zone.
    written = parse_jira_datetime(jira_format(cursor.astimezone(ZoneInfo(zone))))
    assert written is not None
    cursor_ms = to_epoch_ms(written)
    jql = incremental_jql("project = \"A\"", Cursor(cursor_ms).lower_bound(lookback))
    match = BOUND.search(jql)
    assert match, f"the bound is not an epoch-ms instant: {jql}"
    bound = int(match.group(1))
    update_ms = cursor_ms - lookback + late_ms
    assert update_ms >= bound
    # ... and the bound is exactly cursor - lookback: no rounding to a minute or a day.
    assert bound == cursor_ms - lookback
    assert jql.endswith("ORDER BY updated ASC")


@settings(max_examples=200, deadline=None)
@given(cursor_ms=st.integers(10**12, 2 * 10**12), lookback=lookbacks_ms,
       late_ms=st.integers(0, 10**9), tail_value=st.one_of(st.none(), st.integers(0, 10**12)))
def test_changed_issue_inside_the_window_is_due(cursor_ms: int, lookback: int, late_ms: int,
                                                tail_value: int | None) -> None:
    updated = cursor_ms - lookback + late_ms
    assume(tail_value != updated)
    tail = {} if tail_value is None else {"10001": tail_value}
    assert Cursor(cursor_ms, tail).is_due("10001", updated, lookback)
    assert not Cursor(cursor_ms, {"10001": updated}).is_due("10001", updated, lookback)


@settings(max_examples=200, deadline=None)
@given(seen=st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 10**6)), max_size=30),
       start=st.one_of(st.none(), st.integers(0, 10**6)), lookback=st.integers(0, 10**5))
def test_cursor_only_grows_and_remembers_its_window(seen: list[tuple[str, int]],
                                                    start: int | None, lookback: int) -> None:
    advance = CursorAdvance(Cursor(start), lookback)
    for issue, updated in seen:
        advance.saw(issue, updated)
    result = advance.result()
    values = [u for _, u in seen] + ([start] if start is not None else [])
    assert result.value == (max(values) if values else None)
    if result.value is not None:
        newest = {i: max(u for j, u in seen if j == i) for i, _ in seen}
        for issue, updated in newest.items():
            if updated >= result.value - lookback:
                assert result.tail[issue] == updated


@settings(max_examples=200, deadline=None)
@given(oldest=st.integers(0, 10**12), span=st.integers(0, 10**10), count=st.integers(1, 12),
       probes=st.lists(st.integers(-10**10, 2 * 10**12), max_size=20))
def test_time_slices_cover_every_instant_exactly_once(oldest: int, span: int, count: int,
                                                      probes: list[int]) -> None:
    slices = time_slices(oldest, oldest + span, count)
    for t in [*probes, oldest, oldest + span]:
        hits = [(a, b) for a, b in slices if (a is None or t >= a) and (b is None or t < b)]
        assert len(hits) == 1, (t, slices)
    for since, until in slices:
        jql = slice_jql('project = "A"', since, until)
        assert ("updated >= " in jql) == (since is not None)
        assert ("updated < " in jql) == (until is not None)


@pytest.fixture(scope="module")
def sim() -> Simulator:
    return Simulator(build_sim_config(0.05))


@settings(max_examples=60, deadline=None)
@given(pick=st.integers(0, 10**6), lookback=st.integers(0, 3 * 24 * 3600 * 1000),
       jitter=st.integers(-120_000, 120_000), zone=st.sampled_from(ZONES))
def test_simulated_jira_returns_every_issue_at_or_after_the_bound(
        sim: Simulator, pick: int, lookback: int, jitter: int, zone: str) -> None:
    truth = sim.jira.truth
    updated = {str(i["id"]): to_epoch_ms(parse_jira_datetime(i["fields"]["updated"]))  # type: ignore[arg-type]
               for i in truth.issues(time_zone=zone)}
    ordered = sorted(updated.values())
    cursor_ms = ordered[pick % len(ordered)] + jitter
    bound = Cursor(cursor_ms).lower_bound(lookback)
    found = set(truth.search_ids(incremental_jql(ALL_ISSUES, bound), time_zone=zone))
    expected = {i for i, ms in updated.items() if bound is None or ms >= bound}
    assert expected <= found, f"left out: {sorted(expected - found)}"
    assert found == expected
