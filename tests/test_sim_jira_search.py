"""/search/jql, approximate-count and the removed /search, over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from dlt_atlassian.simulator.server import SimulatorServer
from jira_sim_fixtures import client, scoped_accounts, search_all, validate


def parse(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%f%z")


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    from conftest import build_sim_config

    with SimulatorServer(build_sim_config(0.25, accounts=scoped_accounts())) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    with client(server) as c:
        yield c


def all_ids(server: SimulatorServer) -> set[str]:
    return set(server.sim.jira.truth.issue_ids())


def test_ids_only_default_and_paging_covers_everything(server: SimulatorServer,
                                                       http: httpx.Client) -> None:
    pages = search_all(http, {"jql": "created >= 0 ORDER BY created", "maxResults": 7})
    issues = [i for p in pages for i in p]
    assert all(set(i) == {"id"} for i in issues)  # fields default to id only
    truth = server.sim.jira.truth.issues()
    expected = sorted(truth, key=lambda i: (parse(i["fields"]["created"]), int(i["id"])))
    assert [i["id"] for i in issues] == [i["id"] for i in expected]
    assert all(len(p) == 7 for p in pages[:-1])


def test_post_search_and_project_filters(server: SimulatorServer, http: httpx.Client) -> None:
    truth = server.sim.jira.truth
    keys = truth.issue_keys()
    pages = search_all(http, {"jql": "project in (PLAT, 10001) ORDER BY key DESC",
                              "fields": ["key", "project"], "maxResults": 13}, method="POST")
    issues = [i for p in pages for i in p]
    expected = {i for i, k in keys.items() if k.split("-")[0] in ("PLAT", "PAY")}
    assert {i["id"] for i in issues} == expected
    assert all(i["fields"]["project"]["key"] in ("PLAT", "PAY") for i in issues)
    ranked = [(i["key"].split("-")[0], int(i["key"].split("-")[1])) for i in issues]
    assert ranked == sorted(ranked, reverse=True)


def test_caps_depend_on_requested_fields(http: httpx.Client, server: SimulatorServer) -> None:
    caps = server.sim.config.caps
    total = len(all_ids(server))
    ids = http.get("/rest/api/3/search/jql", params={"jql": "created >= 0",
                                                      "maxResults": 100000}).json()
    assert len(ids["issues"]) == min(total, caps.search_jql_ids_only)
    full = http.get("/rest/api/3/search/jql", params={"jql": "created >= 0", "fields": "*all",
                                                       "maxResults": 100000}).json()
    assert len(full["issues"]) == min(total, caps.search_jql_with_fields)
    assert full["isLast"] is (total <= caps.search_jql_with_fields)
    default = http.get("/rest/api/3/search/jql", params={"jql": "created >= 0"}).json()
    assert len(default["issues"]) == min(total, caps.search_jql_default)


def test_fields_selection_all_navigable_exclusions(http: httpx.Client,
                                                  server: SimulatorServer) -> None:
    def fields_of(**params: Any) -> set[str]:
        body = http.get("/rest/api/3/search/jql", params={"jql": "created >= 0",
                                                           "maxResults": 1, **params}).json()
        validate("GET /rest/api/3/search/jql", body)
        return set(body["issues"][0]["fields"])

    everything = fields_of(fields="*all")
    navigable = fields_of(fields="*navigable")
    assert {"comment", "worklog", "customfield_10020"} <= everything
    assert "comment" not in navigable and "summary" in navigable
    assert fields_of(fields="*all,-comment,-description") == everything - {"comment",
                                                                           "description"}
    assert fields_of(fields=["summary", "status"]) == {"summary", "status"}
    assert fields_of(fields="Story point estimate") == {"customfield_10016"}


def test_changelog_expand_is_truncated_but_counts_all(server: SimulatorServer,
                                                      http: httpx.Client) -> None:
    truth = server.sim.jira.truth
    big = next(k for k in truth.issue_ids() if len(truth.changelog(k)) == 300)
    body = http.get("/rest/api/3/search/jql", params={
        "jql": f"id = {big}", "fields": "summary", "expand": "changelog,names"}).json()
    validate("GET /rest/api/3/search/jql", body)
    changelog = body["issues"][0]["changelog"]
    cap = server.sim.config.caps.changelog_expand_cap
    assert changelog["total"] == 300 > cap == len(changelog["histories"])
    # The most recent histories, newest first; the oldest ones are only in bulkfetch.
    full = truth.changelog(big, base_url=server.base_url)
    assert changelog["histories"] == full[::-1][:cap]
    assert body["names"] == {"summary": "Summary"}


def test_updated_filter_in_callers_zone_matches_truth(server: SimulatorServer,
                                                      http: httpx.Client) -> None:
    sim = server.sim
    issues = server.sim.jira.truth.issues()
    updated = sorted(parse(i["fields"]["updated"]) for i in issues)
    pivot = updated[len(updated) // 2]
    for zone in ("UTC", "Pacific/Kiritimati", "America/Los_Angeles", "Australia/Sydney"):
        sim.set_time_zone(sim.users.admin.account_id, zone)
        local = pivot.astimezone(__import__("zoneinfo").ZoneInfo(zone))
        text = local.strftime("%Y/%m/%d %H:%M")
        floor = local.replace(second=0, microsecond=0)
        pages = search_all(http, {"jql": f'updated >= "{text}" ORDER BY updated',
                                  "fields": "updated", "maxResults": 50})
        got = [i for p in pages for i in p]
        expected = {i["id"] for i in issues if parse(i["fields"]["updated"]) >= floor}
        assert {i["id"] for i in got} == expected
        assert all(i["fields"]["updated"][-5:] == local.strftime("%z") or zone != "UTC"
                   for i in got)
    sim.set_time_zone(sim.users.admin.account_id, "UTC")


def test_epoch_millisecond_bounds(server: SimulatorServer, http: httpx.Client) -> None:
    issues = server.sim.jira.truth.issues()
    bound = sorted(int(parse(i["fields"]["created"]).timestamp() * 1000) for i in issues)[5]
    body = http.post("/rest/api/3/search/approximate-count",
                     json={"jql": f"created < {bound}"}).json()
    validate("POST /rest/api/3/search/approximate-count", body)
    assert body == {"count": 5}


@pytest.mark.parametrize("jql, message", [
    ("project = NOPE", "The value 'NOPE' does not exist for the field 'project'."),
    ("project = PLAT AND", "Error in the JQL Query: Expecting a field name"),
    ("order by created", "Unbounded JQL queries are not allowed here."),
    ('updated > "2024-01-01 10:00:00"', "for field 'updated' is invalid"),
])
def test_bad_jql_is_400_with_jira_body(http: httpx.Client, jql: str, message: str) -> None:
    resp = http.get("/rest/api/3/search/jql", params={"jql": jql})
    assert resp.status_code == 400
    body = resp.json()
    assert body["errors"] == {} and message in body["errorMessages"][0]


def test_removed_search_is_410(http: httpx.Client) -> None:
    for method in ("GET", "POST"):
        resp = http.request(method, "/rest/api/3/search", params={"jql": "project = PLAT"})
        assert resp.status_code == 410
        assert "Please migrate to the /rest/api/3/search/jql API" in resp.json()[
            "errorMessages"][0]


def test_token_is_a_position_stable_under_updates(fresh_simulator: SimulatorServer) -> None:
    sim = fresh_simulator.sim
    with client(fresh_simulator) as http:
        first = http.get("/rest/api/3/search/jql", params={
            "jql": "created >= 0 ORDER BY updated ASC", "maxResults": 10}).json()
        seen = [i["id"] for i in first["issues"]]
        # Updating an already-returned issue moves it to the end; nothing else shifts.
        sim.jira.update_issue(seen[0], {"summary": "changed"})
        token: str | None = first["nextPageToken"]
        while token:
            page = http.get("/rest/api/3/search/jql", params={
                "jql": "created >= 0 ORDER BY updated ASC", "maxResults": 10,
                "nextPageToken": token}).json()
            seen += [i["id"] for i in page["issues"]]
            token = page.get("nextPageToken")
    assert set(seen) == set(sim.jira.truth.issue_ids())
    assert seen.count(seen[0]) == 2 and seen[-1] == seen[0]


def test_fault_flags_repeat_token_and_drop_is_last(make_simulator: Callable[...,
                                                                            SimulatorServer],
                                                   sim_config: Callable[..., Any]) -> None:
    server = make_simulator(sim_config(faults={"repeat_page_token": True, "drop_is_last": True}))
    with client(server) as http:
        params = {"jql": "created >= 0", "maxResults": 5}
        first = http.get("/rest/api/3/search/jql", params=params).json()
        assert "isLast" not in first
        second = http.get("/rest/api/3/search/jql",
                          params={**params, "nextPageToken": first["nextPageToken"]}).json()
        assert second["nextPageToken"] == first["nextPageToken"]


def test_scopes_are_enforced(server: SimulatorServer) -> None:
    with client(server, "gateway") as ok, client(server, "narrow") as narrow:
        resp = ok.get("/rest/api/3/search/jql", params={"jql": "project = PLAT",
                                                         "fields": "summary"})
        assert resp.status_code == 200
        assert resp.json()["issues"][0]["self"].startswith(server.gateway_url("jira"))
        assert narrow.get("/rest/api/3/search/jql",
                          params={"jql": "project = PLAT"}).status_code == 401
        assert narrow.get("/rest/api/3/myself").status_code == 200


def test_response_times_are_written_in_callers_zone(server: SimulatorServer,
                                                    http: httpx.Client) -> None:
    sim = server.sim
    sim.set_time_zone(sim.users.admin.account_id, "Asia/Kolkata")
    try:
        body = http.get("/rest/api/3/search/jql", params={"jql": "created >= 0",
                                                           "fields": "created"}).json()
    finally:
        sim.set_time_zone(sim.users.admin.account_id, "UTC")
    assert all(i["fields"]["created"].endswith("+0530") for i in body["issues"])
    assert datetime.now(UTC).year >= 2024


def test_reconcile_issues_limit_and_rendered_fields(http: httpx.Client) -> None:
    ok = http.post("/rest/api/3/search/jql", json={
        "jql": "created >= 0", "fields": ["description"], "expand": "renderedFields",
        "reconcileIssues": [10000, 10001], "maxResults": 5})
    assert ok.status_code == 200
    issue = next(i for i in ok.json()["issues"] if i["fields"]["description"])
    assert issue["renderedFields"]["description"].startswith("<p>")
    too_many = http.post("/rest/api/3/search/jql", json={
        "jql": "created >= 0", "reconcileIssues": list(range(10000, 10051))})
    assert too_many.status_code == 400 and too_many.json()["errorMessages"]
