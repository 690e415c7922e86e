"""The spec-validation helper itself, and the framework's own bodies against the specs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import pytest

from dlt_atlassian.simulator.server import SimulatorServer
from sim_fixtures import site_client, stub_products
from spec_validation import (
    assert_matches_schema,
    assert_matches_spec,
    find_operation,
    load_spec,
    operation_scopes,
    response_schema,
    schema_errors,
)

# Operations our sources read; the spec's own 200 examples must pass the helper.
JIRA_EXAMPLES = [
    ("jira-platform-v3", "/rest/api/3/myself"),
    ("jira-platform-v3", "/rest/api/3/search/jql"),
    ("jira-platform-v3", "/rest/api/3/project/search"),
    ("jira-platform-v3", "/rest/api/3/issue/{issueIdOrKey}/changelog"),
    ("jira-platform-v3", "/rest/api/3/issue/{issueIdOrKey}/comment"),
    ("jira-platform-v3", "/rest/api/3/issue/{issueIdOrKey}/worklog"),
    ("jira-platform-v3", "/rest/api/3/field"),
    ("jira-platform-v3", "/rest/api/3/users/search"),
    ("jira-software-agile-v1", "/rest/agile/1.0/board/{boardId}/sprint"),
]


def _example(spec_name: str, path: str) -> Any:
    operation = load_spec(spec_name)["paths"][path]["get"]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    return json.loads(example) if isinstance(example, str) else example


@pytest.mark.parametrize(("spec_name", "path"), JIRA_EXAMPLES)
def test_spec_examples_pass(spec_name: str, path: str) -> None:
    assert_matches_spec(spec_name, "GET", path, 200, _example(spec_name, path))


def test_wrong_body_fails_with_a_readable_message() -> None:
    body = _example("jira-platform-v3", "/rest/api/3/myself")
    body["accountId"] = 12345
    body["active"] = "yes"
    with pytest.raises(AssertionError) as excinfo:
        assert_matches_spec("jira-platform-v3", "GET", "/rest/api/3/myself", 200, body)
    message = str(excinfo.value)
    assert "at accountId" in message and "at active" in message


def test_refs_resolve_deeply() -> None:
    body = _example("jira-platform-v3", "/rest/api/3/search/jql")
    body["issues"][0]["fields"] = "not an object"
    with pytest.raises(AssertionError, match="issues/0/fields"):
        assert_matches_spec("jira-platform-v3", "GET", "/rest/api/3/search/jql", 200, body)


def test_concrete_paths_and_literal_segments() -> None:
    assert find_operation("jira-platform-v3", "GET", "/rest/api/3/issue/PROJ-1")[0] == (
        "/rest/api/3/issue/{issueIdOrKey}")
    assert find_operation("jira-platform-v3", "GET", "/rest/api/3/issue/picker")[0] == (
        "/rest/api/3/issue/picker")
    assert find_operation("jira-platform-v3", "GET", "/rest/api/3/issue/{key}/changelog")[0] == (
        "/rest/api/3/issue/{issueIdOrKey}/changelog")
    assert find_operation("confluence-v2", "GET", "/wiki/api/v2/pages/123")[0] == "/pages/{id}"
    assert find_operation("confluence-v2", "GET", "/pages/{id}")[0] == "/pages/{id}"
    assert find_operation("confluence-v1", "GET", "/wiki/rest/api/search")[0] == (
        "/wiki/rest/api/search")
    with pytest.raises(AssertionError, match="no operation"):
        find_operation("jira-platform-v3", "GET", "/rest/api/3/no/such/thing")


def test_additional_properties_relaxed_unless_strict() -> None:
    body = {"errorMessages": ["x"], "errors": {}, "surprise": 400}
    assert_matches_schema("jira-platform-v3", "ErrorCollection", body)
    with pytest.raises(AssertionError, match="Additional properties"):
        assert_matches_schema("jira-platform-v3", "ErrorCollection", body, strict=True)


def test_nullable_admits_null() -> None:
    spec = load_spec("confluence-v2")
    nullable = [(name, prop) for name, schema in spec["components"]["schemas"].items()
                for prop, definition in (schema.get("properties") or {}).items()
                if isinstance(definition, dict) and definition.get("nullable")
                and definition.get("type") == "string"]
    assert nullable, "expected nullable string properties in the v2 spec"
    name, prop = nullable[0]
    pointer = {"$ref": f"#/components/schemas/{name}/properties/{prop}"}
    for strict in (False, True):
        assert schema_errors("confluence-v2", pointer, None, strict=strict) == []
        assert schema_errors("confluence-v2", pointer, 5, strict=strict)


def test_optional_may_be_null_only_when_relaxed() -> None:
    item = {"field": "status", "fieldtype": "jira", "from": None, "to": None}
    assert_matches_schema("jira-platform-v3", "ChangeDetails", item)
    with pytest.raises(AssertionError, match="None is not of type"):
        assert_matches_schema("jira-platform-v3", "ChangeDetails", item, strict=True)


def test_undocumented_status() -> None:
    with pytest.raises(AssertionError, match="does not document status 418"):
        response_schema("jira-platform-v3", "GET", "/rest/api/3/myself", 418)
    # Confluence v2 declares no 429s although the service sends them (known quirk).
    assert response_schema("confluence-v2", "GET", "/wiki/api/v2/spaces", 429) is None
    assert_matches_spec("confluence-v2", "GET", "/wiki/api/v2/spaces", 429, {"anything": 1})


def test_operation_scopes() -> None:
    scopes = operation_scopes("jira-platform-v3", "GET", "/rest/api/3/search/jql")
    assert "read:jira-work" in scopes["classic"]
    assert all(s.count(":") >= 2 for s in scopes["granular"]) and scopes["granular"]
    assert operation_scopes("confluence-v2", "GET", "/wiki/api/v2/spaces")["granular"] == [
        "read:space:confluence"]


def test_framework_error_bodies_match_error_collection(
        make_simulator: Callable[..., SimulatorServer]) -> None:
    server = make_simulator(products=stub_products())
    with site_client(server) as http:
        not_found = http.get("/rest/api/3/no-such-route").json()
    with site_client(server, auth=("admin@example.com", "wrong")) as http:
        unauthorized = http.get("/rest/api/3/myself").json()
    assert_matches_schema("jira-platform-v3", "ErrorCollection", not_found, strict=True)
    assert_matches_schema("jira-platform-v3", "ErrorCollection", unauthorized, strict=True)


def test_stub_confluence_body_matches_v2_spaces(
        make_simulator: Callable[..., SimulatorServer]) -> None:
    # The harness end to end over HTTP, as product engineers will use it.
    server = make_simulator(products=stub_products())
    with site_client(server) as http:
        resp = http.get("/wiki/api/v2/spaces")
    assert_matches_spec("confluence-v2", "GET", "/wiki/api/v2/spaces", 200, resp.json())


# The OAuth endpoints are not in the product specs; these schemas transcribe Atlassian's
# OAuth 2.0 (3LO) documentation.
TOKEN_RESPONSE = {
    "type": "object",
    "required": ["access_token", "expires_in", "token_type", "scope"],
    "properties": {"access_token": {"type": "string", "minLength": 20},
                   "refresh_token": {"type": "string", "minLength": 20},
                   "expires_in": {"type": "integer", "minimum": 1},
                   "token_type": {"enum": ["Bearer"]}, "scope": {"type": "string"}},
}
ACCESSIBLE_RESOURCES = {
    "type": "array",
    "items": {"type": "object", "required": ["id", "url", "name", "scopes", "avatarUrl"],
              "properties": {"id": {"type": "string", "pattern": "^[0-9a-f-]{36}$"},
                             "url": {"type": "string"}, "name": {"type": "string"},
                             "scopes": {"type": "array", "items": {"type": "string"}},
                             "avatarUrl": {"type": "string"}}},
}


def test_oauth_responses_match_documented_shapes(
        make_simulator: Callable[..., SimulatorServer]) -> None:
    server = make_simulator(products=stub_products())
    _, refresh = server.sim.oauth.grant(["read:jira-work", "offline_access"])
    with httpx.Client(base_url=server.base_url) as http:
        token = http.post("/oauth/token", json={
            "grant_type": "refresh_token", "client_id": "sim-client-id",
            "client_secret": "sim-client-secret", "refresh_token": refresh}).json()
        resources = http.get("/oauth/token/accessible-resources",
                             headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    jsonschema.validate(token, TOKEN_RESPONSE)
    jsonschema.validate(resources, ACCESSIBLE_RESOURCES)
    assert resources
