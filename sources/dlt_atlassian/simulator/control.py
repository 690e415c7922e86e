"""The control API under ``/_sim`` (no auth; loopback test servers only).

Every endpoint is a thin HTTP face over a ``Simulator`` method, so scripts, the benchmark
and tests in other processes can steer the simulator the way in-process tests do.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.config import FaultConfig, RateLimitConfig

if TYPE_CHECKING:
    from dlt_atlassian.simulator.state import Simulator


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    return data


def control_routes(sim: Simulator) -> list[BaseRoute]:
    """The ``/_sim`` routes bound to ``sim``."""

    def clock_state() -> dict[str, Any]:
        return {"now": sim.clock.now().isoformat(), "frozen": sim.clock.frozen}

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def info(request: Request) -> Response:
        return JSONResponse({
            "base_url": sim.base_url, "site_url": sim.site_url, "cloud_id": sim.cloud_id,
            "site_name": sim.config.site_name, "admin_email": sim.users.admin.email,
            "admin_account_id": sim.users.admin.account_id,
            "oauth_client_ids": sorted(sim.config.oauth.clients),
            "products": [p for p in ("jira", "confluence") if getattr(sim, p) is not None],
        })

    async def clock(request: Request) -> Response:
        if request.method == "POST":
            body = await _json(request)
            when = datetime.fromisoformat(str(body["set"])) if "set" in body else None
            if when is not None and when.tzinfo is None:
                raise ValueError("set needs a time zone offset, e.g. 2030-01-01T00:00:00+00:00")
            freeze = body.get("freeze")
            if freeze is True:  # freeze first, so "set" lands exactly
                sim.freeze_clock(True)
            if when is not None:
                sim.set_clock(when)
            if "advance" in body:
                sim.advance_clock(float(body["advance"]))
            if freeze is False:
                sim.freeze_clock(False)
        return JSONResponse(clock_state())

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            body = await _json(request)
            if body.pop("clear", False):
                sim.clear_faults()
            add = body.pop("add", [])
            if body:
                sim.set_faults(**_known(FaultConfig, body))
            if add:
                sim.add_faults(*add)
        return JSONResponse({"config": asdict(sim.faults.config),
                             "pending_script": sim.faults.pending_script(),
                             "fired": dict(sim.faults.fired)})

    async def latency(request: Request) -> Response:
        if request.method == "POST":
            body = await _json(request)
            sim.set_latency(float(body.get("fixed_ms", 0.0)), float(body.get("jitter_ms", 0.0)))
        return JSONResponse(asdict(sim.config.latency))

    async def rate_limit(request: Request) -> Response:
        if request.method == "POST":
            body = await _json(request)
            if body.pop("reset", False):
                sim.rate_limiter.reset()
            if body:
                sim.set_rate_limit(**_known(RateLimitConfig, body))
        return JSONResponse({"config": asdict(sim.rate_limiter.config),
                             "points_used": sim.rate_limiter.points_used(),
                             "refusals": sim.rate_limiter.refusals})

    async def requests(request: Request) -> Response:
        if request.method == "DELETE":
            sim.requests.reset()
        limit = int(request.query_params.get("log", "1000"))
        return JSONResponse(sim.requests.snapshot(log_limit=limit))

    async def reset(request: Request) -> Response:
        sim.reset_counters()
        return JSONResponse({"ok": True})

    async def users(request: Request) -> Response:
        return JSONResponse([{"accountId": u.account_id, "email": u.email,
                              "displayName": u.display_name, "active": u.active,
                              "accountType": u.account_type, "timeZone": u.time_zone}
                             for u in sim.users.all()])

    async def time_zone(request: Request) -> Response:
        body = await _json(request)
        account_id = request.path_params["account_id"]
        if sim.users.get(account_id) is None:
            return JSONResponse({"error": "unknown account"}, status_code=404)
        user = sim.set_time_zone(account_id, str(body["timeZone"]))
        return JSONResponse({"accountId": user.account_id, "timeZone": user.time_zone})

    async def oauth_grant(request: Request) -> Response:
        body = await _json(request)
        access, refresh = sim.oauth.grant([str(s) for s in body.get("scopes", [])],
                                          client_id=body.get("client_id"),
                                          account_id=body.get("account_id"))
        return JSONResponse({"access_token": access, "refresh_token": refresh})

    async def oauth_families(request: Request) -> Response:
        return JSONResponse(sim.oauth.family_summary())

    async def oauth_revoke(request: Request) -> Response:
        body = await _json(request)
        try:
            sim.oauth.revoke_family(str(body.get("family") or body.get("token") or ""))
        except KeyError:
            return JSONResponse({"error": "unknown token family"}, status_code=404)
        return JSONResponse({"ok": True})

    async def oauth_expire(request: Request) -> Response:
        return JSONResponse({"expired": sim.oauth.expire_access_tokens()})

    handlers = [
        ("/_sim/health", health, ["GET"]),
        ("/_sim/info", info, ["GET"]),
        ("/_sim/clock", clock, ["GET", "POST"]),
        ("/_sim/faults", faults, ["GET", "POST"]),
        ("/_sim/latency", latency, ["GET", "POST"]),
        ("/_sim/rate-limit", rate_limit, ["GET", "POST"]),
        ("/_sim/requests", requests, ["GET", "DELETE"]),
        ("/_sim/reset", reset, ["POST"]),
        ("/_sim/users", users, ["GET"]),
        ("/_sim/users/{account_id}/timezone", time_zone, ["POST", "PUT"]),
        ("/_sim/oauth/grant", oauth_grant, ["POST"]),
        ("/_sim/oauth/families", oauth_families, ["GET"]),
        ("/_sim/oauth/revoke", oauth_revoke, ["POST"]),
        ("/_sim/oauth/expire-access-tokens", oauth_expire, ["POST"]),
    ]
    return [Route(path, _guarded(fn), methods=methods) for path, fn, methods in handlers]


def _guarded(fn: Any) -> Any:
    """Turn bad input (ValueError, KeyError, TypeError) into a 400 instead of a 500."""

    async def endpoint(request: Request) -> Response:
        try:
            return await fn(request)  # type: ignore[no-any-return]
        except (ValueError, KeyError, TypeError) as exc:
            return _bad(f"{type(exc).__name__}: {exc}")

    return endpoint
