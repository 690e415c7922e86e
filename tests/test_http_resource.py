"""paginated_resource: any paginated endpoint as a dlt resource, loaded into DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dlt
import pytest

from dlt_atlassian.http import StartAtPaginator, paginated_resource
from http_fixtures import FakeClock, Logged, RunningServer, ScriptedServer, make_client

ROWS = [{"id": i, "name": f"dash-{i}"} for i in range(1, 38)]


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with RunningServer(ScriptedServer()) as app:
        yield app


def _dashboards(req: Logged) -> dict[str, object]:
    start, size = int(req.query["startAt"]), min(int(req.query["maxResults"]), 15)
    page = ROWS[start : start + size]
    return {
        "json": {
            "startAt": start,
            "maxResults": size,
            "total": len(ROWS),
            "isLast": start + size >= len(ROWS),
            "values": page,
        }
    }


def test_paginated_resource_loads_every_row_and_merges(
    server: ScriptedServer, tmp_path: Path
) -> None:
    server.handle("/rest/api/3/dashboard/search", _dashboards)
    client = make_client(server.base_url, FakeClock())
    resource = paginated_resource(
        client,
        "/rest/api/3/dashboard/search",
        paginator=StartAtPaginator(50),
        name="dashboards",
        primary_key="id",
        write_disposition="merge",
    )
    pipeline = dlt.pipeline(
        pipeline_name="http_resource_test",
        destination=dlt.destinations.duckdb(str(tmp_path / "out.duckdb")),
        dataset_name="jira_extra",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    for _ in range(2):  # merge twice: no duplicates
        pipeline.run(resource)
    with pipeline.sql_client() as sql:
        rows = sql.execute_sql("select id, name from dashboards order by id") or []
    assert [(int(r[0]), r[1]) for r in rows] == [(r["id"], r["name"]) for r in ROWS]
    pages_per_run = -(-len(ROWS) // 15)  # the server caps pages at 15
    assert len(server.requests_to("/rest/api/3/dashboard/search")) == 2 * pages_per_run
    client.close()
