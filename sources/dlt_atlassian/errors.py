"""Typed, actionable errors. Every message is redacted before it is stored on the exception.

Each error carries a one-line ``message`` (what went wrong) and a ``hint`` (what to do). The CLI
prints ``str(error)``: both, on one or two lines, never a token.
"""

from __future__ import annotations

from dlt_atlassian.redact import redact


class AtlassianError(Exception):
    """Base of every error this package raises on purpose."""

    default_hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = redact(message)
        self.hint = redact(hint if hint is not None else self.default_hint)
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class ConfigurationError(AtlassianError):
    """Bad or missing configuration (site URL, credentials, options)."""

    default_hint = "Check [sources.atlassian] in .dlt/config.toml and .dlt/secrets.toml."


class AuthError(AtlassianError):
    """Authentication failed or the token can no longer be refreshed."""


class InvalidGrantError(AuthError):
    """The refresh token was rejected (revoked, expired, or reused after rotation)."""

    default_hint = (
        "The OAuth consent is no longer valid. Run `dlt-atlassian authorize` to consent again."
    )


class TokenStoreError(AuthError):
    """The token store could not be read or written."""


class AtlassianHTTPError(AtlassianError):
    """An HTTP response that is an error after retries (or one that is never retried)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        method: str | None = None,
        url: str | None = None,
        hint: str | None = None,
        details: list[str] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.method = method
        self.url = redact(url) if url else url
        self.details = [redact(d) for d in (details or [])]


class BadRequestError(AtlassianHTTPError):
    """400: the request itself is wrong (bad JQL, unknown field, invalid parameter)."""


class UnauthorizedError(AtlassianHTTPError):
    """401: credentials missing, wrong, or expired beyond refresh."""


class PermissionDeniedError(AtlassianHTTPError):
    """403: authenticated, but the token lacks a scope or the user lacks a permission."""


class NotFoundError(AtlassianHTTPError):
    """404: the resource does not exist or the user cannot see it."""


class GoneError(AtlassianHTTPError):
    """410: the endpoint was removed by Atlassian."""


class RateLimitedError(AtlassianHTTPError):
    """429 that outlasted the retry budget."""

    default_hint = "Lower the concurrency or run later; the hourly quota may be exhausted."


class ServerError(AtlassianHTTPError):
    """5xx that outlasted the retry budget."""

    default_hint = "Atlassian is failing; run again later (no data already loaded is affected)."


class TransportError(AtlassianHTTPError):
    """Connection failures and timeouts that outlasted the retry budget."""

    default_hint = "Check the site URL and your network; run again (nothing loaded is lost)."


class ResponseFormatError(AtlassianHTTPError):
    """The response was not the JSON we expected (malformed, truncated, missing keys)."""


class PaginationLoopError(AtlassianHTTPError):
    """A paginator saw the same token or URL twice: stopping instead of looping forever."""
