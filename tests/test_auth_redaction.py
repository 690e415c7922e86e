"""No token, secret or authorization code in any log line or error, across the whole flow."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from auth_fixtures import CLIENT_SECRET, JIRA_PROBE, oauth_credentials, stub_products
from dlt_atlassian.auth import MemoryTokenStore
from dlt_atlassian.auth.authorize import authorize
from dlt_atlassian.auth.status import format_status, token_status
from dlt_atlassian.connection import connect
from dlt_atlassian.errors import InvalidGrantError
from dlt_atlassian.simulator.server import SimulatorServer


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., object]) -> SimulatorServer:
    return make_simulator(sim_config(), products=stub_products())


def test_full_flow_leaks_nothing(server: SimulatorServer,
                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    store = MemoryTokenStore()
    codes: list[str] = []
    snapshots = []

    def browser(url: str) -> None:  # urllib: a browser that does not log what it visits
        with urllib.request.urlopen(url, timeout=10) as response:
            codes.append(parse_qs(urlsplit(response.geturl()).query)["code"][0])

    creds = oauth_credentials(server, redirect_uri="http://127.0.0.1:0/callback")
    authorize(creds, store, on_url=browser, timeout=10, clock=server.sim.clock.timestamp)
    snapshots.append(store.load())
    texts: list[str] = []
    with connect(oauth_credentials(server), token_store=store,
                 clock=server.sim.clock.timestamp) as conn:
        conn.jira.get_json(JIRA_PROBE)
        server.sim.oauth.expire_access_tokens()
        conn.jira.get_json(JIRA_PROBE)  # 401 -> refresh -> retry
        snapshots.append(store.load())
        texts.append(repr(conn))
        server.sim.oauth.revoke_family(server.sim.oauth.families()[0].id)
        server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
        with pytest.raises(InvalidGrantError) as info:
            conn.jira.get_json(JIRA_PROBE)
        texts += [str(info.value), repr(info.value)]
    tokens = store.load()
    assert tokens is not None
    texts += [repr(tokens), format_status(token_status(tokens, now=0), store="s"),
              repr(oauth_credentials(server, refresh_token="configured-refresh-token"))]

    secrets = {CLIENT_SECRET, "configured-refresh-token", *codes}
    for family in server.sim.oauth.families():
        secrets.update(family.refresh_tokens)
    for snap in snapshots:
        assert snap is not None
        secrets.update({snap.refresh_token, snap.access_token or ""})
    secrets.discard("")
    assert len(codes) == 1 and len(secrets) >= 6
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "Refreshed the OAuth access token" in logged  # the log lines did happen
    for secret in secrets:
        assert secret not in logged
        for text in texts:
            assert secret not in text
