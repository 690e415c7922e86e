"""Expected model values computed in plain Python from the simulator's truth.

Independent of the SQL: no query is re-run here. Each function states the documented rule
(README: Analyst models) and applies it to records read from the simulator's truth accessors (or to
the same records written by hand in a test).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from dlt_atlassian.simulator.jira.model import STATUS_CATEGORIES, STATUSES

CATEGORY = {sid: STATUS_CATEGORIES[cat][0] for sid, _, cat in STATUSES}
STATUS_NAME = {sid: name for sid, name, _ in STATUSES}
SPRINT_FIELD, POINTS_FIELD = "customfield_10020", "customfield_10016"


def ts(value: str | None) -> datetime | None:
    """Parse Jira/Confluence/agile timestamps to aware UTC datetimes."""
    if not value:
        return None
    text = value.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # +0000 -> +00:00
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text).astimezone(UTC)


@dataclass
class Item:
    """One changelog item."""

    issue_id: str
    history_id: str
    index: int
    created: datetime
    field_id: str
    from_value: str | None
    from_string: str | None
    to_value: str | None
    to_string: str | None


@dataclass
class Issue:
    """The issue facts the models use."""

    id: str
    key: str
    project_key: str
    created: datetime
    status_id: str
    reporter: str | None
    resolved: datetime | None
    points: float | None
    sprints: list[dict[str, Any]]
    assignee: str | None
    priority: str | None
    items: list[Item] = field(default_factory=list)
    comments: list[tuple[str | None, datetime]] = field(default_factory=list)


@dataclass
class Jira:
    """Everything the Jira models read."""

    issues: dict[str, Issue]
    sprints: dict[str, dict[str, Any]]
    sprint_issues: set[tuple[str, str]]
    category: dict[str, str] = field(default_factory=lambda: dict(CATEGORY))
    status_name: dict[str, str] = field(default_factory=lambda: dict(STATUS_NAME))


def from_simulator(server: Any) -> Jira:
    """Read the simulator's truth into :class:`Jira`."""
    truth = server.sim.jira.truth
    issues: dict[str, Issue] = {}
    for body in truth.issues():
        f = body["fields"]
        issue = Issue(
            str(body["id"]), body["key"], f["project"]["key"], ts(f["created"]),  # type: ignore[arg-type]
            f["status"]["id"], (f.get("reporter") or {}).get("accountId"),
            ts(f.get("resolutiondate")), f.get(POINTS_FIELD), f.get(SPRINT_FIELD) or [],
            (f.get("assignee") or {}).get("displayName"), (f.get("priority") or {}).get("name"))
        for history in truth.changelog(body["key"]):
            for index, it in enumerate(history["items"]):
                issue.items.append(Item(issue.id, str(history["id"]), index,
                                        ts(history["created"]),  # type: ignore[arg-type]
                                        it.get("fieldId") or it["field"], it.get("from"),
                                        it.get("fromString"), it.get("to"), it.get("toString")))
        issue.items.sort(key=lambda i: (i.created, int(i.history_id), i.index))
        issue.comments = [((c.get("author") or {}).get("accountId"), ts(c["created"]))  # type: ignore[misc]
                          for c in truth.comments(body["key"])]
        issues[issue.id] = issue
    sprints = {str(s["id"]): {"id": str(s["id"]), "state": s["state"],
                              "start": ts(s.get("startDate")), "end": ts(s.get("endDate")),
                              "complete": ts(s.get("completeDate"))} for s in truth.sprints()}
    membership = {(str(s), i) for s, ids in truth.sprint_membership().items() for i in ids}
    return Jira(issues, sprints, membership)


def _of(issue: Issue, field_id: str) -> list[Item]:
    return [i for i in issue.items if i.field_id == field_id]


