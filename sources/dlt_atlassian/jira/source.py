"""``jira_source``: Jira Cloud issues, their history, comments and worklogs, and reference data.

Configuration lives in ``[sources.atlassian]`` (options may also go in
``[sources.atlassian.jira]``), credentials in ``[sources.atlassian.credentials]``.
"""

# No `from __future__ import annotations`: dlt reads these hints at runtime to build the spec.
from collections.abc import Iterator, Sequence
from typing import Any, Final, List  # noqa: UP035 - dlt resolves these at runtime

import dlt
from dlt.extract.resource import DltResource

from dlt_atlassian.credentials import AtlassianCredentials
from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.http.client import AtlassianClient
from dlt_atlassian.jira import columns as cols
from dlt_atlassian.jira import jql as jqlb
from dlt_atlassian.jira.agile_tables import agile_resources as agile_resources
from dlt_atlassian.jira.changelog import changelogs_for
from dlt_atlassian.jira.comments import comments_for
from dlt_atlassian.jira.context import JiraOptions, JiraRun
from dlt_atlassian.jira.deletions import Reconciler, parse_cadence
from dlt_atlassian.jira.issues import IssueBatch, issue_feed
from dlt_atlassian.jira.metadata import (
    field_rows,
    project_children,
    project_pages,
    reference_pages,
)
from dlt_atlassian.jira.settings import (
    DEFAULT_LOOKBACK_SECONDS,
    DEFAULT_PARALLELISM,
    ISSUE_BATCH_SIZE,
    METADATA_ENDPOINTS,
    Endpoint,
)
from dlt_atlassian.jira.timestamps import parse_start_date
from dlt_atlassian.jira.worklogs import worklogs

# Merge is delete-insert: a merge key replaces all rows of an issue (or sprint) at once;
# issue_changelogs (immutable histories) merges on its primary key alone.
MERGE: Final = "merge"


def build_options(
    projects: Sequence[str] | None,
    jql: str | None,
    start_date: Any,
    fields: Sequence[str] | None,
    lookback: float,
    custom_field_names: str,
    include_plain_text: bool,
    reconcile_deletes: str,
    parallelism: int,
    issue_batch_size: int = ISSUE_BATCH_SIZE,
) -> JiraOptions:
    """Validate the options (raises :class:`ConfigurationError` naming the bad one)."""
    if isinstance(projects, str):
        projects = [p for p in projects.replace(",", " ").split() if p]
    if isinstance(fields, str):
        fields = [f.strip() for f in fields.split(",") if f.strip()]
    if lookback is None or float(lookback) < 0:
        raise ConfigurationError(f"lookback must be >= 0 seconds, not {lookback!r}")
    if custom_field_names not in ("id", "name"):
        raise ConfigurationError(
            f"custom_field_names must be 'id' or 'name', not {custom_field_names!r}"
        )
    parse_cadence(reconcile_deletes)
    try:
        start = parse_start_date(start_date)
    except ValueError as exc:
        raise ConfigurationError(
            f"start_date is not a date: {start_date!r}",
            hint="Use an ISO date such as 2024-01-31 or 2024-01-31T12:00:00Z.",
        ) from exc
    return JiraOptions(
        projects=tuple(str(p).strip() for p in projects) if projects else None,
        jql=jqlb.check_user_jql(jql),
        start_date=start,
        fields=tuple(fields) if fields else ("*all",),
        lookback_ms=int(float(lookback) * 1000),
        custom_field_names=custom_field_names,  # type: ignore[arg-type]
        include_plain_text=bool(include_plain_text),
        reconcile_deletes=str(reconcile_deletes),
        parallelism=max(1, int(parallelism)),
        issue_batch_size=max(1, min(int(issue_batch_size), ISSUE_BATCH_SIZE)),
    )


def _opener(credentials: Any, max_connections: int) -> Any:
    def open_client() -> AtlassianClient:
        from dlt_atlassian.connection import connect

        return connect(credentials, max_connections=max_connections).jira

    return open_client


