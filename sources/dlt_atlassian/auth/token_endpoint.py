"""The OAuth token endpoint, ``{auth_base_url}/oauth/token``: code exchange and refresh.

It has its own small httpx client, so refreshing never recurses through the authenticator
that needs the refresh. Transient failures (network, 5xx, 429, a 200 whose body is not JSON)
are retried a few times: a refresh the server processed but whose answer was lost or garbled
is safe to repeat, because Atlassian keeps a rotated refresh token valid for a reuse interval
(10 minutes).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx

from dlt_atlassian.errors import AuthError, InvalidGrantError
from dlt_atlassian.redact import redact, register_secret

log = logging.getLogger("dlt_atlassian.auth")

DEFAULT_EXPIRES_IN = 3600
_CLIENT_ERRORS = {"invalid_client", "unauthorized_client", "access_denied"}
_CLIENT_HINT = (
    "Check client_id and client_secret against the app in https://developer.atlassian.com/console"
    " (the secret may have been rotated)."
)


@dataclass(frozen=True)
class TokenResponse:
    """A successful answer of the token endpoint."""

    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str | None
    token_type: str

    def __repr__(self) -> str:
        return f"TokenResponse(expires_in={self.expires_in}, scope={self.scope!r})"


class TokenEndpoint:
    """Talks to ``{auth_base_url}/oauth/token`` for one OAuth client."""

    def __init__(
        self,
        auth_base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 30.0,
        max_attempts: int = 3,
        backoff_seconds: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        register_secret(client_secret)
        self.url = auth_base_url.rstrip("/") + "/oauth/token"
        self.client_id = client_id
        self._client_secret = client_secret
        self._max_attempts = max(1, max_attempts)
        self._backoff = backoff_seconds
        self._http = httpx.Client(timeout=timeout, transport=transport)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def refresh(self, refresh_token: str) -> TokenResponse:
        """Exchange a refresh token for a new access token (and, with rotation, refresh token).

        Raises:
            InvalidGrantError: The refresh token is revoked, expired or reused too late.
            AuthError: The client is rejected or the endpoint keeps failing.
        """
        register_secret(refresh_token)
        body = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._post(body, what="refresh the access token")

    def exchange_code(self, code: str, redirect_uri: str) -> TokenResponse:
        """Exchange an authorization code (from the consent redirect) for the first token pair."""
        register_secret(code)
        body = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        try:
            return self._post(body, what="exchange the authorization code")
        except InvalidGrantError as exc:
            raise AuthError(
                f"The authorization code was rejected: {exc.message}",
                hint="Codes are single-use and expire in minutes: run `dlt-atlassian authorize`"
                " again and check that redirect_uri matches the app's callback URL.",
            ) from None

    def _post(self, grant: dict[str, str], *, what: str) -> TokenResponse:
        payload = {"client_id": self.client_id, "client_secret": self._client_secret, **grant}
        last = ""
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = self._http.post(self.url, json=payload)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code < 300:
                    data = _parsed(response)
                    if data is not None:
                        return _parse_success(data)
                    # A 200 cut short or garbled in transit: the server may already have
                    # rotated the token, and repeating the same grant is safe within the
                    # reuse interval, so this is retried like a lost answer.
                    last = f"HTTP {response.status_code} with an unparseable body"
                elif response.status_code < 500 and response.status_code != 429:
                    raise _client_error(response, what)
                else:
                    last = f"HTTP {response.status_code}"
            if attempt < self._max_attempts:
                log.warning("Token endpoint failed (%s), attempt %d; retrying",
                            redact(last), attempt)
                time.sleep(self._backoff * 2 ** (attempt - 1))  # short backoff between retries
        hint = "Atlassian's auth server or the network is failing; run again later."
        if "unparseable" in last:
            hint += " If it persists, check auth_base_url (it must be Atlassian's auth server)."
        raise AuthError(
            f"Could not {what}: the token endpoint {self.url} kept failing ({last}).", hint=hint
        )


def _parsed(response: httpx.Response) -> dict[str, Any] | None:
    """The body as a JSON object (``{}`` for other JSON), or None when it is not JSON at all."""
    try:
        data = response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError: garbled or cut short
        return None
    return data if isinstance(data, dict) else {}


def _json(response: httpx.Response) -> dict[str, Any]:
    data = _parsed(response)
    return data if data is not None else {}


def _parse_success(data: dict[str, Any]) -> TokenResponse:
    """Read a parseable success body; one without an access token is a configuration problem."""
    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise AuthError(
            "The token endpoint answered without an access_token.",
            hint="Check auth_base_url; it must point at Atlassian's auth server.",
        )
    register_secret(access)
    refresh = data.get("refresh_token")
    refresh = refresh if isinstance(refresh, str) and refresh else None
    register_secret(refresh)
    try:
        expires_in = int(data.get("expires_in") or DEFAULT_EXPIRES_IN)
    except (TypeError, ValueError):
        expires_in = DEFAULT_EXPIRES_IN
    scope = data.get("scope")
    return TokenResponse(
        access_token=access,
        refresh_token=refresh,
        expires_in=expires_in,
        scope=scope if isinstance(scope, str) else None,
        token_type=str(data.get("token_type") or "Bearer"),
    )


def _client_error(response: httpx.Response, what: str) -> AuthError:
    data = _json(response)
    error = str(data.get("error") or "")
    description = str(data.get("error_description") or data.get("message") or "")
    detail = f"{error}: {description}" if description else error or f"HTTP {response.status_code}"
    detail = redact(detail)[:300]
    if error == "invalid_grant":
        return InvalidGrantError(f"Could not {what}: the refresh token was rejected ({detail}).")
    if error in _CLIENT_ERRORS or response.status_code == 401:
        return AuthError(f"Could not {what}: the OAuth client was rejected ({detail}).",
                         hint=_CLIENT_HINT)
    return AuthError(
        f"Could not {what}: HTTP {response.status_code} from the token endpoint ({detail}).",
        hint="Check client_id, client_secret and auth_base_url.",
    )
