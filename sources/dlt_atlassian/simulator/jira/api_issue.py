"""One issue, its comments and worklogs, and the site-wide worklog change feeds."""

from __future__ import annotations

import bisect
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.jira import adf, encode
from dlt_atlassian.simulator.jira.index import IndexRow
from dlt_atlassian.simulator.jira.model import ALL_FIELDS, FIELD_NAMES
from dlt_atlassian.simulator.jira.render import parse_fields, render_issue
from dlt_atlassian.simulator.jira.store import JiraStore
from dlt_atlassian.simulator.jira.web import (
    JiraHttpError,
    int_param,
    json_body,
    list_param,
    operation,
    page_size,
    page_url,
    reply,
    reply_raw,
)

NOT_FOUND = "Issue does not exist or you do not have permission to see it."
_MINUTE = 60_000


def parse_ms(marker: str) -> int:
    """Epoch ms out of a ``@@T…@@`` marker."""
    return int(marker[3:-2])


class IssueApi:
    """Issue, comment and worklog endpoints."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store
        self.caps = store.config.caps

    def routes(self) -> list[BaseRoute]:
        """The routes this module serves."""
        return [
            Route("/rest/api/3/issue/{issueIdOrKey}", self.issue, methods=["GET"]),
            Route("/rest/api/3/issue/{issueIdOrKey}/comment", self.comments, methods=["GET"]),
            Route("/rest/api/3/comment/list", self.comment_list, methods=["POST"]),
            Route("/rest/api/3/issue/{issueIdOrKey}/worklog", self.worklogs, methods=["GET"]),
            Route("/rest/api/3/worklog/updated", self.worklogs_updated, methods=["GET"]),
            Route("/rest/api/3/worklog/deleted", self.worklogs_deleted, methods=["GET"]),
            Route("/rest/api/3/worklog/list", self.worklog_list, methods=["POST"]),
        ]

    def _row(self, request: Request) -> IndexRow:
        row = self.store.index.resolve(request.path_params["issueIdOrKey"])
        if row is None:
            raise JiraHttpError(404, NOT_FOUND)
        return row

    @operation("GET /rest/api/3/issue/{issueIdOrKey}")
    async def issue(self, request: Request) -> Response:
        """GET /rest/api/3/issue/{issueIdOrKey}: all fields unless ``fields`` narrows them."""
        row = self._row(request)
        wanted = parse_fields(list_param(request, "fields"), ["*all"])
        expand = set(list_param(request, "expand"))
        with self.store.lock:
            body = render_issue(self.store, row, wanted, expand, self.caps.issue_changelog)
        return reply(request, body, 1)

    @operation("GET /rest/api/3/issue/{issueIdOrKey}/comment")
    async def comments(self, request: Request) -> Response:
        """GET /rest/api/3/issue/{issueIdOrKey}/comment (offset-paged, ``orderBy=created``)."""
        row = self._row(request)
        order = request.query_params.get("orderBy")
        if order not in (None, "", "created", "+created", "-created"):
            raise JiraHttpError(400, f"Sorting by '{order}' is not supported.")
        start = int_param(request, "startAt", 0)
        size = page_size(request, 100, self.caps.comments)
        comments = sorted(self.store.data(row).comments, key=lambda c: (c["created"], int(c["id"])))
        if order == "-created":
            comments.reverse()
        page = comments[start: start + size]
        if "renderedBody" in list_param(request, "expand"):
            page = [{**c, "renderedBody": adf.to_html(c["body"])} for c in page]
        return reply(request, {"startAt": start, "maxResults": size, "total": len(comments),
                               "comments": page}, len(page))

    @operation("POST /rest/api/3/comment/list")
    async def comment_list(self, request: Request) -> Response:
        """POST /rest/api/3/comment/list: comments by id (up to 1000)."""
        ids = _ids(await json_body(request), self.caps.comment_list_ids)
        found: list[dict[str, Any]] = []
        with self.store.lock:
            for cid in sorted(ids):
                row = self.store.issue_of_comment(cid)
                if row is None or row.deleted:
                    continue
                found += [c for c in self.store.data(row).comments if int(c["id"]) == cid]
        return reply(request, {"maxResults": len(ids), "startAt": 0, "total": len(found),
                               "isLast": True, "values": found}, len(found))

    @operation("GET /rest/api/3/issue/{issueIdOrKey}/worklog")
    async def worklogs(self, request: Request) -> Response:
        """GET /rest/api/3/issue/{issueIdOrKey}/worklog (offset-paged, started filters)."""
        row = self._row(request)
        start = int_param(request, "startAt", 0)
        size = page_size(request, 5000, self.caps.worklogs)
        after = int_param(request, "startedAfter", -(1 << 62), minimum=-(1 << 62))
        before = int_param(request, "startedBefore", 1 << 62, minimum=-(1 << 62))
        logs = [w for w in self.store.data(row).worklogs
                if after <= parse_ms(w["started"]) < before]
        page = logs[start: start + size]
        return reply(request, {"startAt": start, "maxResults": size, "total": len(logs),
                               "worklogs": page}, len(page))

    @operation("GET /rest/api/3/worklog/updated")
    async def worklogs_updated(self, request: Request) -> Response:
        """GET /rest/api/3/worklog/updated?since=: ids and times, oldest first, 1000 a page."""
        with self.store.lock:
            feed = list(self.store.index.worklog_feed)
        return self._changed(request, feed)

    @operation("GET /rest/api/3/worklog/deleted")
    async def worklogs_deleted(self, request: Request) -> Response:
        """GET /rest/api/3/worklog/deleted?since=."""
        with self.store.lock:
            feed = list(self.store.deleted_worklogs)
        return self._changed(request, feed)

    def _changed(self, request: Request, feed: list[tuple[int, int]]) -> Response:
        since = int_param(request, "since", 0, minimum=-(1 << 62))
        # Jira leaves out changes made in the minute before the request.
        horizon = int(self.store.clock.now().timestamp() * 1000) - _MINUTE
        begin = bisect.bisect_left(feed, (since, -1))
        end = bisect.bisect_right(feed, (horizon, 1 << 62))
        window = feed[begin:end]
        cap = self.caps.worklog_updated
        page = window[:cap]
        last = len(window) <= cap
        values = [{"worklogId": wid, "updatedTime": when, "properties": []} for when, wid in page]
        until = page[-1][0] if page else since
        body = {"values": values, "since": page[0][0] if page else since, "until": until,
                "self": page_url(request, since=since), "nextPage": page_url(request, since=until),
                "lastPage": last}
        return reply(request, body, len(values))

    @operation("POST /rest/api/3/worklog/list")
    async def worklog_list(self, request: Request) -> Response:
        """POST /rest/api/3/worklog/list: worklogs by id (bare array, up to 1000)."""
        ids = _ids(await json_body(request), self.caps.worklog_list_ids)
        found: list[bytes] = []
        with self.store.lock:
            for wid in sorted(ids):
                row = self.store.issue_of_worklog(wid)
                if row is None or row.deleted:
                    continue
                found += [log if isinstance(log, bytes) else encode.dumps(log)
                          for log_id, log in self.store.worklog_json(row) if log_id == wid]
        # The worklogs are serialized one by one (most come from a cache): joined, they are
        # exactly the serialized list.
        return reply_raw(request, b"[" + b",".join(found) + b"]", len(found))


def _ids(body: dict[str, Any], cap: int) -> list[int]:
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids:
        raise JiraHttpError(400, "The ids must not be empty.")
    if len(ids) > cap:
        raise JiraHttpError(400, f"The maximum number of ids is {cap}.")
    try:
        return [int(i) for i in ids]
    except (TypeError, ValueError) as err:
        raise JiraHttpError(400, "The ids must be numbers.") from err


__all__ = ["ALL_FIELDS", "FIELD_NAMES", "IssueApi"]
