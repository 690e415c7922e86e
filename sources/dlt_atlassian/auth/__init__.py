"""Authentication for Atlassian Cloud: httpx authenticators, token store, OAuth flows.

Public API:

* :class:`BasicAuth`, :class:`BearerAuth`: static credentials.
* :class:`OAuth2RefreshAuth`: rotating-refresh-token OAuth 2.0 (3LO), store-coordinated.
* :class:`TokenStore` (protocol), :class:`FileTokenStore`, :class:`MemoryTokenStore`,
  :class:`TokenSet`.
* :class:`TokenEndpoint`: the ``/oauth/token`` endpoint (code exchange, refresh).
* :func:`build_auth`: the authenticator for any credentials object.
"""

from dlt_atlassian.auth.factory import build_auth, oauth_auth, token_store_for
from dlt_atlassian.auth.oauth import OAuth2RefreshAuth
from dlt_atlassian.auth.simple import BasicAuth, BearerAuth
from dlt_atlassian.auth.token_endpoint import TokenEndpoint, TokenResponse
from dlt_atlassian.auth.token_store import (
    FileTokenStore,
    MemoryTokenStore,
    TokenSet,
    TokenStore,
    default_token_store_path,
)

__all__ = [
    "BasicAuth",
    "BearerAuth",
    "FileTokenStore",
    "MemoryTokenStore",
    "OAuth2RefreshAuth",
    "TokenEndpoint",
    "TokenResponse",
    "TokenSet",
    "TokenStore",
    "build_auth",
    "default_token_store_path",
    "oauth_auth",
    "token_store_for",
]
