"""Helpers for the Confluence source tests: credentials, pipelines, tables vs. the truth."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dlt
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from dlt_atlassian.credentials import (
    AtlassianBasicCredentials,
    AtlassianOAuthCredentials,
    AtlassianScopedTokenCredentials,
)
from dlt_atlassian.simulator.confluence import ConfluenceSimulator
from dlt_atlassian.simulator.server import SimulatorServer

EMAIL = "admin@example.com"
API_TOKEN = "sim-api-token"
SCOPED_TOKEN = "confluence-source-scoped-token"
READ_SCOPES = [
    "read:space:confluence", "read:page:confluence", "read:comment:confluence",
    "read:attachment:confluence", "read:label:confluence",
]
TABLES = ("spaces", "pages", "blog_posts", "page_versions", "labels", "footer_comments",
          "inline_comments", "attachments")
HIDDEN = ("draft",)  # never listed by the API, so never loaded


def basic_credentials(server: SimulatorServer) -> AtlassianBasicCredentials:
    return AtlassianBasicCredentials(
        site_url=server.base_url, email=EMAIL, api_token=API_TOKEN
    ).resolve()


def scoped_credentials(server: SimulatorServer, token: str = SCOPED_TOKEN
                       ) -> AtlassianScopedTokenCredentials:
    return AtlassianScopedTokenCredentials(
        cloud_id=server.cloud_id, email=EMAIL, api_token=token, api_base_url=server.base_url,
        scoped_token_auth="basic",
    ).resolve()


def oauth_credentials(server: SimulatorServer, tmp_path: Path, scopes: list[str]
                      ) -> AtlassianOAuthCredentials:
    _, refresh = server.sim.oauth.grant(["offline_access", *scopes])
    return AtlassianOAuthCredentials(
        client_id="sim-client-id", client_secret="sim-client-secret", refresh_token=refresh,
        auth_base_url=server.base_url, api_base_url=server.base_url,
        site_url=server.base_url, token_store=str(tmp_path / "tokens.json"),
    ).resolve()


def new_pipeline(tmp_path: Path, name: str = "confluence_test") -> dlt.Pipeline:
    return dlt.pipeline(
        name, destination=dlt.destinations.duckdb(str(tmp_path / f"{name}.duckdb")),
        pipelines_dir=str(tmp_path / "pipelines"), dataset_name="confluence",
    )


def rows(pipeline: dlt.Pipeline, table: str, columns: str, where: str = "true"
         ) -> set[tuple[Any, ...]]:
    with pipeline.sql_client() as client:
        sql = f"select {columns} from {table} where {where}"
        return {tuple(r) for r in client.execute_sql(sql)}


def table_exists(pipeline: dlt.Pipeline, table: str) -> bool:
    return table in pipeline.default_schema.tables and bool(
        pipeline.default_schema.tables[table].get("columns")
    ) and _has_rows(pipeline, table)


def _has_rows(pipeline: dlt.Pipeline, table: str) -> bool:
    try:
        return bool(rows(pipeline, table, "count(*)"))
    except Exception:
        return False


# -- the simulator's truth, in the shape of our tables ---------------------------------------
def _visible_content(sim: Any) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in sim.confluence.all_content() if c["status"] not in HIDDEN}


def truth(sim: Any) -> dict[str, set[tuple[Any, ...]]]:
    """Expected key columns of every table."""
    conf = sim.confluence
    content = _visible_content(sim)
    pages = [c for c in content.values() if "parentId" in c]
    posts = [c for c in content.values() if "parentId" not in c]
    out: dict[str, set[tuple[Any, ...]]] = {
        "spaces": {(s["id"], s["key"], s["type"], s["status"]) for s in conf.all_spaces()},
        "pages": {
            (c["id"], c["status"], c["title"], c["parentId"], c["position"],
             c["version"]["number"]) for c in pages
        },
        "blog_posts": {
            (c["id"], c["status"], c["title"], c["version"]["number"])
            for c in posts
        },
        "page_versions": set(),
        "labels": set(),
    }
    for content_id in content:
        out["page_versions"] |= {(content_id, v["number"]) for v in conf.versions_of(content_id)}
        out["labels"] |= {(content_id, lb["id"]) for lb in conf.labels_of(content_id)}
    for kind in ("footer", "inline"):
        out[f"{kind}_comments"] = {
            (c["id"], c.get("pageId") or c.get("blogPostId"), c.get("parentCommentId"),
             c["version"]["number"], c.get("resolutionStatus"))
            for c in conf.all_comments(kind)
            if (c.get("pageId") or c.get("blogPostId")) in content
        }
    out["attachments"] = {
        (a["id"], a["status"], a.get("pageId") or a.get("blogPostId"), a["version"]["number"])
        for a in conf.all_attachments()
        if (a.get("pageId") or a.get("blogPostId")) in content
    }
    return out


LOADED_COLUMNS = {
    "spaces": "id, key, type, status",
    "pages": "id, status, title, parent_id, position, version_number",
    "blog_posts": "id, status, title, version_number",
    "page_versions": "content_id, number",
    "labels": "content_id, label_id",
    "footer_comments": "id, content_id, parent_comment_id, version_number, NULL",
    "inline_comments": "id, content_id, parent_comment_id, version_number, resolution_status",
    "attachments": "id, status, content_id, version_number",
}


def loaded(pipeline: dlt.Pipeline, tables: tuple[str, ...] = TABLES
           ) -> dict[str, set[tuple[Any, ...]]]:
    return {t: rows(pipeline, t, LOADED_COLUMNS[t]) for t in tables}


def assert_equals_truth(pipeline: dlt.Pipeline, sim: Any, tables: tuple[str, ...] = TABLES
                        ) -> None:
    expected = truth(sim)
    actual = loaded(pipeline, tables)
    for table in tables:
        assert expected[table], f"the simulator has no {table}: this comparison proves nothing"
        missing = expected[table] - actual[table]
        extra = actual[table] - expected[table]
        assert not missing and not extra, f"{table}: missing {missing}, extra {extra}"


# -- a Confluence simulator that pages only through the Link header --------------------------
class LinkHeaderOnlyConfluence(ConfluenceSimulator):
    """The real simulator, minus ``_links.next`` in list bodies (the ``Link`` header stays)."""

    def routes(self) -> list[BaseRoute]:
        wrapped: list[BaseRoute] = []
        for route in super().routes():
            assert isinstance(route, Route)
            wrapped.append(Route(route.path, _strip_next(route.endpoint), methods=route.methods))
        return wrapped


def _strip_next(endpoint: Any) -> Any:
    async def handler(request: Request) -> Response:
        response = await endpoint(request)
        if response.status_code != 200 or not response.body:
            return response
        body = json.loads(response.body)
        if isinstance(body, dict) and isinstance(body.get("_links"), dict):
            body["_links"].pop("next", None)
        headers = {k: v for k, v in response.headers.items() if k.lower() == "link"}
        return JSONResponse(body, status_code=response.status_code, headers=headers)

    return handler


def file_bytes(attachment_id: str) -> bytes:
    return f"file {attachment_id}\n".encode() * 3


class DownloadingConfluence(ConfluenceSimulator):
    """The real simulator plus the v1 attachment download endpoint (serving fixed bytes)."""

    def routes(self) -> list[BaseRoute]:
        async def download(request: Request) -> Response:
            attachment_id = request.path_params["attachmentId"]
            known = {a["id"] for a in self.all_attachments()}
            if attachment_id not in known:
                return JSONResponse({"statusCode": 404, "message": "not found"}, 404)
            return Response(file_bytes(attachment_id), media_type="application/octet-stream")

        path = "/wiki/rest/api/content/{id}/child/attachment/{attachmentId}/download"
        return [*super().routes(), Route(path, download, methods=["GET"])]
