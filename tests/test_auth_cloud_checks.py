"""Cloud id checks and auth-server hiccups, against the simulator over real HTTP.

* A configured ``cloud_id`` is checked against accessible-resources (OAuth, once per consent)
  or recognised in the gateway's own 404 (scoped API tokens), and named in the error.
* accessible-resources retries transient failures; a final one is a server/transport error.
* A token endpoint 200 whose body is not JSON is retried with the same refresh token.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auth_fixtures import (
    CLIENT_ID,
    CLIENT_SECRET,
    CONFLUENCE_PROBE,
    JIRA_PROBE,
    SCOPES,
    CountingTransport,
    oauth_credentials,
    sim_clock,
    stub_products,
)
from dlt_atlassian.auth import FileTokenStore, MemoryTokenStore, TokenEndpoint
from dlt_atlassian.auth.cloud import fetch_accessible_resources
from dlt_atlassian.auth.simple import BearerAuth
from dlt_atlassian.connection import connect
from dlt_atlassian.credentials import AtlassianScopedTokenCredentials
from dlt_atlassian.errors import (
    AuthError,
    ConfigurationError,
    NotFoundError,
    ResponseFormatError,
    ServerError,
    TransportError,
)
from dlt_atlassian.simulator.server import SimulatorServer
from http_fixtures import fast_policy

SCOPED_TOKEN = "scoped-token-cloud-checks"
OTHER_SITE = "https://other-site.atlassian.net"
UNKNOWN = "0c0ffee0-0000-4000-8000-00000000beef"
RESOURCES = "/oauth/token/accessible-resources"


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., object]) -> SimulatorServer:
    config = sim_config(
        accounts={"scoped_tokens": {SCOPED_TOKEN: ("admin@example.com", SCOPES)}},
        extra_sites=[OTHER_SITE],
    )
    return make_simulator(config, products=stub_products())


def _scoped(server: SimulatorServer, cloud_id: str) -> AtlassianScopedTokenCredentials:
    return AtlassianScopedTokenCredentials(
        api_token=SCOPED_TOKEN, scoped_token_auth="basic", email="admin@example.com",
        cloud_id=cloud_id, api_base_url=server.base_url,
    ).resolve()


def test_oauth_configured_cloud_id_is_checked_once_per_consent(server: SimulatorServer,
                                                               tmp_path: Path) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    creds = oauth_credentials(server, refresh_token=refresh, site_url=None,
                              cloud_id=server.cloud_id, token_store=str(tmp_path / "t.json"))
    first = CountingTransport()
    with connect(creds, clock=sim_clock(server), transport=first) as conn:
        assert conn.cloud_id == server.cloud_id and conn.site_url == server.base_url
    assert first.paths.count(RESOURCES) == 1
    stored = FileTokenStore(tmp_path / "t.json").load()
    assert stored is not None and {s["url"] for s in stored.sites} == {server.base_url,
                                                                        OTHER_SITE}
    other_id = next(s["id"] for s in stored.sites if s["url"] == OTHER_SITE)
    for cloud_id, url in ((server.cloud_id, server.base_url), (other_id, OTHER_SITE)):
        again = CountingTransport()
        creds = oauth_credentials(server, refresh_token=refresh, site_url=None,
                                  cloud_id=cloud_id, token_store=str(tmp_path / "t.json"))
        with connect(creds, clock=sim_clock(server), transport=again) as conn:
            assert conn.cloud_id == cloud_id and conn.site_url == url
        assert RESOURCES not in again.paths  # later runs: from the token store's cache


def test_oauth_unknown_cloud_id_names_it_and_lists_sites(server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    creds = oauth_credentials(server, refresh_token=refresh, site_url=None, cloud_id=UNKNOWN)
    with pytest.raises(ConfigurationError) as info:
        connect(creds, token_store=MemoryTokenStore(), clock=sim_clock(server))
    message = str(info.value)
    assert f"cloud_id {UNKNOWN}" in message
    assert server.cloud_id in message and server.base_url in message and OTHER_SITE in message
    assert refresh not in message


def test_scoped_token_unknown_cloud_id_is_a_configuration_error(server: SimulatorServer) -> None:
    with connect(_scoped(server, UNKNOWN)) as conn:
        for client, probe in ((conn.jira, JIRA_PROBE), (conn.confluence, CONFLUENCE_PROBE)):
            with pytest.raises(ConfigurationError) as info:
                client.get_json(probe)
            assert f"cloud_id {UNKNOWN}" in info.value.message
            assert "cloud_id" in info.value.hint
            assert SCOPED_TOKEN not in str(info.value)


def test_scoped_token_product_404_stays_not_found(server: SimulatorServer) -> None:
    with connect(_scoped(server, server.cloud_id)) as conn:
        with pytest.raises(NotFoundError):  # before and after the gateway routed the product
            conn.jira.get_json("/rest/api/3/issue/NOPE-1")
        assert conn.jira.get_json(JIRA_PROBE)["authKind"] == "scoped"
        with pytest.raises(NotFoundError):
            conn.jira.get_json("/rest/api/3/issue/NOPE-2")


@pytest.mark.parametrize(("kind", "error"), [
    ("503", ServerError), ("reset", TransportError), ("malformed", ResponseFormatError),
])
def test_accessible_resources_retries_then_reports_a_server_failure(
        server: SimulatorServer, kind: str, error: type[Exception]) -> None:
    access, _ = server.sim.oauth.grant(SCOPES)
    policy = fast_policy(max_attempts=3)
    server.sim.add_faults({"path": RESOURCES, "kind": kind, "count": 2})
    sites = fetch_accessible_resources(server.base_url, BearerAuth(access), retry=policy)
    assert server.cloud_id in {s.cloud_id for s in sites}
    assert server.sim.faults.fired[kind] == 2
    server.sim.add_faults({"path": RESOURCES, "kind": kind, "count": 3})
    with pytest.raises(error) as info:
        fetch_accessible_resources(server.base_url, BearerAuth(access), retry=policy)
    assert not isinstance(info.value, AuthError)  # exit 1 (run again), not "authorize again"
    assert server.sim.faults.fired[kind] == 5
    assert access not in str(info.value)


def test_accessible_resources_refusal_is_not_retried(server: SimulatorServer) -> None:
    with pytest.raises(AuthError, match="refused"):
        fetch_accessible_resources(server.base_url, BearerAuth("not-a-token"),
                                   retry=fast_policy(max_attempts=3))
    assert server.sim.requests.count(f"GET {RESOURCES}") == 1


def test_token_endpoint_retries_an_unparseable_200_with_the_same_grant(
        server: SimulatorServer) -> None:
    _, refresh = server.sim.oauth.grant(SCOPES)
    assert refresh
    endpoint = TokenEndpoint(server.base_url, CLIENT_ID, CLIENT_SECRET, backoff_seconds=0.0)
    try:
        server.sim.add_faults({"path": "/oauth/token", "kind": "truncated", "count": 1})
        answer = endpoint.refresh(refresh)
        assert answer.access_token and server.sim.faults.fired["truncated"] == 1
        server.sim.add_faults({"path": "/oauth/token", "kind": "malformed", "count": 3})
        with pytest.raises(AuthError, match="kept failing") as info:
            endpoint.refresh(answer.refresh_token or refresh)
        assert "auth_base_url" in info.value.hint and refresh not in str(info.value)
        assert endpoint.refresh(answer.refresh_token or refresh).access_token  # still valid
    finally:
        endpoint.close()
    family = server.sim.oauth.family_of(refresh)
    assert family is not None and not family.revoked
