"""Small raw-ASGI helpers shared by the product pipeline, the auth server and fault rendering."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import Message, Receive, Send


class Recorder:
    """Wraps ``send``: adds headers, notes the status, and can hold the body for corruption."""

    def __init__(self, send: Send, extra_headers: list[tuple[str, str]] | None = None,
                 hold: bool = False) -> None:
        self._send, self._extra, self._hold = send, extra_headers or [], hold
        self.status = 0
        self.sent = False  # True once the response start went out to the client
        self.start: Message | None = None
        self.body = bytearray()

    async def __call__(self, message: Message) -> None:
        """Forward (or hold) one ASGI message."""
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            headers = list(message.get("headers", []))
            headers += [(k.lower().encode(), v.encode()) for k, v in self._extra]
            message = {**message, "headers": headers}
            if self._hold:
                self.start = message
                return
            self.sent = True
        elif message["type"] == "http.response.body" and self._hold:
            self.body += message.get("body", b"")
            return
        await self._send(message)


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body, or ``None`` if the client went away first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields the already-read ``body`` once, then the real channel."""
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


def header(scope_headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    """A request header's value (first occurrence), decoded as latin-1."""
    for key, value in scope_headers:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def send_bytes(send: Send, status: int, body: bytes,
                     headers: list[tuple[str, str]] | None = None,
                     content_type: str = "application/json") -> int:
    """Send a complete response and return its status."""
    raw = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers or []]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
    return status


# Sent by fault rendering before it drops a connection, so bookkeeping still comes first.
FINISH_MESSAGE = "sim.finish"


class FinishBeforeLastByte:
    """Wraps ``send`` to run ``on_finish(status)`` just before the response's last byte.

    Bookkeeping (request log, points) then happens-before the client sees the response, so a
    test that reads the counters right after a call always sees that call.
    """

    def __init__(self, send: Send, on_finish: Callable[[int], None]) -> None:
        self._send, self._on_finish = send, on_finish
        self._status = 0
        self._done = False

    async def __call__(self, message: Message) -> None:
        """Forward one ASGI message, finishing first if it is the last body chunk."""
        if message["type"] == FINISH_MESSAGE:  # ours: the response will never complete
            self.finish(int(message["status"]))
            return
        if message["type"] == "http.response.start":
            self._status = int(message["status"])
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.finish(self._status)
        await self._send(message)

    def finish(self, status: int) -> None:
        """Run ``on_finish`` once (also for requests that end without a response)."""
        if not self._done:
            self._done = True
            self._on_finish(status)
