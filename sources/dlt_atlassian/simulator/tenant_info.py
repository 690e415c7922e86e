"""``GET {site}/_edge/tenant_info``: the site's public cloud id lookup (no auth).

Real Atlassian sites answer ``{"cloudId": "<uuid>"}``; scoped API tokens need the cloud id to
build gateway URLs (``/ex/{product}/{cloudId}``) when it is not configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

if TYPE_CHECKING:
    from dlt_atlassian.simulator.state import Simulator


def tenant_info_routes(sim: Simulator) -> list[BaseRoute]:
    """The ``/_edge/tenant_info`` route, bound to ``sim``."""

    async def tenant_info(request: Request) -> Response:
        return JSONResponse({"cloudId": sim.cloud_id})

    return [Route("/_edge/tenant_info", tenant_info, methods=["GET"])]
