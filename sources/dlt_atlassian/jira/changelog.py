"""``issue_changelogs``: the complete history of every changed issue, in bulk.

The search asks for ``expand=changelog``: Jira embeds each issue's most recent histories
(``{startAt, maxResults, total, histories}``, newest first, at most 40). When that list is
complete (``total`` histories came along) it is used as is, which is most issues, and so
is a partial one that completes what the destination holds (:mod:`embedded`); only the
others go to ``POST /rest/api/3/changelog/bulkfetch``, which takes up to 1000 issue ids and
pages through all their histories with ``nextPageToken``. Rows merge on their primary key
``(history_id, item_index)``; the rows of issues deleted in Jira are removed by tombstones.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence
from typing import Any

from dlt_atlassian.errors import PaginationLoopError
from dlt_atlassian.http.selectors import select_items
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.embedded import completed_histories, embedded_histories
from dlt_atlassian.jira.issues import IssueBatch
from dlt_atlassian.jira.rows import changelog_rows, tombstone
from dlt_atlassian.jira.settings import (
    CHANGELOG_BULK_ISSUES,
    CHANGELOG_BULK_PAGE_SIZE,
    CHANGELOG_BULK_PATH,
    CHANGELOG_TABLE,
)

TABLE = CHANGELOG_TABLE
EMBEDDED_ROWS_PER_PAGE = 5000
"""Rows of embedded histories handed on at once (a bulkfetch page makes about as many)."""


def changelog_tombstones(stored: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows deleting the stored ``(history_id, item_index, issue_id)`` rows of deleted issues.

    The table merges on its primary key alone, so a deleted issue's rows are removed one key
    at a time (the keys are read from the destination by the issue feed).
    """
    return [
        tombstone(history_id=str(h), item_index=int(i), issue_id=str(issue))
        for h, i, issue in stored
    ]


def changelogs_for(run: JiraRun, batch: IssueBatch) -> Iterator[list[dict[str, Any]]]:
    """Yield changelog rows of the batch's due issues (embedded, then bulk), and tombstones.

    A history never changes and never disappears while its issue exists, so the rows merge on
    ``(history_id, item_index)``: re-reading a changed issue's history only adds what is new,
    and the merge costs what changed, not what the table holds. Deleted issues get tombstones.
    """
    if batch.deleted:
        tombstones = changelog_tombstones(batch.stored.get(TABLE, ()))
        if tombstones:
            yield tombstones
    try:
        ids = yield from _embedded_rows(batch)
    finally:
        if batch.holds_slot:  # the embedded histories are handed on: the search may go on
            batch.holds_slot = False
            run.embedded_slots.release()
    for start in range(0, len(ids), CHANGELOG_BULK_ISSUES):
        with resource_errors(TABLE):
            yield from _bulk_pages(run, ids[start : start + CHANGELOG_BULK_ISSUES])


def _embedded_rows(batch: IssueBatch) -> Generator[list[dict[str, Any]], None, list[str]]:
    """Yield rows of the changelogs the search embedded; return the ids to bulkfetch."""
    ids: list[str] = []
    rows: list[dict[str, Any]] = []
    for issue_id in sorted(batch.due.get(TABLE, ()), key=int):
        # Taken out of the batch as it is used: the raw histories are freed page by page.
        embedded = batch.changelogs.pop(issue_id, None)
        histories = embedded_histories(embedded)
        if histories is None and issue_id in batch.stored_histories:
            histories = completed_histories(embedded, batch.stored_histories[issue_id])
        if histories is None:
            ids.append(issue_id)  # more than the search embeds: bulkfetch
            continue
        for history in histories:
            rows.extend(changelog_rows(issue_id, history))
        if len(rows) >= EMBEDDED_ROWS_PER_PAGE:
            yield rows
            rows = []
    if rows:
        yield rows
    return ids


def _bulk_pages(run: JiraRun, chunk: list[str]) -> Iterator[list[dict[str, Any]]]:
    """Row pages of one bulkfetch, following ``nextPageToken``.

    Memory stays flat: a page is fetched and turned into rows while holding one of the run's
    few changelog slots, and its JSON is dropped before the rows are handed on (a paginator
    would keep the raw and parsed page alive until the next request).
    """
    request: dict[str, Any] = {"issueIdsOrKeys": chunk, "maxResults": CHANGELOG_BULK_PAGE_SIZE}
    seen_tokens: set[str] = set()
    while True:
        with run.changelog_slots:
            body = run.client.post_json(CHANGELOG_BULK_PATH, request)
            logs = select_items(body, "issueChangeLogs", method="POST", url=CHANGELOG_BULK_PATH)
            rows: list[dict[str, Any]] = []
            for log in logs:
                issue_id = str(log.get("issueId"))
                for history in log.get("changeHistories") or []:
                    rows.extend(changelog_rows(issue_id, history))
            token = body.get("nextPageToken") if isinstance(body, dict) else None
            last = isinstance(body, dict) and body.get("isLast") is True
            del body, logs
        if rows:
            yield rows
        if not isinstance(token, str) or not token or last:
            return
        if token in seen_tokens:
            raise PaginationLoopError(
                f"POST {CHANGELOG_BULK_PATH} returned a page token it had already returned; "
                "stopping instead of looping forever",
                method="POST",
                url=CHANGELOG_BULK_PATH,
                hint="Atlassian paged inconsistently; run again, and report it if it persists.",
            )
        seen_tokens.add(token)
        request = {**request, "nextPageToken": token}
