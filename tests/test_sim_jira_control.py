"""Mutations through Python and the /_sim/jira control API, seen through the REST API."""

from __future__ import annotations

from datetime import datetime

import httpx

from dlt_atlassian.simulator.server import SimulatorServer
from jira_sim_fixtures import client, search_all, validate


def parse(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_update_bumps_updated_and_writes_history(fresh_simulator: SimulatorServer) -> None:
    sim = fresh_simulator.sim
    jira = sim.jira
    key = jira.truth.issue_ids()[3]
    before = jira.truth.issue(key)
    history_count = len(jira.truth.changelog(key))
    new_assignee = sim.users.humans()[1].account_id
    jira.update_issue(key, {"summary": "Renamed", "status": "Done", "priority": "Highest",
                            "assignee": new_assignee, "labels": ["zeta", "alpha"],
                            "customfield_10016": 8.0})
    with client(fresh_simulator) as http:
        after = http.get(f"/rest/api/3/issue/{key}").json()
        validate("GET /rest/api/3/issue/{issueIdOrKey}", after)
        changelog = http.get(f"/rest/api/3/issue/{key}/changelog").json()
    f = after["fields"]
    assert f["summary"] == "Renamed" and f["status"]["name"] == "Done"
    assert f["resolution"]["name"] == "Done" and f["resolutiondate"] == f["updated"]
    assert f["priority"]["name"] == "Highest" and f["assignee"]["accountId"] == new_assignee
    assert f["labels"] == ["alpha", "zeta"] and f["customfield_10016"] == 8.0
    assert parse(f["updated"]) > parse(before["fields"]["updated"])
    assert changelog["total"] == history_count + 1
    last = changelog["values"][-1]
    assert last["created"] == f["updated"]
    fields = {i["field"] for i in last["items"]}
    assert {"summary", "status", "resolution", "priority", "assignee", "labels",
            "Story point estimate"} <= fields


def test_move_keeps_id_and_old_key(fresh_simulator: SimulatorServer) -> None:
    jira = fresh_simulator.sim.jira
    keys = jira.truth.issue_keys()
    issue_id, old_key = next((i, k) for i, k in keys.items() if k.startswith("PLAT-"))
    new_key = jira.move_issue(old_key, "PAY")
    assert new_key.startswith("PAY-") and new_key not in keys.values()
    with client(fresh_simulator) as http:
        via_old = http.get(f"/rest/api/3/issue/{old_key}", params={"fields": "project"}).json()
        assert via_old["id"] == issue_id and via_old["key"] == new_key
        assert via_old["fields"]["project"]["key"] == "PAY"
        pay = {i["id"] for p in search_all(http, {"jql": "project = PAY"}) for i in p}
        plat = {i["id"] for p in search_all(http, {"jql": "project = PLAT"}) for i in p}
        assert issue_id in pay and issue_id not in plat
        by_old = http.get("/rest/api/3/search/jql", params={"jql": f"key = {old_key}",
                                                             "fields": "key"}).json()
        assert [i["key"] for i in by_old["issues"]] == [new_key]
        items = http.get(f"/rest/api/3/issue/{new_key}/changelog").json()["values"][-1]["items"]
    assert {"fromString": old_key, "toString": new_key} in [
        {"fromString": i["fromString"], "toString": i["toString"]} for i in items]


def test_create_and_delete_through_control_api(fresh_simulator: SimulatorServer) -> None:
    jira = fresh_simulator.sim.jira
    base = fresh_simulator.base_url
    with httpx.Client(base_url=f"{base}/_sim/jira", timeout=10) as control, \
            client(fresh_simulator) as http:
        created = control.post("/issues", json={"project": "PAY", "summary": "Fresh",
                                                "issuetype": "Bug",
                                                "fields": {"labels": ["new"]}}).json()
        assert created["key"].startswith("PAY-")
        issue = http.get(f"/rest/api/3/issue/{created['key']}").json()
        validate("GET /rest/api/3/issue/{issueIdOrKey}", issue)
        assert issue["fields"]["issuetype"]["name"] == "Bug"
        assert issue["fields"]["labels"] == ["new"]
        assert control.post(f"/issues/{created['key']}",
                            json={"fields": {"status": "In Progress"}}).status_code == 200
        comment = control.post(f"/issues/{created['key']}/comments",
                               json={"text": "hello"}).json()
        comments = http.get(f"/rest/api/3/issue/{created['key']}/comment").json()
        assert [c["id"] for c in comments["comments"]] == [comment["id"]]
        assert control.delete(f"/comments/{comment['id']}").status_code == 200
        assert http.get(f"/rest/api/3/issue/{created['key']}/comment").json()["total"] == 0
        victim = jira.truth.issue_ids()[0]
        assert control.delete(f"/issues/{victim}").status_code == 200
        assert http.get(f"/rest/api/3/issue/{victim}").status_code == 404
        summary = control.get("/truth/summary").json()
        assert victim in summary["deletedIssueIds"] and victim not in summary["issueIds"]
        assert created["id"] in summary["issueIds"]
        ids = {i["id"] for p in search_all(http, {"jql": "created >= 0"}) for i in p}
        assert ids == set(summary["issueIds"])
        assert control.post("/issues/NOPE-1", json={"fields": {}}).status_code == 404
        truth = control.get("/truth/issues").json()
        assert {i["id"] for i in truth} == ids


def test_deleting_an_issue_deletes_its_worklogs(fresh_simulator: SimulatorServer) -> None:
    jira = fresh_simulator.sim.jira
    key = next(k for k in jira.truth.issue_ids() if jira.truth.worklogs(k))
    worklog_ids = {int(w["id"]) for w in jira.truth.worklogs(key)}
    jira.delete_issue(key)
    assert worklog_ids <= set(jira.truth.deleted_worklog_ids())
