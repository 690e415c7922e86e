"""``sprint_issues`` across runs: open sprints every run, closed ones once, pages in parallel.

The simulator has no mutation methods for sprints yet (start/close a sprint, rank an issue
into one), so these tests change its agile state directly under its lock, the way Jira would:
closing a sprint moves its unfinished issues to the next sprint, and an issue added to a
future sprint carries that sprint. Every check compares with the simulator's own truth.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

from conftest import build_sim_config
from dlt_atlassian import jira_source
from dlt_atlassian.simulator.server import SimulatorServer
from jira_source_fixtures import basic_credentials, make_pipeline, rows

MEMBERS = "GET /rest/agile/1.0/sprint/{sprintId}/issue"
AGILE = ("boards", "sprints", "sprint_issues")


def truth_membership(server: SimulatorServer) -> set[tuple[str, str]]:
    """(sprint id, issue id) of every live issue in every sprint."""
    return {(str(s), i) for s, ids in server.sim.jira.truth.sprint_membership().items()
            for i in ids}


def member_pages(server: SimulatorServer, sprint_ids: set[str]) -> int:
    """Requests reading ``sprint_ids`` one page of ``agile`` cap at a time need (>= 1 each)."""
    cap = server.sim.config.caps.agile
    members = server.sim.jira.truth.sprint_membership()
    return sum(max(1, math.ceil(len(members[int(s)]) / cap)) for s in sprint_ids)


def open_sprints(server: SimulatorServer) -> set[str]:
    """Active and future sprints."""
    return {str(s["id"]) for s in server.sim.jira.truth.sprints() if s["state"] != "closed"}


def close_sprint(server: SimulatorServer, sprint_id: int) -> None:
    """Complete an active sprint now; its issues carry over to the board's next sprint."""
    store = server.sim.jira.store
    with store.lock:
        sprint = store.sprints[sprint_id]
        board = next(b for b in store.boards if b.id == sprint.board_id)
        after = board.sprints[board.sprints.index(sprint) + 1]
        sprint.state, sprint.complete = "closed", int(server.sim.clock.timestamp() * 1000)
        for row in store.index.live():
            if row.sprint_id == sprint_id and not row.sprint_next:
                row.sprint_next = after.id
        store.version += 1
        store.drop_caches()  # the simulator caches membership between its own mutations


def add_to_sprint(server: SimulatorServer, sprint_id: int) -> str:
    """Put an issue that is in no sprint into ``sprint_id``; returns its id."""
    store = server.sim.jira.store
    with store.lock:
        row = next(r for r in store.index.live() if not r.sprint_id and not r.sprint_next)
        row.sprint_next = sprint_id
        store.version += 1
        store.drop_caches()
        return str(row.id)


def test_sprint_membership_follows_closing_and_additions(
    make_simulator: Callable[..., SimulatorServer], tmp_path: Path
) -> None:
    server = make_simulator(build_sim_config(data={"jira_issues": 900, "jira_projects": 2,
                                                   "sprints_per_board": 4}))
    truth = server.sim.jira.truth
    cap = server.sim.config.caps.agile
    assert max(len(m) for m in truth.sprint_membership().values()) > 2 * cap  # several pages
    pipeline = make_pipeline(tmp_path)
    creds = basic_credentials(server)
    pipeline.run(jira_source(credentials=creds).with_resources(*AGILE))
    assert set(rows(pipeline, "SELECT sprint_id, issue_id FROM sprint_issues")) == (
        truth_membership(server))
    every = {str(s["id"]) for s in truth.sprints()}
    assert server.sim.requests.counts()[MEMBERS] == member_pages(server, every)

    # Between runs: an active sprint is closed, an issue is added to a future sprint.
    sprints = truth.sprints()
    active = next(s for s in sprints if s["state"] == "active")
    future = next(s for s in sprints if s["state"] == "future"
                  and s["originBoardId"] != active["originBoardId"])
    server.sim.clock.advance(3600)
    close_sprint(server, int(active["id"]))
    added = add_to_sprint(server, int(future["id"]))
    server.sim.requests.reset()
    pipeline.run(jira_source(credentials=creds).with_resources(*AGILE))
    loaded = set(rows(pipeline, "SELECT sprint_id, issue_id FROM sprint_issues"))
    assert (str(future["id"]), added) in loaded
    assert loaded == truth_membership(server)
    # Open sprints, plus the one closed since; no other closed sprint is read again.
    due = open_sprints(server) | {str(active["id"])}
    assert server.sim.requests.counts()[MEMBERS] == member_pages(server, due)

    server.sim.requests.reset()
    pipeline.run(jira_source(credentials=creds).with_resources(*AGILE))
    assert set(rows(pipeline, "SELECT sprint_id, issue_id FROM sprint_issues")) == (
        truth_membership(server))
    assert server.sim.requests.counts()[MEMBERS] == member_pages(server, open_sprints(server))
