"""Materialize one issue (fields, changelog, comments, worklogs) from its index row.

Everything is drawn from ``random.Random(f"{seed}:{n}:body")``, so the same seed always yields
the same issue, and the changelog replays into the issue's current field values (the last status
item ends in the current status, assignee/priority/labels/points end where the fields are).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from dlt_atlassian.simulator.jira import adf
from dlt_atlassian.simulator.jira.catalog import Project, Sprint
from dlt_atlassian.simulator.jira.index import IndexRow, worklog_times
from dlt_atlassian.simulator.jira.model import (
    DEPLOYED_AT,
    EFFORT,
    FIELD_NAMES,
    JSON,
    PLATFORM_OPTIONS,
    PLATFORMS,
    PRIORITIES,
    RANK,
    RELEASE_NOTES,
    REVIEWER,
    SITE,
    SPRINT,
    STORY_POINTS,
    TAGS,
    TARGET_DATE,
    TEAM,
    TEAM_OPTIONS,
    priority_ref,
    status_by_id,
    ts,
    utc_ts,
)
from dlt_atlassian.simulator.jira.people import user_json
from dlt_atlassian.simulator.jira.records import comment_json, worklog_json
from dlt_atlassian.simulator.users import User

_PATHS = {"10000": [[], ["3", "10000"]], "3": [["3"]], "10001": [["3", "10001"]],
          "10002": [["3", "10001", "10002"], ["3", "10002"], ["10002"]], "10003": [["10003"]]}
_LABELS = ["backend", "frontend", "tech-debt", "customer", "regression", "perf", "security", "ux"]
_POINTS = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0]
# What a history item changes (besides status), and how many extra items a history gets.
_KINDS = ("assignee", "priority", "labels", "points", "description", "summary", "sprint")
_EXTRA_ITEMS = (0, 0, 0, 1, 1, 2)


@dataclass
class IssueData:
    """An issue's stored content; ``fields`` hold marker-bearing JSON values."""

    fields: dict[str, Any]
    histories: list[JSON] = field(default_factory=list)
    comments: list[JSON] = field(default_factory=list)
    worklogs: list[JSON] = field(default_factory=list)
    deleted_worklogs: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class GenContext:
    """What generation needs besides the row."""

    seed: int
    humans: list[User]
    users: dict[str, User]
    projects: dict[int, Project]
    sprints: dict[int, Sprint]

    @cached_property
    def former(self) -> list[User]:
        """Deactivated human accounts: they still appear on old issues and comments."""
        # ``users`` is the store's snapshot of the directory, so this never changes.
        return [u for u in self.users.values() if u.account_type == "atlassian" and not u.active]

    def person(self, rng: random.Random) -> User:
        """An author or assignee: mostly active people, sometimes a since-deactivated one."""
        former = self.former
        return rng.choice(former) if former and rng.random() < 0.08 else rng.choice(self.humans)


def option_json(field_id: str, oid: str, value: str) -> JSON:
    """Render a select option."""
    return {"self": f"{SITE}/rest/api/3/customFieldOption/{oid}", "value": value, "id": oid}


def sprint_field_json(sprint: Sprint) -> JSON:
    """Render one entry of the Sprint custom field."""
    body: JSON = {"id": sprint.id, "name": sprint.name, "state": sprint.state,
                  "boardId": sprint.board_id, "goal": sprint.goal}
    for name, value in (("startDate", sprint.start), ("endDate", sprint.end),
                        ("completeDate", sprint.complete)):
        if value is not None:
            body[name] = utc_ts(value)  # the Sprint field writes UTC with a Z
    return body


def item(field_id: str, fieldtype: str, frm: str | None, frm_s: str | None, to: str | None,
         to_s: str | None) -> JSON:
    """Build one changelog item (``ChangeDetails``)."""
    name = FIELD_NAMES.get(field_id, field_id) if fieldtype == "custom" else field_id
    return {"field": name, "fieldtype": fieldtype, "fieldId": field_id, "from": frm,
            "fromString": frm_s, "to": to, "toString": to_s}


