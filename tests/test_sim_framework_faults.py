"""Every injected fault, over real HTTP: scripted, by probability, switched at run time."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from dlt_atlassian.simulator.server import SimulatorServer
from sim_fixtures import site_client, stub_products

MYSELF = "/rest/api/3/myself"


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., Any]) -> SimulatorServer:
    return make_simulator(sim_config(faults={"retry_after_seconds": 3,
                                             "slow_response_seconds": 2.0}),
                          products=stub_products())


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_server_errors(server: SimulatorServer, kind: str) -> None:
    server.sim.add_faults({"path": MYSELF, "kind": kind})
    with site_client(server) as http:
        failed = http.get(MYSELF)
        recovered = http.get(MYSELF)
    assert failed.status_code == int(kind)
    assert recovered.status_code == 200
    if kind == "503":
        assert failed.headers["Retry-After"] == "3"
    if kind == "502":
        assert failed.headers["content-type"].startswith("text/html")
    assert server.sim.faults.fired[kind] == 1


@pytest.mark.parametrize(("kind", "retry_after"), [("429", "3"), ("429-no-retry-after", None)])
def test_rate_limit_storm(server: SimulatorServer, kind: str, retry_after: str | None) -> None:
    server.sim.add_faults({"path": "/rest/api/3/*", "kind": kind, "count": 3})
    with site_client(server) as http:
        statuses = [http.get(MYSELF) for _ in range(4)]
    assert [r.status_code for r in statuses] == [429, 429, 429, 200]
    assert statuses[0].headers.get("Retry-After") == retry_after
    assert statuses[0].headers["RateLimit-Reason"] == "jira-burst-based"


def test_connection_reset_without_response(server: SimulatorServer) -> None:
    server.sim.add_faults({"path": MYSELF, "kind": "reset"})
    with site_client(server) as http:
        with pytest.raises(httpx.TransportError):
            http.get(MYSELF)
        # Logged before the socket dropped: the counters already show it.
        assert server.sim.requests.count(f"GET {MYSELF}", 499) == 1
        assert http.get(MYSELF).status_code == 200  # the client reconnects


def test_incomplete_body(server: SimulatorServer) -> None:
    server.sim.add_faults({"path": "/rest/api/3/issue/*", "kind": "incomplete"})
    with site_client(server) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/rest/api/3/issue/P-1")
        assert server.sim.requests.count("GET /rest/api/3/issue/{issueIdOrKey}", 499) == 1
        assert http.get("/rest/api/3/issue/P-1").json()["key"] == "P-1"


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
def test_broken_json_on_200(server: SimulatorServer, kind: str) -> None:
    server.sim.add_faults({"path": "/rest/api/3/issue/*", "kind": kind})
    with site_client(server) as http:
        broken = http.get("/rest/api/3/issue/P-1")
        good = http.get("/rest/api/3/issue/P-1")
    assert broken.status_code == 200
    assert int(broken.headers["content-length"]) == len(broken.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(broken.content)
    assert good.json()["key"] == "P-1"
    if kind == "truncated":
        assert good.content.startswith(broken.content)


def test_expired_token_fault(server: SimulatorServer) -> None:
    server.sim.add_faults({"path": MYSELF, "kind": "401"})
    with site_client(server) as http:
        resp = http.get(MYSELF)
    assert resp.status_code == 401
    assert resp.json() == {"code": 401, "message": "Unauthorized"}


def test_slow_response_does_not_block_others(server: SimulatorServer) -> None:
    server.sim.add_faults({"path": MYSELF, "kind": "slow"})
    outcome: dict[str, Any] = {}

    def slow_call() -> None:
        started = time.monotonic()
        with site_client(server) as http:
            outcome["status"] = http.get(MYSELF).status_code
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow_call)
    thread.start()
    time.sleep(0.2)  # let the slow request reach the server first
    started = time.monotonic()
    with site_client(server) as http:
        assert http.get("/rest/api/3/issue/P-1").status_code == 200
    fast = time.monotonic() - started
    thread.join(10)
    assert fast < 1.0
    assert outcome["status"] == 200 and outcome["seconds"] >= 1.9


def test_slow_response_times_out_client(server: SimulatorServer) -> None:
    server.sim.set_faults(slow_response_seconds=30.0)
    server.sim.add_faults({"path": MYSELF, "kind": "slow"})
    with site_client(server, timeout=0.5) as http, pytest.raises(httpx.ReadTimeout):
        http.get(MYSELF)


def test_method_filter_and_unlimited_count(server: SimulatorServer) -> None:
    server.sim.add_faults({"path": "/rest/api/3/search/jql", "method": "POST", "kind": "500",
                           "count": -1})
    with site_client(server) as http:
        assert http.get("/rest/api/3/search/jql").status_code == 200
        assert [http.post("/rest/api/3/search/jql", json={}).status_code
                for _ in range(3)] == [500, 500, 500]
    server.sim.clear_faults()
    with site_client(server) as http:
        assert http.post("/rest/api/3/search/jql", json={}).status_code == 200


def test_probabilities_are_seeded(make_simulator: Callable[..., SimulatorServer],
                                  sim_config: Callable[..., Any]) -> None:
    def run() -> list[int]:
        srv = make_simulator(sim_config(faults={"server_error_rate": 0.5, "seed": 11}),
                             products=stub_products())
        with site_client(srv) as http:
            return [http.get(MYSELF).status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert any(s >= 500 for s in first) and 200 in first


def test_all_requests_fail_at_rate_one(server: SimulatorServer) -> None:
    server.sim.set_faults(server_error_rate=1.0)
    assert server.config.faults.server_error_rate == 1.0  # products read config.faults
    with site_client(server) as http:
        assert all(http.get(MYSELF).status_code in (500, 502, 503) for _ in range(5))


def test_faults_via_control_api(server: SimulatorServer) -> None:
    with site_client(server) as http:
        resp = http.post("/_sim/faults", json={"add": [{"path": MYSELF, "kind": "503"}],
                                               "repeat_page_token": True})
        assert resp.status_code == 200
        assert resp.json()["pending_script"][0]["kind"] == "503"
        assert server.sim.config.faults.repeat_page_token is True
        assert http.get(MYSELF).status_code == 503
        assert http.post("/_sim/faults", json={"add": [{"path": "*", "kind": "nope"}]}
                         ).status_code == 400
        http.post("/_sim/faults", json={"clear": True})
        assert server.sim.config.faults.repeat_page_token is False
        assert http.get(MYSELF).status_code == 200
    entries = server.sim.requests.entries()
    assert [e.fault for e in entries if e.endpoint == f"GET {MYSELF}"] == ["503", None]
