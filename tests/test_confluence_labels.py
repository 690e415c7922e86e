"""Labels listed per label on first loads and full passes, per item otherwise (real HTTP)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from confluence_source_fixtures import (
    READ_SCOPES,
    assert_equals_truth,
    basic_credentials,
    new_pipeline,
    rows,
    scoped_credentials,
)
from dlt_atlassian.confluence import confluence_source
from dlt_atlassian.simulator.server import SimulatorServer

PER_ITEM = ("GET /wiki/api/v2/pages/{id}/labels", "GET /wiki/api/v2/blogposts/{id}/labels")
# one item's versions and labels in one request (include-versions, include-labels)
SINGLE = ("GET /wiki/api/v2/pages/{id}", "GET /wiki/api/v2/blogposts/{id}")
PER_LABEL = ("GET /wiki/api/v2/labels/{id}/pages", "GET /wiki/api/v2/labels/{id}/blogposts")


@pytest.fixture
def server(make_simulator: Callable[..., SimulatorServer],
           sim_config: Callable[..., object]) -> SimulatorServer:
    return make_simulator(sim_config(1.0))


def _per_item_ids(server: SimulatorServer) -> set[str]:
    entries = server.sim.requests.entries()
    return ({e.path.split("/")[-2] for e in entries if e.endpoint in PER_ITEM}
            | {e.path.split("/")[-1] for e in entries if e.endpoint in SINGLE})


def _count(server: SimulatorServer, endpoints: tuple[str, ...]) -> int:
    counts = server.sim.requests.counts()
    return sum(counts.get(e, 0) for e in endpoints)


def _content(server: SimulatorServer) -> list[dict[str, Any]]:
    conf = server.sim.confluence
    return [*conf.all_pages(), *conf.all_blogposts()]


def _hidden_ids(server: SimulatorServer) -> set[str]:
    """Loaded content that ``/labels/{id}/pages|blogposts`` does not list (not current)."""
    return {str(c["id"]) for c in _content(server)
            if c["status"] in ("archived", "trashed", "deleted")}


def test_full_load_lists_labels_per_label(server: SimulatorServer, tmp_path: Path) -> None:
    conf = server.sim.confluence
    pages = conf.all_pages(["current"])
    conf.trash(pages[0]["id"])
    conf.add_label(pages[0]["id"], "in-the-bin")
    conf.archive(pages[1]["id"])
    labels = conf.all_labels()
    assert 0 < len(labels) < len(_content(server)) // 2, "per label must be the cheaper way"
    server.sim.requests.reset()
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server)))
    assert_equals_truth(pipeline, server.sim, ("pages", "blog_posts", "labels"))
    # content the per-label lists cannot show is read item by item; current content only
    # until that would cost more than the labels (at most one request per label and kind)
    per_item = _per_item_ids(server)
    assert _hidden_ids(server) <= per_item
    assert len(per_item - _hidden_ids(server)) <= 2 * len(labels)
    assert server.sim.requests.counts()["GET /wiki/api/v2/labels"] == 1
    total = _count(server, PER_ITEM + SINGLE) + _count(server, PER_LABEL) + 1
    assert total < len(_content(server)) // 2


def test_full_pass_drops_removed_labels_without_per_item_reads(
    server: SimulatorServer, tmp_path: Path
) -> None:
    conf = server.sim.confluence
    pipeline = new_pipeline(tmp_path)
    source = lambda: confluence_source(  # noqa: E731
        credentials=basic_credentials(server), reconcile_deletes="always")
    pipeline.run(source())
    # label changes create no version: only the full pass can see them
    labelled = next(p for p in conf.all_pages(["current"]) if conf.labels_of(p["id"]))
    unlabelled = next(p for p in conf.all_pages(["current"]) if not conf.labels_of(p["id"]))
    for label in conf.labels_of(labelled["id"]):
        conf.remove_label(labelled["id"], label["name"])
    conf.add_label(unlabelled["id"], "late-label")
    server.sim.advance_clock(3600)
    server.sim.requests.reset()
    pipeline.run(source())
    assert_equals_truth(pipeline, server.sim, ("labels",))
    assert not rows(pipeline, "labels", "name", f"content_id = '{labelled['id']}'")
    assert rows(pipeline, "labels", "name", f"content_id = '{unlabelled['id']}'") == {
        ("late-label",)}
    assert _per_item_ids(server) <= _hidden_ids(server)  # the index was built on the 1st batch
    assert _count(server, PER_LABEL) > 0


def test_few_items_and_many_labels_are_read_per_item(
    server: SimulatorServer, tmp_path: Path
) -> None:
    conf = server.sim.confluence
    space = min(conf.all_spaces(), key=lambda s: sum(
        1 for c in _content(server) if c["spaceId"] == s["id"]))
    in_space = [c for c in _content(server) if c["spaceId"] == space["id"]]
    outside = next(c for c in _content(server) if c["spaceId"] != space["id"])
    for n in range(len(in_space) + 5):  # more labels than items in scope
        conf.add_label(outside["id"], f"extra-{n}")
    server.sim.requests.reset()
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server), spaces=[space["key"]])
                 .with_resources("pages", "blog_posts", "labels"))
    assert _count(server, PER_LABEL) == 0
    assert _per_item_ids(server) == {str(c["id"]) for c in in_space}
    expected = {(str(c["id"]), str(lb["id"])) for c in in_space for lb in conf.labels_of(c["id"])}
    assert expected, "the space carries no label: this comparison proves nothing"
    assert rows(pipeline, "labels", "content_id, label_id") == expected


def test_without_label_scope_labels_are_read_per_item(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., Any],
    tmp_path: Path,
) -> None:
    token = "no-label-scope-token"
    scopes = [s for s in READ_SCOPES if s != "read:label:confluence"]
    server = make_simulator(sim_config(1.0, accounts={
        "api_tokens": {"admin@example.com": "sim-api-token"},
        "scoped_tokens": {token: ("admin@example.com", scopes)}}))
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=scoped_credentials(server, token))
                 .with_resources("pages", "blog_posts", "labels"))
    assert_equals_truth(pipeline, server.sim, ("pages", "blog_posts", "labels"))
    assert server.sim.requests.count("GET /wiki/api/v2/labels", 401) >= 1
    assert _count(server, PER_LABEL) == 0
