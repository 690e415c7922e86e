"""Helpers for the model tests: destinations (DuckDB, Postgres), pipelines, table reads."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dlt
import pytest

PG_ENV = "DLT_ATLASSIAN_TEST_POSTGRES"


def postgres_dsn() -> str:
    """The test Postgres DSN (with a password: dlt requires one, trust auth ignores it).

    Skips the test when the server is absent outside CI; fails under ``CI=true``.
    """
    dsn = os.environ.get(PG_ENV)
    if not dsn:
        reason = f"{PG_ENV} is not set: run the tests through scripts/with_postgres.sh"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    parts = urlsplit(dsn)
    if parts.password is None and parts.username:
        netloc = f"{parts.username}:unused@{parts.hostname}:{parts.port or 5432}"
        dsn = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return dsn


def make_pipeline(kind: str, tmp_path: Path, prefix: str = "models") -> dlt.Pipeline:
    """A pipeline into DuckDB (a file under ``tmp_path``) or Postgres (a fresh dataset)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    if kind == "duckdb":
        destination: Any = dlt.destinations.duckdb(str(tmp_path / f"{name}_db.duckdb"))
    else:
        destination = dlt.destinations.postgres(postgres_dsn())
    return dlt.pipeline(pipeline_name=name, destination=destination,
                        pipelines_dir=str(tmp_path / "pipelines"), dataset_name=name)


def drop_dataset(pipeline: dlt.Pipeline) -> None:
    """Remove a Postgres test dataset (DuckDB files go with tmp_path)."""
    if pipeline.destination.destination_type.endswith("postgres"):
        with pipeline.sql_client() as client:
            client.execute_sql(f"DROP SCHEMA IF EXISTS {client.fully_qualified_dataset_name()} "
                               "CASCADE")


def table(pipeline: dlt.Pipeline, name: str, order: str | None = None) -> list[dict[str, Any]]:
    """Every row of a table in the pipeline's dataset, as dicts."""
    with pipeline.sql_client() as client:
        qualified = client.make_qualified_table_name(name)
        with client.execute_query(f"SELECT * FROM {qualified}"
                                  + (f" ORDER BY {order}" if order else "")) as cursor:
            columns = [c[0] for c in cursor.description]
            return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def execute(pipeline: dlt.Pipeline, sql: str) -> None:
    """Run one statement; ``{name}`` placeholders become qualified table names."""
    with pipeline.sql_client() as client:
        client.execute_sql(sql.format_map(_Qualifier(client)))


class _Qualifier(dict[str, str]):
    def __init__(self, client: Any) -> None:
        super().__init__()
        self.client = client

    def __missing__(self, key: str) -> str:
        return str(self.client.make_qualified_table_name(key))


def close(a: float | None, b: float | None, tol: float = 0.01) -> bool:
    """Equal within ``tol`` (both None counts as equal)."""
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) <= tol
