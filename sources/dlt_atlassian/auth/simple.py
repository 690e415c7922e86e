"""Static-credential authenticators: Basic (email + API token) and Bearer (a fixed token)."""

from __future__ import annotations

import base64
from collections.abc import Generator

import httpx

from dlt_atlassian.redact import register_secret


class BasicAuth(httpx.Auth):
    """HTTP Basic with an account email and an API token (classic or scoped)."""

    def __init__(self, email: str, api_token: str) -> None:
        register_secret(api_token)
        raw = f"{email}:{api_token}".encode()
        self._header = "Basic " + base64.b64encode(raw).decode("ascii")
        register_secret(self._header.split(" ", 1)[1])
        self.email = email

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the Authorization header."""
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return f"BasicAuth(email={self.email!r}, api_token='***')"


class BearerAuth(httpx.Auth):
    """A fixed bearer token (e.g. a scoped API token sent as Bearer)."""

    def __init__(self, token: str) -> None:
        register_secret(token)
        self._header = f"Bearer {token}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add the Authorization header."""
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(token='***')"
