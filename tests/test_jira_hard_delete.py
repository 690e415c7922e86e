"""dlt 1.31 on DuckDB: the delete-insert + hard_delete pattern the Jira tables rely on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dlt

from dlt_atlassian.jira.columns import ISSUE_COMMENTS
from dlt_atlassian.jira.comments import comment_tombstone
from jira_source_fixtures import make_pipeline, rows


def _comments(items: list[dict[str, Any]]) -> Any:
    @dlt.resource(name="issue_comments", primary_key="id", merge_key="issue_id",
                  write_disposition="merge", columns=ISSUE_COMMENTS)
    def issue_comments() -> Any:
        yield items

    return issue_comments


def test_merge_key_replaces_and_tombstone_clears(tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path)
    pipeline.run(_comments([{"id": "1", "issue_id": "10"}, {"id": "2", "issue_id": "10"},
                            {"id": "3", "issue_id": "11"}, {"id": "4", "issue_id": "12"}]))
    # issue 10 now has only comment 2 (+ a new 5); issue 11 has none; 12 untouched
    pipeline.run(_comments([{"id": "2", "issue_id": "10"}, {"id": "5", "issue_id": "10"},
                            comment_tombstone("11")]))
    assert sorted(rows(pipeline, "SELECT id, issue_id FROM issue_comments")) == [
        ("2", "10"), ("4", "12"), ("5", "10")]
    # a tombstone never lands as a row
    assert not rows(pipeline, "SELECT * FROM issue_comments WHERE _deleted")
