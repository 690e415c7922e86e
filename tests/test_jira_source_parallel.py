"""The many small reference and agile requests overlap instead of running one at a time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import build_sim_config
from dlt_atlassian import jira_source
from dlt_atlassian.simulator.requestlog import LoggedRequest
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import basic_credentials, make_pipeline, rows, table_ids

FAN_OUT = {
    "GET /rest/api/3/project/{projectIdOrKey}/components",
    "GET /rest/api/3/project/{projectIdOrKey}/version",
    "GET /rest/agile/1.0/board/{boardId}/sprint",
    "GET /rest/agile/1.0/sprint/{sprintId}/issue",
}


def most_at_once(entries: list[LoggedRequest]) -> int:
    """The most requests the simulator was serving at the same moment (from their intervals)."""
    events = []
    for e in entries:
        events.append((e.at - e.duration_ms / 1000, 1))
        events.append((e.at, -1))
    peak = busy = 0
    for _, step in sorted(events):  # an end sorts before a start at the same instant
        busy += step
        peak = max(peak, busy)
    return peak


def test_reference_and_agile_requests_overlap(
    make_simulator: Callable[..., SimulatorServer], tmp_path: Path
) -> None:
    # 60 ms per request: serial requests can never overlap, parallel ones always do.
    server = make_simulator(build_sim_config(latency={"fixed_ms": 60.0}))
    pipeline = make_pipeline(tmp_path)
    source = jira_source(credentials=basic_credentials(server), parallelism=4)
    tables = ("projects", "project_components", "project_versions", "boards", "sprints",
              "sprint_issues")
    pipeline.run(source.with_resources(*tables))

    entries = server.sim.requests.entries()
    for endpoint in FAN_OUT:
        served = [e for e in entries if e.endpoint == endpoint]
        assert len(served) >= 2, endpoint
        assert most_at_once(served) > 1, f"{endpoint} ran one request at a time"

    truth = server.sim.jira.truth
    assert table_ids(pipeline, "project_components") == {
        c for p in truth.projects() for c in p["components"]}
    assert table_ids(pipeline, "project_versions") == {
        v for p in truth.projects() for v in p["versions"]}
    sprints = rows(pipeline, "SELECT id FROM sprints")
    assert len(sprints) == len({s for (s,) in sprints})  # shared sprints loaded once
    assert {s for (s,) in sprints} == {str(s["id"]) for s in truth.sprints()}
    membership = {(str(s), i) for s, ids in truth.sprint_membership().items() for i in ids}
    assert set(rows(pipeline, "SELECT sprint_id, issue_id FROM sprint_issues")) == membership
