"""Sprint scope changes, reopens and carry-over on hand-written raw tables (both engines).

The simulator's sprints never change after they start, so this file writes the raw tables
(in the shapes the README (Jira tables) documents) for a small scripted story, and compares the
models with the Python reference applied to the same records.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt
import pytest

import models_reference as ref
from dlt_atlassian.models import run_models
from models_fixtures import close, drop_dataset, make_pipeline, table

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # sprint 1 starts
DAY = timedelta(days=1)
TODO, PROGRESS, DONE = "10000", "3", "10002"


def _story() -> ref.Jira:
    issues: dict[str, ref.Issue] = {}
    history = iter(range(5000, 6000))

    def issue(n: int, created: datetime, status: str, points: float | None,
              sprints: list[str]) -> ref.Issue:
        row = ref.Issue(str(n), f"SYN-{n}", "SYN", created, status, "reporter", None, points,
                        [{"id": int(s), "name": f"SYN Sprint {s}"} for s in sprints], None,
                        "Medium")
        issues[row.id] = row
        return row

    def move(row: ref.Issue, at: datetime, field_id: str, frm: str | None, to: str | None,
             frm_s: str | None = None, to_s: str | None = None) -> None:
        row.items.append(ref.Item(row.id, str(next(history)), 0, at, field_id, frm,
                                  frm_s if frm_s is not None else frm, to,
                                  to_s if to_s is not None else to))

    a = issue(1, T0 - 5 * DAY, DONE, 3.0, ["1"])  # committed, completed
    move(a, T0 + 5 * DAY, "status", TODO, DONE, "To Do", "Done")
    a.resolved = T0 + 5 * DAY
    b = issue(2, T0 - 5 * DAY, PROGRESS, 5.0, ["1"])  # added after the start
    move(b, T0 + 3 * DAY, ref.SPRINT_FIELD, "", "1")
    move(b, T0 + 4 * DAY, "status", TODO, PROGRESS, "To Do", "In Progress")
    c = issue(3, T0 - 5 * DAY, TODO, 8.0, [])  # committed, then removed
    move(c, T0 - DAY, ref.SPRINT_FIELD, "", "1")
    move(c, T0 + 2 * DAY, ref.SPRINT_FIELD, "1", "")
    d = issue(4, T0 + DAY, PROGRESS, 2.0, ["1"])  # created in the sprint, done, reopened
    move(d, T0 + 6 * DAY, "status", TODO, DONE, "To Do", "Done")
    move(d, T0 + 8 * DAY, "status", DONE, PROGRESS, "Done", "In Progress")
    e = issue(5, T0 - 5 * DAY, TODO, 1.0, ["1", "2"])  # carried over into sprint 2
    move(e, T0 - 2 * DAY, ref.SPRINT_FIELD, "", "1")
    move(e, T0 + 14 * DAY + timedelta(hours=1), ref.SPRINT_FIELD, "1", "1, 2")
    for row in issues.values():
        row.items.sort(key=lambda i: (i.created, int(i.history_id)))
    sprints = {
        "1": {"id": "1", "state": "closed", "start": T0, "end": T0 + 14 * DAY,
              "complete": T0 + 14 * DAY},
        "2": {"id": "2", "state": "active", "start": T0 + 14 * DAY, "end": T0 + 28 * DAY,
              "complete": None},
        "3": {"id": "3", "state": "future", "start": None, "end": None, "complete": None},
    }
    membership = {(s["id"] if isinstance(s["id"], str) else str(s["id"]), i.id)
                  for i in issues.values() for s in i.sprints}
    return ref.Jira(issues, sprints, membership)


def _status(jira: ref.Jira, sid: str) -> dict[str, Any]:
    return {"id": sid, "name": jira.status_name[sid],
            "statusCategory": {"key": jira.category[sid]}}


def _load(pipeline: dlt.Pipeline, jira: ref.Jira) -> None:
    j: dict[str, Any] = {"data_type": "json"}
    issues = [{"id": i.id, "key": i.key, "project_id": "1", "project_key": i.project_key,
               "created": i.created, "updated": i.created, "resolutiondate": i.resolved,
               "status": _status(jira, i.status_id), "reporter": {"accountId": i.reporter},
               "priority": {"name": i.priority}, "issuetype": {"name": "Task"},
               "customfield_10016": i.points, "customfield_10020": i.sprints or None}
              for i in jira.issues.values()]
    items = [{"history_id": it.history_id, "item_index": it.index, "issue_id": it.issue_id,
              "created": it.created, "field": "Sprint" if it.field_id == ref.SPRINT_FIELD
              else it.field_id, "fieldtype": "jira", "field_id": it.field_id,
              "from_value": it.from_value, "from_string": it.from_string,
              "to_value": it.to_value, "to_string": it.to_string, "author_account_id": "x"}
             for i in jira.issues.values() for it in i.items]
    fields = [{"id": ref.POINTS_FIELD, "name": "Story Points", "column_name": ref.POINTS_FIELD,
               "schema_type": "number", "schema_custom": "float", "is_rich_text": False},
              {"id": ref.SPRINT_FIELD, "name": "Sprint", "column_name": ref.SPRINT_FIELD,
               "schema_type": "array", "schema_custom": "com.pyxis.greenhopper.jira:gh-sprint",
               "is_rich_text": False}]
    statuses = [{"id": s, "name": jira.status_name[s], "status_category_key": c}
                for s, c in jira.category.items()]
    sprints = [{"id": s["id"], "name": f"SYN Sprint {s['id']}", "state": s["state"],
                "start_date": s["start"], "end_date": s["end"], "complete_date": s["complete"],
                "origin_board_id": "1"} for s in jira.sprints.values()]
    ts: dict[str, Any] = {"data_type": "timestamp", "timezone": True}
    pipeline.run([
        dlt.resource(issues, name="issues", max_table_nesting=0, columns={
            "status": j, "reporter": j, "priority": j, "issuetype": j, "customfield_10020": j,
            "customfield_10016": {"data_type": "double"}, "resolutiondate": ts}),
        dlt.resource(items, name="issue_changelogs", columns={
            "from_value": {"data_type": "text"}, "from_string": {"data_type": "text"},
            "to_value": {"data_type": "text"}, "to_string": {"data_type": "text"}}),
        dlt.resource(fields, name="fields"),
        dlt.resource(statuses, name="statuses"),
        dlt.resource(sprints, name="sprints", columns={"start_date": ts, "end_date": ts,
                                                       "complete_date": ts}),
        dlt.resource([{"sprint_id": s, "issue_id": i} for s, i in jira.sprint_issues],
                     name="sprint_issues"),
    ])


@pytest.fixture(params=["duckdb", "postgres"])
def pipeline(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dlt.Pipeline]:
    p = make_pipeline(request.param, tmp_path, "sprints")
    yield p
    drop_dataset(p)


def test_sprint_scope_changes(pipeline: dlt.Pipeline) -> None:
    jira = _story()
    _load(pipeline, jira)
    as_of = T0 + 20 * DAY
    run_models(pipeline, as_of=as_of)
    expected = ref.sprint_summary(jira, as_of)
    rows = {r["sprint_id"]: r for r in table(pipeline, "jira_sprint_summary")}
    assert set(rows) == set(expected)
    for sprint_id, want in expected.items():
        for column, value in want.items():
            assert close(rows[sprint_id][column], value), (sprint_id, column, rows[sprint_id])
    # the story exercises every case (the reference is not vacuous)
    assert expected["1"]["added_issues"] == 2 and expected["1"]["removed_issues"] == 1
    assert expected["1"]["completed_issues"] == 1 and expected["2"]["added_issues"] == 1
    assert rows["3"]["committed_issues"] is None  # a future sprint has no scope yet
    enhanced = {r["issue_id"]: r for r in table(pipeline, "jira_issue_enhanced")}
    want = ref.enhanced(jira, as_of)
    for issue_id, row in enhanced.items():
        assert row["reopen_count"] == want[issue_id]["reopen_count"]
        assert close(row["cycle_time_seconds"], want[issue_id]["cycle_time_seconds"])
    assert enhanced["4"]["reopen_count"] == 1
    daily = {(r["date_day"], r["issue_id"], r["status"], r["assignee"], r["sprint"],
              r["story_points"], r["priority"])
             for r in table(pipeline, "jira_daily_issue_field_history")}
    assert daily == ref.daily(jira, as_of)
