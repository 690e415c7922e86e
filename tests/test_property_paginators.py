"""Property tests: every paginator against adversarial page sequences.

The paginators are driven exactly as ``AtlassianClient.paginate`` drives them (init_request,
then per page: items, update_state, has_next_page, update_request), with real
``httpx.Response`` objects built from a scripted server. Properties: a consistent server's items
come out exactly once and in order, whatever page sizes it chooses; every sequence terminates;
a repeated token or next link raises :class:`PaginationLoopError` without duplicating items.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlt_atlassian.errors import PaginationLoopError
from dlt_atlassian.http.paginators import (
    ArrayPaginator,
    BasePaginator,
    CursorPaginator,
    NextPageTokenPaginator,
    PageRequest,
    StartAtPaginator,
)

HOST = "http://127.0.0.1:9"
Server = Callable[[PageRequest], tuple[Any, dict[str, str]]]
MAX_REQUESTS = 400

item_counts = st.integers(min_value=0, max_value=120)
page_caps = st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=8)


def drive(pager: BasePaginator, server: Server, *, method: str = "GET", url: str = "/rest/x",
          items_key: str | None = None) -> list[Any]:
    """What ``AtlassianClient.paginate`` does, minus HTTP: returns every item yielded."""
    request = PageRequest(method, url)
    pager.init_request(request)
    out: list[Any] = []
    for _ in range(MAX_REQUESTS):
        body, headers = server(request)
        target = request.url if request.url.startswith("http") else HOST + request.url
        response = httpx.Response(200, json=body, headers=headers,
                                  request=httpx.Request(method, target, params=request.params))
        items = body if items_key is None else body.get(items_key) or []
        out.extend(items)
        pager.update_state(response, items, body=body)
        if not pager.has_next_page:
            return out
        pager.update_request(request)
    raise AssertionError(f"no end after {MAX_REQUESTS} requests")


def _query(request: PageRequest) -> dict[str, str]:
    merged = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
    merged.update({k: str(v) for k, v in request.params.items()})
    return merged


# -- startAt / maxResults ---------------------------------------------------------------------
@settings(max_examples=50, deadline=None)
@given(n=item_counts, caps=page_caps, page_size=st.one_of(st.none(), st.integers(1, 50)),
       with_total=st.booleans(), with_is_last=st.booleans())
def test_start_at_returns_every_item_once(n: int, caps: list[int], page_size: int | None,
                                          with_total: bool, with_is_last: bool) -> None:
    data = list(range(n))
    calls = iter(range(MAX_REQUESTS))

    def server(request: PageRequest) -> tuple[Any, dict[str, str]]:
        start = int(request.params["startAt"])
        size = min(int(request.params.get("maxResults", 50)), caps[next(calls) % len(caps)])
        body: dict[str, Any] = {"startAt": start, "maxResults": size,
                                "values": data[start:start + size]}
        if with_total:
            body["total"] = n
        if with_is_last:
            body["isLast"] = start + size >= n
        return body, {}

    assert drive(StartAtPaginator(page_size), server, items_key="values") == data


@settings(max_examples=10, deadline=None)
@given(n=st.integers(min_value=2, max_value=40), size=st.integers(min_value=1, max_value=10))
def test_start_at_terminates_when_the_server_ignores_the_offset(n: int, size: int) -> None:
    data = list(range(n))

    def server(request: PageRequest) -> tuple[Any, dict[str, str]]:
        return {"startAt": 0, "maxResults": size, "values": data[:size]}, {}

    with pytest.raises(PaginationLoopError):
        drive(StartAtPaginator(size), server, items_key="values")


# -- bare arrays ------------------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(n=item_counts, page_size=st.integers(1, 40), extra_cap=st.integers(0, 20),
       stop_on_short=st.booleans())
def test_array_returns_every_item_once(n: int, page_size: int, extra_cap: int,
                                       stop_on_short: bool) -> None:
    data = list(range(n))
    cap = page_size + extra_cap  # documented precondition: page_size never exceeds the cap

    def server(request: PageRequest) -> tuple[Any, dict[str, str]]:
        start = int(request.params["startAt"])
        return data[start:start + min(int(request.params["maxResults"]), cap)], {}

    pager = ArrayPaginator(page_size, stop_on_short_page=stop_on_short)
    assert drive(pager, server) == data


# -- nextPageToken ----------------------------------------------------------------------------
@st.composite
def token_pages(draw: st.DrawFn) -> list[list[int]]:
    """Items split into pages of any size (empty pages in the middle included)."""
    n = draw(item_counts)
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=12)))
    bounds = [0, *cuts, n]
    return [list(range(a, b)) for a, b in itertools.pairwise(bounds)]


@settings(max_examples=50, deadline=None)
@given(pages=token_pages(), with_is_last=st.booleans(), last_has_token=st.booleans(),
       method=st.sampled_from(["GET", "POST"]))
def test_next_page_token_returns_every_item_once(pages: list[list[int]], with_is_last: bool,
                                                 last_has_token: bool, method: str) -> None:
    def server(request: PageRequest) -> tuple[Any, dict[str, str]]:
        token = (request.json or {}).get("nextPageToken") if method == "POST" \
            else request.params.get("nextPageToken")
        index = 0 if token is None else int(str(token).removeprefix("tok-"))
        body: dict[str, Any] = {"issues": pages[index]}
        last = index == len(pages) - 1
        if not last or (last_has_token and with_is_last):
            body["nextPageToken"] = f"tok-{index + 1}"
        if with_is_last:
            body["isLast"] = last
        return body, {}

    expected = [i for page in pages for i in page]
    pager = NextPageTokenPaginator(items_key="issues", page_size=7)
    assert drive(pager, server, method=method, items_key="issues") == expected


@settings(max_examples=60, deadline=None)
@given(pages=st.integers(2, 12), back_to=st.data())
def test_repeated_page_token_raises_without_duplicates(pages: int, back_to: st.DataObject
                                                       ) -> None:
    loop_from = back_to.draw(st.integers(1, pages - 1))  # the last page points back here

    def server(request: PageRequest) -> tuple[Any, dict[str, str]]:
        token = request.params.get("nextPageToken")
        index = 0 if token is None else int(str(token).removeprefix("tok-"))
        following = index + 1 if index + 1 < pages else loop_from
        return {"values": [index * 100 + k for k in range(3)],
                "nextPageToken": f"tok-{following}"}, {}

    seen: list[int] = []

    def recording(request: PageRequest) -> tuple[Any, dict[str, str]]:
        body, headers = server(request)
        seen.extend(body["values"])
        return body, headers

    with pytest.raises(PaginationLoopError):
        drive(NextPageTokenPaginator(items_key="values"), recording, items_key="values")
    assert len(seen) == len(set(seen)) == pages * 3, "a page was fetched twice"


# -- Confluence cursors -----------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(pages=token_pages(), via_header=st.booleans(), v1=st.booleans())
def test_cursor_follows_links_to_the_end(pages: list[list[int]], via_header: bool,
                                         v1: bool) -> None:
    path = "/wiki/rest/api/content/search" if v1 else "/wiki/api/v2/pages"

    def server(request: PageRequest) -> tuple[Any, dict[str, str]]:
        query = _query(request)
        index = int(query.get("cursor", "0"))
        assert request.url.startswith(path), f"lost the /wiki prefix: {request.url}"
        body: dict[str, Any] = {"results": pages[index], "_links": {}}
        headers: dict[str, str] = {}
        if index + 1 < len(pages):
            # v1 links are relative to _links.context (/wiki); v2 links include /wiki.
            link = (f"/rest/api/content/search?cursor={index + 1}&limit=5" if v1
                    else f"{path}?cursor={index + 1}&limit=5")
            if v1:
                body["_links"]["context"] = "/wiki"
            if via_header:
                headers["Link"] = f'<{link}>; rel="next"'
            else:
                body["_links"]["next"] = link
        return body, headers

    expected = [i for page in pages for i in page]
    assert drive(CursorPaginator(page_size=5), server, url=path,
                 items_key="results") == expected


@settings(max_examples=40, deadline=None)
@given(pages=st.integers(2, 10), data=st.data())
def test_repeated_next_link_raises(pages: int, data: st.DataObject) -> None:
    loop_from = data.draw(st.integers(1, pages - 1))

    def server(request: PageRequest) -> tuple[Any, dict[str, str]]:
        index = int(_query(request).get("cursor", "0"))
        following = index + 1 if index + 1 < pages else loop_from
        link = f"/wiki/api/v2/pages?cursor={following}"
        return {"results": [index], "_links": {"next": link}}, {}

    with pytest.raises(PaginationLoopError):
        drive(CursorPaginator(), server, url="/wiki/api/v2/pages", items_key="results")
