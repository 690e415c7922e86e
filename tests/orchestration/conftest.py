"""Shared fixtures for the orchestration tests (run in .venv-airflow / .venv-dagster only).

Run them with ``orchestration/run_tests.sh``; the main suite ignores this folder.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PIPELINES = REPO / "pipelines"
ADMIN_EMAIL = "admin@example.com"
ADMIN_TOKEN = "sim-api-token"
OAUTH_CLIENT_ID = "sim-client-id"
OAUTH_CLIENT_SECRET = "sim-client-secret"

_session_dir: Path | None = None


@pytest.hookimpl(tryfirst=True)  # before the per-orchestrator conftests read it
def pytest_configure(config: pytest.Config) -> None:
    # Process-wide isolation, set before dlt/Airflow/Dagster are imported by any test module:
    # no ~/.dlt, no repo .dlt/secrets.toml, no telemetry, nothing outside a temp dir.
    global _session_dir
    _session_dir = Path(tempfile.mkdtemp(prefix="dlt-atlassian-orch-"))
    project = _session_dir / "dlt-project"
    project.mkdir()
    os.environ["DLT_PROJECT_DIR"] = str(project)
    os.environ["DLT_DATA_DIR"] = str(_session_dir / "dlt-data")
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    os.environ["RUNTIME__LOG_LEVEL"] = "WARNING"
    os.environ["ORCHESTRATION_TEST_DIR"] = str(_session_dir)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _session_dir is not None:
        shutil.rmtree(_session_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def session_dir() -> Path:
    assert _session_dir is not None
    return _session_dir


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    """A small simulated site (Jira + Confluence) on a loopback port."""
    from dlt_atlassian.simulator.config import DataConfig, SimulatorConfig
    from dlt_atlassian.simulator.presets import scaled
    from dlt_atlassian.simulator.server import SimulatorServer

    config = SimulatorConfig(data=scaled(DataConfig(), "tiny"))
    config = replace(config, data=replace(config.data, big_changelog_issues=0,
                                          big_comment_issues=0))
    with SimulatorServer(config) as server:
        assert server.sim.jira is not None, "the Jira simulator is not available"
        assert server.sim.confluence is not None, "the Confluence simulator is not available"
        yield server


@pytest.fixture()
def duckdb_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The DuckDB file the pipelines load into (via the DLT_ATLASSIAN_* settings)."""
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DLT_ATLASSIAN_DESTINATION", "duckdb")
    monkeypatch.setenv("DLT_ATLASSIAN_DUCKDB_PATH", str(path))
    return path


