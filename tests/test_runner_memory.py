"""The runner's memory and CPU settings reach dlt and DuckDB, and a user's own config wins.

Checked where they take effect: DuckDB's own ``current_setting('memory_limit')`` on the
pipeline's destination after a real run against the simulator, and the bytes of the files dlt
writes (extract files uncompressed, load files still compressed).
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from dlt_atlassian import runner
from dlt_atlassian.simulator.server import SimulatorServer

GZIP_MAGIC = b"\x1f\x8b"


def duckdb_renders(limit: str) -> str:
    """How DuckDB itself shows ``memory_limit = limit`` (e.g. ``244.1 MiB``)."""
    with duckdb.connect(":memory:", config={"memory_limit": limit}) as con:
        row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def destination_memory_limit(pipeline: Any) -> str:
    with pipeline.sql_client() as client:
        rows = client.execute_sql("SELECT current_setting('memory_limit')")
    return str(rows[0][0])


@pytest.fixture
def site(simulator: SimulatorServer, monkeypatch: pytest.MonkeyPatch) -> SimulatorServer:
    monkeypatch.setenv("SOURCES__ATLASSIAN__CREDENTIALS__SITE_URL", simulator.base_url)
    monkeypatch.setenv("SOURCES__ATLASSIAN__CREDENTIALS__EMAIL", "admin@example.com")
    monkeypatch.setenv("SOURCES__ATLASSIAN__CREDENTIALS__API_TOKEN", "sim-api-token")
    monkeypatch.delenv("DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG", raising=False)
    return simulator


def options(tmp_path: Path, name: str) -> runner.RunOptions:
    return runner.RunOptions(
        products=["jira"],
        resources=["issues", "projects"],
        pipeline_name=name,
        pipelines_dir=str(tmp_path / "pipelines"),
        destination_credentials=str(tmp_path / f"{name}.duckdb"),
        progress="none",
        build_models=False,
    )


def test_run_caps_duckdb_memory(site: SimulatorServer, tmp_path: Path) -> None:
    pipeline, _ = runner.run(options(tmp_path, "capped"))
    assert destination_memory_limit(pipeline) == duckdb_renders(runner.DUCKDB_MEMORY_LIMIT)
    with pipeline.sql_client() as client:
        order = client.execute_sql("SELECT current_setting('preserve_insertion_order')")
        assert order[0][0] is False
        ids = {r[0] for r in client.execute_sql("SELECT id FROM issues")}
    assert ids == set(site.sim.jira.issue_ids())


def test_users_duckdb_config_wins(
    site: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESTINATION__DUCKDB__CREDENTIALS__GLOBAL_CONFIG", '{"memory_limit": "2GB"}')
    pipeline, _ = runner.run(options(tmp_path, "own_limit"))
    assert destination_memory_limit(pipeline) == duckdb_renders("2GB")
    assert duckdb_renders("2GB") != duckdb_renders(runner.DUCKDB_MEMORY_LIMIT)


def _first_bytes(pattern: str) -> bytes:
    paths = glob.glob(pattern)
    assert paths, pattern
    with open(paths[0], "rb") as fh:
        return fh.read(2)


def _extract_then_normalize(tmp_path: Path) -> tuple[bytes, bytes]:
    """Magic bytes of a jsonl extract file and of the jsonl load file normalize makes of it."""
    runner.install_defaults()
    pipeline = dlt.pipeline(
        "files", pipelines_dir=str(tmp_path), dataset_name="ds",
        destination=dlt.destinations.duckdb(str(tmp_path / "files.duckdb")),
    )
    pipeline.extract([{"n": i} for i in range(10)], table_name="t", loader_file_format="jsonl")
    extracted = _first_bytes(f"{tmp_path}/files/normalize/extracted/*/new_jobs/t.*")
    pipeline.normalize()
    normalized = _first_bytes(f"{tmp_path}/files/load/normalized/*/new_jobs/t.*")
    return extracted, normalized


def test_extract_files_skip_gzip_but_load_files_keep_it(tmp_path: Path) -> None:
    extracted, normalized = _extract_then_normalize(tmp_path)
    assert extracted != GZIP_MAGIC
    assert normalized == GZIP_MAGIC  # uploaded to other destinations: stays compressed


def test_users_writer_config_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_WRITER__DISABLE_COMPRESSION", "false")
    extracted, _ = _extract_then_normalize(tmp_path)
    assert extracted == GZIP_MAGIC


def test_defaults_are_registered_once() -> None:
    runner.install_defaults()
    runner.install_defaults()
    names = [p.name for p in dlt.config.config_providers]
    assert names.count("dlt-atlassian defaults") == 1
    assert names[-1] == "dlt-atlassian defaults"  # last: every other config source wins
