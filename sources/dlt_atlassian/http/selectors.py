"""Find the list of items inside a page body."""

from __future__ import annotations

from typing import Any

from dlt_atlassian.errors import ResponseFormatError

# Where Atlassian puts a page's items, tried in order when the caller did not say.
WELL_KNOWN_ITEM_KEYS = (
    "values",
    "results",
    "issues",
    "comments",
    "worklogs",
    "histories",
    "issueChangeLogs",
    "changeLogs",
)


_MISSING: Any = object()


def _walk(body: Any, selector: str) -> Any:
    node = body
    for part in selector.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def select_items(body: Any, selector: str | None, *, method: str, url: str) -> list[Any]:
    """Return the items of one page.

    Args:
        body: the parsed JSON page.
        selector: dotted path to the list (``values``, ``data.items``); None = a bare list or
            the first well-known list key present.
        method: for the error message.
        url: for the error message.

    Raises:
        ResponseFormatError: no list where one was expected.
    """
    if selector:
        node = _walk(body, selector)
        if node is None:  # "values": null on an empty page
            return []
        if isinstance(node, list):
            return node
        found = "missing" if node is _MISSING else f"a {type(node).__name__}"
    else:
        if isinstance(body, list):
            return body
        if isinstance(body, dict):
            for key in WELL_KNOWN_ITEM_KEYS:
                if isinstance(body.get(key), list):
                    return body[key]  # type: ignore[no-any-return]
        found = "not found"
    keys = ", ".join(sorted(body)[:12]) if isinstance(body, dict) else type(body).__name__
    raise ResponseFormatError(
        f"{method} {url}: items {selector or '(auto)'} {found} in the page (keys: {keys})",
        method=method,
        url=url,
        hint="Pass data_selector= naming the list of items in this endpoint's response.",
    )
