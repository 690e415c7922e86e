"""Gateway prefix, authentication kinds, routing errors: real HTTP against stub products."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from dlt_atlassian.simulator.server import SimulatorServer
from sim_fixtures import ADMIN_AUTH, bearer, site_client, stub_products

SCOPED_TOKEN = "scoped-token-abcdef"


@pytest.fixture(scope="module")
def server() -> Any:
    from conftest import build_sim_config

    config = build_sim_config(accounts={
        "api_tokens": {"admin@example.com": "sim-api-token"},
        "scoped_tokens": {SCOPED_TOKEN: ("admin@example.com", ["read:jira-user"])},
    })
    with SimulatorServer(config, products=stub_products()) as srv:
        yield srv


def test_basic_auth_on_site(server: SimulatorServer) -> None:
    with site_client(server) as http:
        body = http.get("/rest/api/3/myself").json()
    assert body["authKind"] == "basic" and body["viaGateway"] is False
    assert body["accountId"] == server.sim.users.admin.account_id


@pytest.mark.parametrize("auth", [("admin@example.com", "wrong"), ("nobody@example.com", "x")])
def test_bad_basic_credentials_get_product_shaped_401(server: SimulatorServer,
                                                     auth: tuple[str, str]) -> None:
    with site_client(server, auth=auth) as http:
        jira = http.get("/rest/api/3/myself")
        v2 = http.get("/wiki/api/v2/spaces")
        v1 = http.get("/wiki/rest/api/space")
    assert jira.status_code == v2.status_code == v1.status_code == 401
    assert "errorMessages" in jira.json()
    assert v2.json()["errors"][0]["status"] == 401
    assert v1.json()["statusCode"] == 401


def test_missing_auth_is_401(server: SimulatorServer) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        assert http.get("/rest/api/3/myself").status_code == 401


def test_oauth_token_rejected_on_site_url(server: SimulatorServer) -> None:
    access, _ = server.sim.oauth.grant(["read:jira-user"])
    with httpx.Client(base_url=server.base_url) as http:
        assert http.get("/rest/api/3/myself", headers=bearer(access)).status_code == 401
        gw = http.get(f"/ex/jira/{server.cloud_id}/rest/api/3/myself", headers=bearer(access))
    assert gw.status_code == 200
    assert gw.json()["viaGateway"] is True


def test_classic_token_rejected_on_gateway(server: SimulatorServer) -> None:
    with httpx.Client(base_url=server.gateway_url("jira"), auth=ADMIN_AUTH) as http:
        resp = http.get("/rest/api/3/myself")
    assert resp.status_code == 401
    assert resp.json() == {"code": 401, "message": "Unauthorized"}


@pytest.mark.parametrize("style", ["basic", "bearer"])
def test_scoped_token_via_gateway(server: SimulatorServer, style: str) -> None:
    kwargs: dict[str, Any] = ({"auth": ("admin@example.com", SCOPED_TOKEN)} if style == "basic"
                              else {"headers": bearer(SCOPED_TOKEN)})
    with httpx.Client(base_url=server.base_url, **kwargs) as http:
        gw = http.get(f"/ex/jira/{server.cloud_id}/rest/api/3/myself")
        site = http.get("/rest/api/3/myself")
        denied = http.get(f"/ex/confluence/{server.cloud_id}/wiki/api/v2/spaces")
    assert gw.status_code == 200 and gw.json()["authKind"] == "scoped"
    assert site.status_code == 401  # scoped tokens only work through api.atlassian.com
    assert denied.status_code == 401
    assert denied.json() == {"code": 401, "message": "Unauthorized; scope does not match"}


def test_scoped_token_with_wrong_email_is_rejected(server: SimulatorServer) -> None:
    with httpx.Client(base_url=server.gateway_url("jira"),
                      auth=("someone@example.com", SCOPED_TOKEN)) as http:
        assert http.get("/rest/api/3/myself").status_code == 401


def test_unknown_cloud_id_is_404(server: SimulatorServer) -> None:
    access, _ = server.sim.oauth.grant(["read:jira-user"])
    with httpx.Client(base_url=server.base_url, headers=bearer(access)) as http:
        resp = http.get("/ex/jira/00000000-0000-4000-8000-000000000000/rest/api/3/myself")
        bad_product = http.get(f"/ex/bitbucket/{server.cloud_id}/rest/api/3/myself")
    assert resp.status_code == 404 and bad_product.status_code == 404


def test_confluence_gateway_with_and_without_wiki_prefix(server: SimulatorServer) -> None:
    access, _ = server.sim.oauth.grant(["read:space:confluence"])
    base = server.gateway_url("confluence")
    with httpx.Client(headers=bearer(access)) as http:
        with_wiki = http.get(f"{base}/wiki/api/v2/spaces")
        without = http.get(f"{base}/api/v2/spaces")
        jira_path = http.get(f"{base}/rest/api/3/myself")
    assert with_wiki.status_code == without.status_code == 200
    assert with_wiki.json() == without.json()
    assert jira_path.status_code in (401, 404)  # /wiki/rest/api/3/myself is no Confluence route
    counts = server.sim.request_counts()
    assert counts["GET /wiki/api/v2/spaces"] >= 2


def test_unknown_route_404_and_wrong_method_405(server: SimulatorServer) -> None:
    with site_client(server) as http:
        missing = http.get("/rest/api/3/nothing-here")
        wrong_method = http.delete("/rest/api/3/myself")
        wiki_missing = http.get("/wiki/api/v2/nothing")
    assert missing.status_code == 404 and missing.json()["errorMessages"]
    assert wrong_method.status_code == 405
    assert wiki_missing.status_code == 404 and wiki_missing.json()["errors"][0]["status"] == 404


def test_handler_crash_is_a_logged_500(server: SimulatorServer) -> None:
    with site_client(server) as http:
        resp = http.get("/rest/api/3/boom")
    assert resp.status_code == 500
    assert server.sim.requests.count("GET /rest/api/3/boom", 500) >= 1


def test_post_body_reaches_handler(server: SimulatorServer) -> None:
    with site_client(server) as http:
        resp = http.post("/rest/api/3/search/jql", json={"jql": "project = P", "maxResults": 5})
    assert resp.json()["echo"] == {"jql": "project = P", "maxResults": 5}


def test_time_zone_reaches_principal(make_simulator: Callable[..., SimulatorServer]) -> None:
    server = make_simulator(products=stub_products())
    admin = server.sim.users.admin
    with site_client(server) as http:
        assert http.post(f"/_sim/users/{admin.account_id}/timezone",
                         json={"timeZone": "Asia/Tokyo"}).status_code == 200
        assert http.get("/rest/api/3/myself").json()["timeZone"] == "Asia/Tokyo"
