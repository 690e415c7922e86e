"""Incremental runs of the Jira source: only changes are fetched, deletions reach every table,
and no update is missed whatever the account's time zone, within a minute or across DST."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dlt_atlassian import jira_source
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import assert_matches_truth, basic_credentials, make_pipeline, rows

ISSUE_TABLES = ("issues", "issue_changelogs", "issue_comments", "issue_worklogs")


def _updated(server: SimulatorServer) -> dict[str, str]:
    return {i["id"]: i["fields"]["updated"] for i in server.sim.jira.truth.issues()}


def _last_load_ids(pipeline: object, table: str = "issues") -> set[str]:
    sql = (f"SELECT id FROM {table} WHERE _dlt_load_id = "
           f"(SELECT MAX(_dlt_load_id) FROM {table})")
    return {r[0] for r in rows(pipeline, sql)}  # type: ignore[arg-type]


def test_next_run_loads_only_what_changed(fresh_simulator: SimulatorServer,
                                          tmp_path: Path) -> None:
    server = fresh_simulator
    jira = server.sim.jira
    pipeline = make_pipeline(tmp_path)
    creds = basic_credentials(server)
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    assert_matches_truth(pipeline, server)

    truth = jira.truth
    keys = truth.issue_keys()
    biggest = max(keys.values(), key=lambda k: len(truth.comments(k)))
    plain = [k for i, k in sorted(keys.items(), key=lambda kv: int(kv[0])) if k != biggest]
    with_comments = [k for k in plain if truth.comments(k)]
    with_worklogs = [k for k in plain if truth.worklogs(k)]
    projects = sorted(p["key"] for p in truth.projects())
    before = _updated(server)
    server.sim.clock.advance(60)

    jira.update_issue(plain[0], {"summary": "changed by the test"})
    new_key = jira.create_issue(projects[0], "created by the test")
    deleted_id = str(jira.delete_issue(plain[1]))
    moved = plain[2]
    target = next(p for p in projects if not moved.startswith(p + "-"))
    jira.move_issue(moved, target)
    jira.add_comment(plain[3], "a new comment")
    jira.delete_comment(int(truth.comments(with_comments[-1])[0]["id"]))
    jira.add_worklog(plain[4], 600)
    jira.delete_worklog(int(truth.worklogs(with_worklogs[-1])[0]["id"]))
    after = _updated(server)
    changed = {i for i, u in after.items() if before.get(i) != u}
    assert new_key and deleted_id not in after

    # Jira's worklog feeds leave out the last minute (consistency); let it pass.
    server.sim.clock.advance(61)
    server.sim.requests.reset()
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    assert_matches_truth(pipeline, server)
    assert _last_load_ids(pipeline) == changed  # nothing else was written again
    counts = server.sim.requests.counts()
    # Only changed issues with more histories than the search embeds need a bulkfetch.
    cap = server.sim.config.caps.changelog_expand_cap
    long_ones = [i for i in changed if len(truth.changelog(truth.issue_keys()[i])) > cap]
    assert counts.get("POST /rest/api/3/changelog/bulkfetch", 0) == (1 if long_ones else 0)
    assert counts.get("POST /rest/api/3/search/jql") == 2  # changes + the deletion check
    assert counts.get("GET /rest/api/3/issue/{issueIdOrKey}/comment", 0) == 0
    assert counts.get("POST /rest/api/3/worklog/list") == 1

    # and a run with nothing new fetches no issue children at all
    server.sim.requests.reset()
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    counts = server.sim.requests.counts()
    assert "POST /rest/api/3/changelog/bulkfetch" not in counts
    assert_matches_truth(pipeline, server)


ZONES = ["Pacific/Kiritimati", "Australia/Sydney", "UTC", "America/Los_Angeles"]
# An instant just before a DST switch in Sydney (clocks back) and Los Angeles (forward).
DST_EDGES = {
    "Australia/Sydney": datetime(2026, 4, 4, 15, 59, 30, tzinfo=UTC),
    "America/Los_Angeles": datetime(2026, 3, 8, 9, 59, 30, tzinfo=UTC),
}


@pytest.mark.parametrize("zone", ZONES)
def test_no_missed_updates_in_any_time_zone(
    zone: str, make_simulator: Callable[..., SimulatorServer], tmp_path: Path
) -> None:
    server = make_simulator()
    jira = server.sim.jira
    server.sim.users.set_time_zone(server.sim.users.admin.account_id, zone)
    server.sim.clock.set(DST_EDGES.get(zone, datetime(2026, 3, 8, 9, 59, 30, tzinfo=UTC)))
    pipeline = make_pipeline(tmp_path)
    creds = basic_credentials(server)
    tables = ("issues", "issue_changelogs")
    pipeline.run(jira_source(credentials=creds).with_resources(*tables))
    keys = sorted(jira.truth.issue_keys().values())

    # a change in the same minute as the run that just finished
    server.sim.clock.advance(5)
    jira.update_issue(keys[0], {"summary": f"same minute in {zone}"})
    pipeline.run(jira_source(credentials=creds).with_resources(*tables))
    summaries = dict(rows(pipeline, "SELECT key, summary FROM issues"))
    assert summaries[keys[0]] == f"same minute in {zone}"
    # and one after the clocks changed (the previous run was before the switch)
    server.sim.clock.advance(60)
    jira.update_issue(keys[1], {"summary": f"after DST in {zone}"})
    jira.update_issue(keys[0], {"summary": f"again in {zone}"})
    pipeline.run(jira_source(credentials=creds).with_resources(*tables))

    summaries = dict(rows(pipeline, "SELECT key, summary FROM issues"))
    assert summaries[keys[0]] == f"again in {zone}"
    assert summaries[keys[1]] == f"after DST in {zone}"
    loaded = dict(rows(pipeline, "SELECT id, CAST(updated AS VARCHAR) FROM issues"))
    for issue in jira.truth.issues():
        stamp = datetime.strptime(issue["fields"]["updated"], "%Y-%m-%dT%H:%M:%S.%f%z")
        assert datetime.fromisoformat(loaded[issue["id"]]) == stamp  # stored in UTC, exact


def test_issue_whose_comments_all_vanish(fresh_simulator: SimulatorServer,
                                         tmp_path: Path) -> None:
    """The tombstone of an issue left without comments really deletes (dlt hard_delete)."""
    server = fresh_simulator
    jira = server.sim.jira
    pipeline = make_pipeline(tmp_path)
    creds = basic_credentials(server)
    pipeline.run(jira_source(credentials=creds).with_resources("issue_comments"))
    keys = jira.truth.issue_keys()
    issue_id, key = next((i, k) for i, k in keys.items() if 0 < len(jira.truth.comments(k)) < 5)
    count = f"SELECT COUNT(*) FROM issue_comments WHERE issue_id = '{issue_id}'"
    assert rows(pipeline, count)[0][0]
    for comment in jira.truth.comments(key):
        jira.delete_comment(int(comment["id"]))
    pipeline.run(jira_source(credentials=creds).with_resources("issue_comments"))
    assert not rows(pipeline, f"SELECT * FROM issue_comments WHERE issue_id = '{issue_id}'")
    from jira_source_fixtures import truth_comment_keys

    assert set(rows(pipeline, "SELECT id, issue_id FROM issue_comments")) == (
        truth_comment_keys(server))


def test_deleted_issue_leaves_closed_sprint(fresh_simulator: SimulatorServer,
                                            tmp_path: Path) -> None:
    server = fresh_simulator
    jira = server.sim.jira
    pipeline = make_pipeline(tmp_path)
    creds = basic_credentials(server)
    tables = ("issues", "sprint_issues")
    pipeline.run(jira_source(credentials=creds).with_resources(*tables))
    states = {str(s["id"]): s["state"] for s in jira.truth.sprints()}
    membership = jira.truth.sprint_membership()
    _sprint, members = next((s, m) for s, m in membership.items()
                           if m and states[str(s)] == "closed")
    jira.delete_issue(members[0])

    server.sim.requests.reset()
    pipeline.run(jira_source(credentials=creds).with_resources(*tables))
    expected = {(str(s), i) for s, ids in jira.truth.sprint_membership().items() for i in ids}
    assert set(rows(pipeline, "SELECT sprint_id, issue_id FROM sprint_issues")) == expected
    open_sprints = [s for s, state in states.items() if state != "closed"]
    # open sprints every run, plus only the closed sprint that lost an issue
    assert server.sim.requests.counts()["GET /rest/agile/1.0/sprint/{sprintId}/issue"] == (
        len(open_sprints) + 1)


def test_adding_a_project_loads_it_completely(simulator: SimulatorServer,
                                              tmp_path: Path) -> None:
    truth = simulator.sim.jira.truth
    first, second = sorted(p["key"] for p in truth.projects())[:2]
    pipeline = make_pipeline(tmp_path)
    creds = basic_credentials(simulator)
    pipeline.run(jira_source(credentials=creds, projects=[first]).with_resources(*ISSUE_TABLES))
    pipeline.run(jira_source(credentials=creds, projects=[first, second]).with_resources(
        *ISSUE_TABLES))
    keys = truth.issue_keys()
    wanted = {i for i, k in keys.items() if k.split("-")[0] in (first, second)}
    assert {r[0] for r in rows(pipeline, "SELECT id FROM issues")} == wanted
    worklog_issues = {r[0] for r in rows(pipeline, "SELECT DISTINCT issue_id FROM issue_worklogs")}
    expected = {i for i in wanted if truth.worklogs(keys[i])}
    assert worklog_issues == expected


def test_large_incremental_is_sliced_and_exact(make_simulator: Callable[..., SimulatorServer],
                                               tmp_path: Path) -> None:
    """More changes than the read-ahead pages: the rest is searched in parallel slices."""
    from conftest import build_sim_config
    from dlt_atlassian.jira.search_plan import READ_AHEAD_PAGES
    from dlt_atlassian.jira.settings import SEARCH_PAGE_SIZE

    server = make_simulator(build_sim_config(data={"jira_issues": 700, "jira_projects": 2}))
    jira = server.sim.jira
    pipeline = make_pipeline(tmp_path)
    creds = basic_credentials(server)
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    keys = sorted(jira.truth.issue_keys().items(), key=lambda kv: int(kv[0]))
    changes = SEARCH_PAGE_SIZE * (READ_AHEAD_PAGES + 2) + 17
    server.sim.clock.advance(60)
    for n, (_, key) in enumerate(keys[:changes]):
        if n % 50 == 0:
            server.sim.clock.advance(7)  # spread the changes over time, many per instant
        jira.update_issue(key, {"summary": f"bulk change {n}"})
    server.sim.clock.advance(61)
    server.sim.requests.reset()
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    assert_matches_truth(pipeline, server)
    last = rows(pipeline, "SELECT id FROM issues WHERE _dlt_load_id = "
                          "(SELECT MAX(_dlt_load_id) FROM issues)")
    assert sorted(r[0] for r in last) == sorted(i for i, _ in keys[:changes])  # each once
    # read-ahead pages, one probe, then the slices (each at least one page); + deletion check
    searches = server.sim.requests.counts()["POST /rest/api/3/search/jql"]
    assert searches > READ_AHEAD_PAGES + 1 + 1
    # the next run starts after all of them: nothing is taken again
    server.sim.requests.reset()
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    assert_matches_truth(pipeline, server)
    assert "POST /rest/api/3/changelog/bulkfetch" not in server.sim.requests.counts()
