"""The Jira site's state: catalog, issue index, materialized issues and overrides, searches."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.jira import encode, jql, jql_compile, people, timefmt
from dlt_atlassian.simulator.jira.catalog import Board, Project, Sprint, build_catalog
from dlt_atlassian.simulator.jira.generator import GenContext, IssueData, materialize
from dlt_atlassian.simulator.jira.index import IndexRow, IssueIndex
from dlt_atlassian.simulator.jira.model import ISSUE_TYPES, STATUS_CATEGORIES, STATUSES
from dlt_atlassian.simulator.users import UserDirectory

_CACHE_SIZE = 2048
_HISTORY_BUDGET = 96 << 20  # bytes of serialized histories kept for bulkfetch
_SEARCH_CACHE = 32  # partitioned loads page many searches at once

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
        # Facts of *generated* issues (not overridden): their content is a pure function of
        # the seed and the index row, which only a mutation changes, and a mutation makes the
        # issue an override first. So these never go stale and need no invalidation; they are
        # small, so they are kept for every issue once it has been materialized.
        self._refs: dict[int, tuple[str, str, Any]] = {}  # summary, status id, priority
        self._worklog_json: dict[int, list[tuple[int, bytes]]] = {}  # (id, serialized) each
        # Serialized histories of issues whose changelog the search cannot embed in full (the
        # ones read again through bulkfetch right after the search), bounded by size.
        self._history_json: OrderedDict[int, list[bytes]] = OrderedDict()
        self._history_bytes = 0
        self._sprint_rows: dict[int, list[IndexRow]] = {}
        self._sprint_key: tuple[int, int] = (-1, -1)
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
            self._remember(row, data)
            return data

    def drop_caches(self) -> None:
        """Forget everything derived and cached (tests compare cached and uncached answers)."""
        with self.lock:
            self._cache.clear()
            self._search_cache.clear()
            self._refs.clear()
            self._worklog_json.clear()
            self._history_json.clear()
            self._history_bytes = 0
            self._sprint_rows, self._sprint_key = {}, (-1, -1)
            people.clear_cache()
            timefmt.clear_cache()

    def _remember(self, row: IndexRow, data: IssueData) -> None:
        fields = data.fields
        self._refs[row.id] = (fields["summary"], fields["status"], fields["priority"])
        if data.worklogs:
            self._worklog_json[row.id] = [(int(w["id"]), encode.dumps(w)) for w in data.worklogs]
        if len(data.histories) > self.config.caps.changelog_expand_cap:
            texts = [encode.dumps(h) for h in data.histories]
            self._history_json[row.id] = texts
            self._history_bytes += sum(len(t) for t in texts)
            while self._history_bytes > _HISTORY_BUDGET and len(self._history_json) > 1:
                _, dropped = self._history_json.popitem(last=False)
                self._history_bytes -= sum(len(t) for t in dropped)

    def history_json(self, row: IndexRow) -> list[bytes] | list[dict[str, Any]]:
        """An issue's histories, oldest first: serialized where cached, else as data."""
        with self.lock:
            data = self.overrides.get(row.id)
            if data is None:
                cached = self._history_json.get(row.id)
                if cached is not None:
                    self._history_json.move_to_end(row.id)
                    return cached
                data = self.data(row)
                cached = self._history_json.get(row.id)
                if cached is not None:
                    return cached
            return data.histories

    def ref_fields(self, row: IndexRow) -> tuple[str, str, Any]:
        """(summary, status id, priority) of an issue: what a link or sub-task shows of it."""
        with self.lock:
            data = self.overrides.get(row.id)
            if data is not None:
                return data.fields["summary"], data.fields["status"], data.fields["priority"]
            found = self._refs.get(row.id)
            if found is None:
                self.data(row)
                found = self._refs[row.id]
            return found

    def worklog_json(self, row: IndexRow) -> list[tuple[int, bytes | dict[str, Any]]]:
        """An issue's worklogs as (id, value), the value serialized where it is cached."""
        with self.lock:
            data = self.overrides.get(row.id)
            if data is None:
                if row.worklogs == 0:
                    return []
                cached = self._worklog_json.get(row.id)
                if cached is not None:
                    return list(cached)
                data = self.data(row)
            return [(int(w["id"]), w) for w in data.worklogs]

    def sprint_rows(self, sprint_id: int) -> list[IndexRow]:
        """Live issues that are (or were) in the sprint, in index order."""
        with self.lock:
            # Membership only changes when issues are added or deleted.
            key = (len(self.index.rows), len(self.deleted_issue_ids))
            if key != self._sprint_key:
                members: dict[int, list[IndexRow]] = {}
                for row in self.index.rows:
                    if not row.deleted:
                        for sid in {row.sprint_id, row.sprint_next} - {0}:
                            members.setdefault(sid, []).append(row)
                self._sprint_rows, self._sprint_key = members, key
            return list(self._sprint_rows.get(sprint_id, []))

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
