"""``confluence_source``: spaces, pages, blog posts and their children; incremental, delete-aware.

Tables (see the README, Confluence tables): ``spaces``, ``pages``, ``blog_posts``,
``page_versions``, ``labels``, ``footer_comments``, ``inline_comments``, ``attachments``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import dlt
from dlt.sources import DltResource

from dlt_atlassian.confluence import api
from dlt_atlassian.confluence.context import Options, SourceContext
from dlt_atlassian.confluence.deletions import parse_cadence
from dlt_atlassian.confluence.idset import decode_ids, encode_ids
from dlt_atlassian.confluence.rows import Row, parse_ts, space_row, tombstone
from dlt_atlassian.confluence.scopes import guard_scopes
from dlt_atlassian.confluence.settings import (
    DEFAULT_LOOKBACK_SECONDS,
    DEFAULT_PARALLELISM,
    SPACE_COLUMNS,
    SPACES_PATH,
    BodyFormat,
)
from dlt_atlassian.confluence.tables import (
    CONTENT_DERIVED,
    attachments_resource,
    content_resources,
    footer_comments,
    inline_comments,
)
from dlt_atlassian.credentials import AtlassianCredentials
from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.http import AtlassianClient

__all__ = ["CONTENT_DERIVED", "build_options", "confluence_resources", "confluence_source"]


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
        parallelism: Threads per endpoint for the per-item requests (versions, labels,
            comments and attachments of trashed content) and attachment downloads (default
            16); each endpoint's requests in flight adapt to Atlassian's rate-limit signals.
        parallel_spaces: No longer used (pages are listed in one site-wide chain, the fewest
            requests); kept so existing configurations still load.
        download_attachments: Also download attachment files (current and archived ones).
        attachments_dir: Folder for downloaded files (``download_path`` column).

    Returns:
        The resources; select some with ``.with_resources(...)``.
    """
    from dlt_atlassian.connection import connect

    # Two per-item endpoints (page and blog post versions) are read at once.
    connection = connect(credentials, max_connections=max(2 * parallelism, 4))
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
        *content_resources(ctx),
        footer_comments(ctx),
        inline_comments(ctx),
        attachments_resource(ctx),
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
