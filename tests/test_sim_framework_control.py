"""Control API, request counters, latency, server life cycle and the CLI's config."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from dlt_atlassian.cli.main import build_parser
from dlt_atlassian.cli.simulator_cmd import build_config
from dlt_atlassian.simulator.config import DataConfig
from dlt_atlassian.simulator.presets import parse_scale, scaled
from dlt_atlassian.simulator.server import SimulatorServer
from sim_fixtures import bearer, site_client, stub_products


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer]) -> SimulatorServer:
    return make_simulator(products=stub_products())


def test_request_counters_by_route_template(server: SimulatorServer) -> None:
    access, _ = server.sim.oauth.grant(["read:jira-user", "read:jira-work"])
    with site_client(server) as http:
        for key in ("P-1", "P-2", "Q-9"):
            http.get(f"/rest/api/3/issue/{key}")
        http.post("/rest/api/3/search/jql", json={})
        http.get("/rest/api/3/nothing")
        gateway = httpx.get(f"{server.gateway_url('jira')}/rest/api/3/issue/P-3?fields=summary",
                            headers=bearer(access))
        assert gateway.status_code == 200
        snapshot = http.get("/_sim/requests").json()
    assert snapshot["endpoints"]["GET /rest/api/3/issue/{issueIdOrKey}"] == 4
    assert snapshot["endpoints"]["POST /rest/api/3/search/jql"] == 1
    assert snapshot["endpoints"]["GET /rest/api/3/nothing"] == 1
    assert snapshot["total"] == 6
    assert snapshot["statuses"] == {"200": 5, "404": 1}
    assert snapshot["objects"]["POST /rest/api/3/search/jql"] == 3
    log = snapshot["log"]
    assert [e["via_gateway"] for e in log].count(True) == 1
    assert log[-1]["path"] == "/rest/api/3/issue/P-3"  # no query string in the log
    assert server.sim.requests.count("GET /rest/api/3/issue/{issueIdOrKey}", 200) == 4
    # Control and auth-server calls are not product requests.
    assert all(not e["endpoint"].split(" ")[1].startswith("/_sim") for e in log)


def test_request_log_never_holds_secrets(server: SimulatorServer) -> None:
    access, refresh = server.sim.oauth.grant(["read:jira-user", "offline_access"])
    with httpx.Client(base_url=server.base_url) as http:
        http.get(f"/ex/jira/{server.cloud_id}/rest/api/3/myself", headers=bearer(access))
        http.get("/rest/api/3/myself", auth=("admin@example.com", "sim-api-token"))
        http.get(f"/rest/api/3/issue/X-1?access_token={access}",
                 auth=("admin@example.com", "sim-api-token"))
        text = http.get("/_sim/requests").text
    assert refresh is not None
    for secret in (access, refresh, "sim-api-token"):
        assert secret not in text


def test_reset_counters(server: SimulatorServer) -> None:
    with site_client(server) as http:
        http.get("/rest/api/3/myself")
        assert http.post("/_sim/reset").json() == {"ok": True}
        assert http.get("/_sim/requests").json()["total"] == 0
        http.get("/rest/api/3/myself")
        assert http.delete("/_sim/requests").json()["total"] == 0
    assert server.sim.requests.total == 0


def test_clock_control(server: SimulatorServer) -> None:
    target = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
    with site_client(server) as http:
        frozen = http.post("/_sim/clock", json={"set": target.isoformat(), "freeze": True}).json()
        assert frozen == {"now": target.isoformat(), "frozen": True}
        moved = http.post("/_sim/clock", json={"advance": 3600}).json()
        assert moved["now"] == (target + timedelta(hours=1)).isoformat()
        assert http.get("/_sim/clock").json()["now"] == moved["now"]
        running = http.post("/_sim/clock", json={"freeze": False}).json()
        assert running["frozen"] is False
        assert http.post("/_sim/clock", json={"set": "not a date"}).status_code == 400
    assert server.sim.clock.now() >= target + timedelta(hours=1)


def test_latency_control(server: SimulatorServer) -> None:
    with site_client(server) as http:
        http.get("/rest/api/3/myself")
        assert http.post("/_sim/latency", json={"fixed_ms": 150}).json()["fixed_ms"] == 150
        started = time.monotonic()
        http.get("/rest/api/3/myself")
        slow = time.monotonic() - started
        http.post("/_sim/latency", json={"fixed_ms": 0})
        started = time.monotonic()
        http.get("/rest/api/3/myself")
        fast = time.monotonic() - started
    assert slow >= 0.15 > fast


def test_info_users_and_product_control_mounts(server: SimulatorServer) -> None:
    with site_client(server) as http:
        info = http.get("/_sim/info").json()
        users = http.get("/_sim/users").json()
        jira = http.get("/_sim/jira/state").json()
        confluence = http.get("/_sim/confluence/state").json()
        health = http.get("/_sim/health").json()
        unknown_user = http.post("/_sim/users/nope/timezone", json={"timeZone": "UTC"})
    assert info["cloud_id"] == server.cloud_id and info["base_url"] == server.base_url
    assert info["products"] == ["jira", "confluence"]
    assert users[0]["email"] == "admin@example.com"
    assert jira == {"product": "jira", "pageSize": 3} and confluence["product"] == "confluence"
    assert health == {"ok": True}
    assert unknown_user.status_code == 404


def test_grant_via_control_api(server: SimulatorServer) -> None:
    with site_client(server, auth=None) as http:
        tokens = http.post("/_sim/oauth/grant", json={"scopes": ["read:jira-user"]}).json()
        assert tokens["refresh_token"] is None
        ok = http.get(f"/ex/jira/{server.cloud_id}/rest/api/3/myself",
                      headers=bearer(tokens["access_token"]))
        assert ok.status_code == 200
        assert http.post("/_sim/oauth/expire-access-tokens").json()["expired"] >= 1
        expired = http.get(f"/ex/jira/{server.cloud_id}/rest/api/3/myself",
                           headers=bearer(tokens["access_token"]))
    assert expired.status_code == 401


def test_server_lifecycle_frees_port() -> None:
    server = SimulatorServer(products=stub_products()).start()
    port = server.port
    assert port > 0 and server.base_url == f"http://127.0.0.1:{port}"
    assert httpx.get(f"{server.base_url}/_sim/health").status_code == 200
    server.stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.base_url}/_sim/health", timeout=2)
    with SimulatorServer(port=port, products=stub_products()) as again:
        assert httpx.get(f"{again.base_url}/_sim/health").status_code == 200


def test_without_products_auth_server_still_works() -> None:
    with SimulatorServer(products={"jira": None, "confluence": None}) as server:
        access, _ = server.sim.oauth.grant(["read:jira-work"])
        resp = httpx.get(f"{server.base_url}/oauth/token/accessible-resources",
                         headers=bearer(access))
        assert resp.status_code == 200
        assert httpx.get(f"{server.base_url}/rest/api/3/myself",
                         auth=("admin@example.com", "sim-api-token")).status_code == 404


def test_scale_presets() -> None:
    base = DataConfig()
    assert parse_scale("small") == 0.25 and parse_scale("2") == 2.0
    with pytest.raises(ValueError):
        parse_scale("enormous")
    with pytest.raises(ValueError):
        parse_scale(0)
    small = scaled(base, "small")
    assert small.jira_issues == base.jira_issues // 4
    assert small.histories_per_issue == base.histories_per_issue  # shape, not size
    assert scaled(base, 0.001).jira_projects >= 2


def test_cli_flags_build_config() -> None:
    parser = build_parser()
    args: Any = parser.parse_args([
        "simulator", "--port", "0", "--seed", "9", "--scale", "2", "--latency-ms", "5",
        "--rate-limit", "10", "--hourly-points", "500", "--retry-after-mode", "absent",
        "--fault-rate", "0.1"])
    assert isinstance(args, argparse.Namespace) and args.func is not None
    config = build_config(args)
    assert config.data.seed == 9 and config.data.jira_issues == 2 * DataConfig().jira_issues
    assert config.latency.fixed_ms == 5
    assert config.rate_limit.enabled and config.rate_limit.burst_per_second == 10
    assert config.rate_limit.hourly_points == 500
    assert config.rate_limit.retry_after_mode == "absent"
    assert config.faults.server_error_rate == 0.1


def test_counters_exact_under_concurrency(server: SimulatorServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def worker(n: int) -> list[int]:
        with site_client(server) as http:
            return [http.get(f"/rest/api/3/issue/K-{n}-{i}").status_code for i in range(25)]

    with ThreadPoolExecutor(8) as pool:
        statuses = [s for batch in pool.map(worker, range(8)) for s in batch]
    assert statuses == [200] * 200
    assert server.sim.requests.count("GET /rest/api/3/issue/{issueIdOrKey}") == 200
    assert server.sim.requests.objects()["GET /rest/api/3/issue/{issueIdOrKey}"] == 200
