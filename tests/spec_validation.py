"""Validate simulator responses against Atlassian's official OpenAPI specs.

Usage in any test::

    from spec_validation import assert_matches_spec, operation_scopes

    resp = client.get("/rest/api/3/search/jql", params=...)
    assert_matches_spec("jira-platform-v3", "GET", "/rest/api/3/search/jql", 200, resp.json())
    assert_matches_spec("confluence-v2", "GET", "/wiki/api/v2/pages/{id}", 200, resp.json())

``spec_name`` is a file stem in the specs directory: ``jira-platform-v3``,
``jira-software-agile-v1``, ``confluence-v2``, ``confluence-v1``. ``path`` is the site-relative
path template *or* a concrete path (``/rest/api/3/issue/PROJ-1``); parameter names need not
match the spec's. Confluence v2 paths may be given with or without ``/wiki/api/v2``.

The specs are OpenAPI 3.0, not JSON Schema; the helper converts them: ``nullable: true``
admits ``null``, ``$ref`` resolves into ``components``, ``format`` is not enforced. Known spec
quirks are relaxed (see :data:`SPEC_QUIRKS`: extra keys allowed, optional properties may be
null); pass ``strict=True`` to see the raw verdict. Required properties, types and enums are
always checked.
The specs live in ``../shared/specs`` next to the repository, or ``$ATLASSIAN_SPECS_DIR``.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SPEC_QUIRKS = {
    "additionalProperties-false": (
        "Some Jira schemas declare additionalProperties: false while real responses carry more "
        "keys; relaxed everywhere unless strict=True."),
    "confluence-v2-no-429": (
        "The Confluence v2 spec declares no 429 responses although the service sends them; "
        "any undocumented 429 is accepted."),
    "changelog-bulkfetch-created": (
        "The /changelog/bulkfetch example shows `created` as an epoch int while the schema says "
        "a date-time string: validate against the schema (strings); examples are not checked."),
    "optional-may-be-null": (
        "Jira writes null for optional properties the spec does not mark nullable (changelog "
        "items' from/to, filters' approximateLastUsed); optional properties admit null unless "
        "strict=True."),
    "formats-not-enforced": (
        "Jira writes timestamps like 2024-01-17T12:34:56.789+0000, which is not RFC 3339, "
        "although the spec says format: date-time; formats are not enforced."),
}

_V2_PREFIX = "/wiki/api/v2"


def specs_dir() -> Path:
    """Where the OpenAPI files are."""
    env = os.environ.get("ATLASSIAN_SPECS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "specs"


@functools.cache
def load_spec(spec_name: str) -> dict[str, Any]:
    """The parsed spec (cached); skips the test when the specs are not available."""
    path = specs_dir() / f"{spec_name.removesuffix('.json')}.json"
    if not path.exists():
        pytest.skip(f"OpenAPI spec not found: {path}")
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _shape(template: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", template.rstrip("/"))


def _spec_relative(spec_name: str, path: str) -> str:
    path = path.split("?", 1)[0]
    if spec_name.startswith("confluence-v2") and path.startswith(_V2_PREFIX):
        path = path[len(_V2_PREFIX):] or "/"
    return path


def find_operation(spec_name: str, method: str, path: str) -> tuple[str, dict[str, Any]]:
    """``(spec path template, operation object)`` for a template or concrete path."""
    spec = load_spec(spec_name)
    wanted = _spec_relative(spec_name, path)
    method = method.lower()
    candidates = [t for t in spec["paths"] if _shape(t) == _shape(wanted)]
    if not candidates:
        segments = wanted.rstrip("/").split("/")
        for template in spec["paths"]:
            parts = template.rstrip("/").split("/")
            if len(parts) == len(segments) and all(
                    p == s or (p.startswith("{") and p.endswith("}"))
                    for p, s in zip(parts, segments, strict=True)):
                candidates.append(template)
        # Prefer literal segments over parameters (/issue/picker over /issue/{id}).
        candidates.sort(key=lambda t: t.count("{"))
    for template in candidates:
        operation = spec["paths"][template].get(method)
        if operation is not None:
            return template, operation
    raise AssertionError(f"{spec_name}: no operation {method.upper()} {path}")


def operation_scopes(spec_name: str, method: str, path: str) -> dict[str, list[str]]:
    """The OAuth scopes an operation documents: ``{"classic": [...], "granular": [...]}``."""
    _, operation = find_operation(spec_name, method, path)
    found: list[str] = []
    for requirement in operation.get("security", []):
        for scheme, scopes in requirement.items():
            if scheme.lower().startswith("oauth"):
                found += scopes
    for entry in operation.get("x-atlassian-oauth2-scopes", []) or []:
        found += entry.get("scopes", [])
    unique = list(dict.fromkeys(found))
    # Classic scopes have one colon (read:jira-work); granular ones two (read:issue:jira).
    classic = [s for s in unique if s.count(":") < 2]
    granular = [s for s in unique if s.count(":") >= 2]
    return {"classic": classic, "granular": granular}


def response_schema(spec_name: str, method: str, path: str, status: int) -> dict[str, Any] | None:
    """The JSON schema the spec gives for ``status`` (``None`` if it documents no body)."""
    template, operation = find_operation(spec_name, method, path)
    responses = operation.get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get(
        "default")
    if response is None:
        if status == 429 and spec_name.startswith("confluence-v2"):
            return None  # quirk: confluence-v2-no-429
        raise AssertionError(
            f"{spec_name}: {method.upper()} {template} does not document status {status} "
            f"(documented: {sorted(responses)})")
    content = response.get("content") or {}
    media = content.get("application/json") or next(iter(content.values()), None)
    return media.get("schema") if media else None


@functools.cache
def _components(spec_name: str, strict: bool) -> dict[str, Any]:
    return _convert(copy.deepcopy(load_spec(spec_name).get("components", {})), strict)


def _convert(node: Any, strict: bool) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema (draft 4 semantics)."""
    if isinstance(node, list):
        return [_convert(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v, strict) for k, v in node.items() if k != "example"}
    if not strict and out.get("additionalProperties") is False:
        del out["additionalProperties"]
    if not strict and isinstance(out.get("properties"), dict):
        required = set(out.get("required", []))
        out["properties"] = {name: prop if name in required else _nullable(prop)
                             for name, prop in out["properties"].items()}
    if out.pop("nullable", False):
        out = _nullable(out)
    return out


