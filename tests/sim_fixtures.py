"""Tiny stand-in products for the simulator-framework tests.

The framework (auth, gateway, limits, faults, log) is tested against these so that its tests
do not depend on the real Jira/Confluence simulations; they use the same context helpers as
real product handlers.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.context import principal, record_objects, require_scopes
from dlt_atlassian.simulator.server import SimulatorServer

JIRA_USER_SCOPES = ["read:jira-user", "read:user:jira"]
SPACE_SCOPES = ["read:confluence-space.summary", "read:space:confluence"]


class StubJira:
    def __init__(self, page_size: int = 3) -> None:
        self.page_size = page_size

    def routes(self) -> list[BaseRoute]:
        async def myself(request: Request) -> JSONResponse:
            require_scopes(request, JIRA_USER_SCOPES)
            p = principal(request)
            record_objects(request, 1)
            return JSONResponse({"accountId": p.account_id, "emailAddress": p.email,
                                 "authKind": p.auth_kind, "viaGateway": p.via_gateway,
                                 "timeZone": p.time_zone})

        async def issue(request: Request) -> JSONResponse:
            record_objects(request, 1)
            key = request.path_params["issueIdOrKey"]
            return JSONResponse({"id": "10001", "key": key, "fields": {"summary": "x" * 50}})

        async def search(request: Request) -> JSONResponse:
            if request.method == "POST":
                body: dict[str, Any] = json.loads(await request.body())
            else:
                body = dict(request.query_params)
            issues = [{"id": str(10000 + n), "key": f"P-{n}"} for n in range(self.page_size)]
            record_objects(request, len(issues))
            return JSONResponse({"issues": issues, "isLast": True, "echo": body})

        async def boom(request: Request) -> JSONResponse:
            raise ValueError("handler bug")

        return [
            Route("/rest/api/3/myself", myself, methods=["GET"]),
            Route("/rest/api/3/issue/{issueIdOrKey}", issue, methods=["GET"]),
            Route("/rest/api/3/search/jql", search, methods=["GET", "POST"]),
            Route("/rest/api/3/boom", boom, methods=["GET"]),
        ]

    def control_routes(self) -> list[BaseRoute]:
        async def state(request: Request) -> JSONResponse:
            return JSONResponse({"product": "jira", "pageSize": self.page_size})

        return [Route("/state", state, methods=["GET"])]


class StubConfluence:
    def routes(self) -> list[BaseRoute]:
        async def spaces(request: Request) -> JSONResponse:
            require_scopes(request, SPACE_SCOPES)
            record_objects(request, 2)
            return JSONResponse({"results": [{"id": "1", "key": "ENG"}, {"id": "2", "key": "OPS"}],
                                 "_links": {}})

        async def v1_space(request: Request) -> JSONResponse:
            record_objects(request, 1)
            return JSONResponse({"results": [{"id": 1, "key": "ENG"}], "size": 1})

        return [
            Route("/wiki/api/v2/spaces", spaces, methods=["GET"]),
            Route("/wiki/rest/api/space", v1_space, methods=["GET"]),
        ]

    def control_routes(self) -> list[BaseRoute]:
        async def state(request: Request) -> JSONResponse:
            return JSONResponse({"product": "confluence"})

        return [Route("/state", state, methods=["GET"])]


def stub_products() -> dict[str, Any]:
    return {"jira": StubJira(), "confluence": StubConfluence()}


ADMIN_AUTH = ("admin@example.com", "sim-api-token")


def site_client(server: SimulatorServer, **kwargs: Any) -> httpx.Client:
    """A client on the site URL with the demo classic API token."""
    kwargs.setdefault("auth", ADMIN_AUTH)
    kwargs.setdefault("timeout", 10)
    return httpx.Client(base_url=server.base_url, **kwargs)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
