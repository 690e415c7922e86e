"""What a product handler may ask about the request it serves.

The framework's middleware authenticates every product request, strips the
``/ex/{product}/{cloudId}`` gateway prefix, and stores a :class:`Principal` on
``request.state.principal`` before the product's route runs. Handlers then call
:func:`principal`, :func:`require_scopes` and :func:`record_objects` and never look at
headers themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request

AuthKind = Literal["basic", "oauth", "scoped"]


@dataclass(frozen=True)
class Principal:
    """The caller, as the framework authenticated it."""

    account_id: str
    email: str
    auth_kind: AuthKind
    # None means "every scope" (classic API tokens act with all of the user's permissions).
    scopes: frozenset[str] | None
    via_gateway: bool
    product: Literal["jira", "confluence"] | None
    time_zone: str


class ScopeError(Exception):
    """Raised by :func:`require_scopes`; the framework renders it in the product's error shape."""

    def __init__(self, needed: list[str]) -> None:
        super().__init__(f"missing scope: one of {needed}")
        self.needed = needed


def principal(request: Request) -> Principal:
    """Return the authenticated caller of ``request``."""
    return request.state.principal  # type: ignore[no-any-return]


def require_scopes(request: Request, any_of: Iterable[str]) -> None:
    """Fail with :class:`ScopeError` unless the caller holds at least one of ``any_of``.

    Pass both the classic scope and the granular ones the spec lists for the operation;
    Atlassian accepts either kind.
    """
    needed = list(any_of)
    granted = principal(request).scopes
    if granted is None or not needed:
        return
    if not granted.intersection(needed):
        raise ScopeError(needed)


def record_objects(request: Request, count: int) -> None:
    """Tell the points quota how many objects this response returned (each one costs)."""
    request.state.objects_returned = getattr(request.state, "objects_returned", 0) + count


def public_base_url(request: Request) -> str:
    """The base URL as the caller sees it: the site, or ``.../ex/{product}/{cloudId}``.

    Use it for absolute links (``self``, ``nextPage``) so they keep the gateway prefix when the
    request came through the gateway. Site-relative paths (``/rest/...``, ``/wiki/...``) are
    appended to it.
    """
    prefix = str(request.scope.get("sim.gateway_prefix") or "")
    return str(request.base_url).rstrip("/") + prefix
