"""Deletion reconciliation: issues that no longer exist leave every table, children included.

Jira has no feed of deleted issues, so on its cadence the source lists the ids of every issue
in the configured scope (``fields=id``, 5000 a page: 20 requests for 100k issues) and compares
them with the issue ids *in the destination*. The destination, read through the pipeline's
SQL client, is the one place that is always right about what was loaded (whatever selection,
version or scope loaded it), costs one query, and keeps dlt state small; a set of a million ids
in state would be rewritten with every load. Destinations without SQL skip the pass with a
warning. Issues that moved out of the scope count as deleted.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import dlt

from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.http.paginators import NextPageTokenPaginator
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.settings import SEARCH_IDS_PAGE_SIZE, SEARCH_PATH

logger = logging.getLogger("dlt_atlassian.jira")

LAST_RECONCILE_KEY = "last_reconcile_at"
_HOURS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*h\s*$", re.IGNORECASE)

# Where the destination keeps issue ids: table -> column.
KNOWN_ID_COLUMNS = {
    "issues": "id",
    "issue_changelogs": "issue_id",
    "issue_comments": "issue_id",
    "issue_worklogs": "issue_id",
}


def parse_cadence(value: str) -> float | None:
    """Seconds between passes: 0 = ``always``, None = ``never``, N*3600 for ``"<N>h"``.

    Raises:
        ConfigurationError: not one of those forms.
    """
    text = str(value).strip().lower()
    if text == "always":
        return 0.0
    if text == "never":
        return None
    match = _HOURS.match(text)
    if match:
        return float(match.group(1)) * 3600
    raise ConfigurationError(
        f"reconcile_deletes must be 'always', 'never' or '<N>h', not {value!r}",
        hint='For example reconcile_deletes = "24h" checks for deleted issues once a day.',
    )


def reconcile_due(cadence: float | None, last_run: float | None, now: float) -> bool:
    """Whether a pass is due, given the cadence (see :func:`parse_cadence`) and the last pass."""
    if cadence is None:
        return False
    if cadence == 0 or last_run is None:
        return True
    return now - last_run >= cadence


KnownIds = Callable[[], set[str] | None]


def destination_issue_ids() -> set[str] | None:
    """Issue ids present in any issue table of the running pipeline's destination.

    Returns None when there is no pipeline or its destination cannot be queried with SQL.
    """
    ids: set[str] = set()
    try:
        pipeline = dlt.current.pipeline()
        with pipeline.sql_client() as client:
            for table, column in KNOWN_ID_COLUMNS.items():
                for row in _query(client, "SELECT DISTINCT {c} FROM {t}", table, column):
                    if row[0] is not None:
                        ids.add(str(row[0]))
    except Exception as exc:  # no destination, or not a SQL one
        logger.warning("Jira: deletion check skipped, destination not queryable: %s", exc)
        return None
    return ids


def destination_values(table: str, column: str, issue_ids: Iterable[str]) -> list[str]:
    """Distinct ``column`` of ``table`` rows whose ``issue_id`` is one of ``issue_ids``.

    Used to find what else belongs to deleted issues (worklog ids, sprints). Empty when the
    destination cannot be queried.
    """
    wanted = sorted({str(int(i)) for i in issue_ids})
    found: list[str] = []
    if not wanted or not _loaded(table):
        return found
    try:
        with dlt.current.pipeline().sql_client() as client:
            for start in range(0, len(wanted), 1000):
                in_list = ", ".join(f"'{i}'" for i in wanted[start : start + 1000])
                sql = f"SELECT DISTINCT {{c}} FROM {{t}} WHERE issue_id IN ({in_list})"
                found += [str(r[0]) for r in _query(client, sql, table, column)]
    except Exception as exc:
        logger.warning("Jira: could not read %s of deleted issues: %s", table, exc)
    return found


def destination_rows(table: str, columns: Sequence[str], issue_ids: Iterable[str]) -> list[Any]:
    """``columns`` of every ``table`` row whose ``issue_id`` is one of ``issue_ids``.

    Unlike :func:`destination_values`, a failing query raises: callers use the rows to delete
    them, and a silent miss would leave rows of deleted issues behind. A table not created yet
    has no rows.
    """
    wanted = sorted({str(int(i)) for i in issue_ids})
    found: list[Any] = []
    # A table never loaded has no rows; asking would fail (no dataset yet on a first run), and
    # the caught error's traceback would keep the calling frames, and their batches, alive.
    if not wanted or not _loaded(table):
        return found
    with dlt.current.pipeline().sql_client() as client:
        names = ", ".join(client.escape_column_name(c) for c in columns)
        for start in range(0, len(wanted), 1000):
            in_list = ", ".join(f"'{i}'" for i in wanted[start : start + 1000])
            sql = f"SELECT {names} FROM {{t}} WHERE issue_id IN ({in_list})"
            found += _query(client, sql, table, columns[0])
    return found


def destination_worklog_ids(issue_ids: Iterable[str]) -> list[str]:
    """Ids of the worklogs stored for ``issue_ids``."""
    return destination_values("issue_worklogs", "id", issue_ids)


def _query(client: Any, sql: str, table: str, column: str) -> list[Any]:
    from dlt.destinations.exceptions import DatabaseUndefinedRelation

    text = sql.format(
        c=client.escape_column_name(column), t=client.make_qualified_table_name(table)
    )
    try:
        return list(client.execute_sql(text) or [])
    except DatabaseUndefinedRelation:
        return []  # nothing loaded into that table yet


def _loaded(table: str) -> bool:
    """Whether the pipeline's schema says ``table`` has received data (so it exists)."""
    from dlt.common.schema.utils import has_table_seen_data

    try:
        schema = dlt.current.pipeline().default_schema
    except Exception:  # no pipeline schema yet: let the query find out
        return True
    table_schema = schema.tables.get(table)
    return table_schema is not None and has_table_seen_data(table_schema)


