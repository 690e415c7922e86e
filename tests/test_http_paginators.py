"""Every paginator end to end over real HTTP, with loop guards and gateway-prefix resolution."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dlt_atlassian import errors
from dlt_atlassian.http import (
    ArrayPaginator,
    CursorPaginator,
    NextPageTokenPaginator,
    StartAtPaginator,
)
from http_fixtures import FakeClock, Logged, ScriptedServer, make_client

DATA = [{"id": str(i)} for i in range(23)]
CAP = 10  # server-side page cap, smaller than what the client asks for


def _client(server: ScriptedServer, prefix: str = "") -> Any:
    return make_client(server.base_url + prefix, FakeClock())


def _ids(pages: list[list[dict[str, str]]]) -> list[str]:
    return [item["id"] for page in pages for item in page]


# ------------------------------------------------------------------ startAt / maxResults


def _start_at_handler(items_key: str, *, total: bool, is_last: bool) -> Any:
    def handle(req: Logged) -> dict[str, object]:
        start = int(req.query.get("startAt", 0))
        size = min(int(req.query.get("maxResults", 50)), CAP)
        page = DATA[start : start + size]
        body: dict[str, object] = {"startAt": start, "maxResults": size, items_key: page}
        if total:
            body["total"] = len(DATA)
        if is_last:
            body["isLast"] = start + size >= len(DATA)
        return {"json": body}

    return handle


@pytest.mark.parametrize(
    ("total", "is_last"), [(True, False), (False, True), (True, True), (False, False)]
)
def test_start_at_paginator(server: ScriptedServer, total: bool, is_last: bool) -> None:
    server.handle(
        "/rest/api/3/issue/A-1/comment", _start_at_handler("comments", total=total, is_last=is_last)
    )
    paginator = StartAtPaginator(100, items_key="comments")
    with _client(server) as client:
        pages = list(client.paginate("/rest/api/3/issue/A-1/comment", paginator=paginator))
    assert _ids(pages) == [d["id"] for d in DATA]
    logged = server.requests_to("/rest/api/3/issue/A-1/comment")
    # the offset advances by what the server returned, not by what we asked for
    assert [int(r.query["startAt"]) for r in logged][:3] == [0, CAP, 2 * CAP]
    expected_requests = -(-len(DATA) // CAP) + (0 if (total or is_last) else 1)
    assert len(logged) == expected_requests


def test_paginate_streams_pages(server: ScriptedServer) -> None:
    server.handle("/rest/agile/1.0/board", _start_at_handler("values", total=True, is_last=True))
    with _client(server) as client:
        pages = client.paginate("/rest/agile/1.0/board", paginator=StartAtPaginator())
        first = next(pages)
        assert len(first) == CAP
        assert len(server.requests_to("/rest/agile/1.0/board")) == 1  # nothing fetched ahead
        rest = list(pages)
    assert len(first) + sum(map(len, rest)) == len(DATA)


def test_paginator_instance_is_a_reusable_template(server: ScriptedServer) -> None:
    server.handle("/rest/agile/1.0/board", _start_at_handler("values", total=True, is_last=False))
    paginator = StartAtPaginator(5)
    with _client(server) as client:
        once = list(client.paginate("/rest/agile/1.0/board", paginator=paginator))
        twice = list(client.paginate("/rest/agile/1.0/board", paginator=paginator))
    assert _ids(once) == _ids(twice) == [d["id"] for d in DATA]


# ------------------------------------------------------------------ bare arrays


@pytest.mark.parametrize("size", [23, 20])
def test_array_paginator(server: ScriptedServer, size: int) -> None:
    data = DATA[:size]

    def handle(req: Logged) -> dict[str, object]:
        start, limit = int(req.query["startAt"]), int(req.query["maxResults"])
        return {"json": data[start : start + limit]}

    server.handle("/rest/api/3/users/search", handle)
    with _client(server) as client:
        pages = list(client.paginate("/rest/api/3/users/search", paginator=ArrayPaginator(10)))
    assert _ids(pages) == [d["id"] for d in data]
    # a short page ends it; an exact multiple needs one empty page to know
    assert len(server.requests_to("/rest/api/3/users/search")) == size // 10 + 1


# ------------------------------------------------------------------ nextPageToken


def _token_handler(*, in_body: bool, drop_is_last: bool = False, repeat: bool = False) -> Any:
    def handle(req: Logged) -> dict[str, object]:
        source = req.json() if in_body else req.query
        token = source.get("nextPageToken")
        start = int(token.split("-")[1]) if token else 0
        page = DATA[start : start + CAP]
        body: dict[str, object] = {"issues": page}
        more = start + CAP < len(DATA)
        if more:
            body["nextPageToken"] = token if (repeat and token) else f"t-{start + CAP}"
        if not drop_is_last:
            body["isLast"] = not more
        return {"json": body}

    return handle


@pytest.mark.parametrize("drop_is_last", [False, True])
def test_next_page_token_get(server: ScriptedServer, drop_is_last: bool) -> None:
    server.handle(
        "/rest/api/3/search/jql", _token_handler(in_body=False, drop_is_last=drop_is_last)
    )
    paginator = NextPageTokenPaginator(items_key="issues", page_size=100)
    with _client(server) as client:
        pages = list(
            client.paginate(
                "/rest/api/3/search/jql",
                paginator=paginator,
                params={"jql": "project = A", "fields": "id"},
            )
        )
    assert _ids(pages) == [d["id"] for d in DATA]
    logged = server.requests_to("/rest/api/3/search/jql")
    assert [r.query.get("nextPageToken") for r in logged] == [None, "t-10", "t-20"]
    assert all(r.query["jql"] == "project = A" and r.query["maxResults"] == "100" for r in logged)


def test_next_page_token_post_body(server: ScriptedServer) -> None:
    server.handle("/rest/api/3/changelog/bulkfetch", _token_handler(in_body=True))
    paginator = NextPageTokenPaginator(items_key="issues", page_size=1000)
    with _client(server) as client:
        pages = list(
            client.paginate(
                "/rest/api/3/changelog/bulkfetch",
                paginator=paginator,
                method="POST",
                json={"issueIdsOrKeys": ["A-1"]},
            )
        )
    assert _ids(pages) == [d["id"] for d in DATA]
    bodies = [r.json() for r in server.requests_to("/rest/api/3/changelog/bulkfetch")]
    assert [b.get("nextPageToken") for b in bodies] == [None, "t-10", "t-20"]
    assert all(b["issueIdsOrKeys"] == ["A-1"] and b["maxResults"] == 1000 for b in bodies)


def test_is_last_true_wins_over_a_token(server: ScriptedServer) -> None:
    server.script(
        "/rest/api/3/search/jql",
        {"json": {"issues": [{"id": "1"}], "nextPageToken": "t-x", "isLast": True}},
    )
    with _client(server) as client:
        pages = list(
            client.paginate(
                "/rest/api/3/search/jql", paginator=NextPageTokenPaginator(items_key="issues")
            )
        )
    assert _ids(pages) == ["1"]
    assert len(server.requests_to("/rest/api/3/search/jql")) == 1


def test_repeated_token_raises_loop_error(server: ScriptedServer) -> None:
    server.handle("/rest/api/3/search/jql", _token_handler(in_body=False, repeat=True))
    seen: list[list[Any]] = []
    with _client(server) as client, pytest.raises(errors.PaginationLoopError) as info:
        for page in client.paginate(
            "/rest/api/3/search/jql", paginator=NextPageTokenPaginator(items_key="issues")
        ):
            seen.append(page)
    assert len(server.requests_to("/rest/api/3/search/jql")) == 2
    assert _ids(seen) == [d["id"] for d in DATA[: 2 * CAP]]  # each distinct page once
    assert "/rest/api/3/search/jql" in str(info.value)


# ------------------------------------------------------------------ Confluence cursors

PREFIX = "/ex/confluence/cloud-9"


def _cursor_handler(*, link_header: bool, next_prefix: str = "", v1: bool = False) -> Any:
    def handle(req: Logged) -> dict[str, object]:
        cursor = int(req.query.get("cursor", 0))
        limit = int(req.query.get("limit", 25))
        page = DATA[cursor : cursor + min(limit, CAP)]
        body: dict[str, object] = {"results": page}
        links: dict[str, str] = {"base": "https://site.atlassian.net/wiki"}
        headers: dict[str, str] = {}
        nxt = cursor + len(page)
        if nxt < len(DATA):
            path = "/rest/api/search" if v1 else "/wiki/api/v2/pages"
            url = f"{next_prefix}{path}?limit={limit}&cursor={nxt}"
            if link_header:
                headers["Link"] = f'<{url}>; rel="next", <https://x/other>; rel="base"'
            else:
                links["next"] = url
        if v1:
            links["context"] = "/wiki"
            body.update(start=cursor, limit=limit, size=len(page))
        body["_links"] = links
        return {"json": body, "headers": headers}

    return handle


@pytest.mark.parametrize("link_header", [False, True])
def test_cursor_keeps_the_gateway_prefix(server: ScriptedServer, link_header: bool) -> None:
    server.handle(f"{PREFIX}/wiki/api/v2/pages", _cursor_handler(link_header=link_header))
    with _client(server, PREFIX) as client:
        pages = list(client.paginate("/wiki/api/v2/pages", paginator=CursorPaginator(page_size=50)))
    assert _ids(pages) == [d["id"] for d in DATA]
    logged = server.requests_to(f"{PREFIX}/wiki/api/v2/pages")
    assert [r.query.get("cursor") for r in logged] == [None, "10", "20"]
    assert server.log == logged  # nothing went to /wiki/... without the prefix


def test_cursor_rebases_absolute_links_to_another_host(server: ScriptedServer) -> None:
    # Links naming the site host while we talk to the gateway keep credentials on the gateway.
    handler = _cursor_handler(link_header=False, next_prefix="https://site.example.net")
    server.handle(f"{PREFIX}/wiki/api/v2/pages", handler)
    with _client(server, PREFIX) as client:
        pages = list(client.paginate("/wiki/api/v2/pages", paginator=CursorPaginator()))
    assert _ids(pages) == [d["id"] for d in DATA]
    assert len(server.requests_to(f"{PREFIX}/wiki/api/v2/pages")) == 3


def test_cursor_confluence_v1_links_are_relative_to_context(server: ScriptedServer) -> None:
    server.handle("/wiki/rest/api/search", _cursor_handler(link_header=False, v1=True))
    with _client(server) as client:
        pages = list(
            client.paginate(
                "/wiki/rest/api/search",
                paginator=CursorPaginator(),
                params={"cql": "type=page", "limit": 25},
            )
        )
    assert _ids(pages) == [d["id"] for d in DATA]
    assert len(server.requests_to("/wiki/rest/api/search")) == 3


def test_cursor_repeated_link_raises_loop_error(server: ScriptedServer) -> None:
    body = {"results": [{"id": "1"}], "_links": {"next": "/wiki/api/v2/pages?cursor=same"}}
    server.script("/wiki/api/v2/pages", {"json": body})
    with _client(server) as client, pytest.raises(errors.PaginationLoopError):
        list(client.paginate("/wiki/api/v2/pages", paginator=CursorPaginator()))
    assert len(server.requests_to("/wiki/api/v2/pages")) == 2


# ------------------------------------------------------------------ item selection


def test_data_selector_and_missing_items(server: ScriptedServer) -> None:
    server.script("/rest/api/3/x", {"json": {"data": {"rows": [{"id": "a"}]}, "isLast": True}})
    server.script("/rest/api/3/y", {"json": {"unexpected": 1}})
    with _client(server) as client:
        pages = list(
            client.paginate(
                "/rest/api/3/x", paginator=StartAtPaginator(), data_selector="data.rows"
            )
        )
        assert pages == [[{"id": "a"}]]
        with pytest.raises(errors.ResponseFormatError) as info:
            list(client.paginate("/rest/api/3/y", paginator=StartAtPaginator()))
    assert "unexpected" in str(info.value)
    assert json.loads(json.dumps(info.value.details)) == []
