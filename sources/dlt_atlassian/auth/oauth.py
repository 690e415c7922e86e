"""``OAuth2RefreshAuth``: an httpx authenticator for Atlassian's rotating refresh tokens.

* Refreshes ahead of expiry (``leeway`` seconds early) and, on a 401, refreshes once and retries.
* The rotated refresh token is written to the token store *before* the new access token is
  used; a crash between the token endpoint's answer and the write is survivable because the
  old refresh token stays valid for Atlassian's reuse interval.
* Refreshes are serialised across threads (a lock) and processes (the store's lock); under
  the lock the store is re-read and a token someone else just obtained is adopted instead of
  refreshing again, so two pipelines on one consent never refresh with the same token.
* The configured initial refresh token only matters until the store holds a descendant of it;
  a different configured token (a new consent) replaces the stored lineage.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Generator
from typing import Any

import httpx

from dlt_atlassian.auth.token_endpoint import TokenEndpoint
from dlt_atlassian.auth.token_store import TokenSet, TokenStore, token_fingerprint
from dlt_atlassian.auth.urls import DEFAULT_AUTH_BASE_URL
from dlt_atlassian.errors import AuthError, InvalidGrantError
from dlt_atlassian.redact import register_secret

log = logging.getLogger("dlt_atlassian.auth")

_SCOPE_MISMATCH = b"scope does not match"


class OAuth2RefreshAuth(httpx.Auth):
    """Bearer auth with automatic, store-coordinated refresh (see the module doc).

    Args:
        client_id: The OAuth app's client id.
        client_secret: The OAuth app's secret.
        store: Where the token pair lives (shared with other processes on the same consent).
        initial_refresh_token: The configured refresh token, if any (see the module doc).
        auth_base_url: Atlassian's auth server, ``https://auth.atlassian.com`` by default.
        leeway: Refresh this many seconds before the access token expires.
        clock: Returns "now" as epoch seconds (injectable so tests can follow a simulated clock).
        token_endpoint: A ready :class:`TokenEndpoint` (default: one built from the above).
        on_refresh: Called with the new :class:`TokenSet` after it was saved.
    """

    requires_response_body = False

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        store: TokenStore,
        initial_refresh_token: str | None = None,
        auth_base_url: str = DEFAULT_AUTH_BASE_URL,
        leeway: float = 300.0,
        clock: Callable[[], float] = time.time,
        token_endpoint: TokenEndpoint | None = None,
        on_refresh: Callable[[TokenSet], None] | None = None,
    ) -> None:
        register_secret(client_secret)
        register_secret(initial_refresh_token)
        self.client_id = client_id
        self.store = store
        self.leeway = leeway
        self.clock = clock
        self.on_refresh = on_refresh
        self._initial = initial_refresh_token or None
        self.endpoint = token_endpoint or TokenEndpoint(auth_base_url, client_id, client_secret)
        self._lock = threading.RLock()
        self._tokens: TokenSet | None = None
        self.refresh_count = 0  # refreshes this object performed (not adopted ones)

    # -- httpx.Auth --------------------------------------------------------------------------

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with a valid access token; on a 401, get a new token once and retry."""
        tokens = self.current_tokens()
        request.headers["Authorization"] = f"Bearer {tokens.access_token}"
        response = yield request
        refreshed = False
        # At most two retries: one after adopting a token another process stored, and one
        # after our own refresh. Never more than one refresh per request.
        for _ in range(2):
            if response.status_code != 401 or refreshed or _is_scope_mismatch(response):
                return
            tokens, refreshed = self._renew(tokens, force=True)
            request.headers["Authorization"] = f"Bearer {tokens.access_token}"
            response = yield request

    # -- public helpers ------------------------------------------------------------------------

    @property
    def tokens(self) -> TokenSet | None:
        """The token set this process currently uses (``None`` before the first request)."""
        return self._tokens

    def stored_tokens(self) -> TokenSet:
        """The tokens this process starts from, without refreshing (for cached metadata)."""
        tokens = self._tokens
        if tokens is None:
            with self._lock:
                if self._tokens is None:
                    self._tokens = self._starting_tokens(self.store.load())
                tokens = self._tokens
        return tokens

    def current_tokens(self) -> TokenSet:
        """Return tokens whose access token is valid for at least ``leeway`` more seconds."""
        tokens = self.stored_tokens()
        if self._fresh(tokens):
            return tokens
        return self._renew(tokens, force=False)[0]

    def access_token(self) -> str:
        """A valid access token (refreshing first if needed)."""
        token = self.current_tokens().access_token
        assert token is not None
        return token

    def refresh(self) -> TokenSet:
        """Refresh now, whatever the expiry (a keepalive); returns the saved token set."""
        with self._lock:
            if self._tokens is None:
                self._tokens = self._starting_tokens(self.store.load())
            with self.store.lock():
                base = self._starting_tokens(self.store.load())
                return self._refresh_with(base)

    def update_metadata(self, **changes: Any) -> TokenSet:
        """Store non-token facts (cloud id, site, sites) with the current tokens."""
        with self._lock, self.store.lock():
            current = self._tokens or self._starting_tokens(self.store.load())
            stored = self.store.load()
            if stored is not None and stored.origin == current.origin:
                current = stored if stored.generation >= current.generation else current
            updated = current.evolve(**changes)
            self.store.save(updated)
            self._tokens = updated
            return updated

    def close(self) -> None:
        """Release the token endpoint's connections (also one passed in)."""
        self.endpoint.close()

    # -- internals -----------------------------------------------------------------------------

    def _fresh(self, tokens: TokenSet) -> bool:
        if not tokens.access_token or tokens.expires_at is None:
            return False
        leeway = self.leeway
        if tokens.refreshed_at is not None and tokens.expires_at > tokens.refreshed_at:
            # Short-lived tokens (TTL under twice the leeway) would otherwise be refreshed on
            # every request: never refresh earlier than half-way through a token's life.
            leeway = min(leeway, (tokens.expires_at - tokens.refreshed_at) / 2)
        return tokens.expires_at - leeway > self.clock()

    def _usable(self, tokens: TokenSet, force: bool) -> bool:
        # After a 401 any unexpired replacement is worth a try; ahead of expiry it must be fresh.
        if force:
            return bool(
                tokens.access_token
                and tokens.expires_at is not None
                and tokens.expires_at > self.clock()
            )
        return self._fresh(tokens)

    def _starting_tokens(self, stored: TokenSet | None) -> TokenSet:
        """Pick the lineage to use: the store's, unless a different consent is configured."""
        if stored is not None and stored.client_id not in (None, self.client_id):
            stored = None  # another OAuth app's tokens: not ours to use
        if self._initial is not None:
            fingerprint = token_fingerprint(self._initial)
            if stored is not None and (
                fingerprint in (stored.origin, token_fingerprint(stored.refresh_token))
                or fingerprint in stored.superseded
            ):
                return stored
            return TokenSet(
                refresh_token=self._initial,
                client_id=self.client_id,
                origin=fingerprint,
                first_seen_at=self.clock(),
            )
        if stored is None:
            raise AuthError(
                f"No OAuth tokens: the {self.store.describe()} is empty and no refresh_token "
                "is configured.",
                hint="Run `dlt-atlassian authorize` once (or set refresh_token in "
                "[sources.atlassian.credentials]).",
            )
        return stored

    def _renew(self, stale: TokenSet, *, force: bool) -> tuple[TokenSet, bool]:
        """Replace ``stale``: adopt a newer stored token if there is one, else refresh.

        Returns the tokens and whether this call refreshed (as opposed to adopting).
        """
        with self._lock:
            mine = self._tokens
            if mine is not None and mine.access_token != stale.access_token and self._usable(
                mine, force
            ):
                return mine, False  # another thread already replaced it
            with self.store.lock():
                current = self._starting_tokens(self.store.load())
                if current.access_token != stale.access_token and self._usable(current, force):
                    log.info("Using the access token another process just refreshed.")
                    self._tokens = current
                    return current, False
                if current.generation < stale.generation and current.origin == stale.origin:
                    current = stale  # our copy is newer than the store's (store was replaced)
                return self._refresh_with(current), True

    def _refresh_with(self, base: TokenSet) -> TokenSet:
        """Refresh with ``base.refresh_token``; save before returning. Caller holds the locks."""
        try:
            answer = self.endpoint.refresh(base.refresh_token)
        except InvalidGrantError as exc:
            raise InvalidGrantError(
                f"{exc.message} ({self.store.describe()})", hint=exc.hint
            ) from None
        now = self.clock()
        new = base.evolve(
            access_token=answer.access_token,
            refresh_token=answer.refresh_token or base.refresh_token,
            expires_at=now + answer.expires_in,
            token_type=answer.token_type,
            scope=answer.scope or base.scope,
            client_id=self.client_id,
            generation=base.generation + 1,
            refreshed_at=now,
            first_seen_at=base.first_seen_at or now,
        )
        self.store.save(new)  # persisted before anyone uses the new access token
        self._tokens = new
        self.refresh_count += 1
        log.info("Refreshed the OAuth access token (generation %d, expires in %ds).",
                 new.generation, answer.expires_in)
        if self.on_refresh is not None:
            self.on_refresh(new)
        return new


def _is_scope_mismatch(response: httpx.Response) -> bool:
    # Atlassian answers a missing scope with 401 "Unauthorized; scope does not match":
    # refreshing cannot help, so it is not treated as an expired token.
    try:
        body = response.read()
    except (httpx.ResponseNotRead, httpx.StreamError, RuntimeError):
        return False
    return _SCOPE_MISMATCH in body.lower()
