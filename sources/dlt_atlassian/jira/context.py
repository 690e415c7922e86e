"""What every Jira resource of one source instance shares: options, the client and caches.

A dlt source is extracted once, so per-run caches live here: the field catalog and the
configured projects are fetched once and shared by every resource that needs them (never
fetch an object twice), from whichever thread asks first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dlt_atlassian.errors import (
    AtlassianHTTPError,
    BadRequestError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    UnauthorizedError,
)
from dlt_atlassian.http.client import AtlassianClient
from dlt_atlassian.http.paginators import StartAtPaginator
from dlt_atlassian.jira import jql as jqlb
from dlt_atlassian.jira.fields import CustomFieldNames, FieldCatalog
from dlt_atlassian.jira.settings import (
    CHANGELOG_PAGES_IN_FLIGHT,
    EMBEDDED_BATCHES_IN_FLIGHT,
    FIELDS_PATH,
    PROJECT_SEARCH_PATH,
    scope_hint,
)

logger = logging.getLogger("dlt_atlassian.jira")


@dataclass(frozen=True)
class JiraOptions:
    """The source's options, validated."""

    projects: tuple[str, ...] | None
    jql: str | None
    start_date: datetime | None
    fields: tuple[str, ...]
    lookback_ms: int
    custom_field_names: CustomFieldNames
    include_plain_text: bool
    reconcile_deletes: str
    parallelism: int
    issue_batch_size: int

    @property
    def scope(self) -> str:
        """JQL of everything the source loads (projects AND the user's filter)."""
        return jqlb.scope_jql(self.projects, self.jql)

    @property
    def small_read_workers(self) -> int:
        """Threads for many small reads (sprints, memberships, project children).

        Each is one short round trip, so four times ``parallelism`` of them (16 by default,
        the connection pool) overlap their latency; the shared limiter still paces them.
        """
        return max(1, 4 * self.parallelism)

    @property
    def is_scoped(self) -> bool:
        """Whether the scope is narrower than the whole site."""
        return bool(self.projects or self.jql)


class JiraRun:
    """Options, a lazily opened client and per-run caches, shared by the resources."""

    def __init__(self, options: JiraOptions, open_client: Callable[[], AtlassianClient]) -> None:
        self.options = options
        self._open_client = open_client
        self._client: AtlassianClient | None = None
        self._lock = threading.RLock()
        self._raw_fields: list[dict[str, Any]] | None = None
        self._catalog: FieldCatalog | None = None
        self._projects: list[dict[str, Any]] | None = None
        self.reconciler: Any = None  # set by the source (deletions.Reconciler)
        # Bulk changelog pages are large: only a few are fetched and parsed at once.
        self.changelog_slots = threading.BoundedSemaphore(CHANGELOG_PAGES_IN_FLIGHT)
        # Batches carrying embedded changelogs not yet taken by `issue_changelogs`.
        self.embedded_slots = threading.BoundedSemaphore(EMBEDDED_BATCHES_IN_FLIGHT)

    @property
    def client(self) -> AtlassianClient:
        """The Jira client, opened on first use (OAuth refreshes only when a run starts)."""
        with self._lock:
            if self._client is None:
                self._client = self._open_client()
            return self._client

    def raw_fields(self) -> list[dict[str, Any]]:
        """``GET /rest/api/3/field``, fetched once."""
        with self._lock:
            if self._raw_fields is None:
                with resource_errors("fields"):
                    body = self.client.get_json(FIELDS_PATH)
                self._raw_fields = [f for f in body if isinstance(f, dict) and "id" in f]
            return self._raw_fields

    @property
    def catalog_loaded(self) -> bool:
        """Whether the field catalog was fetched in this run."""
        return self._catalog is not None

    def catalog(self) -> FieldCatalog:
        """The field catalog with column names, built once."""
        with self._lock:
            if self._catalog is None:
                self._catalog = FieldCatalog(
                    self.raw_fields(),
                    mode=self.options.custom_field_names,
                    include_plain_text=self.options.include_plain_text,
                )
            return self._catalog

    def configured_projects(self, expand: str) -> list[dict[str, Any]]:
        """The configured projects (fetched once), failing clearly on unknown ones.

        Raises:
            ConfigurationError: a configured project key or id does not exist (or is hidden).
        """
        with self._lock:
            if self._projects is None:
                wanted = list(self.options.projects or ())
                found: list[dict[str, Any]] = []
                for start in range(0, len(wanted), 50):  # the endpoint takes 50 keys/ids
                    chunk = wanted[start : start + 50]
                    params: dict[str, Any] = {"expand": expand}
                    params["keys"] = [p for p in chunk if not p.isdigit()]
                    params["id"] = [p for p in chunk if p.isdigit()]
                    with resource_errors("projects"):
                        for page in self.client.paginate(
                            PROJECT_SEARCH_PATH, paginator=StartAtPaginator(100), params=params
                        ):
                            found.extend(page)
                known = {str(p.get("key")).upper() for p in found}
                known |= {str(p.get("id")) for p in found}
                missing = [p for p in wanted if p.upper() not in known]
                if missing:
                    raise ConfigurationError(
                        f"Unknown Jira project(s): {', '.join(missing)}",
                        hint="Check the `projects` option (keys such as PROJ, or numeric ids); "
                        "the account must be allowed to browse them.",
                    )
                self._projects = found
            return self._projects


def _prefixed(exc: AtlassianHTTPError, table: str, hint: str) -> AtlassianHTTPError:
    return type(exc)(
        f"Jira `{table}`: {exc.message}",
        status=exc.status,
        method=exc.method,
        url=exc.url,
        hint=hint,
        details=exc.details,
    )


@contextmanager
def resource_errors(table: str, *, search: str | None = None) -> Iterator[None]:
    """Re-raise HTTP errors with the table that failed and what to change.

    Args:
        table: the table being loaded.
        search: the JQL sent, when the failing call was an issue search.
    """
    try:
        yield
    except AtlassianHTTPError as exc:
        if getattr(exc, "_jira_context", False):
            raise
        details = "; ".join(exc.details)
        if isinstance(exc, UnauthorizedError | PermissionDeniedError):
            hint = f"{scope_hint(table)} {exc.hint}".strip()
        elif isinstance(exc, BadRequestError) and search is not None:
            what = "the `projects` option" if "project" in details.lower() else "the `jql` option"
            hint = (
                f"Jira rejected the issue search `{search}`: {details or exc.message}. "
                f"Check {what} (and `jql`/`projects`)."
            )
        elif isinstance(exc, NotFoundError):
            hint = exc.hint or "The object is gone or hidden from this account."
        else:
            hint = exc.hint
        new = _prefixed(exc, table, hint)
        new._jira_context = True  # type: ignore[attr-defined]
        raise new from exc
