"""Burst bucket, hourly points quota and the ways a 429 says when to retry."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from dlt_atlassian.simulator.server import SimulatorServer
from sim_fixtures import bearer, site_client, stub_products

MINUTE_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\dZ$")


def limited(make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., Any],
            **rate_limit: Any) -> SimulatorServer:
    settings = {"enabled": True, "burst_capacity": 3, "burst_per_second": 0.5, **rate_limit}
    server = make_simulator(sim_config(rate_limit=settings), products=stub_products())
    server.sim.freeze_clock()
    return server


def exhaust(http: httpx.Client, path: str = "/rest/api/3/myself") -> httpx.Response:
    for _ in range(20):
        resp = http.get(path)
        if resp.status_code == 429:
            return resp
    raise AssertionError("never rate limited")


def test_off_by_default(simulator: SimulatorServer) -> None:
    with site_client(simulator) as http:
        resp = http.get("/_sim/rate-limit")
    assert resp.json()["config"]["enabled"] is False


def test_burst_bucket_per_endpoint(make_simulator: Callable[..., SimulatorServer],
                                   sim_config: Callable[..., Any]) -> None:
    server = limited(make_simulator, sim_config)
    with site_client(server) as http:
        ok = [http.get("/rest/api/3/myself") for _ in range(3)]
        refused = http.get("/rest/api/3/myself")
        other_endpoint = http.get("/rest/api/3/issue/P-1")
    assert [r.status_code for r in ok] == [200, 200, 200]
    assert [r.headers["X-RateLimit-Remaining"] for r in ok] == ["2", "1", "0"]
    assert ok[0].headers["X-RateLimit-Limit"] == "3"
    assert "X-RateLimit-NearLimit" not in ok[0].headers
    assert ok[2].headers["X-RateLimit-NearLimit"] == "true"
    assert refused.status_code == 429
    assert refused.headers["RateLimit-Reason"] == "jira-burst-based"
    assert refused.headers["Retry-After"] == "2"
    assert MINUTE_STAMP.match(refused.headers["X-RateLimit-Reset"])
    assert other_endpoint.status_code == 200
    assert server.sim.requests.count("GET /rest/api/3/myself", 429) == 1


def test_bucket_refills_with_the_clock(make_simulator: Callable[..., SimulatorServer],
                                       sim_config: Callable[..., Any]) -> None:
    server = limited(make_simulator, sim_config)
    with site_client(server) as http:
        wait = int(exhaust(http).headers["Retry-After"])
        server.sim.advance_clock(wait)
        assert http.get("/rest/api/3/myself").status_code == 200


def test_confluence_reason(make_simulator: Callable[..., SimulatorServer],
                           sim_config: Callable[..., Any]) -> None:
    server = limited(make_simulator, sim_config)
    with site_client(server) as http:
        resp = exhaust(http, "/wiki/rest/api/space")
    assert resp.headers["RateLimit-Reason"] == "confluence-burst-based"
    assert resp.json()["statusCode"] == 429


@pytest.mark.parametrize(("mode", "expected"), [("seconds", "2"), ("zero", "0"), ("absent", None)])
def test_retry_after_modes(make_simulator: Callable[..., SimulatorServer],
                           sim_config: Callable[..., Any], mode: str,
                           expected: str | None) -> None:
    server = limited(make_simulator, sim_config, retry_after_mode=mode)
    with site_client(server) as http:
        resp = exhaust(http)
    assert resp.headers.get("Retry-After") == expected
    assert "X-RateLimit-Reset" in resp.headers


def test_mixed_mode_rotates(make_simulator: Callable[..., SimulatorServer],
                            sim_config: Callable[..., Any]) -> None:
    server = limited(make_simulator, sim_config, retry_after_mode="mixed", burst_capacity=1)
    with site_client(server) as http:
        http.get("/rest/api/3/myself")
        seen = [http.get("/rest/api/3/myself").headers.get("Retry-After") for _ in range(3)]
    assert seen == ["2", "0", None]


def test_reset_stamp_second_precision(make_simulator: Callable[..., SimulatorServer],
                                      sim_config: Callable[..., Any]) -> None:
    server = limited(make_simulator, sim_config, reset_precision="second")
    with site_client(server) as http:
        resp = exhaust(http)
    reset = datetime.strptime(resp.headers["X-RateLimit-Reset"], "%Y-%m-%dT%H:%M:%SZ")
    delta = reset.replace(tzinfo=UTC) - server.sim.clock.now()
    assert 0 < delta.total_seconds() <= 3


def test_hourly_points_quota(make_simulator: Callable[..., SimulatorServer],
                             sim_config: Callable[..., Any]) -> None:
    server = limited(make_simulator, sim_config, burst_capacity=100, burst_per_second=100,
                     hourly_points=10)
    access, _ = server.sim.oauth.grant(["read:jira-work"])
    url = f"{server.gateway_url('jira')}/rest/api/3/search/jql"
    with httpx.Client(headers=bearer(access)) as http:
        statuses = []
        for _ in range(5):
            resp = http.get(url)
            statuses.append(resp.status_code)
            if resp.status_code == 429:
                break
        # Each call costs 1 point + 3 objects: 4, 8, 12 -> the fourth call is refused.
        assert statuses == [200, 200, 200, 429]
        assert resp.headers["RateLimit-Reason"] == "jira-quota-global-based"
        now = server.sim.clock.timestamp()
        to_hour = 3600 - now % 3600
        assert abs(int(resp.headers["Retry-After"]) - to_hour) <= 1
        assert server.sim.rate_limiter.points_used() == 12
        server.sim.advance_clock(to_hour + 1)
        assert http.get(url).status_code == 200


def test_quota_skips_api_token_traffic_unless_configured(
        make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., Any]) -> None:
    server = limited(make_simulator, sim_config, burst_capacity=100, burst_per_second=100,
                     hourly_points=5)
    with site_client(server) as http:
        assert all(http.get("/rest/api/3/search/jql").status_code == 200 for _ in range(4))
        server.sim.set_rate_limit(quota_auth_kinds=["oauth", "basic"])
        statuses = [http.get("/rest/api/3/search/jql").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_near_limit_from_quota(make_simulator: Callable[..., SimulatorServer],
                               sim_config: Callable[..., Any]) -> None:
    server = limited(make_simulator, sim_config, burst_capacity=100, burst_per_second=100,
                     hourly_points=10)
    access, _ = server.sim.oauth.grant(["read:jira-work"])
    with httpx.Client(headers=bearer(access)) as http:
        url = f"{server.gateway_url('jira')}/rest/api/3/search/jql"
        first, second, third = (http.get(url) for _ in range(3))
    assert "X-RateLimit-NearLimit" not in first.headers
    assert third.headers.get("X-RateLimit-NearLimit") == "true"
    assert second.status_code == 200


def test_switch_on_at_run_time_via_control_api(
        make_simulator: Callable[..., SimulatorServer]) -> None:
    server = make_simulator(products=stub_products())
    server.sim.freeze_clock()
    with site_client(server) as http:
        assert http.get("/rest/api/3/myself").status_code == 200
        body = http.post("/_sim/rate-limit", json={"enabled": True, "burst_capacity": 1,
                                                   "burst_per_second": 0.1}).json()
        assert body["config"]["enabled"] is True
        statuses = [http.get("/rest/api/3/myself").status_code for _ in range(2)]
        assert statuses == [200, 429]
        http.post("/_sim/rate-limit", json={"reset": True})
        assert http.get("/rest/api/3/myself").status_code == 200
        assert http.post("/_sim/rate-limit", json={"bogus": 1}).status_code == 400


def test_endpoint_burst_override(make_simulator: Callable[..., SimulatorServer],
                                 sim_config: Callable[..., Any]) -> None:
    server = limited(make_simulator, sim_config, burst_capacity=50, burst_per_second=50,
                     endpoint_burst={"GET /rest/api/3/search/jql": (2, 0.25)})
    with site_client(server) as http:
        search = [http.get("/rest/api/3/search/jql") for _ in range(3)]
        others = [http.get("/rest/api/3/myself").status_code for _ in range(3)]
    assert [r.status_code for r in search] == [200, 200, 429]
    assert search[0].headers["X-RateLimit-Limit"] == "2"
    assert search[2].headers["Retry-After"] == "4"
    assert others == [200, 200, 200]
