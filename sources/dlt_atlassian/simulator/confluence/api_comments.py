"""``/wiki/api/v2`` footer and inline comments: site-wide, per container, replies, by id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.confluence import render, scopes
from dlt_atlassian.simulator.confluence.apibase import ApiBase, sort_spec
from dlt_atlassian.simulator.confluence.model import Comment, CommentKind, ContentKind
from dlt_atlassian.simulator.confluence.pagination import (
    choice,
    choices,
    not_found,
    page_of,
    parse_limit,
    path_id,
    v2_endpoint,
)
from dlt_atlassian.simulator.context import record_objects, require_scopes

V2 = "/wiki/api/v2"
_FORMATS = ("storage", "atlas_doc_format")
_SORTS = ("created-date", "-created-date", "modified-date", "-modified-date")
_STATUSES = ("current", "archived", "trashed", "deleted", "historical", "draft")
_RESOLUTION = ("resolved", "open", "dangling", "reopened")
_KEYS: dict[str, Callable[[Comment], tuple[Any, ...]]] = {
    "id": lambda c: (c.id,),
    "created-date": lambda c: (c.created_at.timestamp(), c.id),
    "modified-date": lambda c: (c.modified_at.timestamp(), c.id),
}
Renderer = Callable[[Comment, str | None], dict[str, Any]]


class CommentApi(ApiBase):
    """Handlers for footer and inline comments."""

    def routes(self) -> list[BaseRoute]:
        """Site-relative routes of this group."""
        routes: list[BaseRoute] = []
        for kind in ("footer", "inline"):
            k: CommentKind = kind
            routes += [
                Route(f"{V2}/{kind}-comments", v2_endpoint(self._all(k))),
                Route(f"{V2}/{kind}-comments/{{id}}", v2_endpoint(self._one(k))),
                Route(f"{V2}/{kind}-comments/{{id}}/children", v2_endpoint(self._children(k))),
                Route(
                    f"{V2}/pages/{{id}}/{kind}-comments", v2_endpoint(self._of_container(k, "page"))
                ),
                Route(
                    f"{V2}/blogposts/{{id}}/{kind}-comments",
                    v2_endpoint(self._of_container(k, "blogpost")),
                ),
            ]
        return routes

    def _visible(self, comment: Comment) -> bool:
        container = self.store.contents.get(comment.container_id)
        return container is not None and container.status in ("current", "archived")

    def _page(self, request: Request, rows: list[Comment], render_one: Renderer) -> Response:
        sort = choice(request, "sort", _SORTS) or "id"
        limit = parse_limit(request, self.cap)
        body_format = choice(request, "body-format", _FORMATS)
        field, desc = sort_spec(sort)
        page, nxt = page_of(
            rows, _KEYS[field], desc, sort, request.query_params.get("cursor"), limit
        )
        return self.respond(request, [render_one(c, body_format) for c in page], nxt, limit)

    def _all(self, kind: CommentKind) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            """``GET /{kind}-comments``: every comment of that kind, replies included."""
            require_scopes(request, scopes.COMMENT)
            with self.store.lock:
                rows = [
                    c
                    for c in self.store.comments.values()
                    if c.kind == kind and c.status == "current" and self._visible(c)
                ]
                return self._page(
                    request, rows, lambda c, f: render.comment_json(self.store, c, f, full=True)
                )

        return handler

    def _of_container(
        self,
        kind: CommentKind,
        container: ContentKind,
    ) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            """``GET /{pages|blogposts}/{id}/{kind}-comments``: the root comments."""
            require_scopes(request, scopes.COMMENT)
            statuses = set(choices(request, "status", _STATUSES, ("current",)))
            resolution = set(choices(request, "resolution-status", _RESOLUTION, ()))
            with self.store.lock:
                content = self.content(path_id(request), container)
                rows = [
                    self.store.comments[i]
                    for i in self.store.comments_by_container.get(content.id, [])
                ]
                rows = [
                    c
                    for c in rows
                    if c.kind == kind
                    and c.parent_comment_id is None
                    and c.status in statuses
                    and (not resolution or c.resolution_status in resolution)
                ]
                return self._page(
                    request, rows, lambda c, f: render.comment_json(self.store, c, f, full=False)
                )

        return handler

    def _children(self, kind: CommentKind) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            """``GET /{kind}-comments/{id}/children``: the replies to a comment."""
            require_scopes(request, scopes.COMMENT)
            with self.store.lock:
                parent = self._comment(path_id(request), kind)
                rows = [
                    self.store.comments[i]
                    for i in self.store.replies.get(parent.id, [])
                    if self.store.comments[i].status == "current"
                ]
                return self._page(
                    request, rows, lambda c, f: render.child_comment_json(self.store, c, f)
                )

        return handler

    def _one(self, kind: CommentKind) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            """``GET /{kind}-comments/{comment-id}``."""
            require_scopes(request, scopes.COMMENT)
            body_format = choice(request, "body-format", (*_FORMATS, "view"))
            with self.store.lock:
                comment = self._comment(path_id(request), kind)
                body = render.comment_json(self.store, comment, body_format, full=True)
            record_objects(request, 1)
            return JSONResponse(body)

        return handler

    def _comment(self, comment_id: int, kind: CommentKind) -> Comment:
        comment = self.store.comments.get(comment_id)
        if comment is None or comment.kind != kind:
            raise not_found()
        return comment
