"""OAuth2RefreshAuth against the simulator's real auth server and gateway, over HTTP."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from auth_fixtures import (
    CLIENT_ID,
    CLIENT_SECRET,
    JIRA_PROBE,
    SCOPES,
    oauth_credentials,
    sim_clock,
    stub_products,
)
from dlt_atlassian.auth import FileTokenStore, MemoryTokenStore, OAuth2RefreshAuth, oauth_auth
from dlt_atlassian.auth.token_store import TokenSet, token_fingerprint
from dlt_atlassian.errors import AuthError, InvalidGrantError
from dlt_atlassian.simulator.server import SimulatorServer


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., object]) -> SimulatorServer:
    return make_simulator(sim_config(), products=stub_products())


def _auth(server: SimulatorServer, store: object, *, refresh_token: str | None = None,
          clock: Callable[[], float] | None = None) -> OAuth2RefreshAuth:
    creds = oauth_credentials(server, refresh_token=refresh_token)
    return oauth_auth(creds, store=store,  # type: ignore[arg-type]
                      clock=clock or sim_clock(server))


def _probe(server: SimulatorServer, auth: httpx.Auth) -> httpx.Response:
    with httpx.Client(auth=auth, timeout=10) as client:
        return client.get(server.gateway_url("jira") + JIRA_PROBE)


def test_fifty_runs_rotate_without_reconsent(server: SimulatorServer, tmp_path: Path) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    assert refresh
    path = tmp_path / "tokens.json"
    ttl = server.config.oauth.access_token_ttl
    seen_refresh_tokens = set()
    for run in range(50):
        # A new "run": fresh objects, only the store file carries over. Odd runs use the real
        # clock, so the expired token is only noticed through the gateway's 401.
        clock = sim_clock(server) if run % 2 == 0 else None
        auth = _auth(server, FileTokenStore(path), refresh_token=refresh,
                     clock=clock or time.time)
        try:
            response = _probe(server, auth)
        finally:
            auth.close()
        assert response.status_code == 200, response.text
        stored = FileTokenStore(path).load()
        assert stored is not None
        seen_refresh_tokens.add(stored.refresh_token)
        server.sim.advance_clock(ttl + 60)
    family = server.sim.oauth.family_of(refresh)
    assert family is not None and not family.revoked
    assert family.refresh_count == 50
    assert stored.generation == 50
    assert len(seen_refresh_tokens) == 50  # rotated every time
    assert len(server.sim.oauth.families()) == 1  # no re-consent


def test_expiry_mid_run_is_one_refresh(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    store = MemoryTokenStore()
    auth = _auth(server, store, refresh_token=refresh)
    with httpx.Client(auth=auth, timeout=10) as client:
        url = server.gateway_url("jira") + JIRA_PROBE
        assert client.get(url).status_code == 200
        assert server.sim.oauth.refresh_count(refresh) == 1
        server.sim.oauth.expire_access_tokens()  # expires under our feet
        for _ in range(5):
            assert client.get(url).status_code == 200
    assert server.sim.oauth.refresh_count(refresh) == 2
    assert auth.refresh_count == 2


def test_refreshes_ahead_of_expiry_within_leeway(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    auth = _auth(server, MemoryTokenStore(), refresh_token=refresh)
    assert _probe(server, auth).status_code == 200
    ttl = server.config.oauth.access_token_ttl
    server.sim.advance_clock(ttl - auth.leeway + 1)  # still valid, but inside the leeway
    server.sim.requests.reset()
    assert _probe(server, auth).status_code == 200
    assert auth.refresh_count == 2
    assert server.sim.requests.statuses().get(401, 0) == 0  # refreshed before, not after a 401


def test_expired_token_fault_triggers_single_refresh(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    auth = _auth(server, MemoryTokenStore(), refresh_token=refresh)
    assert _probe(server, auth).status_code == 200
    server.sim.set_faults(expired_token_rate=1.0)  # every request: "token expired" 401
    response = _probe(server, auth)
    assert response.status_code == 401  # refresh once, retry once, then give the 401 back
    assert server.sim.oauth.refresh_count(refresh) == 2


def test_scope_mismatch_does_not_refresh(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(["offline_access", "read:page:confluence"])
    auth = _auth(server, MemoryTokenStore(), refresh_token=refresh)
    response = _probe(server, auth)
    assert response.status_code == 401
    assert "scope does not match" in response.text
    assert server.sim.oauth.refresh_count(refresh) == 1  # only the initial one


def test_threads_share_one_refresh(server: SimulatorServer, tmp_path: Path) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    auth = _auth(server, FileTokenStore(tmp_path / "t.json"), refresh_token=refresh)
    assert _probe(server, auth).status_code == 200
    server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
    barrier = threading.Barrier(12)
    statuses: list[int] = []

    with httpx.Client(auth=auth, timeout=10) as client:
        def worker() -> None:
            barrier.wait()
            statuses.append(client.get(server.gateway_url("jira") + JIRA_PROBE).status_code)

        threads = [threading.Thread(target=worker) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert statuses == [200] * 12
    assert server.sim.oauth.refresh_count(refresh) == 2


def test_invalid_grant_after_family_revocation(server: SimulatorServer,
                                               caplog: pytest.LogCaptureFixture) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    auth = _auth(server, MemoryTokenStore(), refresh_token=refresh)
    assert _probe(server, auth).status_code == 200
    server.sim.oauth.revoke_family(refresh)
    server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
    with caplog.at_level(logging.DEBUG), pytest.raises(InvalidGrantError) as info:
        _probe(server, auth)
    text = str(info.value)
    assert "dlt-atlassian authorize" in text
    assert refresh not in text
    stored = auth.tokens
    assert stored is not None
    for secret in (refresh, stored.refresh_token, stored.access_token or "", CLIENT_SECRET):
        assert secret not in text
        assert secret not in caplog.text


def test_wrong_client_secret_is_a_clear_error(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    creds = oauth_credentials(server, refresh_token=refresh, client_secret="not-the-secret")
    auth = oauth_auth(creds, store=MemoryTokenStore(), clock=sim_clock(server))
    with pytest.raises(AuthError) as info:
        _probe(server, auth)
    assert not isinstance(info.value, InvalidGrantError)
    assert "client_secret" in str(info.value)
    assert "not-the-secret" not in str(info.value)


def test_store_wins_over_configured_initial_token(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    store = MemoryTokenStore()
    first = _auth(server, store, refresh_token=refresh)
    assert _probe(server, first).status_code == 200
    server.sim.advance_clock(server.config.oauth.reuse_interval + 3600)
    # The same initial token is still configured: the store's descendant must be used (the
    # initial one was rotated long ago; using it would be a replay and revoke the family).
    second = _auth(server, store, refresh_token=refresh)
    assert _probe(server, second).status_code == 200
    family = server.sim.oauth.family_of(refresh)
    assert family is not None and not family.revoked and family.refresh_count == 2


def test_new_consent_in_config_replaces_old_store(server: SimulatorServer) -> None:
    _, old = server.sim.oauth.grant(SCOPES)
    store = MemoryTokenStore()
    assert _probe(server, _auth(server, store, refresh_token=old)).status_code == 200
    _, new = server.sim.oauth.grant(SCOPES)
    assert new and new != old
    assert _probe(server, _auth(server, store, refresh_token=new)).status_code == 200
    stored = store.load()
    assert stored is not None and stored.origin == token_fingerprint(new)
    assert server.sim.oauth.refresh_count(new) == 1


def test_keepalive_refresh_and_missing_tokens(server: SimulatorServer, tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "none.json")
    with pytest.raises(AuthError, match="authorize"):
        _auth(server, store).refresh()
    _, refresh = server.sim.oauth.grant(SCOPES)
    store.save(TokenSet(refresh_token=refresh, client_id=CLIENT_ID))
    auth = _auth(server, store)  # nothing configured: the store alone is enough
    tokens = auth.refresh()
    assert tokens.generation == 1 and tokens.access_token
    assert store.load() == tokens
    assert _probe(server, auth).status_code == 200
    assert auth.refresh_count == 1  # the probe used the keepalive's token


def test_tokens_of_another_client_are_ignored(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    store = MemoryTokenStore(TokenSet(refresh_token=refresh, client_id="someone-else"))
    with pytest.raises(AuthError, match="empty"):
        _probe(server, _auth(server, store))
    assert CLIENT_SECRET  # used by the credentials helper


def test_two_auths_on_one_store_file_in_one_process(server: SimulatorServer,
                                                    tmp_path: Path) -> None:
    # A Jira and a Confluence source in one process, each with its own connection objects.
    _, refresh = server.sim.oauth.grant(SCOPES)
    path = tmp_path / "shared.json"
    auths = [_auth(server, FileTokenStore(path), refresh_token=refresh) for _ in range(2)]
    assert _probe(server, auths[0]).status_code == 200
    server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def worker(auth: OAuth2RefreshAuth) -> None:
        barrier.wait()
        statuses.append(_probe(server, auth).status_code)

    threads = [threading.Thread(target=worker, args=(auths[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [200] * 8
    assert server.sim.oauth.refresh_count(refresh) == 2
    assert sum(a.refresh_count for a in auths) == 2


def test_inactivity_and_absolute_expiry_need_a_new_consent(server: SimulatorServer) -> None:
    day = 86400
    _, refresh = server.sim.oauth.grant(SCOPES)
    store = MemoryTokenStore()
    assert _probe(server, _auth(server, store, refresh_token=refresh)).status_code == 200
    for _ in range(4):  # a run every 80 days keeps the refresh token alive ...
        server.sim.advance_clock(80 * day)
        assert _probe(server, _auth(server, store, refresh_token=refresh)).status_code == 200
    server.sim.advance_clock(50 * day)  # ... until the consent is older than 365 days
    with pytest.raises(InvalidGrantError, match="dlt-atlassian authorize"):
        _probe(server, _auth(server, store, refresh_token=refresh))

    _, other = server.sim.oauth.grant(SCOPES)
    store = MemoryTokenStore()
    assert _probe(server, _auth(server, store, refresh_token=other)).status_code == 200
    server.sim.advance_clock(91 * day)  # unused for longer than the inactivity window
    with pytest.raises(InvalidGrantError, match="dlt-atlassian authorize"):
        _probe(server, _auth(server, store, refresh_token=other))


def test_short_lived_tokens_are_not_refreshed_on_every_request(
        make_simulator: Callable[..., SimulatorServer],
        sim_config: Callable[..., object]) -> None:
    server = make_simulator(sim_config(oauth={"access_token_ttl": 120}), products=stub_products())
    _, refresh = server.sim.oauth.grant(SCOPES)
    auth = _auth(server, MemoryTokenStore(), refresh_token=refresh)  # leeway 300 > TTL
    for _ in range(5):
        assert _probe(server, auth).status_code == 200
    assert auth.refresh_count == 1
    server.sim.advance_clock(61)  # past half of the token's life: refresh ahead
    assert _probe(server, auth).status_code == 200
    assert auth.refresh_count == 2
