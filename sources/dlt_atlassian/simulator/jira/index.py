"""The compact, always-in-memory index of issues: enough to search, sort and page.

Full issues are generated on demand from a per-issue seeded RNG (:mod:`.generator`); the index
holds only what JQL and the agile/worklog feeds need, so 100k issues start in seconds.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass

from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.jira.catalog import DAY_MS, Board, Project, Sprint
from dlt_atlassian.simulator.jira.model import LINK_TYPES

ISSUE_ID_BASE = 10000
# Status ids by final-status draw; "To Do" is the only status an issue without history can have.
_STATUS_DRAW = [(0.30, "10000"), (0.50, "3"), (0.60, "10001"), (0.95, "10002"), (1.0, "10003")]
_TYPE_DRAW = [(0.40, "10001"), (0.70, "10002"), (0.97, "10003"), (1.0, "10004")]


@dataclass(slots=True)
class IndexRow:
    """One issue's searchable facts (ids are ints; keys are strings)."""

    n: int
    id: int
    key: str
    project_id: int
    created: int
    updated: int
    status_id: str
    type_id: str
    parent_id: int
    sprint_id: int
    link_to: int
    link_type: str
    histories: int
    comments: int
    worklogs: int
    deleted: bool = False
    sprint_next: int = 0  # the sprint an unfinished issue was carried over to (0 = none)


def worklog_times(seed: int, n: int, created: int, updated: int, count: int,
                  pin_last: bool) -> list[int]:
    """Return the start/update times of an issue's generated worklogs (shared by index and body)."""
    rng = random.Random(f"{seed}:{n}:wl")
    times = sorted(rng.randint(created, max(created, updated)) for _ in range(count))
    if pin_last and times:
        times[-1] = updated
    return times


def _skewed_count(rng: random.Random, mean: float, cap: int) -> int:
    return min(cap, int(rng.expovariate(1.0 / mean))) if mean > 0 else 0


