"""The simulated OAuth 2.0 (3LO) server, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from dlt_atlassian.simulator.server import SimulatorServer
from sim_fixtures import bearer, stub_products

CLIENT = {"client_id": "sim-client-id", "client_secret": "sim-client-secret"}
REDIRECT = "http://localhost:8080/callback"
SCOPES = "read:jira-user read:jira-work read:confluence-space.summary offline_access"
INVALID_REFRESH = {"error": "invalid_grant",
                   "error_description": "Unknown or invalid refresh token."}
DAY = 86400


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer]) -> SimulatorServer:
    return make_simulator(products=stub_products())


@pytest.fixture
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        yield client


def authorize(http: httpx.Client, scope: str = SCOPES, state: str = "st-123") -> str:
    resp = http.get("/authorize", params={
        "audience": "api.atlassian.com", "client_id": "sim-client-id", "scope": scope,
        "redirect_uri": REDIRECT, "state": state, "response_type": "code", "prompt": "consent"})
    assert resp.status_code == 302
    location = urlsplit(resp.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    query = parse_qs(location.query)
    assert query["state"] == [state]
    return query["code"][0]


def exchange(http: httpx.Client, code: str, **overrides: Any) -> httpx.Response:
    body = {"grant_type": "authorization_code", **CLIENT, "code": code, "redirect_uri": REDIRECT}
    return http.post("/oauth/token", json={**body, **overrides})


def refresh(http: httpx.Client, token: str, *, form: bool = False,
            **overrides: Any) -> httpx.Response:
    body = {"grant_type": "refresh_token", **CLIENT, "refresh_token": token, **overrides}
    return http.post("/oauth/token", data=body) if form else http.post("/oauth/token", json=body)


def test_authorization_code_flow_returns_tokens(http: httpx.Client) -> None:
    resp = exchange(http, authorize(http))
    assert resp.status_code == 200
    body = resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert set(body["scope"].split()) == set(SCOPES.split())
    assert body["access_token"] and body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]


def test_authorization_code_is_single_use(http: httpx.Client) -> None:
    code = authorize(http)
    assert exchange(http, code).status_code == 200
    again = exchange(http, code)
    assert again.status_code == 403
    assert again.json()["error"] == "invalid_grant"


def test_code_requires_matching_redirect_uri(http: httpx.Client) -> None:
    resp = exchange(http, authorize(http), redirect_uri="http://evil.example/cb")
    assert resp.status_code == 403
    assert resp.json()["error"] == "invalid_grant"


def test_authorize_rejects_unknown_client_without_redirect(http: httpx.Client) -> None:
    resp = http.get("/authorize", params={"audience": "api.atlassian.com", "client_id": "nope",
                                          "scope": SCOPES, "redirect_uri": REDIRECT,
                                          "response_type": "code"})
    assert resp.status_code == 400
    assert "location" not in resp.headers


def test_wrong_client_secret_is_401(http: httpx.Client, server: SimulatorServer) -> None:
    resp = exchange(http, authorize(http), client_secret="wrong")
    assert resp.status_code == 401
    assert resp.json()["error"] in ("access_denied", "invalid_client")
    _, refresh_token = server.sim.oauth.grant(SCOPES.split())
    assert refresh_token is not None
    bad = refresh(http, refresh_token, client_secret="wrong")
    assert bad.status_code == 401
    assert "wrong" not in bad.text


def test_missing_offline_access_means_no_refresh_token(http: httpx.Client) -> None:
    body = exchange(http, authorize(http, scope="read:jira-user")).json()
    assert "refresh_token" not in body
    assert body["access_token"]


def test_refresh_rotates_and_form_body_is_accepted(http: httpx.Client,
                                                    server: SimulatorServer) -> None:
    first = exchange(http, authorize(http)).json()
    second = refresh(http, first["refresh_token"], form=True)
    assert second.status_code == 200, second.text
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    assert pair["access_token"] != first["access_token"]
    assert pair["token_type"] == "Bearer" and pair["expires_in"] == 3600
    third = refresh(http, pair["refresh_token"])
    assert third.status_code == 200
    assert server.sim.oauth.refresh_count(third.json()["refresh_token"]) == 2


def test_reuse_within_interval_returns_fresh_pair(http: httpx.Client,
                                                  server: SimulatorServer) -> None:
    token = exchange(http, authorize(http)).json()["refresh_token"]
    rotated = refresh(http, token).json()
    server.sim.advance_clock(server.config.oauth.reuse_interval - 60)
    again = refresh(http, token)
    assert again.status_code == 200
    assert again.json()["refresh_token"] not in (token, rotated["refresh_token"])
    # The family is intact: the token from the first rotation still works.
    assert refresh(http, rotated["refresh_token"]).status_code == 200


def test_reuse_after_interval_revokes_family(http: httpx.Client,
                                             server: SimulatorServer) -> None:
    token = exchange(http, authorize(http)).json()["refresh_token"]
    rotated = refresh(http, token).json()
    server.sim.advance_clock(server.config.oauth.reuse_interval + 1)
    replay = refresh(http, token)
    assert replay.status_code == 403
    assert replay.json() == INVALID_REFRESH
    # Every token of the family is dead now, including the newest refresh and access tokens.
    assert refresh(http, rotated["refresh_token"]).json() == INVALID_REFRESH
    resp = http.get(f"/ex/jira/{server.cloud_id}/rest/api/3/myself",
                    headers=bearer(rotated["access_token"]))
    assert resp.status_code == 401
    family = server.sim.oauth.family_of(rotated["refresh_token"])
    assert family is not None and family.revoked


def test_unknown_refresh_token(http: httpx.Client) -> None:
    resp = refresh(http, "not-a-token")
    assert resp.status_code == 403
    assert resp.json() == INVALID_REFRESH


def test_inactivity_expiry(http: httpx.Client, server: SimulatorServer) -> None:
    token = exchange(http, authorize(http)).json()["refresh_token"]
    server.sim.advance_clock(server.config.oauth.inactivity_days * DAY - 3600)
    token = refresh(http, token).json()["refresh_token"]  # used in time: still alive
    server.sim.advance_clock(server.config.oauth.inactivity_days * DAY + 60)
    assert refresh(http, token).json() == INVALID_REFRESH


def test_absolute_expiry_despite_regular_use(http: httpx.Client,
                                             server: SimulatorServer) -> None:
    token = exchange(http, authorize(http)).json()["refresh_token"]
    for _ in range(5):  # 5 x 80 days > 365 days, never 90 days idle
        server.sim.advance_clock(80 * DAY)
        resp = refresh(http, token)
        if resp.status_code != 200:
            break
        token = resp.json()["refresh_token"]
    assert resp.status_code == 403
    assert resp.json() == INVALID_REFRESH
    assert server.sim.oauth.refresh_count(token) == 4


def test_access_token_expires(http: httpx.Client, server: SimulatorServer) -> None:
    access = exchange(http, authorize(http)).json()["access_token"]
    url = f"/ex/jira/{server.cloud_id}/rest/api/3/myself"
    assert http.get(url, headers=bearer(access)).status_code == 200
    server.sim.advance_clock(server.config.oauth.access_token_ttl + 1)
    expired = http.get(url, headers=bearer(access))
    assert expired.status_code == 401
    assert expired.json() == {"code": 401, "message": "Unauthorized"}


def test_scope_enforcement(http: httpx.Client, server: SimulatorServer) -> None:
    access, _ = server.sim.oauth.grant(["read:jira-work"])
    resp = http.get(f"/ex/jira/{server.cloud_id}/rest/api/3/myself", headers=bearer(access))
    assert resp.status_code == 401
    assert resp.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
    granular, _ = server.sim.oauth.grant(["read:user:jira"])
    ok = http.get(f"/ex/jira/{server.cloud_id}/rest/api/3/myself", headers=bearer(granular))
    assert ok.status_code == 200
    assert ok.json()["authKind"] == "oauth"


def test_accessible_resources(make_simulator: Callable[..., SimulatorServer],
                              sim_config: Callable[..., Any]) -> None:
    server = make_simulator(sim_config(extra_sites=["https://other.atlassian.net"]),
                            products=stub_products())
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        body = exchange(http, authorize(http)).json()
        resp = http.get("/oauth/token/accessible-resources", headers=bearer(body["access_token"]))
        assert resp.status_code == 200
        sites = resp.json()
        main = [s for s in sites if s["id"] == server.cloud_id]
        # One entry per product the consent covers, each with that product's scopes.
        assert {tuple(s["scopes"]) for s in main} == {
            ("read:jira-user", "read:jira-work"), ("read:confluence-space.summary",)}
        assert all(s["url"] == server.base_url for s in main)
        assert {"id", "url", "name", "scopes", "avatarUrl"} <= set(sites[0])
        other = [s for s in sites if s["url"] == "https://other.atlassian.net"]
        assert len(other) == 2 and other[0]["id"] != server.cloud_id
        assert http.get("/oauth/token/accessible-resources").status_code == 401


def test_cloud_id_is_deterministic_uuid(make_simulator: Callable[..., SimulatorServer]) -> None:
    first, second = make_simulator(), make_simulator()
    assert first.cloud_id == second.cloud_id
    assert len(first.cloud_id) == 36 and first.cloud_id.count("-") == 4


def test_control_api_family_inspection_has_no_tokens(http: httpx.Client,
                                                     server: SimulatorServer) -> None:
    body = exchange(http, authorize(http)).json()
    refresh(http, body["refresh_token"])
    families = http.get("/_sim/oauth/families").json()
    assert families[0]["refresh_count"] == 1
    assert body["refresh_token"] not in str(families)
    assert http.post("/_sim/oauth/revoke", json={"token": body["refresh_token"]}).status_code == 200
    assert server.sim.oauth.families()[0].revoked


def test_token_endpoint_scripted_faults(http: httpx.Client, server: SimulatorServer) -> None:
    _, token = server.sim.oauth.grant(SCOPES.split())
    assert token is not None
    # A catch-all product script never touches the auth server...
    server.sim.add_faults({"path": "*", "kind": "500", "count": -1})
    assert refresh(http, token).status_code == 200
    server.sim.clear_faults()
    # ...but a script naming it does.
    server.sim.add_faults({"path": "/oauth/token", "kind": "503"},
                          {"path": "/oauth/token", "kind": "reset"})
    first = refresh(http, token)
    assert first.status_code == 503 and first.headers["Retry-After"]
    with pytest.raises(httpx.TransportError):
        refresh(http, token)
    assert refresh(http, token).status_code == 200  # within the reuse interval
    counts = server.sim.requests.snapshot()["endpoint_statuses"]["POST /oauth/token"]
    assert counts == {"200": 2, "503": 1, "499": 1}
    assert token not in server.sim.requests.snapshot().__repr__()
