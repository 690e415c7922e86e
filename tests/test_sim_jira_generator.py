"""The Jira data generator: determinism, realistic shapes and internal consistency (no server)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import DataConfig, SimulatorConfig
from dlt_atlassian.simulator.jira import JiraSimulator
from dlt_atlassian.simulator.users import UserDirectory

DONE_STATUSES = {"Done", "Won't Fix"}


def make(**data: Any) -> JiraSimulator:
    config = SimulatorConfig(data=replace(DataConfig(jira_issues=60, jira_users=12), **data))
    return JiraSimulator(config, SimClock(), UserDirectory(config))


def parse(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z")


@pytest.fixture(scope="module")
def sim() -> JiraSimulator:
    return make()


def test_same_seed_same_data_and_other_seed_differs() -> None:
    a, b, c = make(), make(), make(seed=7)
    assert a.truth.issues() == b.truth.issues()
    assert [a.truth.changelog(k) for k in a.truth.issue_ids()] == [
        b.truth.changelog(k) for k in b.truth.issue_ids()]
    assert a.truth.issues() != c.truth.issues()


def test_timestamps_are_jira_formatted_and_inside_history(sim: JiraSimulator) -> None:
    data = sim.config.data
    start, end = data.base_time, data.base_time + timedelta(days=data.history_days)
    for issue in sim.truth.issues():
        f = issue["fields"]
        created, updated = parse(f["created"]), parse(f["updated"])
        assert f["created"].endswith("+0000") and len(f["created"]) == 28
        assert start <= created <= updated <= end
        for history in sim.truth.changelog(issue["key"]):
            assert created <= parse(history["created"]) <= updated
            assert 1 <= len(history["items"]) <= 3
        for comment in sim.truth.comments(issue["key"]):
            assert created <= parse(comment["created"]) <= parse(comment["updated"]) <= updated


def test_times_render_in_a_requested_zone(sim: JiraSimulator) -> None:
    key = sim.truth.issue_ids()[0]
    utc = sim.truth.issue(key)["fields"]["created"]
    sydney = sim.truth.issue(key, time_zone="Australia/Sydney")["fields"]["created"]
    assert sydney[-5:] in ("+1000", "+1100") and parse(sydney) == parse(utc)


def test_status_history_replays_into_current_fields(sim: JiraSimulator) -> None:
    for issue in sim.truth.issues():
        f, histories = issue["fields"], sim.truth.changelog(issue["key"])
        status_items = [i for h in histories for i in h["items"] if i["field"] == "status"]
        if status_items:
            assert status_items[-1]["toString"] == f["status"]["name"]
            assert status_items[0]["fromString"] == "To Do"
            for before, after in itertools.pairwise(status_items):
                assert before["to"] == after["from"]
        else:
            assert f["status"]["name"] == "To Do"
        assignees = [i for h in histories for i in h["items"] if i["field"] == "assignee"]
        if assignees:
            assert assignees[-1]["to"] == f["assignee"]["accountId"]
        priorities = [i for h in histories for i in h["items"] if i["field"] == "priority"]
        if priorities:
            assert priorities[-1]["to"] == f["priority"]["id"]
        sprints = [i for h in histories for i in h["items"] if i["field"] == "Sprint"]
        assert len(sprints) <= 2
        for before, after in itertools.pairwise(sprints):
            assert before["to"] == after["from"]
        if len(sprints) == len(f["customfield_10020"] or []) and sprints:
            assert sprints[-1]["to"] == ", ".join(str(s["id"]) for s in f["customfield_10020"])
        done = f["status"]["name"] in DONE_STATUSES
        assert (f["resolution"] is not None) == done == (f["resolutiondate"] is not None)
        assert f["status"]["statusCategory"]["key"] in ("new", "indeterminate", "done")


def test_big_changelog_and_comment_issues_exist() -> None:
    sim = make(big_changelog_issues=2, big_comment_issues=1)
    counts = {k: (len(sim.truth.changelog(k)), len(sim.truth.comments(k)))
              for k in sim.truth.issue_ids()}
    assert sum(1 for h, _ in counts.values() if h == 300) == 2
    assert sum(1 for _, c in counts.values() if c == 150) == 1
    assert sum(h for h, _ in counts.values() if h != 300) > 0


def test_shapes_links_subtasks_sprints_and_custom_fields(sim: JiraSimulator) -> None:
    issues = {i["id"]: i for i in sim.truth.issues()}
    keys = {i["key"]: i for i in issues.values()}
    kinds = {i["fields"]["issuetype"]["name"] for i in issues.values()}
    assert {"Story", "Task", "Bug", "Sub-task"} <= kinds
    for issue in issues.values():
        f = issue["fields"]
        for link in f["issuelinks"]:
            other = keys[(link.get("outwardIssue") or link.get("inwardIssue"))["key"]]
            mirror = [x for x in other["fields"]["issuelinks"] if x["id"] == link["id"]]
            assert len(mirror) == 1
            assert ("outwardIssue" in link) != ("outwardIssue" in mirror[0])
        if f["issuetype"]["subtask"]:
            parent = keys[f["parent"]["key"]]
            assert issue["key"] in [s["key"] for s in parent["fields"]["subtasks"]]
            assert parent["fields"]["project"]["id"] == f["project"]["id"]
        assert f["project"]["key"] == issue["key"].split("-")[0]
    projects = {i["fields"]["project"]["key"] for i in issues.values()}
    sizes = sorted(sum(1 for i in issues.values() if i["fields"]["project"]["key"] == p)
                   for p in projects)
    assert len(projects) == sim.config.data.jira_projects and sizes[0] < sizes[-1]
    membership = sim.truth.sprint_membership()
    in_sprints = [i for ids in membership.values() for i in ids]
    assert in_sprints
    for sprint_id, ids in membership.items():
        for iid in ids:
            assert sprint_id in [s["id"] for s in issues[iid]["fields"]["customfield_10020"]]
    carried = [i for i in issues.values() if len(i["fields"]["customfield_10020"] or []) == 2]
    assert carried, "some unfinished issues roll over into the next sprint"
    for issue in carried:
        first, second = issue["fields"]["customfield_10020"]
        assert first["state"] == "closed" and second["boardId"] == first["boardId"]
    values = [i["fields"]["customfield_10016"] for i in issues.values()]
    assert any(isinstance(v, float) for v in values) and None in values
    docs = [i["fields"]["description"] for i in issues.values() if i["fields"]["description"]]
    node_types = {n["type"] for d in docs for n in d["content"]}
    assert {"paragraph", "codeBlock"} <= node_types
    assert {"bulletList", "orderedList"} & node_types
    assert any(n["type"] == "mention" for d in docs for p in d["content"]
               for n in p.get("content", []))


def test_lazy_generation_keeps_only_an_index() -> None:
    sim = make(jira_issues=5000)
    assert sim.stats()["issues"] == 5000
    assert len(sim.store._cache) == 0  # nothing materialized until asked for
    sim.truth.issue(sim.truth.issue_ids()[4321])
    assert len(sim.store._cache) >= 1


def test_users_include_inactive_and_app_accounts(sim: JiraSimulator) -> None:
    kinds = {(u["accountType"], u["active"]) for u in sim.truth.users()}
    assert ("app", True) in kinds and ("atlassian", True) in kinds
    assert datetime.now(UTC) > sim.config.data.base_time
