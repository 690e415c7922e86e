"""The content scan: which pages and blog posts changed, moved status, or were purged.

Why the v2 lists sorted by ``-modified-date`` and not CQL ``lastmodified`` (v1 search): v2 sorts
on ``version.createdAt`` with millisecond UTC timestamps and an opaque keyset cursor, so reading
newest-first and stopping at the watermark costs ``ceil(changed / 250)`` requests per content
kind (one request when nothing changed) and needs no date formatting. CQL dates have minute
precision, are read in the *user's profile time zone*, and v1 search pages are smaller with
bodies expanded; it would cost at least as many requests and risks off-by-time-zone gaps.

The scan yields :class:`ContentBatch` dicts; the ``pages``/``blog_posts``/``page_versions``/
``labels`` transformers turn them into rows, so each changed item is fetched exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import Any, TypedDict

from dlt_atlassian.confluence import api
from dlt_atlassian.confluence.context import SourceContext, utcnow
from dlt_atlassian.confluence.deletions import plan, reconcile_due
from dlt_atlassian.confluence.idset import (
    decode_id_map,
    decode_ids,
    encode_id_map,
    encode_ids,
)
from dlt_atlassian.confluence.parallel import interleave
from dlt_atlassian.confluence.rows import content_print, parse_ts
from dlt_atlassian.confluence.settings import CONTENT_ENDPOINTS, ContentEndpoint, ContentKind


class ContentBatch(TypedDict):
    """Changed content of one kind, purged ids, content whose labels to refresh.

    ``items`` are raw API objects, ``relabel`` ``{"id", "status"}`` dicts. ``whole`` marks a
    first load or full pass: every item's labels are read in this run, so listing them per
    label may be cheaper. ``versions`` and ``labels`` are the child rows of ``items`` (and
    ``relabel``), filled in by :mod:`fetcher` before the batch reaches the tables.
    """

    kind: ContentKind
    items: list[dict[str, Any]]
    purged: list[str]
    relabel: list[dict[str, Any]]
    whole: bool
    versions: list[dict[str, Any]]
    labels: list[dict[str, Any]]


def _batch(kind: ContentKind, items: list[dict[str, Any]] | None = None,
           purged: list[str] | None = None, relabel: list[dict[str, Any]] | None = None,
           whole: bool = False) -> ContentBatch:
    return ContentBatch(kind=kind, items=items or [], purged=purged or [],
                        relabel=relabel or [], whole=whole, versions=[], labels=[])


class _KindState:
    """The part of the resource state kept per content kind (decoded once per run)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.cursor = parse_ts(raw.get("cursor"))
        self.prints = decode_id_map(raw.get("prints"))
        self.status: dict[str, str] = {}  # non-current statuses only: the list stays small
        for status, encoded in (raw.get("status") or {}).items():
            self.status.update(dict.fromkeys(decode_ids(encoded), status))

    def remember(self, obj: dict[str, Any]) -> None:
        content_id, status = str(obj["id"]), str(obj.get("status"))
        self.prints[content_id] = content_print(obj)
        if status == "current":
            self.status.pop(content_id, None)
        else:
            self.status[content_id] = status

    def forget(self, content_id: str) -> None:
        self.prints.pop(content_id, None)
        self.status.pop(content_id, None)

    def save(self, cursor: datetime | None) -> None:
        if cursor is not None:
            self.raw["cursor"] = cursor.isoformat()
        self.raw["prints"] = encode_id_map(self.prints)
        by_status: dict[str, list[str]] = {}
        for content_id, status in self.status.items():
            by_status.setdefault(status, []).append(content_id)
        self.raw["status"] = {s: encode_ids(ids) for s, ids in by_status.items()}


