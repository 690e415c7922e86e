"""``atlassian_source``: Jira and Confluence in one pipeline with one token."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from confluence_source_fixtures import (
    READ_SCOPES,
    assert_equals_truth,
    new_pipeline,
    oauth_credentials,
    rows,
)
from dlt_atlassian import atlassian_source
from dlt_atlassian.simulator.server import SimulatorServer

JIRA_SCOPES = ["read:jira-work", "read:jira-user", "read:board-scope:jira-software",
               "read:sprint:jira-software", "read:project:jira"]


def test_both_products_share_one_token(make_simulator: Callable[..., SimulatorServer],
                                       sim_config: Callable[..., object],
                                       tmp_path: Path) -> None:
    server = make_simulator(sim_config(0.05))
    creds = oauth_credentials(server, tmp_path,
                              [*READ_SCOPES, "read:confluence-space.summary", *JIRA_SCOPES])
    pipeline = new_pipeline(tmp_path, "atlassian_test")
    source = atlassian_source(credentials=creds)
    names = set(source.resources.keys())
    assert {"issues", "projects", "pages", "spaces", "footer_comments"} <= names
    pipeline.run(source.with_resources("issues", "projects", "spaces", "pages", "blog_posts",
                                       "page_versions", "labels", "footer_comments",
                                       "inline_comments", "attachments"))
    assert_equals_truth(pipeline, server.sim)
    issues = {i for (i,) in rows(pipeline, "issues", "id")}
    assert issues == set(server.sim.jira.truth.issue_keys())
    # one consent, one refresh for both products
    assert server.sim.oauth.total_refreshes() == 1
    served = server.sim.requests.entries()
    assert all(e.via_gateway for e in served if e.path.startswith(("/rest/", "/wiki/")))
    assert {e.path.split("/")[1] for e in served if e.via_gateway} == {"rest", "wiki"}
