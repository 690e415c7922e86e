"""The simulator's single ASGI app.

Product paths go through the product pipeline; everything else (auth server, control API)
through a plain Starlette app.
"""

from __future__ import annotations

import time
from email.utils import formatdate
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Message, Receive, Scope, Send

from dlt_atlassian.simulator import faultrender
from dlt_atlassian.simulator.asgi import FinishBeforeLastByte, Recorder, read_body, replay
from dlt_atlassian.simulator.control import control_routes
from dlt_atlassian.simulator.faults import AUTH_SERVER_PREFIXES
from dlt_atlassian.simulator.middleware import ProductPipeline, is_product_path
from dlt_atlassian.simulator.oauth_routes import oauth_routes
from dlt_atlassian.simulator.requestlog import LoggedRequest
from dlt_atlassian.simulator.tenant_info import tenant_info_routes

if TYPE_CHECKING:
    from dlt_atlassian.simulator.state import Simulator


class SimulatorApp:
    """Dispatches by path: ``/rest``, ``/wiki``, ``/ex`` to products, the rest to Starlette."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        product_routes: dict[str, list[BaseRoute]] = {
            name: list(product.routes())
            for name, product in (("jira", sim.jira), ("confluence", sim.confluence))
            if product is not None
        }
        self.products = ProductPipeline(sim, product_routes)
        routes: list[BaseRoute] = [Route("/", _root, methods=["GET"])]
        routes += oauth_routes(sim)
        routes += tenant_info_routes(sim)
        routes += control_routes(sim)
        for name, product in (("jira", sim.jira), ("confluence", sim.confluence)):
            if product is not None:
                routes.append(Mount(f"/_sim/{name}", routes=list(product.control_routes())))
        self.other = Starlette(routes=routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one ASGI connection."""
        if scope["type"] == "http":
            send = self._dated(send)
        if scope["type"] == "http" and is_product_path(scope["path"]):
            await self.products(scope, receive, send)
        elif scope["type"] == "http" and scope["path"].startswith(AUTH_SERVER_PREFIXES):
            await self._auth_server(scope, receive, send)
        else:
            await self.other(scope, receive, send)

    def _dated(self, send: Send) -> Send:
        # The Date header comes from the simulated clock, like every other time the server
        # states (X-RateLimit-Reset, token expiry): clients compare them with each other.
        async def dated_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                stamp = formatdate(self.sim.clock.timestamp(), usegmt=True).encode()
                message = {**message, "headers": [*headers, (b"date", stamp)]}
            await send(message)

        return dated_send

    async def _auth_server(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The auth server gets scripted faults (token refresh must survive 5xx and resets)
        # and is counted in the request log like the products.
        started = time.perf_counter()
        method, path = scope["method"], scope["path"]
        kind: str | None = None

        def finish(status: int) -> None:
            self.sim.requests.record(LoggedRequest(
                at=self.sim.clock.timestamp(), method=method, endpoint=f"{method} {path}",
                path=path, status=status, objects=0, auth_kind=None, via_gateway=False,
                fault=kind, duration_ms=round((time.perf_counter() - started) * 1000, 3)))

        logged = FinishBeforeLastByte(send, finish)
        body = await read_body(receive)
        if body is None:
            logged.finish(faultrender.CLIENT_GONE)
            return
        kind = self.sim.faults.pick(method, path, auth_server=True)
        if kind is not None and kind not in faultrender.BODY_FAULTS:
            outcome = await faultrender.before_route(self.sim, kind, scope, receive, logged)
            if outcome is not None:
                logged.finish(outcome)
                return
        recorder = Recorder(logged, hold=kind in faultrender.BODY_FAULTS)
        await self.other(scope, replay(body, receive), recorder)
        if recorder.start is not None:
            await faultrender.send_corrupted(kind or "", recorder.start, bytes(recorder.body),
                                             logged, scope)
        logged.finish(recorder.status)


async def _root(request: Request) -> Response:
    return JSONResponse({"service": "dlt-atlassian simulator",
                         "endpoints": ["/authorize", "/oauth/token",
                                       "/oauth/token/accessible-resources", "/rest/...",
                                       "/wiki/...", "/ex/{product}/{cloudId}/...", "/_sim/..."]})


def build_app(sim: Simulator) -> SimulatorApp:
    """Build the ASGI app for ``sim``."""
    return SimulatorApp(sim)
