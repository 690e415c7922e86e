"""Crash safety: a pipeline process killed with SIGKILL anywhere; the next plain run is exact.

The pipeline runs in a child process (``crash_worker.py``) against the simulator served by this
process. A seeded RNG picks a handful of kill points spread over extract, normalize and load;
the data changes between runs. After every kill, a plain ``pipeline.run`` must bring DuckDB to
exactly the simulator's truth. Killing right after an OAuth token refresh must not cost the
consent: the rotated refresh token is in the file store, or the old one is still honoured.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import dlt
import pytest

from crash_worker import Worker
from dlt_atlassian.simulator.server import SimulatorServer
from reliability_fixtures import (
    OAUTH_SCOPES,
    assert_is_truth,
    basic_env,
    change_data,
    oauth_env,
    paging_config,
)

SEED = 20261124


def plain_run(env: dict[str, str], tmp_path: Path, mode: str = "runner") -> None:
    worker = Worker(env, tmp_path, mode)
    code = worker.finish()
    assert code == 0, worker.stderr[-3000:]


def destination(tmp_path: Path) -> dlt.Pipeline:
    """The worker's pipeline, reopened read-side in this process."""
    return dlt.pipeline(pipeline_name="crash",
                        destination=dlt.destinations.duckdb(str(tmp_path / "crash.duckdb")),
                        pipelines_dir=str(tmp_path / "reader"), dataset_name="atlassian")



@pytest.mark.parametrize("rerun", [
    "runner",
    "resume",
])
def test_sigkill_at_random_points_then_rerun_is_exact(
        rerun: str, make_simulator: Callable[..., SimulatorServer], tmp_path: Path) -> None:
    server = make_simulator(paging_config(latency={"fixed_ms": 10.0}))
    env = basic_env(server, tmp_path)
    rng = random.Random(SEED)
    # (step to reach, then kill after a seeded delay): two in extract, normalize, load.
    points = [("extract", rng.uniform(0.1, 0.6)), ("extract", rng.uniform(0.6, 1.5)),
              ("normalize", rng.uniform(0.0, 0.3)), ("load", rng.uniform(0.0, 0.15)),
              ("load", rng.uniform(0.0, 0.05))]
    killed = 0
    plain_run(env, tmp_path)  # the first load
    for round_no, (step, delay) in enumerate(points, start=1):
        change_data(server, round_no)
        worker = Worker(env, tmp_path, "steps")
        if worker.wait_for(f"step {step}"):
            time.sleep(delay)  # harness: where in the step the kill lands
        code = worker.kill()
        killed += code == -9
        change_data(server, round_no + 100)  # the world moves on while nobody loads
        plain_run(env, tmp_path, rerun)
        assert_is_truth(destination(tmp_path), server)
    assert killed >= 3, "the kills came too late to interrupt anything"


def test_sigkill_right_after_token_refresh_keeps_the_consent(
        make_simulator: Callable[..., SimulatorServer], tmp_path: Path) -> None:
    server = make_simulator(paging_config(oauth={"access_token_ttl": 2},
                                          latency={"fixed_ms": 10.0}))
    store = tmp_path / "tokens.json"
    _, refresh = server.sim.oauth.grant(OAUTH_SCOPES)
    assert refresh
    env = oauth_env(server, tmp_path, store, refresh)
    rng = random.Random(SEED + 1)
    for round_no in range(1, 3):
        change_data(server, round_no)
        before = store.stat().st_mtime_ns if store.exists() else None
        worker = Worker(env, tmp_path, "steps")
        deadline = time.monotonic() + 60
        while worker.proc.poll() is None and time.monotonic() < deadline:
            now = store.stat().st_mtime_ns if store.exists() else None
            if now != before:  # a refresh was just written: kill at once (or very soon)
                time.sleep(rng.uniform(0.0, 0.02))
                break
            time.sleep(0.002)  # harness: polling the store file
        assert worker.kill() == -9, "the run ended before any refresh happened"
        family = server.sim.oauth.family_of(refresh)
        assert family is not None and not family.revoked
        plain_run(env, tmp_path)
        assert_is_truth(destination(tmp_path), server)
    family = server.sim.oauth.family_of(refresh)
    assert family is not None and not family.revoked, "the consent was lost"
    assert server.sim.oauth.refresh_count(refresh) >= 3
