"""Jira Software Agile 1.0: boards, their sprints, and a sprint's issues."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.jira.catalog import Board, Sprint
from dlt_atlassian.simulator.jira.jql import JqlError, parse
from dlt_atlassian.simulator.jira.jql_compile import compile_where
from dlt_atlassian.simulator.jira.model import SITE, iso_ts
from dlt_atlassian.simulator.jira.render import _project_avatars, parse_fields, render_issue
from dlt_atlassian.simulator.jira.store import JiraStore
from dlt_atlassian.simulator.jira.web import (
    JiraHttpError,
    int_param,
    list_param,
    operation,
    page_size,
    reply,
    zone,
)


def sprint_json(sprint: Sprint) -> dict[str, Any]:
    """Render an agile ``Sprint``."""
    body: dict[str, Any] = {"id": sprint.id, "self": f"{SITE}/rest/agile/1.0/sprint/{sprint.id}",
                            "state": sprint.state, "name": sprint.name}
    for name, value in (("startDate", sprint.start), ("endDate", sprint.end),
                        ("completeDate", sprint.complete)):
        if value is not None:
            body[name] = iso_ts(value)
    body["originBoardId"] = sprint.board_id
    body["goal"] = sprint.goal
    return body


class AgileApi:
    """Agile endpoints."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store
        self.cap = store.config.caps.agile

    def routes(self) -> list[BaseRoute]:
        """The routes this module serves."""
        return [
            Route("/rest/agile/1.0/board", self.boards, methods=["GET"]),
            Route("/rest/agile/1.0/board/{boardId}/sprint", self.board_sprints, methods=["GET"]),
            Route("/rest/agile/1.0/sprint/{sprintId}/issue", self.sprint_issues, methods=["GET"]),
        ]

    def board_json(self, board: Board) -> dict[str, Any]:
        """Render an agile board with its project location."""
        project = self.store.ctx.projects[board.project_id]
        return {"id": board.id, "self": f"{SITE}/rest/agile/1.0/board/{board.id}",
                "name": board.name, "type": board.type,
                "location": {"projectId": project.id, "displayName": f"{project.name} "
                             f"({project.key})", "projectName": project.name,
                             "projectKey": project.key, "projectTypeKey": "software",
                             "avatarURI": _project_avatars(project.id)["48x48"],
                             "name": f"{project.name} ({project.key})"}}

    def _page(self, request: Request, items: list[Any], total: bool) -> dict[str, Any]:
        start = int_param(request, "startAt", 0)
        size = page_size(request, self.cap, self.cap)
        values = items[start: start + size]
        body: dict[str, Any] = {"maxResults": size, "startAt": start}
        if total:
            body["total"] = len(items)
        body["isLast"] = start + size >= len(items)
        body["values"] = values
        return body

    @operation("GET /rest/agile/1.0/board")
    async def boards(self, request: Request) -> Response:
        """GET /rest/agile/1.0/board (offset-paged; ``type``, ``projectKeyOrId`` filters)."""
        types = set(list_param(request, "type"))
        where = request.query_params.get("projectKeyOrId")
        project = self.store.project(where) if where else None
        if where and project is None:
            raise JiraHttpError(400, f"No project could be found with key or id '{where}'")
        boards = [self.board_json(b) for b in self.store.boards
                  if (not types or b.type in types) and (project is None
                                                         or b.project_id == project.id)]
        body = self._page(request, boards, total=True)
        return reply(request, body, len(body["values"]))

    @operation("GET /rest/agile/1.0/board/{boardId}/sprint")
    async def board_sprints(self, request: Request) -> Response:
        """GET /rest/agile/1.0/board/{boardId}/sprint; kanban boards have no sprints (400)."""
        board = self._board(request)
        if board.type != "scrum":
            raise JiraHttpError(400, "The board does not support sprints")
        states = set(list_param(request, "state"))
        sprints = [sprint_json(s) for s in board.sprints if not states or s.state in states]
        body = self._page(request, sprints, total=False)
        return reply(request, body, len(body["values"]))

    def _board(self, request: Request) -> Board:
        raw = request.path_params["boardId"]
        board = self.store.board(int(raw)) if raw.isdigit() else None
        if board is None:
            raise JiraHttpError(404, "The requested board cannot be viewed because it either "
                                "does not exist or you do not have permission to view it.")
        return board

    @operation("GET /rest/agile/1.0/sprint/{sprintId}/issue")
    async def sprint_issues(self, request: Request) -> Response:
        """GET /rest/agile/1.0/sprint/{sprintId}/issue (offset-paged issues, ``total``)."""
        raw = request.path_params["sprintId"]
        sprint = self.store.sprints.get(int(raw)) if raw.isdigit() else None
        if sprint is None:
            raise JiraHttpError(404, f"Sprint with id {raw} does not exist or you do not have "
                                "permission to see it.")
        predicate = None
        text = request.query_params.get("jql")
        if text:
            try:
                query = parse(text)
                if query.where is not None:
                    predicate = compile_where(query.where, self.store.jql_context(zone(request)))
            except JqlError as err:
                raise JiraHttpError(400, str(err)) from err
        wanted = parse_fields(list_param(request, "fields"), ["*navigable"])
        expand = set(list_param(request, "expand"))
        start = int_param(request, "startAt", 0)
        size = page_size(request, self.cap, self.cap)
        with self.store.lock:
            rows = self.store.sprint_rows(sprint.id)
            if predicate is not None:
                rows = [r for r in rows if predicate(r)]
            issues = []
            for row in rows[start: start + size]:
                issue = render_issue(self.store, row, wanted, expand, 40)
                issue["self"] = f"{SITE}/rest/agile/1.0/issue/{row.id}"
                issues.append(issue)
        body = {"expand": "schema,names", "startAt": start, "maxResults": size,
                "total": len(rows), "issues": issues}
        return reply(request, body, len(issues))
