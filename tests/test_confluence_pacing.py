"""Per-endpoint pacing, one listing chain per content kind, and overlapping per-item reads."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path

from confluence_source_fixtures import assert_equals_truth, basic_credentials, new_pipeline
from dlt_atlassian.confluence import confluence_source
from dlt_atlassian.confluence.pacing import EndpointGate
from dlt_atlassian.simulator.requestlog import LoggedRequest
from dlt_atlassian.simulator.server import SimulatorServer

NEAR = {"x-ratelimit-nearlimit": "true"}
V2 = "GET /wiki/api/v2"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_gate_halves_once_per_round_trip_and_recovers() -> None:
    clock = FakeClock()
    gate = EndpointGate(16, clock=clock, sleep=clock.sleep)
    with gate.slot() as signal:
        signal(NEAR, 0.08)
    assert gate.limit == 8 and gate.cuts == 1
    with gate.slot() as signal:  # same round trip: the news of requests already in flight
        signal(NEAR, 0.08)
    assert gate.limit == 8
    clock.now += 0.1
    with gate.slot() as signal:
        signal(NEAR, 0.08)
    assert gate.limit == 4 and gate.cuts == 2
    for _ in range(200):
        with gate.slot() as signal:
            signal({"x-ratelimit-nearlimit": "false"}, 0.08)
    assert gate.limit == 16  # back to the ceiling, never above
    assert not clock.slept


def test_gate_below_one_in_flight_spaces_the_starts() -> None:
    clock = FakeClock()
    gate = EndpointGate(2, clock=clock, sleep=clock.sleep)
    for _ in range(4):
        clock.now += 1.0  # past the cool-down: every signal cuts
        with gate.slot() as signal:
            signal(NEAR, 0.05)
    assert gate.limit < 1
    starts = []
    for _ in range(3):
        with gate.slot():
            starts.append(clock.now)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert all(math.isclose(gap, gate.round_trip / gate.limit) for gap in gaps)


def _span(entries: list[LoggedRequest]) -> tuple[float, float]:
    return (min(e.at - e.duration_ms / 1000 for e in entries), max(e.at for e in entries))


def test_full_load_paces_each_endpoint_below_its_burst_limit(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., object],
    tmp_path: Path,
) -> None:
    # 16 threads at 60 ms could send ~270 requests/s to one endpoint; the bucket refills 100/s
    # (Atlassian-like: the 20% left when NearLimit shows covers the requests in flight).
    server = make_simulator(sim_config(
        3, latency={"fixed_ms": 60.0},
        rate_limit={"enabled": True, "burst_capacity": 100.0, "burst_per_second": 100.0},
    ))
    sim = server.sim
    sim.requests.reset()
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server)))
    assert_equals_truth(pipeline, sim)
    versions = sim.requests.count(f"{V2}/pages/{{id}}/versions")
    assert versions > 250, "too few per-item reads to ever reach the burst limit"
    assert sim.rate_limiter.refusals == 0
    assert sim.requests.count(f"{V2}/pages/{{id}}/versions", 429) == 0


def test_first_load_lists_each_kind_in_one_chain_and_overlaps_their_reads(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., object],
    tmp_path: Path,
) -> None:
    cap = 10
    server = make_simulator(sim_config(1, latency={"fixed_ms": 20.0},
                                       caps={"confluence_limit": cap}))
    sim = server.sim
    sim.requests.reset()
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server)))
    assert_equals_truth(pipeline, sim)
    for kind, listed in (("pages", sim.confluence.all_pages()),
                         ("blogposts", sim.confluence.all_blogposts())):
        visible = [c for c in listed if c["status"] != "draft"]
        hidden = [c for c in visible if c["status"] != "current"]
        # the site-wide newest-first chain, plus one listing of non-current content shared by
        # the status sweep and the comment/attachment reads of trashed containers
        most = math.ceil(len(visible) / cap) + math.ceil(len(hidden) / cap) + 2
        assert sim.requests.count(f"{V2}/{kind}") <= most, kind
    entries = sim.requests.entries()
    pages = [e for e in entries if e.endpoint == f"{V2}/pages/{{id}}/versions"]
    posts = [e for e in entries if e.endpoint == f"{V2}/blogposts/{{id}}/versions"]
    assert pages and posts
    # blog post versions (a limit of their own) are read while page versions are
    first_post, _ = _span(posts)
    assert first_post < sorted(e.at for e in pages)[len(pages) // 4]
