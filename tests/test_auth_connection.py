"""connect(): the right base URLs, cloud id and shared auth for each credentials kind."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from auth_fixtures import (
    CLIENT_SECRET,
    CONFLUENCE_PROBE,
    JIRA_PROBE,
    SCOPES,
    CountingTransport,
    oauth_credentials,
    sim_clock,
    stub_products,
)
from dlt_atlassian.auth import FileTokenStore, MemoryTokenStore
from dlt_atlassian.connection import connect
from dlt_atlassian.credentials import (
    AtlassianBasicCredentials,
    AtlassianScopedTokenCredentials,
)
from dlt_atlassian.errors import ConfigurationError, UnauthorizedError
from dlt_atlassian.simulator.server import SimulatorServer

SCOPED_TOKEN = "scoped-token-for-tests"


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., object]) -> SimulatorServer:
    config = sim_config(
        accounts={"scoped_tokens": {SCOPED_TOKEN: ("admin@example.com", SCOPES)}},
        extra_sites=["https://other-site.atlassian.net"],
    )
    return make_simulator(config, products=stub_products())


def test_oauth_connection_uses_gateway_and_caches_cloud_id(server: SimulatorServer,
                                                           tmp_path: Path) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    creds = oauth_credentials(server, refresh_token=refresh, token_store=str(tmp_path / "t.json"))
    with connect(creds, clock=sim_clock(server)) as conn:
        assert conn.kind == "oauth"
        assert conn.cloud_id == server.cloud_id
        assert conn.site_url == server.base_url
        assert conn.jira.base_url == server.gateway_url("jira")
        assert conn.confluence.base_url == server.gateway_url("confluence")
        assert conn.jira.limiter is conn.confluence.limiter
        assert conn.jira.get_json(JIRA_PROBE)["authKind"] == "oauth"
        assert conn.confluence.get_json(CONFLUENCE_PROBE)["authKind"] == "oauth"
    stored = FileTokenStore(tmp_path / "t.json").load()
    assert stored is not None and stored.cloud_id == server.cloud_id
    assert {s["url"] for s in stored.sites} == {server.base_url,
                                                 "https://other-site.atlassian.net"}
    transport = CountingTransport()
    with connect(creds, clock=sim_clock(server), transport=transport) as conn:
        assert conn.cloud_id == server.cloud_id  # second run: from the store's cache
        conn.jira.get_json(JIRA_PROBE)
    assert transport.paths == [server.gateway_url("jira").split(str(server.port))[1] + JIRA_PROBE]
    assert server.sim.oauth.refresh_count(refresh) == 1


def test_oauth_site_not_covered_lists_visible_sites(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    creds = oauth_credentials(server, refresh_token=refresh,
                              site_url="https://missing.atlassian.net/")
    with pytest.raises(ConfigurationError) as info:
        connect(creds, token_store=MemoryTokenStore(), clock=sim_clock(server))
    message = str(info.value)
    assert "missing.atlassian.net" in message
    assert server.base_url in message and "other-site.atlassian.net" in message
    assert server.cloud_id in message


def test_oauth_picks_other_site_by_url_and_errors_when_ambiguous(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    store = MemoryTokenStore()
    creds = oauth_credentials(server, refresh_token=refresh,
                              site_url="HTTPS://Other-Site.atlassian.net/wiki")
    with connect(creds, token_store=store, clock=sim_clock(server)) as conn:
        assert conn.site_url == "https://other-site.atlassian.net"
        assert conn.cloud_id and conn.cloud_id != server.cloud_id
        assert conn.jira.base_url.endswith(f"/ex/jira/{conn.cloud_id}")
    creds = oauth_credentials(server, refresh_token=refresh, site_url=None)
    with pytest.raises(ConfigurationError, match="2 sites"):
        connect(creds, token_store=MemoryTokenStore(), clock=sim_clock(server))


def test_basic_connection_talks_to_the_site(server: SimulatorServer) -> None:
    creds = AtlassianBasicCredentials(site_url=server.base_url + "/", email="admin@example.com",
                                      api_token="sim-api-token").resolve()
    with connect(creds) as conn:
        assert conn.kind == "basic" and conn.cloud_id is None
        assert conn.jira.base_url == server.base_url
        assert conn.jira.get_json(JIRA_PROBE)["authKind"] == "basic"
        assert conn.confluence.get_json(CONFLUENCE_PROBE)["authKind"] == "basic"
    bad = AtlassianBasicCredentials(site_url=server.base_url, email="admin@example.com",
                                    api_token="wrong-token-123").resolve()
    with connect(bad) as conn, pytest.raises(UnauthorizedError) as info:
        conn.jira.get_json(JIRA_PROBE)
    assert "wrong-token-123" not in str(info.value)


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
def test_scoped_token_through_gateway(server: SimulatorServer, scheme: str,
                                      caplog: pytest.LogCaptureFixture) -> None:
    # No cloud_id configured: it is read from the site's /_edge/tenant_info.
    creds = AtlassianScopedTokenCredentials(
        api_token=SCOPED_TOKEN, scoped_token_auth=scheme, email="admin@example.com",
        site_url=server.base_url, api_base_url=server.base_url,
    ).resolve()
    with caplog.at_level(logging.DEBUG), connect(creds) as conn:
        assert conn.kind == "scoped"
        assert conn.cloud_id == server.cloud_id
        assert conn.jira.base_url == server.gateway_url("jira")
        assert conn.jira.get_json(JIRA_PROBE)["authKind"] == "scoped"
    assert SCOPED_TOKEN not in caplog.text and CLIENT_SECRET not in caplog.text


def test_connect_resolves_credentials_from_dlt_config(server: SimulatorServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    prefix = "SOURCES__ATLASSIAN__CREDENTIALS__"
    monkeypatch.setenv(prefix + "SITE_URL", server.base_url)
    monkeypatch.setenv(prefix + "EMAIL", "admin@example.com")
    monkeypatch.setenv(prefix + "API_TOKEN", "sim-api-token")
    with connect() as conn:
        assert conn.kind == "basic"
        assert conn.jira.get_json(JIRA_PROBE)["authKind"] == "basic"
