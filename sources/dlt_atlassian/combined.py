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

from dlt_atlassian.confluence.settings import DEFAULT_LOOKBACK_SECONDS
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
    lookback_seconds: int = DEFAULT_LOOKBACK_SECONDS,
    max_connections: int = 16,
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
            ``"<N>h"``).
        lookback_seconds: Re-read window before each watermark.
        max_connections: HTTP connection pool size (shared by both products).
        jira_options: Further ``jira_source`` options (``jql``, ``fields``, ...).
        confluence_options: Further ``confluence_source`` options (``body_format``, ...).

    Returns:
        The Jira resources followed by the Confluence resources.
    """
    from dlt_atlassian.connection import connect

    connection = connect(credentials, max_connections=max_connections)
    resources: list[DltResource] = []
    if include_jira:
        resources += _jira(connection.jira, projects, start_date, reconcile_deletes,
                           lookback_seconds, jira_options or {})
    if include_confluence:
        options: dict[str, Any] = {
            "spaces": spaces,
            "start_date": start_date,
            "body_format": "storage",
            "plain_text": True,
            "lookback_seconds": lookback_seconds,
            "reconcile_deletes": reconcile_deletes,
            "max_workers": 8,
            **(confluence_options or {}),
        }
        resources += confluence_resources(connection.confluence, **options)
    return resources


def _jira(
    client: Any,
    projects: Sequence[str] | None,
    start_date: str | None,
    reconcile_deletes: str,
    lookback_seconds: int,
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
        extra.get("lookback", lookback_seconds),
        extra.get("custom_field_names", "id"),
        extra.get("include_plain_text", False),
        reconcile_deletes,
        extra.get("parallelism", 4),
    )
    run = JiraRun(options, lambda: client)
    run.reconciler = Reconciler(run, dlt.current.source_state)
    return [*issue_resources(run), *reference_resources(run), *agile_resources(run)]
