"""HTTP layer: ``AtlassianClient`` (retries, rate limiting), paginators, dlt resource helper."""

from __future__ import annotations

from dlt_atlassian.http.client import DEFAULT_USER_AGENT, AtlassianClient
from dlt_atlassian.http.limiter import LimiterStats, RateLimiter
from dlt_atlassian.http.paginators import (
    ArrayPaginator,
    BasePaginator,
    CursorPaginator,
    NextPageTokenPaginator,
    PageRequest,
    StartAtPaginator,
)
from dlt_atlassian.http.resource import paginated_resource
from dlt_atlassian.http.retry import RetryPolicy

__all__ = [
    "DEFAULT_USER_AGENT",
    "ArrayPaginator",
    "AtlassianClient",
    "BasePaginator",
    "CursorPaginator",
    "LimiterStats",
    "NextPageTokenPaginator",
    "PageRequest",
    "RateLimiter",
    "RetryPolicy",
    "StartAtPaginator",
    "paginated_resource",
]
