"""``issue_changelogs``: the complete history of every changed issue, in bulk.

``POST /rest/api/3/changelog/bulkfetch`` takes up to 1000 issue ids and pages through all
their histories with ``nextPageToken`` (never the ``expand=changelog`` of the search, which
stops at 40 histories). Each changed issue's rows are replaced as a whole (merge key
``issue_id``); issues deleted in Jira get a tombstone that removes their rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dlt_atlassian.http.paginators import NextPageTokenPaginator
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.issues import IssueBatch
from dlt_atlassian.jira.rows import changelog_rows, tombstone
from dlt_atlassian.jira.settings import (
    CHANGELOG_BULK_ISSUES,
    CHANGELOG_BULK_PAGE_SIZE,
    CHANGELOG_BULK_PATH,
)

TABLE = "issue_changelogs"


def changelog_tombstone(issue_id: str) -> dict[str, Any]:
    """Removes every history row of ``issue_id`` (its key columns must not be null)."""
    return tombstone(history_id=f"deleted:{issue_id}", item_index=-1, issue_id=issue_id)


def changelogs_for(run: JiraRun, batch: IssueBatch) -> Iterator[list[dict[str, Any]]]:
    """Yield pages of changelog rows for the batch's due issues, then tombstones."""
    if batch.deleted:
        yield [changelog_tombstone(i) for i in batch.deleted]
    ids = sorted(batch.due.get(TABLE, ()), key=int)
    for start in range(0, len(ids), CHANGELOG_BULK_ISSUES):
        chunk = ids[start : start + CHANGELOG_BULK_ISSUES]
        with_history: set[str] = set()
        with resource_errors(TABLE):
            pages = run.client.paginate(
                CHANGELOG_BULK_PATH,
                paginator=NextPageTokenPaginator(
                    items_key="issueChangeLogs", page_size=CHANGELOG_BULK_PAGE_SIZE
                ),
                method="POST",
                json={"issueIdsOrKeys": chunk},
                data_selector="issueChangeLogs",
            )
            for page in pages:
                rows: list[dict[str, Any]] = []
                for log in page:
                    issue_id = str(log.get("issueId"))
                    for history in log.get("changeHistories") or []:
                        rows.extend(changelog_rows(issue_id, history))
                        with_history.add(issue_id)
                if rows:
                    yield rows
        # An issue without histories: clear whatever an earlier load left for it.
        empty = [changelog_tombstone(i) for i in chunk if i not in with_history]
        if empty:
            yield empty
