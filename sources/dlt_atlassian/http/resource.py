"""Turn any paginated Atlassian endpoint into a dlt resource (public helper).

Users can reach endpoints the sources do not cover with the same auth, retries, rate limiting
and pagination::

    client = connect(credentials).jira
    dashboards = paginated_resource(
        client, "/rest/api/3/dashboard/search", paginator=StartAtPaginator(50),
        name="dashboards", primary_key="id", write_disposition="merge",
    )
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from dlt_atlassian.http.client import AtlassianClient
from dlt_atlassian.http.paginators import BasePaginator

if TYPE_CHECKING:  # pragma: no cover
    from dlt.extract.resource import DltResource


def paginated_resource(
    client: AtlassianClient,
    path: str,
    *,
    paginator: BasePaginator,
    name: str,
    primary_key: str | list[str] | None = None,
    write_disposition: str = "append",
    data_selector: str | None = None,
    params: Mapping[str, Any] | None = None,
    method: str = "GET",
    json: Any = None,
    **hints: Any,
) -> DltResource:
    """Return a dlt resource that yields the endpoint's items page by page.

    Args:
        client: the client to call (Jira or Confluence of a connection).
        path: endpoint path, e.g. ``/rest/api/3/dashboard/search``.
        paginator: how the endpoint pages (a template; each run uses a fresh copy).
        name: resource (and table) name.
        primary_key: primary key column(s), needed for ``merge``.
        write_disposition: ``append``, ``replace`` or ``merge``.
        data_selector: dotted path to the items in each page (default: the paginator's).
        params: query parameters of the first request.
        method: ``GET`` or ``POST``.
        json: JSON body of the first request (POST searches).
        **hints: further ``dlt.resource`` arguments (``columns``, ``table_name``, ...).
    """
    import dlt  # deferred: importing dlt_atlassian.http must not require dlt at import time

    def pages() -> Iterator[list[Any]]:
        yield from client.paginate(
            path,
            paginator=paginator,
            method=method,
            params=params,
            json=json,
            data_selector=data_selector,
        )

    return dlt.resource(  # type: ignore[call-overload,no-any-return]
        pages,
        name=name,
        primary_key=primary_key,
        write_disposition=write_disposition,
        **hints,
    )()
