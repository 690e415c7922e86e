"""Declared column schemas of the Jira tables: stable types from the first load on."""

from __future__ import annotations

from typing import Any

from dlt_atlassian.jira.rows import DELETED


def _cols(**types: str) -> Any:
    return {n: {"name": n, "data_type": t, "nullable": True} for n, t in types.items()}


def _with_deleted(columns: Any) -> Any:
    columns[DELETED] = {"name": DELETED, "data_type": "bool", "nullable": True, "hard_delete": True}
    return columns


ISSUES = _with_deleted(
    _cols(
        id="text",
        key="text",
        self="text",
        project_id="text",
        project_key="text",
        created="timestamp",
        updated="timestamp",
    )
)
ISSUE_CHANGELOGS = _with_deleted(
    _cols(
        history_id="text",
        item_index="bigint",
        issue_id="text",
        author_account_id="text",
        created="timestamp",
        field="text",
        fieldtype="text",
        field_id="text",
        from_value="text",
        from_string="text",
        to_value="text",
        to_string="text",
    )
)
# Merged on the primary key alone; explicit so that pipelines loaded with the former merge key
# (``issue_id``, whose delete-insert cost grows with the table) drop it from their schema.
ISSUE_CHANGELOGS["issue_id"]["merge_key"] = False
ISSUE_COMMENTS = _with_deleted(
    _cols(
        id="text",
        issue_id="text",
        self="text",
        author_account_id="text",
        update_author_account_id="text",
        created="timestamp",
        updated="timestamp",
        body="json",
        body_text="text",
        visibility="json",
        jsd_public="bool",
    )
)
ISSUE_WORKLOGS = _with_deleted(
    _cols(
        id="text",
        issue_id="text",
        self="text",
        author_account_id="text",
        update_author_account_id="text",
        created="timestamp",
        updated="timestamp",
        started="timestamp",
        time_spent="text",
        time_spent_seconds="bigint",
        comment="json",
        comment_text="text",
        visibility="json",
    )
)
SPRINTS = _cols(
    id="text",
    self="text",
    state="text",
    name="text",
    goal="text",
    start_date="timestamp",
    end_date="timestamp",
    complete_date="timestamp",
    created_date="timestamp",
    origin_board_id="text",
)
SPRINT_ISSUES = _with_deleted(_cols(sprint_id="text", issue_id="text", issue_key="text"))
BOARDS = _cols(id="text", name="text", type="text", project_id="text", project_key="text")
PROJECTS = _cols(id="text", key="text", name="text", lead_account_id="text")
PROJECT_CHILDREN = _cols(id="text", project_id="text", name="text")
FIELDS = _cols(
    id="text",
    key="text",
    name="text",
    custom="bool",
    column_name="text",
    schema_type="text",
    schema_items="text",
    schema_custom="text",
    schema_custom_id="bigint",
    schema_system="text",
    clause_names="json",
)
