"""The Confluence source through the OAuth gateway, Link-header paging, scopes and bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from confluence_source_fixtures import (
    READ_SCOPES,
    SCOPED_TOKEN,
    LinkHeaderOnlyConfluence,
    assert_equals_truth,
    basic_credentials,
    new_pipeline,
    oauth_credentials,
    rows,
    scoped_credentials,
)
from dlt_atlassian.confluence import confluence_source
from dlt_atlassian.errors import ConfigurationError, UnauthorizedError
from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.server import SimulatorServer
from dlt_atlassian.simulator.users import UserDirectory

NO_COMMENTS_TOKEN = "no-comment-scope-token"


def _config(sim_config: Callable[..., SimulatorConfig]) -> SimulatorConfig:
    # Tiny pages (5 items) so every list needs several requests.
    return sim_config(0.1, caps={"confluence_limit": 5}, accounts={
        "api_tokens": {"admin@example.com": "sim-api-token"},
        "scoped_tokens": {
            SCOPED_TOKEN: ("admin@example.com", READ_SCOPES),
            NO_COMMENTS_TOKEN: ("admin@example.com",
                                [s for s in READ_SCOPES if s != "read:comment:confluence"]),
        }})


def _paged(server: SimulatorServer, via_gateway: bool) -> None:
    served = [e for e in server.sim.requests.entries() if e.path.startswith("/wiki/")]
    assert served and all(e.via_gateway == via_gateway for e in served)
    assert server.sim.requests.counts()["GET /wiki/api/v2/pages"] > 2  # several pages each


@pytest.mark.parametrize("auth", ["oauth", "basic"])
def test_link_header_paging_on_gateway_and_site(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., SimulatorConfig],
    tmp_path: Path, auth: str,
) -> None:
    config = _config(sim_config)
    product = LinkHeaderOnlyConfluence(config, SimClock(), UserDirectory(config))
    server = make_simulator(config, products={"confluence": product, "jira": None})
    probe = httpx.get(f"{server.base_url}/wiki/api/v2/pages", params={"limit": 2},
                      auth=("admin@example.com", "sim-api-token"), timeout=10)
    assert "next" not in probe.json()["_links"] and 'rel="next"' in probe.headers["link"]
    server.sim.requests.reset()
    scopes = [*READ_SCOPES, "read:confluence-space.summary"]
    creds = (oauth_credentials(server, tmp_path, scopes) if auth == "oauth"
             else basic_credentials(server))
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=creds))
    assert_equals_truth(pipeline, server.sim)
    _paged(server, via_gateway=auth == "oauth")


def test_scoped_token_gateway_with_links_next_paging(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., SimulatorConfig],
    tmp_path: Path,
) -> None:
    server = make_simulator(_config(sim_config))
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=scoped_credentials(server)))
    assert_equals_truth(pipeline, server.sim)
    _paged(server, via_gateway=True)
    # the token is in no state and no table
    assert SCOPED_TOKEN not in json.dumps(pipeline.state, default=str)
    for table in pipeline.default_schema.data_table_names():
        assert SCOPED_TOKEN not in str(rows(pipeline, table, "*"))


def test_missing_scope_fails_clearly_and_keeps_earlier_data(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., SimulatorConfig],
    tmp_path: Path,
) -> None:
    server = make_simulator(_config(sim_config))
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=scoped_credentials(server)))
    before = {t: rows(pipeline, t, "*") for t in ("pages", "footer_comments")}
    server.sim.confluence.edit(server.sim.confluence.all_pages(["current"])[0]["id"])
    with pytest.raises(PipelineStepFailed) as failure:
        pipeline.run(confluence_source(credentials=scoped_credentials(server, NO_COMMENTS_TOKEN)))
    error = failure.value.__cause__
    while error is not None and not isinstance(error, UnauthorizedError):
        error = error.__cause__
    assert isinstance(error, UnauthorizedError), failure.value
    text = str(error)
    assert "comments" in text and "read:comment:confluence" in text
    assert "read:confluence-content.all" in text
    assert NO_COMMENTS_TOKEN not in text
    assert {t: rows(pipeline, t, "*") for t in before} == before


def test_unknown_space_fails_before_loading(simulator: SimulatorServer, tmp_path: Path) -> None:
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(simulator)).with_resources(
        "spaces"))
    before = rows(pipeline, "spaces", "*")
    key = simulator.sim.confluence.all_spaces()[0]["key"]
    with pytest.raises(ConfigurationError) as failure:
        confluence_source(credentials=basic_credentials(simulator), spaces=[key, "NOPE"])
    assert "NOPE" in str(failure.value) and key not in failure.value.message
    assert rows(pipeline, "spaces", "*") == before
    with pytest.raises(ConfigurationError, match="reconcile_deletes"):
        confluence_source(credentials=basic_credentials(simulator), reconcile_deletes="weekly")
    with pytest.raises(ConfigurationError, match="body_format"):
        confluence_source(credentials=basic_credentials(simulator), body_format="html")
    with pytest.raises(ConfigurationError, match="lookback"):
        confluence_source(credentials=basic_credentials(simulator), lookback=-1)


def test_dlt_config_section_is_atlassian(simulator: SimulatorServer, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__ATLASSIAN__CREDENTIALS__SITE_URL", simulator.base_url)
    monkeypatch.setenv("SOURCES__ATLASSIAN__CREDENTIALS__EMAIL", "admin@example.com")
    monkeypatch.setenv("SOURCES__ATLASSIAN__CREDENTIALS__API_TOKEN", "sim-api-token")
    monkeypatch.setenv("SOURCES__ATLASSIAN__BODY_FORMAT", "none")
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source().with_resources("spaces", "pages"))
    assert rows(pipeline, "pages", "count(*)", "body_storage is not null") == {(0,)}
