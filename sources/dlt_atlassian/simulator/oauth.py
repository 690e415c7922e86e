"""The OAuth 2.0 (3LO) authorization server: codes, access tokens, rotating refresh tokens.

Rules follow Atlassian's documentation for rotating refresh tokens: every refresh returns a
new refresh token; the one just used stays valid for ``reuse_interval`` seconds (reusing it in
that window returns a fresh pair), and reusing it later revokes the whole token *family* (every
token descending from the same consent). A refresh token expires after ``inactivity_days``
without use and the family after ``absolute_days``; access tokens after ``access_token_ttl``.
All times come from the simulator's clock. The HTTP endpoints live in ``oauth_routes.py``.
"""

from __future__ import annotations

import secrets
import threading
import uuid

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.oauth_models import (
    DAY,
    AccessRecord,
    CodeRecord,
    OAuthError,
    RefreshRecord,
    TokenFamily,
    TokenPair,
    cloud_id_for,
    invalid_refresh,
    jwt_like,
)
from dlt_atlassian.simulator.users import UserDirectory

__all__ = ["OAuthError", "OAuthServer", "TokenFamily", "TokenPair", "cloud_id_for"]


class OAuthServer:
    """The authorization server's state; thread-safe."""

    def __init__(self, config: SimulatorConfig, clock: SimClock, users: UserDirectory) -> None:
        self.config = config
        self.clock = clock
        self.users = users
        self._lock = threading.Lock()
        self._families: dict[str, TokenFamily] = {}
        self._refresh: dict[str, RefreshRecord] = {}
        self._access: dict[str, AccessRecord] = {}
        self._codes: dict[str, CodeRecord] = {}

    # -- clients and codes -------------------------------------------------------------------
    def check_client(self, client_id: str, client_secret: str) -> None:
        """Fail like Atlassian does on an unknown client or a wrong secret."""
        expected = self.config.oauth.clients.get(client_id)
        if expected is None or not secrets.compare_digest(expected, client_secret):
            raise OAuthError(401, "access_denied", "Unauthorized")

    def is_client(self, client_id: str) -> bool:
        """True if ``client_id`` is a registered app."""
        return client_id in self.config.oauth.clients

    def issue_code(
        self,
        client_id: str,
        redirect_uri: str,
        scopes: list[str],
        account_id: str | None = None,
    ) -> str:
        """Record a consent and return its single-use authorization code."""
        code = secrets.token_urlsafe(24)
        record = CodeRecord(
            client_id, redirect_uri, tuple(scopes), account_id or self.users.admin.account_id,
            self.clock.timestamp() + self.config.oauth.authorization_code_ttl,
        )
        with self._lock:
            self._codes[code] = record
        return code

    def exchange_code(self, client_id: str, client_secret: str, code: str,
                      redirect_uri: str) -> TokenPair:
        """The ``authorization_code`` grant."""
        self.check_client(client_id, client_secret)
        with self._lock:
            record = self._codes.pop(code, None)  # single use, even when it fails below
        if record is None or record.expires_at < self.clock.timestamp():
            raise OAuthError(403, "invalid_grant", "Invalid authorization code")
        if record.client_id != client_id or record.redirect_uri != redirect_uri:
            raise OAuthError(403, "invalid_grant", "Invalid authorization code")
        return self._new_family(client_id, record.account_id, record.scopes)

    # -- grants ------------------------------------------------------------------------------
    def grant(
        self,
        scopes: list[str],
        *,
        client_id: str | None = None,
        account_id: str | None = None,
    ) -> tuple[str, str | None]:
        """Consent directly (tests): return ``(access_token, refresh_token)``.

        The refresh token is ``None`` unless ``offline_access`` is among ``scopes``. The
        client defaults to the first configured one (``sim-client-id``), the account to the
        site admin.
        """
        client = client_id or next(iter(self.config.oauth.clients), "sim-client-id")
        pair = self._new_family(client, account_id or self.users.admin.account_id,
                                tuple(scopes))
        return pair.access_token, pair.refresh_token

    def _new_family(self, client_id: str, account_id: str, scopes: tuple[str, ...]) -> TokenPair:
        now = self.clock.timestamp()
        family = TokenFamily(uuid.uuid4().hex, client_id, account_id, scopes, now)
        with self._lock:
            self._families[family.id] = family
            return self._issue_locked(family, now)

    def _issue_locked(self, family: TokenFamily, now: float) -> TokenPair:
        ttl = self.config.oauth.access_token_ttl
        access = jwt_like({"sub": family.account_id, "exp": int(now + ttl), "kind": "access",
                            "jti": uuid.uuid4().hex})
        self._access[access] = AccessRecord(family.id, family.account_id,
                                            frozenset(family.scopes), now + ttl)
        refresh: str | None = None
        if "offline_access" in family.scopes:
            refresh = jwt_like({"sub": family.account_id, "kind": "refresh",
                                 "jti": uuid.uuid4().hex})
            self._refresh[refresh] = RefreshRecord(family.id, now)
            family.refresh_tokens.append(refresh)
        return TokenPair(access, refresh, ttl, family.scopes)

    def refresh(self, client_id: str, client_secret: str, refresh_token: str) -> TokenPair:
        """The ``refresh_token`` grant, with rotation, reuse interval and family revocation."""
        self.check_client(client_id, client_secret)
        oauth = self.config.oauth
        now = self.clock.timestamp()
        with self._lock:
            record = self._refresh.get(refresh_token)
            if record is None:
                raise invalid_refresh()
            family = self._families[record.family_id]
            if family.revoked or family.client_id != client_id:
                raise invalid_refresh()
            if now > family.created_at + oauth.absolute_days * DAY:
                self._revoke_locked(family, "absolute expiry")
                raise invalid_refresh()
            if now > (record.used_at or record.issued_at) + oauth.inactivity_days * DAY:
                raise invalid_refresh()
            if record.used_at is not None and now - record.used_at > oauth.reuse_interval:
                # Replay of a rotated token: treat the family as compromised.
                self._revoke_locked(family, "refresh token reused after the reuse interval")
                raise invalid_refresh()
            if record.used_at is None:
                record.used_at = now
            family.refresh_count += 1
            return self._issue_locked(family, now)

    # -- checks used by the gateway ----------------------------------------------------------
    def access_record(self, token: str) -> AccessRecord | None:
        """What ``token`` grants, or ``None`` if unknown, expired or its family is revoked."""
        with self._lock:
            record = self._access.get(token)
            if record is None or record.expires_at <= self.clock.timestamp():
                return None
            if record.family_id is not None and self._families[record.family_id].revoked:
                return None
            return record

    # -- inspection and control (tests, control API) -----------------------------------------
    def revoke_family(self, family_id_or_token: str, reason: str = "revoked") -> None:
        """Revoke a family given its id or any of its refresh or access tokens."""
        with self._lock:
            family = self._find_family_locked(family_id_or_token)
            if family is None:
                raise KeyError("unknown token family")
            self._revoke_locked(family, reason)

    def family_of(self, token: str) -> TokenFamily | None:
        """The family of a refresh token, access token or family id."""
        with self._lock:
            return self._find_family_locked(token)

    def families(self) -> list[TokenFamily]:
        """Every family, oldest first."""
        with self._lock:
            return sorted(self._families.values(), key=lambda f: f.created_at)

    def refresh_count(self, token_or_family: str) -> int:
        """How many refreshes the family of ``token_or_family`` served."""
        family = self.family_of(token_or_family)
        return family.refresh_count if family else 0

    def total_refreshes(self) -> int:
        """Refreshes served across all families."""
        with self._lock:
            return sum(f.refresh_count for f in self._families.values())

    def expire_access_tokens(self) -> int:
        """Make every live access token expire now (returns how many)."""
        now = self.clock.timestamp()
        with self._lock:
            live = [t for t, r in self._access.items() if r.expires_at > now]
            for token in live:
                record = self._access[token]
                self._access[token] = AccessRecord(record.family_id, record.account_id,
                                                   record.scopes, now)
            return len(live)

    def family_summary(self) -> list[dict[str, object]]:
        """Families as JSON-ready data without any token value."""
        return [
            {"id": f.id, "client_id": f.client_id, "account_id": f.account_id,
             "scopes": list(f.scopes), "created_at": f.created_at, "revoked": f.revoked,
             "revoked_reason": f.revoked_reason, "refresh_count": f.refresh_count,
             "refresh_tokens_issued": len(f.refresh_tokens)}
            for f in self.families()
        ]

    def _find_family_locked(self, key: str) -> TokenFamily | None:
        if key in self._families:
            return self._families[key]
        if key in self._refresh:
            return self._families[self._refresh[key].family_id]
        access = self._access.get(key)
        if access is not None and access.family_id is not None:
            return self._families[access.family_id]
        return None

    def _revoke_locked(self, family: TokenFamily, reason: str) -> None:
        family.revoked = True
        family.revoked_reason = reason
