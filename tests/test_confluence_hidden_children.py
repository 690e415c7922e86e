"""Comments and attachments of trashed pages are read in parallel (real HTTP, with latency)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from confluence_source_fixtures import assert_equals_truth, basic_credentials, new_pipeline
from dlt_atlassian.confluence import confluence_source
from dlt_atlassian.simulator.requestlog import LoggedRequest
from dlt_atlassian.simulator.server import SimulatorServer

PER_CONTAINER = ("GET /wiki/api/v2/pages/{id}/attachments",
                 "GET /wiki/api/v2/blogposts/{id}/attachments")


def _peak_overlap(entries: list[LoggedRequest]) -> int:
    """Most requests in flight at once, from each request's end time and duration."""
    events = sorted([(e.at - e.duration_ms / 1000, 1) for e in entries]
                    + [(e.at, -1) for e in entries])
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def test_attachments_of_trashed_pages_are_read_in_parallel(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., object],
    tmp_path: Path,
) -> None:
    server = make_simulator(sim_config(0.3, latency={"fixed_ms": 60.0}))
    conf = server.sim.confluence
    trashed = conf.all_pages(["current"])[:6]
    for page in trashed:
        conf.add_attachment(page["id"], "notes.txt", "text/plain", 10)
        conf.trash(page["id"])
    server.sim.requests.reset()
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server))
                 .with_resources("attachments"))
    assert_equals_truth(pipeline, server.sim, ("attachments",))
    reads = [e for e in server.sim.requests.entries() if e.endpoint in PER_CONTAINER]
    assert {e.path.split("/")[-2] for e in reads} >= {str(p["id"]) for p in trashed}
    assert _peak_overlap(reads) >= 2


def _overlaps(a: list[LoggedRequest], b: list[LoggedRequest]) -> bool:
    return any(x.at - x.duration_ms / 1000 < y.at and y.at - y.duration_ms / 1000 < x.at
               for x in a for y in b)


def test_comment_and_attachment_lists_overlap_the_content_scan(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., object],
    tmp_path: Path,
) -> None:
    # small pages make every list a chain of requests: the comment and attachment lists must
    # run beside the content scan, not after it
    server = make_simulator(sim_config(0.3, latency={"fixed_ms": 30.0},
                                       caps={"confluence_limit": 5}))
    server.sim.requests.reset()
    pipeline = new_pipeline(tmp_path)
    pipeline.run(confluence_source(credentials=basic_credentials(server))
                 .with_resources("pages", "footer_comments", "inline_comments", "attachments"))
    assert_equals_truth(pipeline, server.sim, ("pages", "footer_comments", "attachments"))
    entries = server.sim.requests.entries()
    scan = [e for e in entries if e.endpoint == "GET /wiki/api/v2/pages"]
    lists = [e for e in entries if e.endpoint in (
        "GET /wiki/api/v2/footer-comments", "GET /wiki/api/v2/inline-comments",
        "GET /wiki/api/v2/attachments")]
    assert len(scan) > 3 and len(lists) > 3
    assert _overlaps(scan, lists)
