"""What every Confluence handler group shares: the store, the caps and list responses."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute

from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.confluence.model import Content, ContentKind
from dlt_atlassian.simulator.confluence.pagination import SortKey, list_response, not_found
from dlt_atlassian.simulator.confluence.store import Store
from dlt_atlassian.simulator.context import record_objects

# Sort orders shared by content lists: field -> key of a page/blog post.
CONTENT_SORTS: dict[str, Any] = {
    "id": lambda c: (c.id,),
    "created-date": lambda c: (c.created_at.timestamp(), c.id),
    "modified-date": lambda c: (c.modified_at.timestamp(), c.id),
    "title": lambda c: (c.title, c.id),
}


def sort_spec(sort: str) -> tuple[str, bool]:
    """Split ``-field`` into (``field``, descending)."""
    return (sort[1:], True) if sort.startswith("-") else (sort, False)


class ApiBase:
    """Base of the handler groups (content, comments, labels/attachments, search)."""

    def __init__(self, store: Store, config: SimulatorConfig) -> None:
        self.store = store
        self.config = config

    def routes(self) -> list[BaseRoute]:
        """Site-relative routes of this handler group."""
        raise NotImplementedError

    @property
    def cap(self) -> int:
        """The server-side maximum ``limit``."""
        return self.config.caps.confluence_limit

    def respond(
        self, request: Request, rows: list[dict[str, Any]], next_cursor: str | None, limit: int
    ) -> JSONResponse:
        """A list response; each returned object costs a quota point."""
        record_objects(request, len(rows))
        return list_response(request, rows, next_cursor, limit, self.config.site_url)

    def content(
        self,
        content_id: int,
        kind: ContentKind | None = None,
        statuses: tuple[str, ...] | None = None,
    ) -> Content:
        """The page/blog post with this id (of this kind and status), else a 404."""
        found = self.store.contents.get(content_id)
        if found is None or (kind is not None and found.kind != kind):
            raise not_found()
        if statuses is not None and found.status not in statuses:
            raise not_found()
        return found


__all__ = ["CONTENT_SORTS", "ApiBase", "SortKey", "sort_spec"]
