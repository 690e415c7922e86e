"""Run the simulator as a real HTTP server: background thread (tests) or foreground (CLI)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.connections import TrackedH11Protocol
from dlt_atlassian.simulator.state import SimProduct, Simulator

STARTUP_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


def _bind(host: str, port: int) -> socket.socket:
    # Binding ourselves makes port 0 work: the real port is known before uvicorn starts.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _uvicorn_config(sim: Simulator, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        sim.app, http=TrackedH11Protocol, ws="none", lifespan="off", log_level=log_level,
        access_log=False, timeout_graceful_shutdown=1, timeout_keep_alive=30,
        date_header=False,  # the app sends Date from the simulated clock
    )


class SimulatorServer:
    """The simulator on a loopback port, served by uvicorn in a background thread.

    Args:
        config: Simulator configuration (default: small, quiet site).
        host: Interface to bind (loopback by default).
        port: Port to bind; 0 picks a free one (read it from :attr:`base_url`).
        products: Optional product objects for :class:`Simulator` (tests of the framework).
        log_level: uvicorn log level.
    """

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        products: dict[str, SimProduct | None] | None = None,
        log_level: str = "warning",
    ) -> None:
        self.config = config or SimulatorConfig()
        self.host = host
        self._port = port
        self._products = products
        self._log_level = log_level
        self._sim: Simulator | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None

    @property
    def sim(self) -> Simulator:
        """The simulator behind the server (available once started)."""
        if self._sim is None:
            raise RuntimeError("SimulatorServer is not started")
        return self._sim

    @property
    def port(self) -> int:
        """The bound port."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: site, gateway and auth server all live here."""
        return f"http://{self.host}:{self._port}"

    @property
    def cloud_id(self) -> str:
        """The simulated site's cloud id (for gateway URLs)."""
        return self.sim.cloud_id

    def gateway_url(self, product: str) -> str:
        """``{base_url}/ex/{product}/{cloudId}``."""
        return f"{self.base_url}/ex/{product}/{self.cloud_id}"

    def start(self) -> SimulatorServer:
        """Bind, build the simulator and serve until :meth:`stop`."""
        if self._thread is not None:
            return self
        self._sock = _bind(self.host, self._port)
        self._port = int(self._sock.getsockname()[1])
        self._sim = Simulator(self.config, products=self._products, base_url=self.base_url)
        self._server = uvicorn.Server(_uvicorn_config(self._sim, self._log_level))
        sock = self._sock
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.run(sockets=[sock]), name=f"atlassian-sim-{self._port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the simulator server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving (pending slow responses are cut after a second) and free the port."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(STOP_TIMEOUT)
        if self._sock is not None:
            self._sock.close()
        self._thread = self._server = self._sock = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve_forever(sim: Simulator, host: str, port: int, log_level: str = "info",
                  ready: Any = None) -> None:
    """Serve ``sim`` in the foreground until Ctrl-C (the CLI)."""
    sock = _bind(host, port)
    server = uvicorn.Server(_uvicorn_config(sim, log_level))
    if ready is not None:
        ready(int(sock.getsockname()[1]))
    server.run(sockets=[sock])
