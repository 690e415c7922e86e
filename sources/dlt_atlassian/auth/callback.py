"""A one-shot HTTP listener on the loopback redirect URI that catches the consent redirect."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from dlt_atlassian.errors import AuthError, ConfigurationError

_DONE_PAGE = (
    b"<!doctype html><html><body style='font-family:sans-serif'>"
    b"<h2>dlt-atlassian: authorization received</h2>"
    b"<p>You can close this tab and return to the terminal.</p></body></html>"
)


class CallbackListener:
    """Listen on ``redirect_uri``'s host and port; :meth:`wait` returns the redirect URL.

    Port 0 picks a free port (``redirect_uri`` then reports the real one). The request line
    carries the authorization code, so nothing is logged.
    """

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        self._path = parts.path or "/"
        self._received: str | None = None
        self._event = threading.Event()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                target = urlsplit(self.path)
                if target.path != listener._path or not (
                    "code=" in target.query or "error=" in target.query
                ):
                    self.send_error(404)
                    return
                listener._received = self.path
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(_DONE_PAGE)))
                self.end_headers()
                self.wfile.write(_DONE_PAGE)
                listener._event.set()

            def log_message(self, format: str, *args: Any) -> None:
                return  # the request line holds the code: never log it

        host = parts.hostname or "127.0.0.1"
        try:
            self._server = HTTPServer((host, parts.port or 80), Handler)
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot listen on {host}:{parts.port}: {exc.strerror or exc}.",
                hint="Pick another port with --port (and register that callback URL), or use "
                "--no-browser.",
            ) from None
        port = self._server.server_address[1]
        self.redirect_uri = urlunsplit(parts._replace(netloc=f"{host}:{port}"))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name="dlt-atlassian-oauth-callback", daemon=True,
        )

    def __enter__(self) -> CallbackListener:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def wait(self, timeout: float) -> str:
        """Block until the redirect arrives; return it as an absolute URL."""
        if not self._event.wait(timeout):
            raise AuthError(
                f"No redirect reached {self.redirect_uri} within {timeout:.0f}s.",
                hint="Finish the consent in the browser, or use --no-browser and paste the "
                "redirect URL.",
            )
        parts = urlsplit(self.redirect_uri)
        return f"{parts.scheme}://{parts.netloc}{self._received}"

    def close(self) -> None:
        """Stop listening."""
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()
