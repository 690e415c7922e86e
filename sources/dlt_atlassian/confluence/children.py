"""Per-content child rows: versions and labels of each changed page or blog post.

Cheapest correct way, per child (checked against the v2 spec):

* versions: only ``/pages/{id}/versions`` and ``/blogposts/{id}/versions`` exist (no bulk list),
  so one request per changed item, run in parallel (:mod:`fetcher`), paced per endpoint
  (:mod:`pacing`). A new item at version 1 needs none: its only version is the ``version``
  object already in the list response.
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
from dlt_atlassian.confluence.context import SourceContext
from dlt_atlassian.confluence.parallel import map_in_chunks
from dlt_atlassian.confluence.rows import Row, label_row, tombstone, version_row
from dlt_atlassian.confluence.settings import ENDPOINT_BY_KIND, V2, ContentKind
from dlt_atlassian.errors import NotFoundError

# Placeholder key values of tombstones (the real keys are never empty / never 0).
NO_LABEL = ""
NO_VERSION = 0


def paced(
    ctx: SourceContext, endpoint: str, path: str, params: dict[str, Any]
) -> Iterator[list[dict[str, Any]]]:
    """Pages of a per-item list, paced by the gate of ``endpoint`` (see :mod:`pacing`)."""
    return api.paginate(ctx.client, path, params, ctx.gates.get(endpoint))


def versions_of(ctx: SourceContext, kind: ContentKind, obj: dict[str, Any]) -> list[Row]:
    """``page_versions`` rows of one item (a tombstone row when it has none any more)."""
    content_id = str(obj["id"])
    current = obj.get("version") or {}
    if current.get("number") == 1:
        return [version_row(content_id, kind, current)]
    path = ENDPOINT_BY_KIND[kind].child_path(content_id, "versions")
    rows: list[Row] = []
    try:
        for page in paced(ctx, f"{kind}/versions", path, {"sort": "-modified-date"}):
            rows.extend(version_row(content_id, kind, v) for v in page)
    except NotFoundError:
        pass  # purged between the scan and now: the next deletion pass removes it
    return rows or [version_tombstone(content_id)]


def labels_of(ctx: SourceContext, kind: ContentKind, obj: dict[str, Any]) -> list[Row]:
    """``labels`` rows of one item, read from its own list (a tombstone row when none)."""
    content_id = str(obj["id"])
    path = ENDPOINT_BY_KIND[kind].child_path(content_id, "labels")
    rows: list[Row] = []
    try:
        for page in paced(ctx, f"{kind}/labels", path, {}):
            rows.extend(label_row(content_id, kind, label) for label in page)
    except NotFoundError:
        pass
    return rows or [label_tombstone(content_id)]


def children_of(
    ctx: SourceContext, kind: ContentKind, obj: dict[str, Any], *, versions: bool, labels: bool
) -> tuple[list[Row], list[Row]]:
    """``(versions, labels)`` rows of one item, in as few requests as the API allows.

    When an item needs both, one ``GET /pages/{id}?include-versions&include-labels`` brings
    both (50 of each at most, per the spec; a list with more is then read in full).
    """
    current = obj.get("version") or {}
    if not (versions and labels and current.get("number") != 1):
        return (versions_of(ctx, kind, obj) if versions else [],
                labels_of(ctx, kind, obj) if labels else [])
    content_id = str(obj["id"])
    endpoint = ENDPOINT_BY_KIND[kind]
    params = {"status": ",".join(endpoint.statuses), "include-versions": "true",
              "include-labels": "true"}
    path = f"{endpoint.list_path}/{content_id}"
    try:
        body = ctx.client.get_json(path, params, gate=ctx.gates.get(f"{kind}/single"))
    except NotFoundError:  # purged since the scan: the next deletion pass removes it
        return [version_tombstone(content_id)], [label_tombstone(content_id)]
    found_versions = _included(body, "versions")
    found_labels = _included(body, "labels")
    version_rows = (versions_of(ctx, kind, obj) if found_versions is None else
                    [version_row(content_id, kind, v) for v in found_versions]
                    or [version_tombstone(content_id)])
    label_rows = (labels_of(ctx, kind, obj) if found_labels is None else
                  [label_row(content_id, kind, lb) for lb in found_labels]
                  or [label_tombstone(content_id)])
    return version_rows, label_rows


def _included(body: Any, name: str) -> list[dict[str, Any]] | None:
    """An ``include-*`` list of a single object, or ``None`` when incomplete or missing."""
    field = body.get(name) if isinstance(body, dict) else None
    if not isinstance(field, dict) or not isinstance(field.get("results"), list):
        return None
    if (field.get("meta") or {}).get("hasMore"):
        return None
    return list(field["results"])


def version_tombstone(content_id: str) -> Row:
    """A row that only deletes the ``page_versions`` rows of ``content_id``."""
    return tombstone(content_id=content_id, number=NO_VERSION)


def label_tombstone(content_id: str) -> Row:
    """A row that only deletes the ``labels`` rows of ``content_id``."""
    return tombstone(content_id=content_id, label_id=NO_LABEL)


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
            for page in paced(ctx, f"{kind}/{name}", path, params):
                for root in page:
                    parents.append(str(root["id"]))
                    yield _with_container(root, kind, content_id)
            while parents:
                parent = parents.pop()
                children = f"{V2}/{name}/{parent}/children"
                for page in paced(ctx, f"{name}/children", children, params):
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
            for page in paced(ctx, f"{kind}/attachments", path, params):
                for obj in page:
                    yield _with_container(obj, kind, content_id)
        except NotFoundError:
            return

    return read
