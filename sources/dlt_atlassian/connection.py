"""``connect(credentials)``: one authenticated connection with a Jira and a Confluence client.

Both clients share one auth object (so one OAuth token pair, refreshed once for both) and one
rate limiter (Jira and Confluence count against the same app quota).

* OAuth and scoped API tokens go through the API gateway:
  ``{api_base_url}/ex/jira/{cloud_id}`` and ``{api_base_url}/ex/confluence/{cloud_id}``.
* Classic API tokens (Basic) talk to the site itself: ``{site_url}`` for both products (the
  clients append ``/rest/...`` and ``/wiki/...`` paths).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import httpx

from dlt_atlassian.auth.cloud import resolve_oauth_site, tenant_cloud_id
from dlt_atlassian.auth.factory import build_auth
from dlt_atlassian.auth.gateway import GatewaySiteCheck
from dlt_atlassian.auth.oauth import OAuth2RefreshAuth
from dlt_atlassian.auth.token_store import TokenStore
from dlt_atlassian.credentials import (
    AnyAtlassianCredentials,
    AtlassianOAuthCredentials,
    AtlassianScopedTokenCredentials,
    resolve_credentials,
)

if TYPE_CHECKING:
    from dlt_atlassian.http.client import AtlassianClient
    from dlt_atlassian.http.limiter import RateLimiter
    from dlt_atlassian.http.retry import RetryPolicy

AuthKind = Literal["oauth", "scoped", "basic"]


@dataclass
class AtlassianConnection:
    """Clients for both products on one site, sharing auth and limiter. Close it when done."""

    jira: AtlassianClient
    confluence: AtlassianClient
    auth: httpx.Auth
    limiter: RateLimiter | None
    kind: AuthKind
    cloud_id: str | None
    site_url: str | None
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        """Close both clients and the auth's own connections (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self.jira.close()
        self.confluence.close()
        if isinstance(self.auth, OAuth2RefreshAuth):
            self.auth.close()

    def __enter__(self) -> AtlassianConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def gateway_url(api_base_url: str, product: Literal["jira", "confluence"], cloud_id: str) -> str:
    """The API gateway base for a product: ``{api_base_url}/ex/{product}/{cloud_id}``."""
    return f"{api_base_url.rstrip('/')}/ex/{product}/{cloud_id}"


def connect(
    credentials: AnyAtlassianCredentials | None = None,
    *,
    max_connections: int = 16,
    retry: RetryPolicy | None = None,
    limiter: RateLimiter | None = None,
    timeout: float = 60.0,
    user_agent: str | None = None,
    token_store: TokenStore | None = None,
    clock: Callable[[], float] = time.time,
    transport: httpx.BaseTransport | None = None,
) -> AtlassianConnection:
    """Open a connection for ``credentials`` (resolved from dlt config when ``None``).

    Args:
        credentials: Any of the three credential kinds in ``dlt_atlassian.credentials``.
        max_connections: Connection pool size of each client and the limiter's concurrency.
        retry: Retry policy for both clients (the client's default when ``None``).
        limiter: A shared rate limiter; one is created when ``None``.
        timeout: Per-request timeout in seconds.
        user_agent: Extra User-Agent text.
        token_store: OAuth only: where tokens live (default: the ``token_store`` file).
        clock: OAuth only: epoch-seconds clock for expiry decisions (tests follow a fake clock).
        transport: An httpx transport for every request (tests, proxies).

    Returns:
        The open :class:`AtlassianConnection`; use it as a context manager or call ``close()``.

    Raises:
        ConfigurationError: Missing/invalid configuration, or the site is not reachable with
            this token (the message lists the sites it can see).
        AuthError: The token cannot be refreshed (``InvalidGrantError``: authorize again).
    """
    from dlt_atlassian.http.client import AtlassianClient
    from dlt_atlassian.http.limiter import RateLimiter

    credentials = resolve_credentials(credentials)
    auth = build_auth(credentials, store=token_store, clock=clock, transport=transport)
    try:
        kind, cloud_id, site_url, jira_base, confluence_base = _endpoints(
            credentials, auth, transport
        )
    except BaseException:
        if isinstance(auth, OAuth2RefreshAuth):
            auth.close()
        raise
    if kind == "scoped":
        assert isinstance(credentials, AtlassianScopedTokenCredentials) and cloud_id
        # No accessible-resources for scoped tokens: the gateway's own 404 is the only sign
        # of an unknown cloud id, recognised where both clients' requests pass (see gateway.py).
        auth = GatewaySiteCheck(auth, cloud_id, configured=bool(credentials.cloud_id))
    shared_limiter = limiter if limiter is not None else RateLimiter(max_connections)
    options: dict[str, Any] = {
        "auth": auth,
        "limiter": shared_limiter,
        "retry": retry,
        "timeout": timeout,
        "max_connections": max_connections,
        "user_agent": user_agent,
        "transport": transport,
    }
    jira = AtlassianClient(jira_base, **options)
    confluence = AtlassianClient(confluence_base, **options)
    return AtlassianConnection(
        jira=jira,
        confluence=confluence,
        auth=auth,
        limiter=shared_limiter,
        kind=kind,
        cloud_id=cloud_id,
        site_url=site_url,
    )


def _endpoints(
    credentials: AnyAtlassianCredentials,
    auth: httpx.Auth,
    transport: httpx.BaseTransport | None,
) -> tuple[AuthKind, str | None, str | None, str, str]:
    """Work out (kind, cloud id, site URL, Jira base URL, Confluence base URL)."""
    if isinstance(credentials, AtlassianOAuthCredentials):
        assert isinstance(auth, OAuth2RefreshAuth)
        site = resolve_oauth_site(
            auth,
            api_base_url=credentials.api_base_url,
            site_url=credentials.site_url,
            cloud_id=credentials.cloud_id,
            transport=transport,
        )
        api = credentials.api_base_url
        return ("oauth", site.cloud_id, site.url or None,
                gateway_url(api, "jira", site.cloud_id),
                gateway_url(api, "confluence", site.cloud_id))
    if isinstance(credentials, AtlassianScopedTokenCredentials):
        cloud_id = credentials.cloud_id
        if not cloud_id:
            assert credentials.site_url is not None  # validated by the credentials
            cloud_id = tenant_cloud_id(credentials.site_url, transport=transport)
        api = credentials.api_base_url
        return ("scoped", cloud_id, credentials.site_url,
                gateway_url(api, "jira", cloud_id), gateway_url(api, "confluence", cloud_id))
    site_url = credentials.site_url
    return ("basic", None, site_url, site_url, site_url)
