"""``issue_worklogs``: incremental through Jira's worklog change feeds.

``GET /rest/api/3/worklog/updated?since=<ms>`` lists the ids of worklogs changed since a
moment (up to 1000 a page, ``lastPage``/``until``); ``POST /rest/api/3/worklog/list`` returns
them in bulk (1000 ids a request). ``GET /rest/api/3/worklog/deleted?since=<ms>`` lists the
removed ones, which become tombstones. Each feed's cursor is the ``until`` Jira returned,
kept in dlt state. The feeds cover the whole site: with a narrower scope, worklogs of issues
outside it are dropped with one id-only search per 1000 worklogs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

from dlt_atlassian.errors import PaginationLoopError
from dlt_atlassian.http.paginators import NextPageTokenPaginator
from dlt_atlassian.jira import jql as jqlb
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.cursors import fingerprint
from dlt_atlassian.jira.deletions import destination_worklog_ids
from dlt_atlassian.jira.rows import tombstone, worklog_row
from dlt_atlassian.jira.settings import (
    SEARCH_IDS_PAGE_SIZE,
    SEARCH_PATH,
    WORKLOG_DELETED_PATH,
    WORKLOG_LIST_IDS,
    WORKLOG_LIST_PATH,
    WORKLOG_UPDATED_PATH,
)
from dlt_atlassian.jira.timestamps import to_epoch_ms

TABLE = "issue_worklogs"


def change_feed(run: JiraRun, path: str, since: int) -> Iterator[tuple[list[str], int]]:
    """Pages of ``(worklog ids, until)`` from a worklog change feed, starting at ``since``."""
    while True:
        with resource_errors(TABLE):
            body = run.client.get_json(path, params={"since": since})
        if not isinstance(body, Mapping):
            return
        values = body.get("values") or []
        ids = [str(v["worklogId"]) for v in values if isinstance(v, Mapping) and "worklogId" in v]
        until = body.get("until")
        next_since = int(until) if isinstance(until, int) and until > 0 else since
        yield ids, next_since
        if body.get("lastPage") is not False or not ids:
            return
        if next_since <= since:
            raise PaginationLoopError(
                f"GET {path}: `until` did not move past since={since}; stopping",
                method="GET",
                url=path,
                hint="Atlassian paged inconsistently; run again, and report it if it persists.",
            )
        since = next_since


def in_scope(run: JiraRun, issue_ids: set[str]) -> set[str]:
    """The subset of ``issue_ids`` inside the configured scope (one id-only search)."""
    if not run.options.is_scoped or not issue_ids:
        return issue_ids
    found: set[str] = set()
    jql = jqlb.ids_in_scope_jql(run.options.scope, sorted(issue_ids, key=int))
    with resource_errors(TABLE, search=jql):
        for page in run.client.paginate(
            SEARCH_PATH,
            paginator=NextPageTokenPaginator(items_key="issues", page_size=SEARCH_IDS_PAGE_SIZE),
            method="POST",
            json={"jql": jql, "fields": ["id"]},
            data_selector="issues",
        ):
            found.update(str(i["id"]) for i in page)
    return found


def worklogs(run: JiraRun, state: MutableMapping[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """Yield changed worklogs, then tombstones of deleted ones; advance the cursors.

    The cursors are kept per scope and start date: widening the scope reads the feeds again.
    """
    scope_key = fingerprint(run.options.scope, run.options.start_date)
    state = state.setdefault("feeds", {}).setdefault(scope_key, {})
    start = to_epoch_ms(run.options.start_date) if run.options.start_date else 0
    plain = run.options.include_plain_text
    updated_since = int(state.get("updated_since", start))
    for ids, until in change_feed(run, WORKLOG_UPDATED_PATH, updated_since):
        for offset in range(0, len(ids), WORKLOG_LIST_IDS):
            chunk = [int(i) for i in ids[offset : offset + WORKLOG_LIST_IDS]]
            with resource_errors(TABLE):
                found = run.client.post_json(WORKLOG_LIST_PATH, {"ids": chunk})
            rows = [worklog_row(w, include_plain_text=plain) for w in found or []]
            keep = in_scope(run, {r["issue_id"] for r in rows if r["issue_id"]})
            rows = [r for r in rows if r["issue_id"] in keep]
            if rows:
                yield rows
        updated_since = until
    # First run: deletions before now concern worklogs never loaded; start where we stand.
    deleted_since = int(state.get("deleted_since", updated_since))
    for ids, until in change_feed(run, WORKLOG_DELETED_PATH, deleted_since):
        if ids:
            yield [tombstone(id=i) for i in ids]
        deleted_since = until
    if run.reconciler is not None:
        gone = run.reconciler.deleted_issue_ids()
        stored = destination_worklog_ids(gone) if gone else []
        if stored:
            yield [tombstone(id=i) for i in stored]
    state["updated_since"] = updated_since
    state["deleted_since"] = deleted_since
