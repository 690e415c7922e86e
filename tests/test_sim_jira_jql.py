"""The simulator's JQL subset, tested as a pure parser/compiler (no server)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from dlt_atlassian.simulator.jira.jql import BoolOp, Clause, JqlError, parse
from dlt_atlassian.simulator.jira.jql_compile import JqlContext, compile_where, parse_date


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)  # type: ignore[misc]


@dataclass
class Row:
    id: int
    project_id: int
    status_id: str
    created: int
    updated: int


PROJECTS = {"PLAT": 10000, "PAY": 10001}
ISSUES = {"PLAT-1": 10000, "PAY-1": 10001, "10000": 10000, "10001": 10001}


def ctx(zone: str = "UTC", now: int = ms(2024, 6, 1)) -> JqlContext:
    def project(value: str) -> int | None:
        if value.isdigit():
            return int(value) if int(value) in PROJECTS.values() else None
        return PROJECTS.get(value.upper())

    def status(value: str) -> str | None:
        return {"to do": "10000", "done": "10002", "10002": "10002"}.get(value.lower())

    return JqlContext(project, ISSUES.get, status, zone, now)


def matches(jql: str, row: Row, zone: str = "UTC") -> bool:
    query = parse(jql)
    assert query.where is not None
    return compile_where(query.where, ctx(zone))(row)


def test_parse_structure_and_order_by() -> None:
    q = parse('project = PLAT AND (updated >= "2024/01/02 10:00" OR key in (PLAT-1, "PAY-1")) '
              "ORDER BY updated ASC, key DESC")
    assert isinstance(q.where, BoolOp) and q.where.op == "and"
    assert q.where.children[0] == Clause("project", "=", ("PLAT",))
    assert q.order_by == (("updated", False), ("key", True))
    assert parse("order by created").where is None
    assert parse("issuekey = PLAT-1").where == Clause("key", "=", ("PLAT-1",))


@pytest.mark.parametrize("jql, fragment", [
    ("project = ", "Expecting either a value, list or function"),
    ("project = PLAT AND", "Expecting a field name"),
    ("(project = PLAT", "Expecting ')'"),
    ("project = PLAT PLAT", "Expecting either 'OR' or 'AND'"),
    ("summary ~ foo", "Field 'summary' does not exist"),
    ("project = PLAT ORDER BY summary", "Not able to sort using field 'summary'"),
    ("project ~ PLAT", "Error in the JQL Query"),
])
def test_syntax_errors_carry_jira_messages(jql: str, fragment: str) -> None:
    with pytest.raises(JqlError) as err:
        parse(jql)
    assert fragment in str(err.value)


def test_unknown_project_and_issue_messages() -> None:
    with pytest.raises(JqlError, match=r"^The value 'NOPE' does not exist for the field "
                                       r"'project'\.$"):
        compile_where(parse("project in (PLAT, NOPE)").where, ctx())  # type: ignore[arg-type]
    with pytest.raises(JqlError, match="An issue with key 'X-9' does not exist"):
        compile_where(parse("key = X-9").where, ctx())  # type: ignore[arg-type]


def test_project_key_id_status_key_and_boolean_logic() -> None:
    row = Row(10000, 10000, "10002", ms(2024, 1, 1), ms(2024, 2, 1))
    assert matches("project = PLAT", row)
    assert matches("project = 10000", row)
    assert matches("project in (PAY, plat)", row)
    assert not matches("project = PAY", row)
    assert matches("project != PAY", row)
    assert matches("status = Done", row) and matches('status = "done"', row)
    assert matches("key = PLAT-1", row) and matches("id = 10000", row)
    assert matches("issuekey in (PAY-1, PLAT-1)", row)
    assert not matches("key not in (PLAT-1)", row)
    assert matches("project = PAY OR (project = PLAT AND status = Done)", row)
    assert not matches("NOT project = PLAT", row)


def test_is_empty_issuetype_and_status_category() -> None:
    row = Row(10000, 10000, "10002", ms(2024, 1, 1), ms(2024, 2, 1))
    row.type_id = "10003"  # type: ignore[attr-defined]
    context = ctx()
    context.issuetype_id = {"bug": "10003", "task": "10002"}.get
    context.category_id = {"done": 3, "new": 2}.get
    context.category_statuses = {3: ["10002", "10003"], 2: ["10000"]}.get  # type: ignore[assignment]

    def match(jql: str) -> bool:
        return compile_where(parse(jql).where, context)(row)  # type: ignore[arg-type]

    assert match("project is not EMPTY") and not match("project IS empty")
    assert match("issuetype = bug") and match("type in (task, bug)")
    assert match("statusCategory = done") and not match("statusCategory = new")
    with pytest.raises(JqlError, match="does not exist for the field 'issuetype'"):
        match("issuetype = Saga")


def test_epoch_milliseconds_are_exact() -> None:
    row = Row(10000, 10000, "10000", 0, ms(2024, 3, 1, 12, 0, 30))
    exact = ms(2024, 3, 1, 12, 0, 30)
    assert matches(f"updated >= {exact}", row)
    assert not matches(f"updated > {exact}", row)
    assert matches(f"updated = {exact}", row)
    assert matches(f"updated < {exact + 1}", row)


@pytest.mark.parametrize("zone, local, utc", [
    ("UTC", "2024/03/01 12:00", (2024, 3, 1, 12, 0)),
    ("Pacific/Kiritimati", "2024-03-01 12:00", (2024, 2, 29, 22, 0)),  # UTC+14, leap day
    ("Australia/Sydney", "2024/01/15 09:30", (2024, 1, 14, 22, 30)),  # AEDT, UTC+11
    ("Australia/Sydney", "2024/07/15 09:30", (2024, 7, 14, 23, 30)),  # AEST, UTC+10
    ("America/Los_Angeles", "2024-07-04", (2024, 7, 4, 7, 0)),  # PDT midnight
    ("America/Los_Angeles", "2024/01/04", (2024, 1, 4, 8, 0)),  # PST midnight
])
def test_wall_clock_dates_are_read_in_the_callers_zone(zone: str, local: str,
                                                       utc: tuple[int, ...]) -> None:
    assert parse_date(f'"{local}"', "updated", zone, 0) == ms(*utc)


def test_dst_gap_and_overlap_resolve_like_java_time() -> None:
    # 02:30 does not exist on 2024-03-10 in Los Angeles: it is read as 03:30 PDT (10:30 UTC).
    assert parse_date('"2024-03-10 02:30"', "updated", "America/Los_Angeles", 0) == ms(
        2024, 3, 10, 10, 30)
    # 01:30 happens twice on 2024-11-03: the earlier (PDT) instant is used.
    assert parse_date('"2024-11-03 01:30"', "updated", "America/Los_Angeles", 0) == ms(
        2024, 11, 3, 8, 30)
    # Sydney leaves DST on 2024-04-07 03:00 -> 02:00: 02:30 is the first (AEDT) occurrence.
    assert parse_date('"2024/04/07 02:30"', "updated", "Australia/Sydney", 0) == ms(
        2024, 4, 6, 15, 30)


def test_minute_precision_only_and_bad_dates() -> None:
    for bad in ('"2024-03-01 12:00:30"', '"2024-13-01"', '"yesterday"', '"01/03/2024"'):
        with pytest.raises(JqlError, match="for field 'updated' is invalid"):
            parse_date(bad, "updated", "UTC", 0)


def test_relative_periods_count_from_now() -> None:
    now = ms(2024, 6, 1)
    assert parse_date("-1d", "updated", "UTC", now) == now - 86_400_000
    assert parse_date('"-2h 30m"', "updated", "UTC", now) == now - 9_000_000
    assert parse_date("1w", "updated", "UTC", now) == now + 604_800_000


def test_the_same_wall_time_selects_different_issues_per_zone() -> None:
    row = Row(10000, 10000, "10000", 0, ms(2024, 3, 1, 5, 0))
    jql = 'updated >= "2024-03-01 00:00"'
    assert matches(jql, row, "UTC")
    assert matches(jql, row, "Pacific/Kiritimati")  # midnight there is 10:00 the day before
    assert not matches(jql, row, "America/Los_Angeles")  # midnight there is 08:00 UTC
