"""Atlassian Document Format (ADF) to plain text, for an optional searchable text column.

The ADF document itself is always kept as JSON; this is a lossy, readable rendering: block
nodes end with a newline, list items get a bullet, mentions/emoji/cards/dates render their
visible text. Unknown nodes contribute their children's text, so new node types degrade
gracefully instead of failing a load.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

_BLOCKS = frozenset(
    {
        "paragraph",
        "heading",
        "blockquote",
        "codeBlock",
        "listItem",
        "tableRow",
        "panel",
        "rule",
        "mediaSingle",
        "mediaGroup",
        "decisionItem",
        "taskItem",
        "expand",
        "nestedExpand",
        "bulletList",
        "orderedList",
        "table",
        "taskList",
        "decisionList",
    }
)


def is_adf(value: object) -> bool:
    """Whether ``value`` looks like an ADF document (``{"type": "doc", ...}``)."""
    return isinstance(value, dict) and value.get("type") == "doc"


def _inline_text(node: dict[str, Any]) -> str:
    kind = node.get("type")
    attrs = node.get("attrs") if isinstance(node.get("attrs"), dict) else {}
    assert isinstance(attrs, dict)
    if kind == "text":
        return str(node.get("text") or "")
    if kind == "hardBreak":
        return "\n"
    if kind == "mention":
        return str(attrs.get("text") or "@" + str(attrs.get("id") or ""))
    if kind == "emoji":
        return str(attrs.get("text") or attrs.get("shortName") or "")
    if kind in ("inlineCard", "blockCard", "embedCard"):
        return str(attrs.get("url") or "")
    if kind == "status":
        return str(attrs.get("text") or "")
    if kind == "date":
        try:
            stamp = datetime.fromtimestamp(int(attrs.get("timestamp") or 0) / 1000, UTC)
        except (TypeError, ValueError):
            return ""
        return stamp.date().isoformat()
    return ""


def adf_to_text(doc: object) -> str | None:
    """Render an ADF document as plain text (None for None; non-ADF strings pass through)."""
    if doc is None:
        return None
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, dict):
        return None
    out: list[str] = []
    # Iterative walk: deeply nested documents must not hit the recursion limit.
    stack: list[tuple[Any, bool]] = [(doc, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if out and not out[-1].endswith("\n"):
                out.append("\n")
            continue
        if not isinstance(node, dict):
            continue
        kind = node.get("type")
        text = _inline_text(node)
        if text:
            out.append(text)
        if kind == "listItem":
            out.append("- ")
        if kind in _BLOCKS:
            stack.append((None, True))
        children = node.get("content")
        if isinstance(children, list):
            stack.extend((child, False) for child in reversed(children))
    return "".join(out).strip("\n")
