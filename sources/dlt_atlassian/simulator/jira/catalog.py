"""Projects, components, versions, boards and sprints: the small, eagerly built part of the site."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.users import User

_KEYS = ["PLAT", "PAY", "WEB", "OPS", "DATA", "MOB", "SEC", "INFRA", "CORE", "API", "UX", "QA"]
_NAMES = ["Platform", "Payments", "Web App", "Operations", "Data", "Mobile", "Security",
          "Infrastructure", "Core", "Public API", "Design", "Quality"]
_COMPONENTS = ["Backend", "Frontend", "Database", "Auth", "Billing", "Search", "Notifications",
               "Reporting"]
DAY_MS = 86_400_000


@dataclass
class Component:
    """A project component."""

    id: int
    name: str
    description: str
    lead: str | None


@dataclass
class Version:
    """A project version (release)."""

    id: int
    name: str
    description: str
    released: bool
    archived: bool
    release_date: str | None
    start_date: str | None


@dataclass
class Project:
    """A Jira software project."""

    id: int
    key: str
    name: str
    description: str
    lead: str
    weight: float
    components: list[Component] = field(default_factory=list)
    versions: list[Version] = field(default_factory=list)


@dataclass
class Sprint:
    """A Scrum sprint; dates are epoch ms (None for future sprints)."""

    id: int
    board_id: int
    name: str
    state: str
    goal: str
    start: int | None
    end: int | None
    complete: int | None


@dataclass
class Board:
    """An agile board located in a project."""

    id: int
    name: str
    type: str
    project_id: int
    sprints: list[Sprint] = field(default_factory=list)


def _project_key(i: int) -> tuple[str, str]:
    if i < len(_KEYS):
        return _KEYS[i], _NAMES[i]
    return f"P{i}", f"Project {i}"


def build_catalog(config: SimulatorConfig, humans: list[User]) -> tuple[list[Project], list[Board]]:
    """Build projects (uneven weights), their components/versions, boards and sprints."""
    data = config.data
    rng = random.Random(f"jira:{data.seed}:catalog")
    base = int(data.base_time.timestamp() * 1000)
    end = base + data.history_days * DAY_MS
    projects: list[Project] = []
    comp_id, version_id = 10000, 10000
    for i in range(max(1, data.jira_projects)):
        key, name = _project_key(i)
        weight = (1.0 / (i + 1) ** 1.1) * rng.uniform(0.7, 1.3)
        project = Project(10000 + i, key, name, f"The {name} team's work.",
                          rng.choice(humans).account_id, weight)
        for cname in rng.sample(_COMPONENTS, rng.randint(2, 5)):
            lead = rng.choice(humans).account_id if rng.random() < 0.6 else None
            project.components.append(Component(comp_id, cname, f"{cname} work", lead))
            comp_id += 1
        n_versions = rng.randint(3, 6)
        for v in range(n_versions):
            released = v < n_versions - 2
            day = base + (v + 1) * (end - base) // (n_versions + 1)
            date = data.base_time.date() + timedelta(milliseconds=day - base)
            project.versions.append(Version(
                version_id, f"{key.lower()}-1.{v}", f"Release 1.{v}", released,
                released and v == 0 and n_versions > 4,
                date.isoformat() if released or rng.random() < 0.5 else None,
                (date - timedelta(days=30)).isoformat() if rng.random() < 0.5 else None,
            ))
            version_id += 1
        projects.append(project)
    boards: list[Board] = []
    sprint_id = 1
    for project in projects:
        for b in range(max(0, data.boards_per_project)):
            board = Board(len(boards) + 1, f"{project.key} board" + (f" {b + 1}" if b else ""),
                          "scrum", project.id)
            n = max(0, data.sprints_per_board)
            for s in range(n):
                state = "future" if s == n - 1 else "active" if s == n - 2 else "closed"
                # Closed sprints tile the last weeks of history; the active one straddles its end.
                start = end - (n - 2 - s) * 14 * DAY_MS - 7 * DAY_MS if state != "future" else None
                stop = start + 14 * DAY_MS if start is not None else None
                complete = stop if state == "closed" else None
                board.sprints.append(Sprint(sprint_id, board.id, f"{project.key} Sprint {s + 1}",
                                            state, f"Ship sprint {s + 1}", start, stop, complete))
                sprint_id += 1
            boards.append(board)
    boards.append(Board(len(boards) + 1, f"{projects[0].key} kanban", "kanban", projects[0].id))
    return projects, boards
