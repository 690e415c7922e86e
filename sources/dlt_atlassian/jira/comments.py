"""``issue_comments``: every comment of every changed issue, complete.

The search already carries each issue's comments; when that embedded list is complete
(``total`` equals what came along) no extra request is made, otherwise the issue's comments
are paged with ``GET /rest/api/3/issue/{id}/comment`` (100 a page), several issues at once.
Each changed issue's comments are replaced as a whole (merge key ``issue_id``), so comments
deleted in Jira disappear; an issue left with no comments gets a tombstone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from dlt_atlassian.http.paginators import StartAtPaginator
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.embedded import embedded_page
from dlt_atlassian.jira.issues import IssueBatch
from dlt_atlassian.jira.parallel import parallel_pages
from dlt_atlassian.jira.rows import comment_row, tombstone
from dlt_atlassian.jira.settings import COMMENTS_PAGE_SIZE, COMMENTS_PATH

TABLE = "issue_comments"


def comment_tombstone(issue_id: str) -> dict[str, Any]:
    """Removes every comment row of ``issue_id``."""
    return tombstone(id=f"deleted:{issue_id}", issue_id=issue_id)


def embedded_comments(value: object) -> list[dict[str, Any]] | None:
    """The comments embedded in a search result, if that list is complete (else None)."""
    page = embedded_page(value, "comments")
    if page is None or len(page[0]) < page[1]:
        return None
    return [dict(c) for c in page[0] if isinstance(c, Mapping) and c.get("id") is not None]


def _fetch(run: JiraRun, issue_id: str) -> Iterable[list[dict[str, Any]]]:
    with resource_errors(TABLE):
        yield from run.client.paginate(
            COMMENTS_PATH.format(issue_id=issue_id),
            paginator=StartAtPaginator(COMMENTS_PAGE_SIZE, items_key="comments"),
            params={"orderBy": "created"},
            data_selector="comments",
        )


def _opener(run: JiraRun, issue_id: str) -> Callable[[], Iterable[list[dict[str, Any]]]]:
    return lambda: _fetch(run, issue_id)


def comments_for(run: JiraRun, batch: IssueBatch) -> Iterator[list[dict[str, Any]]]:
    """Yield comment rows of the batch's due issues (and tombstones)."""
    try:
        yield from _comment_rows(run, batch)
    finally:
        # The batch lives on until issue_changelogs is done with it too: free the raw comments now.
        batch.comments.clear()


def _comment_rows(run: JiraRun, batch: IssueBatch) -> Iterator[list[dict[str, Any]]]:
    plain = run.options.include_plain_text
    if batch.deleted:
        yield [comment_tombstone(i) for i in batch.deleted]
    to_fetch: list[str] = []
    rows: list[dict[str, Any]] = []
    for issue_id in sorted(batch.due.get(TABLE, ()), key=int):
        comments = embedded_comments(batch.comments.get(issue_id))
        if comments is None:
            to_fetch.append(issue_id)
        elif comments:
            rows.extend(comment_row(issue_id, c, include_plain_text=plain) for c in comments)
        else:
            rows.append(comment_tombstone(issue_id))
    if rows:
        yield rows
    with_comments: set[str] = set()
    streams = [(i, _opener(run, i)) for i in to_fetch]
    for issue_id, page in parallel_pages(streams, run.options.parallelism):
        with_comments.add(issue_id)
        yield [comment_row(issue_id, c, include_plain_text=plain) for c in page]
    empty = [comment_tombstone(i) for i in to_fetch if i not in with_comments]
    if empty:
        yield empty
