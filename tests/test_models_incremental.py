"""The daily field history is updated incrementally and ends equal to a full rebuild."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import models_reference as ref
from conftest import build_sim_config
from dlt_atlassian import jira_source
from dlt_atlassian.models import ModelOptions, run_models
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import basic_credentials
from models_fixtures import drop_dataset, execute, make_pipeline, table

DAY = 86400
NAME = "jira_daily_issue_field_history"


def _rows(pipeline: object) -> set[tuple[object, ...]]:
    return {(r["date_day"], r["issue_id"], r["status"], r["assignee"], r["sprint"],
             None if r["story_points"] is None else float(r["story_points"]), r["priority"])
            for r in table(pipeline, NAME)}  # type: ignore[arg-type]


def _source(server: SimulatorServer) -> object:
    source = jira_source(credentials=basic_credentials(server))
    return source.with_resources("issues", "issue_changelogs", "fields")


@pytest.mark.parametrize("kind", ["duckdb", "postgres"])
def test_incremental_daily_history(kind: str, tmp_path: Path) -> None:
    with SimulatorServer(build_sim_config()) as server:
        jira, clock = server.sim.jira, server.sim.clock
        pipeline = make_pipeline(kind, tmp_path, "daily")
        try:
            pipeline.run(_source(server))
            run_models(pipeline, models=[NAME], as_of=clock.now())
            assert _rows(pipeline) == ref.daily(ref.from_simulator(server), clock.now())

            keys = sorted(jira.truth.issue_keys().values())
            changed, untouched = keys[0], keys[-1]
            untouched_id = next(i for i, k in jira.truth.issue_keys().items() if k == untouched)
            # Tamper with one stored row of an issue that will not change: an incremental run
            # must leave it alone (it only appends that issue's new days).
            execute(pipeline, f"UPDATE {{{NAME}}} SET priority = 'tampered' "
                              f"WHERE issue_id = '{untouched_id}'")
            clock.advance(2 * DAY)
            jira.update_issue(changed, {"status": "In Progress", "priority": "Lowest"})
            clock.advance(DAY)
            jira.update_issue(changed, {"assignee": None})
            new_key = jira.create_issue(changed.split("-")[0], "created later")
            deleted = next(i for i, k in jira.truth.issue_keys().items() if k == keys[1])
            jira.delete_issue(keys[1])
            clock.advance(DAY)
            pipeline.run(_source(server))
            as_of = clock.now()
            run_models(pipeline, models=[NAME], as_of=as_of)

            expected = ref.daily(ref.from_simulator(server), as_of)
            got = _rows(pipeline)
            tampered = {r for r in got if r[1] == untouched_id and r[6] == "tampered"}
            old_days = {r for r in expected if r[1] == untouched_id
                        and r[0] <= (as_of - timedelta(days=4)).date()}
            assert tampered and len(tampered) == len(old_days)  # untouched rows were kept
            fixed = {r for r in got if r not in tampered}
            assert fixed == expected - {r for r in expected if (r[0], r[1]) in
                                        {(t[0], t[1]) for t in tampered}}
            new_id = next(i for i, k in jira.truth.issue_keys().items() if k == new_key)
            assert any(r[1] == new_id for r in got)
            assert not any(r[1] == deleted for r in got)

            run_models(pipeline, models=[NAME], as_of=as_of,
                       options=ModelOptions(full_refresh=True))
            assert _rows(pipeline) == expected
        finally:
            drop_dataset(pipeline)
