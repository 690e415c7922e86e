"""Reading successful responses: JSON bodies (malformed ones are retryable) and server time."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import orjson

from dlt_atlassian import errors
from dlt_atlassian.http.retry import parse_retry_after
from dlt_atlassian.redact import redact


class MalformedJSON(Exception):
    """A 200 whose JSON is malformed or truncated: worth another try (``error`` if not)."""

    def __init__(self, error: errors.ResponseFormatError) -> None:
        super().__init__(error.message)
        self.error = error


def parse_json_body(method: str, response: httpx.Response) -> Any:
    """Parse a successful response's JSON (``None`` for 204).

    Raises:
        ResponseFormatError: the body is not JSON at all (e.g. an HTML login page).
        MalformedJSON: the body claims JSON but does not parse (retry it).
    """
    if response.status_code == 204:
        return None
    shown = redact(str(response.url))
    ctype = response.headers.get("content-type", "").lower()
    if ctype and "json" not in ctype:
        # An HTML login/SSO page or a proxy's page: retrying would not help.
        raise errors.ResponseFormatError(
            f"{method} {shown} returned {ctype.split(';')[0]}, not JSON",
            method=method,
            url=str(response.url),
            hint="Check the site URL: it does not look like an Atlassian Cloud API.",
        )
    try:
        return decode_json(response.content)
    except ValueError:
        raise MalformedJSON(
            errors.ResponseFormatError(
                f"{method} {shown} returned malformed or truncated JSON "
                f"({len(response.content)} bytes)",
                method=method,
                url=str(response.url),
                hint="Atlassian sent a broken response; run again.",
            )
        ) from None


_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_LONG_NUMBER = b"0" * 19  # 19 digits: the shortest integer that may not fit in 64 bits


def decode_json(content: bytes) -> Any:
    """``json.loads`` semantics at orjson's speed (stdlib parsing was 14% of a load's CPU).

    orjson turns integers beyond 64 bits into floats and refuses a few bodies the standard
    library accepts (lone surrogates, NaN, UTF-16/32). Bodies with a run of 19+ digits (found
    with one C-speed scan) and bodies orjson refuses are parsed by the standard library, so
    the result never depends on which parser ran.

    Raises:
        ValueError: the body is not JSON.
    """
    if content.translate(_DIGITS_AS_ZERO).find(_LONG_NUMBER) >= 0:
        return json.loads(content)
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError:
        return json.loads(content)


def server_now(response: httpx.Response | None) -> float:
    """The server's notion of now (its ``Date`` header), else ours.

    ``X-RateLimit-Reset`` and HTTP-date ``Retry-After`` are stamped with the server's clock;
    measuring them against its ``Date`` makes the wait immune to clock skew.
    """
    local = time.time()
    if response is None:
        return local
    date = response.headers.get("date")
    stamp = parse_retry_after(date, now=0.0) if date else None
    if stamp is None or abs(stamp - local) > 86400 * 365:
        return local
    return stamp
