"""``GET /wiki/rest/api/search``: v1 CQL search with start/limit, cursors and v1 error bodies."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.config import SimulatorConfig
from dlt_atlassian.simulator.confluence import render, scopes
from dlt_atlassian.simulator.confluence.apibase import ApiBase
from dlt_atlassian.simulator.confluence.cql import CqlError, Query, parse
from dlt_atlassian.simulator.confluence.model import Content, Version
from dlt_atlassian.simulator.confluence.pagination import ApiError, decode_cursor, encode_cursor
from dlt_atlassian.simulator.confluence.pagination import site_url as site_of
from dlt_atlassian.simulator.confluence.store import Store
from dlt_atlassian.simulator.context import principal, record_objects, require_scopes
from dlt_atlassian.simulator.users import UserDirectory

# Fixed system limits: 1000 rows, 50 when bodies are expanded, 25 with export/styled views.
_MAX, _MAX_BODY, _MAX_VIEW = 1000, 50, 25


def v1_error(status: int, message: str) -> JSONResponse:
    """The v1 error body (``statusCode``, ``data``, ``message``)."""
    body = {
        "statusCode": status,
        "data": {"authorized": False, "valid": True, "errors": [], "successful": False},
        "message": f"com.atlassian.confluence.api.service.exceptions.BadRequestException: "
        f"{message}",
    }
    return JSONResponse(body, status_code=status)


def _sort_key(query: Query) -> Any:
    def key(c: Content) -> tuple[Any, ...]:
        out: list[Any] = []
        for field, desc in query.order:
            if field == "title":
                out.append((*tuple(-ord(ch) for ch in c.title), 1) if desc else c.title)
                continue
            value = {
                "modified": c.modified_at.timestamp(),
                "created": c.created_at.timestamp(),
                "id": float(c.id),
            }[field]
            out.append(-value if desc else value)
        out.append(c.id)
        return tuple(out)

    return key


class SearchApi(ApiBase):
    """The v1 CQL search endpoint (pages and blog posts)."""

    def __init__(
        self, store: Store, config: SimulatorConfig, clock: SimClock, users: UserDirectory
    ) -> None:
        super().__init__(store, config)
        self.clock = clock
        self.users = users

    def routes(self) -> list[BaseRoute]:
        """Site-relative routes of this group."""
        return [Route("/wiki/rest/api/search", self.search)]

    async def search(self, request: Request) -> Response:
        """Run the CQL and return ``SearchPageResponseSearchResult``."""
        require_scopes(request, scopes.SEARCH)
        params = request.query_params
        cql = params.get("cql", "")
        expand = {e.strip() for raw in params.getlist("expand") for e in raw.split(",")}
        try:
            query = parse(cql, self.store, self.clock.now(), principal(request).time_zone)
            limit = max(int(params.get("limit") or 25), 0)
            start = max(int(params.get("start") or 0), 0)
        except CqlError as exc:
            return v1_error(400, str(exc))
        except ValueError:
            return v1_error(400, "limit and start must be integers")
        cap = (
            _MAX_VIEW
            if any("export_view" in e or "styled_view" in e for e in expand)
            else (_MAX_BODY if any(".body" in e for e in expand) else _MAX)
        )
        limit = min(limit, cap)
        archived_ok = params.get("includeArchivedSpaces", "false").lower() == "true"
        sort_name = "cql:" + ",".join(f"{f}{'-' if d else '+'}" for f, d in query.order)
        key = _sort_key(query)
        with self.store.lock:
            matches = [
                c
                for c in self.store.contents.values()
                if c.status == "current"
                and query.predicate(c)
                and (archived_ok or self.store.spaces[c.space_id].status == "current")
            ]
            keyed = sorted(((key(c), c) for c in matches), key=lambda p: p[0])
            cursor = params.get("cursor")
            try:
                if cursor:
                    after = decode_cursor(cursor, sort_name)
                    rest = [p for p in keyed if p[0] > after]
                else:
                    rest = keyed[start:]
            except ApiError:
                return v1_error(400, "Invalid cursor")
            page = rest[:limit]
            site = site_of(request, self.config.site_url)
            results = [self._result(c, expand, site) for _, c in page]
        record_objects(request, len(results))
        links: dict[str, str] = {
            "base": f"{site}/wiki",
            "context": "/wiki",
            "self": f"{site}/wiki/rest/api/search?{urlencode([('cql', cql)])}",
        }
        carry = [
            (k, v)
            for k, v in params.multi_items()
            if k not in ("cursor", "next", "prev", "limit", "start", "cql")
        ]
        if start > 0:  # prev pages by offset: the rows before this page keep their order
            back = [
                ("prev", "true"),
                *carry,
                ("limit", str(limit)),
                ("start", str(max(start - limit, 0))),
                ("cql", cql),
            ]
            links["prev"] = f"/rest/api/search?{urlencode(back)}"
        if len(rest) > limit and page:
            nxt = [
                ("next", "true"),
                ("cursor", encode_cursor(sort_name, page[-1][0])),
                *carry,
                ("limit", str(limit)),
                ("start", str(start + len(page))),
                ("cql", cql),
            ]
            links["next"] = f"/rest/api/search?{urlencode(nxt)}"
        body = {
            "results": results,
            "start": start,
            "limit": limit,
            "size": len(results),
            "totalSize": len(keyed),
            "cqlQuery": cql,
            "searchDuration": 7,
            "archivedResultCount": 0,
            "_links": links,
        }
        return JSONResponse(body)

    def _user(self, account_id: str) -> dict[str, Any]:
        user = self.users.get(account_id)
        name = user.display_name if user else "Unknown user"
        return {
            "type": "known",
            "accountId": account_id,
            "accountType": "atlassian",
            "email": "",
            "publicName": name,
            "displayName": name,
            "isExternalCollaborator": False,
            "_links": {"self": f"/wiki/rest/api/user?accountId={account_id}"},
        }

    def _version(self, version: Version, site: str, content: Content) -> dict[str, Any]:
        return {
            "by": self._user(version.author_id),
            "when": render.iso(version.created_at),
            "friendlyWhen": version.created_at.strftime("%b %d, %Y"),
            "message": version.message,
            "number": version.number,
            "minorEdit": version.minor_edit,
            "contentTypeModified": False,
            "_links": {
                "self": f"{site}/wiki/rest/api/content/{content.id}/version/{version.number}"
            },
        }

    def _result(self, c: Content, expand: set[str], site: str) -> dict[str, Any]:
        space = self.store.spaces[c.space_id]
        webui = (
            f"/spaces/{space.key}/{'pages' if c.kind == 'page' else 'blog'}/{c.id}/"
            f"{quote_plus(c.title)}"
        )
        content: dict[str, Any] = {
            "id": str(c.id),
            "type": c.kind,
            "status": c.status,
            "title": c.title,
            "childTypes": {},
            "macroRenderedOutput": {},
            "restrictions": {},
        }
        expandable = {
            "container": "",
            "metadata": "",
            "extensions": "",
            "operations": "",
            "children": "",
            "history": f"/rest/api/content/{c.id}/history",
            "ancestors": "",
            "body": "",
            "version": "",
            "descendants": "",
            "space": f"/rest/api/space/{space.key}",
        }
        if "content.space" in expand:
            content["space"] = {
                "id": space.id,
                "key": space.key,
                "name": space.name,
                "type": space.type,
                "status": space.status,
                "_expandable": {},
                "_links": {"webui": f"/spaces/{space.key}"},
            }
            expandable.pop("space")
        if "content.version" in expand:
            content["version"] = self._version(c.current, site, c)
            expandable.pop("version")
        if "content.history" in expand:
            content["history"] = {
                "latest": True,
                "createdBy": self._user(c.author_id),
                "createdDate": render.iso(c.created_at),
            }
            expandable.pop("history")
        formats = [f for f in ("storage", "atlas_doc_format") if f"content.body.{f}" in expand]
        if formats:
            content["body"] = {
                f: {"value": render.body_value(c.current.body, f), "representation": f}
                for f in formats
            }
            expandable.pop("body")
        content["_expandable"] = expandable
        content["_links"] = {
            "webui": webui,
            "self": f"{site}/wiki/rest/api/content/{c.id}",
            "tinyui": f"/x/{c.id:x}",
        }
        return {
            "content": content,
            "title": c.title,
            "excerpt": "",
            "url": webui,
            "resultGlobalContainer": {"title": space.name, "displayUrl": f"/spaces/{space.key}"},
            "breadcrumbs": [],
            "entityType": "content",
            "iconCssClass": f"aui-icon content-type-{c.kind}",
            "lastModified": render.iso(c.modified_at),
            "friendlyLastModified": c.modified_at.strftime("%b %d, %Y"),
            "score": 1.0,
        }