class Reconciler:
    """Computes, at most once per run, the ids of loaded issues that no longer exist."""

    def __init__(
        self,
        run: JiraRun,
        state: Callable[[], MutableMapping[str, Any]],
        known_ids: KnownIds = destination_issue_ids,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.run = run
        self.cadence = parse_cadence(run.options.reconcile_deletes)
        self._state = state
        self._known_ids = known_ids
        self._clock = clock
        self._lock = threading.Lock()
        self._deleted: frozenset[str] | None = None
        self._scan: tuple[Future[set[str]], set[str], float] | None = None

    def current_ids(self) -> set[str]:
        """Ids of every issue in the configured scope (id-only search, 5000 a page)."""
        ids: set[str] = set()
        jql = self.run.options.scope
        with resource_errors("issues", search=jql):
            for page in self.run.client.paginate(
                SEARCH_PATH,
                paginator=NextPageTokenPaginator(
                    items_key="issues", page_size=SEARCH_IDS_PAGE_SIZE
                ),
                method="POST",
                json={"jql": jql, "fields": ["id"]},
                data_selector="issues",
            ):
                ids.update(str(issue["id"]) for issue in page)
        return ids

    def start(self) -> None:
        """Begin the pass early: the destination is read here, the id scan runs in a thread.

        Call it from the extract's main thread (it reads the destination and dlt state);
        :meth:`deleted_issue_ids` then only waits for the scan.
        """
        with self._lock:
            if self._deleted is not None or self._scan is not None:
                return
            state = self._state()
            now = self._clock()
            if not reconcile_due(self.cadence, state.get(LAST_RECONCILE_KEY), now):
                self._deleted = frozenset()
                return
            known = self._known_ids()
            if not known:
                self._deleted = self._finish(state, now, known, set())
                return
            pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jira-reconcile")
            self._scan = (pool.submit(self.current_ids), known, now)
            pool.shutdown(wait=False)

    def ready(self, timeout: float) -> bool:
        """Whether :meth:`deleted_issue_ids` would answer without waiting (waits ``timeout``)."""
        scan = self._scan
        if scan is None or self._deleted is not None:
            return True
        done, _ = wait([scan[0]], timeout=timeout)
        return bool(done)

    def deleted_issue_ids(self) -> frozenset[str]:
        """Loaded issue ids that are gone from the scope (empty when no pass is due)."""
        with self._lock:
            if self._deleted is None and self._scan is not None:
                future, known, now = self._scan
                self._deleted = self._finish(self._state(), now, known, future.result())
            if self._deleted is None:
                self._deleted = self._compute()
            return self._deleted

    def _compute(self) -> frozenset[str]:
        state = self._state()
        now = self._clock()
        if not reconcile_due(self.cadence, state.get(LAST_RECONCILE_KEY), now):
            return frozenset()
        known = self._known_ids()
        if known is None:
            return frozenset()
        current = self.current_ids() if known else set()
        return self._finish(state, now, known, current)

    def _finish(
        self, state: MutableMapping[str, Any], now: float, known: set[str] | None, current: set[str]
    ) -> frozenset[str]:
        if known is None:
            return frozenset()
        if known and not current:
            # An empty scope next to a full table is far more likely a search gone wrong than
            # every issue deleted: wiping the tables is not worth that risk.
            logger.warning(
                "Jira: the deletion check found no issues at all in the scope; "
                "nothing is deleted this time"
            )
            return frozenset()
        deleted = frozenset(known - current)
        state[LAST_RECONCILE_KEY] = now
        if deleted:
            logger.info("Jira: %d issue(s) no longer exist; removing them", len(deleted))
        return deleted