class _Replayer:
    """Walks an issue's history forward, emitting items and keeping the current values."""

    def __init__(self, rng: random.Random, ctx: GenContext, fields: dict[str, Any],
                 sprints: list[Sprint]):
        self.rng, self.ctx, self.f = rng, ctx, fields
        self.description: Any = None  # the last description written, and its plain text
        self.description_text = ""
        # Sprint items still to write: added to the first sprint, then carried to the next.
        self.sprint_items = [
            item(SPRINT, "custom", ", ".join(str(s.id) for s in sprints[:k]),
                 ", ".join(s.name for s in sprints[:k]),
                 ", ".join(str(s.id) for s in sprints[: k + 1]),
                 ", ".join(s.name for s in sprints[: k + 1]))
            for k in range(len(sprints))]

    def other_item(self) -> JSON:
        rng, f = self.rng, self.f
        kind = rng.choice(_KINDS)
        if kind == "sprint" and self.sprint_items:
            return self.sprint_items.pop(0)
        if kind == "sprint":
            kind = "labels"
        if kind == "assignee":
            old = f["assignee"]
            new = rng.choice(self.ctx.humans)
            f["assignee"] = user_json(new)
            return item("assignee", "jira", old and old["accountId"], old and old["displayName"],
                        new.account_id, new.display_name)
        if kind == "priority":
            old_p = f["priority"]
            pid, name, _ = rng.choice(PRIORITIES)
            f["priority"] = priority_ref(pid)
            return item("priority", "jira", old_p["id"], old_p["name"], pid, name)
        if kind == "labels":
            old_l = list(f["labels"])
            new_l = sorted(set(old_l) ^ {rng.choice(_LABELS)})
            f["labels"] = new_l
            return item("labels", "jira", None, " ".join(old_l), None, " ".join(new_l))
        if kind == "points":
            old_v = f[STORY_POINTS]
            f[STORY_POINTS] = rng.choice(_POINTS)
            return item(STORY_POINTS, "custom", None, None if old_v is None else str(old_v), None,
                        str(f[STORY_POINTS]))
        if kind == "description":
            old_d = f["description"]
            f["description"] = adf.generated_doc(rng, self.ctx.humans)
            new_text = adf.plain_text(f["description"])
            # The previous description's text was computed when it was written.
            old_text = self.description_text if (
                old_d is not None and old_d is self.description) else (
                old_d and adf.plain_text(old_d))
            self.description, self.description_text = f["description"], new_text
            return item("description", "jira", None, old_text, None, new_text)
        old_s = f["summary"]
        f["summary"] = adf.sentence(rng, 3, 8)
        return item("summary", "jira", None, old_s, None, f["summary"])


def _initial_fields(rng: random.Random, row: IndexRow, ctx: GenContext) -> dict[str, Any]:
    project = ctx.projects[row.project_id]
    humans = ctx.humans
    reporter = rng.choice([u for u in ctx.users.values() if u.account_type == "app"] or humans) \
        if rng.random() < 0.05 else rng.choice(humans)
    pid = PRIORITIES[min(4, int(rng.triangular(0, 5, 2)))][0]
    versions = list(project.versions)
    return {
        "summary": adf.sentence(rng, 3, 9),
        "description": adf.generated_doc(rng, humans) if rng.random() < 0.85 else None,
        "issuetype": row.type_id,
        "status": "10000",
        "priority": priority_ref(pid),
        "resolution": None,
        "resolutiondate": None,
        "assignee": user_json(ctx.person(rng)) if rng.random() < 0.8 else None,
        "reporter": user_json(reporter),
        "creator": user_json(reporter),
        "created": ts(row.created),
        "statuscategorychangedate": ts(row.created),
        "duedate": None,
        "labels": sorted(rng.sample(_LABELS, rng.randint(0, 2))),
        "components": [{"self": f"{SITE}/rest/api/3/component/{c.id}", "id": str(c.id),
                        "name": c.name} for c in rng.sample(project.components,
                                                            rng.randint(0, 2))],
        "fixVersions": [_version_ref(v) for v in rng.sample(versions, rng.randint(0, 1))],
        "versions": [_version_ref(v) for v in rng.sample(versions, int(rng.random() < 0.2))],
        "environment": None,
        STORY_POINTS: rng.choice(_POINTS) if rng.random() < 0.6 else None,
        SPRINT: [sprint_field_json(s) for s in _sprints_of(row, ctx)] or None,
        RANK: f"0|i{row.n:05x}:",
        TEAM: option_json(TEAM, *rng.choice(TEAM_OPTIONS)) if rng.random() < 0.5 else None,
        PLATFORMS: [option_json(PLATFORMS, *o) for o in rng.sample(PLATFORM_OPTIONS,
                                                                   rng.randint(0, 2))] or None,
        REVIEWER: user_json(rng.choice(humans)) if rng.random() < 0.3 else None,
        TARGET_DATE: None,
        DEPLOYED_AT: None,
        TAGS: [rng.choice(_LABELS)] if rng.random() < 0.2 else None,
        RELEASE_NOTES: adf.generated_doc(rng, humans) if rng.random() < 0.1 else None,
        EFFORT: round(rng.uniform(0.5, 40), 1) if rng.random() < 0.3 else None,
    }


