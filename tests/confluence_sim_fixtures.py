"""Helpers for the Confluence simulator tests: clients, link following, spec validation."""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from dlt_atlassian.simulator.server import SimulatorServer
from spec_validation import assert_matches_spec, operation_scopes

SPECS = Path("/work/shared/specs")
ADMIN_AUTH = ("admin@example.com", "sim-api-token")
SCOPED_TOKEN = "confluence-scoped-token"
READ_SCOPES = [
    "read:space:confluence", "read:page:confluence", "read:comment:confluence",
    "read:attachment:confluence", "read:label:confluence", "read:content-details:confluence",
    "read:content.metadata:confluence",
]
_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')


def scoped_accounts() -> dict[str, Any]:
    """The ``accounts`` config section adding a scoped token with every read scope."""
    return {"scoped_tokens": {SCOPED_TOKEN: ("admin@example.com", READ_SCOPES)},
            "api_tokens": {"admin@example.com": "sim-api-token"}}


def client(server: SimulatorServer, via: str) -> httpx.Client:
    """``site``: Basic with the classic token; ``gateway``: the scoped token via /ex/confluence."""
    if via == "site":
        return httpx.Client(base_url=server.base_url, auth=ADMIN_AUTH, timeout=20)
    return httpx.Client(base_url=server.gateway_url("confluence"),
                        auth=("admin@example.com", SCOPED_TOKEN), timeout=20)


def next_url(resp: httpx.Response, mode: str) -> str | None:
    """The next relative URL from ``_links.next`` (mode ``body``) or the ``Link`` header."""
    if mode == "body":
        return resp.json().get("_links", {}).get("next")  # type: ignore[no-any-return]
    match = _LINK.search(resp.headers.get("link", ""))
    return match.group(1) if match else None


def follow(http: httpx.Client, path: str, params: dict[str, Any] | None = None,
           mode: str = "body", operation: str | None = None) -> list[list[dict[str, Any]]]:
    """Read every page of a v2 list; validate each response against the spec operation."""
    pages: list[list[dict[str, Any]]] = []
    resp = http.get(path, params=params)
    seen: set[str] = set()
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        if operation:
            validate(operation, body)
        assert body["_links"]["base"].endswith("/wiki")
        pages.append(body["results"])
        nxt = next_url(resp, mode)
        if nxt is None:
            assert "next" not in body["_links"] and "link" not in resp.headers
            return pages
        assert nxt.startswith("/wiki/api/v2/") and nxt not in seen
        seen.add(nxt)
        # The link is relative to the site; the client's base URL keeps any gateway prefix.
        resp = http.get(nxt)


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: honour ``nullable`` and fields documented as maybe-null."""
    if isinstance(node, list):
        return [_nullable(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items()}
    maybe_null = out.get("nullable") or "null" in str(out.get("description", "")).lower()
    if maybe_null:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "$ref" in out:
            return {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
    return out


@cache
def _spec(name: str) -> dict[str, Any]:
    spec = json.loads((SPECS / name).read_text())
    # A property whose schema is a bare $ref gets the property's description folded in.
    for schema in spec["components"]["schemas"].values():
        for prop in (schema.get("properties") or {}).values():
            if "$ref" in prop and len(prop) == 1:
                target = prop["$ref"].split("/")[-1]
                desc = spec["components"]["schemas"].get(target, {}).get("description", "")
                if "null" in desc.lower():
                    prop["description"] = desc
    return _nullable(copy.deepcopy(spec))  # type: ignore[no-any-return]


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validate(operation: str, body: Any, status: str = "200") -> None:
    """Validate ``body`` against ``GET <path>`` of the v2 spec (or ``v1:<path>`` for v1).

    Two checks: the shared helper (``spec_validation``), and a stricter local one that only
    admits ``null`` where the spec says so (``nullable`` or "null" in the description).
    """
    name, path = (("confluence-v1.json", operation[3:]) if operation.startswith("v1:")
                  else ("confluence-v2.json", operation))
    assert_matches_spec(name.removesuffix(".json"), "GET", path, int(status), body)
    spec = _spec(name)
    assert path in spec["paths"], path
    ref = _pointer("paths", path, "get", "responses", status, "content", "application/json",
                   "schema")
    root = {**spec, "$ref": ref}
    jsonschema.Draft7Validator(root).validate(body)


def spec_scopes(operation: str) -> list[str]:
    """Every OAuth scope the v2 spec documents for ``GET <operation>``."""
    found = operation_scopes("confluence-v2", "GET", operation)
    return found["classic"] + found["granular"]