@dlt.source(section="atlassian", name="jira", max_table_nesting=0)
def jira_source(
    credentials: AtlassianCredentials = dlt.secrets.value,
    projects: List[str] | None = None,  # noqa: UP006
    jql: str | None = None,
    start_date: str | None = None,
    fields: List[str] | None = None,  # noqa: UP006
    lookback: float = DEFAULT_LOOKBACK_SECONDS,
    custom_field_names: str = "id",
    include_plain_text: bool = False,
    reconcile_deletes: str = "always",
    parallelism: int = DEFAULT_PARALLELISM,
    max_connections: int = 16,
) -> Sequence[DltResource]:
    """Load Jira Cloud: issues with complete history, comments, worklogs, and reference data.

    Args:
        credentials: OAuth, scoped or classic API token credentials
            (``[sources.atlassian.credentials]``).
        projects: Project keys or ids to load (default: every project the account sees);
            projects are searched in parallel.
        jql: Extra JQL filter (no ORDER BY) narrowing the issues loaded.
        start_date: Only issues updated (and worklogs changed) from this date on.
        fields: Issue fields to load (default ``*all``); ``updated`` and ``project`` are
            always added.
        lookback: Seconds (int or float) re-read before the cursor on each run (late index
            updates); default 300.
        custom_field_names: ``"id"`` (``customfield_10016``, stable) or ``"name"``
            (``story_points``, snake-cased; collisions get the field id appended).
        include_plain_text: Add ``<column>_text`` plain-text renderings of rich-text fields
            (default ``False`` for Jira; ``confluence_source`` defaults to ``True``).
        reconcile_deletes: ``"always"``, ``"never"`` or ``"<N>h"``: how often to remove issues
            deleted in Jira (one id-only search of the scope, 5000 ids a request); default
            ``"always"`` for Jira (``confluence_source`` defaults to ``"24h"``).
        parallelism: Threads for the issue searches (per project, and time slices of large
            searches) and the per-issue comment requests (default 4); sprint membership and
            project reads use four times as many.
        max_connections: HTTP connection pool size.

    Returns:
        The resources; pick some with ``.with_resources(...)``.
    """
    options = build_options(
        projects,
        jql,
        start_date,
        fields,
        lookback,
        custom_field_names,
        include_plain_text,
        reconcile_deletes,
        parallelism,
    )
    return jira_resources(JiraRun(options, _opener(credentials, max_connections)))


def jira_resources(run: JiraRun) -> list[DltResource]:
    """Every Jira resource over one :class:`JiraRun` (reusable by a combined source).

    Args:
        run: options plus a zero-argument client opener, e.g. ``lambda: connection.jira``.
    """
    run.reconciler = Reconciler(run, dlt.current.source_state)
    return [*issue_resources(run), *reference_resources(run), *agile_resources(run)]


def issue_resources(run: JiraRun) -> list[DltResource]:
    """``issues`` and the tables fed by it, plus ``issue_worklogs``."""

    @dlt.resource(name="issues", primary_key="id", write_disposition=MERGE, columns=cols.ISSUES)
    def issues() -> Iterator[Any]:
        hinted = False
        for batch in issue_feed(run):
            if not hinted and run.catalog_loaded:
                hinted = True  # field types, known only once the catalog is fetched
                hints = dlt.mark.make_hints(columns=run.catalog().column_hints(run.options.fields))
                yield dlt.mark.with_hints([], hints)
            yield batch

    @dlt.transformer(
        data_from=issues,
        name="issue_changelogs",
        primary_key=("history_id", "item_index"),
        write_disposition=MERGE,
        columns=cols.ISSUE_CHANGELOGS,
        parallelized=True,
    )
    def issue_changelogs(batch: Any) -> Iterator[Any]:
        if isinstance(batch, IssueBatch) and batch:
            yield from changelogs_for(run, batch)

    @dlt.transformer(
        data_from=issues,
        name="issue_comments",
        primary_key="id",
        merge_key="issue_id",
        write_disposition=MERGE,
        columns=cols.ISSUE_COMMENTS,
        parallelized=True,
    )
    def issue_comments(batch: Any) -> Iterator[Any]:
        if isinstance(batch, IssueBatch) and batch:
            yield from comments_for(run, batch)

    @dlt.resource(
        name="issue_worklogs",
        primary_key="id",
        write_disposition=MERGE,
        columns=cols.ISSUE_WORKLOGS,
    )
    def issue_worklogs() -> Iterator[Any]:
        yield from worklogs(run, dlt.current.resource_state())

    return [issues, issue_changelogs, issue_comments, issue_worklogs]


def _reference(run: JiraRun, endpoint: Endpoint) -> DltResource:
    def pages() -> Iterator[Any]:
        yield from reference_pages(run, endpoint)

    return dlt.resource(
        pages,
        name=endpoint.table,
        primary_key=endpoint.primary_key,
        write_disposition="replace",
        parallelized=True,
    )


def reference_resources(run: JiraRun) -> list[DltResource]:
    """Projects (with components and versions), fields and the small reference tables."""

    @dlt.resource(
        name="projects",
        primary_key="id",
        write_disposition="replace",
        columns=cols.PROJECTS,
        parallelized=True,
    )
    def projects() -> Iterator[Any]:
        yield from project_pages(run)

    @dlt.transformer(
        data_from=projects,
        name="project_components",
        primary_key="id",
        write_disposition="replace",
        columns=cols.PROJECT_CHILDREN,
        parallelized=True,
    )
    def project_components(page: Any) -> Iterator[Any]:
        yield from project_children(run, page, "component", "project_components")

    @dlt.transformer(
        data_from=projects,
        name="project_versions",
        primary_key="id",
        write_disposition="replace",
        columns=cols.PROJECT_CHILDREN,
        parallelized=True,
    )
    def project_versions(page: Any) -> Iterator[Any]:
        yield from project_children(run, page, "version", "project_versions")

    @dlt.resource(
        name="fields",
        primary_key="id",
        write_disposition="replace",
        columns=cols.FIELDS,
        parallelized=True,
    )
    def fields() -> Iterator[Any]:
        yield field_rows(run)

    return [
        projects,
        project_components,
        project_versions,
        fields,
        *(_reference(run, e) for e in METADATA_ENDPOINTS),
    ]
