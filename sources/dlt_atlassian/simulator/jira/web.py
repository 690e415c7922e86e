"""Request helpers shared by the Jira handlers: errors, paging parameters, caller facts."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from dlt_atlassian.simulator.context import principal, record_objects, require_scopes
from dlt_atlassian.simulator.jira import encode
from dlt_atlassian.simulator.jira.render import jira_response
from dlt_atlassian.simulator.jira.scopes import scopes_for

S = TypeVar("S")
Method = Callable[[S, Request], Awaitable[Response]]


class JiraHttpError(Exception):
    """Raised inside handlers; turned into Jira's ``{"errorMessages", "errors"}`` body."""

    def __init__(self, status: int, *messages: str, errors: dict[str, str] | None = None):
        super().__init__(messages[0] if messages else str(errors))
        self.status, self.messages, self.errors = status, list(messages), errors or {}


def error_response(status: int, *messages: str, errors: dict[str, str] | None = None) -> Response:
    """Build a Jira error response."""
    return JSONResponse({"errorMessages": list(messages), "errors": errors or {}},
                        status_code=status)


def base_url(request: Request) -> str:
    """The URL the caller addressed the site by, keeping a gateway ``/ex/jira/{cloudId}``."""
    prefix = request.scope.get("sim.gateway_prefix") or ""
    return str(request.base_url).rstrip("/") + str(prefix).rstrip("/")


def zone(request: Request) -> str:
    """The caller's profile time zone."""
    return principal(request).time_zone or "UTC"


def reply(request: Request, body: Any, objects: int = 0, status: int = 200) -> Response:
    """Count returned objects for the quota and serialize ``body`` for the caller."""
    if objects:
        record_objects(request, objects)
    return jira_response(body, base_url(request), zone(request), status)


def reply_raw(request: Request, raw: bytes, objects: int = 0, status: int = 200) -> Response:
    """Like :func:`reply` for a body already serialized (markers not yet resolved)."""
    if objects:
        record_objects(request, objects)
    body = encode.finish(raw, base_url(request), zone(request))
    return Response(body, status_code=status, media_type="application/json;charset=UTF-8")


def operation(op: str) -> Callable[[Method[S]], Method[S]]:
    """Wrap a handler method: check the operation's scopes, map JiraHttpError to Jira's body."""

    def wrap(handler: Method[S]) -> Method[S]:
        @functools.wraps(handler)
        async def run(self: S, request: Request) -> Response:
            require_scopes(request, scopes_for(op))
            try:
                return await handler(self, request)
            except JiraHttpError as err:
                return error_response(err.status, *err.messages, errors=err.errors)

        return run

    return wrap


def int_param(request: Request, name: str, default: int, minimum: int = 0) -> int:
    """Read an integer query parameter the way Jira does (400 on garbage)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as err:
        raise JiraHttpError(400, f"The '{name}' parameter must be an integer.") from err
    return max(minimum, value)


def page_size(request: Request, default: int, cap: int, name: str = "maxResults") -> int:
    """``maxResults`` clamped to [0, cap] (Jira silently returns at most the cap)."""
    return min(cap, int_param(request, name, default))


def list_param(request: Request, name: str) -> list[str]:
    """A repeated or comma-separated query parameter."""
    return [v.strip() for raw in request.query_params.getlist(name) for v in raw.split(",")
            if v.strip()]


def bool_param(request: Request, name: str, default: bool = False) -> bool:
    """A boolean query parameter."""
    raw = request.query_params.get(name)
    return default if raw is None else raw.lower() == "true"


async def json_body(request: Request) -> dict[str, Any]:
    """Parse a JSON object body or fail with Jira's 400."""
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except ValueError as err:
        raise JiraHttpError(400, "Unexpected character in the request body.") from err
    if not isinstance(body, dict):
        raise JiraHttpError(400, "The request body must be a JSON object.")
    return body


def page_url(request: Request, **overrides: Any) -> str:
    """The current URL with some query parameters replaced (for ``self``/``nextPage``)."""
    params = dict(request.query_params)
    params.update({k: str(v) for k, v in overrides.items()})
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{base_url(request)}{request.url.path}" + (f"?{query}" if query else "")
