"""The page-label links of a whole site, listed per label instead of per page.

On a first load and on the full pass every item's labels are needed. Per item that is one
request per page or blog post; per label it is ``GET /labels`` plus ``/labels/{id}/pages`` and
``/labels/{id}/blogposts`` (250 a page), i.e. about one request per label and kind. Which is
cheaper depends on the site, so the index decides like a ski rental: items are read one by one
until their count would exceed the number of labels, then the index is built once and serves
every later batch. Neither way costs more than twice the cheaper one.

``/labels/{id}/pages|blogposts`` list *current* content only (no status filter in the spec),
so archived, trashed and deleted items are always read one by one (they are few). ``/labels``
needs the ``read:label:confluence`` scope; without it every item is read one by one.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dlt_atlassian.confluence import api
from dlt_atlassian.confluence.context import SourceContext
from dlt_atlassian.confluence.rows import Row, label_row
from dlt_atlassian.confluence.settings import (
    CONTENT_KINDS,
    ENDPOINT_BY_KIND,
    LABELS_PATH,
    SPACE_IDS_PER_REQUEST,
    ContentKind,
)
from dlt_atlassian.errors import NotFoundError, PermissionDeniedError, UnauthorizedError

Obj = dict[str, Any]


class LabelIndex:
    """Labels of current content per content id, built at most once per kind and run.

    Thread-safe: the batches of both kinds are filled in parallel (:mod:`fetcher`).
    """

    def __init__(self, ctx: SourceContext) -> None:
        """Bind to a source context; nothing is read before :meth:`serves` needs it."""
        self.ctx = ctx
        self._lock = threading.Lock()
        self._build_locks = {kind: threading.Lock() for kind in CONTENT_KINDS}
        self.reset()

    def reset(self) -> None:
        """Forget everything (called at the start of each run)."""
        self._labels: list[Obj] | None = None
        self._unavailable = False
        self._index: dict[ContentKind, dict[str, list[Row]]] = {}
        self._read_one_by_one: dict[ContentKind, int] = {}
        self._serving: dict[ContentKind, bool] = {}

    def serves(self, kind: ContentKind, count: int) -> bool:
        """Whether the index will serve ``count`` more items (else they are read one by one).

        Cheap (at most the ``/labels`` list): callers can start the items' other reads before
        :meth:`index` builds the index.
        """
        with self._lock:
            if kind in self._index or self._serving.get(kind):
                return True
            labels = self._list_labels()
            if labels is None:
                return False
            spent = self._read_one_by_one.get(kind, 0)
            if spent + count <= len(labels):
                self._read_one_by_one[kind] = spent + count
                return False
            self._serving[kind] = True
            return True

    def index(self, kind: ContentKind) -> dict[str, list[Row]]:
        """Labels of current content of ``kind`` per content id (built once, thread-safe)."""
        with self._build_locks[kind]:  # not self._lock: deciding must not wait for a build
            with self._lock:
                built = self._index.get(kind)
                labels = self._list_labels() or []
            if built is None:
                built = self._build(kind, labels)
                with self._lock:
                    self._index[kind] = built
            return built

    def _list_labels(self) -> list[Obj] | None:
        if self._unavailable:
            return None
        if self._labels is None:
            try:
                self._labels = [lb for page in api.paginate(self.ctx.client, LABELS_PATH, {})
                                for lb in page]
            except (UnauthorizedError, PermissionDeniedError):
                self._unavailable = True  # no read:label scope: per-item reads still work
                return None
        return self._labels

    def _build(self, kind: ContentKind, labels: list[Obj]) -> dict[str, list[Row]]:
        index: dict[str, list[Row]] = {}
        if not labels:
            return index
        workers = max(1, min(self.ctx.options.parallelism, len(labels)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="labels") as pool:
            carrying = pool.map(lambda label: self._carrying(kind, label), labels)
            for label, content_ids in zip(labels, carrying, strict=True):
                for content_id in content_ids:
                    index.setdefault(content_id, []).append(label_row(content_id, kind, label))
        return index

    def _carrying(self, kind: ContentKind, label: Obj) -> list[str]:
        """Ids of the current content of ``kind`` carrying ``label`` (in scope when filtered)."""
        child = ENDPOINT_BY_KIND[kind].list_path.rsplit("/", 1)[1]
        path = f"{LABELS_PATH}/{label['id']}/{child}"
        params: dict[str, Any] = {}
        space_ids = self.ctx.options.space_ids
        if space_ids and len(space_ids) <= SPACE_IDS_PER_REQUEST:
            params["space-id"] = ",".join(space_ids)  # else: ids outside scope are never asked
        try:
            return [str(obj["id"]) for page in api.paginate(self.ctx.client, path, params)
                    for obj in page]
        except NotFoundError:
            return []  # label gone since it was listed
