"""The dlt resources of the Confluence source, built on a :class:`SourceContext`.

``content_changes`` (not loaded itself) scans pages and blog posts and reads their child rows
(:mod:`fetcher`); the ``pages``/``blog_posts``/``page_versions``/``labels`` transformers only
shape what it yields. Comments and attachments come from the site-wide lists (:mod:`bulk`).
Everything that reads over the network is ``parallelized``, so the lists overlap the per-item
reads instead of queueing behind them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.sources import DltResource

from dlt_atlassian.confluence.bulk import BulkList, bulk_rows
from dlt_atlassian.confluence.children import (
    attachments_of,
    comments_of,
    label_tombstone,
    parallel,
    version_tombstone,
)
from dlt_atlassian.confluence.content import ContentBatch, scan_content
from dlt_atlassian.confluence.context import SourceContext, selected_resources
from dlt_atlassian.confluence.downloads import downloader
from dlt_atlassian.confluence.fetcher import ChildFetcher
from dlt_atlassian.confluence.labelindex import LabelIndex
from dlt_atlassian.confluence.rows import (
    Row,
    attachment_print,
    attachment_row,
    comment_print,
    comment_row,
    content_row,
    tombstone,
)
from dlt_atlassian.confluence.scopes import guard_scopes
from dlt_atlassian.confluence.settings import (
    ATTACHMENT_COLUMNS,
    ATTACHMENT_STATUSES,
    ATTACHMENTS_PATH,
    BLOG_POST_COLUMNS,
    FOOTER_COMMENT_COLUMNS,
    FOOTER_COMMENTS_PATH,
    INLINE_COMMENT_COLUMNS,
    INLINE_COMMENTS_PATH,
    LABEL_COLUMNS,
    PAGE_COLUMNS,
    VERSION_COLUMNS,
    ContentKind,
)

# Resources fed by the content scan: its watermark is kept per selection of these, so loading
# only some of them never makes a later run of the others skip changes.
CONTENT_DERIVED = ("pages", "blog_posts", "page_versions", "labels")


def content_resources(ctx: SourceContext) -> list[DltResource]:
    """``content_changes`` and the four tables derived from it."""
    label_index = LabelIndex(ctx)

    # parallelized: the scan and its per-item reads run beside the comment and attachment
    # lists; the resource name is passed to resource_state as dlt cannot infer it in a thread.
    @dlt.resource(name="content_changes", selected=False, parallelized=True)
    def content_changes() -> Iterator[ContentBatch]:
        label_index.reset()  # labels listed in an earlier run of this source are stale
        chosen = selected_resources() & set(CONTENT_DERIVED)
        derived = sorted(chosen) or list(CONTENT_DERIVED)
        state = dlt.current.resource_state("content_changes").setdefault(
            ctx.state_key(*derived), {})
        fetcher = ChildFetcher(ctx, label_index, versions="page_versions" in derived,
                               labels="labels" in derived)
        with guard_scopes("pages"):
            yield from fetcher.run(scan_content(ctx, state))

    def content_table(name: str, kind: ContentKind, columns: TTableSchemaColumns) -> DltResource:
        @dlt.transformer(data_from=content_changes, name=name, primary_key="id",
                         write_disposition="merge", columns=columns)
        def table(batch: ContentBatch) -> Iterator[list[Row]]:
            if batch["kind"] != kind:
                return
            plain = ctx.options.include_plain_text
            if batch["items"]:
                yield [content_row(o, kind, plain_text=plain) for o in batch["items"]]
            if batch["purged"]:
                yield [tombstone(id=content_id) for content_id in batch["purged"]]

        return table

    @dlt.transformer(data_from=content_changes, name="page_versions",
                     primary_key=("content_id", "number"), merge_key="content_id",
                     write_disposition="merge", columns=VERSION_COLUMNS)
    def page_versions(batch: ContentBatch) -> Iterator[list[Row]]:
        # Rows of changed items replace all their earlier rows (merge_key, delete-insert).
        if batch["versions"]:
            yield batch["versions"]
        if batch["purged"]:
            yield [version_tombstone(content_id) for content_id in batch["purged"]]

    @dlt.transformer(data_from=content_changes, name="labels",
                     primary_key=("content_id", "label_id"), merge_key="content_id",
                     write_disposition="merge", columns=LABEL_COLUMNS)
    def labels(batch: ContentBatch) -> Iterator[list[Row]]:
        if batch["labels"]:
            yield batch["labels"]
        if batch["purged"]:
            yield [label_tombstone(content_id) for content_id in batch["purged"]]

    return [
        content_changes,
        content_table("pages", "page", PAGE_COLUMNS),
        content_table("blog_posts", "blogpost", BLOG_POST_COLUMNS),
        page_versions,
        labels,
    ]


def comments_resource(
    ctx: SourceContext, name: str, columns: TTableSchemaColumns, path: str, inline: bool
) -> DltResource:
    """``footer_comments`` or ``inline_comments`` from the site-wide list."""
    params: dict[str, Any] = {}
    if ctx.options.body_format != "none":
        params["body-format"] = ctx.options.body_format
    plain = ctx.options.include_plain_text
    spec = BulkList(
        path, params, lambda o: comment_row(o, inline=inline, plain_text=plain), comment_print,
        comments_of(inline, params),
    )

    @dlt.resource(name=name, primary_key="id", write_disposition="merge", columns=columns,
                  parallelized=True)
    def comments() -> Iterator[list[Row]]:
        state = dlt.current.resource_state(name).setdefault(ctx.state_key(), {})
        with guard_scopes(name):
            yield from bulk_rows(ctx, spec, state)

    return comments


def footer_comments(ctx: SourceContext) -> DltResource:
    """The ``footer_comments`` resource."""
    return comments_resource(
        ctx, "footer_comments", FOOTER_COMMENT_COLUMNS, FOOTER_COMMENTS_PATH, False)


def inline_comments(ctx: SourceContext) -> DltResource:
    """The ``inline_comments`` resource."""
    return comments_resource(
        ctx, "inline_comments", INLINE_COMMENT_COLUMNS, INLINE_COMMENTS_PATH, True)


def attachments_resource(ctx: SourceContext) -> DltResource:
    """The ``attachments`` resource (and the file downloads, when asked for)."""
    params = {"status": ",".join(ATTACHMENT_STATUSES)}
    spec = BulkList(
        ATTACHMENTS_PATH, params, attachment_row, attachment_print, attachments_of(params),
        reread_hidden=True,
    )

    directory = ctx.options.attachments_dir
    hook = downloader(ctx.client, directory) if directory else None

    @dlt.resource(name="attachments", primary_key="id", write_disposition="merge",
                  columns=ATTACHMENT_COLUMNS, parallelized=True)
    def attachments() -> Iterator[list[Row]]:
        # Turning downloads on starts a fresh read, so files of known attachments are fetched.
        key = ctx.state_key("download", directory) if directory else ctx.state_key()
        state = dlt.current.resource_state("attachments").setdefault(key, {})
        with guard_scopes("attachments"):
            for rows in bulk_rows(ctx, spec, state):
                if hook is not None:
                    rows = [r for done in parallel(ctx, lambda r: [hook(r)], rows) for r in done]
                yield rows

    return attachments
