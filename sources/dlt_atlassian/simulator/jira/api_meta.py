"""Site metadata: projects (+components, versions), users, fields, statuses and friends."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.simulator.context import principal
from dlt_atlassian.simulator.jira.catalog import Project, Version
from dlt_atlassian.simulator.jira.model import (
    CUSTOM_FIELDS,
    ISSUE_TYPES,
    LINK_TYPES,
    PRIORITIES,
    RESOLUTIONS,
    SITE,
    STATUS_CATEGORIES,
    STATUSES,
    SYSTEM_FIELDS,
    category_json,
    issuetype_json,
    link_type_json,
    priority_json,
    resolution_json,
    status_json,
)
from dlt_atlassian.simulator.jira.people import user_json
from dlt_atlassian.simulator.jira.render import project_ref
from dlt_atlassian.simulator.jira.store import JiraStore
from dlt_atlassian.simulator.jira.web import (
    JiraHttpError,
    int_param,
    list_param,
    operation,
    page_size,
    page_url,
    reply,
)

_PROJECT_EXPANDS = "description,lead,issueTypes,url,projectKeys,permissions,insight"


def offset_page(request: Request, items: list[Any], default: int, cap: int) -> dict[str, Any]:
    """A ``PageBean``: self, nextPage, maxResults, startAt, total, isLast, values."""
    start = int_param(request, "startAt", 0)
    size = page_size(request, default, cap)
    values = items[start: start + size]
    last = start + size >= len(items)
    body: dict[str, Any] = {"self": page_url(request), "maxResults": size, "startAt": start,
                            "total": len(items), "isLast": last, "values": values}
    if not last:
        body["nextPage"] = page_url(request, startAt=start + size)
    return body


def field_json(field_id: str, name: str, schema: dict[str, Any] | None, navigable: bool,
               custom: bool) -> dict[str, Any]:
    """Render ``FieldDetails`` as /rest/api/3/field lists it."""
    body: dict[str, Any] = {"id": field_id, "key": field_id, "name": name, "custom": custom,
                            "orderable": field_id not in ("created", "updated", "subtasks"),
                            "navigable": navigable, "searchable": True,
                            "clauseNames": [field_id] if not custom else
                            [f"cf[{field_id.split('_')[1]}]", name]}
    if custom:
        body["schema"] = {**(schema or {}), "customId": int(field_id.split("_")[1])}
    elif schema is not None:
        body["schema"] = schema
    return body


def version_json(project: Project, v: Version) -> dict[str, Any]:
    """Render a ``Version``."""
    body: dict[str, Any] = {"self": f"{SITE}/rest/api/3/version/{v.id}", "id": str(v.id),
                            "description": v.description, "name": v.name,
                            "archived": v.archived, "released": v.released,
                            "projectId": project.id}
    if v.release_date:
        body["releaseDate"] = v.release_date
        body["userReleaseDate"] = v.release_date
    if v.start_date:
        body["startDate"] = v.start_date
    return body


class MetaApi:
    """Metadata endpoints."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store
        self.caps = store.config.caps

    def routes(self) -> list[BaseRoute]:
        """The routes this module serves."""
        get = ["GET"]
        return [
            Route("/rest/api/3/project/search", self.project_search, methods=get),
            Route("/rest/api/3/project/{projectIdOrKey}/components", self.components, methods=get),
            Route("/rest/api/3/project/{projectIdOrKey}/version", self.versions_page, methods=get),
            Route("/rest/api/3/project/{projectIdOrKey}/versions", self.versions, methods=get),
            Route("/rest/api/3/users/search", self.users, methods=get),
            Route("/rest/api/3/myself", self.myself, methods=get),
            Route("/rest/api/3/field", self.fields, methods=get),
            Route("/rest/api/3/status", self.statuses, methods=get),
            Route("/rest/api/3/statuscategory", self.categories, methods=get),
            Route("/rest/api/3/priority", self.priorities, methods=get),
            Route("/rest/api/3/priority/search", self.priority_search, methods=get),
            Route("/rest/api/3/issuetype", self.issue_types, methods=get),
            Route("/rest/api/3/resolution", self.resolutions, methods=get),
            Route("/rest/api/3/resolution/search", self.resolution_search, methods=get),
            Route("/rest/api/3/issueLinkType", self.link_types, methods=get),
        ]

    def project_json(self, project: Project, expand: set[str]) -> dict[str, Any]:
        """Render a project as /project/search does."""
        body: dict[str, Any] = {"expand": _PROJECT_EXPANDS, **project_ref(project),
                                "style": "classic", "isPrivate": False, "properties": {},
                                "uuid": f"00000000-0000-4000-8000-{project.id:012d}"}
        if "description" in expand:
            body["description"] = project.description
        if "lead" in expand:
            lead = self.store.users.get(project.lead)
            if lead is not None:
                body["lead"] = user_json(lead)
        if "issueTypes" in expand:
            body["issueTypes"] = [issuetype_json(t[0]) for t in ISSUE_TYPES]
        if "projectKeys" in expand:
            body["projectKeys"] = [project.key]
        if "url" in expand:
            body["url"] = ""
        return body

    def _project(self, request: Request) -> Project:
        project = self.store.project(request.path_params["projectIdOrKey"])
        if project is None:
            raise JiraHttpError(404, "No project could be found with key "
                                f"'{request.path_params['projectIdOrKey']}'.")
        return project

    @operation("GET /rest/api/3/project/search")
    async def project_search(self, request: Request) -> Response:
        """GET /rest/api/3/project/search (offset-paged, ordered by key)."""
        expand = set(list_param(request, "expand"))
        keys, ids = set(list_param(request, "keys")), set(list_param(request, "id"))
        query = (request.query_params.get("query") or "").lower()
        projects = [p for p in sorted(self.store.projects, key=lambda p: p.key)
                    if (not keys or p.key in keys) and (not ids or str(p.id) in ids)
                    and (query in p.key.lower() or query in p.name.lower())]
        body = offset_page(request, [self.project_json(p, expand) for p in projects], 50,
                           self.caps.project_search)
        return reply(request, body, len(body["values"]))

    @operation("GET /rest/api/3/project/{projectIdOrKey}/components")
    async def components(self, request: Request) -> Response:
        """GET /rest/api/3/project/{projectIdOrKey}/components (bare array)."""
        project = self._project(request)
        out = []
        for c in project.components:
            body: dict[str, Any] = {"self": f"{SITE}/rest/api/3/component/{c.id}",
                                    "id": str(c.id), "name": c.name, "description": c.description,
                                    "assigneeType": "PROJECT_DEFAULT",
                                    "realAssigneeType": "PROJECT_DEFAULT",
                                    "isAssigneeTypeValid": False, "project": project.key,
                                    "projectId": project.id}
            lead = self.store.users.get(c.lead) if c.lead else None
            if lead is not None:
                body["lead"] = user_json(lead)
            out.append(body)
        return reply(request, out, len(out))

    @operation("GET /rest/api/3/project/{projectIdOrKey}/version")
    async def versions_page(self, request: Request) -> Response:
        """GET /rest/api/3/project/{projectIdOrKey}/version (offset-paged)."""
        project = self._project(request)
        states = set(list_param(request, "status"))
        items = [version_json(project, v) for v in project.versions
                 if not states or ("released" if v.released else "unreleased") in states
                 or (v.archived and "archived" in states)]
        body = offset_page(request, items, 50, 50)
        return reply(request, body, len(body["values"]))

    @operation("GET /rest/api/3/project/{projectIdOrKey}/versions")
    async def versions(self, request: Request) -> Response:
        """GET /rest/api/3/project/{projectIdOrKey}/versions (bare array)."""
        project = self._project(request)
        out = [version_json(project, v) for v in project.versions]
        return reply(request, out, len(out))

    @operation("GET /rest/api/3/users/search")
    async def users(self, request: Request) -> Response:
        """GET /rest/api/3/users/search: a bare array, page until a short page."""
        start = int_param(request, "startAt", 0)
        size = page_size(request, 50, self.caps.users_search)
        page = [user_json(u, full=True) for u in self.store.users.all()[start: start + size]]
        return reply(request, page, len(page))

    @operation("GET /rest/api/3/myself")
    async def myself(self, request: Request) -> Response:
        """GET /rest/api/3/myself."""
        user = self.store.users.get(principal(request).account_id)
        if user is None:
            raise JiraHttpError(404, "User not found.")
        return reply(request, user_json(user, full=True), 1)

    @operation("GET /rest/api/3/field")
    async def fields(self, request: Request) -> Response:
        """GET /rest/api/3/field: system and custom fields."""
        out = [field_json(f, n, s, nav, False) for f, n, s, nav in SYSTEM_FIELDS]
        out += [field_json(f, n, s, True, True) for f, n, s in CUSTOM_FIELDS]
        return reply(request, out, len(out))

    @operation("GET /rest/api/3/status")
    async def statuses(self, request: Request) -> Response:
        """GET /rest/api/3/status."""
        return reply(request, [status_json(s[0]) for s in STATUSES], len(STATUSES))

    @operation("GET /rest/api/3/statuscategory")
    async def categories(self, request: Request) -> Response:
        """GET /rest/api/3/statuscategory."""
        return reply(request, [category_json(c) for c in sorted(STATUS_CATEGORIES)],
                     len(STATUS_CATEGORIES))

    @operation("GET /rest/api/3/priority")
    async def priorities(self, request: Request) -> Response:
        """GET /rest/api/3/priority (deprecated, bare array)."""
        return reply(request, [priority_json(p[0]) for p in PRIORITIES], len(PRIORITIES))

    @operation("GET /rest/api/3/priority/search")
    async def priority_search(self, request: Request) -> Response:
        """GET /rest/api/3/priority/search (offset-paged)."""
        items = [{**priority_json(p[0]), "isDefault": p[0] == "3"} for p in PRIORITIES]
        body = offset_page(request, items, 50, 50)
        return reply(request, body, len(body["values"]))

    @operation("GET /rest/api/3/issuetype")
    async def issue_types(self, request: Request) -> Response:
        """GET /rest/api/3/issuetype."""
        return reply(request, [issuetype_json(t[0]) for t in ISSUE_TYPES], len(ISSUE_TYPES))

    @operation("GET /rest/api/3/resolution")
    async def resolutions(self, request: Request) -> Response:
        """GET /rest/api/3/resolution (deprecated, bare array)."""
        return reply(request, [resolution_json(r[0]) for r in RESOLUTIONS], len(RESOLUTIONS))

    @operation("GET /rest/api/3/resolution/search")
    async def resolution_search(self, request: Request) -> Response:
        """GET /rest/api/3/resolution/search (offset-paged)."""
        items = [{**resolution_json(r[0]), "default": r[0] == "10000"} for r in RESOLUTIONS]
        body = offset_page(request, items, 50, 50)
        return reply(request, body, len(body["values"]))

    @operation("GET /rest/api/3/issueLinkType")
    async def link_types(self, request: Request) -> Response:
        """GET /rest/api/3/issueLinkType."""
        types = [link_type_json(t[0]) for t in LINK_TYPES]
        return reply(request, {"issueLinkTypes": types}, len(types))
