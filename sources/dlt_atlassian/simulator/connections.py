"""Raw socket control for the connection-reset fault.

ASGI gives an app no way to drop a connection without answering (uvicorn turns an exception
into a 500), so the simulator's server runs uvicorn with a protocol subclass that registers each
connection's transport by client address; the fault then aborts it with an RST.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import MutableMapping
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

_lock = threading.Lock()
_transports: dict[tuple[str, int], asyncio.Transport] = {}


class TrackedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, remembering its transport so a fault can reset it."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Register the connection."""
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # uvicorn writes headers and body separately; without NODELAY, Nagle plus the
            # client's delayed ACK adds ~40 ms to every response.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            with _lock:
                _transports[(str(peer[0]), int(peer[1]))] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the connection."""
        if self.client:
            with _lock:
                _transports.pop((str(self.client[0]), int(self.client[1])), None)
        super().connection_lost(exc)


def reset_connection(scope: MutableMapping[str, Any], *, rst: bool = True) -> bool:
    """Drop the request's TCP connection; False if it cannot be found.

    ``rst=True`` aborts with an RST (a connection reset, pending data discarded);
    ``rst=False`` flushes what was written and closes with a FIN (a transfer cut short).
    """
    client = scope.get("client")
    if not client:
        return False
    with _lock:
        transport = _transports.pop((str(client[0]), int(client[1])), None)
    if transport is None:
        return False
    if not rst:
        transport.close()
        return True
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger 0: close() sends RST instead of FIN, as a dropped proxy connection does.
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True
