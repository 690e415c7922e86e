"""Turn a failed Atlassian response into a typed, redacted, actionable error.

Atlassian products word their error bodies differently; :func:`extract_messages` knows them all:
Jira (``errorMessages`` + ``errors`` map), Confluence v2 (``errors[].title/detail``), Confluence
v1 and the API gateway (``message``), and the OAuth server (``error`` + ``error_description``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from dlt_atlassian import errors
from dlt_atlassian.redact import redact

_MAX_MESSAGE = 300
_SCOPE_RE = re.compile(r"\b(?:read|write|delete|manage|admin)(?::[a-z0-9.-]+)+\b")
_TAG_RE = re.compile(r"<[^>]+>")

_STATUS_CLASSES: dict[int, type[errors.AtlassianHTTPError]] = {
    400: errors.BadRequestError,
    401: errors.UnauthorizedError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    410: errors.GoneError,
    429: errors.RateLimitedError,
}

_AUTHORIZE = "re-run `dlt-atlassian authorize`"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def extract_messages(body: Any) -> list[str]:
    """Collect the human-readable error messages from a parsed Atlassian error body."""
    if not isinstance(body, dict):
        return _strings(body)
    found: list[str] = []
    found += _strings(body.get("errorMessages"))  # Jira
    errs = body.get("errors")
    if isinstance(errs, dict):  # Jira: {"field": "message"}
        found += [f"{key}: {val}" for key, val in errs.items() if isinstance(val, str)]
    elif isinstance(errs, list):  # Confluence v2: [{"title": ..., "detail": ...}]
        for item in errs:
            if isinstance(item, dict):
                parts = [str(item[k]) for k in ("title", "detail") if item.get(k)]
                if parts:
                    found.append(": ".join(dict.fromkeys(parts)))
            elif isinstance(item, str):
                found.append(item)
    for key in ("message", "error_description", "errorMessage", "detail", "title"):
        if isinstance(body.get(key), str) and body[key].strip():
            found.append(body[key])
    if not found and isinstance(body.get("error"), str):  # OAuth without a description
        found.append(body["error"])
    return list(dict.fromkeys(found))


def response_messages(response: httpx.Response) -> list[str]:
    """Error messages from a response body: JSON if it parses, else a short text excerpt."""
    try:
        text = response.text
    except (UnicodeDecodeError, httpx.ResponseNotRead):
        return []
    if not text.strip():
        return []
    try:
        return extract_messages(json.loads(text))
    except ValueError:
        plain = " ".join(_TAG_RE.sub(" ", text).split())
        return [plain[:_MAX_MESSAGE]] if plain else []


def _scope_hint(messages: list[str], path: str) -> str | None:
    joined = " ".join(messages)
    if "scope" not in joined.lower():
        return None
    named = sorted(set(_SCOPE_RE.findall(joined)))
    scope = f"scope {', '.join(named)}" if named else f"the OAuth scope required by {path}"
    return (
        f"The token lacks {scope}: add it to the app (or scoped API token) in the Atlassian "
        f"developer console and {_AUTHORIZE}."
    )


def hint_for(status: int, messages: list[str], path: str) -> str | None:
    """An actionable hint for a final failure (None = the error class's default hint)."""
    scope = _scope_hint(messages, path) if status in (401, 403) else None
    if scope:
        return scope
    lowered = path.lower()
    if status == 400:
        return "Atlassian rejected the request: check JQL/CQL, field names and options."
    if status == 401:
        return (
            f"Check the credentials: email + API token for Basic auth, or for OAuth {_AUTHORIZE}."
        )
    if status == 403:
        return (
            "The user lacks a permission (e.g. Browse projects / view space) or the app lacks "
            f"a scope; grant it and {_AUTHORIZE} if scopes changed."
        )
    if status == 404:
        if "/project" in lowered:
            return "Check the project key/id in your config and that the user can browse it."
        if "/space" in lowered or "spacekey" in lowered:
            return "Check the space key/id in your config and that the user can view it."
        return "Check the key/id and the site URL; the user may not be able to see the item."
    if status == 410:
        return "Atlassian removed this endpoint; upgrade dlt-atlassian or disable this resource."
    return None


def error_for_response(
    response: httpx.Response, *, method: str, url: str, attempts: int = 1
) -> errors.AtlassianHTTPError:
    """Build the typed error for a final failed response (message and URL redacted)."""
    status = response.status_code
    messages = response_messages(response)
    path = httpx.URL(url).path
    cls = _STATUS_CLASSES.get(status) or (
        errors.ServerError if status >= 500 else errors.AtlassianHTTPError
    )
    reason = response.reason_phrase or ""
    summary = "; ".join(messages)
    if len(summary) > _MAX_MESSAGE:
        summary = summary[: _MAX_MESSAGE - 3] + "..."
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    message = f"{method} {redact(url)} failed with {status} {reason}{tries}".rstrip()
    if summary:
        message += f": {summary}"
    return cls(
        message,
        status=status,
        method=method,
        url=url,
        hint=hint_for(status, messages, path),
        details=messages,
    )
