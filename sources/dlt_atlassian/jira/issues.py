"""The issue search feed: one search per partition, shared by every issue-driven table.

The feed searches ``updated >= <epoch ms>`` per partition (a configured project, or the whole
site), in parallel threads, oldest change first, and hands the issues on in batches of up to
1000 (:class:`IssueBatch`) with, for each table, the issues it has not taken yet. After the
search, a deletion pass may add tombstone batches. Cursors are committed to dlt state only
when the whole feed went through (a failed run leaves them, and the destination, untouched).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import dlt

from dlt_atlassian.jira.context import JiraRun
from dlt_atlassian.jira.cursors import Cursor, CursorAdvance, CursorStore, fingerprint
from dlt_atlassian.jira.deletions import destination_rows
from dlt_atlassian.jira.embedded import partial_ids, slim, stored_history_ids
from dlt_atlassian.jira.fields import FieldCatalog
from dlt_atlassian.jira.parallel import IDLE, parallel_pages
from dlt_atlassian.jira.rows import issue_row, tombstone
from dlt_atlassian.jira.search_plan import (
    partition_streams,
    partitions,
    search_body,
    updated_ms,
)
from dlt_atlassian.jira.settings import (
    CHANGELOG_KEY,
    CHANGELOG_TABLE,
    ISSUE_TABLES,
)
from dlt_atlassian.jira.timestamps import to_epoch_ms

PROJECT_EXPAND = "description,lead,issueTypes,url,projectKeys,insight"
IDLE_AFTER_S = 0.05


class IssueBatch(list[dict[str, Any]]):
    """Issue rows for the ``issues`` table, plus what the child tables need from them.

    Attributes:
        due: table -> ids of the issues in this batch that the table must (re)load.
        comments: issue id -> the ``comment`` field as embedded in the search result.
        changelogs: issue id -> the ``changelog`` the search embedded (``expand=changelog``).
        stored_histories: issue id -> history ids in the destination, for issues whose
            embedded changelog is partial (read in the main thread, like ``stored``).
        holds_slot: the batch holds one of the run's ``embedded_slots`` until
            ``issue_changelogs`` has taken its embedded changelogs.
        deleted: ids of issues deleted in Jira (this batch then holds their tombstones).
        stored: table -> key rows of the ``deleted`` issues in the destination, read in the
            extract's main thread (dlt's SQL client must not run in its worker threads).
    """

    def __init__(self, rows: Iterable[dict[str, Any]] = ()) -> None:
        super().__init__(rows)
        self.due: dict[str, set[str]] = {}
        self.comments: dict[str, Any] = {}
        self.changelogs: dict[str, Any] = {}
        self.stored_histories: dict[str, set[str]] = {}
        self.holds_slot = False
        self.deleted: list[str] = []
        self.stored: dict[str, list[Any]] = {}

    def add(self, row: dict[str, Any], tables: Iterable[str], raw: Mapping[str, Any]) -> None:
        """Add an issue row that ``tables`` must take, keeping what the search embedded."""
        self.append(row)
        tables = list(tables)
        for table in tables:
            self.due.setdefault(table, set()).add(row["id"])
        fields = raw.get("fields")
        comment = fields.get("comment") if isinstance(fields, Mapping) else None
        if comment is not None:
            self.comments[row["id"]] = comment
        if CHANGELOG_TABLE in tables and raw.get("changelog") is not None:
            self.changelogs[row["id"]] = slim(raw["changelog"])

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


def selected_tables(candidates: Sequence[str]) -> list[str]:
    """Which of ``candidates`` the running extract selected (all when not known)."""
    selected = _selected()
    return list(candidates) if selected is None else [t for t in candidates if t in selected]


def _selected() -> set[str] | None:
    try:
        return set(dlt.current.source().selected_resources)
    except Exception:  # no source context (e.g. iterating a resource directly)
        return None


def _handed_on(run: JiraRun, batch: IssueBatch, bounded: bool) -> Iterator[IssueBatch]:
    """Yield a full batch; with embedded changelogs, first wait for a free slot.

    Waiting yields empty batches: this runs in dlt's main thread, which must keep running
    ``issue_changelogs`` (the transformer that frees the slots) and every other resource.
    """
    if bounded and batch.changelogs:
        while not run.embedded_slots.acquire(timeout=IDLE_AFTER_S):
            yield IssueBatch()
        batch.holds_slot = True
    yield batch


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
    if run.reconciler is not None:
        run.reconciler.start()  # the id scan for deletions runs while the search does
    fields = request_fields(opts.fields, tables)
    # Slots are freed by `issue_changelogs`: only bound when dlt runs it in this extract.
    bounded = CHANGELOG_TABLE in (_selected() or ())
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
    parts = partitions(run)
    for part, scope in parts:
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

        def make_body(jql: str) -> dict[str, Any]:
            return search_body(jql, fields, tables)

        for stream in partition_streams(
            run, scope, lower, make_body, tables[0], read_ahead=len(parts) == 1
        ):
            streams.append((part, stream))

    batch = IssueBatch()
    # While no page is there, an empty batch hands dlt's main thread back to the other
    # resources (this generator runs in it: blocking here would stall them all).
    for part, page in parallel_pages(streams, opts.parallelism, idle_after=IDLE_AFTER_S):
        if part is IDLE:
            yield IssueBatch()
            continue
        for raw in page:
            issue_id = str(raw["id"])
            updated = updated_ms(raw)
            if (
                updated is not None
                and advances[(part, tables[0])].seen.get(issue_id, -1) >= updated
            ):
                continue  # this or a newer version was taken in this run (slices meet, or overlap)
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
            batch.add(row, due, raw)
            if len(batch) >= opts.issue_batch_size:
                # Inline, not in a helper: dlt's SQL client keeps the frames of each call alive
                # (a stored traceback), and a helper's frame would keep its batch with it.
                partial = partial_ids(batch.changelogs, batch.due.get(CHANGELOG_TABLE, ()))
                batch.stored_histories = stored_history_ids(partial)
                yield from _handed_on(run, batch, bounded)
                batch = IssueBatch()
    if batch:
        partial = partial_ids(batch.changelogs, batch.due.get(CHANGELOG_TABLE, ()))
        batch.stored_histories = stored_history_ids(partial)
        yield from _handed_on(run, batch, bounded)

    if run.reconciler is not None:
        while not run.reconciler.ready(IDLE_AFTER_S):
            yield IssueBatch()
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
