"""How long an OAuth consent has left: pure arithmetic over a :class:`TokenSet`.

Atlassian's rotating refresh tokens die after 90 days without use (inactivity; every refresh
issues a new token and restarts the timer) and 365 days after the consent (absolute; rotation
does not extend it). ``dlt-atlassian token status`` prints this; ``token refresh`` is the
keepalive to schedule when pipelines run less often than the inactivity window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from dlt_atlassian.auth.token_store import TokenSet

DAY = 86400.0
INACTIVITY_DAYS = 90
ABSOLUTE_DAYS = 365
WARN_INACTIVITY_DAYS = 14
WARN_ABSOLUTE_DAYS = 30


@dataclass(frozen=True)
class TokenStatus:
    """What ``token status`` reports. Never holds a token."""

    site_url: str | None
    cloud_id: str | None
    scopes: list[str]
    generation: int
    last_refresh: datetime | None
    access_token_expires_in: float | None  # seconds; negative = expired
    inactivity_days_left: float
    absolute_days_left: float
    absolute_is_estimate: bool  # the consent time is unknown; counted from first use here
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True while the refresh token still works."""
        return self.inactivity_days_left > 0 and self.absolute_days_left > 0


def _at(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def token_status(
    tokens: TokenSet,
    *,
    now: float,
    inactivity_days: int = INACTIVITY_DAYS,
    absolute_days: int = ABSOLUTE_DAYS,
    warn_inactivity_days: int = WARN_INACTIVITY_DAYS,
    warn_absolute_days: int = WARN_ABSOLUTE_DAYS,
) -> TokenStatus:
    """Compute days left before each expiry, with warnings under the thresholds.

    Args:
        tokens: The stored token set.
        now: The current time, epoch seconds.
        inactivity_days: Refresh-token inactivity expiry (Atlassian: 90).
        absolute_days: Absolute consent lifetime (Atlassian: 365).
        warn_inactivity_days: Warn when fewer days are left before the inactivity expiry.
        warn_absolute_days: Warn when fewer days are left before the absolute expiry.

    Returns:
        The status; ``warnings`` says what to do, if anything.
    """
    start = tokens.consented_at or tokens.first_seen_at or tokens.refreshed_at or now
    last_use = tokens.refreshed_at or tokens.consented_at or tokens.first_seen_at or now
    inactivity_left = inactivity_days - (now - last_use) / DAY
    absolute_left = absolute_days - (now - start) / DAY
    warnings: list[str] = []
    if inactivity_left <= 0:
        warnings.append(
            f"The refresh token has not been used for {inactivity_days} days and has expired: "
            "run `dlt-atlassian authorize`."
        )
    elif inactivity_left < warn_inactivity_days:
        warnings.append(
            f"The refresh token expires from inactivity in {inactivity_left:.1f} days: run a "
            "pipeline or `dlt-atlassian token refresh` (schedule it as a keepalive)."
        )
    if absolute_left <= 0:
        warnings.append(
            f"The consent is older than {absolute_days} days and has expired: run "
            "`dlt-atlassian authorize`."
        )
    elif absolute_left < warn_absolute_days:
        warnings.append(
            f"The consent reaches its {absolute_days}-day limit in {absolute_left:.1f} days: run "
            "`dlt-atlassian authorize` before then (refreshing does not extend it)."
        )
    expires_in = tokens.expires_at - now if tokens.expires_at is not None else None
    return TokenStatus(
        site_url=tokens.site_url,
        cloud_id=tokens.cloud_id,
        scopes=tokens.scopes,
        generation=tokens.generation,
        last_refresh=_at(tokens.refreshed_at),
        access_token_expires_in=expires_in,
        inactivity_days_left=inactivity_left,
        absolute_days_left=absolute_left,
        absolute_is_estimate=tokens.consented_at is None,
        warnings=warnings,
    )


def format_status(status: TokenStatus, *, store: str = "") -> str:
    """Human-readable lines for the CLI (no token values)."""
    def when(moment: datetime | None) -> str:
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "never"

    if status.access_token_expires_in is None:
        access = "none yet"
    elif status.access_token_expires_in > 0:
        access = f"valid for {status.access_token_expires_in / 60:.0f} more minutes"
    else:
        access = "expired (refreshed on next use)"
    estimate = " (estimated: consent time unknown)" if status.absolute_is_estimate else ""
    lines = [
        f"store:            {store}" if store else None,
        f"site:             {status.site_url or 'unknown (found on first run)'}",
        f"cloud id:         {status.cloud_id or 'unknown (found on first run)'}",
        f"scopes:           {' '.join(status.scopes) or 'unknown'}",
        f"last refresh:     {when(status.last_refresh)} (rotation #{status.generation})",
        f"access token:     {access}",
        f"inactivity limit: {max(status.inactivity_days_left, 0):.1f} days left",
        f"absolute limit:   {max(status.absolute_days_left, 0):.1f} days left{estimate}",
    ]
    lines += [f"WARNING: {w}" for w in status.warnings]
    return "\n".join(line for line in lines if line is not None)