@pytest.fixture()
def atlassian_env(sim: Any, duckdb_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Classic API token (Basic auth on the site URL); returns the secrets that must not leak."""
    monkeypatch.setenv("SOURCES__ATLASSIAN__CREDENTIALS__SITE_URL", sim.base_url)
    monkeypatch.setenv("SOURCES__ATLASSIAN__CREDENTIALS__EMAIL", ADMIN_EMAIL)
    monkeypatch.setenv("SOURCES__ATLASSIAN__CREDENTIALS__API_TOKEN", ADMIN_TOKEN)
    basic = base64.b64encode(f"{ADMIN_EMAIL}:{ADMIN_TOKEN}".encode()).decode()
    return [ADMIN_TOKEN, basic]


@pytest.fixture()
def oauth_env(
    sim: Any, duckdb_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[str]]:
    """OAuth 2.0 (3LO) against the simulator's auth server, consent granted up front.

    Strict rotation (no reuse interval: replaying a rotated refresh token revokes the consent)
    and 4-second access tokens, so refreshes happen in many tasks and threads and each must
    pick up the pair the previous one stored. Yields the secrets that must not leak (client
    secret, the initial refresh token).
    """
    from dlt_atlassian.auth.authorize import DEFAULT_SCOPES

    _, refresh_token = sim.sim.oauth.grant(list(DEFAULT_SCOPES))
    assert refresh_token
    settings = {
        "CLIENT_ID": OAUTH_CLIENT_ID,
        "CLIENT_SECRET": OAUTH_CLIENT_SECRET,
        "REFRESH_TOKEN": refresh_token,
        "SITE_URL": sim.base_url,
        "AUTH_BASE_URL": sim.base_url,
        "API_BASE_URL": sim.base_url,
    }
    for name, value in settings.items():
        monkeypatch.setenv(f"SOURCES__ATLASSIAN__CREDENTIALS__{name}", value)
    monkeypatch.setattr(sim.sim.config.oauth, "reuse_interval", 0)
    monkeypatch.setattr(sim.sim.config.oauth, "access_token_ttl", 4)
    yield [OAUTH_CLIENT_SECRET, refresh_token]


class Warehouse:
    """The DuckDB file a test loads into, read back for assertions."""

    def __init__(self, path: Path, sim: Any) -> None:
        self.path = path
        self.sim = sim

    def ids(self, dataset: str, table: str, column: str = "id") -> set[str]:
        """The ``column`` values of ``dataset.table`` as strings."""
        import duckdb

        with duckdb.connect(str(self.path), read_only=True) as con:
            sql = f'SELECT CAST("{column}" AS VARCHAR) FROM "{dataset}"."{table}"'
            return {r[0] for r in con.execute(sql).fetchall()}

    def column(self, dataset: str, table: str, column: str, by: str) -> dict[str, Any]:
        """``{by: column}`` over ``dataset.table`` (``by`` cast to text)."""
        import duckdb

        with duckdb.connect(str(self.path), read_only=True) as con:
            sql = f'SELECT CAST("{by}" AS VARCHAR), "{column}" FROM "{dataset}"."{table}"'
            return dict(con.execute(sql).fetchall())

    def row_counts(self, dataset: str) -> dict[str, int]:
        """Rows per data table of ``dataset`` (dlt's own ``_dlt_*`` tables left out)."""
        import duckdb

        with duckdb.connect(str(self.path), read_only=True) as con:
            names = [
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                    [dataset],
                ).fetchall()
                if not r[0].startswith("_dlt")
            ]
            counts = {}
            for name in names:
                row = con.execute(f'SELECT count(*) FROM "{dataset}"."{name}"').fetchone()
                counts[name] = int(row[0]) if row else 0
            return counts

    def assert_absent(self, secrets: list[str]) -> None:
        """No text column of any table holds any of ``secrets`` (dlt state included)."""
        import duckdb
        from dlt.common.versioned_state import decompress_state

        with duckdb.connect(str(self.path), read_only=True) as con:
            columns = con.execute(
                "SELECT table_schema, table_name, column_name FROM information_schema.columns"
                " WHERE data_type IN ('VARCHAR', 'JSON')"
            ).fetchall()
            assert columns
            for schema, table, column in columns:
                values = con.execute(f'SELECT "{column}" FROM "{schema}"."{table}"').fetchall()
                for (value,) in values:
                    text = str(value)
                    if table == "_dlt_pipeline_state" and column == "state":
                        text = str(decompress_state(value))
                    for secret in secrets:
                        assert secret not in text, f"a secret leaked into {schema}.{table}"

    def assert_matches_simulator(self, dataset: str = "atlassian") -> None:
        """The loaded tables agree with the simulator's own truth (ids, no hard-coded counts)."""
        jira, confluence = self.sim.sim.jira, self.sim.sim.confluence
        assert self.ids(dataset, "issues") == set(jira.issue_ids())
        assert self.ids(dataset, "projects") == {str(p["id"]) for p in jira.projects()}
        assert self.ids(dataset, "spaces") == {str(s["id"]) for s in confluence.all_spaces()}
        current = {str(p["id"]) for p in confluence.all_pages(statuses=["current"])}
        assert current and current <= self.ids(dataset, "pages")

    def assert_models_built(self, dataset: str = "atlassian") -> None:
        """The analytics models ran after the load (one per product checked)."""
        counts = self.row_counts(dataset)
        assert counts.get("jira_issue_enhanced", 0) > 0, sorted(counts)
        assert counts.get("confluence_space_summary", 0) > 0, sorted(counts)


@pytest.fixture()
def warehouse(duckdb_path: Path, sim: Any) -> Warehouse:
    return Warehouse(duckdb_path, sim)
