"""Issue batches are freed as soon as the child tables have read them (memory stays flat).

Regression test for a leak found with ``gc.get_referrers``: dlt's ``pipeline.sql_client()``
leaves a traceback that keeps the calling frames alive, and a per-batch helper frame reading the
stored history ids kept its issue batch with it, so every batch of a run stayed alive until the
extract step ended.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dlt

from conftest import build_sim_config
from dlt_atlassian.connection import connect
from dlt_atlassian.jira.context import JiraRun
from dlt_atlassian.jira.issues import IssueBatch
from dlt_atlassian.jira.source import build_options, jira_resources
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import assert_matches_truth, basic_credentials, make_pipeline

BATCH = 20
ISSUES = 600  # 30 batches: before the fix all but one were alive at once, after ~10


@dlt.source(name="jira", max_table_nesting=0)
def small_batch_jira(credentials: Any) -> Any:
    """``jira_source`` with issue batches of ``BATCH`` (many batches from a small site)."""
    options = build_options(None, None, None, None, 300, "id", False, "always", 4,
                            issue_batch_size=BATCH)
    client = connect(credentials, max_connections=8).jira
    return jira_resources(JiraRun(options, lambda: client))


def live_batches() -> int:
    """Non-empty issue batches alive in this process."""
    return sum(1 for o in gc.get_objects() if isinstance(o, IssueBatch) and len(o))


def test_issue_batches_do_not_pile_up(
    make_simulator: Callable[..., SimulatorServer], tmp_path: Path
) -> None:
    server = make_simulator(build_sim_config(data={
        "jira_issues": ISSUES, "histories_per_issue": 4, "big_changelog_issues": 60,
        "jira_projects": 1}))
    credentials = basic_credentials(server)
    pipeline = make_pipeline(tmp_path)
    pipeline.run(small_batch_jira(credentials))
    # Every issue changes: the second run reads stored history ids for each batch's long
    # changelogs (the destination query whose traceback used to keep batches alive).
    server.sim.clock.advance(3600)
    keys = list(server.sim.jira.truth.issue_keys().values())
    for key in keys:
        server.sim.jira.update_issue(key, {"summary": f"changed {key}"})
    server.sim.clock.advance(60)

    peak, rows = [0], [0]

    def probe(row: Any) -> Any:  # dlt maps each row: look at the heap every 50 rows
        rows[0] += 1
        if rows[0] % 50 == 1:
            peak[0] = max(peak[0], live_batches())
        return row

    source = small_batch_jira(credentials)
    source.resources["issue_changelogs"].add_map(probe)
    pipeline.run(source)
    batches = ISSUES // BATCH
    assert peak[0] <= batches // 2, f"{peak[0]} of {batches} issue batches alive at once"
    assert_matches_truth(pipeline, server)