def scan_content(ctx: SourceContext, state: dict[str, Any]) -> Iterator[ContentBatch]:
    """Yield changed content newest-first, then status moves and purges, for both kinds.

    Args:
        ctx: The source context (client, options, scope).
        state: This scope's part of the resource state; updated in place.
    """
    now = utcnow()
    # A first load reads everything, so a full pass would only repeat it.
    first_run = not any(state.get(e.kind) for e in CONTENT_ENDPOINTS)
    full = not first_run and reconcile_due(
        ctx.options.reconcile_every, parse_ts(state.get("reconciled_at")), now
    )
    if not full:
        ctx.prefetch_non_current(tuple(e.kind for e in CONTENT_ENDPOINTS))
    # Both kinds at once: their per-item reads go to different endpoints (separate limits).
    streams = [
        partial(_scan_kind, ctx, endpoint, _KindState(state.setdefault(endpoint.kind, {})), full)
        for endpoint in CONTENT_ENDPOINTS
    ]
    yield from interleave(streams, len(streams))
    if full or first_run:
        state["reconciled_at"] = now.isoformat()


def _scan_kind(
    ctx: SourceContext, endpoint: ContentEndpoint, kind_state: _KindState, full: bool
) -> Iterator[ContentBatch]:
    options = ctx.options
    kind = endpoint.kind
    since = options.start_date
    if kind_state.cursor is not None:
        since = kind_state.cursor - options.lookback
        if options.start_date is not None:
            since = max(since, options.start_date)
    newest = kind_state.cursor
    seen: set[str] = set()  # refreshed in this run (rows and children emitted)
    visited: set[str] = set()
    whole = "prints" not in kind_state.raw or full  # first load ("prints" saved every run)
    params = api.content_params(endpoint, options.body_format)
    # One site-wide (or space-filtered) chain: the fewest requests; the per-item reads it
    # feeds, not this chain, bound the run.
    for page in api.list_content(ctx.client, endpoint, params, options.space_ids, since, True):
        fresh = []
        for obj in page:
            content_id = str(obj["id"])
            if content_id in visited or not ctx.in_time_scope(obj):
                continue
            visited.add(content_id)
            modified = api.modified_at(obj)
            if modified is not None and (newest is None or modified > newest):
                newest = modified
            # Re-read items (lookback, whole pages) cost nothing more when unchanged.
            if kind_state.prints.get(content_id) != content_print(obj):
                kind_state.remember(obj)
                seen.add(content_id)
                fresh.append(obj)
        if fresh:
            yield _batch(kind, items=fresh, whole=whole)

    # Moves, status changes and purges create no version, so the newest-first read cannot
    # see them: a full pass compares fingerprints of every listed item when due; otherwise a
    # sweep lists only non-current content (trash, archive) and compares statuses.
    known = set(kind_state.prints)
    if full:
        index = ctx.scope_index(kind)
        todo = plan({i: fp for i, (_, fp) in index.items()}, kind_state.prints, known,
                     full=True, skip=seen)
    else:
        listed = ctx.non_current(kind)  # shared with the reads of hidden containers
        todo = plan(listed, kind_state.status, known, full=False, skip=seen, default="current")
    returned: set[str] = set()
    for page in api.content_by_ids(ctx.client, endpoint, sorted(todo.refetch), options.body_format):
        returned.update(str(o["id"]) for o in page)
        fresh = [o for o in page if str(o["id"]) not in seen and ctx.in_time_scope(o)]
        for obj in fresh:
            seen.add(str(obj["id"]))
            kind_state.remember(obj)
        if fresh:
            yield _batch(kind, items=fresh, whole=whole)
    purged = todo.purged | {i for i in todo.maybe_purged if i not in returned}
    for content_id in purged:
        kind_state.forget(content_id)
    if purged:
        yield _batch(kind, purged=sorted(purged))
    if full:
        # Labels change without a new version: the full pass refreshes them for every item
        # not refreshed above (per label or per item, see labelindex; 250 items per batch).
        rest = [{"id": i, "status": kind_state.status.get(i, "current")}
                for i in sorted(kind_state.prints) if i not in seen]
        for start in range(0, len(rest), 250):
            yield _batch(kind, relabel=rest[start : start + 250], whole=True)
    kind_state.save(newest)
