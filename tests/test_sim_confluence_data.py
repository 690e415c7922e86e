"""The Confluence generator: determinism, shape of the data, bodies, cursors (pure, in-process)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from conftest import build_sim_config
from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.confluence import ConfluenceSimulator
from dlt_atlassian.simulator.confluence.bodies import adf_body, adf_from_storage, storage_body
from dlt_atlassian.simulator.confluence.pagination import ApiError, decode_cursor, encode_cursor
from dlt_atlassian.simulator.users import UserDirectory

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def make(seed: int = 42, pages: int = 300) -> ConfluenceSimulator:
    config: SimulatorConfig = build_sim_config(1.0)
    config.data.seed = seed
    config.data.confluence_pages = pages
    config.data.confluence_spaces = 5
    return ConfluenceSimulator(config, SimClock(), UserDirectory(config))


def snapshot(sim: ConfluenceSimulator) -> str:
    return json.dumps([sim.all_spaces(), sim.all_content(body_format="storage"),
                       sim.all_comments(body_format="atlas_doc_format"), sim.all_labels(),
                       sim.all_attachments()], sort_keys=True)


def test_same_seed_same_site_other_seed_other_site() -> None:
    assert snapshot(make()) == snapshot(make())
    assert snapshot(make(seed=7)) != snapshot(make())


def test_shape_of_generated_site() -> None:
    sim = make()
    spaces = sim.all_spaces()
    assert {s["type"] for s in spaces} == {"global", "personal"}
    assert {s["status"] for s in spaces} == {"current", "archived"}
    pages = {p["id"]: p for p in sim.all_pages()}
    assert all(pages[s["homepageId"]]["parentId"] is None for s in spaces)
    statuses = Counter(p["status"] for p in pages.values())
    assert {"current", "archived", "trashed", "deleted"} <= set(statuses)
    assert statuses["current"] > len(pages) * 0.8

    def depth(pid: str) -> int:
        parent = pages[pid]["parentId"]
        return 0 if parent is None else 1 + depth(parent)

    assert max(depth(p) for p in pages) >= 3
    for page in pages.values():
        if page["parentId"] is not None:
            assert page["parentType"] == "page"
            assert pages[page["parentId"]]["spaceId"] == page["spaceId"]
    titles = Counter((p["spaceId"], p["title"]) for p in sim.all_content())
    assert max(titles.values()) == 1  # titles are unique within a space
    humans = {u.account_id for u in sim.users.humans()}
    assert {p["authorId"] for p in pages.values()} <= humans


def test_versions_and_timestamps_are_consistent() -> None:
    sim = make(pages=80)
    for content in sim.all_content():
        versions = sim.versions_of(content["id"])
        assert [v["number"] for v in versions] == list(range(1, len(versions) + 1))
        current = {k: versions[-1][k] for k in content["version"]}
        assert current == content["version"]
        stamps = [v["createdAt"] for v in versions]
        assert stamps == sorted(stamps) and stamps[0] == content["createdAt"]
        assert all(ISO_Z.match(s) for s in stamps)
    comments = sim.all_comments()
    assert {c["resolutionStatus"] for c in comments if "resolutionStatus" in c} >= {"open"}


def test_storage_and_adf_bodies() -> None:
    storage = "".join(storage_body(seed) for seed in range(40))
    for marker in ('<ac:structured-macro ac:name="code"', "<ac:plain-text-body><![CDATA[",
                   '<ac:structured-macro ac:name="info"', '<ac:link><ri:page ri:content-title=',
                   "<table><tbody>", "<ac:task-list>", "<ac:emoticon ", "<ol>", "<h2>"):
        assert marker in storage
    kinds = set()
    for seed in range(40):
        doc = json.loads(adf_body(seed))
        kinds |= {node["type"] for node in doc["content"]}
    assert {"heading", "paragraph", "codeBlock", "panel", "table", "taskList",
            "bulletList"} <= kinds
    doc = json.loads(adf_from_storage("<p>Hello &amp; <b>bye</b></p>"))
    assert doc["content"][0]["content"][0]["text"] == "Hello & bye"


def test_cursor_round_trip_and_rejection() -> None:
    cursor = encode_cursor("-title", ((-104, -105, 1), 5))
    assert decode_cursor(cursor, "-title") == ((-104, -105, 1), 5)
    with pytest.raises(ApiError):
        decode_cursor(cursor, "id")
    with pytest.raises(ApiError):
        decode_cursor("not-a-cursor", "id")


@pytest.mark.slow
def test_twenty_thousand_pages_start_fast() -> None:
    import time

    config = build_sim_config(1.0)
    config.data.confluence_pages = 20_000
    config.data.confluence_spaces = 30
    started = time.perf_counter()
    sim = ConfluenceSimulator(config, SimClock(), UserDirectory(config))
    elapsed = time.perf_counter() - started
    assert len(sim.store.contents) >= 20_000
    assert elapsed < 10  # ~0.7 s on the 2-core dev box; generous for slow CI
