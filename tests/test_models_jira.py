"""The Jira models on DuckDB and Postgres equal values computed in Python from the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dlt
import pytest

import models_reference as ref
from conftest import build_sim_config
from dlt_atlassian import jira_source
from dlt_atlassian.models import run_models
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import basic_credentials
from models_fixtures import close, drop_dataset, make_pipeline, table

DAY = 86400


def _mutate(server: SimulatorServer) -> None:
    """Reopen done issues, answer one as someone else, create one: edge cases for the models."""
    jira, clock = server.sim.jira, server.sim.clock
    issues = jira.truth.issues()
    done = [i for i in issues if i["fields"]["status"]["statusCategory"]["key"] == "done"]
    assert len(done) >= 2, "the simulator's data should hold resolved issues"
    clock.advance(DAY)
    jira.update_issue(done[0]["key"], {"status": "In Progress"})
    clock.advance(2 * DAY)
    jira.update_issue(done[0]["key"], {"status": "Done"})
    clock.advance(DAY)
    jira.update_issue(done[1]["key"], {"status": "To Do"})
    reporter = issues[2]["fields"]["reporter"]["accountId"]
    other = next(u["accountId"] for u in jira.truth.users()
                 if u["accountId"] != reporter and u.get("accountType") == "atlassian")
    clock.advance(3600)
    jira.add_comment(issues[2]["key"], "answered by someone else", actor=other)
    jira.create_issue(issues[0]["fields"]["project"]["key"], "brand new")


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(build_sim_config()) as srv:
        _mutate(srv)
        yield srv


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request: pytest.FixtureRequest, server: SimulatorServer,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dlt.Pipeline, datetime]]:
    pipeline = make_pipeline(request.param, tmp_path_factory.mktemp(request.param), "jira_m")
    pipeline.run(jira_source(credentials=basic_credentials(server)))
    as_of = server.sim.clock.now()
    counts = run_models(pipeline, as_of=as_of)
    assert set(counts) >= {"jira_issue_enhanced", "jira_issue_status_history",
                           "jira_daily_issue_field_history", "jira_sprint_summary",
                           "jira_project_summary"}
    yield pipeline, as_of
    drop_dataset(pipeline)


@pytest.fixture(scope="module")
def truth(server: SimulatorServer) -> ref.Jira:
    return ref.from_simulator(server)


def test_status_history(built: tuple[dlt.Pipeline, datetime], truth: ref.Jira) -> None:
    pipeline, as_of = built
    expected = ref.stays(truth, as_of)
    rows = table(pipeline, "jira_issue_status_history", "issue_id, stay_index")
    assert len(rows) == sum(len(v) for v in expected.values())
    by_issue: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_issue.setdefault(row["issue_id"], []).append(row)
    assert set(by_issue) == set(expected)
    for issue_id, stays in expected.items():
        got = by_issue[issue_id]
        assert [r["status_id"] for r in got] == [s["status_id"] for s in stays], issue_id
        assert [r["entered_at"] for r in got] == [s["entered_at"] for s in stays]
        assert [r["left_at"] for r in got] == [s["left_at"] for s in stays]
        assert [r["status_category"] for r in got] == [s["category"] for s in stays]
        assert all(close(r["duration_seconds"], s["duration"]) for r, s in zip(got, stays,
                                                                                strict=True))
        assert [bool(r["is_current"]) for r in got] == [False] * (len(got) - 1) + [True]


def test_issue_enhanced(built: tuple[dlt.Pipeline, datetime], truth: ref.Jira,
                        server: SimulatorServer) -> None:
    pipeline, as_of = built
    expected = ref.enhanced(truth, as_of)
    rows = {r["issue_id"]: r for r in table(pipeline, "jira_issue_enhanced")}
    assert set(rows) == set(expected)
    for issue_id, want in expected.items():
        got = rows[issue_id]
        for column in ("time_to_first_response_seconds", "time_to_resolution_seconds",
                       "current_status_age_seconds", "cycle_time_seconds", "story_points"):
            assert close(got[column], want[column]), (issue_id, column, got[column], want[column])
        for column in ("first_response_at", "reopen_count", "status_changed_at", "done_at",
                       "current_sprint_name", "sprint_names", "status_category"):
            assert got[column] == want[column], (issue_id, column, got[column], want[column])
    assert sum(r["reopen_count"] for r in rows.values()) >= 2  # the mutations are counted
    # readable names equal the API's
    projects = {p["id"]: p["name"] for p in server.sim.jira.truth.projects()}
    for body in server.sim.jira.truth.issues():
        got, f = rows[str(body["id"])], body["fields"]
        assert got["project_name"] == projects[f["project"]["id"]]
        assert got["status_name"] == f["status"]["name"]
        assert got["issue_type"] == f["issuetype"]["name"]
        assert got["priority"] == f["priority"]["name"]
        assert got["assignee_name"] == (f.get("assignee") or {}).get("displayName")
        assert got["reporter_name"] == (f.get("reporter") or {}).get("displayName")
        assert got["resolution"] == (f.get("resolution") or {}).get("name")
        assert got["components"] == (", ".join(c["name"] for c in f["components"]) or None)
        assert got["fix_versions"] == (", ".join(v["name"] for v in f["fixVersions"]) or None)
        assert got["labels"] == (", ".join(f["labels"]) or None)
        team = f.get("customfield_10030")
        assert got["team"] == (team["value"] if team else None)  # custom field by name


def test_daily_field_history(built: tuple[dlt.Pipeline, datetime], truth: ref.Jira) -> None:
    pipeline, as_of = built
    rows = table(pipeline, "jira_daily_issue_field_history")
    got = {(r["date_day"], r["issue_id"], r["status"], r["assignee"], r["sprint"],
            None if r["story_points"] is None else float(r["story_points"]), r["priority"])
           for r in rows}
    assert len(got) == len(rows)  # one row per issue per day
    expected = ref.daily(truth, as_of)
    assert got == expected, (sorted(got - expected)[:3], sorted(expected - got)[:3])


def test_sprint_summary(built: tuple[dlt.Pipeline, datetime], truth: ref.Jira) -> None:
    pipeline, as_of = built
    expected = ref.sprint_summary(truth, as_of)
    rows = {r["sprint_id"]: r for r in table(pipeline, "jira_sprint_summary")}
    assert set(rows) == set(expected)
    for sprint_id, want in expected.items():
        for column, value in want.items():
            assert close(rows[sprint_id][column], value), (sprint_id, column)
    assert any(r["committed_issues"] for r in rows.values())


def test_project_summary(built: tuple[dlt.Pipeline, datetime], truth: ref.Jira) -> None:
    pipeline, as_of = built
    expected = ref.project_summary(truth, as_of)
    rows = {r["project_key"]: r for r in table(pipeline, "jira_project_summary")}
    assert set(rows) == set(expected)
    for project, want in expected.items():
        for column, value in want.items():
            assert close(rows[project][column], value, 1e-6), (project, column)
    weekly = {(r["project_key"], r["week_start"]): r["resolved_issues"]
              for r in table(pipeline, "jira_project_weekly_throughput")}
    assert weekly == ref.weekly_throughput(truth, as_of)


def test_fields_named_by_name(server: SimulatorServer, truth: ref.Jira, tmp_path: Path) -> None:
    """With ``custom_field_names="name"`` the Sprint and story points columns are found too."""
    pipeline = make_pipeline("duckdb", tmp_path, "by_name")
    pipeline.run(jira_source(credentials=basic_credentials(server), custom_field_names="name"))
    as_of = server.sim.clock.now()
    run_models(pipeline, as_of=as_of)
    expected = ref.enhanced(truth, as_of)
    rows = {r["issue_id"]: r for r in table(pipeline, "jira_issue_enhanced")}
    for issue_id, want in expected.items():
        assert close(rows[issue_id]["story_points"], want["story_points"])
        assert rows[issue_id]["sprint_names"] == want["sprint_names"]
    assert any(r["sprint_names"] for r in rows.values())
    daily = {(r["date_day"], r["issue_id"], r["status"], r["assignee"], r["sprint"],
              r["story_points"], r["priority"])
             for r in table(pipeline, "jira_daily_issue_field_history")}
    assert daily == ref.daily(truth, as_of)
