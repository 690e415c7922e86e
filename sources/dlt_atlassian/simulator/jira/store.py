"""The Jira site's state: catalog, issue index, materialized issues and overrides, searches."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.jira import jql, jql_compile
from dlt_atlassian.simulator.jira.catalog import Board, Project, Sprint, build_catalog
from dlt_atlassian.simulator.jira.generator import GenContext, IssueData, materialize
from dlt_atlassian.simulator.jira.index import IndexRow, IssueIndex
from dlt_atlassian.simulator.jira.model import ISSUE_TYPES, STATUS_CATEGORIES, STATUSES
from dlt_atlassian.simulator.users import UserDirectory

_CACHE_SIZE = 2048
_SEARCH_CACHE = 16

SortKey = tuple[int, ...]


class JiraStore:
    """Owns every Jira object; thread-safe through one re-entrant lock."""

    def __init__(self, config: SimulatorConfig, clock: SimClock, users: UserDirectory) -> None:
        self.config, self.clock, self.users = config, clock, users
        self.lock = threading.RLock()
        humans = users.humans() or users.all()
        self.projects, self.boards = build_catalog(config, humans)
        self.index = IssueIndex(config, self.projects, self.boards)
        self.sprints: dict[int, Sprint] = {s.id: s for b in self.boards for s in b.sprints}
        self.ctx = GenContext(config.data.seed, humans, {u.account_id: u for u in users.all()},
                              {p.id: p for p in self.projects}, self.sprints)
        self.overrides: dict[int, IssueData] = {}
        self._cache: OrderedDict[int, IssueData] = OrderedDict()
        self._search_cache: OrderedDict[tuple[Any, ...], list[tuple[SortKey, int]]] = (
            OrderedDict())
        self.version = 0  # bumped by every mutation; invalidates cached search results
        self.deleted_issue_ids: list[int] = []
        self.deleted_worklogs: list[tuple[int, int]] = []  # (deleted ms, worklog id)
        self.comment_owner: dict[int, int] = {}
        self.worklog_owner: dict[int, int] = {}
        self.next_object_id = 900_000_000

    # -- lookups ---------------------------------------------------------------------------
    def project(self, id_or_key: str) -> Project | None:
        """Find a project by id or key (keys are case-sensitive in paths, like Jira)."""
        return next((p for p in self.projects if str(p.id) == id_or_key or p.key == id_or_key),
                    None)

    def board(self, board_id: int) -> Board | None:
        """Find a board by id."""
        return next((b for b in self.boards if b.id == board_id), None)

    def data(self, row: IndexRow) -> IssueData:
        """Return an issue's content, generating (and caching) it if needed."""
        with self.lock:
            found = self.overrides.get(row.id) or self._cache.get(row.id)
            if found is not None:
                self._cache.move_to_end(row.id) if row.id in self._cache else None
                return found
            data = materialize(row, self.ctx)
            self._cache[row.id] = data
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            return data

    def mutable(self, row: IndexRow) -> IssueData:
        """Return the issue's content as an override that mutations may change."""
        with self.lock:
            if row.id not in self.overrides:
                self.overrides[row.id] = self.data(row)
                self._cache.pop(row.id, None)
            self.version += 1
            return self.overrides[row.id]

    def issue_of_comment(self, cid: int) -> IndexRow | None:
        """Find the live issue a comment belongs to."""
        owner = self.comment_owner.get(cid, cid // 1000)
        return self.index.by_id.get(owner)

    def issue_of_worklog(self, wid: int) -> IndexRow | None:
        """Find the issue a worklog belongs to."""
        owner = self.worklog_owner.get(wid, wid // 1000)
        return self.index.by_id.get(owner)

    def new_object_id(self) -> int:
        """Allocate an id for a history, comment or worklog created after startup."""
        with self.lock:
            self.next_object_id += 1
            return self.next_object_id

    # -- search ----------------------------------------------------------------------------
    def jql_context(self, time_zone: str) -> jql_compile.JqlContext:
        """Build the lookups a JQL query is compiled against."""

        def project_id(value: str) -> int | None:
            found = self.project(value) or next(
                (p for p in self.projects if p.key.lower() == value.lower()
                 or p.name.lower() == value.lower()), None)
            return found.id if found else None

        def status_id(value: str) -> str | None:
            return next((s[0] for s in STATUSES if value in (s[0],) or s[1].lower()
                         == value.lower()), None)

        def issue_id(value: str) -> int | None:
            row = self.index.resolve(value)
            return row.id if row else None

        def issuetype_id(value: str) -> str | None:
            return next((t[0] for t in ISSUE_TYPES if value == t[0]
                         or t[1].lower() == value.lower()), None)

        def category_id(value: str) -> int | None:
            return next((c for c, (key, name, _) in STATUS_CATEGORIES.items()
                         if value in (str(c), key) or name.lower() == value.lower()), None)

        def category_statuses(cat: int) -> list[str]:
            return [s[0] for s in STATUSES if s[2] == cat]

        return jql_compile.JqlContext(project_id, issue_id, status_id, time_zone,
                              int(self.clock.now().timestamp() * 1000), issuetype_id,
                              category_id, category_statuses)

    def search(self, text: str, time_zone: str) -> list[tuple[SortKey, int]]:
        """Run JQL; return (sort key, issue id) pairs in result order. Raises JqlError."""
        query = jql.parse(text)
        if query.where is None:
            raise jql.JqlError("Unbounded JQL queries are not allowed here. Please add a search "
                               "restriction to your query.")
        with self.lock:
            cache_key = (text, time_zone, self.version)
            cached = self._search_cache.get(cache_key)
            if cached is not None and not _is_relative(text):
                return cached
            predicate = jql_compile.compile_where(query.where, self.jql_context(time_zone))
            order = query.order_by or (("created", True),)
            ranks = {p.id: r for r, p in enumerate(sorted(self.projects, key=lambda p: p.key))}
            hits = [(self._sort_key(row, order, ranks), row.id)
                    for row in self.index.rows if not row.deleted and predicate(row)]
            hits.sort()
            self._search_cache[cache_key] = hits
            if len(self._search_cache) > _SEARCH_CACHE:
                self._search_cache.popitem(last=False)
            return hits

    @staticmethod
    def _sort_key(row: IndexRow, order: tuple[tuple[str, bool], ...],
                  ranks: dict[int, int]) -> SortKey:
        parts: list[int] = []
        for name, desc in order:
            sign = -1 if desc else 1
            if name == "key":
                parts += [sign * ranks[row.project_id], sign * int(row.key.split("-")[1])]
            elif name == "project":
                parts.append(sign * ranks[row.project_id])
            elif name == "status":
                parts.append(sign * int(row.status_id))
            else:
                parts.append(sign * int(getattr(row, name)))
        parts.append(row.id)  # a total order, so a position is unambiguous
        return tuple(parts)


def _is_relative(text: str) -> bool:
    # Relative dates ("-5d") move with the clock, so their results are never cached.
    return re.search(r"(?<![\w:/-])[-+]?\d+\s*[wdhm]\b", text) is not None
