"""Sprint membership, read with every page in flight at once.

``GET /rest/agile/1.0/sprint/{id}/issue`` is offset-paged (50 issues a page) with ``total``:
read one page after another, a sprint of 600 issues is a chain of 12 round trips. Instead the
first page of every sprint is read in parallel, then, knowing ``total`` and the page size the
server applied, the remaining offsets of all sprints at once. Each range still follows short
pages and the last one reads on past a ``total`` that grew meanwhile, so nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dlt_atlassian.errors import NotFoundError
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.parallel import parallel_pages
from dlt_atlassian.jira.settings import AGILE_PAGE_SIZE

SPRINT_ISSUES_PATH = "/rest/agile/1.0/sprint/{sprint_id}/issue"
TABLE = "sprint_issues"


@dataclass
class Members:
    """What was read of one sprint: issues by id (deduplicated), and where reading stopped."""

    issues: dict[str, Any] = field(default_factory=dict)
    total: int | None = None
    size: int = AGILE_PAGE_SIZE
    end: int = 0  # offset after the first page
    done: bool = False  # the first page was the last one
    gone: bool = False  # 404: the sprint no longer exists


def _page(run: JiraRun, sprint_id: str, start: int, size: int) -> Mapping[str, Any]:
    with resource_errors(TABLE):
        body = run.client.get_json(
            SPRINT_ISSUES_PATH.format(sprint_id=sprint_id),
            params={"startAt": start, "maxResults": size, "fields": "id"},
        )
    return body if isinstance(body, Mapping) else {}


def _items(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    issues = body.get("issues")
    return [i for i in issues or [] if isinstance(i, Mapping) and "id" in i]


def _first_page(run: JiraRun, sprint_id: str) -> Iterator[Members]:
    found = Members()
    try:
        body = _page(run, sprint_id, 0, AGILE_PAGE_SIZE)
    except NotFoundError:
        found.gone = True
        yield found
        return
    items = _items(body)
    found.issues = {str(i["id"]): i.get("key") for i in items}
    total = body.get("total")
    found.total = total if isinstance(total, int) else None
    size = body.get("maxResults")
    found.size = size if isinstance(size, int) and size > 0 else max(len(items), 1)
    found.end = len(items)
    found.done = (
        not items
        or body.get("isLast") is True
        or (found.total is not None and found.end >= found.total)
    )
    yield found


def _range(
    run: JiraRun, sprint_id: str, start: int, stop: int | None, size: int
) -> Iterator[list[Mapping[str, Any]]]:
    """Issues at offsets ``[start, stop)``; ``stop=None`` reads to the end (isLast/total)."""
    offset = start
    while stop is None or offset < stop:
        want = size if stop is None else min(size, stop - offset)
        try:
            body = _page(run, sprint_id, offset, want)
        except NotFoundError:
            return  # deleted while reading: its first page decides what is kept
        items = _items(body)
        if items:
            yield items
        offset += len(items)
        total = body.get("total")
        if not items or body.get("isLast") is True:
            return
        if stop is None and isinstance(total, int) and offset >= total:
            return


def _opener(read: Callable[..., Iterator[Any]], *args: Any) -> Callable[[], Iterator[Any]]:
    return lambda: read(*args)


def read_members(run: JiraRun, sprint_ids: Iterable[str], workers: int) -> dict[str, Members]:
    """Every member of each sprint (``gone`` for sprints answering 404)."""
    found: dict[str, Members] = {}
    firsts = [(s, _opener(_first_page, run, s)) for s in sprint_ids]
    for sprint_id, members in parallel_pages(firsts, workers):
        found[sprint_id] = members
    rest: list[tuple[str, Callable[[], Iterator[Any]]]] = []
    for sprint_id, members in found.items():
        if members.gone or members.done:
            continue
        if members.total is None:  # no total: follow the pages one after another
            rest.append(
                (sprint_id, _opener(_range, run, sprint_id, members.end, None, members.size))
            )
            continue
        starts = list(range(members.end, members.total, members.size)) or [members.end]
        for index, start in enumerate(starts):
            last = index == len(starts) - 1
            stop = None if last else start + members.size
            rest.append((sprint_id, _opener(_range, run, sprint_id, start, stop, members.size)))
    for sprint_id, items in parallel_pages(rest, workers):
        found[sprint_id].issues.update((str(i["id"]), i.get("key")) for i in items)
    return found


def member_rows(sprint_id: str, members: Members) -> list[dict[str, Any]]:
    """``sprint_issues`` rows of one sprint."""
    return [
        {"sprint_id": sprint_id, "issue_id": issue_id, "issue_key": key}
        for issue_id, key in members.issues.items()
    ]
