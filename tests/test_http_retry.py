"""Pure tests of the retry decisions and delay computation (no HTTP, no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from dlt_atlassian.http.retry import (
    NEVER_RETRY_STATUSES,
    RetryPolicy,
    backoff_delay,
    is_quota_exhausted,
    is_retryable_status,
    parse_reset_timestamp,
    parse_retry_after,
    retry_delay,
    server_delay,
)

NOW = datetime(2024, 1, 17, 12, 34, 56, tzinfo=UTC).timestamp()
POLICY = RetryPolicy(backoff_base=1.0, backoff_max=30.0, min_retry_after=1.0)


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retryable_statuses(status: int) -> None:
    assert is_retryable_status(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 405, 409, 422, 501])
def test_non_retryable_statuses(status: int) -> None:
    assert not is_retryable_status(status)
    assert NEVER_RETRY_STATUSES.isdisjoint({429, 500, 502, 503, 504})


def test_retry_after_seconds_and_fractions() -> None:
    assert parse_retry_after("5", now=NOW) == 5.0
    assert parse_retry_after(" 1.5 ", now=NOW) == 1.5
    assert parse_retry_after("0", now=NOW) == 0.0
    assert parse_retry_after("", now=NOW) is None
    assert parse_retry_after(None, now=NOW) is None
    assert parse_retry_after("soon", now=NOW) is None


def test_retry_after_http_date() -> None:
    when = datetime.fromtimestamp(NOW + 42, UTC)
    assert parse_retry_after(format_datetime(when, usegmt=True), now=NOW) == pytest.approx(42)
    assert parse_retry_after("Wed, 17 Jan 2024 12:34:50 GMT", now=NOW) == pytest.approx(-6)


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-17T12:35:06Z",
        "2024-01-17T12:35:06.000Z",
        "2024-01-17T12:35:06+00:00",
        "2024-01-17T12:35:06.000+0000",
        "2024-01-17T12:35:06",
    ],
)
def test_reset_timestamp_iso_forms(value: str) -> None:
    assert parse_reset_timestamp(value, now=NOW) == pytest.approx(10)


def test_reset_timestamp_epoch_and_garbage() -> None:
    assert parse_reset_timestamp(str(NOW + 7), now=NOW) == pytest.approx(7)
    assert parse_reset_timestamp("not a date", now=NOW) is None
    assert parse_reset_timestamp(None, now=NOW) is None


def test_server_delay_precedence() -> None:
    both = {
        "retry-after": "3",
        "beta-retry-after": "9",
        "x-ratelimit-reset": "2024-01-17T12:36:00Z",
    }
    assert server_delay(both, now=NOW) == 3
    assert server_delay({"beta-retry-after": "9"}, now=NOW) == 9
    assert server_delay({"x-ratelimit-reset": "2024-01-17T12:35:06Z"}, now=NOW) == pytest.approx(10)
    assert server_delay({}, now=NOW) is None


def test_retry_after_zero_is_not_a_spin() -> None:
    assert retry_delay(1, POLICY, {"retry-after": "0"}, now=NOW) == 1.0
    past = {"x-ratelimit-reset": "2024-01-17T12:00:00Z"}
    assert retry_delay(1, POLICY, past, now=NOW) == 1.0
    assert retry_delay(3, POLICY, {"retry-after": "7"}, now=NOW) == 7.0


def test_full_jitter_backoff_bounds_and_cap() -> None:
    assert backoff_delay(1, POLICY, lambda: 0.999999) == pytest.approx(1.0, rel=1e-5)
    assert backoff_delay(3, POLICY, lambda: 0.5) == pytest.approx(2.0)
    assert backoff_delay(20, POLICY, lambda: 0.999999) == pytest.approx(30.0, rel=1e-5)
    assert backoff_delay(4, POLICY, lambda: 0.0) == 0.0
    # no server hint -> backoff
    assert retry_delay(2, POLICY, {}, now=NOW, rand=lambda: 0.5) == pytest.approx(1.0)
    assert retry_delay(2, POLICY, None, rand=lambda: 0.25) == pytest.approx(0.5)


def test_quota_detection() -> None:
    policy = RetryPolicy(quota_pause_after=60)
    assert is_quota_exhausted({"ratelimit-reason": "jira-quota-tenant-based"}, 5, policy)
    assert is_quota_exhausted({"ratelimit-reason": "jira-quota-global-based"}, 5, policy)
    assert is_quota_exhausted({"ratelimit-reason": "jira-cost-based"}, 5, policy)
    assert not is_quota_exhausted({"ratelimit-reason": "jira-burst-based"}, 5, policy)
    assert not is_quota_exhausted({"ratelimit-reason": "jira-per-issue-on-write"}, 5, policy)
    assert is_quota_exhausted({}, 600, policy)
    assert not is_quota_exhausted({}, 2, policy)


def test_reset_only_for_a_burst_limit_is_an_upper_bound() -> None:
    # Atlassian documents X-RateLimit-Reset with minute precision: for a burst limit it says
    # "at the latest", so a short backoff (floored at min_retry_after) wins.
    headers = {"x-ratelimit-reset": "2024-01-17T12:36Z", "ratelimit-reason": "jira-burst-based"}
    assert retry_delay(1, POLICY, headers, now=NOW, rand=lambda: 0.5) == 1.0
    assert retry_delay(5, POLICY, headers, now=NOW, rand=lambda: 0.5) == pytest.approx(8.0)
    soon = {"x-ratelimit-reset": "2024-01-17T12:34:58Z", "ratelimit-reason": "jira-burst-based"}
    assert retry_delay(5, POLICY, soon, now=NOW, rand=lambda: 0.99) == pytest.approx(2.0)
    # a quota reset (or an unnamed limit) is honoured in full
    quota = {
        "x-ratelimit-reset": "2024-01-17T12:36Z",
        "ratelimit-reason": "jira-quota-global-based",
    }
    assert retry_delay(1, POLICY, quota, now=NOW) == pytest.approx(64)
    assert retry_delay(1, POLICY, {"x-ratelimit-reset": "2024-01-17T12:36Z"}, now=NOW) == (
        pytest.approx(64)
    )


def test_reset_far_away_is_treated_as_clock_skew() -> None:
    policy = RetryPolicy(max_server_delay=600, backoff_base=1.0)
    skewed = {"x-ratelimit-reset": "2024-01-20T00:00Z"}
    assert retry_delay(1, policy, skewed, now=NOW, rand=lambda: 0.5) == 0.5
    # an explicit Retry-After that long is passed on (the client then fails fast)
    assert retry_delay(1, policy, {"retry-after": "7200"}, now=NOW) == 7200
