"""End to end: the Confluence source against the simulator over real HTTP, into DuckDB."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from confluence_source_fixtures import (
    assert_equals_truth,
    basic_credentials,
    new_pipeline,
    rows,
)
from dlt_atlassian.confluence import confluence_source
from dlt_atlassian.simulator.server import SimulatorServer


def test_full_load_equals_truth(simulator: SimulatorServer, tmp_path: Path) -> None:
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(simulator)))
    assert_equals_truth(pipeline, simulator.sim)


def _mutate_everything(server: SimulatorServer) -> dict[str, str]:
    """Edits, new content, moves, trash, purge, comments, labels, attachments (no version for
    most of them): returns the ids involved."""
    conf = server.sim.confluence
    pages = [p for p in conf.all_pages(["current"]) if p["parentId"]]
    posts = conf.all_blogposts(["current"])
    space = conf.all_spaces()[0]["id"]
    edited, moved, trashed, purged, labelled, archived = pages[:6]
    conf.edit(edited["id"], body="<p>new text</p>", message="second thoughts")
    new_page = conf.create_page(space, "Brand new page", "<p>hello</p>", parent_id=edited["id"])
    new_post = conf.create_blogpost(space, "Brand new post", "<p>news</p>")
    conf.move(moved["id"], new_page["id"])
    conf.trash(trashed["id"])
    conf.trash(purged["id"])
    conf.purge(purged["id"], keep_as_deleted=False)
    conf.archive(archived["id"])
    conf.add_label(labelled["id"], "fresh-label")
    conf.add_label(new_page["id"], "new-page-label")
    for label in conf.labels_of(edited["id"]):
        conf.remove_label(edited["id"], label["name"])
    root = conf.add_comment(labelled["id"], "<p>first!</p>")
    conf.add_comment(labelled["id"], "<p>reply</p>", parent_comment_id=root["id"])
    inline = conf.add_comment(posts[0]["id"], "<p>inline</p>", kind="inline")
    conf.resolve_comment(inline["id"])
    old_comments = [c for c in conf.all_comments("footer") if c.get("pageId") == pages[7]["id"]]
    for comment in old_comments[:1]:
        conf.delete_comment(comment["id"])
    conf.trash(posts[1]["id"])
    conf.restore(posts[1]["id"])
    conf.trash(posts[2]["id"])
    conf.purge(posts[2]["id"])  # kept with status "deleted"
    restored = [p for p in conf.all_pages(["trashed"])]
    if restored:
        conf.restore(restored[0]["id"])
    attachment = conf.add_attachment(new_post["id"], "report.pdf", "application/pdf", 2048)
    old = [a for a in conf.all_attachments() if a["id"] != attachment["id"]]
    if old:
        conf.set_attachment_status(old[0]["id"], "trashed")
    return {"edited": edited["id"], "new_page": new_page["id"], "new_post": new_post["id"],
            "labelled": labelled["id"], "purged": purged["id"]}


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., object]) -> SimulatorServer:
    return make_simulator(sim_config(0.3))


def test_incremental_run_after_every_kind_of_change_equals_truth(
    server: SimulatorServer, tmp_path: Path
) -> None:
    pipeline = new_pipeline(tmp_path)
    source = lambda: confluence_source(  # noqa: E731
        credentials=basic_credentials(server), reconcile_deletes="always")
    pipeline.run(source())
    assert_equals_truth(pipeline, server.sim)
    server.sim.advance_clock(3600)
    ids = _mutate_everything(server)
    server.sim.requests.reset()
    pipeline.run(source())
    assert_equals_truth(pipeline, server.sim)
    for table, key in (("pages", "id"), ("page_versions", "content_id"),
                       ("labels", "content_id")):
        assert not rows(pipeline, table, key, f"{key} = '{ids['purged']}'")
    assert rows(pipeline, "labels", "name", f"content_id = '{ids['labelled']}'") >= {
        ("fresh-label",)}
    assert not rows(pipeline, "labels", "name", f"content_id = '{ids['edited']}'")


def _per_item_paths(server: SimulatorServer) -> set[str]:
    return {e.path for e in server.sim.requests.entries()
            if e.endpoint.endswith(("/{id}/versions", "/{id}/labels", "/pages/{id}",
                                    "/blogposts/{id}"))}


def test_next_run_reads_only_what_changed(server: SimulatorServer, tmp_path: Path) -> None:
    pipeline = new_pipeline(tmp_path)
    source = lambda: confluence_source(  # noqa: E731
        credentials=basic_credentials(server), reconcile_deletes="never")
    pipeline.run(source())
    conf = server.sim.confluence
    server.sim.advance_clock(3600)
    edited = [p["id"] for p in conf.all_pages(["current"])][:2]
    for page_id in edited:
        conf.edit(page_id, body="<p>changed</p>")
    post = conf.create_blogpost(conf.all_spaces()[0]["id"], "News", "<p>n</p>")
    comment = conf.add_comment(edited[0], "<p>nice</p>")
    server.sim.requests.reset()
    pipeline.run(source())
    # children were read for the changed items only, one request each (versions and labels
    # together; a new post at version 1 needs only its labels), each list endpoint once
    assert _per_item_paths(server) == {f"/wiki/api/v2/pages/{i}" for i in edited} | {
        f"/wiki/api/v2/blogposts/{post['id']}/labels"}
    counts = server.sim.requests.counts()
    assert counts["GET /wiki/api/v2/footer-comments"] == 1
    assert counts["GET /wiki/api/v2/pages"] <= 2  # newest-first read + status sweep
    assert rows(pipeline, "footer_comments", "id", f"id = '{comment['id']}'")
    version = next(p for p in conf.all_pages() if p["id"] == edited[0])["version"]["number"]
    assert rows(pipeline, "pages", "version_number", f"id = '{edited[0]}'") == {(version,)}
    tables = ("pages", "blog_posts", "page_versions", "footer_comments", "inline_comments")
    assert_equals_truth(pipeline, server.sim, tables)

    # nothing changed: the lookback re-reads recent items but no child is fetched again
    server.sim.requests.reset()
    pipeline.run(source())
    assert _per_item_paths(server) == set()
    assert_equals_truth(pipeline, server.sim, tables)


def test_trash_restore_and_purge_are_seen_without_a_full_pass(
    server: SimulatorServer, tmp_path: Path
) -> None:
    pipeline = new_pipeline(tmp_path)
    source = lambda: confluence_source(  # noqa: E731
        credentials=basic_credentials(server), reconcile_deletes="never")
    pipeline.run(source())
    conf = server.sim.confluence
    leaves = [p for p in conf.all_pages(["current"]) if p["parentId"]][-3:]
    conf.trash(leaves[0]["id"])
    conf.trash(leaves[1]["id"])
    pipeline.run(source())
    assert rows(pipeline, "pages", "id", "status = 'trashed'") >= {
        (leaves[0]["id"],), (leaves[1]["id"],)}
    conf.restore(leaves[0]["id"])
    conf.purge(leaves[1]["id"], keep_as_deleted=False)
    conf.archive(leaves[2]["id"])
    server.sim.requests.reset()
    pipeline.run(source())
    tables = ("pages", "blog_posts", "page_versions", "labels")
    assert_equals_truth(pipeline, server.sim, tables)
    assert not rows(pipeline, "page_versions", "content_id", f"content_id = '{leaves[1]['id']}'")
    # no full listing: the sweep read only non-current content, then fetched 2 ids by id
    assert server.sim.requests.counts()["GET /wiki/api/v2/pages"] <= 3
