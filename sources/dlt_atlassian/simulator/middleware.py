"""The product request pipeline, as raw ASGI (faults need control over the socket and body).

Order, as on the real path through Atlassian's edge: latency, gateway prefix strip (unknown
cloud id -> 404), authentication, route lookup (404/405), rate limits, injected faults, the
product's route, then accounting (points for objects returned, request log).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from dlt_atlassian.simulator import faultrender
from dlt_atlassian.simulator.asgi import (
    FinishBeforeLastByte,
    Recorder,
    header,
    read_body,
    replay,
    send_bytes,
)
from dlt_atlassian.simulator.authn import AuthFailure, authenticate, scope_mismatch
from dlt_atlassian.simulator.context import Principal, ScopeError
from dlt_atlassian.simulator.requestlog import LoggedRequest
from dlt_atlassian.simulator.responses import error_body, gateway_body, product_of

if TYPE_CHECKING:
    from dlt_atlassian.simulator.state import Simulator

log = logging.getLogger(__name__)

PRODUCT_PREFIXES = ("/rest/", "/wiki/", "/ex/")


def is_product_path(path: str) -> bool:
    """True for paths the product pipeline serves (site or gateway)."""
    return path.startswith(PRODUCT_PREFIXES)


def split_gateway(path: str) -> tuple[str, str | None, str] | None:
    """``/ex/{product}/{cloudId}/rest/x`` -> ``(product, cloudId, "/rest/x")``.

    Site paths give ``(product, None, path)``; anything malformed gives ``None``.
    """
    if not path.startswith("/ex/"):
        return product_of(path), None, path
    parts = path.split("/", 4)  # "", "ex", product, cloudId, rest
    if len(parts) < 4 or parts[2] not in ("jira", "confluence") or not parts[3]:
        return None
    rest = "/" + (parts[4] if len(parts) > 4 else "")
    if parts[2] == "confluence" and not rest.startswith("/wiki/"):
        rest = "/wiki" + rest  # the gateway accepts Confluence paths with or without /wiki
    return parts[2], parts[3], rest


class ProductPipeline:
    """ASGI app serving Jira and Confluence routes at the site root and behind the gateway."""

    def __init__(self, sim: Simulator, routes: dict[str, list[BaseRoute]]) -> None:
        self.sim = sim
        self.routes = routes
        self._rng = random.Random(sim.config.faults.seed + 1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one product request."""
        started = time.perf_counter()
        method, path = scope["method"], scope["path"]
        info: dict[str, Any] = {"endpoint": f"{method} {path}", "fault": None, "state": None,
                                "principal": None, "site_path": path, "via_gateway": False}

        def finish(status: int) -> None:
            principal: Principal | None = info["principal"]
            auth_kind = principal.auth_kind if principal else None
            state = info["state"] or {}
            objects = int(state.get("objects_returned", 0) or 0)
            if objects:
                self.sim.rate_limiter.charge_objects(objects, auth_kind)
            self.sim.requests.record(LoggedRequest(
                at=self.sim.clock.timestamp(), method=method, endpoint=info["endpoint"],
                path=info["site_path"], status=status, objects=objects, auth_kind=auth_kind,
                via_gateway=info["via_gateway"], fault=info["fault"],
                duration_ms=round((time.perf_counter() - started) * 1000, 3)))

        logged = FinishBeforeLastByte(send, finish)
        status = await self._serve(scope, receive, logged, info)
        logged.finish(status)

    async def _serve(self, scope: Scope, receive: Receive, send: Send,
                     info: dict[str, Any]) -> int:
        await self._latency()
        split = split_gateway(scope["path"])
        if split is None:
            return await send_bytes(send, 404, gateway_body(404, "Not Found"))
        product, cloud_id, site_path = split
        via_gateway = cloud_id is not None
        info["site_path"], info["via_gateway"] = site_path, via_gateway
        info["endpoint"] = f"{scope['method']} {site_path}"
        if via_gateway and cloud_id != self.sim.cloud_id:
            return await send_bytes(send, 404, gateway_body(404, "Not Found"))
        if product_of(site_path) != product:
            return await send_bytes(send, 404, error_body(site_path, 404, "Not Found"))

        authorization = header(scope.get("headers", []), b"authorization")
        auth = authenticate(self.sim, authorization, product=product,  # type: ignore[arg-type]
                            via_gateway=via_gateway, path=site_path)
        if isinstance(auth, AuthFailure):
            return await send_bytes(send, auth.status, auth.body, list(auth.headers),
                                     auth.content_type)
        info["principal"] = auth

        child = {**scope, "path": site_path, "raw_path": site_path.encode(), "root_path": "",
                 "state": {"principal": auth, "objects_returned": 0},
                 "sim.gateway_prefix": f"/ex/{product}/{cloud_id}" if via_gateway else ""}
        info["state"] = child["state"]
        route, status = self._match(product, child)
        if route is None:
            message = "Method Not Allowed" if status == 405 else "Not Found"
            return await send_bytes(send, status, error_body(site_path, status, message))
        info["endpoint"] = f"{scope['method']} {getattr(route, 'path', site_path)}"

        decision = self.sim.rate_limiter.check(product, info["endpoint"], auth.auth_kind)
        if not decision.allowed:
            info["fault"] = decision.reason
            return await send_bytes(send, 429, faultrender.rate_limited_body(site_path),
                                     decision.headers)

        body = await read_body(receive)
        if body is None:  # client went away
            return 499
        kind = self.sim.faults.pick(scope["method"], site_path)
        info["fault"] = kind
        if kind is not None and kind not in faultrender.BODY_FAULTS:
            outcome = await faultrender.before_route(self.sim, kind, child, receive, send)
            if outcome is not None:
                return outcome
        replayed = replay(body, receive)
        recorder = Recorder(send, decision.headers, hold=kind in faultrender.BODY_FAULTS)
        try:
            await route.handle(child, replayed, recorder)
        except ScopeError:
            if recorder.sent:
                raise
            failure = scope_mismatch()
            return await send_bytes(send, failure.status, failure.body, decision.headers)
        except HTTPException as exc:
            if recorder.sent:
                raise
            return await send_bytes(send, exc.status_code,
                                     error_body(site_path, exc.status_code, str(exc.detail)),
                                     decision.headers)
        except Exception:
            # A bug in a product handler: answer 500 like the real service, keep the trace.
            log.exception("simulator: %s %s failed", scope["method"], site_path)
            if recorder.sent:
                return recorder.status
            return await send_bytes(send, 500, error_body(site_path, 500, "Internal error"))
        if recorder.start is not None:
            await faultrender.send_corrupted(kind or "", recorder.start, bytes(recorder.body),
                                             send, child)
        return recorder.status

    def _match(self, product: str, scope: Scope) -> tuple[BaseRoute | None, int]:
        partial = False
        for route in self.routes.get(product, []):
            match, child = route.matches(scope)
            if match is Match.FULL:
                scope.update(child)
                return route, 200
            partial = partial or match is Match.PARTIAL
        return None, 405 if partial else 404

    async def _latency(self) -> None:
        cfg = self.sim.config.latency
        delay = cfg.fixed_ms + (self._rng.uniform(0, cfg.jitter_ms) if cfg.jitter_ms else 0.0)
        if delay > 0:
            await asyncio.sleep(delay / 1000.0)


def route_templates(routes: list[BaseRoute]) -> list[str]:
    """``"GET /rest/api/3/myself"`` for every plain route (for listings and docs)."""
    out = []
    for route in routes:
        if isinstance(route, Route):
            out += [f"{m} {route.path}" for m in sorted(route.methods or []) if m != "HEAD"]
    return out
