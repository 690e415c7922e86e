"""Fill in the child rows (versions, labels) of content batches while the scan goes on.

The per-item reads are what bound a Confluence load (no bulk endpoint lists versions), so they
must never wait on anything else: the scan submits each batch here as soon as it is listed, a
few batches ahead (``lookahead``), and every endpoint gets its own thread pool so page versions
and blog post versions (separate rate limits) are read at the same time, each paced by its own
gate. Batches come out in the order they went in, with ``versions`` and ``labels`` filled.

This runs inside the ``content_changes`` resource rather than in dlt transformers: a
parallelized transformer holds one of dlt's few extract workers for the seconds a batch's
reads take, which starved the comment and attachment lists of workers and left a serial tail.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from dlt_atlassian.confluence.children import children_of, label_tombstone, versions_of
from dlt_atlassian.confluence.content import ContentBatch
from dlt_atlassian.confluence.context import SourceContext
from dlt_atlassian.confluence.labelindex import LabelIndex
from dlt_atlassian.confluence.rows import Row
from dlt_atlassian.confluence.scopes import guard_scopes
from dlt_atlassian.confluence.settings import ContentKind

Obj = dict[str, Any]
DEFAULT_LOOKAHEAD = 4


class ChildFetcher:
    """Reads the versions and labels of content batches on per-endpoint thread pools.

    Args:
        ctx: The source context (client, gates, parallelism).
        labels_index: Per-label listing of labels (first load and full pass), or ``None``.
        versions: Whether ``page_versions`` is loaded.
        labels: Whether ``labels`` is loaded.
        lookahead: Batches in progress at once besides the one being handed out.
    """

    def __init__(self, ctx: SourceContext, labels_index: LabelIndex | None, *, versions: bool,
                 labels: bool, lookahead: int = DEFAULT_LOOKAHEAD) -> None:
        self.ctx = ctx
        self.index = labels_index
        self.versions = versions
        self.labels = labels
        self.lookahead = max(1, lookahead)
        self._pools: dict[str, ThreadPoolExecutor] = {}
        self._lock = threading.Lock()
        self._batches = ThreadPoolExecutor(self.lookahead + 1, thread_name_prefix="confluence-b")

    def run(self, batches: Iterable[ContentBatch]) -> Iterator[ContentBatch]:
        """Yield ``batches`` in order with their child rows, reading ahead.

        Raises:
            Exception: The first error of a read (the remaining reads are cancelled).
        """
        pending: deque[Future[ContentBatch]] = deque()
        try:
            for batch in batches:
                pending.append(self._batches.submit(self.fill, batch))
                while pending and (len(pending) > self.lookahead or pending[0].done()):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            self.close(cancel=bool(pending))

    def fill(self, batch: ContentBatch) -> ContentBatch:
        """Return ``batch`` with ``versions`` and ``labels`` read (blocking)."""
        kind = batch["kind"]
        objs = batch["items"] + batch["relabel"]
        # Labels of current content come from the per-label index when that is cheaper
        # (first load, full pass); the rest are read per item, with the versions when both.
        indexed: list[Obj] = []
        if self.labels and batch["whole"]:
            current = [o for o in objs if o.get("status") == "current"]
            with guard_scopes("labels"):
                if current and self.index is not None and self.index.serves(kind, len(current)):
                    indexed = current
        skip = {str(o["id"]) for o in indexed}
        per_item = {str(o["id"]) for o in objs if self.labels and str(o["id"]) not in skip}
        futures = [
            self._submit(kind, obj, versions=self.versions, labels=str(obj["id"]) in per_item)
            for obj in batch["items"]
        ] + [
            self._submit(kind, obj, versions=False, labels=True)
            for obj in batch["relabel"] if str(obj["id"]) in per_item
        ]
        labels: list[Row] = []
        if indexed:
            assert self.index is not None
            with guard_scopes("labels"):
                by_id = self.index.index(kind)  # built once, while the reads above run
            for obj in indexed:
                labels.extend(by_id.get(str(obj["id"])) or [label_tombstone(str(obj["id"]))])
        versions: list[Row] = []
        with guard_scopes("page_versions"):
            for future in futures:
                version_rows, label_rows = future.result()
                versions.extend(version_rows)
                labels.extend(label_rows)
        return {**batch, "versions": versions, "labels": labels}

    def _submit(self, kind: ContentKind, obj: Obj, *, versions: bool, labels: bool
                ) -> Future[tuple[list[Row], list[Row]]]:
        """Queue one item's reads on the pool of the endpoint they go to."""
        needs_versions = versions and (obj.get("version") or {}).get("number") != 1
        endpoint = (f"{kind}/single" if needs_versions and labels else
                    f"{kind}/versions" if needs_versions else
                    f"{kind}/labels" if labels else None)
        if endpoint is None:  # nothing to read: the version is in the listed object
            done: Future[tuple[list[Row], list[Row]]] = Future()
            done.set_result((versions_of(self.ctx, kind, obj) if versions else [], []))
            return done
        with self._lock:
            pool = self._pools.get(endpoint)
            if pool is None:
                pool = self._pools[endpoint] = ThreadPoolExecutor(
                    self.ctx.options.parallelism, thread_name_prefix=f"confluence-{endpoint}")
        return pool.submit(children_of, self.ctx, kind, obj, versions=versions, labels=labels)

    def close(self, *, cancel: bool = False) -> None:
        """Stop the pools (cancelling queued reads when ``cancel``)."""
        self._batches.shutdown(wait=not cancel, cancel_futures=cancel)
        with self._lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.shutdown(wait=not cancel, cancel_futures=cancel)
