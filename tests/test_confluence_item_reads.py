"""One request per changed item for its versions and labels, complete past 50 of either."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from confluence_source_fixtures import assert_equals_truth, basic_credentials, new_pipeline
from dlt_atlassian.confluence import confluence_source
from dlt_atlassian.simulator.server import SimulatorServer

V2 = "/wiki/api/v2"


def test_changed_items_read_versions_and_labels_together_and_in_full(
    make_simulator: Callable[..., SimulatorServer], sim_config: Callable[..., object],
    tmp_path: Path,
) -> None:
    server = make_simulator(sim_config(0.3))
    sim, conf = server.sim, server.sim.confluence
    pipeline = new_pipeline(tmp_path)
    source = lambda: confluence_source(  # noqa: E731
        credentials=basic_credentials(server), reconcile_deletes="never")
    pipeline.run(source())
    current = [p["id"] for p in conf.all_pages(["current"])]
    plain, many_versions, many_labels, trashed = current[:4]
    sim.advance_clock(3600)
    conf.edit(plain, body="<p>once more</p>")
    for n in range(55):  # more versions than include-versions returns (50)
        conf.edit(many_versions, body=f"<p>edit {n}</p>")
    for n in range(55):  # more labels than include-labels returns (50)
        conf.add_label(many_labels, f"tag-{n}")
    conf.edit(many_labels, body="<p>labelled</p>")
    conf.edit(trashed, body="<p>then binned</p>")
    conf.trash(trashed)
    sim.requests.reset()
    pipeline.run(source())
    assert_equals_truth(pipeline, sim)
    paths = {e.path for e in sim.requests.entries()}
    # one request brings both lists of an item...
    assert {f"{V2}/pages/{i}" for i in (plain, many_versions, many_labels, trashed)} <= paths
    assert f"{V2}/pages/{plain}/versions" not in paths
    assert f"{V2}/pages/{plain}/labels" not in paths
    # ...and a list cut at 50 is read in full from its own endpoint
    assert f"{V2}/pages/{many_versions}/versions" in paths
    assert f"{V2}/pages/{many_labels}/labels" in paths
    assert len(conf.versions_of(many_versions)) > 50
    assert len(conf.labels_of(many_labels)) > 50
