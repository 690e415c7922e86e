"""The Jira Software resources of ``jira_source``: ``boards``, ``sprints``, ``sprint_issues``."""

# No `from __future__ import annotations`: dlt reads these hints at runtime.
import threading
from collections.abc import Iterator
from typing import Any, Final

import dlt
from dlt.extract.resource import DltResource

from dlt_atlassian.jira import columns as cols
from dlt_atlassian.jira.agile import board_pages, sprint_issue_pages, sprint_pages
from dlt_atlassian.jira.context import JiraRun
from dlt_atlassian.jira.deletions import destination_values

MERGE: Final = "merge"


def agile_resources(run: JiraRun) -> list[DltResource]:
    """Jira Software: ``boards``, ``sprints`` and ``sprint_issues``."""

    @dlt.resource(
        name="boards",
        primary_key="id",
        write_disposition="replace",
        columns=cols.BOARDS,
        parallelized=True,
    )
    def boards() -> Iterator[Any]:
        yield from board_pages(run)

    # Parallelized resources run in dlt's worker threads: shared per-run state takes a lock.
    seen_sprints: set[str] = set()
    lock = threading.Lock()

    @dlt.transformer(
        data_from=boards,
        name="sprints",
        primary_key="id",
        write_disposition="replace",
        columns=cols.SPRINTS,
        parallelized=True,
    )
    def sprints(page: Any) -> Iterator[Any]:
        yield from sprint_pages(run, page, seen_sprints, lock)

    @dlt.transformer(
        data_from=sprints,
        name="sprint_issues",
        primary_key=("sprint_id", "issue_id"),
        merge_key="sprint_id",
        write_disposition=MERGE,
        columns=cols.SPRINT_ISSUES,
    )
    def sprint_issues(page: Any) -> Iterator[Any]:
        # Not parallelized by dlt: it may query the destination (dlt's SQL client must run in
        # the extract's main thread); its sprints are still read in parallel inside.
        state = dlt.current.source_state().setdefault("sprint_issues", {})
        yield from sprint_issue_pages(run, page, state, stale_sprints)

    stale: list[str] = []

    def stale_sprints() -> list[str]:
        # Sprints that hold issues deleted in Jira, read once per run from the destination.
        with lock:
            if not stale and run.reconciler is not None:
                gone = run.reconciler.deleted_issue_ids()
                stale.extend(destination_values("sprint_issues", "sprint_id", gone) or ["-"])
            return list(stale)

    return [boards, sprints, sprint_issues]
