"""``/wiki/api/v2`` labels and attachments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.confluence import render, scopes
from dlt_atlassian.simulator.confluence.apibase import CONTENT_SORTS, ApiBase, sort_spec
from dlt_atlassian.simulator.confluence.model import Attachment, ContentKind, Label
from dlt_atlassian.simulator.confluence.pagination import (
    ApiError,
    choice,
    choices,
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
_LABEL_SORTS = ("created-date", "-created-date", "id", "-id", "name", "-name")
_ATT_SORTS = ("created-date", "-created-date", "modified-date", "-modified-date")
_ATT_STATUSES = ("current", "archived", "trashed")
_ATT_KEYS: dict[str, Callable[[Attachment], tuple[Any, ...]]] = {
    "id": lambda a: (a.id,),
    "created-date": lambda a: (a.created_at.timestamp(), a.id),
    "modified-date": lambda a: (a.modified_at.timestamp(), a.id),
}


class MiscApi(ApiBase):
    """Handlers for labels and attachments."""

    def routes(self) -> list[BaseRoute]:
        """Site-relative routes of this group."""
        return [
            Route(f"{V2}/labels", v2_endpoint(self.labels)),
            Route(f"{V2}/labels/{{id}}/pages", v2_endpoint(self._labelled("page"))),
            Route(f"{V2}/labels/{{id}}/blogposts", v2_endpoint(self._labelled("blogpost"))),
            Route(f"{V2}/pages/{{id}}/labels", v2_endpoint(self._content_labels("page"))),
            Route(f"{V2}/blogposts/{{id}}/labels", v2_endpoint(self._content_labels("blogpost"))),
            Route(f"{V2}/pages/{{id}}/ancestors", v2_endpoint(self.ancestors)),
            Route(f"{V2}/attachments", v2_endpoint(self.attachments)),
            Route(f"{V2}/attachments/{{id}}", v2_endpoint(self.attachment)),
            Route(f"{V2}/pages/{{id}}/attachments", v2_endpoint(self._content_attachments("page"))),
            Route(
                f"{V2}/blogposts/{{id}}/attachments",
                v2_endpoint(self._content_attachments("blogpost")),
            ),
        ]

    # labels ---------------------------------------------------------------
    async def labels(self, request: Request) -> Response:
        """``GET /labels`` (label-id, prefix, sort)."""
        require_scopes(request, scopes.LABEL)
        ids = set(multi_int(request, "label-id"))
        prefixes = set(multi(request, "prefix"))
        with self.store.lock:
            rows = [
                (label, label.id)
                for label in self.store.labels.values()
                if (not ids or label.id in ids) and (not prefixes or label.prefix in prefixes)
            ]
            return self._label_page(request, rows)

    def _label_page(self, request: Request, rows: list[tuple[Label, Any]]) -> Response:
        """Page (label, created-sort-value) pairs."""
        sort = choice(request, "sort", _LABEL_SORTS) or "id"
        limit = parse_limit(request, self.cap)
        field, desc = sort_spec(sort)
        keys: dict[str, Callable[[tuple[Label, Any]], tuple[Any, ...]]] = {
            "id": lambda r: (r[0].id,),
            "name": lambda r: (r[0].name, r[0].id),
            "created-date": lambda r: (r[1].timestamp(), r[0].id),
        }
        page, nxt = page_of(
            rows, keys[field], desc, sort, request.query_params.get("cursor"), limit
        )
        return self.respond(request, [render.label_json(r[0]) for r in page], nxt, limit)

    def _content_labels(self, kind: ContentKind) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            """``GET /{pages|blogposts}/{id}/labels``."""
            require_scopes(request, scopes.PAGE)
            prefix = choice(request, "prefix", ("my", "team", "global", "system"))
            with self.store.lock:
                content = self.content(path_id(request), kind)
                rows = [(self.store.labels[cl.label_id], cl.added_at) for cl in content.labels]
                rows = [r for r in rows if prefix is None or r[0].prefix == prefix]
                return self._label_page(request, rows)

        return handler

    def _labelled(self, kind: ContentKind) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            """``GET /labels/{id}/{pages|blogposts}``: content carrying a label."""
            require_scopes(request, scopes.PAGE)
            sort = choice(
                request,
                "sort",
                ("id", "-id", "created-date", "-created-date", "modified-date", "-modified-date"),
                "id",
            )
            assert sort is not None
            body_format = choice(request, "body-format", ("storage", "atlas_doc_format"))
            space_ids = set(multi_int(request, "space-id"))
            limit = parse_limit(request, self.cap)
            with self.store.lock:
                label_id = path_id(request)
                if label_id not in self.store.labels:
                    raise not_found()
                rows = [
                    c
                    for c in self.store.contents.values()
                    if c.kind == kind
                    and c.status == "current"
                    and (not space_ids or c.space_id in space_ids)
                    and any(cl.label_id == label_id for cl in c.labels)
                ]
                field, desc = sort_spec(sort)
                page, nxt = page_of(
                    rows,
                    CONTENT_SORTS[field],
                    desc,
                    sort,
                    request.query_params.get("cursor"),
                    limit,
                )
                out = [render.content_json(self.store, c, body_format) for c in page]
            return self.respond(request, out, nxt, limit)

        return handler

    async def ancestors(self, request: Request) -> Response:
        """``GET /pages/{id}/ancestors``: top-down; the ``limit`` nearest ones, no cursor."""
        require_scopes(request, scopes.METADATA)
        limit = parse_limit(request, self.cap)
        with self.store.lock:
            page = self.content(path_id(request), "page")
            chain: list[int] = []
            parent = page.parent_id
            while parent is not None and parent not in chain and len(chain) < limit:
                chain.append(parent)
                found = self.store.contents.get(parent)
                parent = found.parent_id if found else None
        rows = [{"id": str(i), "type": "page"} for i in reversed(chain)]
        return self.respond(request, rows, None, limit)

    # attachments ----------------------------------------------------------
    def _attachment_page(self, request: Request, rows: list[Attachment]) -> Response:
        statuses = set(choices(request, "status", _ATT_STATUSES, ("current", "archived")))
        media = request.query_params.get("mediaType")
        filename = request.query_params.get("filename")
        sort = choice(request, "sort", _ATT_SORTS) or "id"
        limit = parse_limit(request, self.cap, default=50)
        rows = [
            a
            for a in rows
            if a.status in statuses
            and (media is None or a.media_type == media)
            and (filename is None or a.title == filename)
        ]
        field, desc = sort_spec(sort)
        page, nxt = page_of(
            rows, _ATT_KEYS[field], desc, sort, request.query_params.get("cursor"), limit
        )
        return self.respond(request, [render.attachment_json(a) for a in page], nxt, limit)

    async def attachments(self, request: Request) -> Response:
        """``GET /attachments`` (status, mediaType, filename, sort; default limit 50)."""
        require_scopes(request, scopes.ATTACHMENT)
        with self.store.lock:
            rows = [
                a
                for a in self.store.attachments.values()
                if (c := self.store.contents.get(a.container_id)) is not None
                and c.status in ("current", "archived")
            ]
            return self._attachment_page(request, rows)

    def _content_attachments(self, kind: ContentKind) -> Callable[[Request], Any]:
        async def handler(request: Request) -> Response:
            """``GET /{pages|blogposts}/{id}/attachments``."""
            require_scopes(request, scopes.ATTACHMENT)
            with self.store.lock:
                content = self.content(path_id(request), kind)
                rows = [
                    self.store.attachments[i]
                    for i in self.store.attachments_by_container.get(content.id, [])
                ]
                return self._attachment_page(request, rows)

        return handler

    async def attachment(self, request: Request) -> Response:
        """``GET /attachments/{id}`` (``att123`` or ``123``)."""
        require_scopes(request, scopes.ATTACHMENT)
        raw = str(request.path_params["id"])
        try:
            attachment_id = int(raw.removeprefix("att"))
        except ValueError:
            raise ApiError(400, f"Provided value {{{raw}}} for 'id' is not valid") from None
        with self.store.lock:
            attachment = self.store.attachments.get(attachment_id)
            if attachment is None:
                raise not_found()
            body = render.attachment_json(attachment)
        record_objects(request, 1)
        return JSONResponse(body)