# -- status stays --------------------------------------------------------------------------
def stays(jira: Jira, as_of: datetime) -> dict[str, list[dict[str, Any]]]:
    """Per issue: the first stay from creation (the first transition's ``from`` status, or the
    current status), then one stay per status transition; the last one is open."""
    out: dict[str, list[dict[str, Any]]] = {}
    for issue in jira.issues.values():
        moves = _of(issue, "status")
        first = moves[0].from_value if moves else issue.status_id
        entries = [(first, issue.created)] + [(m.to_value, m.created) for m in moves]
        rows = []
        for k, (status, entered) in enumerate(entries):
            left = entries[k + 1][1] if k + 1 < len(entries) else None
            rows.append({"stay_index": k, "status_id": status, "entered_at": entered,
                         "left_at": left, "category": jira.category.get(status or ""),
                         "duration": ((left or as_of) - entered).total_seconds()})
        out[issue.id] = rows
    return out


# -- issue enhanced ------------------------------------------------------------------------
def enhanced(jira: Jira, as_of: datetime) -> dict[str, dict[str, Any]]:
    """Per issue metrics: first response, resolution time, reopens, status age, cycle time."""
    all_stays = stays(jira, as_of)
    out = {}
    for issue in jira.issues.values():
        others = [when for author, when in issue.comments if author != issue.reporter]
        first = min(others) if others else None
        reopens = sum(1 for m in _of(issue, "status")
                      if jira.category.get(m.from_value or "") == "done"
                      and jira.category.get(m.to_value or "") not in ("done", None))
        current = all_stays[issue.id][-1]
        progress = [s["entered_at"] for s in all_stays[issue.id]
                    if s["category"] == "indeterminate"]
        done_at = current["entered_at"] if current["category"] == "done" else None
        start = min(progress) if progress else issue.created
        out[issue.id] = {
            "first_response_at": first,
            "time_to_first_response_seconds": (first - issue.created).total_seconds()
            if first else None,
            "time_to_resolution_seconds": (issue.resolved - issue.created).total_seconds()
            if issue.resolved else None,
            "reopen_count": reopens,
            "status_changed_at": current["entered_at"],
            "current_status_age_seconds": (as_of - current["entered_at"]).total_seconds(),
            "done_at": done_at,
            "cycle_time_seconds": (done_at - start).total_seconds() if done_at else None,
            "current_sprint_name": issue.sprints[-1]["name"] if issue.sprints else None,
            "sprint_names": ", ".join(s["name"] for s in issue.sprints) or None,
            "story_points": issue.points,
            "status_category": jira.category[issue.status_id],
            "project_key": issue.project_key,
        }
    return out


