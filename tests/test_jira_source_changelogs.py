"""``issue_changelogs``: bounded bulkfetch pages, and a merge on the primary key alone."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dlt

from conftest import build_sim_config
from dlt_atlassian import jira_source
from dlt_atlassian.jira.settings import CHANGELOG_BULK_PAGE_SIZE
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import (
    assert_matches_truth,
    basic_credentials,
    make_pipeline,
    rows,
    truth_changelog_keys,
)

BULKFETCH = "POST /rest/api/3/changelog/bulkfetch"
PAGE_BOUND = 5000  # histories a page may carry (~11 MB of JSON); Jira would send 10,000
ISSUE_TABLES = ("issues", "issue_changelogs", "issue_comments", "issue_worklogs")


def histories_by_issue(server: SimulatorServer) -> dict[str, int]:
    """Issue id -> how many histories it has (the simulator's truth)."""
    truth = server.sim.jira.truth
    return {i: len(truth.changelog(k)) for i, k in truth.issue_keys().items()}


def bulk_histories(server: SimulatorServer, since: int = 0) -> int:
    """Histories the bulkfetch requests (after the ``since``-th logged request) returned."""
    return sum(e.objects for e in server.sim.requests.entries()[since:]
               if e.endpoint == BULKFETCH)


def test_bulkfetch_pages_stay_small(
    make_simulator: Callable[..., SimulatorServer], tmp_path: Path
) -> None:
    """More long histories than a page holds: several bounded pages, every history loaded."""
    server = make_simulator(build_sim_config(data={"jira_issues": 100, "histories_per_issue": 6,
                                                   "big_changelog_issues": 20,
                                                   "jira_projects": 1}))
    cap = server.sim.config.caps.changelog_expand_cap
    long_ones = sum(n for n in histories_by_issue(server).values() if n > cap)
    assert long_ones > PAGE_BOUND  # one chunk of issues, more than one page
    pipeline = make_pipeline(tmp_path)
    pipeline.run(jira_source(credentials=basic_credentials(server))
                 .with_resources("issues", "issue_changelogs"))

    pages = [e for e in server.sim.requests.entries() if e.endpoint == BULKFETCH]
    assert max(e.objects for e in pages) <= PAGE_BOUND
    # Only issues with more histories than the search embeds are bulkfetched, each once.
    assert sum(e.objects for e in pages) == long_ones
    assert len(pages) == math.ceil(long_ones / CHANGELOG_BULK_PAGE_SIZE)
    loaded = set(rows(pipeline, "SELECT history_id, item_index, issue_id FROM issue_changelogs"))
    assert loaded == truth_changelog_keys(server)


def pad_histories(server: SimulatorServer, key: str, count: int) -> None:
    """Update ``key`` until it has exactly ``count`` histories (one history per update)."""
    jira, truth = server.sim.jira, server.sim.jira.truth
    while len(truth.changelog(key)) < count:
        server.sim.clock.advance(1)
        jira.update_issue(key, {"summary": f"padding {len(truth.changelog(key))}"})
    assert len(truth.changelog(key)) == count


def test_embedded_changelogs_at_the_cap_and_beyond(
    make_simulator: Callable[..., SimulatorServer], tmp_path: Path
) -> None:
    """Exactly 40 histories come embedded, 41 and 300 are bulkfetched; incremental stays exact."""
    server = make_simulator(build_sim_config(data={"jira_issues": 60, "histories_per_issue": 5,
                                                   "big_changelog_issues": 1,
                                                   "jira_projects": 2}))
    cap = server.sim.config.caps.changelog_expand_cap
    truth = server.sim.jira.truth
    keys = truth.issue_keys()
    counts = histories_by_issue(server)
    big = max(counts, key=lambda i: counts[i])
    assert counts[big] > cap
    small = sorted((i for i in keys if counts[i] < cap - 1), key=int)
    at_cap, over_cap = small[0], small[1]
    pad_histories(server, keys[at_cap], cap)
    pad_histories(server, keys[over_cap], cap + 1)
    server.sim.clock.advance(600)
    pipeline = make_pipeline(tmp_path)
    creds = basic_credentials(server)
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    assert_matches_truth(pipeline, server)
    counts = histories_by_issue(server)
    assert bulk_histories(server) == sum(n for n in counts.values() if n > cap)

    # Each changes once: 40 -> 41, 41 -> 42, 300 -> 301, plus a new issue. The 40 embedded
    # histories and the ones already loaded make all of them: no bulkfetch at all.
    logged = len(server.sim.requests.entries())
    for issue_id in (at_cap, over_cap, big):
        server.sim.clock.advance(30)
        server.sim.jira.update_issue(keys[issue_id], {"summary": f"changed {issue_id}"})
    server.sim.jira.create_issue(next(iter(keys.values())).split("-")[0], "new one")
    server.sim.clock.advance(600)
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    assert_matches_truth(pipeline, server)
    assert bulk_histories(server, logged) == 0

    # More new histories than the search embeds: the gap can only be filled by a bulkfetch.
    logged = len(server.sim.requests.entries())
    pad_histories(server, keys[big], histories_by_issue(server)[big] + cap + 5)
    server.sim.clock.advance(600)
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    assert_matches_truth(pipeline, server)
    assert bulk_histories(server, logged) == histories_by_issue(server)[big]

    # A new pipeline (nothing stored) bulkfetches every issue the search cannot complete.
    logged = len(server.sim.requests.entries())
    fresh = make_pipeline(tmp_path)
    fresh.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    assert_matches_truth(fresh, server)
    counts = histories_by_issue(server)
    assert bulk_histories(server, logged) == sum(n for n in counts.values() if n > cap)
    duplicates = rows(pipeline, "SELECT history_id, item_index, COUNT(*) FROM issue_changelogs "
                                "GROUP BY 1, 2 HAVING COUNT(*) > 1")
    assert duplicates == []


def former_changelogs(row: dict[str, Any]) -> Any:
    """A source writing one row with the hints an earlier version declared."""

    @dlt.source(name="jira", max_table_nesting=0)
    def jira() -> Any:
        return dlt.resource([row], name="issue_changelogs", write_disposition="merge",
                            primary_key=("history_id", "item_index"), merge_key="issue_id",
                            columns={"_deleted": {"hard_delete": True, "data_type": "bool"}})

    return jira()


def test_changelogs_merge_on_primary_key_and_deletions_stay_exact(
    fresh_simulator: SimulatorServer, tmp_path: Path
) -> None:
    server = fresh_simulator
    jira, truth = server.sim.jira, server.sim.jira.truth
    pipeline = make_pipeline(tmp_path)
    # A pipeline first loaded with the former hint (delete-insert by issue_id) drops it.
    pipeline.run(former_changelogs({"history_id": "0", "item_index": 0, "issue_id": "0"}))
    creds = basic_credentials(server)
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    columns = pipeline.schemas["jira"].tables["issue_changelogs"]["columns"]
    assert not columns["issue_id"].get("merge_key")
    assert columns["history_id"].get("primary_key") and columns["item_index"].get("primary_key")
    pipeline.run(former_changelogs({"history_id": "0", "item_index": 0, "issue_id": "0",
                                    "_deleted": True}))
    assert_matches_truth(pipeline, server)

    keys = truth.issue_keys()
    by_history = sorted(keys.values(), key=lambda k: len(truth.changelog(k)))
    gone_key, changed_key = by_history[-1], by_history[-2]  # the two longest histories
    gone_id = next(i for i, k in keys.items() if k == gone_key)
    before = rows(pipeline, f"SELECT COUNT(*) FROM issue_changelogs WHERE issue_id = '{gone_id}'")
    assert before[0][0] > 0
    server.sim.clock.advance(60)
    jira.delete_issue(gone_key)
    jira.update_issue(changed_key, {"summary": "changed by the test"})
    server.sim.clock.advance(61)
    pipeline.run(jira_source(credentials=creds).with_resources(*ISSUE_TABLES))
    assert rows(pipeline, f"SELECT COUNT(*) FROM issue_changelogs WHERE issue_id = '{gone_id}'")[
        0][0] == 0
    assert_matches_truth(pipeline, server)
    duplicates = rows(pipeline, "SELECT history_id, item_index, COUNT(*) FROM issue_changelogs "
                                "GROUP BY 1, 2 HAVING COUNT(*) > 1")
    assert duplicates == []
