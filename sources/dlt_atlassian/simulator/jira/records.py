"""Comments and worklogs as the REST API renders them (marker-bearing JSON)."""

from __future__ import annotations

from dlt_atlassian.simulator.jira.model import JSON, SITE, ts
from dlt_atlassian.simulator.jira.people import user_json
from dlt_atlassian.simulator.users import User


def comment_json(issue_id: int, cid: int, author: User, body: JSON, created: int, updated: int,
                 cap: int | None = None) -> JSON:
    """Render a comment (``Comment``); ``cap`` keeps an edit no later than the issue's update."""
    if cap is not None:
        updated = min(updated, max(cap, created))
    return {"self": f"{SITE}/rest/api/3/issue/{issue_id}/comment/{cid}", "id": str(cid),
            "author": user_json(author), "body": body, "updateAuthor": user_json(author),
            "created": ts(created), "updated": ts(updated), "jsdPublic": True}


def worklog_json(issue_id: int, wid: int, author: User, seconds: int, started: int, created: int,
                 updated: int, comment: JSON | None) -> JSON:
    """Render a worklog (``Worklog``)."""
    hours, minutes = divmod(seconds // 60, 60)
    spent = " ".join(p for p in (f"{hours}h" if hours else "", f"{minutes}m" if minutes else "")
                     if p) or "0m"
    body: JSON = {"self": f"{SITE}/rest/api/3/issue/{issue_id}/worklog/{wid}",
                  "author": user_json(author), "updateAuthor": user_json(author),
                  "created": ts(created), "updated": ts(updated), "started": ts(started),
                  "timeSpent": spent, "timeSpentSeconds": seconds, "id": str(wid),
                  "issueId": str(issue_id)}
    if comment is not None:
        body["comment"] = comment
    return body
