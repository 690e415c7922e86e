"""Per-content child rows: versions and labels of each changed page or blog post.

Cheapest correct way, per child (checked against the v2 spec):

* versions: only ``/pages/{id}/versions`` and ``/blogposts/{id}/versions`` exist (no bulk list),
  so one request per changed item, run in parallel. A new item at version 1 needs none: its only
  version is the ``version`` object already in the list response.
* labels: ``/pages/{id}/labels`` and ``/blogposts/{id}/labels``, one request per changed item
  in parallel; on a first load or full pass, listed per label once that is cheaper
  (:mod:`labelindex`).

Both tables merge with ``merge_key=content_id`` (delete-insert): the rows of a refreshed item
replace all its previous rows, so a removed label or version disappears; an item that now has
none gets a tombstone row that only deletes. Purged items get the same tombstone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from dlt_atlassian.confluence import api
from dlt_atlassian.confluence.content import ContentBatch
from dlt_atlassian.confluence.context import SourceContext
from dlt_atlassian.confluence.labelindex import LabelIndex
from dlt_atlassian.confluence.parallel import map_in_chunks
from dlt_atlassian.confluence.rows import Row, label_row, tombstone, version_row
from dlt_atlassian.confluence.settings import ENDPOINT_BY_KIND, V2, ContentKind
from dlt_atlassian.errors import NotFoundError

# Placeholder key values of tombstones (the real keys are never empty / never 0).
NO_LABEL = ""
NO_VERSION = 0


def _versions_of(ctx: SourceContext, kind: ContentKind, obj: dict[str, Any]) -> list[Row]:
    content_id = str(obj["id"])
    current = obj.get("version") or {}
    if current.get("number") == 1:
        return [version_row(content_id, kind, current)]
    path = ENDPOINT_BY_KIND[kind].child_path(content_id, "versions")
    rows: list[Row] = []
    try:
        for page in api.paginate(ctx.client, path, {"sort": "-modified-date"}):
            rows.extend(version_row(content_id, kind, v) for v in page)
    except NotFoundError:
        pass  # purged between the scan and now: the next deletion pass removes it
    return rows or [tombstone(content_id=content_id, number=NO_VERSION)]


def _labels_of(ctx: SourceContext, kind: ContentKind, obj: dict[str, Any]) -> list[Row]:
    content_id = str(obj["id"])
    path = ENDPOINT_BY_KIND[kind].child_path(content_id, "labels")
    rows: list[Row] = []
    try:
        for page in api.paginate(ctx.client, path, {}):
            rows.extend(label_row(content_id, kind, label) for label in page)
    except NotFoundError:
        pass
    return rows or [tombstone(content_id=content_id, label_id=NO_LABEL)]


def _child_rows(
    ctx: SourceContext,
    batch: ContentBatch,
    fetch: Callable[[SourceContext, ContentKind, dict[str, Any]], list[Row]],
    purged_row: Callable[[str], Row],
) -> Iterator[list[Row]]:
    kind = batch["kind"]
    if batch["items"]:
        yield from parallel(ctx, lambda obj: fetch(ctx, kind, obj), batch["items"])
    if batch["purged"]:
        yield [purged_row(content_id) for content_id in batch["purged"]]


def version_rows(ctx: SourceContext, batch: ContentBatch) -> Iterator[list[Row]]:
    """``page_versions`` rows for a batch of changed or purged content."""
    return _child_rows(
        ctx, batch, _versions_of, lambda i: tombstone(content_id=i, number=NO_VERSION)
    )


def label_rows(
    ctx: SourceContext, batch: ContentBatch, index: LabelIndex | None = None
) -> Iterator[list[Row]]:
    """``labels`` rows for a batch of changed, purged or to-be-relabelled content.

    On a first load or full pass (``batch["whole"]``) the labels of current content come from
    ``index`` (listed per label) once that is cheaper; other content is read item by item.
    """
    kind = batch["kind"]
    objs = batch["items"] + batch["relabel"]
    if objs:
        current = [o for o in objs if o.get("status") == "current"] if batch["whole"] else []
        by_id = index.rows_by_id(kind, len(current)) if index and current else None
        if by_id is not None:
            yield [row for o in current for row in by_id.get(str(o["id"])) or [
                tombstone(content_id=str(o["id"]), label_id=NO_LABEL)]]
            objs = [o for o in objs if o.get("status") != "current"]
        yield from parallel(ctx, lambda obj: _labels_of(ctx, kind, obj), objs)
    if batch["purged"]:
        yield [tombstone(content_id=i, label_id=NO_LABEL) for i in batch["purged"]]


def parallel(
    ctx: SourceContext, fetch: Callable[[dict[str, Any]], list[Row]], items: list[dict[str, Any]]
) -> Iterator[list[Row]]:
    """Run per-item requests on ``parallelism`` threads, in order, 250 at once."""
    return map_in_chunks(fetch, items, ctx.options.parallelism)


def _with_container(obj: dict[str, Any], kind: ContentKind, content_id: str) -> dict[str, Any]:
    key = "pageId" if kind == "page" else "blogPostId"
    return {**obj, key: obj.get(key) or content_id}


def comments_of(
    inline: bool, params: dict[str, Any]
) -> Callable[[SourceContext, ContentKind, str], Iterator[dict[str, Any]]]:
    """Read every comment of one page or blog post: root comments, then replies, recursively.

    Only used for content the site-wide lists hide (trashed or deleted pages and posts).
    """
    name = "inline-comments" if inline else "footer-comments"

    def read(ctx: SourceContext, kind: ContentKind, content_id: str) -> Iterator[dict[str, Any]]:
        path = ENDPOINT_BY_KIND[kind].child_path(content_id, name)
        parents: list[str] = []
        try:
            for page in api.paginate(ctx.client, path, params):
                for root in page:
                    parents.append(str(root["id"]))
                    yield _with_container(root, kind, content_id)
            while parents:
                parent = parents.pop()
                for page in api.paginate(ctx.client, f"{V2}/{name}/{parent}/children", params):
                    for reply in page:
                        parents.append(str(reply["id"]))
                        reply = {**reply, "parentCommentId": reply.get("parentCommentId") or parent}
                        yield _with_container(reply, kind, content_id)
        except NotFoundError:
            return

    return read


def attachments_of(
    params: dict[str, Any],
) -> Callable[[SourceContext, ContentKind, str], Iterator[dict[str, Any]]]:
    """Read the attachments of one page or blog post (for content hidden from /attachments)."""

    def read(ctx: SourceContext, kind: ContentKind, content_id: str) -> Iterator[dict[str, Any]]:
        path = ENDPOINT_BY_KIND[kind].child_path(content_id, "attachments")
        try:
            for page in api.paginate(ctx.client, path, params):
                for obj in page:
                    yield _with_container(obj, kind, content_id)
        except NotFoundError:
            return

    return read
