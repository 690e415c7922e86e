"""Jira's fixed catalogue (statuses, priorities, types, fields) and the output markers.

Stored issue data never contains the site URL or a formatted timestamp: it carries
``SITE`` and :func:`ts` markers that :mod:`.render` replaces per request, because Jira writes
links with the caller's base URL and datetimes in the caller's profile time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from dlt_atlassian.simulator.jira.timefmt import format_marker

SITE = "@@SITE@@"
_TS_RE = re.compile(r"@@([TZI])(-?\d+)@@")

JSON = dict[str, Any]

# id, name, category id
STATUSES: list[tuple[str, str, int]] = [
    ("10000", "To Do", 2),
    ("3", "In Progress", 4),
    ("10001", "In Review", 4),
    ("10002", "Done", 3),
    ("10003", "Won't Fix", 3),
]
STATUS_CATEGORIES: dict[int, tuple[str, str, str]] = {
    1: ("undefined", "No Category", "medium-gray"),
    2: ("new", "To Do", "blue-gray"),
    4: ("indeterminate", "In Progress", "yellow"),
    3: ("done", "Done", "green"),
}
PRIORITIES: list[tuple[str, str, str]] = [
    ("1", "Highest", "#d04437"),
    ("2", "High", "#f15C75"),
    ("3", "Medium", "#f79232"),
    ("4", "Low", "#707070"),
    ("5", "Lowest", "#999999"),
]
# id, name, subtask, hierarchy level
ISSUE_TYPES: list[tuple[str, str, bool, int]] = [
    ("10001", "Story", False, 0),
    ("10002", "Task", False, 0),
    ("10003", "Bug", False, 0),
    ("10004", "Epic", False, 1),
    ("10005", "Sub-task", True, -1),
]
RESOLUTIONS: list[tuple[str, str, str]] = [
    ("10000", "Done", "Work has been completed on this issue."),
    ("10001", "Won't Do", "This issue won't be actioned."),
    ("10002", "Duplicate", "The problem is a duplicate of an existing issue."),
    ("10003", "Cannot Reproduce", "All attempts at reproducing this issue failed."),
]
LINK_TYPES: list[tuple[str, str, str, str]] = [
    ("10000", "Blocks", "is blocked by", "blocks"),
    ("10001", "Cloners", "is cloned by", "clones"),
    ("10002", "Duplicate", "is duplicated by", "duplicates"),
    ("10003", "Relates", "relates to", "relates to"),
]

_CFT = "com.atlassian.jira.plugin.system.customfieldtypes:"
# id, name, schema (without customId), clause names
CUSTOM_FIELDS: list[tuple[str, str, JSON]] = [
    ("customfield_10016", "Story point estimate", {"type": "number", "custom": f"{_CFT}float"}),
    ("customfield_10020", "Sprint", {
        "type": "array", "items": "json", "custom": "com.pyxis.greenhopper.jira:gh-sprint"}),
    ("customfield_10019", "Rank", {
        "type": "any", "custom": "com.pyxis.greenhopper.jira:gh-lexo-rank"}),
    ("customfield_10030", "Team", {"type": "option", "custom": f"{_CFT}select"}),
    ("customfield_10031", "Platforms", {
        "type": "array", "items": "option", "custom": f"{_CFT}multiselect"}),
    ("customfield_10032", "Reviewer", {"type": "user", "custom": f"{_CFT}userpicker"}),
    ("customfield_10033", "Target date", {"type": "date", "custom": f"{_CFT}datepicker"}),
    ("customfield_10034", "Deployed at", {"type": "datetime", "custom": f"{_CFT}datetime"}),
    ("customfield_10035", "Tags", {"type": "array", "items": "string", "custom": f"{_CFT}labels"}),
    ("customfield_10036", "Release notes", {"type": "string", "custom": f"{_CFT}textarea"}),
    ("customfield_10037", "Effort hours", {"type": "number", "custom": f"{_CFT}float"}),
]
STORY_POINTS, SPRINT, RANK, TEAM, PLATFORMS, REVIEWER = (c[0] for c in CUSTOM_FIELDS[:6])
TARGET_DATE, DEPLOYED_AT, TAGS, RELEASE_NOTES, EFFORT = (c[0] for c in CUSTOM_FIELDS[6:])
TEAM_OPTIONS = [
    ("10100", "Platform"), ("10101", "Payments"), ("10102", "Growth"), ("10103", "Core")]
PLATFORM_OPTIONS = [("10110", "Web"), ("10111", "iOS"), ("10112", "Android"), ("10113", "API")]

# id, name, schema, navigable, searchable, orderable
SYSTEM_FIELDS: list[tuple[str, str, JSON | None, bool]] = [
    ("summary", "Summary", {"type": "string", "system": "summary"}, True),
    ("description", "Description", {"type": "string", "system": "description"}, True),
    ("issuetype", "Issue Type", {"type": "issuetype", "system": "issuetype"}, True),
    ("project", "Project", {"type": "project", "system": "project"}, True),
    ("status", "Status", {"type": "status", "system": "status"}, True),
    ("priority", "Priority", {"type": "priority", "system": "priority"}, True),
    ("resolution", "Resolution", {"type": "resolution", "system": "resolution"}, True),
    ("resolutiondate", "Resolved", {"type": "datetime", "system": "resolutiondate"}, True),
    ("assignee", "Assignee", {"type": "user", "system": "assignee"}, True),
    ("reporter", "Reporter", {"type": "user", "system": "reporter"}, True),
    ("creator", "Creator", {"type": "user", "system": "creator"}, True),
    ("created", "Created", {"type": "datetime", "system": "created"}, True),
    ("updated", "Updated", {"type": "datetime", "system": "updated"}, True),
    ("statuscategorychangedate", "Status Category Changed",
     {"type": "datetime", "system": "statuscategorychangedate"}, True),
    ("duedate", "Due date", {"type": "date", "system": "duedate"}, True),
    ("labels", "Labels", {"type": "array", "items": "string", "system": "labels"}, True),
    ("components", "Components",
     {"type": "array", "items": "component", "system": "components"}, True),
    ("fixVersions", "Fix versions",
     {"type": "array", "items": "version", "system": "fixVersions"}, True),
    ("versions", "Affects versions",
     {"type": "array", "items": "version", "system": "versions"}, True),
    ("parent", "Parent", None, True),
    ("subtasks", "Sub-tasks", {"type": "array", "items": "issuelinks", "system": "subtasks"}, True),
    ("issuelinks", "Linked Issues",
     {"type": "array", "items": "issuelinks", "system": "issuelinks"}, True),
    ("environment", "Environment", {"type": "string", "system": "environment"}, True),
    ("comment", "Comment", {"type": "comments-page", "system": "comment"}, False),
    ("worklog", "Log Work", {"type": "array", "items": "worklog", "system": "worklog"}, False),
    ("timetracking", "Time tracking", {"type": "timetracking", "system": "timetracking"}, False),
    ("watches", "Watchers", {"type": "watches", "system": "watches"}, True),
    ("votes", "Votes", {"type": "votes", "system": "votes"}, True),
]
FIELD_NAMES: dict[str, str] = {f[0]: f[1] for f in SYSTEM_FIELDS} | {
    c[0]: c[1] for c in CUSTOM_FIELDS
}
NAVIGABLE: list[str] = [f[0] for f in SYSTEM_FIELDS if f[3]] + [c[0] for c in CUSTOM_FIELDS]
ALL_FIELDS: list[str] = [f[0] for f in SYSTEM_FIELDS] + [c[0] for c in CUSTOM_FIELDS]
WORKLOG_FIELD_CAP = 20  # the issue's ``worklog`` field carries at most 20 worklogs


def ts(ms: int) -> str:
    """Return the marker for a datetime (epoch milliseconds), formatted per caller later."""
    return f"@@T{ms}@@"


def utc_ts(ms: int) -> str:
    """Return the marker for an ISO datetime in UTC with ``Z`` (the Sprint field's format)."""
    return f"@@Z{ms}@@"


def iso_ts(ms: int) -> str:
    """Return the marker for an ISO datetime with ``+10:00`` offsets (the Agile API's format)."""
    return f"@@I{ms}@@"


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def format_jira_time(ms: int, zone: str = "UTC") -> str:
    """Format epoch ms as Jira does: ``2024-01-17T12:34:56.789+0100``."""
    when = datetime.fromtimestamp(ms / 1000, UTC).astimezone(_zone(zone))
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}" + when.strftime("%z")


