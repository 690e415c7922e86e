"""Confluence v2 list endpoints over real HTTP: pagination, sorting, statuses, bodies, spec."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from confluence_sim_fixtures import client, follow, scoped_accounts, validate
from conftest import build_sim_config
from dlt_atlassian.simulator.server import SimulatorServer

V2 = "/wiki/api/v2"


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    config = build_sim_config(1.0, accounts=scoped_accounts())
    config.data.confluence_pages = 90
    config.data.blog_posts = 25
    config.data.comments_per_page = 2
    config.data.attachments_per_page = 1
    config.data.confluence_spaces = 4
    with SimulatorServer(config) as srv:
        yield srv


@pytest.fixture(scope="module", params=["site", "gateway"])
def http(request: pytest.FixtureRequest, server: SimulatorServer) -> Iterator[httpx.Client]:
    with client(server, request.param) as c:
        yield c


def ids(pages: list[list[dict]]) -> list[str]:
    return [row["id"] for page in pages for row in page]


def truth(server: SimulatorServer) -> object:
    return server.sim.confluence


@pytest.mark.parametrize("mode", ["body", "link"])
def test_pages_paginate_to_truth(server: SimulatorServer, http: httpx.Client, mode: str) -> None:
    pages = follow(http, f"{V2}/pages", {"limit": 7}, mode, operation="/pages")
    assert len(pages) > 3 and all(len(p) == 7 for p in pages[:-1])
    got = ids(pages)
    expected = [p["id"] for p in server.sim.confluence.all_pages(["current", "archived"])]
    assert got == sorted(expected, key=int)  # default order is id ascending
    assert len(set(got)) == len(got)


@pytest.mark.parametrize(
    ("path", "operation", "expected"),
    [
        ("/spaces", "/spaces", lambda s: [x["id"] for x in s.all_spaces()]),
        ("/blogposts", "/blogposts",
         lambda s: [b["id"] for b in s.all_blogposts(["current"])]),
        ("/footer-comments", "/footer-comments", lambda s: [
            c["id"] for c in s.all_comments("footer") if _visible(s, c)]),
        ("/inline-comments", "/inline-comments", lambda s: [
            c["id"] for c in s.all_comments("inline") if _visible(s, c)]),
        ("/attachments", "/attachments", lambda s: [
            a["id"] for a in s.all_attachments() if _visible(s, a)]),
        ("/labels", "/labels", lambda s: [lb["id"] for lb in s.all_labels()]),
    ],
)
@pytest.mark.parametrize("mode", ["body", "link"])
def test_site_wide_lists_paginate_to_truth(server: SimulatorServer, http: httpx.Client,
                                           path: str, operation: str, expected: object,
                                           mode: str) -> None:
    pages = follow(http, V2 + path, {"limit": 3}, mode, operation=operation)
    got = ids(pages)
    want = expected(server.sim.confluence)  # type: ignore[operator]
    assert sorted(got) == sorted(want) and len(got) == len(set(got))
    assert len(pages) >= 2


def _visible(sim: object, row: dict) -> bool:
    container = row.get("pageId") or row.get("blogPostId")
    statuses = {c["id"]: c["status"] for c in sim.all_content()}  # type: ignore[attr-defined]
    return statuses.get(container) in ("current", "archived")


def test_limit_is_capped_and_defaults(make_simulator) -> None:  # type: ignore[no-untyped-def]
    config = build_sim_config(1.0)
    config.data.confluence_pages = 600
    server = make_simulator(config)
    with client(server, "site") as http:
        resp = http.get(f"{V2}/pages", params={"limit": 1000})
        assert resp.status_code == 200
        assert len(resp.json()["results"]) == 250
        assert "limit=250" in resp.json()["_links"]["next"]
        assert len(http.get(f"{V2}/pages").json()["results"]) == 25
        assert len(http.get(f"{V2}/attachments").json()["results"]) == 50
        bad = http.get(f"{V2}/pages", params={"limit": 0})
        assert bad.status_code == 400 and bad.json()["errors"][0]["status"] == 400


@pytest.mark.parametrize("sort", ["-modified-date", "modified-date", "created-date",
                                  "-created-date", "-id", "title", "-title"])
def test_sorting_across_pages(http: httpx.Client, sort: str) -> None:
    rows = [r for p in follow(http, f"{V2}/pages", {"limit": 9, "sort": sort}) for r in p]
    field = sort.lstrip("-")
    keys = {
        "modified-date": lambda r: (datetime.fromisoformat(r["version"]["createdAt"]),
                                    int(r["id"])),
        "created-date": lambda r: (datetime.fromisoformat(r["createdAt"]), int(r["id"])),
        "id": lambda r: (int(r["id"]),),
        "title": lambda r: (r["title"], int(r["id"])),
    }[field]
    assert rows == sorted(rows, key=keys, reverse=sort.startswith("-"))


def test_newest_first_allows_early_stop(server: SimulatorServer, http: httpx.Client) -> None:
    first = http.get(f"{V2}/pages", params={"sort": "-modified-date", "limit": 5}).json()
    newest = max(server.sim.confluence.all_pages(["current", "archived"]),
                 key=lambda p: (p["version"]["createdAt"], int(p["id"])))
    assert first["results"][0]["id"] == newest["id"]
    assert "sort=-modified-date" in first["_links"]["next"]


def test_status_filters(server: SimulatorServer, http: httpx.Client) -> None:
    sim = server.sim.confluence
    for status in ("trashed", "deleted", "archived"):
        want = sorted(p["id"] for p in sim.all_pages([status]))
        got = ids(follow(http, f"{V2}/pages", {"status": status, "limit": 50}))
        assert sorted(got) == want
    both = ids(follow(http, f"{V2}/pages", {"status": "trashed,deleted", "limit": 50}))
    assert sorted(both) == sorted(p["id"] for p in sim.all_pages(["trashed", "deleted"]))
    default = ids(follow(http, f"{V2}/pages", {"limit": 250}))
    assert not set(default) & {p["id"] for p in sim.all_pages(["trashed", "deleted", "draft"])}
    blogs = ids(follow(http, f"{V2}/blogposts", {"status": "current,trashed", "limit": 250}))
    assert sorted(blogs) == sorted(b["id"] for b in sim.all_blogposts(["current", "trashed"]))
    assert http.get(f"{V2}/blogposts", params={"status": "archived"}).status_code == 400


def test_space_filters_and_space_pages(server: SimulatorServer, http: httpx.Client) -> None:
    sim = server.sim.confluence
    space = sim.all_spaces()[0]
    want = sorted(p["id"] for p in sim.all_pages(["current", "archived"])
                  if p["spaceId"] == space["id"])
    by_param = ids(follow(http, f"{V2}/pages", {"space-id": space["id"], "limit": 10}))
    by_path = ids(follow(http, f"{V2}/spaces/{space['id']}/pages", {"limit": 10},
                         operation="/spaces/{id}/pages"))
    assert sorted(by_param) == sorted(by_path) == want
    roots = ids(follow(http, f"{V2}/spaces/{space['id']}/pages", {"depth": "root"}))
    assert space["homepageId"] in roots
    by_key = http.get(f"{V2}/spaces", params={"keys": space["key"]}).json()["results"]
    assert [s["id"] for s in by_key] == [space["id"]]
    personal = http.get(f"{V2}/spaces", params={"type": "personal"}).json()["results"]
    assert personal and all(s["type"] == "personal" for s in personal)
    one = http.get(f"{V2}/spaces/{space['id']}")
    validate("/spaces/{id}", one.json())
    missing = http.get(f"{V2}/spaces/1")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == "NOT_FOUND"


def test_body_formats(http: httpx.Client) -> None:
    plain = http.get(f"{V2}/pages", params={"limit": 5}).json()["results"]
    assert all(p["body"] == {} for p in plain)
    storage = http.get(f"{V2}/pages", params={"limit": 40, "body-format": "storage"}).json()
    validate("/pages", storage)
    values = [p["body"]["storage"]["value"] for p in storage["results"]]
    assert all(p["body"]["storage"]["representation"] == "storage" for p in storage["results"])
    joined = "".join(values)
    for marker in ('<ac:structured-macro ac:name="code"', "<![CDATA[", 'ac:name="info"',
                   "<ri:page ", "<table>", "<ac:task-list>", "<ac:emoticon", "<h1>", "<ul>"):
        assert marker in joined
    adf = http.get(f"{V2}/pages", params={"limit": 5, "body-format": "atlas_doc_format"}).json()
    for page in adf["results"]:
        doc = json.loads(page["body"]["atlas_doc_format"]["value"])
        assert doc["type"] == "doc" and doc["version"] == 1 and doc["content"]
    assert http.get(f"{V2}/pages", params={"body-format": "view"}).status_code == 400


def test_single_page_visibility_and_versions(server: SimulatorServer,
                                             http: httpx.Client) -> None:
    sim = server.sim.confluence
    trashed = sim.all_pages(["trashed"])[0]
    assert http.get(f"{V2}/pages/{trashed['id']}").status_code == 404
    shown = http.get(f"{V2}/pages/{trashed['id']}", params={"status": "trashed"})
    assert shown.status_code == 200 and shown.json()["status"] == "trashed"
    validate("/pages/{id}", shown.json())
    page = max(sim.all_pages(["current"]), key=lambda p: p["version"]["number"])
    latest = http.get(f"{V2}/pages/{page['id']}", params={"body-format": "storage"}).json()
    assert latest["version"] == page["version"]
    first = http.get(f"{V2}/pages/{page['id']}", params={"version": 1}).json()
    assert first["version"]["number"] == 1 and first["version"]["createdAt"] == page["createdAt"]
    rows = [r for p in follow(http, f"{V2}/pages/{page['id']}/versions", {"limit": 2},
                              operation="/pages/{id}/versions") for r in p]
    assert [r["page"]["id"] for r in rows] == [page["id"]] * page["version"]["number"]
    assert [r["number"] for r in rows] == list(range(page["version"]["number"], 0, -1))
    assert rows[0]["createdAt"] == page["version"]["createdAt"]
    asc = [r for p in follow(http, f"{V2}/pages/{page['id']}/versions",
                             {"sort": "modified-date", "limit": 2}) for r in p]
    assert [r["number"] for r in asc] == list(range(1, page["version"]["number"] + 1))
    assert http.get(f"{V2}/pages/99999999").json() == {"errors": [
        {"status": 404, "code": "NOT_FOUND", "title": "Not Found", "detail": None}]}
    assert http.get(f"{V2}/pages/abc").status_code == 400
    draft = sim.all_pages(["draft"])
    if draft:
        assert http.get(f"{V2}/pages/{draft[0]['id']}").status_code == 404
        got = http.get(f"{V2}/pages/{draft[0]['id']}", params={"get-draft": "true"})
        assert got.status_code == 200


def test_blogpost_single_and_versions(server: SimulatorServer, http: httpx.Client) -> None:
    blog = server.sim.confluence.all_blogposts(["current"])[0]
    got = http.get(f"{V2}/blogposts/{blog['id']}", params={"body-format": "atlas_doc_format"})
    validate("/blogposts/{id}", got.json())
    assert got.json()["version"] == blog["version"]
    rows = [r for p in follow(http, f"{V2}/blogposts/{blog['id']}/versions",
                              operation="/blogposts/{id}/versions") for r in p]
    assert len(rows) == blog["version"]["number"] and rows[0]["blogpost"]["id"] == blog["id"]
    page_id = server.sim.confluence.all_pages()[0]["id"]
    assert http.get(f"{V2}/blogposts/{page_id}").status_code == 404


def test_children(server: SimulatorServer, http: httpx.Client) -> None:
    sim = server.sim.confluence
    pages = sim.all_pages(["current", "archived"])
    parent = max(pages, key=lambda p: sum(1 for c in pages if c["parentId"] == p["id"]))
    want = sorted(p["id"] for p in pages if p["parentId"] == parent["id"])
    rows = [r for p in follow(http, f"{V2}/pages/{parent['id']}/children", {"limit": 2},
                              operation="/pages/{id}/children") for r in p]
    assert sorted(r["id"] for r in rows) == want
    assert [r["childPosition"] for r in rows] == sorted(r["childPosition"] for r in rows)