class IssueIndex:
    """All issues' index rows plus the lookups built from them."""

    def __init__(self, config: SimulatorConfig, projects: list[Project], boards: list[Board]):
        data = config.data
        self.seed = data.seed
        self.base = int(data.base_time.timestamp() * 1000)
        self.end = self.base + data.history_days * DAY_MS
        self.rows: list[IndexRow] = []
        self.by_id: dict[int, IndexRow] = {}
        self.by_key: dict[str, IndexRow] = {}
        self.children: dict[int, list[int]] = {}
        self.links_in: dict[int, list[int]] = {}
        self.next_number: dict[int, int] = {p.id: 1 for p in projects}
        self.project_keys: dict[int, str] = {p.id: p.key for p in projects}
        # (updated ms, worklog id); generated worklog ids are issue_id * 1000 + 500 + k
        self.worklog_feed: list[tuple[int, int]] = []
        self._projects = projects
        self._sprints: dict[int, list[Sprint]] = {}
        self.next_sprint: dict[int, int] = {}
        for board in boards:
            if board.type == "scrum":
                self._sprints.setdefault(board.project_id, []).extend(board.sprints)
                for before, after in zip(board.sprints, board.sprints[1:], strict=False):
                    self.next_sprint[before.id] = after.id
        self._build(config)

    def _build(self, config: SimulatorConfig) -> None:
        data = config.data
        total = max(0, data.jira_issues)
        pick = random.Random(f"jira:{self.seed}:big")
        big_hist = set(pick.sample(range(total), min(total, data.big_changelog_issues)))
        big_comm = set(pick.sample(range(total), min(total, data.big_comment_issues)))
        weights = [p.weight for p in self._projects]
        cumulative = [sum(weights[: i + 1]) / sum(weights) for i in range(len(weights))]
        per_project: dict[int, list[IndexRow]] = {p.id: [] for p in self._projects}
        span = self.end - self.base
        for n in range(total):
            rng = random.Random(f"{self.seed}:{n}")
            project = self._projects[min(bisect.bisect(cumulative, rng.random()),
                                         len(self._projects) - 1)]
            created = self.base + int(span * 0.92 * n / max(total, 1)
                                      + rng.random() * span * 0.03)
            h = 300 if n in big_hist else _skewed_count(rng, data.histories_per_issue, 60)
            c = 150 if n in big_comm else _skewed_count(rng, data.comments_per_issue, 40)
            w = _skewed_count(rng, data.worklogs_per_issue, 12)
            # At least a minute passes between creation and the first change.
            grow = max(60_000, int((self.end - created) * rng.random() ** 1.5))
            updated = created + grow if h + c + w else created
            status = next(s for p, s in _STATUS_DRAW if rng.random() < p or p == 1.0)
            if h == 0:
                status = "10000"
            siblings = per_project[project.id]
            type_id, parent = next(t for p, t in _TYPE_DRAW if rng.random() < p or p == 1.0), 0
            if siblings and rng.random() < 0.12:
                candidate = siblings[rng.randrange(len(siblings))]
                type_id, parent = "10005", candidate.parent_id or candidate.id
            link_to, link_type = 0, ""
            if n and rng.random() < 0.12:
                link_to = ISSUE_ID_BASE + rng.randrange(n)
                link_type = rng.choice(LINK_TYPES)[0]
            # An issue sits in the sprint that was running while it was being worked on.
            worked = created + int((updated - created) * rng.random())
            sprint, carried = self._pick_sprint(rng, project.id, worked, status)
            row = IndexRow(n, ISSUE_ID_BASE + n, "", project.id, created, updated, status,
                           type_id, parent, sprint, link_to, link_type, h, c, w,
                           sprint_next=carried)
            self.add(row)
            siblings.append(row)
            for k, t in enumerate(worklog_times(self.seed, n, created, updated, w, h + c == 0)):
                self.worklog_feed.append((t, row.id * 1000 + 500 + k))
        self.worklog_feed.sort()

    def _pick_sprint(self, rng: random.Random, project_id: int, when: int,
                     status: str) -> tuple[int, int]:
        """(sprint, carried-over-to sprint) for an issue; zeros when it is in none."""
        sprints = self._sprints.get(project_id, [])
        draw, carry = rng.random(), rng.random()
        done = status in ("10002", "10003")
        active = next((s for s in sprints if s.state == "active"), None)
        if not done and active is not None and draw < 0.25:
            closed = [s for s in sprints if s.state == "closed"
                      and self.next_sprint.get(s.id) == active.id]
            if closed and carry < 0.4:
                # Unfinished work rolls over into the board's next sprint when one closes.
                return closed[0].id, active.id
            return active.id, 0
        for sprint in sprints:
            if sprint.start is not None and sprint.start <= when < (sprint.end or 0):
                return (sprint.id, 0) if draw < 0.8 else (0, 0)
        future = [s for s in sprints if s.state == "future"]
        if future and status == "10000" and draw < 0.4:
            return future[0].id, 0
        return 0, 0

    def add(self, row: IndexRow) -> None:
        """Register a new row, giving it the next key of its project."""
        number = self.next_number[row.project_id]
        self.next_number[row.project_id] = number + 1
        row.key = f"{self.project_keys[row.project_id]}-{number}"
        self.rows.append(row)
        self.by_id[row.id] = row
        self.by_key[row.key] = row
        if row.parent_id:
            self.children.setdefault(row.parent_id, []).append(row.id)
        if row.link_to:
            self.links_in.setdefault(row.link_to, []).append(row.id)

    def resolve(self, id_or_key: str) -> IndexRow | None:
        """Find a live issue by id or (current or former) key."""
        row = self.by_id.get(int(id_or_key)) if id_or_key.isdigit() else self.by_key.get(
            id_or_key.upper())
        return row if row is not None and not row.deleted else None

    def in_sprint(self, row: IndexRow, sprint_id: int) -> bool:
        """Whether ``row`` is (or was) in the sprint."""
        return not row.deleted and sprint_id in (row.sprint_id, row.sprint_next)

    def live(self) -> list[IndexRow]:
        """Every issue not deleted."""
        return [r for r in self.rows if not r.deleted]
