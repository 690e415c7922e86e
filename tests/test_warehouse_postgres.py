"""The same simulated site loaded into DuckDB and into a real Postgres: equal, table by table.

Equal means: the same tables, the same primary keys in each, the same values in the key
columns, and the same column *kinds* (timestamps are timestamps, ADF and nested objects are
JSON) — so analysts can move between destinations without surprises.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from dlt_atlassian.combined import atlassian_source
from dlt_atlassian.credentials import AtlassianBasicCredentials
from dlt_atlassian.simulator.server import SimulatorServer
from models_fixtures import drop_dataset, make_pipeline, postgres_dsn

pytestmark = pytest.mark.postgres


def _credentials(server: SimulatorServer) -> AtlassianBasicCredentials:
    return AtlassianBasicCredentials(
        site_url=server.base_url, email="admin@example.com", api_token="sim-api-token"
    ).resolve()


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any, Any]]:
    postgres_dsn()  # skip (or fail under CI) before loading anything
    tmp = tmp_path_factory.mktemp("warehouse")
    from conftest import build_sim_config

    with SimulatorServer(build_sim_config()) as server:
        server.sim.freeze_clock()
        pipelines = []
        for kind in ("duckdb", "postgres"):
            pipeline = make_pipeline(kind, tmp / kind, prefix="wh")
            pipeline.run(atlassian_source(credentials=_credentials(server)))
            pipelines.append(pipeline)
        yield pipelines[0], pipelines[1], server
        drop_dataset(pipelines[1])


def _columns(pipeline: Any, table: str) -> dict[str, str]:
    """Column name -> the destination's own type name, from information_schema."""
    with pipeline.sql_client() as client:
        rows = client.execute_sql(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s",
            pipeline.dataset_name, table,
        )
    return {name: str(kind).lower() for name, kind in rows}


def _kind(type_name: str) -> str:
    if type_name.startswith("timestamp"):
        return "timestamp"
    if type_name in ("json", "jsonb"):
        return "json"
    if type_name in ("varchar", "text", "character varying"):
        return "text"
    if type_name in ("bigint", "integer", "smallint"):
        return "integer"
    if type_name in ("double", "double precision", "real", "float"):
        return "double"
    if type_name.startswith(("decimal", "numeric")):
        return "decimal"
    return type_name


def _rows(pipeline: Any, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    with pipeline.sql_client() as client:
        cols = ", ".join(client.escape_column_name(c) for c in columns)
        qualified = client.make_qualified_table_name(table)
        return [tuple(_normal(v) for v in row)
                for row in client.execute_sql(f"SELECT {cols} FROM {qualified}")]


def _normal(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), sort_keys=True)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def test_same_tables_and_rows(loads: tuple[Any, Any, Any]) -> None:
    duck, pg, _ = loads
    tables = sorted(duck.default_schema.data_table_names())
    assert tables == sorted(pg.default_schema.data_table_names())
    assert {"issues", "issue_changelogs", "pages", "spaces"} <= set(tables)
    for table in tables:
        schema_table = duck.default_schema.tables[table]
        keys = [c for c, spec in schema_table["columns"].items() if spec.get("primary_key")]
        key_cols = keys or ["_dlt_id"]
        duck_rows = _rows(duck, table, key_cols) if _columns(duck, table) else []
        pg_rows = _rows(pg, table, key_cols) if _columns(pg, table) else []
        assert sorted(map(repr, duck_rows)) == sorted(map(repr, pg_rows)) or not keys, table
        assert len(duck_rows) == len(pg_rows), table


def test_column_kinds_match(loads: tuple[Any, Any, Any]) -> None:
    duck, pg, _ = loads
    for table in sorted(duck.default_schema.data_table_names()):
        duck_cols, pg_cols = _columns(duck, table), _columns(pg, table)
        if not duck_cols:
            continue
        assert set(duck_cols) == set(pg_cols), table
        for column, declared in duck.default_schema.tables[table]["columns"].items():
            if column not in duck_cols:
                continue
            kinds = (_kind(duck_cols[column]), _kind(pg_cols[column]))
            assert kinds[0] == kinds[1], f"{table}.{column}: {kinds}"
            expected = {"timestamp": "timestamp", "json": "json"}.get(
                str(declared.get("data_type")))
            if expected:
                assert kinds[0] == expected, f"{table}.{column} should be {expected}: {kinds}"


def test_issue_values_match_on_key_fields(loads: tuple[Any, Any, Any]) -> None:
    duck, pg, _ = loads
    columns = ["id", "key", "project_key", "updated", "created", "status", "summary"]
    assert sorted(map(repr, _rows(duck, "issues", columns))) == sorted(
        map(repr, _rows(pg, "issues", columns)))
    timestamps = [r[3] for r in _rows(pg, "issues", columns)]
    assert all(isinstance(t, dt.datetime) for t in timestamps)


def test_incremental_run_keeps_them_equal(loads: tuple[Any, Any, Any]) -> None:
    duck, pg, server = loads
    jira = server.sim.jira
    keys = sorted(jira.issue_keys().values())
    jira.update_issue(keys[0], {"status": "Done"})
    jira.add_comment(keys[1], "second pass")
    jira.delete_issue(keys[2])
    server.sim.advance_clock(120)
    for pipeline in (duck, pg):
        pipeline.run(atlassian_source(credentials=_credentials(server),
                                      reconcile_deletes="always"))
    columns = ["id", "key", "updated", "status"]
    duck_issues = sorted(map(repr, _rows(duck, "issues", columns)))
    assert duck_issues == sorted(map(repr, _rows(pg, "issues", columns)))
    assert {r[0] for r in _rows(pg, "issues", ["id"])} == set(jira.issue_ids())
    for table in ("issue_comments", "issue_changelogs"):
        assert len(_rows(duck, table, ["id" if table == "issue_comments" else "history_id"])) \
            == len(_rows(pg, table, ["id" if table == "issue_comments" else "history_id"]))
