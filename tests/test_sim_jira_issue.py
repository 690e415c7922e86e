"""Issue, changelog, comment and worklog endpoints over real HTTP, checked against the truth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dlt_atlassian.simulator.server import SimulatorServer
from jira_sim_fixtures import client, validate


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    from conftest import build_sim_config

    with SimulatorServer(build_sim_config(0.25)) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    with client(server) as c:
        yield c


def big_issue(server: SimulatorServer, kind: str, size: int) -> str:
    truth = server.sim.jira.truth
    getter = truth.changelog if kind == "changelog" else truth.comments
    return next(k for k in truth.issue_ids() if len(getter(k)) == size)


def offset_pages(http: httpx.Client, path: str, key: str, size: int, op: str,
                 **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = 0
    while True:
        body = http.get(path, params={"startAt": start, "maxResults": size, **params}).json()
        validate(op, body)
        out += body[key]
        start += len(body[key])
        if start >= body["total"] or not body[key]:
            return out


def test_get_issue_all_fields_and_subset(server: SimulatorServer, http: httpx.Client) -> None:
    truth = server.sim.jira.truth
    key = next(iter(truth.issue_keys().values()))
    body = http.get(f"/rest/api/3/issue/{key}").json()
    validate("GET /rest/api/3/issue/{issueIdOrKey}", body)
    assert body == truth.issue(key, base_url=server.base_url)
    small = http.get(f"/rest/api/3/issue/{body['id']}", params={"fields": "summary,status",
                                                                 "expand": "renderedFields"})
    assert set(small.json()["fields"]) == {"summary", "status"}
    missing = http.get("/rest/api/3/issue/NOPE-1")
    assert missing.status_code == 404
    assert missing.json() == {"errorMessages": ["Issue does not exist or you do not have "
                                                "permission to see it."], "errors": {}}


def test_issue_changelog_paging(server: SimulatorServer, http: httpx.Client) -> None:
    key = big_issue(server, "changelog", 300)
    path = f"/rest/api/3/issue/{key}/changelog"
    got = offset_pages(http, path, "values", 1000, "GET /rest/api/3/issue/{issueIdOrKey}/changelog")
    assert got == server.sim.jira.truth.changelog(key, base_url=server.base_url)
    first = http.get(path).json()
    assert first["maxResults"] == 100 and first["isLast"] is False and "nextPage" in first


def test_bulkfetch_is_complete_for_a_300_history_issue(server: SimulatorServer,
                                                       http: httpx.Client) -> None:
    truth = server.sim.jira.truth
    big = big_issue(server, "changelog", 300)
    ids = truth.issue_ids()[:30]
    if big not in ids:
        ids.append(big)
    got: dict[str, list[dict[str, Any]]] = {}
    token: str | None = None
    pages = 0
    while True:
        body = http.post("/rest/api/3/changelog/bulkfetch", json={
            "issueIdsOrKeys": ids, "maxResults": 70,
            **({"nextPageToken": token} if token else {})}).json()
        validate("POST /rest/api/3/changelog/bulkfetch", body)
        pages += 1
        assert sum(len(c["changeHistories"]) for c in body["issueChangeLogs"]) <= 70
        for entry in body["issueChangeLogs"]:
            got.setdefault(entry["issueId"], []).extend(entry["changeHistories"])
        token = body.get("nextPageToken")
        if token is None:
            break
    expected = {i: truth.changelog(i, base_url=server.base_url) for i in ids}
    assert got == {i: h for i, h in expected.items() if h}
    assert len(got[big]) == 300 and pages >= 300 // 70


def test_bulkfetch_field_filter_and_limits(server: SimulatorServer, http: httpx.Client) -> None:
    truth = server.sim.jira.truth
    ids = truth.issue_ids()[:20]
    body = http.post("/rest/api/3/changelog/bulkfetch",
                     json={"issueIdsOrKeys": ids, "fieldIds": ["status"]}).json()
    items = [i for c in body["issueChangeLogs"] for h in c["changeHistories"] for i in h["items"]]
    assert items and all(i["fieldId"] == "status" for i in items)
    expected = sum(1 for i in ids for h in truth.changelog(i) for x in h["items"]
                   if x["fieldId"] == "status")
    assert len(items) == expected
    too_many = http.post("/rest/api/3/changelog/bulkfetch",
                         json={"issueIdsOrKeys": [str(n) for n in range(1001)]})
    assert too_many.status_code == 400 and too_many.json()["errorMessages"]
    assert http.post("/rest/api/3/changelog/bulkfetch", json={}).status_code == 400


def test_150_comments_page_and_order(server: SimulatorServer, http: httpx.Client) -> None:
    key = big_issue(server, "comments", 150)
    path = f"/rest/api/3/issue/{key}/comment"
    op = "GET /rest/api/3/issue/{issueIdOrKey}/comment"
    got = offset_pages(http, path, "comments", 1000, op)
    truth = server.sim.jira.truth.comments(key, base_url=server.base_url)
    assert len(got) == 150 and sorted(c["id"] for c in got) == sorted(c["id"] for c in truth)
    first = http.get(path).json()
    assert first["maxResults"] == 100 and len(first["comments"]) == 100 and first["total"] == 150
    newest = http.get(path, params={"orderBy": "-created", "maxResults": 1}).json()
    assert newest["comments"][0]["created"] == max(c["created"] for c in truth)
    assert http.get(path, params={"orderBy": "author"}).status_code == 400
    ids = [int(c["id"]) for c in got[:40]]
    listed = http.post("/rest/api/3/comment/list", json={"ids": ids}).json()
    validate("POST /rest/api/3/comment/list", listed)
    assert sorted(int(c["id"]) for c in listed["values"]) == sorted(ids)
    assert http.post("/rest/api/3/comment/list",
                     json={"ids": list(range(1001))}).status_code == 400


def test_worklogs_per_issue_and_by_id(server: SimulatorServer, http: httpx.Client) -> None:
    truth = server.sim.jira.truth
    key = next(k for k in truth.issue_ids() if len(truth.worklogs(k)) >= 2)
    body = http.get(f"/rest/api/3/issue/{key}/worklog", params={"maxResults": 1}).json()
    validate("GET /rest/api/3/issue/{issueIdOrKey}/worklog", body)
    assert body["total"] == len(truth.worklogs(key)) and len(body["worklogs"]) == 1
    every = [w for k in truth.issue_ids() for w in truth.worklogs(k, base_url=server.base_url)]
    listed = http.post("/rest/api/3/worklog/list",
                       json={"ids": [int(w["id"]) for w in every]}).json()
    validate("POST /rest/api/3/worklog/list", listed)
    assert sorted(listed, key=lambda w: int(w["id"])) == sorted(every, key=lambda w: int(w["id"]))


def _feed(http: httpx.Client, path: str, since: int) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = []
    while True:
        body = http.get(path, params={"since": since}).json()
        validate(f"GET {path}", body)
        values += body["values"]
        if body["lastPage"]:
            return values
        assert body["until"] >= since and "since=" in body["nextPage"]
        since = body["until"]


def test_worklog_updated_and_deleted_feeds(fresh_simulator: SimulatorServer) -> None:
    sim = fresh_simulator.sim
    jira = sim.jira
    jira.config.caps.worklog_updated = 7  # small pages to exercise nextPage/until
    truth = jira.truth
    with client(fresh_simulator) as http:
        before = {v["worklogId"] for v in _feed(http, "/rest/api/3/worklog/updated", 0)}
        every = {int(w["id"]) for k in truth.issue_ids() for w in truth.worklogs(k)}
        assert before == every
        key = truth.issue_ids()[0]
        added = jira.add_worklog(key, 1800)
        victim = next(w for w in every if w != added)
        sim.advance_clock(1)
        jira.delete_worklog(victim)
        # Changes made in the last minute are not reported yet.
        recent = {v["worklogId"] for v in _feed(http, "/rest/api/3/worklog/updated", 0)}
        assert added not in recent
        sim.advance_clock(120)
        now_updated = _feed(http, "/rest/api/3/worklog/updated", 0)
        ids = [v["worklogId"] for v in now_updated]
        assert added in ids and victim not in ids
        times = [v["updatedTime"] for v in now_updated]
        assert times == sorted(times)
        deleted = _feed(http, "/rest/api/3/worklog/deleted", 0)
        assert [v["worklogId"] for v in deleted] == [victim]
        assert truth.deleted_worklog_ids() == [victim]
        # Editing a worklog moves it to the end of the updated feed with its new time.
        edited = next(w for w in every if w not in (added, victim))
        with httpx.Client(base_url=f"{fresh_simulator.base_url}/_sim/jira", timeout=10) as control:
            resp = control.put(f"/worklogs/{edited}", json={"timeSpentSeconds": 60})
        assert resp.status_code == 200
        sim.advance_clock(120)
        final = _feed(http, "/rest/api/3/worklog/updated", times[-1])
        assert final[-1]["worklogId"] == edited and final[-1]["updatedTime"] > times[-1]
        listed = http.post("/rest/api/3/worklog/list", json={"ids": [edited]}).json()
        assert listed[0]["timeSpentSeconds"] == 60 and listed[0]["timeSpent"] == "1m"