def _nullable(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if isinstance(kind, str):
        out = {**schema, "type": [kind, "null"]}
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return out
    if isinstance(kind, list):
        return schema if "null" in kind else {**schema, "type": [*kind, "null"]}
    return {"anyOf": [{"type": "null"}, schema]}


def schema_errors(spec_name: str, schema: dict[str, Any], body: Any, *,
                  strict: bool = False) -> list[str]:
    """Validation errors of ``body`` against an OpenAPI ``schema`` of ``spec_name``."""
    root = {"allOf": [_convert(copy.deepcopy(schema), strict)],
            "components": _components(spec_name, strict)}
    validator = jsonschema.Draft4Validator(root)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"at {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message[:300]}"
            for e in errors]


def assert_matches_spec(spec_name: str, method: str, path: str, status: int, body: Any, *,
                        strict: bool = False) -> None:
    """Fail unless ``body`` matches the spec's schema for ``method path`` and ``status``."""
    schema = response_schema(spec_name, method, path, status)
    if schema is None:
        return
    errors = schema_errors(spec_name, schema, body, strict=strict)
    if errors:
        shown = "\n  ".join(errors[:8])
        more = f"\n  ... and {len(errors) - 8} more" if len(errors) > 8 else ""
        raise AssertionError(
            f"{spec_name} {method.upper()} {path} {status}: body does not match the spec:\n"
            f"  {shown}{more}")


def assert_matches_schema(spec_name: str, schema_name: str, body: Any, *,
                          strict: bool = False) -> None:
    """Fail unless ``body`` matches ``components/schemas/<schema_name>`` of the spec."""
    if schema_name not in load_spec(spec_name).get("components", {}).get("schemas", {}):
        raise AssertionError(f"{spec_name}: no schema {schema_name!r}")
    errors = schema_errors(spec_name, {"$ref": f"#/components/schemas/{schema_name}"}, body,
                           strict=strict)
    if errors:
        raise AssertionError(f"{spec_name} {schema_name}: " + "; ".join(errors[:8]))
