"""Confluence control API (HTTP under /_sim/confluence) and what the v2 API shows afterwards."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from confluence_sim_fixtures import client, follow
from dlt_atlassian.simulator.server import SimulatorServer

V2 = "/wiki/api/v2"
CTL = "/_sim/confluence"


def rows(pages: list[list[dict]]) -> list[dict]:
    return [r for p in pages for r in p]


@pytest.fixture
def http(fresh_simulator: SimulatorServer) -> httpx.Client:
    return client(fresh_simulator, "site")


def test_edit_creates_version_stamped_with_clock(fresh_simulator: SimulatorServer,
                                                 http: httpx.Client) -> None:
    page = http.get(f"{CTL}/truth/pages", params={"status": "current"}).json()[0]
    resp = http.post(f"{CTL}/content/{page['id']}/edit",
                     json={"body": "<p>Hello <strong>world</strong></p>", "message": "m"})
    assert resp.status_code == 200
    now = fresh_simulator.sim.clock.now()
    got = http.get(f"{V2}/pages/{page['id']}", params={"body-format": "storage"}).json()
    assert got["version"]["number"] == page["version"]["number"] + 1
    assert got["version"]["message"] == "m"
    assert got["body"]["storage"]["value"] == "<p>Hello <strong>world</strong></p>"
    stamp = got["version"]["createdAt"]
    assert stamp.endswith("Z")
    assert abs(datetime.fromisoformat(stamp).timestamp() - now.timestamp()) < 5
    adf = http.get(f"{V2}/pages/{page['id']}", params={"body-format": "atlas_doc_format"}).json()
    assert "Hello world" in adf["body"]["atlas_doc_format"]["value"]
    newest = http.get(f"{V2}/pages", params={"sort": "-modified-date", "limit": 1}).json()
    assert newest["results"][0]["id"] == page["id"]
    versions = http.get(f"{CTL}/truth/content/{page['id']}/versions").json()
    assert [v["number"] for v in versions] == list(range(1, got["version"]["number"] + 1))
    old = http.get(f"{V2}/pages/{page['id']}", params={"version": 1, "body-format": "storage"})
    assert old.json()["body"]["storage"]["value"] != got["body"]["storage"]["value"]


def test_create_move_trash_restore_purge(fresh_simulator: SimulatorServer,
                                         http: httpx.Client) -> None:
    space = http.get(f"{CTL}/truth/spaces").json()[0]
    created = http.post(f"{CTL}/pages", json={"space": space["key"], "title": "New page",
                                              "body": "<p>x</p>"}).json()
    assert created["parentId"] == space["homepageId"] and created["version"]["number"] == 1
    child = http.post(f"{CTL}/pages", json={"space": space["id"], "title": "Child",
                                            "parentId": created["id"]}).json()
    kids = http.get(f"{V2}/pages/{created['id']}/children").json()["results"]
    assert [k["id"] for k in kids] == [child["id"]]
    moved = http.post(f"{CTL}/content/{child['id']}/move", json={"parentId": None}).json()
    assert moved["parentId"] is None
    assert http.get(f"{V2}/pages/{created['id']}/children").json()["results"] == []
    assert http.post(f"{CTL}/content/{created['id']}/trash").status_code == 200
    assert http.get(f"{V2}/pages/{created['id']}").status_code == 404
    default_ids = {r["id"] for r in rows(follow(http, f"{V2}/pages", {"limit": 250}))}
    assert created["id"] not in default_ids
    trashed = {r["id"] for r in rows(follow(http, f"{V2}/pages", {"status": "trashed"}))}
    assert created["id"] in trashed
    http.post(f"{CTL}/content/{created['id']}/restore")
    assert http.get(f"{V2}/pages/{created['id']}").json()["status"] == "current"
    http.post(f"{CTL}/content/{created['id']}/archive")
    assert http.get(f"{V2}/pages/{created['id']}").json()["status"] == "archived"
    assert http.post(f"{CTL}/content/{created['id']}/purge", json={}).status_code == 204
    deleted = http.get(f"{V2}/pages/{created['id']}", params={"status": "deleted"})
    assert deleted.json()["status"] == "deleted"
    http.post(f"{CTL}/content/{created['id']}/purge", json={"keepAsDeleted": False})
    gone = http.get(f"{V2}/pages/{created['id']}", params={"status": "deleted"})
    assert gone.status_code == 404
    blog = http.post(f"{CTL}/blogposts", json={"space": space["key"], "title": "News"}).json()
    assert http.get(f"{V2}/blogposts/{blog['id']}").status_code == 200
    assert http.post(f"{CTL}/content/999999999/edit", json={}).status_code == 404


def test_comments_labels_attachments(fresh_simulator: SimulatorServer,
                                     http: httpx.Client) -> None:
    page = http.get(f"{CTL}/truth/pages", params={"status": "current"}).json()[0]
    pid = page["id"]
    root = http.post(f"{CTL}/content/{pid}/comments", json={"body": "<p>root</p>"}).json()
    reply = http.post(f"{CTL}/content/{pid}/comments",
                      json={"body": "<p>re</p>", "parentCommentId": root["id"]}).json()
    inline = http.post(f"{CTL}/content/{pid}/comments",
                       json={"kind": "inline", "selection": "the text"}).json()
    roots = rows(follow(http, f"{V2}/pages/{pid}/footer-comments"))
    assert root["id"] in {c["id"] for c in roots} and reply["id"] not in {c["id"] for c in roots}
    kids = rows(follow(http, f"{V2}/footer-comments/{root['id']}/children"))
    assert [c["id"] for c in kids] == [reply["id"]]
    got = rows(follow(http, f"{V2}/pages/{pid}/inline-comments"))
    mine = next(c for c in got if c["id"] == inline["id"])
    assert mine["resolutionStatus"] == "open"
    assert mine["properties"]["inlineOriginalSelection"] == "the text"
    http.post(f"{CTL}/comments/{inline['id']}/resolve", json={"resolved": True})
    resolved = rows(follow(http, f"{V2}/pages/{pid}/inline-comments",
                           {"resolution-status": "resolved"}))
    assert inline["id"] in {c["id"] for c in resolved}
    edited = http.post(f"{CTL}/comments/{root['id']}/edit", json={"body": "<p>v2</p>"}).json()
    assert edited["version"]["number"] == 2
    assert http.delete(f"{CTL}/comments/{root['id']}").status_code == 204
    all_ids = {c["id"] for c in rows(follow(http, f"{V2}/footer-comments", {"limit": 250}))}
    assert root["id"] not in all_ids and reply["id"] not in all_ids

    label = http.post(f"{CTL}/content/{pid}/labels", json={"name": "Fresh-Label"}).json()
    assert label["name"] == "fresh-label" and label["prefix"] == "global"
    names = {lb["name"] for lb in rows(follow(http, f"{V2}/pages/{pid}/labels"))}
    assert "fresh-label" in names
    http.delete(f"{CTL}/content/{pid}/labels/fresh-label")
    names = {lb["name"] for lb in rows(follow(http, f"{V2}/pages/{pid}/labels"))}
    assert "fresh-label" not in names

    att = http.post(f"{CTL}/content/{pid}/attachments",
                    json={"title": "spec.pdf", "mediaType": "application/pdf",
                          "fileSize": 4321}).json()
    listed = rows(follow(http, f"{V2}/pages/{pid}/attachments"))
    assert {"id": att["id"], "fileSize": 4321, "pageId": pid}.items() <= next(
        a for a in listed if a["id"] == att["id"]).items()
    http.post(f"{CTL}/attachments/{att['id']}/status", json={"status": "trashed"})
    assert att["id"] not in {a["id"] for a in rows(follow(http, f"{V2}/pages/{pid}/attachments"))}


def test_cursor_is_stable_under_concurrent_edits(fresh_simulator: SimulatorServer,
                                                 http: httpx.Client) -> None:
    sim = fresh_simulator.sim.confluence
    want = [p["id"] for p in sim.all_pages(["current", "archived"])]
    got: list[str] = []
    resp = http.get(f"{V2}/pages", params={"limit": 3})
    created: list[str] = []
    while True:
        got.extend(r["id"] for r in resp.json()["results"])
        nxt = resp.json()["_links"].get("next")
        if not nxt:
            break
        # Edits, a new page and a trashed page that was already read between requests.
        sim.edit(want[len(got) % len(want)])
        if len(got) == 3:
            sim.trash(got[0])
        if len(created) < 1:
            created.append(sim.create_page(sim.all_spaces()[0]["id"], "Late page")["id"])
        resp = http.get(nxt)
    assert len(got) == len(set(got))
    assert got == sorted(want + created, key=int)  # nothing skipped, nothing repeated


def test_python_truth_accessors(fresh_simulator: SimulatorServer) -> None:
    sim = fresh_simulator.sim.confluence
    statuses = {p["status"] for p in sim.all_pages()}
    assert {"current"} <= statuses
    page = sim.all_pages(["current"], body_format="storage")[0]
    assert page["body"]["storage"]["value"]
    assert sim.versions_of(page["id"])[-1]["number"] == page["version"]["number"]
    assert all(c["status"] == "current" for c in sim.all_comments())
    assert all(a["id"].startswith("att") for a in sim.all_attachments())


def test_spaces_and_bad_control_input(fresh_simulator: SimulatorServer,
                                      http: httpx.Client) -> None:
    space = http.post(f"{CTL}/spaces", json={"key": "new", "name": "New space"}).json()
    assert space["key"] == "NEW" and space["homepageId"]
    listed = http.get(f"{V2}/spaces", params={"keys": "NEW"}).json()["results"]
    assert [s["id"] for s in listed] == [space["id"]]
    home = http.get(f"{V2}/pages/{space['homepageId']}").json()
    assert home["spaceId"] == space["id"] and home["parentId"] is None
    http.post(f"{CTL}/spaces/{space['id']}/status", json={"status": "archived"})
    archived = http.get(f"{V2}/spaces", params={"status": "archived"}).json()["results"]
    assert space["id"] in {s["id"] for s in archived}
    assert http.post(f"{CTL}/spaces", json={"key": "NEW"}).status_code == 400
    assert http.post(f"{CTL}/pages", json={"title": "no space"}).status_code == 400
    assert http.post(f"{CTL}/pages", content=b"{not json").status_code == 400