def _sprints_of(row: IndexRow, ctx: GenContext) -> list[Sprint]:
    return [ctx.sprints[s] for s in (row.sprint_id, row.sprint_next) if s]


def _version_ref(v: Any) -> JSON:
    return {"self": f"{SITE}/rest/api/3/version/{v.id}", "id": str(v.id), "name": v.name,
            "description": v.description, "archived": v.archived, "released": v.released,
            **({"releaseDate": v.release_date} if v.release_date else {})}


def materialize(row: IndexRow, ctx: GenContext) -> IssueData:
    """Generate the full content of the issue ``row`` describes."""
    rng = random.Random(f"{ctx.seed}:{row.n}:body")
    fields = _initial_fields(rng, row, ctx)
    data = IssueData(fields)
    if rng.random() < 0.3:
        day = row.created // 1000 + rng.randint(3, 60) * 86400
        fields["duedate"] = _date(day)
        fields[TARGET_DATE] = _date(day)
    if row.status_id == "10002" and rng.random() < 0.5:
        fields[DEPLOYED_AT] = ts(row.updated)
    # ``rng.randint(lo, hi)`` is ``lo + rng._randbelow(hi - lo + 1)``: the same draws, cheaper.
    below = rng._randbelow  # type: ignore[attr-defined]
    width = max(row.created + 1, row.updated) - row.created
    times = sorted(row.created + 1 + below(width) for _ in range(row.histories))
    if times:
        times[-1] = row.updated
    path = rng.choice(_PATHS[row.status_id])[-row.histories:] if row.histories else []
    status_at = ([*sorted(rng.sample(range(len(times) - 1), len(path) - 1)), len(times) - 1]
                 if path else [])
    replay = _Replayer(rng, ctx, fields, _sprints_of(row, ctx))
    path_iter = iter(path)
    for k, when in enumerate(times):
        items = (status_items(fields, next(path_iter), when) if k in status_at
                 else [replay.other_item()])
        for _ in range(rng.choice(_EXTRA_ITEMS)):
            if len(items) < 3:  # a history carries one to three items
                items.append(replay.other_item())
        author = rng.choice(ctx.humans)
        data.histories.append({"id": str(row.id * 1000 + k), "author": user_json(author),
                               "created": ts(when), "items": items})
    fields["status"] = row.status_id
    pin = row.histories == 0
    for k, when in enumerate(sorted(rng.randint(row.created, max(row.created, row.updated))
                                    for _ in range(row.comments))):
        when = row.updated if pin and k == row.comments - 1 else when
        data.comments.append(comment_json(row.id, row.id * 1000 + k, ctx.person(rng),
                                          adf.generated_doc(rng, ctx.humans), when,
                                          when + (rng.randint(0, 3_600_000) if rng.random() < 0.1
                                                  else 0), row.updated))
    wl_times = worklog_times(ctx.seed, row.n, row.created, row.updated, row.worklogs,
                             row.histories + row.comments == 0)
    for k, when in enumerate(wl_times):
        seconds = rng.choice([900, 1800, 3600, 7200, 14400, 28800])
        data.worklogs.append(worklog_json(row.id, row.id * 1000 + 500 + k, rng.choice(ctx.humans),
                                          seconds, when - seconds * 1000, when, when,
                                          adf.text_doc(adf.sentence(rng, 2, 6))))
    return data


def status_items(fields: dict[str, Any], to: str, when: int) -> list[JSON]:
    """Move ``fields`` to status ``to`` at ``when``; return the changelog items it writes."""
    frm = fields["status"]
    _, frm_name, frm_cat = status_by_id(frm)
    _, to_name, to_cat = status_by_id(to)
    fields["status"] = to
    items = [item("status", "jira", frm, frm_name, to, to_name)]
    if frm_cat != to_cat:
        fields["statuscategorychangedate"] = ts(when)
    if to_cat == 3 and frm_cat != 3:
        rid, rname = ("10000", "Done") if to == "10002" else ("10001", "Won't Do")
        fields["resolution"] = {"self": f"{SITE}/rest/api/3/resolution/{rid}", "id": rid,
                                "description": "", "name": rname}
        fields["resolutiondate"] = ts(when)
        items.append(item("resolution", "jira", None, None, rid, rname))
    elif to_cat != 3 and frm_cat == 3:
        old = fields["resolution"]
        fields["resolution"], fields["resolutiondate"] = None, None
        items.append(item("resolution", "jira", old and old["id"], old and old["name"], None,
                          None))
    return items


def _date(epoch_s: int) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).date().isoformat()
