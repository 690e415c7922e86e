"""Two pipelines in two processes share one token store through many refresh cycles.

Access tokens live one second, so both processes refresh again and again, racing each other.
The refresh tokens rotate, and the simulator's reuse interval is set to zero: any refresh token
used twice revokes the whole consent. Neither process may ever be locked out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from crash_worker import Worker
from dlt_atlassian.auth import FileTokenStore
from dlt_atlassian.simulator.server import SimulatorServer
from reliability_fixtures import OAUTH_SCOPES, oauth_env, paging_config

GENERATIONS = 12


def test_two_pipelines_share_one_token_store(make_simulator: Callable[..., SimulatorServer],
                                             tmp_path: Path) -> None:
    server = make_simulator(paging_config(0.03, oauth={"access_token_ttl": 1,
                                                       "reuse_interval": 0},
                                          latency={"fixed_ms": 10.0}))
    store = tmp_path / "tokens.json"
    _, refresh = server.sim.oauth.grant(OAUTH_SCOPES)
    assert refresh
    env = oauth_env(server, tmp_path, store, refresh)
    homes = [tmp_path / "a", tmp_path / "b"]
    for home in homes:
        home.mkdir()
    workers = [Worker(env, home, "repeat", str(GENERATIONS)) for home in homes]
    codes = [w.finish(timeout=180) for w in workers]
    for worker, code in zip(workers, codes, strict=True):
        assert code == 0, worker.stderr[-3000:]
        assert "invalid_grant" not in worker.stderr
    family = server.sim.oauth.family_of(refresh)
    assert family is not None and not family.revoked, "the shared consent was revoked"
    # Both processes kept refreshing for the whole time, through one lineage.
    assert server.sim.oauth.refresh_count(refresh) >= GENERATIONS - 1
    assert len(server.sim.oauth.families()) == 1
    stored = FileTokenStore(store).load()
    assert stored is not None and stored.generation >= GENERATIONS
    assert (store.stat().st_mode & 0o777) == 0o600
