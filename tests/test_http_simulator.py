"""The HTTP client against the Atlassian simulator: pagination, faults, rate limits, quota.

Expected data always comes from the simulator's own truth, never from hard-coded counts. Retry
waits go through a fake clock whose sleep also advances the simulator's clock, so the
simulator's buckets and hourly quota refill exactly as if the client had really waited.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from dlt_atlassian import errors
from dlt_atlassian.http import (
    AtlassianClient,
    CursorPaginator,
    NextPageTokenPaginator,
    RateLimiter,
    StartAtPaginator,
)
from dlt_atlassian.simulator.server import SimulatorServer
from http_fixtures import FakeClock, fast_policy

EMAIL, API_TOKEN = "admin@example.com", "sim-api-token"
SEARCH = "/rest/api/3/search/jql"
SCOPED_TOKEN = "scoped-http-test-token"
PAGE_SCOPES = ["read:page:confluence"]


class SimTime(FakeClock):
    """A fake client clock whose sleeps also move the simulator's clock forward."""

    def __init__(self, server: SimulatorServer) -> None:
        super().__init__()
        self.server = server

    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if seconds > 0:
            self.server.sim.advance_clock(seconds)


def _client(
    server: SimulatorServer, time: FakeClock, base: str | None = None, **kwargs: Any
) -> AtlassianClient:
    limiter = kwargs.pop("limiter", None) or RateLimiter(8, clock=time.now, sleep=time.sleep)
    kwargs.setdefault("retry", fast_policy(max_attempts=6))
    return AtlassianClient(
        base or server.base_url, auth=httpx.BasicAuth(EMAIL, API_TOKEN), limiter=limiter, **kwargs
    )


def _search_ids(client: AtlassianClient, page_size: int = 7) -> list[str]:
    pages = client.paginate(
        SEARCH,
        paginator=NextPageTokenPaginator(items_key="issues", page_size=page_size),
        params={"jql": 'created >= "2000-01-01" order by id', "fields": "id"},
    )
    return [issue["id"] for page in pages for issue in page]


@pytest.fixture
def server(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., Any]
) -> SimulatorServer:
    config = sim_config(accounts={"scoped_tokens": {SCOPED_TOKEN: (EMAIL, PAGE_SCOPES)}})
    return make_simulator(config)


def test_search_pages_match_the_truth(server: SimulatorServer) -> None:
    truth = server.sim.jira.truth.issue_ids()
    with _client(server, FakeClock()) as client:
        ids = _search_ids(client)
    assert sorted(ids, key=int) == sorted(truth, key=int)
    assert len(ids) == len(set(ids))


def test_offset_pages_match_the_truth(server: SimulatorServer) -> None:
    truth = server.sim.jira.truth
    key = max(truth.issue_keys().values(), key=lambda k: len(truth.changelog(k)))
    with _client(server, FakeClock()) as client:
        pages = list(
            client.paginate(f"/rest/api/3/issue/{key}/changelog", paginator=StartAtPaginator(5))
        )
    assert [h["id"] for page in pages for h in page] == [h["id"] for h in truth.changelog(key)]


@pytest.mark.parametrize(
    "kind", ["500", "502", "503", "429", "429-no-retry-after", "reset", "malformed", "truncated"]
)
def test_each_scripted_fault_is_retried(server: SimulatorServer, kind: str) -> None:
    server.sim.add_faults({"path": SEARCH, "kind": kind, "count": 2})
    time = SimTime(server)
    with _client(server, time) as client:
        ids = _search_ids(client, page_size=50)
        stats = client.limiter.stats()
    assert sorted(ids, key=int) == sorted(server.sim.jira.truth.issue_ids(), key=int)
    assert server.sim.faults.fired[kind] == 2
    assert stats.retries == 2
    if kind == "503":
        assert time.sleeps[:2] == [1.0, 1.0]  # the simulator's Retry-After


def test_random_faults_cost_one_retry_each(server: SimulatorServer) -> None:
    server.sim.set_faults(
        server_error_rate=0.08,
        rate_limit_storm_rate=0.05,
        connection_reset_rate=0.05,
        malformed_json_rate=0.05,
        truncated_json_rate=0.05,
    )
    with _client(
        server, SimTime(server), retry=fast_policy(max_attempts=10, malformed_json_attempts=10)
    ) as client:
        ids = _search_ids(client, page_size=5)
        stats = client.limiter.stats()
    fired = sum(server.sim.faults.fired.values())
    assert sorted(ids, key=int) == sorted(server.sim.jira.truth.issue_ids(), key=int)
    assert fired > 0
    assert stats.retries == fired


