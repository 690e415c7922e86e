"""Changes made through the control API: each one bumps ``updated`` and writes history."""

from __future__ import annotations

import bisect
from typing import Any

from dlt_atlassian.simulator.jira import adf, encode
from dlt_atlassian.simulator.jira.generator import IssueData, item, option_json, status_items
from dlt_atlassian.simulator.jira.index import IndexRow
from dlt_atlassian.simulator.jira.model import (
    CUSTOM_FIELDS,
    ISSUE_TYPES,
    PRIORITIES,
    STATUSES,
    TEAM,
    TEAM_OPTIONS,
    priority_ref,
    ts,
)
from dlt_atlassian.simulator.jira.people import user_json
from dlt_atlassian.simulator.jira.records import comment_json, worklog_json
from dlt_atlassian.simulator.jira.store import JiraStore
from dlt_atlassian.simulator.users import User

_CUSTOM_IDS = {c[0] for c in CUSTOM_FIELDS}


class NotFoundError(KeyError):
    """The issue, comment or worklog does not exist (or was deleted)."""


class Mutator:
    """Applies control-API changes to a :class:`JiraStore`."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store

    def _now(self) -> int:
        return int(self.store.clock.now().timestamp() * 1000)

    def row(self, key: str) -> IndexRow:
        """Resolve a live issue by id or key."""
        row = self.store.index.resolve(str(key))
        if row is None:
            raise NotFoundError(key)
        return row

    def _actor(self, account_id: str | None) -> User:
        user = self.store.users.get(account_id) if account_id else None
        return user or self.store.users.admin

    def _touch(self, row: IndexRow, data: IssueData, items: list[dict[str, Any]],
               actor: User) -> int:
        now = max(self._now(), row.updated)
        row.updated = now
        if items:
            hid = self.store.new_object_id()
            data.histories.append({"id": str(hid), "author": user_json(actor),
                                   "created": ts(now), "items": items})
        row.status_id = data.fields["status"]
        return now

    def update_issue(self, key: str, fields: dict[str, Any], actor: str | None = None) -> str:
        """Change fields and record the change; returns the issue key.

        Accepts summary, status (name or id), assignee (account id), labels, priority (name or
        id), description/environment (text or ADF), duedate and custom field ids.
        """
        with self.store.lock:
            row = self.row(key)
            data = self.store.mutable(row)
            f = data.fields
            items: list[dict[str, Any]] = []
            now = max(self._now(), row.updated)
            for name, value in fields.items():
                items += self._set(row, f, name, value, now)
            self._touch(row, data, items, self._actor(actor))
            return row.key

    def _set(self, row: IndexRow, f: dict[str, Any], name: str, value: Any,
             now: int) -> list[dict[str, Any]]:
        encode.note_stored(value)
        if name == "status":
            sid = next((s[0] for s in STATUSES if value in (s[0], s[1])), None)
            if sid is None:
                raise ValueError(f"unknown status {value!r}")
            return status_items(f, sid, now) if sid != f["status"] else []
        if name == "assignee":
            old = f["assignee"]
            user = self.store.users.get(value) if value else None
            f["assignee"] = user_json(user) if user else None
            return [item("assignee", "jira", old and old["accountId"], old and old["displayName"],
                         user.account_id if user else None, user.display_name if user else None)]
        if name == "priority":
            pid, pname, _ = next(p for p in PRIORITIES if value in (p[0], p[1]))
            old = f["priority"]
            f["priority"] = priority_ref(pid)
            return [item("priority", "jira", old["id"], old["name"], pid, pname)]
        if name in ("description", "environment", "customfield_10036"):
            old_doc = f.get(name)
            doc = adf.text_doc(value) if isinstance(value, str) else value
            f[name] = doc
            return [item(name, "custom" if name in _CUSTOM_IDS else "jira", None,
                         old_doc and adf.plain_text(old_doc), None,
                         adf.plain_text(doc) if doc else None)]
        if name == TEAM and isinstance(value, str):
            option = next(o for o in TEAM_OPTIONS if value in o)
            value = option_json(TEAM, *option)
        old_value = f.get(name)
        f[name] = sorted(value) if name == "labels" else value
        kind = "custom" if name in _CUSTOM_IDS else "jira"
        return [item(name, kind, None, _as_text(old_value), None, _as_text(f[name]))]

    def create_issue(self, project: str, summary: str, issuetype: str = "Task",
                     fields: dict[str, Any] | None = None, actor: str | None = None) -> str:
        """Create an issue in ``project`` (key or id); returns its key."""
        with self.store.lock:
            target = self.store.project(project)
            if target is None:
                raise NotFoundError(project)
            type_id = next(t[0] for t in ISSUE_TYPES if issuetype in (t[0], t[1]))
            now = self._now()
            index = self.store.index
            n = len(index.rows)
            row = IndexRow(n, index.rows[-1].id + 1 if index.rows else 10000, "", target.id, now,
                           now, "10000", type_id, 0, 0, 0, "", 0, 0, 0)
            index.add(row)
            user = self._actor(actor)
            data = IssueData({
                "summary": summary, "description": None, "issuetype": type_id,
                "status": "10000", "priority": priority_ref("3"),
                "resolution": None, "resolutiondate": None, "assignee": None,
                "reporter": user_json(user), "creator": user_json(user), "created": ts(now),
                "statuscategorychangedate": ts(now), "duedate": None, "labels": [],
                "components": [], "fixVersions": [], "versions": [], "environment": None,
                **{c[0]: None for c in CUSTOM_FIELDS}, "customfield_10019": f"0|i{n:05x}:",
            })
            self.store.overrides[row.id] = data
            self.store.version += 1
            for name, value in (fields or {}).items():
                self._set(row, data.fields, name, value, now)
            row.status_id = data.fields["status"]
            return row.key

    def delete_issue(self, key: str) -> int:
        """Delete an issue (and its sub-tasks, like Jira); returns its id."""
        with self.store.lock:
            row = self.row(key)
            for child in self.store.index.children.get(row.id, []):
                child_row = self.store.index.by_id[child]
                if not child_row.deleted:
                    self.delete_issue(child_row.key)
            now = self._now()
            for log in self.store.data(row).worklogs:
                # A deleted issue takes its worklogs with it; the feed reports them deleted.
                self._refeed(int(log["id"]), _ms(log["updated"]), None)
                bisect.insort(self.store.deleted_worklogs, (now, int(log["id"])))
            row.deleted = True
            self.store.deleted_issue_ids.append(row.id)
            self.store.version += 1
            return row.id

    def move_issue(self, key: str, project: str, actor: str | None = None) -> str:
        """Move an issue to another project: new key, same id, the old key keeps resolving."""
        with self.store.lock:
            row = self.row(key)
            target = self.store.project(project)
            if target is None:
                raise NotFoundError(project)
            data = self.store.mutable(row)
            old_key, old_project = row.key, self.store.ctx.projects[row.project_id]
            number = self.store.index.next_number[target.id]
            self.store.index.next_number[target.id] = number + 1
            row.project_id, row.key = target.id, f"{target.key}-{number}"
            self.store.index.by_key[row.key] = row
            data.fields["components"], data.fields["fixVersions"] = [], []
            items = [item("project", "jira", str(old_project.id), old_project.name,
                          str(target.id), target.name),
                     {**item("Key", "jira", None, old_key, None, row.key), "fieldId": "issuekey"}]
            self._touch(row, data, items, self._actor(actor))
            return row.key

    def add_comment(self, key: str, text: str | dict[str, Any], actor: str | None = None) -> int:
        """Add a comment (plain text or ADF); returns its id."""
        with self.store.lock:
            row = self.row(key)
            data = self.store.mutable(row)
            cid = self.store.new_object_id()
            now = max(self._now(), row.updated)
            body = adf.text_doc(text) if isinstance(text, str) else text
            encode.note_stored(body)
            data.comments.append(comment_json(row.id, cid, self._actor(actor), body, now, now))
            self.store.comment_owner[cid] = row.id
            self._touch(row, data, [], self._actor(actor))
            return cid

    def delete_comment(self, comment_id: int) -> None:
        """Delete a comment."""
        with self.store.lock:
            row = self.store.issue_of_comment(int(comment_id))
            if row is None or row.deleted:
                raise NotFoundError(comment_id)
            data = self.store.mutable(row)
            kept = [c for c in data.comments if int(c["id"]) != int(comment_id)]
            if len(kept) == len(data.comments):
                raise NotFoundError(comment_id)
            data.comments[:] = kept
            self._touch(row, data, [], self.store.users.admin)

    def add_worklog(self, key: str, seconds: int, actor: str | None = None,
                    comment: str | None = None) -> int:
        """Log work on an issue; returns the worklog id (it appears in /worklog/updated)."""
        with self.store.lock:
            row = self.row(key)
            data = self.store.mutable(row)
            wid = self.store.new_object_id()
            now = max(self._now(), row.updated)
            data.worklogs.append(worklog_json(row.id, wid, self._actor(actor), int(seconds),
                                              now - int(seconds) * 1000, now, now,
                                              adf.text_doc(comment) if comment else None))
            self.store.worklog_owner[wid] = row.id
            bisect.insort(self.store.index.worklog_feed, (now, wid))
            self._touch(row, data, [], self._actor(actor))
            return wid

    def update_worklog(self, worklog_id: int, seconds: int) -> None:
        """Change a worklog's time spent (bumps its updated time)."""
        with self.store.lock:
            row, data, log = self._worklog(int(worklog_id))
            now = max(self._now(), row.updated)
            updated = worklog_json(row.id, int(worklog_id), self._actor(None), int(seconds),
                                   _ms(log["started"]), _ms(log["created"]), now,
                                   log.get("comment"))
            updated["author"] = log["author"]
            data.worklogs[data.worklogs.index(log)] = updated
            self._refeed(int(worklog_id), _ms(log["updated"]), now)
            self._touch(row, data, [], self.store.users.admin)

    def delete_worklog(self, worklog_id: int) -> None:
        """Delete a worklog (it appears in /worklog/deleted)."""
        with self.store.lock:
            row, data, log = self._worklog(int(worklog_id))
            now = max(self._now(), row.updated)
            data.worklogs.remove(log)
            self._refeed(int(worklog_id), _ms(log["updated"]), None)
            bisect.insort(self.store.deleted_worklogs, (now, int(worklog_id)))
            self._touch(row, data, [], self.store.users.admin)

    def _worklog(self, wid: int) -> tuple[IndexRow, IssueData, dict[str, Any]]:
        row = self.store.issue_of_worklog(wid)
        if row is None or row.deleted:
            raise NotFoundError(wid)
        data = self.store.mutable(row)
        log = next((w for w in data.worklogs if int(w["id"]) == wid), None)
        if log is None:
            raise NotFoundError(wid)
        return row, data, log

    def _refeed(self, wid: int, old: int, new: int | None) -> None:
        feed = self.store.index.worklog_feed
        at = bisect.bisect_left(feed, (old, wid))
        if at < len(feed) and feed[at] == (old, wid):
            del feed[at]
        if new is not None:
            bisect.insort(feed, (new, wid))


def _ms(marker: str) -> int:
    return int(marker[3:-2])


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return " ".join(_as_text(v) or "" for v in value)
    if isinstance(value, dict):
        return str(value.get("value") or value.get("name") or value.get("displayName") or "")
    return str(value)
