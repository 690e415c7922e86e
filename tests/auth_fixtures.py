"""Helpers for the auth tests: a simulator whose products are tiny stubs (the auth server,
gateway and middleware are the real ones), and OAuth credentials pointing at it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.credentials import AtlassianOAuthCredentials
from dlt_atlassian.simulator.context import principal, require_scopes
from dlt_atlassian.simulator.server import SimulatorServer

CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
SCOPES = ["offline_access", "read:jira-work", "read:jira-user", "read:page:confluence"]
JIRA_PROBE = "/rest/api/3/myself"
CONFLUENCE_PROBE = "/wiki/api/v2/spaces"


class StubProduct:
    """One authenticated, scope-checked endpoint per product: enough to exercise auth."""

    def __init__(self, product: str) -> None:
        self.product = product

    def routes(self) -> list[BaseRoute]:
        async def probe(request: Request) -> Response:
            if self.product == "jira":
                require_scopes(request, ["read:jira-user", "read:jira-work"])
            else:
                require_scopes(request, ["read:page:confluence"])
            who = principal(request)
            return JSONResponse({"accountId": who.account_id, "authKind": who.auth_kind})

        path = JIRA_PROBE if self.product == "jira" else CONFLUENCE_PROBE
        return [Route(path, probe, methods=["GET"])]

    def control_routes(self) -> list[BaseRoute]:
        return []


def stub_products() -> dict[str, Any]:
    return {"jira": StubProduct("jira"), "confluence": StubProduct("confluence")}


def oauth_credentials(server: SimulatorServer, **fields: Any) -> AtlassianOAuthCredentials:
    values: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "auth_base_url": server.base_url,
        "api_base_url": server.base_url,
        "site_url": server.base_url,
    }
    values.update(fields)
    return AtlassianOAuthCredentials(**values).resolve()


def sim_clock(server: SimulatorServer) -> Callable[[], float]:
    """The simulator's clock, so refresh-ahead decisions follow simulated time."""
    return server.sim.clock.timestamp


def family_refreshes(server: SimulatorServer) -> int:
    return server.sim.oauth.total_refreshes()


class CountingTransport(httpx.HTTPTransport):
    """A real transport that also remembers which paths it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)
