"""``/search/jql``, ``/search/approximate-count``, the removed ``/search`` and changelog reads."""

from __future__ import annotations

import base64
import binascii
import bisect
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.jira import encode
from dlt_atlassian.simulator.jira.jql import JqlError
from dlt_atlassian.simulator.jira.model import FIELD_NAMES
from dlt_atlassian.simulator.jira.render import parse_fields, render_issue
from dlt_atlassian.simulator.jira.store import JiraStore
from dlt_atlassian.simulator.jira.web import (
    JiraHttpError,
    bool_param,
    error_response,
    int_param,
    json_body,
    list_param,
    operation,
    page_size,
    page_url,
    reply,
    reply_raw,
    zone,
)

REMOVED = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql API."
           " A full migration guideline is available at "
           "https://developer.atlassian.com/changelog/#CHANGE-2046")


def encode_token(position: list[int]) -> str:
    """An opaque page token holding a position (not an offset)."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_token(token: str) -> list[int]:
    """Read a page token or fail with 400."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = json.loads(raw)
        if isinstance(value, list) and all(isinstance(v, int) for v in value):
            return value
    except (ValueError, binascii.Error):
        pass
    raise JiraHttpError(400, "The provided next page token is invalid or expired.")


class SearchApi:
    """Issue search and changelog endpoints."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store
        self.caps = store.config.caps

    def routes(self) -> list[BaseRoute]:
        """The routes this module serves."""
        return [
            Route("/rest/api/3/search/jql", self.search_get, methods=["GET"]),
            Route("/rest/api/3/search/jql", self.search_post, methods=["POST"]),
            Route("/rest/api/3/search/approximate-count", self.count, methods=["POST"]),
            Route("/rest/api/3/search", self.removed, methods=["GET", "POST"]),
            Route("/rest/api/2/search", self.removed, methods=["GET", "POST"]),
            Route("/rest/api/3/changelog/bulkfetch", self.bulkfetch, methods=["POST"]),
            Route("/rest/api/3/issue/{issueIdOrKey}/changelog", self.issue_changelog,
                  methods=["GET"]),
        ]

    async def removed(self, request: Request) -> Response:
        """The legacy search answers 410 Gone since 2025 (CHANGE-2046)."""
        return error_response(410, REMOVED)

    @operation("GET /rest/api/3/search/jql")
    async def search_get(self, request: Request) -> Response:
        """GET /rest/api/3/search/jql."""
        params: dict[str, Any] = {
            "jql": request.query_params.get("jql", ""),
            "nextPageToken": request.query_params.get("nextPageToken"),
            "maxResults": int_param(request, "maxResults", self.caps.search_jql_default),
            "fields": list_param(request, "fields"),
            "expand": request.query_params.get("expand", ""),
            "fieldsByKeys": bool_param(request, "fieldsByKeys"),
            "reconcileIssues": list_param(request, "reconcileIssues"),
        }
        return self._search(request, params)

    @operation("POST /rest/api/3/search/jql")
    async def search_post(self, request: Request) -> Response:
        """POST /rest/api/3/search/jql."""
        body = await json_body(request)
        fields = body.get("fields") or []
        if not isinstance(fields, list):
            raise JiraHttpError(400, "Invalid request payload. Refer to the REST API "
                                "documentation and try again.")
        body.setdefault("maxResults", self.caps.search_jql_default)
        body["fields"] = fields
        if isinstance(body.get("expand"), list):
            body["expand"] = ",".join(str(e) for e in body["expand"])
        return self._search(request, body)

    def _search(self, request: Request, params: dict[str, Any]) -> Response:
        reconcile = params.get("reconcileIssues") or []
        if len(reconcile) > 50:
            raise JiraHttpError(400, "The maximum number of reconcileIssues is 50.")
        wanted = parse_fields(params["fields"], ["id"])
        expand = {e.strip() for e in str(params.get("expand") or "").split(",") if e.strip()}
        ids_only = set(wanted) <= {"id", "key"}
        cap = self.caps.search_jql_ids_only if ids_only else self.caps.search_jql_with_fields
        try:
            size = max(0, min(int(params["maxResults"]), cap))
        except (TypeError, ValueError) as err:
            raise JiraHttpError(400, "maxResults must be an integer.") from err
        token = params.get("nextPageToken")
        try:
            hits = self.store.search(str(params.get("jql") or ""), zone(request))
        except JqlError as err:
            return error_response(400, str(err))
        start = bisect.bisect_right(hits, (tuple(decode_token(token)), 1 << 62)) if token else 0
        page = hits[start: start + size]
        issues = []
        with self.store.lock:
            for _, issue_id in page:
                row = self.store.index.by_id[issue_id]
                issues.append(render_issue(self.store, row, wanted, expand - {"names"},
                                           self.caps.changelog_expand_cap))
        body: dict[str, Any] = {"issues": issues}
        is_last = start + size >= len(hits)
        if not is_last and page:
            next_token = encode_token(list(page[-1][0]))
            repeat = self.store.config.faults.repeat_page_token and token
            body["nextPageToken"] = token if repeat else next_token
        if not self.store.config.faults.drop_is_last:
            body["isLast"] = is_last
        if "names" in expand:
            body["names"] = {f: FIELD_NAMES[f] for f in wanted if f in FIELD_NAMES}
        return reply(request, body, len(issues))

    @operation("POST /rest/api/3/search/approximate-count")
    async def count(self, request: Request) -> Response:
        """POST /rest/api/3/search/approximate-count."""
        body = await json_body(request)
        try:
            hits = self.store.search(str(body.get("jql") or ""), zone(request))
        except JqlError as err:
            return error_response(400, str(err))
        return reply(request, {"count": len(hits)})

    @operation("POST /rest/api/3/changelog/bulkfetch")
    async def bulkfetch(self, request: Request) -> Response:
        """POST /rest/api/3/changelog/bulkfetch: histories of many issues, token-paged."""
        body = await json_body(request)
        keys = body.get("issueIdsOrKeys")
        if not isinstance(keys, list) or not keys:
            raise JiraHttpError(400, "issueIdsOrKeys must not be empty.")
        if len(keys) > self.caps.changelog_bulk_issues:
            raise JiraHttpError(400, "The number of issueIdsOrKeys must be less than or equal to "
                                f"{self.caps.changelog_bulk_issues}.")
        field_ids = body.get("fieldIds") or []
        if not isinstance(field_ids, list) or len(field_ids) > 10:
            raise JiraHttpError(400, "The number of fieldIds must be less than or equal to 10.")
        try:
            size = int(body.get("maxResults", 1000))
        except (TypeError, ValueError) as err:
            raise JiraHttpError(400, "maxResults must be an integer.") from err
        if size < 1:
            raise JiraHttpError(400, "maxResults must be greater than 0.")
        size = min(size, self.caps.changelog_bulk_max_results)
        issue_pos, hist_pos = decode_token(body["nextPageToken"]) if body.get(
            "nextPageToken") else (0, 0)
        rows = []
        seen: set[int] = set()
        for raw in keys:
            row = self.store.index.resolve(str(raw))
            if row is not None and row.id not in seen:
                seen.add(row.id)
                rows.append(row)
        out: list[tuple[str, list[bytes]]] = []
        taken, next_token = 0, None
        with self.store.lock:
            for i in range(issue_pos, len(rows)):
                histories: list[bytes | dict[str, Any]] = [*(
                    _filtered(self.store.data(rows[i]).histories, set(field_ids)) if field_ids
                    else self.store.history_json(rows[i]))]
                begin = hist_pos if i == issue_pos else 0
                chunk = histories[begin: begin + size - taken]
                if chunk:
                    out.append((str(rows[i].id), [h if isinstance(h, bytes) else encode.dumps(h)
                                                  for h in chunk]))
                taken += len(chunk)
                if begin + len(chunk) < len(histories):
                    next_token = encode_token([i, begin + len(chunk)])
                    break
                if taken >= size and i + 1 < len(rows):
                    next_token = encode_token([i + 1, 0])
                    break
        # Histories come serialized (most from a cache), so the body is assembled as bytes:
        # exactly json.dumps({"issueChangeLogs": [...], "nextPageToken": ...}) compacted.
        logs = b",".join(b'{"issueId":' + encode.dumps(issue_id) + b',"changeHistories":['
                         + b",".join(chunk) + b"]}" for issue_id, chunk in out)
        token_part = b',"nextPageToken":' + encode.dumps(next_token) if next_token else b""
        return reply_raw(request, b'{"issueChangeLogs":[' + logs + b"]" + token_part + b"}",
                         taken)

    @operation("GET /rest/api/3/issue/{issueIdOrKey}/changelog")
    async def issue_changelog(self, request: Request) -> Response:
        """GET /rest/api/3/issue/{issueIdOrKey}/changelog (offset-paged)."""
        row = self.store.index.resolve(request.path_params["issueIdOrKey"])
        if row is None:
            raise JiraHttpError(404, "Issue does not exist or you do not have permission to see "
                                "it.")
        start = int_param(request, "startAt", 0)
        size = page_size(request, 100, self.caps.issue_changelog)
        histories = self.store.data(row).histories
        values = histories[start: start + size]
        last = start + size >= len(histories)
        body: dict[str, Any] = {"self": page_url(request), "maxResults": size, "startAt": start,
                                "total": len(histories), "isLast": last, "values": values}
        if not last:
            body["nextPage"] = page_url(request, startAt=start + size)
        return reply(request, body, len(values))


def _filtered(histories: list[dict[str, Any]], field_ids: set[str]) -> list[dict[str, Any]]:
    if not field_ids:
        return histories
    out = []
    for history in histories:
        items = [i for i in history["items"] if i.get("fieldId") in field_ids
                 or i.get("field") in field_ids]
        if items:
            out.append({**history, "items": items})
    return out
