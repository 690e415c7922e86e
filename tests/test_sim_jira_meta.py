"""Projects, users, fields and other metadata, and the Agile API, over real HTTP."""

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

    with SimulatorServer(build_sim_config(0.25, data={"jira_projects": 5,
                                                      "boards_per_project": 2})) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    with client(server) as c:
        yield c


def offset_all(http: httpx.Client, path: str, size: int, op: str,
               **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start = 0
    while True:
        body = http.get(path, params={"startAt": start, "maxResults": size, **params}).json()
        validate(op, body)
        assert body["startAt"] == start
        out += body["values"]
        if body["isLast"]:
            return out
        assert len(body["values"]) == size
        start += size


def test_project_search_pages_and_expands(server: SimulatorServer, http: httpx.Client) -> None:
    projects = offset_all(http, "/rest/api/3/project/search", 2,
                          "GET /rest/api/3/project/search", expand="description,lead,issueTypes")
    truth = server.sim.jira.truth.projects()
    assert sorted(p["id"] for p in projects) == sorted(p["id"] for p in truth)
    assert [p["key"] for p in projects] == sorted(p["key"] for p in projects)
    assert all(p["description"] and p["lead"]["accountId"] and p["issueTypes"] for p in projects)
    capped = http.get("/rest/api/3/project/search", params={"maxResults": 1000}).json()
    assert capped["maxResults"] == server.sim.config.caps.project_search


def test_components_and_versions(server: SimulatorServer, http: httpx.Client) -> None:
    for project in server.sim.jira.truth.projects():
        comps = http.get(f"/rest/api/3/project/{project['key']}/components").json()
        validate("GET /rest/api/3/project/{projectIdOrKey}/components", comps)
        assert [c["id"] for c in comps] == project["components"]
        paged = offset_all(http, f"/rest/api/3/project/{project['id']}/version", 2,
                           "GET /rest/api/3/project/{projectIdOrKey}/version")
        bare = http.get(f"/rest/api/3/project/{project['id']}/versions").json()
        validate("GET /rest/api/3/project/{projectIdOrKey}/versions", bare)
        assert [v["id"] for v in paged] == [v["id"] for v in bare] == project["versions"]
        assert {v["released"] for v in bare} == {True, False}
    assert http.get("/rest/api/3/project/NOPE/components").status_code == 404


def test_users_search_pages_until_short(server: SimulatorServer, http: httpx.Client) -> None:
    users: list[dict[str, Any]] = []
    start = 0
    while True:
        page = http.get("/rest/api/3/users/search", params={"startAt": start,
                                                             "maxResults": 4}).json()
        validate("GET /rest/api/3/users/search", page)
        users += page
        if len(page) < 4:
            break
        start += 4
    assert [u["accountId"] for u in users] == [u["accountId"] for u in
                                                server.sim.jira.truth.users()]
    me = http.get("/rest/api/3/myself").json()
    validate("GET /rest/api/3/myself", me)
    assert me["emailAddress"] == "admin@example.com" and me["timeZone"] and me["locale"]


@pytest.mark.parametrize("path", ["/rest/api/3/field", "/rest/api/3/status",
                                  "/rest/api/3/statuscategory", "/rest/api/3/priority",
                                  "/rest/api/3/issuetype", "/rest/api/3/resolution",
                                  "/rest/api/3/issueLinkType", "/rest/api/3/priority/search",
                                  "/rest/api/3/resolution/search"])
def test_metadata_matches_spec(http: httpx.Client, path: str) -> None:
    resp = http.get(path)
    assert resp.status_code == 200
    validate(f"GET {path}", resp.json())


def test_fields_describe_custom_types(http: httpx.Client) -> None:
    fields = {f["id"]: f for f in http.get("/rest/api/3/field").json()}
    custom = [f for f in fields.values() if f["custom"]]
    types = {f["schema"]["custom"].rsplit(":", 1)[1] for f in custom}
    assert {"float", "gh-sprint", "select", "multiselect", "userpicker", "datepicker",
            "datetime", "labels", "textarea"} <= types
    assert all(f["schema"]["customId"] == int(f["id"].split("_")[1]) for f in custom)
    categories = {c["key"] for c in http.get("/rest/api/3/statuscategory").json()}
    assert {"new", "indeterminate", "done"} <= categories
    assert any(t["subtask"] for t in http.get("/rest/api/3/issuetype").json())


def test_boards_sprints_and_sprint_issues(server: SimulatorServer, http: httpx.Client) -> None:
    truth = server.sim.jira.truth
    boards = offset_all(http, "/rest/agile/1.0/board", 3, "GET /rest/agile/1.0/board")
    assert [b["id"] for b in boards] == [b["id"] for b in truth.boards()]
    assert {b["type"] for b in boards} == {"scrum", "kanban"}
    scrum = offset_all(http, "/rest/agile/1.0/board", 50, "GET /rest/agile/1.0/board",
                       type="scrum")
    assert all(b["type"] == "scrum" for b in scrum) and len(scrum) == len(boards) - 1
    kanban = next(b for b in boards if b["type"] == "kanban")
    refused = http.get(f"/rest/agile/1.0/board/{kanban['id']}/sprint")
    assert refused.status_code == 400
    assert refused.json()["errorMessages"] == ["The board does not support sprints"]
    membership = truth.sprint_membership()
    sprints = [s for b in scrum for s in http.get(f"/rest/agile/1.0/board/{b['id']}/sprint",
                                                  params={"maxResults": 50}).json()["values"]]
    assert sorted(s["id"] for s in sprints) == sorted(membership)
    assert {s["state"] for s in sprints} == {"closed", "active", "future"}
    for sprint in sprints:
        got: list[str] = []
        start = 0
        while True:
            body = http.get(f"/rest/agile/1.0/sprint/{sprint['id']}/issue",
                            params={"startAt": start, "maxResults": 3,
                                    "fields": "summary,customfield_10020"}).json()
            validate("GET /rest/agile/1.0/sprint/{sprintId}/issue", body)
            got += [i["id"] for i in body["issues"]]
            start += 3
            if start >= body["total"]:
                break
        assert sorted(got) == sorted(membership[sprint["id"]])
    active = next(s for s in sprints if s["state"] == "active")
    assert active["startDate"].endswith("+00:00") and "completeDate" not in active
    assert http.get("/rest/agile/1.0/sprint/999999/issue").status_code == 404
