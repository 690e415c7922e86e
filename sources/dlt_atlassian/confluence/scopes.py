"""OAuth scopes each table needs, and errors that name them when the token lacks one.

From the v2 spec (``x-atlassian-oauth2-scopes``, granular) and Atlassian's classic scope list.
A token needs the classic scope *or* all granular scopes of a table.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from dlt_atlassian.errors import (
    AtlassianHTTPError,
    PermissionDeniedError,
    UnauthorizedError,
)

_PREFIX = "Confluence refused to list "
# table -> (classic scopes, granular scopes)
TABLE_SCOPES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "spaces": (("read:confluence-space.summary",), ("read:space:confluence",)),
    "pages": (("read:confluence-content.all",), ("read:page:confluence",)),
    "blog_posts": (("read:confluence-content.all",), ("read:page:confluence",)),
    "page_versions": (("read:confluence-content.all",), ("read:page:confluence",)),
    "labels": (("read:confluence-content.all",), ("read:page:confluence",)),
    "footer_comments": (("read:confluence-content.all",), ("read:comment:confluence",)),
    "inline_comments": (("read:confluence-content.all",), ("read:comment:confluence",)),
    "attachments": (("read:confluence-content.all",), ("read:attachment:confluence",)),
}


def scope_text(table: str) -> str:
    """Human text for the scopes of ``table``: ``classic X or granular Y``."""
    classic, granular = TABLE_SCOPES[table]
    return f"classic {' + '.join(classic)} or granular {' + '.join(granular)}"


@contextmanager
def guard_scopes(table: str) -> Iterator[None]:
    """Re-raise a 401/403 from the API as an error naming the table and the scopes it needs."""
    try:
        yield
    except (UnauthorizedError, PermissionDeniedError) as exc:
        if exc.message.startswith(_PREFIX):
            raise  # already names its table (an inner guard)
        error_type: type[AtlassianHTTPError] = type(exc)
        raise error_type(
            f"{_PREFIX}{table} ({exc.status}): {exc.message}",
            status=exc.status,
            method=exc.method,
            url=exc.url,
            hint=f"The token needs the scope {scope_text(table)}; add it to the app or scoped "
            "token, then authorize again. Tables loaded before are unchanged.",
            details=exc.details,
        ) from exc