def finish_text(text: str, base_url: str, zone: str) -> str:
    """Replace the site and time markers in serialized JSON for one caller."""
    text = text.replace(SITE, base_url.rstrip("/"))
    return _TS_RE.sub(lambda m: format_marker(m.group(1), int(m.group(2)), zone), text)


def reference_format(kind: str, ms: int, zone: str) -> str:
    """One marker formatted the slow, obvious way (what :func:`format_marker` must equal)."""
    if kind == "Z":
        return format_jira_time(ms, "UTC")[:-5] + "Z"
    text = format_jira_time(ms, zone)
    return text if kind == "T" else text[:-2] + ":" + text[-2:]


_Row = TypeVar("_Row")
# Id lookups for the hot renderers (they used to scan the lists).
_STATUS_BY_ID = {s[0]: s for s in STATUSES}
_PRIORITY_BY_ID = {p[0]: p for p in PRIORITIES}
_TYPE_BY_ID = {t[0]: t for t in ISSUE_TYPES}


def _find(table: dict[str, _Row], key: str) -> _Row:
    found = table.get(key)
    if found is None:
        raise StopIteration(key)  # what the former ``next(...)`` scan raised
    return found


def status_by_id(status_id: str) -> tuple[str, str, int]:
    """Return the (id, name, category) tuple of a status."""
    return _find(_STATUS_BY_ID, status_id)


