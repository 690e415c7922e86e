"""Pure parts of the Jira source: JQL, timestamps, field naming, ADF, rows, cursors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.jira import jql as jqlb
from dlt_atlassian.jira.adf import adf_to_text, is_adf
from dlt_atlassian.jira.comments import embedded_comments
from dlt_atlassian.jira.cursors import Cursor, CursorAdvance, CursorStore, fingerprint
from dlt_atlassian.jira.deletions import parse_cadence, reconcile_due
from dlt_atlassian.jira.fields import FieldCatalog, FieldInfo, column_names
from dlt_atlassian.jira.issues import request_fields
from dlt_atlassian.jira.parallel import parallel_pages
from dlt_atlassian.jira.rows import changelog_rows, comment_row, issue_row, worklog_row
from dlt_atlassian.jira.timestamps import (
    from_epoch_ms,
    parse_jira_date,
    parse_jira_datetime,
    parse_start_date,
    to_epoch_ms,
)

# ---------------------------------------------------------------- timestamps


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-17T12:34:56.789+0000", datetime(2024, 1, 17, 12, 34, 56, 789000, UTC)),
        ("2024-01-18T02:34:56.789+1400", datetime(2024, 1, 17, 12, 34, 56, 789000, UTC)),
        ("2024-01-17T04:34:56.789-0800", datetime(2024, 1, 17, 12, 34, 56, 789000, UTC)),
        ("2024-01-17T12:34:56.789Z", datetime(2024, 1, 17, 12, 34, 56, 789000, UTC)),
        ("2024-01-17T12:34:56+00:00", datetime(2024, 1, 17, 12, 34, 56, tzinfo=UTC)),
        ("2024-01-17T12:34:56.7+0000", datetime(2024, 1, 17, 12, 34, 56, 700000, UTC)),
        ("2024-01-17T12:34:56", datetime(2024, 1, 17, 12, 34, 56, tzinfo=UTC)),
        (1705494896789, datetime(2024, 1, 17, 12, 34, 56, 789000, UTC)),
        ("1705494896789", datetime(2024, 1, 17, 12, 34, 56, 789000, UTC)),
    ],
)
def test_parse_jira_datetime_to_utc(text: object, expected: datetime) -> None:
    parsed = parse_jira_datetime(text)
    assert parsed == expected
    assert parsed is not None and parsed.utcoffset().total_seconds() == 0  # type: ignore[union-attr]


def test_parse_nulls_and_garbage() -> None:
    assert parse_jira_datetime(None) is None
    assert parse_jira_datetime("") is None
    with pytest.raises(ValueError):
        parse_jira_datetime("yesterday")
    with pytest.raises(ValueError):
        parse_jira_datetime(True)
    assert parse_jira_date("2024-02-29").isoformat() == "2024-02-29"  # type: ignore[union-attr]


def test_epoch_ms_roundtrip() -> None:
    stamp = datetime(2024, 3, 10, 10, 0, 0, 123000, UTC)
    assert to_epoch_ms(stamp) == 1710064800123
    assert from_epoch_ms(1710064800123) == stamp
    assert to_epoch_ms(datetime(1970, 1, 1)) == 0


def test_start_date_forms() -> None:
    assert parse_start_date("2024-01-31") == datetime(2024, 1, 31, tzinfo=UTC)
    assert parse_start_date("2024-01-31T10:00:00+0200") == datetime(2024, 1, 31, 8, tzinfo=UTC)
    assert parse_start_date(None) is None


# ---------------------------------------------------------------- JQL


def test_incremental_jql_uses_epoch_ms_and_ascending_order() -> None:
    scope = jqlb.scope_jql(["PROJ"], None)
    assert jqlb.incremental_jql(scope, 1710064800123) == (
        'project = "PROJ" AND updated >= 1710064800123 ORDER BY updated ASC'
    )
    assert jqlb.incremental_jql(scope, None) == 'project = "PROJ" ORDER BY updated ASC'


def test_scope_combines_projects_and_user_filter() -> None:
    assert jqlb.scope_jql(["A", "B"], "status = Done OR labels = x") == (
        'project in ("A", "B") AND (status = Done OR labels = x)'
    )
    assert jqlb.scope_jql(None, None) == jqlb.ALL_ISSUES
    assert jqlb.scope_jql(None, "  ") == jqlb.ALL_ISSUES


def test_quote_escapes() -> None:
    assert jqlb.quote('we"ird\\') == '"we\\"ird\\\\"'


def test_user_jql_must_not_order() -> None:
    with pytest.raises(ConfigurationError, match="ORDER BY"):
        jqlb.check_user_jql("project = A order by created")
    # inside a string literal it is just text
    assert jqlb.check_user_jql('summary ~ "order by"') == 'summary ~ "order by"'


def test_ids_in_scope() -> None:
    assert jqlb.ids_in_scope_jql('project = "A"', ["3", "10"]) == (
        '(project = "A") AND id in (3, 10)'
    )


def test_request_fields_only_what_tables_need() -> None:
    assert request_fields(["*all"], ["issues"]) == [
        "*all", "updated", "project", "-comment", "-worklog"]
    assert request_fields(["*all"], ["issue_comments"]) == ["updated", "project", "comment"]
    assert request_fields(["summary"], ["issues", "issue_changelogs"]) == [
        "summary", "updated", "project"]


# ---------------------------------------------------------------- fields

RAW_FIELDS = [
    {"id": "summary", "name": "Summary", "custom": False, "schema": {"type": "string"}},
    {"id": "description", "name": "Description", "custom": False,
     "schema": {"type": "string", "system": "description"}},
    {"id": "updated", "name": "Updated", "custom": False, "schema": {"type": "datetime"}},
    {"id": "duedate", "name": "Due date", "custom": False, "schema": {"type": "date"}},
    {"id": "fixVersions", "name": "Fix versions", "custom": False,
     "schema": {"type": "array", "items": "version"}},
    {"id": "customfield_10016", "name": "Story Points", "custom": True,
     "schema": {"type": "number", "custom": "x:float", "customId": 10016}},
    {"id": "customfield_10002", "name": "Team", "custom": True, "schema": {"type": "string"}},
    {"id": "customfield_10001", "name": "team", "custom": True, "schema": {"type": "option"}},
    {"id": "customfield_10003", "name": "Summary", "custom": True, "schema": {"type": "string"}},
    {"id": "customfield_10004", "name": "Notes", "custom": True,
     "schema": {"type": "string",
                "custom": "com.atlassian.jira.plugin.system.customfieldtypes:textarea"}},
    {"id": "customfield_10005", "name": "Description text", "custom": True,
     "schema": {"type": "string"}},
]


def test_columns_by_id_are_snake_cased_ids() -> None:
    cat = FieldCatalog(RAW_FIELDS, mode="id")
    assert cat.column("customfield_10016") == "customfield_10016"
    assert cat.column("fixVersions") == "fix_versions"
    assert cat.column("unknownField") == "unknown_field"


def test_columns_by_name_resolve_collisions_deterministically() -> None:
    cat = FieldCatalog(RAW_FIELDS, mode="name", include_plain_text=True)
    assert cat.column("customfield_10016") == "story_points"
    # "Team" and "team": both get their id; "Summary" collides with the system field
    assert cat.column("customfield_10002") == "team_customfield_10002"
    assert cat.column("customfield_10001") == "team_customfield_10001"
    assert cat.column("customfield_10003") == "summary_customfield_10003"
    assert cat.column("customfield_10004") == "notes"
    # collides with description's plain-text companion column
    assert cat.column("customfield_10005") == "description_text_customfield_10005"
    assert cat.column("summary") == "summary"
    # order of the API listing does not matter
    again = FieldCatalog(list(reversed(RAW_FIELDS)), mode="name", include_plain_text=True)
    assert again.columns == cat.columns
    assert len(set(cat.columns.values())) == len(cat.columns)


def test_bad_naming_mode() -> None:
    with pytest.raises(ConfigurationError):
        column_names([FieldInfo.from_api(RAW_FIELDS[0])], "label", include_plain_text=False)  # type: ignore[arg-type]


def test_column_types() -> None:
    hints = FieldCatalog(RAW_FIELDS, mode="id", include_plain_text=True).column_hints()
    assert hints["updated"]["data_type"] == "timestamp"
    assert hints["duedate"]["data_type"] == "date"
    assert hints["description"]["data_type"] == "json"
    assert hints["description_text"]["data_type"] == "text"
    assert hints["customfield_10004"]["data_type"] == "json"  # textarea: ADF in v3
    assert hints["customfield_10016"]["data_type"] == "double"
    assert hints["fix_versions"]["data_type"] == "json"


def test_field_rows_name_their_column() -> None:
    cat = FieldCatalog(RAW_FIELDS, mode="name")
    rows = {r["id"]: r for r in cat.field_rows(RAW_FIELDS)}
    assert rows["customfield_10016"]["column_name"] == "story_points"
    assert rows["customfield_10016"]["schema_custom_id"] == 10016


# ---------------------------------------------------------------- ADF

DOC = {
    "type": "doc", "version": 1,
    "content": [
        {"type": "heading", "attrs": {"level": 1}, "content": [{"type": "text", "text": "Title"}]},
        {"type": "paragraph", "content": [
            {"type": "text", "text": "Hello "},
            {"type": "mention", "attrs": {"id": "abc", "text": "@Ada"}},
            {"type": "hardBreak"},
            {"type": "text", "text": "line two", "marks": [{"type": "strong"}]},
        ]},
        {"type": "bulletList", "content": [
            {"type": "listItem", "content": [
                {"type": "paragraph", "content": [{"type": "text", "text": "one"}]}]},
            {"type": "listItem", "content": [
                {"type": "paragraph",
                 "content": [{"type": "emoji", "attrs": {"shortName": ":x:"}}]}]},
        ]},
        {"type": "mysteryNode", "content": [{"type": "text", "text": "kept"}]},
    ],
}


def test_adf_to_text() -> None:
    assert is_adf(DOC)
    assert adf_to_text(DOC) == "Title\nHello @Ada\nline two\n- one\n- :x:\nkept"
    assert adf_to_text(None) is None
    assert adf_to_text("plain") == "plain"
    assert adf_to_text({"type": "doc", "content": []}) == ""


def test_adf_deep_nesting_does_not_recurse() -> None:
    node: dict[str, object] = {"type": "text", "text": "deep"}
    for _ in range(5000):
        node = {"type": "blockquote", "content": [node]}
    assert adf_to_text({"type": "doc", "content": [node]}) == "deep"


# ---------------------------------------------------------------- rows


def test_issue_row_shapes_fields() -> None:
    cat = FieldCatalog(RAW_FIELDS, mode="name", include_plain_text=True)
    raw = {"id": 10001, "key": "A-1", "fields": {
        "project": {"id": "100", "key": "A"},
        "summary": "s", "updated": "2024-01-18T02:34:56.789+1400", "duedate": "2024-02-01",
        "description": {"type": "doc", "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": "d"}]}]},
        "customfield_10016": 3, "comment": {"comments": []}, "worklog": {"worklogs": []},
    }}
    row = issue_row(raw, cat)
    assert row["id"] == "10001" and row["key"] == "A-1"
    assert row["project_id"] == "100" and row["project_key"] == "A"
    assert row["updated"] == datetime(2024, 1, 17, 12, 34, 56, 789000, UTC)
    assert row["duedate"].isoformat() == "2024-02-01"
    assert row["description_text"] == "d"
    assert row["story_points"] == 3
    assert "comment" not in row and "worklog" not in row


def test_changelog_rows_one_per_item() -> None:
    history = {"id": "555", "author": {"accountId": "u1"}, "created": 1705494896789,
               "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status",
                          "from": "1", "fromString": "Open", "to": "3", "toString": "Done"},
                         {"field": "labels", "fieldtype": "jira", "toString": "x"}]}
    rows = list(changelog_rows("10", history))
    assert [(r["history_id"], r["item_index"]) for r in rows] == [("555", 0), ("555", 1)]
    assert rows[0]["created"] == datetime(2024, 1, 17, 12, 34, 56, 789000, UTC)
    assert rows[0]["author_account_id"] == "u1" and rows[0]["to_string"] == "Done"


def test_comment_and_worklog_rows() -> None:
    c = comment_row("10", {"id": 7, "author": {"accountId": "a"}, "body": DOC,
                           "created": "2024-01-17T12:34:56.789+0000"}, include_plain_text=True)
    assert c["id"] == "7" and c["issue_id"] == "10" and c["body"] is DOC
    assert c["body_text"].startswith("Title")
    w = worklog_row({"id": "9", "issueId": "10", "timeSpentSeconds": 60,
                     "started": "2024-01-17T12:34:56.789-0800"}, include_plain_text=False)
    assert w["issue_id"] == "10" and w["started"].hour == 20 and "comment_text" not in w


def test_embedded_comments_only_when_complete() -> None:
    assert embedded_comments({"comments": [{"id": "1"}], "total": 1, "startAt": 0}) == [{"id": "1"}]
    assert embedded_comments({"comments": [{"id": "1"}], "total": 2, "startAt": 0}) is None
    assert embedded_comments({"comments": [], "total": 0}) == []
    assert embedded_comments(None) is None
    assert embedded_comments({"comments": [{"id": "1"}]}) is None


# ---------------------------------------------------------------- cursors


def test_cursor_tail_skips_unchanged_overlap() -> None:
    lookback = 300_000
    advance = CursorAdvance(Cursor(), lookback)
    for issue_id, updated in [("1", 900_000), ("2", 1_200_000), ("3", 1_250_000)]:
        advance.saw(issue_id, updated)
    cursor = advance.result()
    assert cursor.value == 1_250_000
    assert cursor.tail == {"2": 1_200_000, "3": 1_250_000}
    assert cursor.lower_bound(lookback) == 950_000
    assert not cursor.is_due("2", 1_200_000, lookback)  # seen in this version
    assert cursor.is_due("2", 1_260_000, lookback)  # changed again
    assert cursor.is_due("4", 1_100_000, lookback)  # indexed late, inside the lookback
    assert not cursor.is_due("1", 900_000, lookback)  # older than the window
    assert Cursor().is_due("1", 0, lookback)


def test_cursor_store_roundtrip() -> None:
    state: dict[str, object] = {}
    store = CursorStore(state)
    key = store.key("issues", "A", fingerprint("jql", ["*all"]))
    store.put(key, Cursor(5, {"1": 5}))
    assert CursorStore(state).get(key) == Cursor(5, {"1": 5})
    assert CursorStore(state).get("other") == Cursor()
    assert fingerprint("a") != fingerprint("b")


# ---------------------------------------------------------------- deletions cadence


def test_reconcile_cadence() -> None:
    assert parse_cadence("always") == 0
    assert parse_cadence("never") is None
    assert parse_cadence("24h") == 86400
    assert parse_cadence(" 1.5H ") == 5400
    with pytest.raises(ConfigurationError):
        parse_cadence("daily")
    assert reconcile_due(0, 100.0, 101.0)
    assert not reconcile_due(None, None, 101.0)
    assert reconcile_due(3600, None, 0.0)
    assert not reconcile_due(3600, 1000.0, 4000.0)
    assert reconcile_due(3600, 1000.0, 4600.0)


# ---------------------------------------------------------------- parallel pages


def test_parallel_pages_delivers_everything_and_propagates_errors() -> None:
    streams = [(k, (lambda k=k: iter([[k, i] for i in range(20)]))) for k in range(5)]
    got = list(parallel_pages(streams, 3))
    expected = sorted((k, i) for k in range(5) for i in range(20))
    assert sorted(map(tuple, (p for _, p in got))) == expected

    def boom() -> list[list[int]]:
        raise RuntimeError("stream failed")

    with pytest.raises(RuntimeError, match="stream failed"):
        list(parallel_pages([(1, boom), (2, lambda: iter([[1]] * 50))], 2))


def test_column_hints_follow_requested_fields() -> None:
    cat = FieldCatalog(RAW_FIELDS, mode="id")
    assert set(cat.column_hints(["summary", "duedate"])) == {"summary", "duedate"}
    assert "summary" not in cat.column_hints(["*all", "-summary"])
    assert "customfield_10016" in cat.column_hints(["*all"])


def test_time_slices_cover_everything() -> None:
    assert jqlb.time_slices(0, 1000, 1) == [(None, None)]
    assert jqlb.time_slices(5, 5, 4) == [(None, None)]
    slices = jqlb.time_slices(0, 1000, 4)
    assert slices == [(None, 250), (250, 500), (500, 750), (750, None)]
    assert jqlb.slice_jql("project = A", None, 250) == (
        "project = A AND updated < 250 ORDER BY updated ASC")
    assert jqlb.slice_jql("project = A", 750, None) == (
        "project = A AND updated >= 750 ORDER BY updated ASC")


def test_parallel_pages_sequential_and_early_close() -> None:
    streams = [(k, (lambda k=k: iter([[k]] * 3))) for k in range(3)]
    assert [k for k, _ in parallel_pages(streams, 1)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    endless = [(k, (lambda: iter(lambda: [1], None))) for k in range(3)]
    pages = parallel_pages(endless, 3)
    assert next(pages)[1] == [1]
    pages.close()  # stops the workers instead of hanging


def test_embedded_changelogs_complete_partial_and_slim() -> None:
    from dlt_atlassian.jira.embedded import (
        completed_histories,
        embedded_histories,
        partial_ids,
        slim,
    )

    def history(n: int) -> dict[str, Any]:
        return {"id": str(n), "created": "2024-01-17T12:34:56.789+0000",
                "author": {"accountId": "a1", "displayName": "A", "avatarUrls": {"48x48": "u"}},
                "items": [{"field": "summary", "fromString": "x", "toString": str(n)}]}

    complete = {"startAt": 0, "maxResults": 3, "total": 3, "histories": [history(3), history(2),
                                                                          history(1)]}
    partial = {"startAt": 0, "maxResults": 2, "total": 4, "histories": [history(4), history(3)]}
    assert embedded_histories(complete) == complete["histories"]
    assert embedded_histories(partial) is None
    assert embedded_histories({"histories": [history(1)]}) is None  # no total: not trusted
    assert embedded_histories({**complete, "startAt": 1}) is None
    # the destination holds 1..3: with 4 and 3 embedded, that is all 4
    assert completed_histories(partial, ["1", "2", "3"]) == partial["histories"]
    assert completed_histories(partial, ["1", "3"]) is None  # 2 is missing: bulkfetch
    assert completed_histories(partial, []) is None
    assert partial_ids({"10": partial, "11": complete, "12": None}, ["10", "11", "12"]) == ["10"]
    slimmed = slim(partial)
    assert isinstance(slimmed, dict)
    assert slimmed["histories"][0]["author"] == {"accountId": "a1"}
    assert list(changelog_rows("10", slimmed["histories"][0])) == list(
        changelog_rows("10", partial["histories"][0]))
    assert slim({"odd": True}) == {"odd": True}
