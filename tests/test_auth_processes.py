"""Several processes on one consent and one token store; runs killed mid-refresh."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from auth_fixtures import JIRA_PROBE, SCOPES, oauth_credentials, sim_clock, stub_products
from dlt_atlassian.auth import FileTokenStore, oauth_auth
from dlt_atlassian.errors import InvalidGrantError
from dlt_atlassian.simulator.server import SimulatorServer

WORKER = Path(__file__).parent / "auth_worker.py"


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., object]) -> SimulatorServer:
    return make_simulator(sim_config(), products=stub_products())


def _bootstrap(server: SimulatorServer, path: Path) -> str:
    """Consent, then one run that fills the store; returns the initial refresh token."""
    _, refresh = server.sim.oauth.grant(SCOPES)
    assert refresh
    auth = oauth_auth(oauth_credentials(server, refresh_token=refresh),
                      store=FileTokenStore(path), clock=sim_clock(server))
    with httpx.Client(auth=auth, timeout=10) as client:
        assert client.get(server.gateway_url("jira") + JIRA_PROBE).status_code == 200
    auth.close()
    return refresh


def _spawn(server: SimulatorServer, path: Path, *extra: str) -> subprocess.Popen[str]:
    offset = server.sim.clock.timestamp() - time.time()
    cmd = [sys.executable, str(WORKER), str(path), server.base_url, str(offset),
           "--cloud-id", server.cloud_id, *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(proc: subprocess.Popen[str]) -> tuple[int, dict[str, int] | None, str]:
    out, err = proc.communicate(timeout=60)
    data = json.loads(out.strip().splitlines()[-1]) if out.strip() else None
    return proc.returncode, data, err


def test_two_processes_refresh_exactly_once(server: SimulatorServer, tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    refresh = _bootstrap(server, path)
    server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
    go = tmp_path / "go"
    procs = [_spawn(server, path, "--go", str(go)) for _ in range(2)]
    time.sleep(0.5)  # test harness: let both interpreters start before the race begins
    go.touch()
    results = [_result(p) for p in procs]
    for code, data, err in results:
        assert code == 0, err
        assert data is not None and data["status"] == 200
    assert sorted(d["refreshes"] for _, d, _ in results if d) == [0, 1]
    family = server.sim.oauth.family_of(refresh)
    assert family is not None and not family.revoked
    assert family.refresh_count == 2  # bootstrap + exactly one for both processes
    stored = FileTokenStore(path).load()
    assert stored is not None and stored.generation == 2


def test_kill_between_token_answer_and_save_recovers(server: SimulatorServer,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    refresh = _bootstrap(server, path)
    before = FileTokenStore(path).load()
    server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
    code, _, _ = _result(_spawn(server, path, "--die", "before-save"))
    assert code == 17
    assert server.sim.oauth.refresh_count(refresh) == 2  # the server did rotate
    assert FileTokenStore(path).load() == before  # but the new pair was lost
    server.sim.advance_clock(60)  # next run, within the 10-minute reuse interval
    code, data, err = _result(_spawn(server, path))
    assert code == 0 and data == {"status": 200, "refreshes": 1}, err
    family = server.sim.oauth.family_of(refresh)
    assert family is not None and not family.revoked
    # and the lineage continues normally afterwards
    server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
    code, data, err = _result(_spawn(server, path))
    assert code == 0 and data == {"status": 200, "refreshes": 1}, err


def test_kill_right_after_save_recovers(server: SimulatorServer, tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    refresh = _bootstrap(server, path)
    server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
    code, _, _ = _result(_spawn(server, path, "--die", "after-save"))
    assert code == 18
    stored = FileTokenStore(path).load()
    assert stored is not None and stored.generation == 2
    code, data, err = _result(_spawn(server, path))
    assert code == 0 and data == {"status": 200, "refreshes": 0}, err  # saved token reused
    assert server.sim.oauth.refresh_count(refresh) == 2


def test_lost_rotation_beyond_reuse_interval_asks_to_authorize(server: SimulatorServer,
                                                               tmp_path: Path) -> None:
    # The limit of the design: the old refresh token is only honoured for the reuse interval.
    path = tmp_path / "tokens.json"
    _bootstrap(server, path)
    server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
    code, _, _ = _result(_spawn(server, path, "--die", "before-save"))
    assert code == 17
    server.sim.advance_clock(server.config.oauth.reuse_interval + 1)
    auth = oauth_auth(oauth_credentials(server), store=FileTokenStore(path),
                      clock=sim_clock(server))
    with pytest.raises(InvalidGrantError, match="dlt-atlassian authorize"):
        auth.refresh()
