"""Build the httpx authenticator (and token store) that a credentials object calls for."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx

from dlt_atlassian.auth.oauth import OAuth2RefreshAuth
from dlt_atlassian.auth.simple import BasicAuth, BearerAuth
from dlt_atlassian.auth.token_endpoint import TokenEndpoint
from dlt_atlassian.auth.token_store import FileTokenStore, TokenStore, default_token_store_path

if TYPE_CHECKING:
    from dlt_atlassian.credentials import (
        AnyAtlassianCredentials,
        AtlassianOAuthCredentials,
        AtlassianScopedTokenCredentials,
    )


def token_store_for(
    credentials: AtlassianOAuthCredentials, store: TokenStore | None = None
) -> TokenStore:
    """The configured store: ``store`` if given, else the ``token_store`` file (or the default)."""
    if store is not None:
        return store
    path = credentials.token_store or default_token_store_path(credentials.client_id)
    return FileTokenStore(path)


def oauth_auth(
    credentials: AtlassianOAuthCredentials,
    *,
    store: TokenStore | None = None,
    clock: Callable[[], float] = time.time,
    transport: httpx.BaseTransport | None = None,
) -> OAuth2RefreshAuth:
    """An :class:`OAuth2RefreshAuth` for ``credentials`` (token endpoint and store included)."""
    endpoint = TokenEndpoint(
        credentials.auth_base_url,
        credentials.client_id,
        credentials.client_secret,
        transport=transport,
    )
    return OAuth2RefreshAuth(
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        store=token_store_for(credentials, store),
        initial_refresh_token=credentials.refresh_token,
        auth_base_url=credentials.auth_base_url,
        leeway=float(credentials.refresh_leeway_seconds),
        clock=clock,
        token_endpoint=endpoint,
    )


def scoped_auth(credentials: AtlassianScopedTokenCredentials) -> httpx.Auth:
    """Basic (email + scoped token) or Bearer, as ``scoped_token_auth`` says."""
    if credentials.scoped_token_auth == "bearer":
        return BearerAuth(credentials.api_token)
    return BasicAuth(credentials.email or "", credentials.api_token)


def build_auth(
    credentials: AnyAtlassianCredentials,
    *,
    store: TokenStore | None = None,
    clock: Callable[[], float] = time.time,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Auth:
    """The authenticator for any credentials kind."""
    from dlt_atlassian.credentials import AtlassianOAuthCredentials, AtlassianScopedTokenCredentials

    if isinstance(credentials, AtlassianOAuthCredentials):
        return oauth_auth(credentials, store=store, clock=clock, transport=transport)
    if isinstance(credentials, AtlassianScopedTokenCredentials):
        return scoped_auth(credentials)
    return BasicAuth(credentials.email, credentials.api_token)
