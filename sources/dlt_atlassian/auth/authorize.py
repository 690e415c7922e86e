"""The OAuth 2.0 authorization-code flow behind ``dlt-atlassian authorize``.

1. Build the consent URL (audience ``api.atlassian.com``, ``offline_access`` so we get a
   refresh token, ``prompt=consent``, a random ``state``).
2. Catch the redirect: a one-shot listener on the loopback ``redirect_uri`` (default
   ``http://127.0.0.1:8765/callback``), or, headless, the redirect URL pasted on stdin.
3. Check ``state``, exchange the code, write the tokens to the store (a new lineage), find the
   cloud id through accessible-resources and store it too.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx

from dlt_atlassian.auth.callback import CallbackListener
from dlt_atlassian.auth.cloud import Site, choose_site, fetch_accessible_resources
from dlt_atlassian.auth.simple import BearerAuth
from dlt_atlassian.auth.token_endpoint import TokenEndpoint
from dlt_atlassian.auth.token_store import TokenSet, TokenStore, token_fingerprint
from dlt_atlassian.auth.urls import is_loopback
from dlt_atlassian.credentials import AtlassianOAuthCredentials
from dlt_atlassian.errors import AuthError, ConfigurationError
from dlt_atlassian.redact import register_secret

AUDIENCE = "api.atlassian.com"

DEFAULT_SCOPES: tuple[str, ...] = (
    "offline_access",
    # Jira platform (classic scopes cover issues, changelogs, comments, worklogs, projects)
    "read:jira-work",
    "read:jira-user",
    # Jira Software agile API (granular only)
    "read:board-scope:jira-software",
    "read:board-scope.admin:jira-software",
    "read:sprint:jira-software",
    "read:epic:jira-software",
    "read:issue-details:jira",
    "read:jql:jira",
    "read:project:jira",
    # Confluence v1 (CQL search; classic)
    "read:confluence-content.all",
    "read:confluence-content.summary",
    "read:confluence-space.summary",
    "read:confluence-user",
    "search:confluence",
    # Confluence v2 (granular only)
    "read:page:confluence",
    "read:space:confluence",
    "read:comment:confluence",
    "read:attachment:confluence",
    "read:label:confluence",
    "read:content.metadata:confluence",
)
"""Everything this package reads, classic and granular; override with ``scopes``."""


@dataclass(frozen=True)
class AuthorizeResult:
    """What ``authorize`` stored (no token values)."""

    store: str
    scopes: list[str]
    site: Site | None  # None when several sites are visible and none is configured
    sites: list[Site]


def authorize_url(
    auth_base_url: str, client_id: str, redirect_uri: str, scopes: list[str], state: str
) -> str:
    """The consent URL to open in a browser."""
    query = urlencode({
        "audience": AUDIENCE,
        "client_id": client_id,
        "scope": " ".join(scopes),
        "redirect_uri": redirect_uri,
        "state": state,
        "response_type": "code",
        "prompt": "consent",
    })
    return f"{auth_base_url.rstrip('/')}/authorize?{query}"


def code_from_redirect(redirect: str, expected_state: str) -> str:
    """Extract the code from the redirect URL (or its query string), checking ``state``.

    Raises:
        AuthError: The consent was denied, ``state`` does not match, or there is no code.
    """
    text = redirect.strip()
    query = urlsplit(text).query if "://" in text or text.startswith("/") else text.lstrip("?")
    params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
    if "code" in params:
        register_secret(params["code"])
    if params.get("error"):
        raise AuthError(
            f"The consent was not granted: {params['error']}"
            + (f" ({params['error_description']})" if params.get("error_description") else ""),
            hint="Run `dlt-atlassian authorize` again and accept the consent screen; check "
            "the app's scopes and callback URL in the developer console.",
        )
    if not secrets.compare_digest(params.get("state", ""), expected_state):
        raise AuthError(
            "The redirect's state does not match this authorization request.",
            hint="Paste the redirect of the URL printed by this run (not an older one).",
        )
    code = params.get("code")
    if not code:
        raise AuthError("The redirect carries no authorization code.",
                        hint="Paste the full URL the browser was redirected to.")
    return code


def _with_port(redirect_uri: str, port: int | None) -> str:
    if port is None:
        return redirect_uri
    parts = urlsplit(redirect_uri)
    return urlunsplit(parts._replace(netloc=f"{parts.hostname}:{port}"))


def authorize(
    credentials: AtlassianOAuthCredentials,
    store: TokenStore,
    *,
    scopes: list[str] | None = None,
    port: int | None = None,
    headless: bool = False,
    on_url: Callable[[str], None] | None = None,
    read_redirect: Callable[[], str] = input,
    timeout: float = 300.0,
    clock: Callable[[], float] = time.time,
    transport: httpx.BaseTransport | None = None,
) -> AuthorizeResult:
    """Run the authorization-code flow end to end and fill ``store``.

    Args:
        credentials: The OAuth app (client id/secret, auth and API base URLs, redirect URI).
        store: Where the new token pair goes (replacing any older lineage).
        scopes: Scopes to request (default: ``credentials.scopes`` or :data:`DEFAULT_SCOPES`).
        port: Listen on this port instead of the redirect URI's (the URI is adjusted).
        headless: Do not listen; read the redirect URL with ``read_redirect`` instead.
        on_url: Called with the consent URL (the CLI prints it and opens a browser).
        read_redirect: Returns the pasted redirect URL (headless mode).
        timeout: Seconds to wait for the browser's redirect.
        clock: Epoch-seconds clock for the stored timestamps.
        transport: httpx transport for the token and accessible-resources calls.

    Returns:
        What was stored.
    """
    wanted = list(scopes or credentials.scopes or DEFAULT_SCOPES)
    if "offline_access" not in wanted:
        wanted.append("offline_access")  # without it Atlassian issues no refresh token
    redirect_uri = _with_port(credentials.redirect_uri, port)
    state = secrets.token_urlsafe(24)
    announce = on_url or print
    if headless:
        announce(authorize_url(credentials.auth_base_url, credentials.client_id, redirect_uri,
                               wanted, state))
        redirect = read_redirect()
    else:
        host = urlsplit(redirect_uri).hostname
        if not is_loopback(host):
            raise ConfigurationError(
                f"Cannot listen on redirect_uri {redirect_uri}: not a loopback address.",
                hint="Use --no-browser and paste the redirect URL, or register "
                "http://127.0.0.1:8765/callback as the app's callback URL.",
            )
        with CallbackListener(redirect_uri) as listener:
            redirect_uri = listener.redirect_uri  # the real port when 0 was asked for
            announce(authorize_url(credentials.auth_base_url, credentials.client_id,
                                   redirect_uri, wanted, state))
            redirect = listener.wait(timeout)
    code = code_from_redirect(redirect, state)
    endpoint = TokenEndpoint(credentials.auth_base_url, credentials.client_id,
                             credentials.client_secret, transport=transport)
    try:
        answer = endpoint.exchange_code(code, redirect_uri)
    finally:
        endpoint.close()
    if not answer.refresh_token:
        raise AuthError("Atlassian returned no refresh token.",
                        hint="Request the offline_access scope (it is added by default).")
    now = clock()
    superseded = [token_fingerprint(credentials.refresh_token)] if credentials.refresh_token else []
    tokens = TokenSet(
        refresh_token=answer.refresh_token,
        access_token=answer.access_token,
        expires_at=now + answer.expires_in,
        token_type=answer.token_type,
        scope=answer.scope or " ".join(wanted),
        client_id=credentials.client_id,
        origin=token_fingerprint(answer.refresh_token),
        generation=1,
        consented_at=now,
        first_seen_at=now,
        refreshed_at=now,
        superseded=[s for s in superseded if s],
    )
    with store.lock():
        store.save(tokens)  # the consent is safe before anything else can fail
    sites = fetch_accessible_resources(credentials.api_base_url, BearerAuth(answer.access_token),
                                       transport=transport)
    site: Site | None = None
    if credentials.site_url or credentials.cloud_id or len(sites) == 1:
        site = choose_site(sites, site_url=credentials.site_url, cloud_id=credentials.cloud_id)
    with store.lock():
        current = store.load()  # a pipeline may have refreshed meanwhile: keep its tokens
        if current is not None and current.origin == tokens.origin:
            tokens = current
        tokens = tokens.evolve(
            cloud_id=site.cloud_id if site else None,
            site_url=site.url if site else None,
            sites=[s.to_dict() for s in sites],
        )
        store.save(tokens)
    return AuthorizeResult(store=store.describe(), scopes=tokens.scopes, site=site, sites=sites)
