"""The Confluence models on DuckDB and Postgres equal values computed from the simulator."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import dlt
import pytest

from confluence_source_fixtures import basic_credentials
from conftest import build_sim_config
from dlt_atlassian import confluence_source
from dlt_atlassian.models import ModelOptions, run_models
from dlt_atlassian.simulator.server import SimulatorServer
from models_fixtures import drop_dataset, make_pipeline, table
from models_reference import ts

STALE_DAYS = 120


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(build_sim_config()) as srv:
        conf = srv.sim.confluence
        pages = conf.all_pages(["current"])
        srv.sim.clock.advance(3600)
        conf.edit(pages[0]["id"], title="edited by the model test")
        conf.edit(pages[0]["id"], title="edited again")
        yield srv


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request: pytest.FixtureRequest, server: SimulatorServer,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dlt.Pipeline, datetime]]:
    pipeline = make_pipeline(request.param, tmp_path_factory.mktemp(request.param), "conf_m")
    pipeline.run(confluence_source(credentials=basic_credentials(server)))
    as_of = server.sim.clock.now()
    counts = run_models(pipeline, as_of=as_of, options=ModelOptions(stale_days=STALE_DAYS))
    assert set(counts) == {"confluence_page_activity", "confluence_space_summary"}
    yield pipeline, as_of
    drop_dataset(pipeline)


def _content(server: SimulatorServer) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in server.sim.confluence.all_content() if c["status"] != "draft"}


def test_page_activity(built: tuple[dlt.Pipeline, datetime], server: SimulatorServer) -> None:
    pipeline, _ = built
    expected: Counter[tuple[Any, ...]] = Counter()
    for content_id, content in _content(server).items():
        kind = "page" if "parentId" in content else "blogpost"
        for v in server.sim.confluence.versions_of(content_id):
            when = ts(v["createdAt"])
            assert when is not None
            expected[(when.date(), content_id, kind, content["spaceId"], v["authorId"])] += 1
    got = {(r["date_day"], r["content_id"], r["content_type"], r["space_id"], r["author_id"]):
           r["edits"] for r in table(pipeline, "confluence_page_activity")}
    assert got == dict(expected)
    names = {r["author_name"] for r in table(pipeline, "confluence_page_activity")}
    assert None not in names or names == {None}


def test_space_summary(built: tuple[dlt.Pipeline, datetime], server: SimulatorServer) -> None:
    pipeline, as_of = built
    content = _content(server)
    rows = {r["space_id"]: r for r in table(pipeline, "confluence_space_summary")}
    spaces = server.sim.confluence.all_spaces()
    assert set(rows) == {s["id"] for s in spaces}
    for space in spaces:
        mine = [c for c in content.values() if c["spaceId"] == space["id"]]
        pages = [c for c in mine if "parentId" in c and c["status"] == "current"]
        authors = {v["authorId"] for c in mine
                   for v in server.sim.confluence.versions_of(c["id"])}
        last_edits = {c["id"]: ts(c["version"]["createdAt"]) for c in mine}
        stale = [c for c in pages if last_edits[c["id"]] < as_of - timedelta(days=STALE_DAYS)]
        row = rows[space["id"]]
        assert row["space_key"] == space["key"]
        assert row["pages"] == len(pages)
        assert row["blog_posts"] == sum(1 for c in mine if "parentId" not in c
                                        and c["status"] == "current")
        assert row["contributors"] == len(authors)
        assert row["stale_pages"] == len(stale)
        assert row["last_edit_at"] == (max(last_edits.values()) if last_edits else None)
    assert sum(r["stale_pages"] for r in rows.values()) > 0
    assert sum(r["edits_last_30_days"] for r in rows.values()) >= 2  # the test's own edits
