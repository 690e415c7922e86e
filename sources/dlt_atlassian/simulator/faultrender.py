"""Rendering of injected faults (the decision is in ``faults.py``).

Every fault looks like what a client meets in the wild: 5xx bodies from the product or the
edge, 429 storms with and without ``Retry-After``, a TCP reset with no response at all, a
response that arrives minutes late, a 200 whose JSON is malformed or cut short, and a 200
whose connection dies mid-body.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.types import Message, Receive, Scope, Send

from dlt_atlassian.simulator.asgi import FINISH_MESSAGE, send_bytes
from dlt_atlassian.simulator.connections import reset_connection
from dlt_atlassian.simulator.responses import (
    BAD_GATEWAY_HTML,
    error_body,
    gateway_body,
    product_of,
)

if TYPE_CHECKING:
    from dlt_atlassian.simulator.state import Simulator

BODY_FAULTS = frozenset({"malformed", "truncated", "incomplete"})
CLIENT_GONE = 499


def rate_limited_body(path: str) -> bytes:
    """The body of a 429 from the product."""
    return error_body(path, 429, "Rate limit exceeded.")


async def before_route(sim: Simulator, kind: str, scope: Scope, receive: Receive,
                       send: Send) -> int | None:
    """Answer with the fault, returning the status; ``None`` lets the route run (slow)."""
    path = scope["path"]
    retry_after = str(sim.faults.config.retry_after_seconds)
    if kind == "500":
        return await send_bytes(send, 500, error_body(path, 500, "Internal server error"))
    if kind == "502":
        return await send_bytes(send, 502, BAD_GATEWAY_HTML, content_type="text/html")
    if kind == "503":
        return await send_bytes(send, 503, error_body(path, 503, "Service Unavailable"),
                           [("Retry-After", retry_after)])
    if kind in ("429", "429-no-retry-after"):
        headers = [("RateLimit-Reason", f"{product_of(path)}-burst-based"),
                   ("X-RateLimit-NearLimit", "true")]
        if kind == "429":
            headers.append(("Retry-After", retry_after))
        return await send_bytes(send, 429, rate_limited_body(path), headers)
    if kind == "401":
        return await send_bytes(send, 401, gateway_body(401, "Unauthorized"))
    if kind == "reset":
        await send({"type": FINISH_MESSAGE, "status": CLIENT_GONE})
        if reset_connection(scope):
            # Let the event loop notice the dropped connection so uvicorn sends nothing.
            for _ in range(3):
                await asyncio.sleep(0)
            return CLIENT_GONE
        raise ConnectionResetError("simulated connection reset")  # not under our server
    if kind == "slow":
        return await _wait_or_disconnect(receive, sim.faults.config.slow_response_seconds)
    raise ValueError(f"unknown fault kind {kind!r}")


async def send_corrupted(kind: str, start: Message, body: bytes, send: Send,
                         scope: Scope) -> None:
    """Send a held response, breaking it if it is a 200 and ``kind`` says so.

    ``truncated`` and ``malformed`` deliver a complete HTTP response whose JSON is cut in half
    or syntactically broken; ``incomplete`` promises the full ``Content-Length``, sends half
    of it and closes the connection (a transfer dying mid-body).
    """
    if int(start["status"]) != 200 or kind not in BODY_FAULTS or len(body) < 2:
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return
    if kind == "incomplete":
        await send(start)
        await send({"type": "http.response.body", "body": body[: len(body) // 2],
                    "more_body": True})
        await send({"type": FINISH_MESSAGE, "status": CLIENT_GONE})
        if not reset_connection(scope, rst=False):
            raise ConnectionResetError("simulated connection cut mid-body")
        for _ in range(3):
            await asyncio.sleep(0)
        return
    # Truncated: cut in half. Malformed: "{,," or "[,," is never valid JSON.
    body = body[: len(body) // 2] if kind == "truncated" else body[:1] + b",," + body[1:]
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _wait_or_disconnect(receive: Receive, seconds: float) -> int | None:
    # Sleeping in the event loop keeps other requests flowing; stop early if the client left.
    try:
        message = await asyncio.wait_for(receive(), timeout=seconds)
    except TimeoutError:
        return None
    return CLIENT_GONE if message["type"] == "http.disconnect" else None