# -- daily field history -------------------------------------------------------------------
def _number(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None  # type: ignore[arg-type]
    except ValueError:
        return None


def daily(jira: Jira, as_of: datetime) -> set[tuple[Any, ...]]:
    """(day, issue, status, assignee, sprint, story points, priority) for every day from
    creation to ``as_of``: the value after the day's last change, else the value before the
    first change, else the current value."""
    today = as_of.date()
    out = set()
    for issue in jira.issues.values():
        specs = [("status", jira.status_name.get(issue.status_id), False),
                 ("assignee", issue.assignee, False),
                 (SPRINT_FIELD, ", ".join(s["name"] for s in issue.sprints) or None, False),
                 (POINTS_FIELD, issue.points, True), ("priority", issue.priority, False)]
        timelines = []
        for field_id, current, numeric in specs:
            moves = _of(issue, field_id)
            conv = _number if numeric else (lambda v: v)
            initial = conv(moves[0].from_string) if moves else current
            timelines.append((initial, [(m.created.date(), conv(m.to_string)) for m in moves]))
        day = issue.created.date()
        while day <= today:
            values = []
            for initial, changes in timelines:
                value = initial
                for when, to in changes:
                    if when <= day:
                        value = to
                values.append(value)
            out.add((day, issue.id, *values))
            day += timedelta(days=1)
    return out


# -- sprints -------------------------------------------------------------------------------
def _sprint_ids(text: str | None) -> set[str]:
    return {p.strip() for p in (text or "").split(",") if p.strip()}


def _sprints_at(jira: Jira, issue: Issue, moment: datetime) -> set[str]:
    if moment < issue.created:
        return set()
    moves = _of(issue, SPRINT_FIELD)
    if not moves:
        return {s for s, i in jira.sprint_issues if i == issue.id}
    done = [m for m in moves if m.created <= moment]
    return _sprint_ids(done[-1].to_value) if done else _sprint_ids(moves[0].from_value)


def _entries_exits(jira: Jira, issue: Issue) -> tuple[list[tuple[str, datetime]],
                                                      list[tuple[str, datetime]]]:
    moves = _of(issue, SPRINT_FIELD)
    if not moves:
        return [(s, issue.created) for s, i in jira.sprint_issues if i == issue.id], []
    entries = [(s, issue.created) for s in _sprint_ids(moves[0].from_value)]
    exits = []
    for m in moves:
        before, after = _sprint_ids(m.from_value), _sprint_ids(m.to_value)
        entries += [(s, m.created) for s in after - before]
        exits += [(s, m.created) for s in before - after]
    return entries, exits


def sprint_summary(jira: Jira, as_of: datetime) -> dict[str, dict[str, Any]]:
    """Committed (in the sprint at its start), added/removed after the start up to its end
    (completion, or now), completed (in the sprint and in a done status at that end)."""
    all_stays = stays(jira, as_of)
    out = {}
    for sid, sprint in jira.sprints.items():
        start = sprint["start"]
        if start is None:
            out[sid] = {"committed_issues": None, "added_issues": None,
                        "removed_issues": None, "completed_issues": None}
            continue
        end = sprint["complete"] or as_of
        sets: dict[str, set[str]] = {"committed": set(), "added": set(), "removed": set(),
                                     "at_end": set(), "completed": set()}
        for issue in jira.issues.values():
            if sid in _sprints_at(jira, issue, start):
                sets["committed"].add(issue.id)
            entries, exits = _entries_exits(jira, issue)
            if any(s == sid and start < when <= end for s, when in entries):
                sets["added"].add(issue.id)
            if any(s == sid and start < when <= end for s, when in exits):
                sets["removed"].add(issue.id)
            if sid in _sprints_at(jira, issue, end):
                sets["at_end"].add(issue.id)
                stay = next(s for s in reversed(all_stays[issue.id]) if s["entered_at"] <= end)
                if stay["category"] == "done":
                    sets["completed"].add(issue.id)
        row: dict[str, Any] = {}
        for name, ids in sets.items():
            row[f"{name}_issues"] = len(ids)
            row[f"{name}_points"] = sum(jira.issues[i].points or 0 for i in ids)
        out[sid] = row
    return out


# -- projects ------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile (``percentile_cont``)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def weekly_throughput(jira: Jira, as_of: datetime) -> dict[tuple[str, date], int]:
    """Issues whose current done stay began in each ISO week (Monday, UTC), per project."""
    out: dict[tuple[str, date], int] = {}
    for issue_id, row in enhanced(jira, as_of).items():
        if row["done_at"]:
            day = row["done_at"].date()
            key = (jira.issues[issue_id].project_key, day - timedelta(days=day.weekday()))
            out[key] = out.get(key, 0) + 1
    return out


def project_summary(jira: Jira, as_of: datetime, weeks: int = 12) -> dict[str, dict[str, Any]]:
    """Open/closed counts, throughput over the last ``weeks`` ISO weeks, cycle time stats."""
    rows = enhanced(jira, as_of)
    throughput = weekly_throughput(jira, as_of)
    this_week = as_of.date() - timedelta(days=as_of.date().weekday())
    since = this_week - timedelta(days=7 * (weeks - 1))
    out = {}
    for project in {r["project_key"] for r in rows.values()}:
        mine = [r for r in rows.values() if r["project_key"] == project]
        cycles = [r["cycle_time_seconds"] / 86400 for r in mine if r["cycle_time_seconds"]
                  is not None]
        out[project] = {
            "issues": len(mine),
            "closed_issues": sum(r["status_category"] == "done" for r in mine),
            "open_issues": sum(r["status_category"] != "done" for r in mine),
            "throughput_per_week": sum(n for (p, w), n in throughput.items()
                                       if p == project and w >= since) / weeks,
            "median_cycle_time_days": statistics.median(cycles) if cycles else None,
            "p85_cycle_time_days": percentile(cycles, 0.85),
        }
    return out
