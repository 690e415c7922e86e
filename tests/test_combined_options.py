"""Options set once in [sources.atlassian] reach both products of atlassian_source."""

from __future__ import annotations

from pathlib import Path

import dlt
import duckdb
import pytest

from dlt_atlassian.combined import atlassian_source
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import basic_credentials


def test_section_options_reach_both_products(simulator: SimulatorServer, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__ATLASSIAN__INCLUDE_PLAIN_TEXT", "true")
    monkeypatch.setenv("SOURCES__ATLASSIAN__PARALLELISM", "2")
    monkeypatch.setenv("SOURCES__ATLASSIAN__CUSTOM_FIELD_NAMES", "name")
    db = tmp_path / "combined.duckdb"
    pipeline = dlt.pipeline("combined_opts", destination=dlt.destinations.duckdb(str(db)),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="atl")
    source = atlassian_source(credentials=basic_credentials(simulator))
    pipeline.run(source.with_resources("issues", "fields", "pages"))
    with duckdb.connect(str(db), read_only=True) as con:
        issue_cols = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'atl' AND table_name = 'issues'").fetchall()}
        texts = con.execute("SELECT COUNT(*) FROM atl.pages WHERE body_text <> ''").fetchone()
    assert "description_text" in issue_cols  # Jira's default is no plain text
    assert not any(c.startswith("customfield_") for c in issue_cols)  # named by field name
    assert texts is not None and texts[0] > 0


def test_product_options_override_section_options(simulator: SimulatorServer,
                                                  tmp_path: Path) -> None:
    db = tmp_path / "override.duckdb"
    pipeline = dlt.pipeline("combined_override", destination=dlt.destinations.duckdb(str(db)),
                            pipelines_dir=str(tmp_path / "p"), dataset_name="atl")
    source = atlassian_source(credentials=basic_credentials(simulator), include_plain_text=True,
                              confluence_options={"include_plain_text": False})
    pipeline.run(source.with_resources("issues", "pages"))
    with duckdb.connect(str(db), read_only=True) as con:
        issue_cols = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'atl' AND table_name = 'issues'").fetchall()}
        texts = con.execute("SELECT COUNT(*) FROM atl.pages WHERE body_text <> ''").fetchone()
    assert "description_text" in issue_cols
    assert texts is not None and texts[0] == 0
