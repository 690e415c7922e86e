"""Render issues as the REST API does: field selection, links, sub-tasks, expands."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from starlette.responses import Response

from dlt_atlassian.simulator.jira import adf, encode
from dlt_atlassian.simulator.jira.catalog import Project
from dlt_atlassian.simulator.jira.index import IndexRow
from dlt_atlassian.simulator.jira.model import (
    ALL_FIELDS,
    FIELD_NAMES,
    JSON,
    NAVIGABLE,
    SITE,
    WORKLOG_FIELD_CAP,
    finish_text,
    issuetype_json,
    link_type_json,
    status_json,
    ts,
)
from dlt_atlassian.simulator.jira.store import JiraStore

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


def finish(body: Any, base_url: str, zone: str) -> Any:
    """Resolve site/time markers in ``body`` and return plain JSON data (for truth accessors)."""
    return json.loads(finish_text(json.dumps(body), base_url, zone))


def jira_response(body: Any, base_url: str, zone: str, status: int = 200) -> Response:
    """Serialize ``body`` with markers resolved for the caller."""
    raw = encode.finish(encode.dumps(body), base_url, zone)
    return Response(raw, status_code=status, media_type="application/json;charset=UTF-8")


def parse_fields(values: Iterable[str], default: list[str]) -> list[str]:
    """Resolve a ``fields`` parameter (comma lists, ``*all``, ``*navigable``, ``-field``)."""
    requested = [v.strip() for raw in values for v in str(raw).split(",") if v.strip()]
    if not requested:
        requested = default
    chosen: list[str] = []
    excluded: set[str] = set()
    for name in requested:
        if name == "*all":
            chosen += ALL_FIELDS
        elif name == "*navigable":
            chosen += NAVIGABLE
        elif name.startswith("-"):
            excluded.add(name[1:])
        elif name in ALL_FIELDS or name in ("id", "key"):
            chosen.append(name)
        else:
            lowered = name.lower()
            chosen += [f for f, n in FIELD_NAMES.items() if n.lower() == lowered]
    return [f for f in dict.fromkeys(chosen) if f not in excluded]


def project_ref(project: Project) -> JSON:
    """Render the ``project`` field value."""
    return {"self": f"{SITE}/rest/api/3/project/{project.id}", "id": str(project.id),
            "key": project.key, "name": project.name, "projectTypeKey": "software",
            "simplified": False, "avatarUrls": _project_avatars(project.id)}


def _project_avatars(pid: int) -> dict[str, str]:
    return {f"{s}x{s}": f"{SITE}/rest/api/3/universal_avatar/view/type/project/avatar/{pid}?s={s}"
            for s in (48, 24, 16, 32)}


def _issue_ref(store: JiraStore, row: IndexRow) -> JSON:
    summary, status, priority = store.ref_fields(row)
    return {"id": str(row.id), "key": row.key, "self": f"{SITE}/rest/api/3/issue/{row.id}",
            "fields": {"summary": summary, "status": status_json(status),
                       "priority": priority, "issuetype": issuetype_json(row.type_id)}}


def _links(store: JiraStore, row: IndexRow) -> list[JSON]:
    out: list[JSON] = []
    target = store.index.by_id.get(row.link_to) if row.link_to else None
    if target is not None and not target.deleted:
        out.append({"id": str(row.id), "self": f"{SITE}/rest/api/3/issueLink/{row.id}",
                    "type": link_type_json(row.link_type), "outwardIssue": _issue_ref(store,
                                                                                      target)})
    for source_id in store.index.links_in.get(row.id, []):
        source = store.index.by_id[source_id]
        if not source.deleted:
            out.append({"id": str(source.id), "self": f"{SITE}/rest/api/3/issueLink/{source.id}",
                        "type": link_type_json(source.link_type),
                        "inwardIssue": _issue_ref(store, source)})
    return out


def field_values(store: JiraStore, row: IndexRow, wanted: list[str]) -> JSON:
    """Compute the requested field values of one issue (marker-bearing)."""
    data = store.data(row)
    stored = data.fields
    out: JSON = {}
    for name in wanted:
        if name in ("id", "key"):
            continue
        if name == "status":
            out[name] = status_json(stored["status"])
        elif name == "issuetype":
            out[name] = issuetype_json(row.type_id)
        elif name == "project":
            out[name] = project_ref(store.ctx.projects[row.project_id])
        elif name == "updated":
            out[name] = ts(row.updated)
        elif name == "parent":
            parent = store.index.by_id.get(row.parent_id) if row.parent_id else None
            if parent is not None:
                out[name] = _issue_ref(store, parent)
        elif name == "subtasks":
            kids = [store.index.by_id[k] for k in store.index.children.get(row.id, [])]
            out[name] = [_issue_ref(store, k) for k in kids if not k.deleted]
        elif name == "issuelinks":
            out[name] = _links(store, row)
        elif name == "comment":
            out[name] = {"comments": data.comments, "self": f"{SITE}/rest/api/3/issue/{row.id}/"
                         "comment", "maxResults": len(data.comments),
                         "total": len(data.comments), "startAt": 0}
        elif name == "worklog":
            out[name] = {"startAt": 0, "maxResults": WORKLOG_FIELD_CAP,
                         "total": len(data.worklogs),
                         "worklogs": data.worklogs[:WORKLOG_FIELD_CAP]}
        elif name == "timetracking":
            spent = sum(int(w["timeSpentSeconds"]) for w in data.worklogs)
            out[name] = {"timeSpentSeconds": spent} if spent else {}
        elif name == "watches":
            out[name] = {"self": f"{SITE}/rest/api/3/issue/{row.key}/watchers", "watchCount": 1,
                         "isWatching": False}
        elif name == "votes":
            out[name] = {"self": f"{SITE}/rest/api/3/issue/{row.key}/votes", "votes": 0,
                         "hasVoted": False}
        else:
            out[name] = stored.get(name)
    return out


def render_issue(store: JiraStore, row: IndexRow, wanted: list[str], expand: set[str],
                 changelog_cap: int) -> JSON:
    """Render one issue envelope (``IssueBean``); ``fields=id`` yields just the id."""
    if wanted == ["id"] and not expand:
        return {"id": str(row.id)}
    body: JSON = {"expand": ISSUE_EXPAND, "id": str(row.id),
                  "self": f"{SITE}/rest/api/3/issue/{row.id}", "key": row.key}
    values = field_values(store, row, wanted)
    if "renderedFields" in expand:
        body["renderedFields"] = {k: adf.to_html(v) if isinstance(v, dict) and v.get("type")
                                  == "doc" else v for k, v in values.items()}
    if "names" in expand:
        body["names"] = {k: FIELD_NAMES.get(k, k) for k in values}
    body["fields"] = values
    if "changelog" in expand:
        # Jira documents the expanded changelog as "sorted by date, starting from the most
        # recent" and cuts it at the cap: long histories lose their oldest entries here.
        histories = store.data(row).histories
        recent = list(reversed(histories[-changelog_cap:])) if changelog_cap else []
        body["changelog"] = {"startAt": 0, "maxResults": len(recent),
                             "total": len(histories), "histories": recent}
    return body
