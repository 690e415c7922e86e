"""Reference tables: projects (with components and versions), users, fields, statuses, ...

All are small and fully reloaded each run (``replace``): that is one or a few requests each,
and it makes removals in Jira disappear without any bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dlt_atlassian.http.paginators import ArrayPaginator, StartAtPaginator
from dlt_atlassian.jira.context import JiraRun, resource_errors
from dlt_atlassian.jira.issues import PROJECT_EXPAND
from dlt_atlassian.jira.parallel import parallel_pages
from dlt_atlassian.jira.settings import PROJECT_SEARCH_PATH, Endpoint

PROJECT_PAGE_SIZE = 100
PROJECT_CHILD_PAGE_SIZE = 100


def _get_pages(run: JiraRun, endpoint: Endpoint) -> Iterator[list[Any]]:
    params = dict(endpoint.params)
    if endpoint.paging == "array":
        yield from run.client.paginate(
            endpoint.path,
            # Stop only on an empty page: a server may cap or filter a page below our size.
            paginator=ArrayPaginator(endpoint.page_size or 50, stop_on_short_page=False),
            params=params,
        )
    elif endpoint.paging == "start_at":
        yield from run.client.paginate(
            endpoint.path,
            paginator=StartAtPaginator(
                endpoint.page_size, items_key=endpoint.data_selector or "values"
            ),
            params=params,
        )
    else:
        body = run.client.get_json(endpoint.path, params=params or None)
        if endpoint.data_selector and isinstance(body, Mapping):
            body = body.get(endpoint.data_selector)
        if isinstance(body, list) and body:
            yield body


def shape_reference_row(table: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """Lift the ids people join on out of nested objects (statuses -> their category)."""
    row = dict(item)
    if table == "statuses":
        category = item.get("statusCategory")
        if isinstance(category, Mapping):
            row["status_category_id"] = category.get("id")
            row["status_category_key"] = category.get("key")
            row["status_category_name"] = category.get("name")
    if "id" in row and row["id"] is not None:
        row["id"] = str(row["id"])
    return row


def reference_pages(run: JiraRun, endpoint: Endpoint) -> Iterator[list[dict[str, Any]]]:
    """Every row of one reference table, a page at a time."""
    with resource_errors(endpoint.table):
        for page in _get_pages(run, endpoint):
            yield [shape_reference_row(endpoint.table, i) for i in page if isinstance(i, Mapping)]


def project_pages(run: JiraRun) -> Iterator[list[dict[str, Any]]]:
    """The configured projects (or every visible one), with lead, description and url."""
    if run.options.projects:
        projects = run.configured_projects(PROJECT_EXPAND)
        if projects:
            yield [_project_row(p) for p in projects]
        return
    with resource_errors("projects"):
        for page in run.client.paginate(
            PROJECT_SEARCH_PATH,
            paginator=StartAtPaginator(PROJECT_PAGE_SIZE),
            params={"expand": PROJECT_EXPAND},
        ):
            yield [_project_row(p) for p in page]


def _project_row(project: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(project)
    row["id"] = str(project["id"])
    lead = project.get("lead")
    row["lead_account_id"] = lead.get("accountId") if isinstance(lead, Mapping) else None
    return row


def _child_pages(run: JiraRun, project_id: str, kind: str) -> Iterator[list[Any]]:
    if kind == "component":
        # One unpaged array with every component of the project.
        body = run.client.get_json(f"/rest/api/3/project/{project_id}/components")
        if isinstance(body, list) and body:
            yield body
        return
    yield from run.client.paginate(
        f"/rest/api/3/project/{project_id}/version",
        paginator=StartAtPaginator(PROJECT_CHILD_PAGE_SIZE),
    )


def _child_rows(
    run: JiraRun, project_id: str, kind: str, table: str
) -> Iterator[list[dict[str, Any]]]:
    with resource_errors(table):
        for page in _child_pages(run, project_id, kind):
            rows = []
            for item in page:
                row = dict(item)
                row["id"] = str(item["id"])
                row["project_id"] = project_id
                rows.append(row)
            yield rows


def _child_opener(
    run: JiraRun, project_id: str, kind: str, table: str
) -> Callable[[], Iterator[list[dict[str, Any]]]]:
    return lambda: _child_rows(run, project_id, kind, table)


def project_children(
    run: JiraRun, projects: list[dict[str, Any]], kind: str, table: str
) -> Iterator[list[dict[str, Any]]]:
    """Components (``kind="component"``) or versions (``"version"``) of each project.

    One request stream per project, several at once: on every run these are many
    small requests whose latency would otherwise add up one after another.
    """
    streams = [(str(p["id"]), _child_opener(run, str(p["id"]), kind, table)) for p in projects]
    for _, rows in parallel_pages(streams, run.options.small_read_workers):
        yield rows


def field_rows(run: JiraRun) -> list[dict[str, Any]]:
    """The ``fields`` table: every issue field, its type and the ``issues`` column it fills."""
    return run.catalog().field_rows(run.raw_fields())
