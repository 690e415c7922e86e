"""The token endpoint's edge cases, against a scripted HTTP server (real sockets)."""

from __future__ import annotations

import logging

import pytest

from dlt_atlassian.auth import MemoryTokenStore, OAuth2RefreshAuth, TokenEndpoint, TokenSet
from dlt_atlassian.errors import AuthError, InvalidGrantError
from http_fixtures import ScriptedServer

SECRET = "endpoint-client-secret"
OLD_REFRESH = "old-refresh-token-abc"
NEW_ACCESS = "new-access-token-def"


def _endpoint(server: ScriptedServer) -> TokenEndpoint:
    return TokenEndpoint(server.base_url, "cid", SECRET, backoff_seconds=0.0)


def _auth(server: ScriptedServer, store: MemoryTokenStore) -> OAuth2RefreshAuth:
    return OAuth2RefreshAuth(client_id="cid", client_secret=SECRET, store=store,
                             token_endpoint=_endpoint(server), clock=lambda: 1000.0)


def test_response_without_refresh_token_keeps_the_old_one(server: ScriptedServer) -> None:
    server.script("/oauth/token", {"json": {"access_token": NEW_ACCESS, "expires_in": 600,
                                            "token_type": "Bearer", "scope": "read:jira-work"}})
    store = MemoryTokenStore(TokenSet(refresh_token=OLD_REFRESH, client_id="cid"))
    tokens = _auth(server, store).refresh()
    assert tokens.refresh_token == OLD_REFRESH and tokens.access_token == NEW_ACCESS
    assert tokens.expires_at == 1600.0
    assert store.load() == tokens
    body = server.requests_to("/oauth/token")[0].json()
    assert body == {"grant_type": "refresh_token", "refresh_token": OLD_REFRESH,
                    "client_id": "cid", "client_secret": SECRET}


def test_transient_failures_are_retried(server: ScriptedServer) -> None:
    server.script("/oauth/token", {"status": 503}, {"reset": True},
                  {"json": {"access_token": NEW_ACCESS, "refresh_token": "rotated-refresh-1"}})
    answer = _endpoint(server).refresh(OLD_REFRESH)
    assert answer.refresh_token == "rotated-refresh-1" and answer.expires_in == 3600
    assert len(server.requests_to("/oauth/token")) == 3


def test_endpoint_that_keeps_failing(server: ScriptedServer,
                                     caplog: pytest.LogCaptureFixture) -> None:
    server.script("/oauth/token", {"status": 502, "body": b"refresh_token=" + OLD_REFRESH.encode()})
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError, match="kept failing"):
        _endpoint(server).refresh(OLD_REFRESH)
    assert OLD_REFRESH not in caplog.text and SECRET not in caplog.text


@pytest.mark.parametrize(("status", "body", "kind", "text"), [
    (403, {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."},
     InvalidGrantError, "authorize"),
    (401, {"error": "access_denied", "error_description": "Unauthorized"}, AuthError,
     "client_secret"),
    (400, {"error": "unsupported_grant_type"}, AuthError, "auth_base_url"),
])
def test_error_mapping(server: ScriptedServer, status: int, body: dict[str, str],
                       kind: type[Exception], text: str) -> None:
    server.script("/oauth/token", {"status": status, "json": body})
    with pytest.raises(kind) as info:
        _endpoint(server).refresh(OLD_REFRESH)
    assert text in str(info.value)
    assert OLD_REFRESH not in str(info.value) and SECRET not in str(info.value)


def test_success_without_access_token(server: ScriptedServer) -> None:
    server.script("/oauth/token", {"json": {"token_type": "Bearer"}})
    with pytest.raises(AuthError, match="without an access_token"):
        _endpoint(server).refresh(OLD_REFRESH)
