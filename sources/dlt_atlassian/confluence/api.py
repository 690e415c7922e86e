"""Thin, typed reads of the Confluence v2 API used by the source (no dlt in here).

Every list is read at the documented maximum page size and followed through ``_links.next`` /
the ``Link`` header by :class:`CursorPaginator`, so the ``/ex/confluence/{cloudId}`` gateway
prefix is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from dlt_atlassian.confluence.rows import parse_ts
from dlt_atlassian.confluence.settings import (
    IDS_PER_REQUEST,
    PAGE_SIZE,
    SPACE_IDS_PER_REQUEST,
    SPACES_PATH,
    BodyFormat,
    ContentEndpoint,
)
from dlt_atlassian.errors import ConfigurationError
from dlt_atlassian.http import AtlassianClient, CursorPaginator
from dlt_atlassian.http.limiter import RequestGate

Obj = dict[str, Any]


def chunks(values: Sequence[str], size: int) -> Iterator[list[str]]:
    """Split ``values`` into lists of at most ``size``."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def paginate(
    client: AtlassianClient, path: str, params: dict[str, Any], gate: RequestGate | None = None
) -> Iterator[list[Obj]]:
    """Yield the result pages of a v2 list endpoint (each request through ``gate``, if any)."""
    return client.paginate(path, paginator=CursorPaginator(page_size=PAGE_SIZE), params=params,
                           gate=gate)


def modified_at(obj: Obj) -> datetime | None:
    """When an object's current version was published (``version.createdAt``)."""
    return parse_ts((obj.get("version") or {}).get("createdAt"))


def newest_first(
    client: AtlassianClient, path: str, params: dict[str, Any], since: datetime | None
) -> Iterator[list[Obj]]:
    """Read a list sorted by ``-modified-date`` until the page that reaches back to ``since``.

    Whole pages are yielded: callers skip unchanged objects by fingerprint, so an object
    sorted among newer ones for a change that created no version (Confluence's sort key is
    not documented to be ``version.createdAt``) is still seen. The read stops after the page
    whose last object is older than ``since``.

    Args:
        client: The Confluence client.
        path: A list endpoint that supports ``sort=-modified-date``.
        params: Filters (``sort`` is set here).
        since: Lower bound; ``None`` reads everything.

    Yields:
        Pages of objects, newest first.
    """
    for page in paginate(client, path, {**params, "sort": "-modified-date"}):
        yield page
        last = modified_at(page[-1]) if page else None
        if since is not None and last is not None and last < since:
            return


def content_params(
    endpoint: ContentEndpoint, body_format: BodyFormat, statuses: Sequence[str] | None = None
) -> dict[str, Any]:
    """Query parameters listing content of every status with the requested body."""
    params: dict[str, Any] = {"status": ",".join(statuses or endpoint.statuses)}
    if body_format != "none":
        params["body-format"] = body_format
    return params


def list_content(
    client: AtlassianClient,
    endpoint: ContentEndpoint,
    params: dict[str, Any],
    space_ids: Sequence[str] | None,
    since: datetime | None = None,
    newest: bool = False,
) -> Iterator[list[Obj]]:
    """List pages or blog posts, site-wide or for up to 100 space ids per request."""
    groups: Iterable[list[str] | None] = (
        chunks(space_ids, SPACE_IDS_PER_REQUEST) if space_ids else [None]
    )
    for group in groups:
        scoped = {**params, **({"space-id": ",".join(group)} if group else {})}
        if newest:
            yield from newest_first(client, endpoint.list_path, scoped, since)
        else:
            yield from paginate(client, endpoint.list_path, scoped)


def content_by_ids(
    client: AtlassianClient, endpoint: ContentEndpoint, ids: Sequence[str], body_format: BodyFormat
) -> Iterator[list[Obj]]:
    """Fetch pages or blog posts by id in any status, 250 ids per request (missing = purged)."""
    for group in chunks(sorted(ids, key=_numeric), IDS_PER_REQUEST):
        params = {**content_params(endpoint, body_format), "id": ",".join(group)}
        yield from paginate(client, endpoint.list_path, params)


def resolve_spaces(client: AtlassianClient, keys: Sequence[str]) -> list[Obj]:
    """Look spaces up by key; an unknown key is a :class:`ConfigurationError` naming it."""
    found: list[Obj] = []
    for group in chunks(list(keys), PAGE_SIZE):
        for page in paginate(client, SPACES_PATH, {"keys": ",".join(group)}):
            found.extend(page)
    known = {str(s.get("key")) for s in found}
    missing = [k for k in keys if k not in known]
    if missing:
        raise ConfigurationError(
            f"Unknown Confluence space key(s): {', '.join(missing)}",
            hint="Check `spaces` (keys are case-sensitive, e.g. 'ENG' or '~accountid'); the "
            "account may also lack permission to see the space.",
        )
    return found


def _numeric(value: str) -> tuple[int, str]:
    digits = "".join(ch for ch in value if ch.isdigit())
    return (int(digits) if digits else 0, value)
