"""Who is calling: turn an Authorization header into a :class:`Principal`, or a 401.

The rules are Atlassian's: classic API tokens (Basic email:token) work on the site URL only;
OAuth 2.0 access tokens (Bearer) and scoped API tokens (Basic email:token or Bearer token) work
through the ``api.atlassian.com/ex/{product}/{cloudId}`` gateway only.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dlt_atlassian.simulator.context import Principal
from dlt_atlassian.simulator.responses import error_body, gateway_body, product_of

if TYPE_CHECKING:
    from dlt_atlassian.simulator.state import Simulator

Product = Literal["jira", "confluence"]


@dataclass(frozen=True)
class AuthFailure:
    """A rejected request: the status, headers and body to answer with."""

    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


def gateway_failure(status: int, message: str) -> AuthFailure:
    """The gateway's error shape: ``{"code": 401, "message": "Unauthorized"}``."""
    return AuthFailure(status, gateway_body(status, message), "application/json")


def scope_mismatch() -> AuthFailure:
    """What the gateway says when the token lacks the operation's scope."""
    return gateway_failure(401, "Unauthorized; scope does not match")


def site_unauthorized(path: str) -> AuthFailure:
    """A 401 from the site itself, in the product's own error shape."""
    message = ("You are not authenticated. Authentication required to perform this operation."
               if product_of(path) == "jira" else "This request requires authentication.")
    return AuthFailure(401, error_body(path, 401, message), "application/json",
                       (("WWW-Authenticate", 'Basic realm="protected-area"'),))


def _basic(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    email, sep, token = decoded.partition(":")
    return (email, token) if sep else None


def authenticate(
    sim: Simulator, authorization: str | None, *, product: Product, via_gateway: bool, path: str,
) -> Principal | AuthFailure:
    """Authenticate one product request."""
    if via_gateway:
        return _gateway(sim, authorization or "", product)
    return _site(sim, authorization or "", product, path)


def _site(sim: Simulator, header: str, product: Product, path: str) -> Principal | AuthFailure:
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        # Bearer tokens (OAuth or scoped) are only valid on api.atlassian.com.
        return site_unauthorized(path)
    creds = _basic(value)
    if creds is None:
        return site_unauthorized(path)
    email, token = creds
    expected = _classic_token(sim, email)
    if expected is None or not secrets.compare_digest(expected, token):
        return site_unauthorized(path)
    return _principal(sim, email, "basic", None, via_gateway=False, product=product)


def _gateway(sim: Simulator, header: str, product: Product) -> Principal | AuthFailure:
    scheme, _, value = header.partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == "bearer":
        record = sim.oauth.access_record(value)
        if record is not None:
            user = sim.users.get(record.account_id)
            if user is None:
                return gateway_failure(401, "Unauthorized")
            return Principal(user.account_id, user.email, "oauth", record.scopes, True, product,
                             user.time_zone)
        scoped = sim.config.accounts.scoped_tokens.get(value)
        if scoped is not None:
            return _principal(sim, scoped[0], "scoped", frozenset(scoped[1]), via_gateway=True,
                              product=product)
        return gateway_failure(401, "Unauthorized")
    if scheme == "basic":
        creds = _basic(value)
        if creds is not None:
            email, token = creds
            scoped = sim.config.accounts.scoped_tokens.get(token)
            if scoped is not None and scoped[0].lower() == email.lower():
                return _principal(sim, email, "scoped", frozenset(scoped[1]), via_gateway=True,
                                  product=product)
        # Classic (unscoped) API tokens are not accepted by the gateway.
    return gateway_failure(401, "Unauthorized")


def _classic_token(sim: Simulator, email: str) -> str | None:
    for known, token in sim.config.accounts.api_tokens.items():
        if known.lower() == email.lower():
            return token
    return None


def _principal(
    sim: Simulator, email: str, kind: Literal["basic", "scoped"], scopes: frozenset[str] | None,
    *, via_gateway: bool, product: Product,
) -> Principal | AuthFailure:
    user = sim.users.by_email(email)
    if user is None or not user.active:
        return gateway_failure(401, "Unauthorized") if via_gateway else site_unauthorized(
            "/wiki/" if product == "confluence" else "/rest/")
    return Principal(user.account_id, user.email, kind, scopes, via_gateway, product,
                     user.time_zone)
