"""Confluence v2 plumbing: error bodies, query parsing, opaque cursors and ``next`` links.

Cursors encode the sort key of the last row returned (not an offset), so a client paging
through a list never skips or repeats rows that stay put while others are edited.
"""

from __future__ import annotations

import base64
import heapq
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

T = TypeVar("T")
SortKey = tuple[Any, ...]
_GATEWAY = re.compile(r"^/ex/confluence/[^/]+")

_TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
_CODES = {400: "INVALID_REQUEST_PARAMETER", 404: "NOT_FOUND", 403: "FORBIDDEN"}


class ApiError(Exception):
    """A v2 error response: rendered as ``{"errors": [{status, code, title, detail}]}``."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        *,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(title or _TITLES.get(status, "Error"))
        self.status = status
        self.title = title or _TITLES.get(status, "Error")
        self.code = code or _CODES.get(status, "ERROR")
        self.detail = detail

    def response(self) -> JSONResponse:
        """Render the error the way Confluence v2 does."""
        body = {
            "errors": [
                {
                    "status": self.status,
                    "code": self.code,
                    "title": self.title,
                    "detail": self.detail,
                }
            ]
        }
        return JSONResponse(body, status_code=self.status)


def not_found() -> ApiError:
    """The 404 Confluence returns for unknown or invisible ids."""
    return ApiError(404, "Not Found", code="NOT_FOUND")


Handler = Callable[[Request], Awaitable[Response]]


def v2_endpoint(fn: Handler) -> Handler:
    """Turn :class:`ApiError` raised by a handler into the v2 error body."""

    @wraps(fn)
    async def wrapper(request: Request) -> Response:
        try:
            return await fn(request)
        except ApiError as exc:
            return exc.response()

    return wrapper


# query parsing ------------------------------------------------------------
def multi(request: Request, name: str) -> list[str]:
    """A multi-valued parameter: repeated (``a=1&a=2``) and/or comma-separated (``a=1,2``)."""
    out: list[str] = []
    for raw in request.query_params.getlist(name):
        out.extend(v.strip() for v in raw.split(",") if v.strip())
    return out


def multi_int(request: Request, name: str) -> list[int]:
    """A multi-valued integer parameter; a non-number is a 400."""
    values = multi(request, name)
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ApiError(
            400, f"Provided value for '{name}' is not the correct type. Expected type is Long"
        ) from None


def choice(
    request: Request,
    name: str,
    allowed: Sequence[str],
    default: str | None = None,
) -> str | None:
    """A single enum parameter (a value outside ``allowed`` is a 400)."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if value not in allowed:
        raise ApiError(
            400,
            f"Provided value {{{value}}} for '{name}' is not the correct type. "
            f"Expected one of {list(allowed)}",
        )
    return value


def choices(
    request: Request,
    name: str,
    allowed: Sequence[str],
    default: Sequence[str],
) -> list[str]:
    """A multi-valued enum parameter, defaulting to ``default`` when absent."""
    values = multi(request, name)
    for value in values:
        if value not in allowed:
            raise ApiError(
                400,
                f"Provided value {{{value}}} for '{name}' is not the correct "
                f"type. Expected one of {list(allowed)}",
            )
    return values or list(default)


def flag(request: Request, name: str, default: bool = False) -> bool:
    """A boolean parameter."""
    value = request.query_params.get(name)
    return default if value is None else value.lower() == "true"


def path_id(request: Request, name: str = "id") -> int:
    """A numeric path id; anything else is a 400 like the real service."""
    raw = request.path_params[name]
    try:
        return int(raw)
    except ValueError:
        raise ApiError(
            400,
            f"Provided value {{{raw}}} for '{name}' is not the correct type. Expected type is Long",
        ) from None


def parse_limit(request: Request, cap: int, default: int = 25) -> int:
    """The ``limit`` parameter: default 25, at least 1, silently capped at the server maximum."""
    raw = request.query_params.get("limit")
    if raw is None or raw == "":
        return min(default, cap)
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            400,
            f"Provided value {{{raw}}} for 'limit' is not the correct type. "
            "Expected type is Integer",
        ) from None
    if value < 1:
        raise ApiError(400, "Limit must be greater than or equal to 1")
    return min(value, cap)


# cursors ------------------------------------------------------------------
def _plain(value: Any) -> Any:
    return value.timestamp() if isinstance(value, datetime) else value


def _tupled(value: Any) -> Any:
    return tuple(_tupled(v) for v in value) if isinstance(value, list) else value


def encode_cursor(sort: str, key: SortKey) -> str:
    """An opaque cursor pointing just after the row with ``key`` in ``sort`` order."""
    raw = json.dumps({"s": sort, "k": [_plain(v) for v in key]}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str, sort: str) -> SortKey:
    """Read a cursor back; a forged cursor or one from another sort order is a 400."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["s"] != sort:
            raise ValueError("sort changed")
        return tuple(_tupled(v) for v in data["k"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(
            400, "Invalid cursor", detail="The cursor is malformed or expired."
        ) from None


def page_of(
    items: list[T],
    key: Callable[[T], SortKey],
    descending: bool,
    sort: str,
    cursor: str | None,
    limit: int,
) -> tuple[list[T], str | None]:
    """Return the first ``limit`` rows after the cursor in sort order, and the next cursor.

    ``key`` must return JSON-plain values (numbers, strings) so cursors can carry them.
    """
    keyed = [(key(item), item) for item in items]  # keys are plain (no datetimes)
    if cursor:
        after = decode_cursor(cursor, sort)
        keyed = [p for p in keyed if (p[0] < after if descending else p[0] > after)]
    # A partial selection is O(n log limit): large sites stay fast at any depth.
    pick = heapq.nlargest if descending else heapq.nsmallest
    page = pick(limit + 1, keyed, key=lambda pair: pair[0])
    more = len(page) > limit
    page = page[:limit]
    next_cursor = encode_cursor(sort, page[-1][0]) if more and page else None
    return [item for _, item in page], next_cursor


# responses ----------------------------------------------------------------
def site_url(request: Request, configured: str | None) -> str:
    """The site's base URL (configured, or the host the request came to)."""
    if configured:
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"


def site_path(request: Request) -> str:
    """The request path without the ``/ex/confluence/{cloudId}`` gateway prefix."""
    return _GATEWAY.sub("", request.url.path)


def next_link(request: Request, cursor: str, limit: int) -> str:
    """The relative next URL: same path and filters, new cursor, effective limit.

    Like Confluence, the cursor comes first and is not percent-encoded (base64 ``=`` padding
    stays literal); the other parameters keep the caller's order.
    """
    params = [(k, str(limit) if k == "limit" else v)
              for k, v in request.query_params.multi_items() if k != "cursor"]
    if "limit" not in request.query_params:
        params.append(("limit", str(limit)))
    return f"{site_path(request)}?cursor={cursor}&{urlencode(params)}"


def list_response(
    request: Request,
    results: list[dict[str, Any]],
    next_cursor: str | None,
    limit: int,
    configured_site: str | None,
) -> JSONResponse:
    """A ``MultiEntityResult``: results, ``_links.next``/``base`` and the ``Link`` header."""
    base = site_url(request, configured_site) + "/wiki"
    links: dict[str, str] = {}
    headers: dict[str, str] = {}
    if next_cursor is not None:
        links["next"] = next_link(request, next_cursor, limit)
        headers["Link"] = f'<{links["next"]}>; rel="next", <{base}>; rel="base"'
    links["base"] = base
    return JSONResponse({"results": results, "_links": links}, headers=headers)
