"""Token status arithmetic (pure)."""

from __future__ import annotations

from dlt_atlassian.auth.status import DAY, format_status, token_status
from dlt_atlassian.auth.token_store import TokenSet

T0 = 1_700_000_000.0
REFRESH = "refresh-token-secret-1"
ACCESS = "access-token-secret-2"


def _tokens(**changes: object) -> TokenSet:
    base = TokenSet(refresh_token=REFRESH, access_token=ACCESS, expires_at=T0 + 3600,
                    scope="offline_access read:jira-work", consented_at=T0, first_seen_at=T0,
                    refreshed_at=T0, cloud_id="cid", site_url="https://x.atlassian.net",
                    generation=5)
    return base.evolve(**changes)


def test_fresh_consent_has_full_windows() -> None:
    status = token_status(_tokens(), now=T0)
    assert status.inactivity_days_left == 90
    assert status.absolute_days_left == 365
    assert status.access_token_expires_in == 3600
    assert status.ok and not status.warnings and not status.absolute_is_estimate


def test_inactivity_counts_from_last_refresh_absolute_from_consent() -> None:
    tokens = _tokens(refreshed_at=T0 + 200 * DAY)
    status = token_status(tokens, now=T0 + 210 * DAY)
    assert status.inactivity_days_left == 80
    assert status.absolute_days_left == 155
    assert status.ok and not status.warnings


def test_warnings_under_thresholds() -> None:
    status = token_status(_tokens(refreshed_at=T0 + 300 * DAY), now=T0 + 380 * DAY)
    assert status.inactivity_days_left == 10
    assert status.absolute_days_left == -15
    assert not status.ok
    assert any("token refresh" in w for w in status.warnings)
    assert any("authorize" in w and "365" in w for w in status.warnings)
    near = token_status(_tokens(refreshed_at=T0 + 340 * DAY), now=T0 + 340 * DAY)
    assert near.ok and len(near.warnings) == 1 and "25.0 days" in near.warnings[0]


def test_inactivity_expired() -> None:
    status = token_status(_tokens(), now=T0 + 91 * DAY)
    assert status.inactivity_days_left < 0 and not status.ok
    assert any("expired" in w for w in status.warnings)


def test_unknown_consent_time_is_an_estimate() -> None:
    tokens = _tokens(consented_at=None, first_seen_at=T0 + 10 * DAY, refreshed_at=None)
    status = token_status(tokens, now=T0 + 20 * DAY)
    assert status.absolute_is_estimate
    assert status.absolute_days_left == 355
    assert status.inactivity_days_left == 80


def test_format_never_prints_tokens() -> None:
    text = format_status(token_status(_tokens(), now=T0 + DAY), store="token store /x")
    assert REFRESH not in text and ACCESS not in text
    assert "cid" in text and "https://x.atlassian.net" in text and "rotation #5" in text
    assert "expired" in text  # the access token, a day later
