"""Helpers for the Jira simulator tests: HTTP clients, token paging, spec validation."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from dlt_atlassian.simulator.server import SimulatorServer

SPECS = Path("/work/shared/specs")
ADMIN_AUTH = ("admin@example.com", "sim-api-token")
SCOPED_TOKEN = "jira-scoped-token"
NARROW_TOKEN = "jira-user-only-token"


def scoped_accounts() -> dict[str, Any]:
    """Accounts with a scoped token holding read:jira-work + read:jira-user, and a narrow one."""
    return {"api_tokens": {"admin@example.com": "sim-api-token"},
            "scoped_tokens": {
                SCOPED_TOKEN: ("admin@example.com", ["read:jira-work", "read:jira-user",
                                                     "read:sprint:jira-software",
                                                     "read:board-scope:jira-software",
                                                     "read:project:jira"]),
                NARROW_TOKEN: ("admin@example.com", ["read:jira-user"])}}


def client(server: SimulatorServer, via: str = "site") -> httpx.Client:
    """``site``: Basic with the classic token; ``gateway``: the scoped token via /ex/jira."""
    if via == "site":
        return httpx.Client(base_url=server.base_url, auth=ADMIN_AUTH, timeout=30)
    token = NARROW_TOKEN if via == "narrow" else SCOPED_TOKEN
    return httpx.Client(base_url=server.gateway_url("jira"), auth=("admin@example.com", token),
                        timeout=30)


def search_all(http: httpx.Client, params: dict[str, Any], method: str = "GET",
               validate_pages: bool = True) -> list[list[dict[str, Any]]]:
    """Follow ``nextPageToken`` to the end; returns the pages of issues."""
    pages: list[list[dict[str, Any]]] = []
    token: str | None = None
    seen: set[str] = set()
    while True:
        query = {**params, **({"nextPageToken": token} if token else {})}
        if method == "GET":
            resp = http.get("/rest/api/3/search/jql", params=query)
        else:
            resp = http.post("/rest/api/3/search/jql", json=query)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        if validate_pages:
            validate(f"{method} /rest/api/3/search/jql", body)
        pages.append(body["issues"])
        token = body.get("nextPageToken")
        if body["isLast"]:
            assert token is None
            return pages
        assert token and token not in seen
        seen.add(token)


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: honour ``nullable``."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    if out.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


# Where real Jira responses carry null although the spec types a property as a plain string.
KNOWN_NULLABLE = {"ChangeDetails": ["from", "fromString", "to", "toString"]}


@cache
def _spec(name: str) -> dict[str, Any]:
    spec = json.loads((SPECS / name).read_text())
    schemas = spec.get("components", {}).get("schemas", {})
    for schema_name, props in KNOWN_NULLABLE.items():
        for prop in props:
            if schema_name in schemas:
                schemas[schema_name]["properties"][prop]["nullable"] = True
    return _nullable(copy.deepcopy(spec))  # type: ignore[no-any-return]


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validate(operation: str, body: Any, status: str = "200") -> None:
    """Validate ``body`` against ``"METHOD /path"`` of the platform or agile spec."""
    method, path = operation.split(" ", 1)
    name = "jira-software-agile-v1.json" if path.startswith("/rest/agile/") else (
        "jira-platform-v3.json")
    spec = _spec(name)
    assert path in spec["paths"], path
    content = spec["paths"][path][method.lower()]["responses"][status]["content"]
    media = "application/json" if "application/json" in content else next(iter(content))
    if "schema" not in content[media]:
        # Some Agile operations document only an example, no schema: check the page keys.
        example = json.loads(content[media]["example"])
        if isinstance(body, dict) and "values" in example:
            assert set(body) <= set(example), set(body) - set(example)
        return
    ref = _pointer("paths", path, method.lower(), "responses", status, "content", media,
                   "schema")
    # No format checker: Jira writes "+0000" offsets, which its own spec calls date-time.
    jsonschema.Draft7Validator({**spec, "$ref": ref}).validate(body)
