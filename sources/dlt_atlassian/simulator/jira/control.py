"""HTTP control API under ``/_sim/jira`` (no auth): mutate the site and read the truth."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.jira.mutations import Mutator, NotFoundError
from dlt_atlassian.simulator.jira.truth import Truth

Handler = Callable[[Request], Awaitable[Response]]


def _guard(handler: Callable[[Request], Awaitable[Any]]) -> Handler:
    async def run(request: Request) -> Response:
        try:
            result = await handler(request)
        except NotFoundError as err:
            return JSONResponse({"error": f"not found: {err.args[0]}"}, status_code=404)
        except (ValueError, StopIteration, TypeError) as err:
            return JSONResponse({"error": str(err) or "bad request"}, status_code=400)
        return JSONResponse(result)

    return run


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    body = json.loads(raw or b"{}")
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body


class ControlApi:
    """Control endpoints over a :class:`Mutator` and a :class:`Truth`."""

    def __init__(self, mutator: Mutator, truth: Truth) -> None:
        self.mutator, self.truth = mutator, truth

    def routes(self) -> list[BaseRoute]:
        """Routes relative to the ``/_sim/jira`` mount."""
        return [
            Route("/issues", _guard(self._create), methods=["POST"]),
            Route("/issues/{key}", _guard(self._update), methods=["POST", "PUT"]),
            Route("/issues/{key}", _guard(self._delete), methods=["DELETE"]),
            Route("/issues/{key}/move", _guard(self._move), methods=["POST"]),
            Route("/issues/{key}/comments", _guard(self._add_comment), methods=["POST"]),
            Route("/comments/{cid:int}", _guard(self._delete_comment), methods=["DELETE"]),
            Route("/issues/{key}/worklogs", _guard(self._add_worklog), methods=["POST"]),
            Route("/worklogs/{wid:int}", _guard(self._update_worklog), methods=["PUT", "POST"]),
            Route("/worklogs/{wid:int}", _guard(self._delete_worklog), methods=["DELETE"]),
            Route("/truth/issues", _guard(self._issues), methods=["GET"]),
            Route("/truth/issues/{key}", _guard(self._issue), methods=["GET"]),
            Route("/truth/issues/{key}/changelog", _guard(self._changelog), methods=["GET"]),
            Route("/truth/summary", _guard(self._summary), methods=["GET"]),
        ]

    async def _create(self, request: Request) -> Any:
        body = await _body(request)
        key = self.mutator.create_issue(body["project"], body.get("summary", "New issue"),
                                        body.get("issuetype", "Task"), body.get("fields"),
                                        body.get("actor"))
        row = self.mutator.row(key)
        return {"id": str(row.id), "key": key}

    async def _update(self, request: Request) -> Any:
        body = await _body(request)
        return {"key": self.mutator.update_issue(request.path_params["key"],
                                                 body.get("fields", {}), body.get("actor"))}

    async def _delete(self, request: Request) -> Any:
        return {"id": str(self.mutator.delete_issue(request.path_params["key"]))}

    async def _move(self, request: Request) -> Any:
        body = await _body(request)
        return {"key": self.mutator.move_issue(request.path_params["key"], body["project"],
                                               body.get("actor"))}

    async def _add_comment(self, request: Request) -> Any:
        body = await _body(request)
        cid = self.mutator.add_comment(request.path_params["key"], body.get("body")
                                       or body.get("text", "A comment"), body.get("actor"))
        return {"id": str(cid)}

    async def _delete_comment(self, request: Request) -> Any:
        self.mutator.delete_comment(request.path_params["cid"])
        return {"deleted": True}

    async def _add_worklog(self, request: Request) -> Any:
        body = await _body(request)
        wid = self.mutator.add_worklog(request.path_params["key"],
                                       int(body.get("timeSpentSeconds", 3600)), body.get("actor"),
                                       body.get("comment"))
        return {"id": str(wid)}

    async def _update_worklog(self, request: Request) -> Any:
        body = await _body(request)
        self.mutator.update_worklog(request.path_params["wid"],
                                    int(body.get("timeSpentSeconds", 3600)))
        return {"updated": True}

    async def _delete_worklog(self, request: Request) -> Any:
        self.mutator.delete_worklog(request.path_params["wid"])
        return {"deleted": True}

    async def _issues(self, request: Request) -> Any:
        return self.truth.issues(str(request.base_url).rstrip("/"),
                                 request.query_params.get("timeZone", "UTC"))

    async def _issue(self, request: Request) -> Any:
        try:
            return self.truth.issue(request.path_params["key"], str(request.base_url).rstrip("/"))
        except KeyError as err:
            raise NotFoundError(request.path_params["key"]) from err

    async def _changelog(self, request: Request) -> Any:
        try:
            return self.truth.changelog(request.path_params["key"],
                                        str(request.base_url).rstrip("/"))
        except KeyError as err:
            raise NotFoundError(request.path_params["key"]) from err

    async def _summary(self, request: Request) -> Any:
        return {"issueIds": self.truth.issue_ids(), "keys": self.truth.issue_keys(),
                "deletedIssueIds": self.truth.deleted_issue_ids(),
                "deletedWorklogIds": self.truth.deleted_worklog_ids(),
                "boards": self.truth.boards(),
                "sprintMembership": {str(k): v for k, v in
                                     self.truth.sprint_membership().items()}}
