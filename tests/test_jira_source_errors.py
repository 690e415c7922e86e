"""Clear errors from the Jira source, and nothing loaded before is damaged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dlt.pipeline.exceptions import PipelineStepFailed

from conftest import build_sim_config
from dlt_atlassian import jira_source
from dlt_atlassian.credentials import AtlassianScopedTokenCredentials
from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.simulator.server import SimulatorServer
from jira_sim_fixtures import NARROW_TOKEN, scoped_accounts
from jira_source_fixtures import assert_matches_truth, basic_credentials, make_pipeline, rows

TABLES = ("issues", "issue_changelogs", "issue_comments", "issue_worklogs")


def _snapshot(pipeline: object) -> dict[str, list[tuple[object, ...]]]:
    return {t: sorted(rows(pipeline, f"SELECT * EXCLUDE (_dlt_load_id, _dlt_id) FROM {t}"),  # type: ignore[arg-type]
                      key=repr) for t in TABLES}


def test_bad_jql_fails_clearly_and_damages_nothing(fresh_simulator: SimulatorServer,
                                                   tmp_path: Path) -> None:
    server = fresh_simulator
    creds = basic_credentials(server)
    pipeline = make_pipeline(tmp_path)
    pipeline.run(jira_source(credentials=creds).with_resources(*TABLES))
    before = _snapshot(pipeline)
    state_before = pipeline.state

    bad = 'summary ~~ "unbalanced'
    with pytest.raises(PipelineStepFailed) as failure:
        pipeline.run(jira_source(credentials=creds, jql=bad).with_resources(*TABLES))
    message = str(failure.value)
    assert "Jira `issues`" in message and "jql" in message and "unbalanced" in message
    assert _snapshot(pipeline) == before
    assert pipeline.state["sources"] == state_before["sources"]

    # the next good run carries on from where the last good one stopped
    server.sim.jira.update_issue(sorted(server.sim.jira.truth.issue_keys().values())[0],
                                 {"summary": "after the failure"})
    pipeline.run(jira_source(credentials=creds).with_resources(*TABLES))
    assert_matches_truth(pipeline, server)


def test_unknown_project_is_named(simulator: SimulatorServer, tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path)
    source = jira_source(credentials=basic_credentials(simulator), projects=["NOPE"])
    with pytest.raises(PipelineStepFailed) as failure:
        pipeline.run(source.with_resources("issues"))
    assert isinstance(failure.value.__context__, Exception)
    assert "Unknown Jira project(s): NOPE" in str(failure.value)
    assert "`projects` option" in str(failure.value)


def test_bad_options_fail_before_any_request(simulator: SimulatorServer) -> None:
    creds = basic_credentials(simulator)
    with pytest.raises(ConfigurationError, match="ORDER BY"):
        jira_source(credentials=creds, jql="project = A ORDER BY key")
    with pytest.raises(ConfigurationError, match="reconcile_deletes"):
        jira_source(credentials=creds, reconcile_deletes="weekly")
    with pytest.raises(ConfigurationError, match="custom_field_names"):
        jira_source(credentials=creds, custom_field_names="label")


def test_missing_scope_is_named(make_simulator: Callable[..., SimulatorServer],
                                tmp_path: Path) -> None:
    server = make_simulator(build_sim_config(accounts=scoped_accounts()))
    creds = AtlassianScopedTokenCredentials()
    creds.api_token = NARROW_TOKEN
    creds.scoped_token_auth = "basic"
    creds.email = "admin@example.com"
    creds.cloud_id = server.cloud_id
    creds.api_base_url = server.base_url
    pipeline = make_pipeline(tmp_path)
    with pytest.raises(PipelineStepFailed) as failure:
        pipeline.run(jira_source(credentials=creds).with_resources("issues"))
    message = str(failure.value)
    assert "Jira `issues`" in message or "Jira `fields`" in message
    assert "read:jira-work" in message
    assert NARROW_TOKEN not in message


def test_a_scope_finding_nothing_deletes_nothing(simulator: SimulatorServer,
                                                 tmp_path: Path) -> None:
    creds = basic_credentials(simulator)
    pipeline = make_pipeline(tmp_path)
    pipeline.run(jira_source(credentials=creds).with_resources("issues"))
    before = rows(pipeline, "SELECT COUNT(*) FROM issues")[0][0]
    assert before
    empty = jira_source(credentials=creds, jql="updated < 0")  # matches no issue
    pipeline.run(empty.with_resources("issues"))
    assert rows(pipeline, "SELECT COUNT(*) FROM issues")[0][0] == before
