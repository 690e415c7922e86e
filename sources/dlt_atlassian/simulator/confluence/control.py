"""HTTP control API (mounted under ``/_sim/confluence``, no auth): mutations and truth."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.confluence.model import CommentKind

if TYPE_CHECKING:
    from dlt_atlassian.simulator.confluence.simulator import ConfluenceSimulator

Action = Callable[[Request, dict[str, Any]], Any]


class _Payload(dict[str, Any]):
    """The JSON body; a missing required field is a 400, not a 404."""

    def __missing__(self, key: str) -> Any:
        raise ValueError(f"missing field {key!r}")


def _wrap(action: Action) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        payload = _Payload()
        try:
            raw = await request.body()
            if raw:
                payload.update(json.loads(raw))
            result = action(request, payload)
        except KeyError as exc:
            return JSONResponse({"error": str(exc).strip("'\"")}, status_code=404)
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result)

    return endpoint


def _statuses(request: Request) -> list[str] | None:
    values = [v for raw in request.query_params.getlist("status") for v in raw.split(",") if v]
    return values or None


def _kind(request: Request) -> CommentKind | None:
    kind = request.query_params.get("kind")
    if kind not in (None, "footer", "inline"):
        raise ValueError("kind must be footer or inline")
    return kind  # type: ignore[return-value]


def control_routes(sim: ConfluenceSimulator) -> list[BaseRoute]:
    """Routes relative to the control mount point."""

    def pid(request: Request) -> str:
        return str(request.path_params["id"])

    def fmt(request: Request) -> str | None:
        return request.query_params.get("body-format")

    actions: list[tuple[str, str, Action]] = [
        (
            "POST",
            "/spaces",
            lambda r, p: sim.create_space(
                p["key"], str(p.get("name") or p["key"]), p.get("type", "global"), p.get("authorId")
            ),
        ),
        ("POST", "/spaces/{id}/status", lambda r, p: sim.set_space_status(pid(r), p["status"])),
        (
            "POST",
            "/pages",
            lambda r, p: sim.create_page(
                p["space"], p["title"], p.get("body"), p.get("parentId"), p.get("authorId")
            ),
        ),
        (
            "POST",
            "/blogposts",
            lambda r, p: sim.create_blogpost(
                p["space"], p["title"], p.get("body"), p.get("authorId")
            ),
        ),
        (
            "POST",
            "/content/{id}/edit",
            lambda r, p: sim.edit(
                pid(r),
                title=p.get("title"),
                body=p.get("body"),
                message=p.get("message", ""),
                minor_edit=bool(p.get("minorEdit", False)),
                author_id=p.get("authorId"),
            ),
        ),
        (
            "POST",
            "/content/{id}/move",
            lambda r, p: sim.move(pid(r), p.get("parentId"), p.get("position")),
        ),
        ("POST", "/content/{id}/status", lambda r, p: sim.set_status(pid(r), p["status"])),
        ("POST", "/content/{id}/trash", lambda r, p: sim.trash(pid(r))),
        ("POST", "/content/{id}/restore", lambda r, p: sim.restore(pid(r))),
        ("POST", "/content/{id}/archive", lambda r, p: sim.archive(pid(r))),
        (
            "POST",
            "/content/{id}/purge",
            lambda r, p: sim.purge(pid(r), keep_as_deleted=bool(p.get("keepAsDeleted", True))),
        ),
        (
            "POST",
            "/content/{id}/comments",
            lambda r, p: sim.add_comment(
                pid(r),
                p.get("body"),
                kind=p.get("kind", "footer"),
                parent_comment_id=p.get("parentCommentId"),
                author_id=p.get("authorId"),
                selection=p.get("selection", "selected text"),
            ),
        ),
        ("POST", "/comments/{id}/edit", lambda r, p: sim.edit_comment(pid(r), p.get("body"))),
        (
            "POST",
            "/comments/{id}/resolve",
            lambda r, p: sim.resolve_comment(pid(r), bool(p.get("resolved", True)), p.get("by")),
        ),
        ("DELETE", "/comments/{id}", lambda r, p: sim.delete_comment(pid(r))),
        (
            "POST",
            "/content/{id}/labels",
            lambda r, p: sim.add_label(pid(r), p["name"], p.get("prefix", "global")),
        ),
        (
            "DELETE",
            "/content/{id}/labels/{name}",
            lambda r, p: sim.remove_label(pid(r), r.path_params["name"]),
        ),
        (
            "POST",
            "/content/{id}/attachments",
            lambda r, p: sim.add_attachment(
                pid(r),
                p["title"],
                p.get("mediaType", "application/octet-stream"),
                int(p.get("fileSize", 1024)),
                p.get("comment", ""),
                p.get("authorId"),
            ),
        ),
        (
            "POST",
            "/attachments/{id}/status",
            lambda r, p: sim.set_attachment_status(pid(r), p["status"]),
        ),
        ("GET", "/truth/spaces", lambda r, p: sim.all_spaces()),
        ("GET", "/truth/pages", lambda r, p: sim.all_pages(_statuses(r), fmt(r))),
        ("GET", "/truth/blogposts", lambda r, p: sim.all_blogposts(_statuses(r), fmt(r))),
        ("GET", "/truth/content/{id}/versions", lambda r, p: sim.versions_of(pid(r), fmt(r))),
        (
            "GET",
            "/truth/comments",
            lambda r, p: sim.all_comments(_kind(r), fmt(r)),
        ),
        ("GET", "/truth/labels", lambda r, p: sim.all_labels()),
        ("GET", "/truth/content/{id}/labels", lambda r, p: sim.labels_of(pid(r))),
        ("GET", "/truth/attachments", lambda r, p: sim.all_attachments()),
    ]
    return [Route(path, _wrap(action), methods=[method]) for method, path, action in actions]
