"""A tiny scripted HTTP server (uvicorn, real sockets) and a fake clock for the HTTP tests.

Each path has a script: a list of responses served in order (the last one repeats). A response
is a dict: ``status``, ``json``, ``body`` (raw bytes), ``headers`` (dict or callable returning a
dict at response time), ``content_type``, ``delay`` (seconds before answering, for timeouts),
``reset`` (abort the TCP connection with an RST), ``cut`` (send fewer body bytes than declared).
Every request is logged with method, path, query, headers, body and the time it arrived.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
import uvicorn

Spec = dict[str, Any]


class FakeClock:
    """Monotonic fake time; ``sleep`` advances it (and yields the CPU briefly)."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self._now += max(0.0, seconds)
        time.sleep(0.001)


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float  # ScriptedServer.clock() when the request arrived

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ScriptedServer:
    clock: Callable[[], float] = time.monotonic
    scripts: dict[str, list[Spec]] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    handlers: dict[str, Callable[[Logged], Spec]] = field(default_factory=dict)
    base_url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _served: dict[str, int] = field(default_factory=dict)

    # ---- scripting -------------------------------------------------------------------
    def reset(self, clock: Callable[[], float] = time.monotonic) -> None:
        with self._lock:
            self.clock = clock
            self.scripts.clear()
            self.log.clear()
            self.handlers.clear()
            self._served.clear()

    def script(self, path: str, *responses: Spec) -> None:
        with self._lock:
            self.scripts[path] = list(responses)
            self._served[path] = 0

    def handle(self, path: str, handler: Callable[[Logged], Spec]) -> None:
        self.handlers[path] = handler

    def requests_to(self, path: str) -> list[Logged]:
        with self._lock:
            return [r for r in self.log if r.path == path]

    def _next(self, req: Logged) -> Spec:
        if req.path in self.handlers:
            return self.handlers[req.path](req)
        with self._lock:
            script = self.scripts.get(req.path)
            if not script:
                return {"status": 404, "json": {"errorMessages": [f"no script for {req.path}"]}}
            index = self._served[req.path]
            self._served[req.path] = index + 1
            return script[min(index, len(script) - 1)]

    # ---- ASGI ------------------------------------------------------------------------
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        req = Logged(
            method=scope["method"],
            path=scope["path"],
            query=dict(parse_qsl(scope["query_string"].decode())),
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body=body,
            at=self.clock(),
        )
        with self._lock:
            self.log.append(req)
        spec = self._next(req)
        if spec.get("delay"):
            await asyncio.sleep(spec["delay"])
        if spec.get("reset"):
            _abort(send)
            return
        await self._respond(spec, send)

    async def _respond(self, spec: Spec, send: Any) -> None:
        if "body" in spec:
            payload: bytes = spec["body"]
            ctype = spec.get("content_type", "application/json")
        else:
            payload = json.dumps(spec.get("json", {})).encode()
            ctype = spec.get("content_type", "application/json;charset=UTF-8")
        extra = spec.get("headers") or {}
        if callable(extra):
            extra = extra()
        length = len(payload)
        if spec.get("cut"):
            payload = payload[: len(payload) // 2]
        headers = [(b"content-type", ctype.encode()), (b"content-length", str(length).encode())]
        headers += [(k.lower().encode(), str(v).encode()) for k, v in extra.items()]
        await send(
            {"type": "http.response.start", "status": spec.get("status", 200), "headers": headers}
        )
        if spec.get("cut"):
            await send({"type": "http.response.body", "body": payload, "more_body": True})
            _abort(send)
            return
        await send({"type": "http.response.body", "body": payload})


def _abort(send: Any) -> None:
    """Drop the TCP connection with an RST (uvicorn's send is a bound method of its cycle)."""
    transport = send.__self__.transport
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class RunningServer:
    """Serve a ScriptedServer with uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: ScriptedServer) -> None:
        self.app = app
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            log_level="error",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.app.base_url = f"http://127.0.0.1:{port}"
        return self.app

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=5)


def fast_policy(**overrides: Any) -> Any:
    from dlt_atlassian.http.retry import RetryPolicy

    values: dict[str, Any] = {
        "max_attempts": 4,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "malformed_json_attempts": 3,
    }
    values.update(overrides)
    return RetryPolicy(**values)


def make_client(base_url: str, clock: FakeClock | None = None, **kwargs: Any) -> Any:
    """A client whose retry waits go through ``clock`` (recorded, not slept) when given."""
    from dlt_atlassian.http import AtlassianClient, RateLimiter

    if "limiter" not in kwargs:
        if clock is not None:
            kwargs["limiter"] = RateLimiter(8, clock=clock.now, sleep=clock.sleep)
        else:
            kwargs["limiter"] = RateLimiter(8)
    kwargs.setdefault("retry", fast_policy())
    return AtlassianClient(base_url, **kwargs)


# Fixtures shared by the HTTP-level test modules (registered through conftest's pytest_plugins).


@pytest.fixture(scope="module")
def running() -> Iterator[ScriptedServer]:
    """One scripted server per test module."""
    with RunningServer(ScriptedServer()) as app:
        yield app


@pytest.fixture
def server(running: ScriptedServer) -> ScriptedServer:
    """The module's scripted server, with its script and request log reset."""
    running.reset()
    return running
