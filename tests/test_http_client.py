"""AtlassianClient over real HTTP against a scripted uvicorn server: URLs, headers, retries."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from dlt_atlassian import errors
from dlt_atlassian.http import AtlassianClient, RateLimiter
from http_fixtures import FakeClock, RunningServer, ScriptedServer, fast_policy, make_client

OK = {"json": {"ok": True}}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# ------------------------------------------------------------------ URLs and headers


def test_default_headers(server: ScriptedServer) -> None:
    server.script("/rest/api/3/myself", OK)
    with make_client(server.base_url) as client:
        assert client.get_json("/rest/api/3/myself") == {"ok": True}
    headers = server.requests_to("/rest/api/3/myself")[0].headers
    assert headers["user-agent"].startswith("dlt-atlassian/")
    assert "(+https://" in headers["user-agent"]
    assert headers["accept"] == "application/json"
    assert headers["accept-language"] == "en"
    assert headers["x-force-accept-language"] == "true"


def test_paths_are_appended_to_a_gateway_prefix(server: ScriptedServer) -> None:
    server.script("/ex/jira/cloud-1/rest/api/3/project", {"json": [1, 2]})
    base = f"{server.base_url}/ex/jira/cloud-1/"
    with make_client(base) as client:
        assert client.base_url == f"{server.base_url}/ex/jira/cloud-1"
        assert client.get_json("/rest/api/3/project", params={"a": "b c"}) == [1, 2]
        # a link that already carries the prefix is not prefixed twice
        assert client.get_json("/ex/jira/cloud-1/rest/api/3/project") == [1, 2]
        # an absolute URL on the same host is used as is
        assert client.get_json(f"{base}rest/api/3/project") == [1, 2]
    logged = server.requests_to("/ex/jira/cloud-1/rest/api/3/project")
    assert len(logged) == 3
    assert logged[0].query == {"a": "b c"}


def test_absolute_url_to_another_host_is_refused(server: ScriptedServer) -> None:
    server.script("/rest/api/3/myself", OK)
    auth = httpx.BasicAuth("admin@example.com", "sim-api-token")
    with make_client(server.base_url, auth=auth) as client:
        other = server.base_url.replace("127.0.0.1", "localhost")
        with pytest.raises(errors.ConfigurationError) as info:
            client.get_json(f"{other}/rest/api/3/myself")
    assert "credentials are only sent to" in str(info.value)
    assert server.log == []


def test_invalid_base_url() -> None:
    with pytest.raises(errors.ConfigurationError):
        AtlassianClient("x.atlassian.net")


# ------------------------------------------------------------------ waits the server asks for


def _retry_once(server: ScriptedServer, clock: FakeClock, first: dict[str, object]) -> float:
    server.script("/rest/api/3/x", first, OK)
    with make_client(server.base_url, clock) as client:
        assert client.get_json("/rest/api/3/x") == {"ok": True}
        assert client.limiter.stats().retries == 1
    assert len(server.requests_to("/rest/api/3/x")) == 2
    assert len(clock.sleeps) == 1
    return clock.sleeps[0]


def test_429_retry_after_seconds(server: ScriptedServer, clock: FakeClock) -> None:
    assert _retry_once(server, clock, {"status": 429, "headers": {"Retry-After": "7"}}) == 7.0


def test_429_retry_after_zero_waits_a_minimum(server: ScriptedServer, clock: FakeClock) -> None:
    assert _retry_once(server, clock, {"status": 429, "headers": {"Retry-After": "0"}}) == 1.0


def test_429_retry_after_http_date(server: ScriptedServer, clock: FakeClock) -> None:
    def headers() -> dict[str, str]:
        when = datetime.now(UTC) + timedelta(seconds=20)
        return {"Retry-After": format_datetime(when, usegmt=True)}

    delay = _retry_once(server, clock, {"status": 429, "headers": headers})
    assert 18.5 <= delay <= 21.5


def test_429_without_retry_after_uses_ratelimit_reset(
    server: ScriptedServer, clock: FakeClock
) -> None:
    def headers() -> dict[str, str]:
        reset = datetime.now(UTC) + timedelta(seconds=30)
        return {
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "X-RateLimit-Remaining": "0",
        }

    delay = _retry_once(server, clock, {"status": 429, "headers": headers})
    assert 28.5 <= delay <= 31.5


def test_429_beta_retry_after(server: ScriptedServer, clock: FakeClock) -> None:
    first = {"status": 429, "headers": {"Beta-Retry-After": "4"}}
    assert _retry_once(server, clock, first) == 4.0


def test_429_without_any_hint_backs_off_with_jitter(
    server: ScriptedServer, clock: FakeClock
) -> None:
    delay = _retry_once(server, clock, {"status": 429})
    assert 0.0 <= delay <= 0.01  # first backoff step of fast_policy


def test_503_with_retry_after(server: ScriptedServer, clock: FakeClock) -> None:
    assert _retry_once(server, clock, {"status": 503, "headers": {"Retry-After": "3"}}) == 3.0


def test_5xx_burst_then_success(server: ScriptedServer, clock: FakeClock) -> None:
    burst = [{"status": s, "json": {"message": "boom"}} for s in (500, 502, 503, 504)]
    server.script("/rest/api/3/x", *burst, OK)
    with make_client(server.base_url, clock, retry=fast_policy(max_attempts=5)) as client:
        assert client.get_json("/rest/api/3/x") == {"ok": True}
        stats = client.limiter.stats()
    assert len(server.requests_to("/rest/api/3/x")) == 5
    assert stats.retries == 4
    # exponential steps, capped: each wait <= min(cap, base * 2**(n-1))
    for n, waited in enumerate(clock.sleeps, start=1):
        assert 0 <= waited <= min(0.05, 0.01 * 2 ** (n - 1)) + 1e-9


def test_connection_reset_is_retried(server: ScriptedServer, clock: FakeClock) -> None:
    _retry_once(server, clock, {"reset": True})


def test_body_cut_mid_stream_is_retried(server: ScriptedServer, clock: FakeClock) -> None:
    _retry_once(server, clock, {"json": {"values": list(range(200))}, "cut": True})


def test_read_timeout_is_retried(server: ScriptedServer, clock: FakeClock) -> None:
    server.script("/rest/api/3/x", {"delay": 1.0, "json": {"late": True}}, OK)
    with make_client(server.base_url, clock, timeout=0.3) as client:
        assert client.get_json("/rest/api/3/x") == {"ok": True}
    assert len(server.requests_to("/rest/api/3/x")) == 2


def test_malformed_json_is_retried_then_fails(server: ScriptedServer, clock: FakeClock) -> None:
    server.script("/rest/api/3/x", {"body": b'{"issues": [1, 2'}, OK)
    with make_client(server.base_url, clock) as client:
        assert client.get_json("/rest/api/3/x") == {"ok": True}
    server.script("/rest/api/3/y", {"body": b'{"issues": [1, 2'})
    with (
        make_client(server.base_url, clock) as client,
        pytest.raises(errors.ResponseFormatError) as info,
    ):
        client.get_json("/rest/api/3/y")
    assert len(server.requests_to("/rest/api/3/y")) == 3  # malformed_json_attempts
    assert "malformed or truncated JSON" in str(info.value)


def test_request_does_not_parse_json(server: ScriptedServer, clock: FakeClock) -> None:
    server.script("/rest/api/3/raw", {"body": b"not json", "content_type": "text/plain"})
    with make_client(server.base_url, clock) as client:
        assert client.request("GET", "/rest/api/3/raw").text == "not json"
    assert len(server.requests_to("/rest/api/3/raw")) == 1


def test_html_instead_of_json_fails_without_retry(server: ScriptedServer, clock: FakeClock) -> None:
    server.script("/rest/api/3/x", {"body": b"<html>login</html>", "content_type": "text/html"})
    with (
        make_client(server.base_url, clock) as client,
        pytest.raises(errors.ResponseFormatError) as info,
    ):
        client.get_json("/rest/api/3/x")
    assert len(server.requests_to("/rest/api/3/x")) == 1
    assert "site URL" in info.value.hint


# ------------------------------------------------------------------ never retried, bounded


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.UnauthorizedError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (410, errors.GoneError),
        (409, errors.AtlassianHTTPError),
    ],
)
def test_never_retried(
    server: ScriptedServer, clock: FakeClock, status: int, cls: type[Exception]
) -> None:
    server.script("/rest/api/3/x", {"status": status, "json": {"errorMessages": ["nope"]}}, OK)
    with make_client(server.base_url, clock) as client, pytest.raises(cls) as info:
        client.get_json("/rest/api/3/x")
    assert len(server.requests_to("/rest/api/3/x")) == 1
    assert clock.sleeps == []
    error = info.value
    assert isinstance(error, errors.AtlassianHTTPError)
    assert error.status == status and error.method == "GET"
    assert error.details == ["nope"]


@pytest.mark.parametrize(
    ("status", "cls"), [(503, errors.ServerError), (429, errors.RateLimitedError)]
)
def test_attempts_are_bounded(
    server: ScriptedServer, clock: FakeClock, status: int, cls: type[Exception]
) -> None:
    server.script("/rest/api/3/x", {"status": status, "json": {"message": "busy"}})
    with make_client(server.base_url, clock, retry=fast_policy(max_attempts=3)) as client:
        with pytest.raises(cls) as info:
            client.get_json("/rest/api/3/x")
        assert client.limiter.stats().retries == 2
    assert len(server.requests_to("/rest/api/3/x")) == 3
    assert "after 3 attempts" in str(info.value)
    assert "busy" in str(info.value)


def test_connection_refused_is_bounded(clock: FakeClock) -> None:
    with RunningServer(ScriptedServer()) as gone:
        url = gone.base_url
    with (
        make_client(url, clock, retry=fast_policy(max_attempts=2)) as client,
        pytest.raises(errors.TransportError) as info,
    ):
        client.get_json("/rest/api/3/x")
    assert "ConnectError" in str(info.value)
    assert len(clock.sleeps) == 1


def test_too_long_server_wait_fails_fast(server: ScriptedServer, clock: FakeClock) -> None:
    server.script("/rest/api/3/x", {"status": 429, "headers": {"Retry-After": "7200"}}, OK)
    policy = fast_policy(max_server_delay=600)
    with (
        make_client(server.base_url, clock, retry=policy) as client,
        pytest.raises(errors.RateLimitedError),
    ):
        client.get_json("/rest/api/3/x")
    assert len(server.requests_to("/rest/api/3/x")) == 1


def test_adaptive_limiter_sees_429s_and_near_limit(
    server: ScriptedServer, clock: FakeClock
) -> None:
    server.script(
        "/rest/api/3/x",
        {"status": 429, "headers": {"Retry-After": "1"}},
        {"json": {}, "headers": {"X-RateLimit-NearLimit": "true"}},
    )
    limiter = RateLimiter(8, rate=20.0, clock=clock.now, sleep=clock.sleep, decrease_cooldown=0)
    with make_client(server.base_url, limiter=limiter) as client:
        client.get_json("/rest/api/3/x")
    stats = limiter.stats()
    assert stats.throttled == 1 and stats.near_limit == 1
    assert stats.rate == pytest.approx(20.0 * 0.5 * 0.8)
    assert stats.concurrency_limit == 4


def test_retries_wait_in_real_time(server: ScriptedServer) -> None:
    """One test without a fake clock: the client really waits before retrying."""
    server.script("/rest/api/3/x", {"status": 429, "headers": {"Retry-After": "0"}}, OK)
    policy = fast_policy(min_retry_after=0.3)
    with make_client(server.base_url, retry=policy) as client:
        started = time.monotonic()
        client.get_json("/rest/api/3/x")
        assert time.monotonic() - started >= 0.3
    first, second = server.requests_to("/rest/api/3/x")
    assert second.at - first.at >= 0.3


def test_query_in_path_is_merged_with_params(server: ScriptedServer) -> None:
    server.script("/rest/api/3/x", OK)
    with make_client(server.base_url) as client:
        client.get_json("/rest/api/3/x?expand=names", params={"fields": ["a", "b"], "flag": True})
    logged = server.requests_to("/rest/api/3/x")[0]
    assert logged.query == {"expand": "names", "fields": "b", "flag": "true"}  # dict keeps last


def test_post_json_and_extra_headers(server: ScriptedServer) -> None:
    server.script("/rest/api/3/search/jql", {"json": {"issues": []}})
    with make_client(server.base_url) as client:
        assert client.post_json("/rest/api/3/search/jql", {"jql": "project = A"}) == {"issues": []}
        response = client.request(
            "post",
            "/rest/api/3/search/jql",
            json={"q": 1},
            headers={"X-Atlassian-Token": "no-check"},
        )
    assert response.status_code == 200
    first, second = server.requests_to("/rest/api/3/search/jql")
    assert first.method == "POST" and first.json() == {"jql": "project = A"}
    assert first.headers["content-type"] == "application/json"
    assert second.headers["x-atlassian-token"] == "no-check"
