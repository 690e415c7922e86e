"""Error mapping (every Atlassian body shape), hints, and that no secret reaches errors or logs."""

from __future__ import annotations

import base64
import logging

import httpx
import pytest

from dlt_atlassian import errors
from dlt_atlassian.http.error_mapping import extract_messages, hint_for
from dlt_atlassian.redact import register_secret
from http_fixtures import FakeClock, Logged, ScriptedServer, make_client

TOKEN = "sim-api-token-7f3a9c"
EMAIL = "admin@example.com"
BASIC = base64.b64encode(f"{EMAIL}:{TOKEN}".encode()).decode()


def test_jira_error_shape() -> None:
    body = {"errorMessages": ["Field 'x' does not exist."], "errors": {"jql": "bad JQL"}}
    assert extract_messages(body) == ["Field 'x' does not exist.", "jql: bad JQL"]


def test_confluence_v2_error_shape() -> None:
    body = {
        "errors": [
            {
                "status": 404,
                "code": "NOT_FOUND",
                "title": "Not Found",
                "detail": "Page 12 not found",
            }
        ]
    }
    assert extract_messages(body) == ["Not Found: Page 12 not found"]


def test_confluence_v1_gateway_and_oauth_shapes() -> None:
    assert extract_messages({"statusCode": 404, "message": "No space with key : XYZ"}) == [
        "No space with key : XYZ"
    ]
    assert extract_messages({"code": 401, "message": "Unauthorized; scope does not match"}) == [
        "Unauthorized; scope does not match"
    ]
    oauth = {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}
    assert extract_messages(oauth) == ["Unknown or invalid refresh token."]
    assert extract_messages({"error": "invalid_client"}) == ["invalid_client"]
    assert extract_messages(["a", "b"]) == ["a", "b"]
    assert extract_messages({}) == []


def test_hints() -> None:
    scope = hint_for(403, ["The token does not have the required scope read:jira-work"], "/x")
    assert scope is not None and "read:jira-work" in scope and "authorize" in scope
    gateway = hint_for(401, ["Unauthorized; scope does not match"], "/rest/api/3/issue/1")
    assert gateway is not None and "/rest/api/3/issue/1" in gateway and "authorize" in gateway
    assert "project key" in (hint_for(404, [], "/rest/api/3/project/ABC") or "")
    assert "space key" in (hint_for(404, [], "/wiki/api/v2/spaces/9") or "")
    assert "removed" in (hint_for(410, [], "/rest/api/3/search") or "")
    assert hint_for(503, [], "/x") is None  # the class default applies


def test_403_scope_error_over_http(server: ScriptedServer) -> None:
    body = {"code": 403, "message": "scope does not match; required: read:page:confluence"}
    server.script("/wiki/api/v2/pages", {"status": 403, "json": body})
    with (
        make_client(server.base_url, FakeClock()) as client,
        pytest.raises(errors.PermissionDeniedError) as info,
    ):
        client.get_json("/wiki/api/v2/pages")
    text = str(info.value)
    assert "403" in text and "GET" in text and "/wiki/api/v2/pages" in text
    assert "read:page:confluence" in info.value.hint
    assert "dlt-atlassian authorize" in info.value.hint
    assert "\n" not in info.value.message


def _echo_secrets(req: Logged) -> dict[str, object]:
    # A hostile/buggy server that echoes the credentials back in the error body.
    leaked = req.headers.get("authorization", "")
    return {
        "status": 401,
        "json": {"errorMessages": [f"bad credentials: {leaked}", f"token {TOKEN} rejected"]},
    }


def test_no_secret_in_errors_or_logs(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    register_secret(TOKEN)
    server.handle("/rest/api/3/myself", _echo_secrets)
    server.script("/rest/api/3/flaky", {"status": 503}, {"reset": True}, {"json": {}})
    caplog.set_level(logging.DEBUG)
    auth = httpx.BasicAuth(EMAIL, TOKEN)
    with make_client(server.base_url, FakeClock(), auth=auth) as client:
        client.get_json("/rest/api/3/flaky", params={"jql": "project = A"})
        with pytest.raises(errors.UnauthorizedError) as info:
            client.get_json("/rest/api/3/myself")
    # the server did receive the credentials: the test would catch a leak if there was one
    assert server.requests_to("/rest/api/3/myself")[0].headers["authorization"] == f"Basic {BASIC}"
    error = info.value
    rendered = [str(error), repr(error), error.message, error.hint, str(error.url), *error.details]
    logged = [record.getMessage() for record in caplog.records]
    for text in rendered + logged:
        assert TOKEN not in text
        assert BASIC not in text
    # the per-request debug lines and retry warnings were emitted (and checked above)
    ours = [r for r in caplog.records if r.name == "dlt_atlassian.http"]
    assert any(r.levelno == logging.DEBUG and "-> 200" in r.getMessage() for r in ours)
    assert sum(r.levelno == logging.WARNING for r in ours) == 2
    assert not any("authorization" in r.getMessage().lower() for r in ours)
