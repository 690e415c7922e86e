"""``/wiki/api/v2`` spaces, pages, blog posts, versions and child pages."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.confluence import render, scopes
from dlt_atlassian.simulator.confluence.apibase import CONTENT_SORTS, ApiBase, sort_spec
from dlt_atlassian.simulator.confluence.model import Content, ContentKind
from dlt_atlassian.simulator.confluence.pagination import (
    ApiError,
    choice,
    choices,
    flag,
    multi,
    multi_int,
    not_found,
    page_of,
    parse_limit,
    path_id,
    v2_endpoint,
)
from dlt_atlassian.simulator.context import record_objects, require_scopes

V2 = "/wiki/api/v2"
_LIST_FORMATS = ("storage", "atlas_doc_format")
_SINGLE_FORMATS = (
    "storage",
    "atlas_doc_format",
    "view",
    "export_view",
    "anonymous_export_view",
    "styled_view",
    "editor",
)
_PAGE_SORTS = (
    "id",
    "-id",
    "created-date",
    "-created-date",
    "modified-date",
    "-modified-date",
    "title",
    "-title",
)
_BLOG_SORTS = _PAGE_SORTS[:6]
_PAGE_STATUSES = ("current", "archived", "deleted", "trashed")
_BLOG_STATUSES = ("current", "deleted", "trashed")
_SPACE_SORTS = {
    "id": lambda s: (s.id,),
    "key": lambda s: (s.key, s.id),
    "name": lambda s: (s.name, s.id),
}
_CHILD_SORTS = {**CONTENT_SORTS, "child-position": lambda c: (c.position or 0, c.id)}


class ContentApi(ApiBase):
    """Handlers for spaces, pages, blog posts, their versions and page children."""

    def routes(self) -> list[BaseRoute]:
        """Site-relative routes of this group."""
        return [
            Route(f"{V2}/spaces", v2_endpoint(self.spaces)),
            Route(f"{V2}/spaces/{{id}}", v2_endpoint(self.space)),
            Route(f"{V2}/spaces/{{id}}/pages", v2_endpoint(self.space_pages)),
            Route(f"{V2}/spaces/{{id}}/blogposts", v2_endpoint(self.space_blogposts)),
            Route(f"{V2}/pages", v2_endpoint(self.pages)),
            Route(f"{V2}/pages/{{id}}", v2_endpoint(self.page)),
            Route(f"{V2}/pages/{{id}}/versions", v2_endpoint(self.page_versions)),
            Route(f"{V2}/pages/{{id}}/children", v2_endpoint(self.children)),
            Route(f"{V2}/blogposts", v2_endpoint(self.blogposts)),
            Route(f"{V2}/blogposts/{{id}}", v2_endpoint(self.blogpost)),
            Route(f"{V2}/blogposts/{{id}}/versions", v2_endpoint(self.blogpost_versions)),
        ]

    # spaces ---------------------------------------------------------------
    async def spaces(self, request: Request) -> Response:
        """``GET /spaces`` (ids, keys, type, status, sort, limit, cursor)."""
        require_scopes(request, scopes.SPACE)
        ids = set(multi_int(request, "ids"))
        keys = set(multi(request, "keys"))
        kind = choice(request, "type", ("global", "collaboration", "knowledge_base", "personal"))
        status = choice(request, "status", ("current", "archived"))
        sort = choice(request, "sort", ("id", "-id", "key", "-key", "name", "-name"), "id")
        assert sort is not None
        desc_format = choice(request, "description-format", ("plain", "view"))
        icon = flag(request, "include-icon")
        limit = parse_limit(request, self.cap)
        with self.store.lock:
            rows = [
                s
                for s in self.store.spaces.values()
                if (not ids or s.id in ids)
                and (not keys or s.key in keys)
                and (kind is None or s.type == kind)
                and (status is None or s.status == status)
            ]
            field, desc = sort_spec(sort)
            page, nxt = page_of(
                rows, _SPACE_SORTS[field], desc, sort, request.query_params.get("cursor"), limit
            )
            out = [render.space_json(s, desc_format, icon) for s in page]
        return self.respond(request, out, nxt, limit)

    async def space(self, request: Request) -> Response:
        """``GET /spaces/{id}``."""
        require_scopes(request, scopes.SPACE)
        space = self.store.spaces.get(path_id(request))
        if space is None:
            raise not_found()
        body = render.space_json(
            space,
            choice(request, "description-format", ("plain", "view")),
            flag(request, "include-icon"),
        )
        if flag(request, "include-labels"):
            body["labels"] = {
                "results": [],
                "meta": {"hasMore": False, "cursor": None},
                "_links": {"self": f"{V2}/spaces/{space.id}/labels"},
            }
        record_objects(request, 1)
        return JSONResponse(body)

    # content lists --------------------------------------------------------
    def _list(
        self, request: Request, kind: ContentKind, space_ids: set[int], root_only: bool = False
    ) -> Response:
        page_kind = kind == "page"
        require_scopes(request, scopes.PAGE)
        ids = set(multi_int(request, "id"))
        space_ids = space_ids | set(multi_int(request, "space-id"))
        sort = choice(request, "sort", _PAGE_SORTS if page_kind else _BLOG_SORTS, "id")
        assert sort is not None
        statuses = set(
            choices(
                request,
                "status",
                _PAGE_STATUSES if page_kind else _BLOG_STATUSES,
                ("current", "archived") if page_kind else ("current",),
            )
        )
        title = request.query_params.get("title")
        body_format = choice(request, "body-format", _LIST_FORMATS)
        limit = parse_limit(request, self.cap)
        with self.store.lock:
            rows = [
                c
                for c in self.store.contents.values()
                if c.kind == kind
                and c.status in statuses
                and (not ids or c.id in ids)
                and (not space_ids or c.space_id in space_ids)
                and (title is None or c.title == title)
                and (not root_only or c.parent_id is None)
            ]
            field, desc = sort_spec(sort)
            page, nxt = page_of(
                rows, CONTENT_SORTS[field], desc, sort, request.query_params.get("cursor"), limit
            )
            out = [render.content_json(self.store, c, body_format) for c in page]
        return self.respond(request, out, nxt, limit)

    async def pages(self, request: Request) -> Response:
        """``GET /pages``."""
        return self._list(request, "page", set())

    async def blogposts(self, request: Request) -> Response:
        """``GET /blogposts``."""
        return self._list(request, "blogpost", set())

    def _space_id(self, request: Request) -> int:
        space_id = path_id(request)
        if space_id not in self.store.spaces:
            raise not_found()
        return space_id

    async def space_pages(self, request: Request) -> Response:
        """``GET /spaces/{id}/pages`` (``depth=root`` keeps top-level pages only)."""
        depth = choice(request, "depth", ("all", "root"), "all")
        return self._list(request, "page", {self._space_id(request)}, depth == "root")

    async def space_blogposts(self, request: Request) -> Response:
        """``GET /spaces/{id}/blogposts``."""
        return self._list(request, "blogpost", {self._space_id(request)})

    # single content -------------------------------------------------------
    def _single(self, request: Request, kind: ContentKind) -> Response:
        require_scopes(request, scopes.PAGE)
        allowed: tuple[str, ...] = ("current", "archived", "trashed", "deleted", "historical",
                                    "draft")
        if kind == "blogpost":
            allowed = ("current", "trashed", "deleted", "historical", "draft")
        statuses = set(choices(request, "status", allowed, ("current", "archived")))
        if flag(request, "get-draft"):
            statuses.add("draft")
        body_format = choice(request, "body-format", _SINGLE_FORMATS)
        with self.store.lock:
            content = self.content(path_id(request), kind)
            if content.status not in statuses:
                raise not_found()
            version = None
            raw_version = request.query_params.get("version")
            if raw_version:
                version = self._version(content, raw_version)
            body = render.content_json(
                self.store,
                content,
                body_format,
                version,
                include_version=flag(request, "include-version", True),
            )
            if version is not None and version.number != content.current.number:
                body["status"] = "historical"
            self._includes(request, content, body)
        record_objects(request, 1)
        return JSONResponse(body)

    @staticmethod
    def _version(content: Content, raw: str) -> Any:
        try:
            number = int(raw)
        except ValueError:
            raise ApiError(400, "Provided value for 'version' is not the correct type.") from None
        found = next((v for v in content.versions if v.number == number), None)
        if found is None:
            raise not_found()
        return found

    def _includes(self, request: Request, content: Content, body: dict[str, Any]) -> None:
        base = f"{V2}/{'pages' if content.kind == 'page' else 'blogposts'}/{content.id}"
        if flag(request, "include-labels"):
            labels = [render.label_json(self.store.labels[cl.label_id]) for cl in content.labels][
                :50
            ]
            body["labels"] = {
                "results": labels,
                "meta": {"hasMore": len(content.labels) > 50, "cursor": None},
                "_links": {"self": f"{base}/labels"},
            }
        if flag(request, "include-versions"):
            newest = list(reversed(content.versions))
            body["versions"] = {
                "results": [render.version_json(v) for v in newest[:50]],
                "meta": {"hasMore": len(newest) > 50, "cursor": None},
                "_links": {"self": f"{base}/versions"},
            }

    async def page(self, request: Request) -> Response:
        """``GET /pages/{id}`` (``status``, ``version``, ``get-draft``, ``body-format``)."""
        return self._single(request, "page")

    async def blogpost(self, request: Request) -> Response:
        """``GET /blogposts/{id}``."""
        return self._single(request, "blogpost")

    # versions and children --------------------------------------------------
    def _versions(self, request: Request, kind: ContentKind) -> Response:
        require_scopes(request, scopes.PAGE)
        body_format = choice(request, "body-format", _LIST_FORMATS)
        # Without ``sort`` Confluence lists the newest version first.
        sort = choice(request, "sort", ("modified-date", "-modified-date"), "-modified-date")
        assert sort is not None
        limit = parse_limit(request, self.cap)
        with self.store.lock:
            content = self.content(path_id(request), kind)
            page, nxt = page_of(
                list(content.versions),
                lambda v: (v.created_at.timestamp(), v.number),
                sort.startswith("-"),
                sort,
                request.query_params.get("cursor"),
                limit,
            )
            out = [render.content_version_json(content, v, body_format) for v in page]
        return self.respond(request, out, nxt, limit)

    async def page_versions(self, request: Request) -> Response:
        """``GET /pages/{id}/versions``."""
        return self._versions(request, "page")

    async def blogpost_versions(self, request: Request) -> Response:
        """``GET /blogposts/{id}/versions``."""
        return self._versions(request, "blogpost")

    async def children(self, request: Request) -> Response:
        """``GET /pages/{id}/children``: current and archived child pages by position."""
        require_scopes(request, scopes.PAGE)
        sorts = tuple(s for f in _CHILD_SORTS for s in (f, f"-{f}") if f != "title")
        sort = choice(request, "sort", sorts, "child-position")
        assert sort is not None
        limit = parse_limit(request, self.cap)
        with self.store.lock:
            parent = self.content(path_id(request), "page")
            kids = [
                self.store.contents[i]
                for i in self.store.children.get(parent.id, [])
                if i in self.store.contents
            ]
            kids = [k for k in kids if k.status in ("current", "archived")]
            field, desc = sort_spec(sort)
            page, nxt = page_of(
                kids, _CHILD_SORTS[field], desc, sort, request.query_params.get("cursor"), limit
            )
            out = [render.child_json(c) for c in page]
        return self.respond(request, out, nxt, limit)
