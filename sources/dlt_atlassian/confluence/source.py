"""``confluence_source``: spaces, pages, blog posts and their children; incremental, delete-aware.

Tables (see the README, Confluence tables): ``spaces``, ``pages``, ``blog_posts``,
``page_versions``, ``labels``, ``footer_comments``, ``inline_comments``, ``attachments``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import dlt
from dlt.common.schema.typing import TTableSchemaColumns
from dlt.sources import DltResource

from dlt_atlassian.confluence import api
from dlt_atlassian.confluence.bulk import BulkList, bulk_rows
from dlt_atlassian.confluence.children import (
    attachments_of,
    comments_of,
    label_rows,
    parallel,
    version_rows,
)
from dlt_atlassian.confluence.content import ContentBatch, scan_content
from dlt_atlassian.confluence.context import Options, SourceContext, selected_resources
from dlt_atlassian.confluence.deletions import parse_cadence
from dlt_atlassian.confluence.downloads import downloader
from dlt_atlassian.confluence.idset import decode_ids, encode_ids
from dlt_atlassian.confluence.labelindex import LabelIndex
from dlt_atlassian.confluence.rows import (
    Row,
    attachment_print,
    attachment_row,
    comment_print,
    comment_row,
    content_row,
    parse_ts,
    space_row,
    tombstone,
)
from dlt_atlassian.confluence.scopes import guard_scopes
from dlt_atlassian.confluence.settings import (
    ATTACHMENT_COLUMNS,
    ATTACHMENT_STATUSES,
    ATTACHMENTS_PATH,
    BLOG_POST_COLUMNS,
    DEFAULT_LOOKBACK_SECONDS,
    DEFAULT_PARALLELISM,
    FOOTER_COMMENT_COLUMNS,
    FOOTER_COMMENTS_PATH,
    INLINE_COMMENT_COLUMNS,
    INLINE_COMMENTS_PATH,
    LABEL_COLUMNS,
    PAGE_COLUMNS,
    SPACE_COLUMNS,
    SPACES_PATH,
    VERSION_COLUMNS,
    BodyFormat,
    ContentKind,
)
from dlt_atlassian.credentials import AtlassianCredentials
from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.http import AtlassianClient

# Resources fed by the content scan: its watermark is kept per selection of these, so loading
# only some of them never makes a later run of the others skip changes.
CONTENT_DERIVED = ("pages", "blog_posts", "page_versions", "labels")


@dlt.source(section="atlassian", name="confluence", max_table_nesting=0)
def confluence_source(
    credentials: AtlassianCredentials = dlt.secrets.value,
    spaces: Sequence[str] | None = None,
    start_date: str | datetime | date | None = None,
    body_format: str = "storage",
    include_plain_text: bool = True,
    lookback: float = DEFAULT_LOOKBACK_SECONDS,
    reconcile_deletes: str = "24h",
    parallelism: int = DEFAULT_PARALLELISM,
    parallel_spaces: int = 4,
    download_attachments: bool = False,
    attachments_dir: str = "confluence_attachments",
) -> Sequence[DltResource]:
    """Load Confluence Cloud spaces, pages, blog posts, versions, comments, labels, attachments.

    Args:
        credentials: OAuth, scoped or classic API token credentials
            (``[sources.atlassian.credentials]``).
        spaces: Space keys to load (default: every space the account can see).
        start_date: Ignore pages, posts, comments and attachments last modified before this.
        body_format: ``storage`` (XHTML), ``atlas_doc_format`` (ADF, stored as JSON) or ``none``.
        include_plain_text: Also store the body as readable plain text in ``body_text``
            (default ``True`` for Confluence; ``jira_source`` defaults to ``False``).
        lookback: Seconds (int or float) re-read before the last watermark (late-indexed
            edits); default 300.
        reconcile_deletes: Deletion pass cadence: ``"always"``, ``"never"`` or ``"<N>h"``
            (default ``"24h"`` for Confluence; ``jira_source`` defaults to ``"always"``).
        parallelism: Threads for the per-page requests (versions, labels, comments and
            attachments of trashed content) and attachment downloads (default 16).
        parallel_spaces: Spaces read at once on a first load (later runs read one list).
        download_attachments: Also download attachment files (current and archived ones).
        attachments_dir: Folder for downloaded files (``download_path`` column).

    Returns:
        The resources; select some with ``.with_resources(...)``.
    """
    from dlt_atlassian.connection import connect

    connection = connect(credentials, max_connections=max(parallelism, parallel_spaces, 4))
    return confluence_resources(
        connection.confluence,
        spaces=spaces,
        start_date=start_date,
        body_format=body_format,
        include_plain_text=include_plain_text,
        lookback=lookback,
        reconcile_deletes=reconcile_deletes,
        parallelism=parallelism,
        parallel_spaces=parallel_spaces,
        attachments_dir=attachments_dir if download_attachments else None,
    )


def build_options(
    client: AtlassianClient,
    *,
    spaces: Sequence[str] | None,
    start_date: str | datetime | date | None,
    body_format: str,
    include_plain_text: bool,
    lookback: float,
    reconcile_deletes: str,
    parallelism: int,
    parallel_spaces: int = 4,
    attachments_dir: str | None = None,
) -> Options:
    """Validate the options; space keys are resolved to ids (an unknown key fails here)."""
    if body_format not in ("storage", "atlas_doc_format", "none"):
        raise ConfigurationError(
            f"Invalid body_format {body_format!r}",
            hint='Use "storage", "atlas_doc_format" or "none".',
        )
    if lookback is None or float(lookback) < 0:
        raise ConfigurationError(f"lookback must be >= 0 seconds, not {lookback!r}")
    if isinstance(spaces, str):
        spaces = [s.strip() for s in spaces.split(",") if s.strip()]
    keys = tuple(dict.fromkeys(spaces)) if spaces else None
    ids = tuple(str(s["id"]) for s in api.resolve_spaces(client, keys)) if keys else None
    fmt: BodyFormat = body_format  # type: ignore[assignment]
    return Options(
        space_keys=keys,
        space_ids=ids,
        start_date=_start(start_date),
        body_format=fmt,
        include_plain_text=bool(include_plain_text),
        lookback=timedelta(seconds=float(lookback)),
        reconcile_every=parse_cadence(reconcile_deletes),
        parallelism=max(int(parallelism), 1),
        parallel_spaces=max(int(parallel_spaces), 1),
        attachments_dir=attachments_dir or None,
    )


def _start(value: str | datetime | date | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return parse_ts(value.isoformat())
    if isinstance(value, date):
        return parse_ts(f"{value.isoformat()}T00:00:00Z")
    try:
        text = value if "T" in value else f"{value}T00:00:00Z"
        return parse_ts(text)
    except ValueError:
        raise ConfigurationError(
            f"Invalid start_date {value!r}", hint="Use an ISO date such as 2024-01-31."
        ) from None


def confluence_resources(client: AtlassianClient, **kwargs: Any) -> list[DltResource]:
    """Build the Confluence resources on an open client (used by the combined source too)."""
    ctx = SourceContext(client, build_options(client, **kwargs))
    return [
        _spaces(ctx),
        *_content_resources(ctx),
        _bulk(ctx, "footer_comments", FOOTER_COMMENT_COLUMNS, FOOTER_COMMENTS_PATH, False),
        _bulk(ctx, "inline_comments", INLINE_COMMENT_COLUMNS, INLINE_COMMENTS_PATH, True),
        _attachments(ctx),
    ]


def _spaces(ctx: SourceContext) -> DltResource:
    @dlt.resource(name="spaces", primary_key="id", write_disposition="merge",
                  columns=SPACE_COLUMNS)
    def spaces() -> Iterator[list[Row]]:
        # Spaces are few: list all of them (both statuses, every type) each run; the ids seen
        # before but not now were deleted.
        state = dlt.current.resource_state().setdefault(ctx.state_key(), {})
        known = decode_ids(state.get("known"))
        listed: set[str] = set()
        params: dict[str, Any] = {"description-format": "plain"}
        if ctx.options.space_ids:
            params["ids"] = ",".join(ctx.options.space_ids)
        with guard_scopes("spaces"):
            for status in ("current", "archived"):
                for page in api.paginate(ctx.client, SPACES_PATH, {**params, "status": status}):
                    fresh = [space_row(s) for s in page if str(s["id"]) not in listed]
                    listed.update(row["id"] for row in fresh)
                    yield fresh
        gone = sorted(known - listed)
        if gone:
            yield [tombstone(id=space_id) for space_id in gone]
        state["known"] = encode_ids(listed)

    return spaces


def _content_resources(ctx: SourceContext) -> list[DltResource]:
    label_index = LabelIndex(ctx)

    @dlt.resource(name="content_changes", selected=False)
    def content_changes() -> Iterator[ContentBatch]:
        label_index.reset()  # labels listed in an earlier run of this source are stale
        derived = sorted(selected_resources() & set(CONTENT_DERIVED)) or list(CONTENT_DERIVED)
        state = dlt.current.resource_state().setdefault(ctx.state_key(*derived), {})
        with guard_scopes("pages"):
            yield from scan_content(ctx, state)

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
                     write_disposition="merge", columns=VERSION_COLUMNS, parallelized=True)
    def page_versions(batch: ContentBatch) -> Iterator[list[Row]]:
        with guard_scopes("page_versions"):
            yield from version_rows(ctx, batch)

    @dlt.transformer(data_from=content_changes, name="labels",
                     primary_key=("content_id", "label_id"), merge_key="content_id",
                     write_disposition="merge", columns=LABEL_COLUMNS, parallelized=True)
    def labels(batch: ContentBatch) -> Iterator[list[Row]]:
        with guard_scopes("labels"):
            yield from label_rows(ctx, batch, label_index)

    return [
        content_changes,
        content_table("pages", "page", PAGE_COLUMNS),
        content_table("blog_posts", "blogpost", BLOG_POST_COLUMNS),
        page_versions,
        labels,
    ]


def _bulk(
    ctx: SourceContext, name: str, columns: TTableSchemaColumns, path: str, inline: bool
) -> DltResource:
    params: dict[str, Any] = {}
    if ctx.options.body_format != "none":
        params["body-format"] = ctx.options.body_format
    plain = ctx.options.include_plain_text
    spec = BulkList(
        path, params, lambda o: comment_row(o, inline=inline, plain_text=plain), comment_print,
        comments_of(inline, params),
    )

    # parallelized: the site-wide lists (and the reads of hidden pages) overlap the content
    # scan; the resource name is passed to resource_state as dlt cannot infer it in a thread.
    @dlt.resource(name=name, primary_key="id", write_disposition="merge", columns=columns,
                  parallelized=True)
    def comments() -> Iterator[list[Row]]:
        state = dlt.current.resource_state(name).setdefault(ctx.state_key(), {})
        with guard_scopes(name):
            yield from bulk_rows(ctx, spec, state)

    return comments


def _attachments(ctx: SourceContext) -> DltResource:
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
