"""``atlassian_source``: Jira and Confluence in one pipeline, on one token and one connection.

One OAuth consent covers both products, so both share one connection (one token refresh, one
rate limiter). The resources are exactly those of :func:`jira_source` and
:func:`confluence_source` (their table names do not overlap), so ``.with_resources(...)`` picks
from both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dlt
from dlt.sources import DltResource

from dlt_atlassian.confluence.settings import DEFAULT_LOOKBACK_SECONDS, DEFAULT_PARALLELISM
from dlt_atlassian.confluence.source import confluence_resources
from dlt_atlassian.credentials import AtlassianCredentials


@dlt.source(section="atlassian", name="atlassian", max_table_nesting=0)
def atlassian_source(
    credentials: AtlassianCredentials = dlt.secrets.value,
    include_jira: bool = True,
    include_confluence: bool = True,
    projects: Sequence[str] | None = None,
    spaces: Sequence[str] | None = None,
    start_date: str | None = None,
    reconcile_deletes: str = "24h",
    lookback: float = DEFAULT_LOOKBACK_SECONDS,
    jql: str | None = None,
    fields: Sequence[str] | None = None,
    custom_field_names: str = "id",
    body_format: str = "storage",
    include_plain_text: bool | None = None,
    parallelism: int | None = None,
    max_connections: int = 32,
    jira_options: dict[str, Any] | None = None,
    confluence_options: dict[str, Any] | None = None,
) -> Sequence[DltResource]:
    """Load Jira Cloud and Confluence Cloud together with one set of credentials.

    Args:
        credentials: OAuth, scoped or classic API token credentials
            (``[sources.atlassian.credentials]``).
        include_jira: Add the Jira resources.
        include_confluence: Add the Confluence resources.
        projects: Jira project keys (default: all).
        spaces: Confluence space keys (default: all).
        start_date: Ignore issues and content last changed before this date.
        reconcile_deletes: Deletion pass cadence for both products (``"always"``, ``"never"``,
            ``"<N>h"``); default ``"24h"`` for both here (``jira_source`` alone defaults to
            ``"always"``).
        lookback: Seconds (int or float) re-read before each cursor, for both products;
            default 300.
        jql: Extra JQL filter for Jira issues (no ``ORDER BY``).
        fields: Jira issue fields to load (default all).
        custom_field_names: Jira custom field columns by ``"id"`` or ``"name"``.
        body_format: Confluence bodies: ``storage``, ``atlas_doc_format`` or ``none``.
        include_plain_text: Plain-text companions of rich text, for both products (default:
            each product's own, ``False`` for Jira and ``True`` for Confluence).
        parallelism: Worker threads per product (default: 4 for Jira, 16 for Confluence).
        max_connections: HTTP connection pool size and requests in flight, shared by both
            products (default 32: Confluence alone keeps ~16 in flight at the burst limit,
            and Jira's searches must not queue behind it).
        jira_options: Further ``jira_source`` options (``jql``, ``fields``,
            ``include_plain_text`` (default ``False``), ``parallelism`` (default 4), ...).
        confluence_options: Further ``confluence_source`` options (``body_format``,
            ``include_plain_text`` (default ``True``), ``parallelism`` (default 16), ...).

    Returns:
        The Jira resources followed by the Confluence resources.
    """
    from dlt_atlassian.connection import connect

    connection = connect(credentials, max_connections=max_connections)
    resources: list[DltResource] = []
    # Section-level options ([sources.atlassian] ...) reach both products; the per-product
    # dicts win where they say something else.
    shared = {"include_plain_text": include_plain_text, "parallelism": parallelism}
    shared = {k: v for k, v in shared.items() if v is not None}
    if include_jira:
        jira_extra = {"jql": jql, "fields": fields, "custom_field_names": custom_field_names,
                      **shared, **(jira_options or {})}
        resources += _jira(connection.jira, projects, start_date, reconcile_deletes,
                           lookback, jira_extra)
    if include_confluence:
        options: dict[str, Any] = {
            "spaces": spaces,
            "start_date": start_date,
            "body_format": body_format,
            "include_plain_text": True,
            "lookback": lookback,
            "reconcile_deletes": reconcile_deletes,
            "parallelism": DEFAULT_PARALLELISM,
            **shared,
            **(confluence_options or {}),
        }
        resources += confluence_resources(connection.confluence, **options)
    return resources


def _jira(
    client: Any,
    projects: Sequence[str] | None,
    start_date: str | None,
    reconcile_deletes: str,
    lookback: float,
    extra: dict[str, Any],
) -> list[DltResource]:
    # The Jira source's own building blocks, fed the shared client instead of a new connection.
    from dlt_atlassian.jira.context import JiraRun
    from dlt_atlassian.jira.deletions import Reconciler
    from dlt_atlassian.jira.source import (
        agile_resources,
        build_options,
        issue_resources,
        reference_resources,
    )

    options = build_options(
        projects,
        extra.get("jql"),
        start_date,
        extra.get("fields"),
        extra.get("lookback", lookback),
        extra.get("custom_field_names", "id"),
        extra.get("include_plain_text", False),
        reconcile_deletes,
        extra.get("parallelism", 4),
    )
    run = JiraRun(options, lambda: client)
    run.reconciler = Reconciler(run, dlt.current.source_state)
    return [*issue_resources(run), *reference_resources(run), *agile_resources(run)]