def _quirky(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., Any], **faults: Any
) -> SimulatorServer:
    # Page-token quirks are set in the config the simulator starts with.
    return make_simulator(sim_config(faults=faults))


def test_repeated_page_token_is_a_loop_error(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., Any]
) -> None:
    server = _quirky(make_simulator, sim_config, repeat_page_token=True)
    with _client(server, FakeClock()) as client, pytest.raises(errors.PaginationLoopError):
        _search_ids(client)
    # page 1 hands out T; asking with T hands back T again: stop before a third request
    assert server.sim.requests.count(f"GET {SEARCH}") == 2


def test_missing_is_last_keeps_paging(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., Any]
) -> None:
    server = _quirky(make_simulator, sim_config, drop_is_last=True)
    with _client(server, FakeClock()) as client:
        ids = _search_ids(client)
    assert sorted(ids, key=int) == sorted(server.sim.jira.truth.issue_ids(), key=int)


@pytest.mark.parametrize("mode", ["seconds", "zero", "absent", "mixed"])
def test_burst_limits_from_many_threads(server: SimulatorServer, mode: str) -> None:
    server.sim.set_rate_limit(
        enabled=True, burst_capacity=4, burst_per_second=2, retry_after_mode=mode
    )
    keys = sorted(server.sim.jira.truth.issue_keys().values())[:24]
    time = SimTime(server)
    limiter = RateLimiter(6, clock=time.now, sleep=time.sleep)
    with (
        _client(server, time, limiter=limiter, retry=fast_policy(max_attempts=8)) as client,
        ThreadPoolExecutor(6) as pool,
    ):
        got = list(
            pool.map(
                lambda k: client.get_json(f"/rest/api/3/issue/{k}", {"fields": "summary"}), keys
            )
        )
    assert [issue["key"] for issue in got] == keys
    stats = limiter.stats()
    assert stats.throttled == server.sim.rate_limiter.refusals > 0
    assert stats.retries == stats.throttled
    assert stats.concurrency_limit < 6 or stats.rate is not None  # it adapted


@pytest.mark.parametrize("mode", ["seconds", "absent"])
def test_quota_exhausted_pauses_the_client_until_the_hour_resets(
    server: SimulatorServer, mode: str
) -> None:
    server.sim.set_rate_limit(
        enabled=True,
        burst_capacity=1000,
        burst_per_second=1000,
        hourly_points=40,
        points_per_object=1,
        quota_auth_kinds=["basic"],
        retry_after_mode=mode,
    )
    time = SimTime(server)
    keys = sorted(server.sim.jira.truth.issue_keys().values())[:30]
    limiter = RateLimiter(4, clock=time.now, sleep=time.sleep)
    with _client(server, time, limiter=limiter) as client, ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda k: client.get_json(f"/rest/api/3/issue/{k}"), keys))
    assert [issue["key"] for issue in got] == keys
    stats = limiter.stats()
    assert stats.pauses >= 1
    assert stats.waited_seconds >= 60  # waited for the quota window, not a short backoff


def test_confluence_cursor_through_the_gateway(server: SimulatorServer) -> None:
    base = f"{server.base_url}/ex/confluence/{server.sim.cloud_id}"
    truth = [p["id"] for p in server.sim.confluence.all_pages(["current", "archived"])]
    time = FakeClock()
    limiter = RateLimiter(4, clock=time.now, sleep=time.sleep)
    with AtlassianClient(
        base, auth=httpx.BasicAuth(EMAIL, SCOPED_TOKEN), limiter=limiter, retry=fast_policy()
    ) as client:
        pages = list(client.paginate("/wiki/api/v2/pages", paginator=CursorPaginator(page_size=9)))
    ids = [p["id"] for page in pages for p in page]
    assert sorted(ids) == sorted(truth)
    assert len(ids) == len(set(ids)) and len(pages) > 1
    served = [e for e in server.sim.requests.entries() if "/wiki/" in e.path]
    assert len(served) >= len(pages)
    assert all(e.via_gateway for e in served)  # every next link kept the gateway prefix
    assert {e.status for e in served} == {200}


def test_scope_error_through_the_gateway_is_actionable(server: SimulatorServer) -> None:
    base = f"{server.base_url}/ex/confluence/{server.sim.cloud_id}"
    with (
        AtlassianClient(
            base, auth=httpx.BasicAuth(EMAIL, SCOPED_TOKEN), retry=fast_policy()
        ) as client,
        pytest.raises(errors.UnauthorizedError) as info,
    ):
        client.get_json("/wiki/api/v2/spaces")
    assert "scope" in info.value.message
    assert "/wiki/api/v2/spaces" in info.value.hint and "authorize" in info.value.hint
    assert SCOPED_TOKEN not in str(info.value)
