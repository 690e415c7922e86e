"""Jira Software: boards, sprints and sprint membership (``/rest/agile/1.0``).

A site without Jira Software answers 404 on the agile API: the three tables are then skipped
with one log line. Kanban boards have no sprints (Jira answers 400 "doesn't support
sprints"): they are skipped without asking when their type says so, and quietly otherwise.
Membership of open (active, future) sprints is re-read every run; a closed sprint's
membership is read once (and again if the sprint is completed anew, or loses a deleted issue);
new sprints are read on their first run. All due sprints are read at once, page by page in
parallel (:mod:`sprint_members`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from dlt_atlassian.errors import BadRequestError, NotFoundError
from dlt_atlassian.http.paginators import StartAtPaginator
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.parallel import parallel_pages
from dlt_atlassian.jira.rows import tombstone, utc_timestamp
from dlt_atlassian.jira.settings import AGILE_PAGE_SIZE
from dlt_atlassian.jira.sprint_members import member_rows, read_members

logger = logging.getLogger("dlt_atlassian.jira")

BOARDS_PATH = "/rest/agile/1.0/board"
SPRINTS_PATH = "/rest/agile/1.0/board/{board_id}/sprint"
CLOSED_KEY = "closed_sprints"


class AgileUnavailable(Exception):
    """The site has no Jira Software (agile API answers 404)."""


def _pages(
    run: JiraRun, path: str, params: dict[str, Any] | None = None, items_key: str = "values"
) -> Iterator[list[Any]]:
    yield from run.client.paginate(
        path,
        paginator=StartAtPaginator(AGILE_PAGE_SIZE, items_key=items_key),
        params=params or {},
        data_selector=items_key,
    )


def board_pages(run: JiraRun) -> Iterator[list[dict[str, Any]]]:
    """Boards (of the configured projects, or all), each once; nothing without Jira Software."""
    seen: set[str] = set()
    scopes: list[dict[str, Any]] = [{"projectKeyOrId": p} for p in run.options.projects or ()]
    try:
        with resource_errors("boards"):
            for params in scopes or [{}]:
                for page in _pages(run, BOARDS_PATH, params):
                    rows = []
                    for board in page:
                        board_id = str(board["id"])
                        if board_id in seen:
                            continue
                        seen.add(board_id)
                        rows.append(board_row(board))
                    if rows:
                        yield rows
    except NotFoundError:
        logger.info(
            "Jira: the agile API is not available (no Jira Software); "
            "boards, sprints and sprint_issues are skipped"
        )


def board_row(board: Mapping[str, Any]) -> dict[str, Any]:
    """A ``boards`` row: the board with its location's project lifted out."""
    location = board.get("location") if isinstance(board.get("location"), Mapping) else {}
    assert isinstance(location, Mapping)
    project_id = location.get("projectId")
    return {
        **board,
        "id": str(board["id"]),
        "project_id": str(project_id) if project_id is not None else None,
        "project_key": location.get("projectKey"),
    }


def sprint_row(sprint: Mapping[str, Any], board_id: str) -> dict[str, Any]:
    """A ``sprints`` row (dates in UTC)."""
    return {
        "id": str(sprint["id"]),
        "self": sprint.get("self"),
        "state": sprint.get("state"),
        "name": sprint.get("name"),
        "goal": sprint.get("goal"),
        "start_date": utc_timestamp(sprint.get("startDate")),
        "end_date": utc_timestamp(sprint.get("endDate")),
        "complete_date": utc_timestamp(sprint.get("completeDate")),
        "created_date": utc_timestamp(sprint.get("createdDate")),
        "origin_board_id": str(sprint.get("originBoardId") or board_id),
    }


def _board_sprints(run: JiraRun, board_id: str) -> Iterator[list[dict[str, Any]]]:
    try:
        with resource_errors("sprints"):
            yield from _pages(run, SPRINTS_PATH.format(board_id=board_id))
    except BadRequestError as exc:  # "The board does not support sprints"
        logger.debug("Jira: board %s has no sprints: %s", board_id, exc.message)
    except NotFoundError:
        logger.debug("Jira: board %s disappeared while loading", board_id)


def _opener(
    stream: Callable[[JiraRun, str], Iterator[list[dict[str, Any]]]], run: JiraRun, key: str
) -> Callable[[], Iterator[list[dict[str, Any]]]]:
    return lambda: stream(run, key)


def sprint_pages(
    run: JiraRun,
    boards: list[dict[str, Any]],
    seen: set[str],
    lock: AbstractContextManager[Any] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Sprints of scrum boards, each sprint once (shared sprints show on several boards).

    Boards are read several at once; ``seen`` is only touched in the calling thread, under
    ``lock`` (several pages of boards may be handled at once). The sprints of a page of boards
    are handed on together, so their memberships are read in one parallel batch.
    """
    streams = [
        (str(b["id"]), _opener(_board_sprints, run, str(b["id"])))
        for b in boards
        if not b.get("_deleted") and str(b.get("type") or "").lower() != "kanban"
    ]
    rows = []
    for board_id, page in parallel_pages(streams, run.options.small_read_workers):
        with lock or nullcontext():
            for sprint in page:
                if str(sprint["id"]) not in seen:
                    seen.add(str(sprint["id"]))
                    rows.append(sprint_row(sprint, board_id))
    if rows:
        yield rows


def membership_tombstone(sprint_id: str) -> dict[str, Any]:
    """Clears a sprint's membership rows (a sprint left empty)."""
    return tombstone(sprint_id=sprint_id, issue_id=f"deleted:{sprint_id}")


def sprint_issue_pages(
    run: JiraRun,
    sprints: list[dict[str, Any]],
    state: MutableMapping[str, Any],
    stale_sprints: Callable[[], Iterable[str]] = lambda: (),
) -> Iterator[list[dict[str, Any]]]:
    """``(sprint_id, issue_id)`` rows of open sprints and of sprints closed since last time.

    Args:
        run: the run.
        sprints: a page of ``sprints`` rows.
        state: where closed sprints already read are remembered.
        stale_sprints: sprints holding deleted issues: read again even when closed.
    """
    closed: dict[str, Any] = state.setdefault(CLOSED_KEY, {})
    stale = set(stale_sprints())
    due: dict[str, dict[str, Any]] = {}
    for sprint in sprints:
        sprint_id = str(sprint["id"])
        completed = str(sprint.get("complete_date") or "")
        if (
            sprint.get("state") == "closed"
            and closed.get(sprint_id) == completed
            and sprint_id not in stale
        ):
            continue  # a closed sprint's membership changes only when its issues are deleted
        due[sprint_id] = sprint
    # Every page of every due sprint in parallel; state is only touched in the calling thread.
    found = read_members(run, due, run.options.small_read_workers)
    rows: list[dict[str, Any]] = []
    for sprint_id, members in found.items():
        if members.gone:
            continue  # deleted meanwhile: its rows stay until it is read again
        rows.extend(member_rows(sprint_id, members) or [membership_tombstone(sprint_id)])
        sprint = due[sprint_id]
        if sprint.get("state") == "closed":
            closed[sprint_id] = str(sprint.get("complete_date") or "")
    if rows:
        yield rows
