"""How the issue search is split into sequential chains that run in parallel.

The search is a ``nextPageToken`` cursor: one chain of pages, one round trip after another.
Each partition (a configured project, or the whole site) is split in time instead:

* full load (no cursor): two one-issue probes find the oldest and newest ``updated``, and the
  range is cut into ``parallelism`` slices searched at once;
* from a cursor: the first pages are read as usual; only if still more follow, one probe
  finds the newest ``updated`` and the rest is cut into slices. Small incremental runs cost
  nothing extra; large ones (a long pause, a bulk change) run as wide as a full load.

Every slice but the last is closed above (``updated < edge``); the last is open and ordered
``updated ASC``, like the single search, so issues changed while loading land there and the
cursor (the newest ``updated`` seen, committed after everything was read) stays exact. A slice
starts at the ``updated`` of the last issue already read (inclusive): issues on that instant
may come twice, which the merge absorbs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from dlt_atlassian.http.paginators import NextPageTokenPaginator
from dlt_atlassian.jira import jql as jqlb
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.settings import CHANGELOG_TABLE, SEARCH_PAGE_SIZE, SEARCH_PATH
from dlt_atlassian.jira.timestamps import parse_jira_datetime, to_epoch_ms

READ_AHEAD_PAGES = 2
"""Pages of an incremental search read in one chain before the rest is sliced."""

Page = list[dict[str, Any]]
Stream = Callable[[], Iterator[Page]]


def search_body(jql: str, fields: Sequence[str], tables: Sequence[str]) -> dict[str, Any]:
    """The search request: ``expand=changelog`` when ``issue_changelogs`` is loaded.

    Jira embeds each issue's most recent histories (up to 40) with ``total``: complete ones
    need no bulkfetch at all, which is most issues.
    """
    body: dict[str, Any] = {"jql": jql, "fields": list(fields)}
    if CHANGELOG_TABLE in tables:
        body["expand"] = "changelog"
    return body


def search_pages(run: JiraRun, body: dict[str, Any], table: str) -> Iterator[Page]:
    """Pages of one issue search (POST, ``nextPageToken``)."""
    with resource_errors(table, search=body["jql"]):
        yield from run.client.paginate(
            SEARCH_PATH,
            paginator=NextPageTokenPaginator(items_key="issues", page_size=SEARCH_PAGE_SIZE),
            method="POST",
            json=body,
            data_selector="issues",
        )


def updated_ms(raw: Mapping[str, Any]) -> int | None:
    """The issue's ``updated`` in epoch ms (None if missing or unreadable)."""
    fields = raw.get("fields")
    if not isinstance(fields, Mapping):
        return None
    try:
        stamp = parse_jira_datetime(fields.get("updated"))
    except ValueError:
        return None
    return to_epoch_ms(stamp) if stamp else None


def partitions(run: JiraRun) -> list[tuple[str, str]]:
    """``(partition key, scope JQL)``: one per configured project, else the whole site."""
    opts = run.options
    if opts.projects:
        return [(p, jqlb.scope_jql([p], opts.jql)) for p in opts.projects]
    return [("*", opts.scope)]


def _edge_updated(run: JiraRun, scope: str, order: str, table: str) -> int | None:
    jql = f"{scope} ORDER BY updated {order}"
    with resource_errors(table, search=jql):
        body = run.client.post_json(
            SEARCH_PATH, {"jql": jql, "fields": ["updated"], "maxResults": 1}
        )
    issues = body.get("issues") if isinstance(body, Mapping) else None
    return updated_ms(issues[0]) if isinstance(issues, list) and issues else None


def _opener(run: JiraRun, body: dict[str, Any], table: str) -> Stream:
    return lambda: search_pages(run, body, table)


def _given(pages: list[Page]) -> Stream:
    return lambda: iter(pages)


def _read_ahead(run: JiraRun, body: dict[str, Any], table: str) -> tuple[list[Page], bool]:
    """The first ``READ_AHEAD_PAGES`` pages of a search, and whether more pages follow."""
    pages: list[Page] = []
    request = {**body, "maxResults": SEARCH_PAGE_SIZE}
    while True:
        with resource_errors(table, search=body["jql"]):
            reply = run.client.post_json(SEARCH_PATH, request)
        reply = reply if isinstance(reply, Mapping) else {}
        issues = reply.get("issues")
        page = [i for i in issues if isinstance(i, dict)] if isinstance(issues, list) else []
        token = reply.get("nextPageToken")
        more = bool(page) and reply.get("isLast") is not True and isinstance(token, str)
        if page:
            pages.append(page)
        if not more or len(pages) >= READ_AHEAD_PAGES:
            return pages, more
        if token == request.get("nextPageToken"):
            return pages, True  # a repeated token: let the paginator read (and report) it
        request = {**request, "nextPageToken": token}


def partition_streams(
    run: JiraRun,
    scope: str,
    lower: int | None,
    make_body: Callable[[str], dict[str, Any]],
    table: str,
    *,
    read_ahead: bool,
) -> list[Stream]:
    """The page streams of one partition, to be read in parallel.

    Args:
        run: the run.
        scope: the partition's JQL scope.
        lower: the cursor's lower bound (epoch ms), None for a full load.
        make_body: the search request for a JQL.
        table: the table named in errors.
        read_ahead: read the first pages now and slice the rest if there is more (worth it
            when this is the only partition; several partitions already run side by side).
    """
    workers = run.options.parallelism
    single = [_opener(run, make_body(jqlb.incremental_jql(scope, lower)), table)]
    if workers <= 1:
        return single
    if lower is None:
        oldest = _edge_updated(run, scope, "ASC", table)
        newest = _edge_updated(run, scope, "DESC", table)
        if oldest is None or newest is None:
            return single
        slices = jqlb.time_slices(oldest, newest, workers)
        return [_opener(run, make_body(jqlb.slice_jql(scope, a, b)), table) for a, b in slices]
    if not read_ahead:
        return single
    pages, more = _read_ahead(run, make_body(jqlb.incremental_jql(scope, lower)), table)
    if not more:
        return [_given(pages)]
    last = updated_ms(pages[-1][-1])
    newest = _edge_updated(run, scope, "DESC", table)
    if last is None or newest is None:
        return single  # cannot tell where reading stopped: read the chain from the start
    streams = [_given(pages)]
    for since, until in jqlb.time_slices(last, newest, workers):
        jql = jqlb.slice_jql(scope, last if since is None else since, until)
        streams.append(_opener(run, make_body(jql), table))
    return streams
