"""Paginators for every paging style Atlassian uses, with the dlt paginator protocol.

Each paginator follows dlt's ``init_request`` / ``update_state`` / ``update_request`` /
``has_next_page`` protocol, but over ``httpx`` and a small mutable :class:`PageRequest`.
``AtlassianClient.paginate`` works on a copy, so one paginator instance can serve as a template.

- :class:`StartAtPaginator`: ``startAt``/``maxResults`` with ``isLast``/``total`` (Jira, Agile).
- :class:`ArrayPaginator`: bare JSON arrays paged by ``startAt``/``maxResults``.
- :class:`NextPageTokenPaginator`: ``nextPageToken`` (``/search/jql``, ``/changelog/bulkfetch``).
- :class:`CursorPaginator`: Confluence ``_links.next`` or a ``Link: <...>; rel="next"`` header,
  including Confluence v1 (``start``/``limit`` with ``_links.next`` relative to ``_links.context``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

import httpx

from dlt_atlassian.errors import PaginationLoopError

_MISSING: Any = object()


@dataclass
class PageRequest:
    """The next request a paginated call will send; paginators edit it between pages.

    ``url`` is a path appended to the client's base URL, or an absolute URL. ``is_link`` marks a
    URL handed out by the server (a next link): the client then keeps it on the configured host.
    """

    method: str
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None
    is_link: bool = False


class BasePaginator(ABC):
    """dlt-style paginator protocol over httpx responses.

    Attributes:
        items_key: where the page's items live when the caller gives no ``data_selector``.
    """

    items_key: str | None = None

    def __init__(self) -> None:
        self._has_next_page = True

    @property
    def has_next_page(self) -> bool:
        """Whether another page should be requested."""
        return self._has_next_page

    def init_request(self, request: PageRequest) -> None:  # noqa: B027 - optional hook
        """Set up the first request (page size, first offset)."""

    @abstractmethod
    def update_state(
        self, response: httpx.Response, data: list[Any] | None = None, *, body: Any = _MISSING
    ) -> None:
        """Read paging state from a page (``body`` is the parsed JSON when already known)."""

    @abstractmethod
    def update_request(self, request: PageRequest) -> None:
        """Edit ``request`` so that it asks for the next page."""

    @staticmethod
    def _body(response: httpx.Response, body: Any) -> Any:
        return response.json() if body is _MISSING else body

    def _loop_error(self, response: httpx.Response, what: str) -> PaginationLoopError:
        request = response.request
        return PaginationLoopError(
            f"{request.method} {request.url.copy_with(query=None)} returned a {what} it had "
            "already returned; stopping instead of looping forever",
            method=request.method,
            url=str(request.url),
            hint="Atlassian paged inconsistently; run again, and report it if it persists.",
        )


def _dict(body: Any) -> dict[str, Any]:
    return body if isinstance(body, dict) else {}


class StartAtPaginator(BasePaginator):
    """Offset paging: ``startAt``/``maxResults`` with ``isLast`` and/or ``total``.

    Stops on ``isLast: true``, when the next offset reaches ``total``, or on an empty page. The
    offset advances by the items actually returned (servers cap ``maxResults`` silently).

    Args:
        page_size: ``maxResults`` to ask for (None = the server's default).
        items_key: key of the items list (``values``, ``comments``, ``worklogs``, ``issues``...).
        start_param: name of the offset parameter (``start`` for Confluence v1).
        size_param: name of the page-size parameter (``limit`` for Confluence v1).
        start: first offset.
    """

    def __init__(
        self,
        page_size: int | None = None,
        *,
        items_key: str = "values",
        start_param: str = "startAt",
        size_param: str = "maxResults",
        start: int = 0,
    ) -> None:
        super().__init__()
        self.page_size = page_size
        self.items_key: str = items_key
        self.start_param = start_param
        self.size_param = size_param
        self.offset = start

    def init_request(self, request: PageRequest) -> None:
        """Ask for the first offset and the page size."""
        request.params[self.start_param] = self.offset
        if self.page_size is not None:
            request.params[self.size_param] = self.page_size

    def update_state(
        self, response: httpx.Response, data: list[Any] | None = None, *, body: Any = _MISSING
    ) -> None:
        """Advance the offset by the returned items; decide whether a next page exists."""
        doc = _dict(self._body(response, body))
        items = data if data is not None else doc.get(self.items_key) or []
        start = doc.get(self.start_param)
        start = start if isinstance(start, int) else self.offset
        if start < self.offset and items:
            # The server ignored the offset we asked for and went back to a page it had
            # already served: following its startAt would page forever.
            self._has_next_page = False
            raise self._loop_error(response, "page")
        self.offset = start + len(items)
        total = doc.get("total")
        reached_total = isinstance(total, int) and self.offset >= total
        if doc.get("isLast") is True or not items or reached_total:
            self._has_next_page = False

    def update_request(self, request: PageRequest) -> None:
        """Ask for the next offset."""
        request.params[self.start_param] = self.offset


class ArrayPaginator(BasePaginator):
    """Bare JSON arrays paged with ``startAt``/``maxResults`` until a short or empty page.

    Args:
        page_size: ``maxResults`` to ask for; must not exceed the endpoint's cap when
            ``stop_on_short_page`` is on (a capped page would look short).
        start_param: name of the offset parameter.
        size_param: name of the page-size parameter.
        stop_on_short_page: stop on a page shorter than ``page_size``; off = only on empty.
    """

    def __init__(
        self,
        page_size: int = 50,
        *,
        start_param: str = "startAt",
        size_param: str = "maxResults",
        stop_on_short_page: bool = True,
    ) -> None:
        super().__init__()
        self.page_size = page_size
        self.start_param = start_param
        self.size_param = size_param
        self.stop_on_short_page = stop_on_short_page
        self.offset = 0

    def init_request(self, request: PageRequest) -> None:
        """Ask for the first page."""
        request.params[self.start_param] = self.offset
        request.params[self.size_param] = self.page_size

    def update_state(
        self, response: httpx.Response, data: list[Any] | None = None, *, body: Any = _MISSING
    ) -> None:
        """Advance by the page length; stop on a short or empty page."""
        items = data if data is not None else self._body(response, body)
        count = len(items) if isinstance(items, list) else 0
        self.offset += count
        short = self.stop_on_short_page and count < self.page_size
        self._has_next_page = count > 0 and not short

    def update_request(self, request: PageRequest) -> None:
        """Ask for the next offset."""
        request.params[self.start_param] = self.offset


class NextPageTokenPaginator(BasePaginator):
    """``nextPageToken`` paging: the token goes in the JSON body (POST) or the query (GET).

    Stops when the response has no token or says ``isLast: true``; a token without ``isLast``
    keeps going. A token seen before raises :class:`PaginationLoopError`.

    Args:
        items_key: key of the items list (e.g. ``issues``, ``issueChangeLogs``).
        token_key: key of the token in the response body.
        token_param: name of the token in the next request.
        in_body: put the token in the JSON body; None = body for POST/PUT, query otherwise.
        page_size: ``maxResults`` to send (None = server default).
        size_param: name of the page-size parameter.
    """

    def __init__(
        self,
        *,
        items_key: str | None = None,
        token_key: str = "nextPageToken",
        token_param: str = "nextPageToken",
        in_body: bool | None = None,
        page_size: int | None = None,
        size_param: str = "maxResults",
    ) -> None:
        super().__init__()
        self.items_key = items_key
        self.token_key = token_key
        self.token_param = token_param
        self.in_body = in_body
        self.page_size = page_size
        self.size_param = size_param
        self.token: str | None = None
        self._seen: set[str] = set()

    def _use_body(self, request: PageRequest) -> bool:
        if self.in_body is not None:
            return self.in_body
        return request.method.upper() in ("POST", "PUT")

    def init_request(self, request: PageRequest) -> None:
        """Send the page size where the token will go."""
        if self.page_size is None:
            return
        if self._use_body(request):
            request.json = {**(request.json or {}), self.size_param: self.page_size}
        else:
            request.params[self.size_param] = self.page_size

    def update_state(
        self, response: httpx.Response, data: list[Any] | None = None, *, body: Any = _MISSING
    ) -> None:
        """Take the next token; stop when there is none or ``isLast`` is true."""
        doc = _dict(self._body(response, body))
        token = doc.get(self.token_key)
        if not isinstance(token, str) or not token or doc.get("isLast") is True:
            self._has_next_page = False
            self.token = None
            return
        if token in self._seen:
            self._has_next_page = False
            raise self._loop_error(response, "page token")
        self._seen.add(token)
        self.token = token

    def update_request(self, request: PageRequest) -> None:
        """Put the token into the body or the query."""
        if self._use_body(request):
            request.json = {**(request.json or {}), self.token_param: self.token}
        else:
            request.params[self.token_param] = self.token


def _next_link(doc: dict[str, Any], response: httpx.Response) -> tuple[str | None, str]:
    links = doc.get("_links")
    links = links if isinstance(links, dict) else {}
    link = links.get("next")
    context = links.get("context")
    if not isinstance(link, str) or not link:
        link = response.links.get("next", {}).get("url") or None
    return link, context if isinstance(context, str) else ""


class CursorPaginator(BasePaginator):
    """Confluence cursor paging: follow ``_links.next`` or the ``Link: <...>; rel="next"`` header.

    Relative links stay relative, so the client appends them to its base URL and the API
    gateway prefix (``/ex/confluence/{cloudId}``) is kept. Confluence v1 links are relative to
    ``_links.context`` (``/wiki``), which is prepended. A URL seen before raises
    :class:`PaginationLoopError`.

    Args:
        items_key: key of the items list (``results`` for both Confluence APIs).
        page_size: ``limit`` to ask for on the first request (next links carry it along).
        size_param: name of the page-size parameter.
    """

    def __init__(
        self, *, items_key: str = "results", page_size: int | None = None, size_param: str = "limit"
    ) -> None:
        super().__init__()
        self.items_key = items_key
        self.page_size = page_size
        self.size_param = size_param
        self.next_url: str | None = None
        self._seen: set[str] = set()
        self._wiki_request = False

    def init_request(self, request: PageRequest) -> None:
        """Send the page size; remember whether this is a Confluence (``/wiki``) call."""
        self._wiki_request = "/wiki/" in request.url
        if self.page_size is not None:
            request.params[self.size_param] = self.page_size

    def update_state(
        self, response: httpx.Response, data: list[Any] | None = None, *, body: Any = _MISSING
    ) -> None:
        """Find the next link; stop when there is none."""
        link, context = _next_link(_dict(self._body(response, body)), response)
        if link is None:
            self._has_next_page = False
            self.next_url = None
            return
        if link.startswith("/") and not link.startswith("/wiki/"):
            if context and not link.startswith(context + "/"):
                link = context.rstrip("/") + link
            elif not context and self._wiki_request and link.startswith("/rest/"):
                link = "/wiki" + link  # v1 links are relative to /wiki even without context
        if link in self._seen:
            self._has_next_page = False
            raise self._loop_error(response, "next link")
        self._seen.add(link)
        self.next_url = link

    def update_request(self, request: PageRequest) -> None:
        """Request the next link as is (it carries every query parameter)."""
        assert self.next_url is not None
        request.url = self.next_url
        request.params = {}
        request.is_link = True
