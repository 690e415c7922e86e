"""The Jira source reads its credentials and options from dlt configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlt_atlassian import jira_source
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import make_pipeline, table_ids


def test_credentials_and_options_from_config(simulator: SimulatorServer, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    project = sorted(p["key"] for p in simulator.sim.jira.truth.projects())[0]
    env = {
        "SOURCES__ATLASSIAN__CREDENTIALS__SITE_URL": simulator.base_url,
        "SOURCES__ATLASSIAN__CREDENTIALS__EMAIL": "admin@example.com",
        "SOURCES__ATLASSIAN__CREDENTIALS__API_TOKEN": "sim-api-token",
        "SOURCES__ATLASSIAN__JIRA__PROJECTS": f'["{project}"]',
        "SOURCES__ATLASSIAN__CUSTOM_FIELD_NAMES": "name",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    source = jira_source()
    pipeline = make_pipeline(tmp_path)
    pipeline.run(source.with_resources("issues", "projects"))
    keys = simulator.sim.jira.truth.issue_keys()
    expected = {i for i, k in keys.items() if k.startswith(project + "-")}
    assert table_ids(pipeline, "issues") == expected
    assert table_ids(pipeline, "projects", "key") == {project}
