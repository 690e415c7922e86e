"""Pure row shaping: Jira API objects in, flat table rows out (timestamps as UTC datetimes).

Nested objects stay nested (the source loads them as JSON columns); only the ids people join
on (account ids, issue ids) are lifted into their own columns.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from dlt_atlassian.jira.adf import adf_to_text
from dlt_atlassian.jira.fields import EXCLUDED_FIELDS, PLAIN_TEXT_SUFFIX, FieldCatalog
from dlt_atlassian.jira.timestamps import parse_jira_date, parse_jira_datetime

DELETED = "_deleted"
"""The hard-delete column: a row with ``_deleted = true`` removes its key from the table."""

_SYSTEM_TIMESTAMPS = frozenset(
    {"created", "updated", "resolutiondate", "lastViewed", "statuscategorychangedate"}
)


def account_id(user: object) -> str | None:
    """The ``accountId`` of a user object (None for null/anonymous)."""
    if isinstance(user, Mapping):
        value = user.get("accountId")
        return str(value) if value is not None else None
    return None


def utc_timestamp(value: object) -> Any:
    """A Jira timestamp as a UTC datetime; an unparseable value is kept as sent."""
    try:
        return parse_jira_datetime(value)
    except ValueError:
        return value  # keep what Jira sent rather than lose it


def issue_row(issue: Mapping[str, Any], catalog: FieldCatalog) -> dict[str, Any]:
    """One ``issues`` row: id, key, project, then every field under its column name."""
    fields = issue.get("fields") if isinstance(issue.get("fields"), Mapping) else {}
    assert isinstance(fields, Mapping)
    project = fields.get("project") if isinstance(fields.get("project"), Mapping) else {}
    assert isinstance(project, Mapping)
    row: dict[str, Any] = {
        "id": str(issue["id"]),
        "key": issue.get("key"),
        "self": issue.get("self"),
        "project_id": str(project["id"]) if project.get("id") is not None else None,
        "project_key": project.get("key"),
    }
    plain = catalog.include_plain_text
    for field_id, value in fields.items():
        if field_id in EXCLUDED_FIELDS:
            continue
        column = catalog.column(field_id)
        info = catalog.fields.get(field_id)
        data_type = info.data_type if info else None
        if data_type == "timestamp" or (info is None and field_id in _SYSTEM_TIMESTAMPS):
            value = utc_timestamp(value)
        elif data_type == "date":
            with contextlib.suppress(ValueError):
                value = parse_jira_date(value)
        row[column] = value
        if plain and catalog.is_adf(field_id):
            row[column + PLAIN_TEXT_SUFFIX] = adf_to_text(value)
    return row


def changelog_rows(issue_id: str, history: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """One ``issue_changelogs`` row per changed field of one history entry."""
    items = history.get("items") if isinstance(history.get("items"), list) else []
    assert isinstance(items, list)
    created = utc_timestamp(history.get("created"))
    author = account_id(history.get("author"))
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        yield {
            "history_id": str(history["id"]),
            "item_index": index,
            "issue_id": issue_id,
            "author_account_id": author,
            "created": created,
            "field": item.get("field"),
            "fieldtype": item.get("fieldtype"),
            "field_id": item.get("fieldId"),
            "from_value": item.get("from"),
            "from_string": item.get("fromString"),
            "to_value": item.get("to"),
            "to_string": item.get("toString"),
        }


def comment_row(
    issue_id: str, comment: Mapping[str, Any], *, include_plain_text: bool
) -> dict[str, Any]:
    """One ``issue_comments`` row (the body stays ADF JSON; optional plain text)."""
    row: dict[str, Any] = {
        "id": str(comment["id"]),
        "issue_id": issue_id,
        "self": comment.get("self"),
        "author_account_id": account_id(comment.get("author")),
        "update_author_account_id": account_id(comment.get("updateAuthor")),
        "created": utc_timestamp(comment.get("created")),
        "updated": utc_timestamp(comment.get("updated")),
        "body": comment.get("body"),
        "visibility": comment.get("visibility"),
        "jsd_public": comment.get("jsdPublic"),
    }
    if include_plain_text:
        row["body_text"] = adf_to_text(comment.get("body"))
    return row


def worklog_row(worklog: Mapping[str, Any], *, include_plain_text: bool) -> dict[str, Any]:
    """One ``issue_worklogs`` row (the comment stays ADF JSON; optional plain text)."""
    row: dict[str, Any] = {
        "id": str(worklog["id"]),
        "issue_id": str(worklog["issueId"]) if worklog.get("issueId") is not None else None,
        "self": worklog.get("self"),
        "author_account_id": account_id(worklog.get("author")),
        "update_author_account_id": account_id(worklog.get("updateAuthor")),
        "created": utc_timestamp(worklog.get("created")),
        "updated": utc_timestamp(worklog.get("updated")),
        "started": utc_timestamp(worklog.get("started")),
        "time_spent": worklog.get("timeSpent"),
        "time_spent_seconds": worklog.get("timeSpentSeconds"),
        "comment": worklog.get("comment"),
        "visibility": worklog.get("visibility"),
    }
    if include_plain_text:
        row["comment_text"] = adf_to_text(worklog.get("comment"))
    return row


def tombstone(**key: Any) -> dict[str, Any]:
    """A row that deletes ``key`` from its table (dlt ``hard_delete`` on ``_deleted``)."""
    return {**key, DELETED: True}
