"""Helpers for the Jira source tests: credentials, pipelines into DuckDB, table reads, truth."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import dlt

from dlt_atlassian.credentials import AtlassianBasicCredentials
from dlt_atlassian.simulator.server import SimulatorServer


def basic_credentials(server: SimulatorServer) -> AtlassianBasicCredentials:
    """The simulator's admin with its classic API token, on the site URL."""
    creds = AtlassianBasicCredentials()
    creds.site_url = server.base_url
    creds.email = "admin@example.com"
    creds.api_token = "sim-api-token"
    return creds


def make_pipeline(tmp_path: Path, name: str | None = None) -> dlt.Pipeline:
    """A DuckDB pipeline living entirely under ``tmp_path``."""
    name = name or f"jira_{uuid.uuid4().hex[:8]}"
    return dlt.pipeline(
        pipeline_name=name,
        destination=dlt.destinations.duckdb(str(tmp_path / f"{name}.duckdb")),
        pipelines_dir=str(tmp_path / "pipelines"),
        dataset_name="jira",
    )


def rows(pipeline: dlt.Pipeline, sql: str) -> list[tuple[Any, ...]]:
    """Run SQL against the pipeline's dataset (``{t}`` names are qualified)."""
    with pipeline.sql_client() as client:
        return [tuple(r) for r in client.execute_sql(sql) or []]


def table_ids(pipeline: dlt.Pipeline, table: str, column: str = "id") -> set[str]:
    """Distinct values of one column; empty if the table does not exist."""
    try:
        return {str(r[0]) for r in rows(pipeline, f"SELECT {column} FROM {table}")}
    except Exception:
        return set()


def truth_changelog_keys(server: SimulatorServer) -> set[tuple[str, int, str]]:
    """(history id, item index, issue id) of every changelog item of every live issue."""
    truth = server.sim.jira.truth
    keys = set()
    for issue_id, key in truth.issue_keys().items():
        for history in truth.changelog(key):
            for index, _ in enumerate(history.get("items") or []):
                keys.add((str(history["id"]), index, issue_id))
    return keys


def truth_comment_keys(server: SimulatorServer) -> set[tuple[str, str]]:
    """(comment id, issue id) of every comment of every live issue."""
    truth = server.sim.jira.truth
    return {(str(c["id"]), issue_id) for issue_id, key in truth.issue_keys().items()
            for c in truth.comments(key)}


def truth_worklog_keys(server: SimulatorServer) -> set[tuple[str, str]]:
    """(worklog id, issue id) of every worklog of every live issue."""
    truth = server.sim.jira.truth
    return {(str(w["id"]), issue_id) for issue_id, key in truth.issue_keys().items()
            for w in truth.worklogs(key)}


def assert_matches_truth(pipeline: dlt.Pipeline, server: SimulatorServer) -> None:
    """Issues, changelogs, comments and worklogs in the destination equal the simulator's."""
    truth = server.sim.jira.truth
    loaded = dict(rows(pipeline, "SELECT id, key FROM issues"))
    assert loaded == truth.issue_keys()
    changelog = set(rows(pipeline, "SELECT history_id, item_index, issue_id FROM issue_changelogs"))
    assert changelog == truth_changelog_keys(server)
    comments = set(rows(pipeline, "SELECT id, issue_id FROM issue_comments"))
    expected_comments = truth_comment_keys(server)
    assert comments == expected_comments, (comments - expected_comments,
                                           expected_comments - comments)
    worklogs = set(rows(pipeline, "SELECT id, issue_id FROM issue_worklogs"))
    expected = truth_worklog_keys(server)
    assert worklogs == expected, (worklogs - expected, expected - worklogs)
