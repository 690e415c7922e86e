"""Confluence v2 comments, labels and attachments (per container and site-wide), and scopes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from confluence_sim_fixtures import (
    SCOPED_TOKEN,
    client,
    follow,
    scoped_accounts,
    spec_scopes,
    validate,
)
from conftest import build_sim_config
from dlt_atlassian.simulator.server import SimulatorServer

V2 = "/wiki/api/v2"


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    config = build_sim_config(1.0, accounts=scoped_accounts())
    config.data.confluence_pages = 40
    config.data.blog_posts = 10
    config.data.comments_per_page = 4
    config.data.attachments_per_page = 2
    with SimulatorServer(config) as srv:
        yield srv


@pytest.fixture(scope="module", params=["site", "gateway"])
def http(request: pytest.FixtureRequest, server: SimulatorServer) -> Iterator[httpx.Client]:
    with client(server, request.param) as c:
        yield c


def rows(pages: list[list[dict]]) -> list[dict]:
    return [r for p in pages for r in p]


def test_page_footer_comments_are_roots_and_replies_via_children(
        server: SimulatorServer, http: httpx.Client) -> None:
    sim = server.sim.confluence
    comments = sim.all_comments("footer", "storage")
    replies = [c for c in comments if "parentCommentId" in c]
    assert replies, "generator should produce replies"
    reply = replies[0]
    page_id = reply.get("pageId") or reply.get("blogPostId")
    kind = "pages" if "pageId" in reply else "blogposts"
    got = rows(follow(http, f"{V2}/{kind}/{page_id}/footer-comments",
                      {"limit": 1, "body-format": "storage"}, "link",
                      operation=f"/{kind}/{{id}}/footer-comments"))
    roots = [c for c in comments if (c.get("pageId") or c.get("blogPostId")) == page_id
             and "parentCommentId" not in c]
    assert sorted(c["id"] for c in got) == sorted(c["id"] for c in roots)
    assert all(c["body"]["storage"]["value"].startswith("<p>") for c in got)
    children = rows(follow(http, f"{V2}/footer-comments/{reply['parentCommentId']}/children",
                           operation="/footer-comments/{id}/children"))
    assert reply["id"] in {c["id"] for c in children}
    assert all(c["parentCommentId"] == reply["parentCommentId"] for c in children)
    single = http.get(f"{V2}/footer-comments/{reply['id']}")
    assert single.status_code == 200 and single.json()["parentCommentId"]
    validate("/footer-comments/{comment-id}", single.json())


def test_inline_comments_resolution_and_properties(server: SimulatorServer,
                                                   http: httpx.Client) -> None:
    sim = server.sim.confluence
    inline = [c for c in sim.all_comments("inline") if "pageId" in c]
    page_id = inline[0]["pageId"]
    got = rows(follow(http, f"{V2}/pages/{page_id}/inline-comments",
                      {"body-format": "atlas_doc_format"},
                      operation="/pages/{id}/inline-comments"))
    want = [c for c in inline if c["pageId"] == page_id and "parentCommentId" not in c]
    assert sorted(c["id"] for c in got) == sorted(c["id"] for c in want)
    for comment in got:
        assert comment["resolutionStatus"] in ("open", "resolved", "reopened")
        assert comment["properties"]["inlineMarkerRef"]
        assert comment["properties"]["inlineOriginalSelection"]
        assert comment["body"]["atlas_doc_format"]["value"].startswith('{"type":"doc"')
    reply = next(c for c in sim.all_comments("inline") if "parentCommentId" in c)
    kids = rows(follow(http, f"{V2}/inline-comments/{reply['parentCommentId']}/children",
                       operation="/inline-comments/{id}/children"))
    assert reply["id"] in {c["id"] for c in kids}
    statuses = {c["resolutionStatus"] for c in sim.all_comments("inline")}
    assert {"open", "resolved"} <= statuses
    resolved = rows(follow(http, f"{V2}/pages/{page_id}/inline-comments",
                           {"resolution-status": "resolved"}))
    assert {c["resolutionStatus"] for c in resolved} <= {"resolved"}
    site = rows(follow(http, f"{V2}/inline-comments", {"limit": 5, "sort": "-created-date"},
                       operation="/inline-comments"))
    assert len(site) >= len(want)
    assert all(c.get("resolutionLastModifiedAt") or c["resolutionStatus"] == "open"
               for c in site)


def test_comment_sort_modified_date(http: httpx.Client) -> None:
    got = rows(follow(http, f"{V2}/footer-comments", {"limit": 4, "sort": "-modified-date"}))
    stamps = [c["version"]["createdAt"] for c in got]
    assert stamps == sorted(stamps, reverse=True)


def test_labels_per_content_and_site(server: SimulatorServer, http: httpx.Client) -> None:
    sim = server.sim.confluence
    labelled = [p for p in sim.all_content() if sim.labels_of(p["id"])]
    content = labelled[0]
    kind = "pages" if "parentType" in content else "blogposts"
    got = rows(follow(http, f"{V2}/{kind}/{content['id']}/labels", {"limit": 1},
                      operation=f"/{kind}/{{id}}/labels"))
    assert sorted(lb["id"] for lb in got) == sorted(lb["id"] for lb in sim.labels_of(content["id"]))
    mine = rows(follow(http, f"{V2}/labels", {"prefix": "global"}))
    assert mine and all(lb["prefix"] == "global" for lb in mine)
    label = got[0]
    tagged = rows(follow(http, f"{V2}/labels/{label['id']}/{kind}", {"limit": 3}))
    assert content["id"] in {c["id"] for c in tagged} or content["status"] != "current"


def test_attachments_per_content_and_filters(server: SimulatorServer,
                                             http: httpx.Client) -> None:
    sim = server.sim.confluence
    attachments = sim.all_attachments()
    first = attachments[0]
    container = first.get("pageId") or first.get("blogPostId")
    kind = "pages" if "pageId" in first else "blogposts"
    got = rows(follow(http, f"{V2}/{kind}/{container}/attachments", {"limit": 1},
                      operation=f"/{kind}/{{id}}/attachments"))
    want = [a for a in attachments if (a.get("pageId") or a.get("blogPostId")) == container]
    assert sorted(a["id"] for a in got) == sorted(a["id"] for a in want)
    for att in got:
        assert att["id"].startswith("att") and att["fileId"] and att["fileSize"] > 0
        assert att["downloadLink"].startswith("/download/attachments/")
    media = first["mediaType"]
    filtered = rows(follow(http, f"{V2}/attachments", {"mediaType": media, "limit": 20}))
    assert filtered and all(a["mediaType"] == media for a in filtered)
    one = http.get(f"{V2}/attachments/{first['id']}")
    assert one.status_code == 200 and one.json()["id"] == first["id"]
    assert http.get(f"{V2}/attachments/att1").status_code == 404


def test_scope_checks(server: SimulatorServer) -> None:
    config_token = "pages-only"
    server.sim.config.accounts.scoped_tokens[config_token] = (
        "admin@example.com", ["read:page:confluence"])
    gateway = server.gateway_url("confluence")
    with httpx.Client(base_url=gateway, auth=("admin@example.com", config_token)) as limited:
        assert limited.get(f"{V2}/pages").status_code == 200
        denied = limited.get(f"{V2}/footer-comments")
        assert denied.status_code == 401
    with httpx.Client(base_url=gateway, auth=("admin@example.com", SCOPED_TOKEN)) as full:
        assert full.get(f"{V2}/footer-comments").status_code == 200


def _container(row: dict) -> str:
    return row.get("pageId") or row.get("blogPostId")  # type: ignore[return-value]


def _cases(sim: object) -> list[tuple[str, str, list[str], str]]:
    """(path, spec operation, expected ids, id field) for every per-parent list endpoint."""
    s = sim
    content = s.all_content()  # type: ignore[attr-defined]
    pages = [c for c in content if "parentType" in c and c["status"] == "current"]
    blogs = [c for c in content if "parentType" not in c and c["status"] == "current"]
    comments = s.all_comments()  # type: ignore[attr-defined]
    attachments = s.all_attachments()  # type: ignore[attr-defined]
    cases: list[tuple[str, str, list[str], str]] = []

    def busiest(rows: list[dict], count: object) -> dict:
        return max(rows, key=lambda r: (count(r), r["id"]))  # type: ignore[operator]

    for kind, rows in (("pages", pages), ("blogposts", blogs)):
        top = busiest(rows, lambda r: r["version"]["number"])
        cases.append((f"/{kind}/{top['id']}/versions", f"/{kind}/{{id}}/versions",
                      [top["id"]] * top["version"]["number"], "page" if kind == "pages"
                      else "blogpost"))
        for ckind in ("footer", "inline"):
            def roots(r: dict, ckind: str = ckind) -> list[str]:
                return [c["id"] for c in comments if _container(c) == r["id"]
                        and "parentCommentId" not in c
                        and ("resolutionStatus" in c) == (ckind == "inline")]
            top = busiest(rows, lambda r, f=roots: len(f(r)))  # type: ignore[misc]
            cases.append((f"/{kind}/{top['id']}/{ckind}-comments",
                          f"/{kind}/{{id}}/{ckind}-comments", roots(top), "id"))
        top = busiest(rows, lambda r: len(s.labels_of(r["id"])))  # type: ignore[attr-defined]
        cases.append((f"/{kind}/{top['id']}/labels", f"/{kind}/{{id}}/labels",
                      [lb["id"] for lb in s.labels_of(top["id"])], "id"))  # type: ignore[attr-defined]

        def atts(r: dict) -> list[str]:
            return [a["id"] for a in attachments if _container(a) == r["id"]]
        top = busiest(rows, lambda r: len(atts(r)))
        cases.append((f"/{kind}/{top['id']}/attachments", f"/{kind}/{{id}}/attachments",
                      atts(top), "id"))
    parent = busiest(pages, lambda r: sum(1 for p in pages if p["parentId"] == r["id"]))
    kids = [c["id"] for c in content if "parentType" in c and c["parentId"] == parent["id"]
            and c["status"] in ("current", "archived")]
    cases.append((f"/pages/{parent['id']}/children", "/pages/{id}/children", kids, "id"))
    reply = next(c for c in comments if "parentCommentId" in c)
    replies = [c["id"] for c in comments if c.get("parentCommentId") == reply["parentCommentId"]]
    cases.append((f"/footer-comments/{reply['parentCommentId']}/children",
                  "/footer-comments/{id}/children", replies, "id"))
    space = s.all_spaces()[0]  # type: ignore[attr-defined]
    cases.append((f"/spaces/{space['id']}/pages", "/spaces/{id}/pages",
                  [c["id"] for c in content if c["spaceId"] == space["id"] and "parentType" in c
                   and c["status"] in ("current", "archived")], "id"))
    cases.append((f"/spaces/{space['id']}/blogposts", "/spaces/{id}/blogposts",
                  [c["id"] for c in blogs if c["spaceId"] == space["id"]], "id"))
    label = s.labels_of(pages[0]["id"]) or s.all_labels()  # type: ignore[attr-defined]
    cases.append((f"/labels/{label[0]['id']}/pages", "/labels/{id}/pages",
                  [p["id"] for p in pages if label[0]["id"] in
                   {lb["id"] for lb in s.labels_of(p["id"])}], "id"))  # type: ignore[attr-defined]
    return cases


@pytest.mark.parametrize("mode", ["body", "link"])
def test_every_per_parent_list_paginates_to_truth(server: SimulatorServer, http: httpx.Client,
                                                  mode: str) -> None:
    cases = _cases(server.sim.confluence)
    assert len(cases) == 15
    multi_page = 0
    for path, operation, expected, field in cases:
        pages = follow(http, V2 + path, {"limit": 1}, mode, operation=operation)
        got = [r[field]["id"] if isinstance(r[field], dict) else r[field] for p in pages
               for r in p]
        assert sorted(got) == sorted(expected), path
        multi_page += len(pages) > 1
    assert multi_page >= 10  # most of them really span several pages


def test_ancestors_top_down_and_limited(server: SimulatorServer, http: httpx.Client) -> None:
    pages = {p["id"]: p for p in server.sim.confluence.all_pages()}

    def chain(pid: str) -> list[str]:
        parent = pages[pid]["parentId"]
        return [] if parent is None else [*chain(parent), parent]

    deepest = max(pages, key=lambda pid: len(chain(pid)))
    full = http.get(f"{V2}/pages/{deepest}/ancestors")
    validate("/pages/{id}/ancestors", full.json())
    assert [a["id"] for a in full.json()["results"]] == chain(deepest)
    assert len(chain(deepest)) >= 3
    near = http.get(f"{V2}/pages/{deepest}/ancestors", params={"limit": 2}).json()["results"]
    assert [a["id"] for a in near] == chain(deepest)[-2:]


def test_each_endpoint_accepts_exactly_its_spec_scopes(server: SimulatorServer) -> None:
    sim = server.sim.confluence
    page = next(p for p in sim.all_pages(["current"]) if p["parentId"])
    blog = sim.all_blogposts(["current"])[0]
    comment = sim.all_comments("footer")[0]
    inline = sim.all_comments("inline")[0]
    label = sim.all_labels()[0]
    space = sim.all_spaces()[0]
    att = sim.all_attachments()[0]
    concrete = {
        "/spaces": "/spaces", "/spaces/{id}": f"/spaces/{space['id']}",
        "/spaces/{id}/pages": f"/spaces/{space['id']}/pages",
        "/spaces/{id}/blogposts": f"/spaces/{space['id']}/blogposts",
        "/pages": "/pages", "/pages/{id}": f"/pages/{page['id']}",
        "/pages/{id}/versions": f"/pages/{page['id']}/versions",
        "/pages/{id}/children": f"/pages/{page['parentId']}/children",
        "/pages/{id}/ancestors": f"/pages/{page['id']}/ancestors",
        "/pages/{id}/labels": f"/pages/{page['id']}/labels",
        "/pages/{id}/attachments": f"/pages/{page['id']}/attachments",
        "/pages/{id}/footer-comments": f"/pages/{page['id']}/footer-comments",
        "/pages/{id}/inline-comments": f"/pages/{page['id']}/inline-comments",
        "/blogposts": "/blogposts", "/blogposts/{id}": f"/blogposts/{blog['id']}",
        "/blogposts/{id}/versions": f"/blogposts/{blog['id']}/versions",
        "/blogposts/{id}/labels": f"/blogposts/{blog['id']}/labels",
        "/blogposts/{id}/attachments": f"/blogposts/{blog['id']}/attachments",
        "/blogposts/{id}/footer-comments": f"/blogposts/{blog['id']}/footer-comments",
        "/blogposts/{id}/inline-comments": f"/blogposts/{blog['id']}/inline-comments",
        "/footer-comments": "/footer-comments", "/inline-comments": "/inline-comments",
        "/footer-comments/{comment-id}": f"/footer-comments/{comment['id']}",
        "/inline-comments/{comment-id}": f"/inline-comments/{inline['id']}",
        "/footer-comments/{id}/children": f"/footer-comments/{comment['id']}/children",
        "/inline-comments/{id}/children": f"/inline-comments/{inline['id']}/children",
        "/labels": "/labels", "/labels/{id}/pages": f"/labels/{label['id']}/pages",
        "/labels/{id}/blogposts": f"/labels/{label['id']}/blogposts",
        "/attachments": "/attachments", "/attachments/{id}": f"/attachments/{att['id']}",
    }
    tokens = server.sim.config.accounts.scoped_tokens
    gateway = server.gateway_url("confluence")
    for template, path in concrete.items():
        scopes = spec_scopes(template)
        assert scopes, template
        tokens[f"tok-{template}"] = ("admin@example.com", scopes)
        with httpx.Client(base_url=gateway, auth=("admin@example.com", f"tok-{template}")) as h:
            resp = h.get(V2 + path)
            assert resp.status_code == 200, (template, resp.text)
    tokens["tok-unrelated"] = ("admin@example.com", ["read:whiteboard:confluence"])
    with httpx.Client(base_url=gateway, auth=("admin@example.com", "tok-unrelated")) as h:
        for path in concrete.values():
            assert h.get(V2 + path).status_code == 401, path
