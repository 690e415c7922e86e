"""The issue search feed: one search per partition, shared by every issue-driven table.

The feed searches ``updated >= <epoch ms>`` per partition (a configured project, or the whole
site), in parallel threads, oldest change first, and hands the issues on in batches of up to
1000 (:class:`IssueBatch`) with, for each table, the issues it has not taken yet. After the
search, a deletion pass may add tombstone batches. Cursors are committed to dlt state only
when the whole feed went through (a failed run leaves them, and the destination, untouched).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import dlt

from dlt_atlassian.http.paginators import NextPageTokenPaginator
from dlt_atlassian.jira import jql as jqlb
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.cursors import Cursor, CursorAdvance, CursorStore, fingerprint
from dlt_atlassian.jira.deletions import destination_rows
from dlt_atlassian.jira.fields import FieldCatalog
from dlt_atlassian.jira.parallel import parallel_pages
from dlt_atlassian.jira.rows import issue_row, tombstone
from dlt_atlassian.jira.settings import (
    CHANGELOG_KEY,
    CHANGELOG_TABLE,
    ISSUE_TABLES,
    SEARCH_PAGE_SIZE,
    SEARCH_PATH,
)
from dlt_atlassian.jira.timestamps import parse_jira_datetime, to_epoch_ms

PROJECT_EXPAND = "description,lead,issueTypes,url,projectKeys,insight"


class IssueBatch(list[dict[str, Any]]):
    """Issue rows for the ``issues`` table, plus what the child tables need from them.

    Attributes:
        due: table -> ids of the issues in this batch that the table must (re)load.
        comments: issue id -> the ``comment`` field as embedded in the search result.
        deleted: ids of issues deleted in Jira (this batch then holds their tombstones).
        stored: table -> key rows of the ``deleted`` issues in the destination, read in the
            extract's main thread (dlt's SQL client must not run in its worker threads).
    """

    def __init__(self, rows: Iterable[dict[str, Any]] = ()) -> None:
        super().__init__(rows)
        self.due: dict[str, set[str]] = {}
        self.comments: dict[str, Any] = {}
        self.deleted: list[str] = []
        self.stored: dict[str, list[Any]] = {}

    def add(self, row: dict[str, Any], tables: Iterable[str], comment: Any) -> None:
        """Add an issue row that ``tables`` must take."""
        self.append(row)
        for table in tables:
            self.due.setdefault(table, set()).add(row["id"])
        if comment is not None:
            self.comments[row["id"]] = comment

    @classmethod
    def tombstones(cls, issue_ids: Sequence[str]) -> IssueBatch:
        """A batch deleting ``issue_ids`` from every issue-driven table."""
        batch = cls(tombstone(id=i) for i in issue_ids)
        batch.deleted = list(issue_ids)
        return batch


def request_fields(option_fields: Sequence[str], tables: Sequence[str]) -> list[str]:
    """The ``fields`` to ask the search for: only what the selected tables need."""
    wanted = list(option_fields) if "issues" in tables else []
    wanted += [f for f in ("updated", "project") if f not in wanted]
    if "issue_comments" in tables:
        # Complete comment lists ride along with the search; longer ones are paged later.
        if "comment" not in wanted:
            wanted.append("comment")
    elif any(f.startswith("*") for f in wanted):
        wanted.append("-comment")
    if any(f.startswith("*") for f in wanted):
        wanted.append("-worklog")  # never stored on the row (issue_worklogs has them all)
    return wanted


def search_pages(
    run: JiraRun, jql: str, fields: Sequence[str], table: str
) -> Iterator[list[dict[str, Any]]]:
    """Pages of one issue search (POST, ``nextPageToken``)."""
    with resource_errors(table, search=jql):
        yield from run.client.paginate(
            SEARCH_PATH,
            paginator=NextPageTokenPaginator(items_key="issues", page_size=SEARCH_PAGE_SIZE),
            method="POST",
            json={"jql": jql, "fields": list(fields)},
            data_selector="issues",
        )


def selected_tables(candidates: Sequence[str]) -> list[str]:
    """Which of ``candidates`` the running extract selected (all when not known)."""
    try:
        selected = set(dlt.current.source().selected_resources)
    except Exception:  # no source context (e.g. iterating a resource directly)
        return list(candidates)
    return [t for t in candidates if t in selected]


def _opener(
    run: JiraRun, jql: str, fields: Sequence[str], table: str
) -> Callable[[], Iterator[list[dict[str, Any]]]]:
    return lambda: search_pages(run, jql, fields, table)


def _edge_updated(run: JiraRun, scope: str, order: str, table: str) -> int | None:
    jql = f"{scope} ORDER BY updated {order}"
    with resource_errors(table, search=jql):
        body = run.client.post_json(
            SEARCH_PATH, {"jql": jql, "fields": ["updated"], "maxResults": 1}
        )
    issues = body.get("issues") if isinstance(body, Mapping) else None
    return _updated_ms(issues[0]) if isinstance(issues, list) and issues else None


def partition_searches(run: JiraRun, scope: str, lower: int | None, table: str) -> list[str]:
    """The searches of one partition: one from the cursor, or time slices for a full load.

    A full load (no cursor) with ``parallelism > 1`` probes the oldest and newest ``updated``
    (two one-issue searches) and splits the range into slices searched in parallel. Every
    slice but the last is closed above; the last is open, ordered like the incremental search,
    so changes made while loading still land there and the cursor stays exact.
    """
    workers = run.options.parallelism
    if lower is not None or workers <= 1:
        return [jqlb.incremental_jql(scope, lower)]
    oldest = _edge_updated(run, scope, "ASC", table)
    newest = _edge_updated(run, scope, "DESC", table)
    if oldest is None or newest is None:
        return [jqlb.incremental_jql(scope, lower)]
    slices = jqlb.time_slices(oldest, newest, workers)
    return [jqlb.slice_jql(scope, since, until) for since, until in slices]


def partitions(run: JiraRun) -> list[tuple[str, str]]:
    """``(partition key, scope JQL)``: one per configured project, else the whole site."""
    opts = run.options
    if opts.projects:
        return [(p, jqlb.scope_jql([p], opts.jql)) for p in opts.projects]
    return [("*", opts.scope)]


def _updated_ms(raw: Mapping[str, Any]) -> int | None:
    fields = raw.get("fields")
    if not isinstance(fields, Mapping):
        return None
    try:
        stamp = parse_jira_datetime(fields.get("updated"))
    except ValueError:
        return None
    return to_epoch_ms(stamp) if stamp else None


def _minimal_row(raw: Mapping[str, Any]) -> dict[str, Any]:
    fields = raw.get("fields") if isinstance(raw.get("fields"), Mapping) else {}
    assert isinstance(fields, Mapping)
    return {"id": str(raw["id"]), "key": raw.get("key"), "updated": fields.get("updated")}


def issue_feed(run: JiraRun) -> Iterator[IssueBatch]:
    """Search changed issues and yield batches for the selected issue-driven tables."""
    opts = run.options
    tables = selected_tables(ISSUE_TABLES)
    if not tables:
        return
    catalog: FieldCatalog | None = run.catalog() if "issues" in tables else None
    if opts.projects:
        run.configured_projects(PROJECT_EXPAND)  # fails clearly on an unknown project
    store = CursorStore(dlt.current.source_state())
    fields = request_fields(opts.fields, tables)
    options_fp = {
        "issues": fingerprint(
            opts.jql, opts.start_date, opts.fields, opts.custom_field_names, opts.include_plain_text
        ),
    }
    lookback = opts.lookback_ms
    start_ms = to_epoch_ms(opts.start_date) if opts.start_date else None
    keys: dict[tuple[str, str], str] = {}
    cursors: dict[tuple[str, str], Cursor] = {}
    advances: dict[tuple[str, str], CursorAdvance] = {}
    streams = []
    for part, scope in partitions(run):
        bounds: list[int | None] = []
        for table in tables:
            key = store.key(
                table, part, options_fp.get(table, fingerprint(opts.jql, opts.start_date))
            )
            keys[(part, table)] = key
            cursor = cursors[(part, table)] = store.get(key)
            advances[(part, table)] = CursorAdvance(cursor, lookback)
            bounds.append(cursor.lower_bound(lookback))
        lower = None if any(b is None for b in bounds) else min(b for b in bounds if b is not None)
        if lower is None or (start_ms is not None and lower < start_ms):
            lower = start_ms
        for jql in partition_searches(run, scope, lower, tables[0]):
            streams.append((part, _opener(run, jql, fields, tables[0])))

    batch = IssueBatch()
    for part, page in parallel_pages(streams, opts.parallelism):
        for raw in page:
            issue_id = str(raw["id"])
            updated = _updated_ms(raw)
            due = []
            for table in tables:
                if updated is None:
                    due.append(table)
                    continue
                if cursors[(part, table)].is_due(issue_id, updated, lookback):
                    due.append(table)
                advances[(part, table)].saw(issue_id, updated)
            if not due:
                continue
            row = issue_row(raw, catalog) if catalog is not None else _minimal_row(raw)
            fields_raw = raw.get("fields") if isinstance(raw.get("fields"), Mapping) else {}
            assert isinstance(fields_raw, Mapping)
            batch.add(row, due, fields_raw.get("comment"))
            if len(batch) >= opts.issue_batch_size:
                yield batch
                batch = IssueBatch()
    if batch:
        yield batch

    if run.reconciler is not None:
        deleted = sorted(run.reconciler.deleted_issue_ids(), key=int)
        for start in range(0, len(deleted), opts.issue_batch_size):
            batch = IssueBatch.tombstones(deleted[start : start + opts.issue_batch_size])
            if CHANGELOG_TABLE in tables:  # merged on its primary key: needs each stored key
                batch.stored[CHANGELOG_TABLE] = destination_rows(
                    CHANGELOG_TABLE, CHANGELOG_KEY, batch.deleted
                )
            yield batch

    for pair, advance in advances.items():
        store.put(keys[pair], advance.result())
