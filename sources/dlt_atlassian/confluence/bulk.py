"""Comments and attachments from the site-wide v2 lists, newest first.

Cheapest correct way: ``/footer-comments``, ``/inline-comments`` and ``/attachments`` list every
item of the site (replies included, each row naming its page or blog post) and sort by
``-modified-date``. Reading newest-first until the watermark costs one request per run when
little changed, whatever the number of pages. The per-page lists would cost two requests per
changed page *plus* one per comment thread (``/pages/{id}/footer-comments`` returns root
comments only) and would still miss comments added to pages whose version did not change
(adding a comment does not create a page version).

What a sorted list cannot show (deleted comments, resolved inline comments, trashed
attachments: none of them changes ``modified-date``) is found by the full pass, when due: it
lists everything once, compares a fingerprint per id, and tombstones ids no longer listed. The
site-wide lists hide items whose page is in the trash; those are kept while their page exists
(in any status), and the items of a trashed page never seen before are read from the page's own
lists.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from dlt_atlassian.confluence import api
from dlt_atlassian.confluence.context import SourceContext, utcnow
from dlt_atlassian.confluence.deletions import reconcile_due
from dlt_atlassian.confluence.idset import decode_id_map, decode_ids, encode_id_map, encode_ids
from dlt_atlassian.confluence.parallel import map_in_chunks
from dlt_atlassian.confluence.rows import Row, parse_ts, tombstone
from dlt_atlassian.confluence.settings import CONTENT_KINDS, ContentKind

Obj = dict[str, Any]
VISIBLE = ("current", "archived")  # container statuses whose items the site-wide lists show


@dataclass(frozen=True)
class BulkList:
    """A site-wide list endpoint and how its objects become rows."""

    path: str
    params: dict[str, Any]
    to_row: Callable[[Obj], Row]
    to_print: Callable[[Obj], int]
    # Items of one (hidden) container, read from its own lists: (ctx, kind, content id).
    of_container: Callable[[SourceContext, ContentKind, str], Iterator[Obj]]
    reread_hidden: bool = False


def container_of(obj: Obj) -> tuple[ContentKind, str] | None:
    """The page or blog post an item belongs to."""
    if obj.get("pageId") is not None:
        return "page", str(obj["pageId"])
    if obj.get("blogPostId") is not None:
        return "blogpost", str(obj["blogPostId"])
    return None


def _container_status(ctx: SourceContext, container: tuple[ContentKind, str] | None) -> str | None:
    if container is None:
        return None
    found = ctx.scope_index(container[0]).get(container[1])
    return found[0] if found else None


def _in_scope(ctx: SourceContext, obj: Obj) -> bool:
    if ctx.options.space_ids is None:
        return True
    return _container_status(ctx, container_of(obj)) is not None


def _container_key(obj: Obj) -> int:
    container = container_of(obj)
    return int(container[1]) if container and container[1].isdigit() else 0


class _BulkState:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.cursor = parse_ts(raw.get("cursor"))
        self.prints = decode_id_map(raw.get("prints"))
        self.containers = decode_id_map(raw.get("containers"))
        # Hidden containers read once and found empty (not re-read on every pass).
        self.checked = {int(i) for i in decode_ids(raw.get("checked"))}

    def remember(self, obj: Obj, spec: BulkList) -> None:
        self.prints[str(obj["id"])] = spec.to_print(obj)
        self.containers[str(obj["id"])] = _container_key(obj)

    def forget(self, object_id: str) -> None:
        self.prints.pop(object_id, None)
        self.containers.pop(object_id, None)

    def save(self) -> None:
        if self.cursor is not None:
            self.raw["cursor"] = self.cursor.isoformat()
        self.raw["prints"] = encode_id_map(self.prints)
        self.raw["containers"] = encode_id_map(self.containers)
        self.raw["checked"] = encode_ids(str(i) for i in self.checked)


def bulk_rows(ctx: SourceContext, spec: BulkList, state: dict[str, Any]) -> Iterator[list[Row]]:
    """Yield changed rows since the watermark, then (when due) the full pass.

    Args:
        ctx: The source context.
        spec: Which list to read.
        state: This table's part of the resource state; updated in place.
    """
    options = ctx.options
    st = _BulkState(state)
    first_run = st.cursor is None and not st.prints
    since = options.start_date
    if st.cursor is not None:
        since = st.cursor - options.lookback
        if options.start_date is not None:
            since = max(since, options.start_date)
    seen: set[str] = set()  # listed in this run, current fingerprint remembered
    for page in api.newest_first(ctx.client, spec.path, spec.params, since):
        rows = []
        for obj in page:
            object_id = str(obj["id"])
            if object_id in seen or not ctx.in_time_scope(obj) or not _in_scope(ctx, obj):
                continue
            seen.add(object_id)
            modified = api.modified_at(obj)
            if modified is not None and (st.cursor is None or modified > st.cursor):
                st.cursor = modified
            if st.prints.get(object_id) != spec.to_print(obj):  # re-reads of unchanged: free
                st.remember(obj, spec)
                rows.append(spec.to_row(obj))
        if rows:
            yield rows

    now = utcnow()
    if first_run:
        # A first load lists everything anyway: a full pass would only repeat it. Items of
        # trashed pages are not in the site-wide lists, so read those.
        yield from _hidden_items(ctx, spec, st, seen, set())
        state["reconciled_at"] = now.isoformat()
    elif reconcile_due(options.reconcile_every, parse_ts(state.get("reconciled_at")), now):
        yield from _full_pass(ctx, spec, st, seen)
        state["reconciled_at"] = now.isoformat()
    st.save()


def _full_pass(ctx: SourceContext, spec: BulkList, st: _BulkState, seen: set[str]
               ) -> Iterator[list[Row]]:
    listed: set[str] = set()
    for page in api.paginate(ctx.client, spec.path, spec.params):
        rows = []
        for obj in page:
            object_id = str(obj["id"])
            if not _in_scope(ctx, obj) or not ctx.in_time_scope(obj):
                continue
            listed.add(object_id)
            if object_id not in seen and st.prints.get(object_id) != spec.to_print(obj):
                st.remember(obj, spec)
                rows.append(spec.to_row(obj))
        if rows:
            yield rows
    hidden_ids = yield from _hidden_items(ctx, spec, st, seen, listed)
    gone = []
    for object_id in set(st.prints) - listed - seen:
        if st.containers.get(object_id) in hidden_ids and not spec.reread_hidden:
            continue
        st.forget(object_id)
        gone.append(object_id)
    if gone:
        yield [tombstone(id=object_id) for object_id in sorted(gone)]


def _hidden_items(ctx: SourceContext, spec: BulkList, st: _BulkState, seen: set[str],
                  listed: set[str]) -> Generator[list[Row], None, set[int]]:
    """Read the items of hidden containers (see the module doc); returns their ids."""
    # Items of hidden (trashed, deleted) containers are not listed site-wide. With
    # ``reread_hidden`` (attachments: one request per hidden container) their own lists are
    # read on every pass; otherwise (comments: a request per thread) the rows we have are kept
    # while the container exists and only containers never read before are read.
    hidden = {
        (kind, content_id)
        for kind in CONTENT_KINDS
        for content_id, status in ctx.non_current(kind).items()
        if status not in VISIBLE
    }
    hidden_ids = {int(c) for _, c in hidden if c.isdigit()}
    covered = set() if spec.reread_hidden else (
        set(st.containers.values()) | (st.checked & hidden_ids))
    st.checked = set()
    todo = [(kind, content_id) for kind, content_id in sorted(hidden)
            if content_id.isdigit() and int(content_id) not in covered]

    def read(container: tuple[ContentKind, str]) -> list[Obj]:
        return list(spec.of_container(ctx, *container))

    # One container's items (and reply threads) are read in order; containers in parallel.
    for (_, content_id), objs in zip(
        todo, map_in_chunks(read, todo, ctx.options.parallelism), strict=True
    ):
        st.checked.add(int(content_id))
        rows = []
        for obj in objs:
            object_id = str(obj["id"])
            if object_id in seen or not ctx.in_time_scope(obj):
                continue
            listed.add(object_id)
            if st.prints.get(object_id) != spec.to_print(obj):
                st.remember(obj, spec)
                rows.append(spec.to_row(obj))
        if rows:
            yield rows
    return hidden_ids
