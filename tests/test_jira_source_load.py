"""Full loads of the Jira source against the simulator, compared with its truth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import build_sim_config
from dlt_atlassian import jira_source
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import (
    assert_matches_truth,
    basic_credentials,
    make_pipeline,
    rows,
    table_ids,
)


def test_full_load_equals_truth(simulator: SimulatorServer, tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path)
    pipeline.run(jira_source(credentials=basic_credentials(simulator)))
    assert_matches_truth(pipeline, simulator)
    truth = simulator.sim.jira.truth
    assert table_ids(pipeline, "projects") == {p["id"] for p in truth.projects()}
    components = {c for p in truth.projects() for c in p["components"]}
    versions = {v for p in truth.projects() for v in p["versions"]}
    assert table_ids(pipeline, "project_components") == components
    assert table_ids(pipeline, "project_versions") == versions
    assert table_ids(pipeline, "users", "account_id") == {u["accountId"] for u in truth.users()}
    assert table_ids(pipeline, "issue_types") == set(truth.issue_types())
    assert table_ids(pipeline, "boards") == {str(b["id"]) for b in truth.boards()}
    assert table_ids(pipeline, "sprints") == {str(s["id"]) for s in truth.sprints()}
    membership = {(str(s), i) for s, ids in truth.sprint_membership().items() for i in ids}
    assert set(rows(pipeline, "SELECT sprint_id, issue_id FROM sprint_issues")) == membership
    # every issue column of the catalog exists; timestamps are typed, ADF is JSON
    fields = dict(rows(pipeline, "SELECT id, column_name FROM fields"))
    columns = {r[0]: r[1] for r in rows(pipeline, "DESCRIBE issues")}
    assert columns["updated"].startswith("TIMESTAMP") and columns["created"].startswith("TIMESTAMP")
    assert columns["description"] == "JSON"
    assert fields["summary"] == "summary" and fields["comment"] is None
    schema = pipeline.default_schema.tables
    for table in ("issues", "issue_changelogs", "issue_comments", "issue_worklogs",
                  "sprint_issues"):
        assert schema[table]["columns"]["_deleted"].get("hard_delete") is True
    assert schema["issue_comments"]["columns"]["issue_id"].get("merge_key") is True
    # no nested child tables: complex values are JSON columns
    tables = {r[0] for r in rows(pipeline, "SHOW TABLES")}
    assert not any("__" in t for t in tables if not t.startswith("_dlt"))


def test_big_issue_arrives_complete(simulator: SimulatorServer, tmp_path: Path) -> None:
    truth = simulator.sim.jira.truth
    keys = truth.issue_keys()
    by_histories = max(keys.items(), key=lambda kv: len(truth.changelog(kv[1])))
    by_comments = max(keys.items(), key=lambda kv: len(truth.comments(kv[1])))
    assert len(truth.changelog(by_histories[1])) >= 300
    assert len(truth.comments(by_comments[1])) >= 150
    ids = sorted({by_histories[0], by_comments[0]}, key=int)
    pipeline = make_pipeline(tmp_path)
    source = jira_source(credentials=basic_credentials(simulator),
                         jql=f"id in ({', '.join(ids)})")
    pipeline.run(source.with_resources("issues", "issue_changelogs", "issue_comments"))
    histories = rows(pipeline, "SELECT COUNT(DISTINCT history_id) FROM issue_changelogs "
                               f"WHERE issue_id = '{by_histories[0]}'")[0][0]
    assert histories == len([h for h in truth.changelog(by_histories[1]) if h.get("items")])
    comments = table_ids(pipeline, f"issue_comments WHERE issue_id = '{by_comments[0]}'")
    assert comments == {str(c["id"]) for c in truth.comments(by_comments[1])}


def test_only_comments_selected(simulator: SimulatorServer, tmp_path: Path) -> None:
    """A transformer alone still gets its issues; the issues table is neither loaded nor
    advanced, so selecting it later loads everything."""
    pipeline = make_pipeline(tmp_path)
    creds = basic_credentials(simulator)
    pipeline.run(jira_source(credentials=creds).with_resources("issue_comments"))
    tables = {r[0] for r in rows(pipeline, "SHOW TABLES")}
    assert "issues" not in tables
    from jira_source_fixtures import truth_comment_keys

    assert set(rows(pipeline, "SELECT id, issue_id FROM issue_comments")) == (
        truth_comment_keys(simulator))
    pipeline.run(jira_source(credentials=creds).with_resources("issues"))
    assert table_ids(pipeline, "issues") == set(simulator.sim.jira.truth.issue_ids())


def test_custom_field_names_and_plain_text(simulator: SimulatorServer, tmp_path: Path) -> None:
    pipeline = make_pipeline(tmp_path)
    source = jira_source(credentials=basic_credentials(simulator), custom_field_names="name",
                         include_plain_text=True)
    pipeline.run(source.with_resources("fields", "issues", "issue_comments"))
    fields = rows(pipeline, "SELECT id, name, custom, column_name FROM fields")
    columns = {r[0] for r in rows(pipeline, "DESCRIBE issues")}
    custom = [(i, n, c) for i, n, is_custom, c in fields if is_custom]
    assert custom, "the simulator has custom fields"
    for field_id, _name, column in custom:
        assert not column.startswith("customfield_") or field_id in column
    assert "description_text" in columns
    texts = rows(pipeline, "SELECT body_text FROM issue_comments WHERE body_text IS NOT NULL")
    assert texts and all(isinstance(t[0], str) for t in texts)


@pytest.mark.slow
def test_full_load_at_a_few_thousand_issues(
    make_simulator: Callable[..., SimulatorServer], tmp_path: Path
) -> None:
    server = make_simulator(build_sim_config(5))
    assert server.sim.jira.truth.counts()["issues"] >= 2000
    pipeline = make_pipeline(tmp_path)
    projects = sorted(p["key"] for p in server.sim.jira.truth.projects())
    pipeline.run(jira_source(credentials=basic_credentials(server), projects=projects))
    assert_matches_truth(pipeline, server)


class _JiraWithoutSoftware:
    """The Jira simulator minus the agile API: a site without Jira Software (404s)."""

    def __new__(cls, config: object) -> object:
        from dlt_atlassian.simulator.clock import SimClock
        from dlt_atlassian.simulator.jira import JiraSimulator
        from dlt_atlassian.simulator.users import UserDirectory

        jira = JiraSimulator(config, SimClock(), UserDirectory(config))  # type: ignore[arg-type]
        routes = jira.routes

        def without_agile() -> list[object]:
            return [r for r in routes() if "/rest/agile/" not in getattr(r, "path", "")]

        jira.routes = without_agile  # type: ignore[method-assign]
        return jira


def test_site_without_jira_software_is_quiet(
    make_simulator: Callable[..., SimulatorServer], tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = build_sim_config()
    server = make_simulator(config, products={"jira": _JiraWithoutSoftware(config)})
    pipeline = make_pipeline(tmp_path)
    with caplog.at_level("INFO", logger="dlt_atlassian.jira"):
        pipeline.run(jira_source(credentials=basic_credentials(server)).with_resources(
            "issues", "boards", "sprints", "sprint_issues"))
    assert table_ids(pipeline, "boards") == set()
    assert table_ids(pipeline, "issues") == set(server.sim.jira.truth.issue_ids())
    assert any("no Jira Software" in r.getMessage() for r in caplog.records)


def test_through_the_api_gateway_with_a_scoped_token(
    make_simulator: Callable[..., SimulatorServer], tmp_path: Path
) -> None:
    from dlt_atlassian.credentials import AtlassianScopedTokenCredentials
    from jira_sim_fixtures import SCOPED_TOKEN, scoped_accounts

    server = make_simulator(build_sim_config(accounts=scoped_accounts()))
    creds = AtlassianScopedTokenCredentials()
    creds.api_token = SCOPED_TOKEN
    creds.scoped_token_auth = "basic"
    creds.email = "admin@example.com"
    creds.cloud_id = server.cloud_id
    creds.api_base_url = server.base_url
    pipeline = make_pipeline(tmp_path)
    pipeline.run(jira_source(credentials=creds).with_resources(
        "issues", "issue_changelogs", "issue_comments", "issue_worklogs", "sprint_issues"))
    assert_matches_truth(pipeline, server)


class _JiraTruncatingComments:
    """The Jira simulator, but the search embeds at most 20 comments (``total`` stays true),
    as Jira does for long lists: the source must page the rest itself."""

    def __new__(cls, config: object) -> object:
        import json

        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        from dlt_atlassian.simulator.clock import SimClock
        from dlt_atlassian.simulator.jira import JiraSimulator
        from dlt_atlassian.simulator.users import UserDirectory

        jira = JiraSimulator(config, SimClock(), UserDirectory(config))  # type: ignore[arg-type]
        routes = jira.routes

        def truncating(endpoint: Callable[..., object]) -> Callable[..., object]:
            async def search(request: Request) -> Response:
                response = await endpoint(request)  # type: ignore[misc]
                body = json.loads(response.body)
                for issue in body.get("issues") or []:
                    comment = (issue.get("fields") or {}).get("comment")
                    if comment and len(comment["comments"]) > 20:
                        comment["comments"] = comment["comments"][:20]
                        comment["maxResults"] = 20
                return Response(json.dumps(body), status_code=response.status_code,
                                media_type="application/json")

            return search

        def patched() -> list[object]:
            out: list[object] = []
            for route in routes():
                if getattr(route, "path", "") == "/rest/api/3/search/jql":
                    route = Route(route.path, truncating(route.endpoint),  # type: ignore[attr-defined]
                                  methods=list(route.methods or ()))  # type: ignore[attr-defined]
                out.append(route)
            return out

        jira.routes = patched  # type: ignore[method-assign]
        return jira


def test_long_comment_lists_are_paged(
    make_simulator: Callable[..., SimulatorServer], tmp_path: Path
) -> None:
    config = build_sim_config()
    server = make_simulator(config, products={"jira": _JiraTruncatingComments(config)})
    truth = server.sim.jira.truth
    long_lists = [k for k in truth.issue_keys().values() if len(truth.comments(k)) > 20]
    assert long_lists
    pipeline = make_pipeline(tmp_path)
    pipeline.run(jira_source(credentials=basic_credentials(server)).with_resources(
        "issue_comments"))
    from jira_source_fixtures import truth_comment_keys

    assert set(rows(pipeline, "SELECT id, issue_id FROM issue_comments")) == (
        truth_comment_keys(server))
    pages = server.sim.requests.counts()["GET /rest/api/3/issue/{issueIdOrKey}/comment"]
    assert pages == sum(-(-len(truth.comments(k)) // 100) for k in long_lists)