def status_json(status_id: str) -> JSON:
    """Render a status as Jira's ``StatusDetails``."""
    sid, name, cat = status_by_id(status_id)
    return {
        "self": f"{SITE}/rest/api/3/status/{sid}",
        "description": "",
        "iconUrl": f"{SITE}/images/icons/statuses/generic.png",
        "name": name,
        "untranslatedName": name,
        "id": sid,
        "statusCategory": category_json(cat),
    }


def category_json(cat: int) -> JSON:
    """Render a status category."""
    key, name, color = STATUS_CATEGORIES[cat]
    return {
        "self": f"{SITE}/rest/api/3/statuscategory/{cat}",
        "id": cat,
        "key": key,
        "colorName": color,
        "name": name,
    }


def priority_json(pid: str) -> JSON:
    """Render a priority."""
    _, name, color = _find(_PRIORITY_BY_ID, pid)
    return {
        "self": f"{SITE}/rest/api/3/priority/{pid}",
        "iconUrl": f"{SITE}/images/icons/priorities/{name.lower()}.svg",
        "name": name,
        "id": pid,
        "statusColor": color,
        "description": name,
    }


def priority_ref(pid: str) -> JSON:
    """Render the ``priority`` field value of an issue."""
    _, name, _ = _find(_PRIORITY_BY_ID, pid)
    return {"self": f"{SITE}/rest/api/3/priority/{pid}",
            "iconUrl": f"{SITE}/images/icons/priorities/{name.lower()}.svg", "name": name,
            "id": pid}


def issuetype_json(tid: str) -> JSON:
    """Render an issue type (``IssueTypeDetails``)."""
    _, name, subtask, level = _find(_TYPE_BY_ID, tid)
    return {
        "self": f"{SITE}/rest/api/3/issuetype/{tid}",
        "id": tid,
        "description": f"A {name.lower()}.",
        "iconUrl": f"{SITE}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{tid}",
        "name": name,
        "subtask": subtask,
        "avatarId": int(tid),
        "hierarchyLevel": level,
    }


def resolution_json(rid: str) -> JSON:
    """Render a resolution."""
    _, name, desc = next(r for r in RESOLUTIONS if r[0] == rid)
    return {"self": f"{SITE}/rest/api/3/resolution/{rid}", "id": rid, "description": desc,
            "name": name}


def link_type_json(lid: str) -> JSON:
    """Render an issue link type."""
    _, name, inward, outward = next(t for t in LINK_TYPES if t[0] == lid)
    return {"id": lid, "name": name, "inward": inward, "outward": outward,
            "self": f"{SITE}/rest/api/3/issueLinkType/{lid}"}
