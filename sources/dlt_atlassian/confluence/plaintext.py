"""Confluence storage format (XHTML with ``ac:``/``ri:`` macros) to readable plain text.

The text is for analytics and search, not for round-tripping: markup and macro parameters are
dropped, while everything a reader sees stays readable: paragraphs and headings on their own
lines, list items as ``- item`` / ``1. item`` (nested ones indented), table rows as
``cell | cell``, code and no-format blocks verbatim, links as their text, tasks as ``[ ]`` /
``[x]``. Built on the standard library's tolerant HTML parser because storage bodies are not
always well-formed XML (HTML entities such as ``&nbsp;``, unclosed ``<br>``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

# Elements whose start and end break the text into a new line.
_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "thead",
    "tbody", "tfoot", "hr", "section", "article", "ac:layout", "ac:layout-section",
    "ac:layout-cell", "ac:structured-macro", "ac:macro", "ac:rich-text-body", "ac:task-list",
    "ul", "ol", "dl", "dt", "dd", "figure", "figcaption",
}
# Elements whose whole content is configuration or noise, never shown to readers as text.
_SKIP = {
    "ac:parameter", "ac:task-id", "ac:task-uuid", "ac:task-status", "ac:placeholder", "style",
    "script", "ac:adf-fallback", "ac:inline-comment-marker-ref", "ac:image", "ac:emoticon",
}
# Elements whose text must keep its line breaks and spacing.
_VERBATIM = {"pre", "ac:plain-text-body", "code-block"}

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _StorageTextParser(HTMLParser):
    """Streams storage XHTML and accumulates readable text in ``self.parts``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self._verbatim_depth = 0
        self._lists: list[list[int | None]] = []  # per open list: [counter or None for bullets]
        self._cells_in_row = 0
        self._cell_depth = 0
        self._task_done: bool | None = None
        self._in_task_status = False
        self._link_has_body: list[bool] = []
        self._link_title: list[str] = []

    # -- helpers -------------------------------------------------------------------------
    def _newline(self) -> None:
        if self._cell_depth:
            # Inside a table cell a paragraph break would split the row: use a space.
            if self.parts and not self.parts[-1].endswith((" ", "\n")):
                self.parts.append(" ")
            return
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def _emit(self, text: str) -> None:
        if self._skip_depth:
            return
        if self._link_has_body:
            self._link_has_body[-1] = True
        self.parts.append(text)

    # -- parser callbacks ----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "ac:task-status":
            self._in_task_status = True
        if tag in _SKIP:
            self._skip_depth += 1
            return
        if self._skip_depth:
            return
        if tag in _VERBATIM:
            self._newline()
            self._verbatim_depth += 1
        if tag in ("ul", "ol", "ac:task-list"):
            self._newline()
            self._lists.append([1 if tag == "ol" else None])
        elif tag == "li":
            self._start_item(None)
        elif tag == "ac:task":
            self._task_done = None
        elif tag == "ac:task-body":
            self._start_item("[x] " if self._task_done else "[ ] ")
        elif tag == "tr":
            self._newline()
            self._cells_in_row = 0
        elif tag in ("td", "th"):
            if self._cells_in_row:
                while self.parts and self.parts[-1] in (" ", "\n"):
                    self.parts.pop()
                self.parts.append(" | ")
            self._cells_in_row += 1
            self._cell_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "ac:link":
            self._link_has_body.append(False)
            self._link_title.append("")
        elif tag in ("ri:page", "ri:blog-post", "ri:attachment", "ri:space") and self._link_title:
            title = attributes.get("ri:content-title") or attributes.get("ri:filename")
            self._link_title[-1] = title or attributes.get("ri:space-key") or ""
        elif tag == "time" and attributes.get("datetime"):
            self._emit(attributes["datetime"] or "")
        elif tag in _BLOCK:
            self._newline()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br",) and tag not in _SKIP:
            self.handle_endtag(tag)
        elif tag in _SKIP:
            self._skip_depth -= 1
            if tag == "ac:task-status":
                self._in_task_status = False

    def _start_item(self, marker: str | None) -> None:
        self._newline()
        depth = max(len(self._lists) - 1, 0)
        if marker is None:
            counter = self._lists[-1] if self._lists else [None]
            if counter[0] is None:
                marker = "- "
            else:
                marker = f"{counter[0]}. "
                counter[0] += 1
        self.parts.append("  " * depth + marker)

    def handle_endtag(self, tag: str) -> None:
        if tag == "ac:task-status":
            self._in_task_status = False
        if tag in _SKIP:
            self._skip_depth = max(self._skip_depth - 1, 0)
            return
        if self._skip_depth:
            return
        if tag in _VERBATIM:
            self._verbatim_depth = max(self._verbatim_depth - 1, 0)
            self._newline()
        if tag in ("ul", "ol", "ac:task-list"):
            if self._lists:
                self._lists.pop()
            self._newline()
        elif tag == "ac:link":
            has_body = self._link_has_body.pop() if self._link_has_body else True
            title = self._link_title.pop() if self._link_title else ""
            if not has_body and title:
                self._emit(title)
        elif tag in ("td", "th"):
            self._cell_depth = max(self._cell_depth - 1, 0)
        elif tag in ("li", "ac:task-body", "tr") or tag in _BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self._in_task_status:
            self._task_done = data.strip().lower() == "complete"
            return
        if self._skip_depth or not data:
            return
        if self._verbatim_depth:
            self._emit(data)
            return
        text = _SPACES.sub(" ", data.replace("\n", " "))
        at_line_start = not self.parts or self.parts[-1].endswith(("\n", " "))
        if at_line_start:
            text = text.lstrip()
        if text[:1] in (".", ",", ";", ":", "!", "?", ")") and self.parts[-1:] != ["\n"]:
            # markup-only whitespace before punctuation ("text .") reads badly
            while self.parts and self.parts[-1].endswith(" "):
                self.parts[-1] = self.parts[-1].rstrip(" ")
                if self.parts[-1]:
                    break
                self.parts.pop()
        if text:
            self._emit(text)

    def unknown_decl(self, data: str) -> None:
        # <![CDATA[...]]> carries code blocks, no-format blocks and plain-text link bodies.
        if data.startswith("CDATA["):
            self._emit(data[len("CDATA[") :])


def storage_to_text(storage: str | None) -> str | None:
    """Turn a storage-format body into readable plain text.

    Args:
        storage: The ``body.storage.value`` of a page, blog post or comment.

    Returns:
        The text with markup and macro parameters removed, or ``None`` for a missing body.
    """
    if storage is None:
        return None
    parser = _StorageTextParser()
    parser.feed(storage)
    parser.close()
    text = "\n".join(line.rstrip() for line in "".join(parser.parts).split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip("\n")


# Atlassian Document Format (ADF): node types that end a line of text.
_ADF_BLOCKS = {
    "paragraph", "heading", "codeBlock", "blockquote", "tableRow", "rule", "panel",
    "listItem", "taskItem", "decisionItem", "mediaSingle", "expand", "nestedExpand",
}


def adf_to_text(document: Any) -> str | None:
    """Turn an ADF document (parsed JSON) into readable plain text.

    Args:
        document: The ``body.atlas_doc_format.value`` parsed from JSON, or ``None``.

    Returns:
        The text of every text node, one block per line; cells joined by `` | ``.
    """
    if not isinstance(document, dict):
        return None
    out: list[str] = []
    _walk_adf(document, out, depth=0)
    text = "\n".join(line.rstrip() for line in "".join(out).split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip("\n")


def _walk_adf(node: dict[str, Any], out: list[str], depth: int, in_cell: bool = False) -> None:
    kind = node.get("type")
    attrs = node.get("attrs") or {}
    if kind == "text":
        out.append(str(node.get("text", "")))
        return
    if kind == "hardBreak":
        out.append(" " if in_cell else "\n")
        return
    if kind in ("mention", "emoji", "status", "date", "inlineCard"):
        out.append(str(attrs.get("text") or attrs.get("shortName") or attrs.get("url") or ""))
        return
    in_cell = in_cell or kind in ("tableCell", "tableHeader")
    nested = depth + 1 if kind in ("bulletList", "orderedList", "taskList") else depth
    first_number = int(attrs.get("order", 1)) if kind == "orderedList" else 0
    children = [c for c in node.get("content") or [] if isinstance(c, dict)]
    for index, child in enumerate(children):
        if kind == "tableRow" and index:
            while out and out[-1] == " ":
                out.pop()
            out.append(" | ")
        child_kind = child.get("type")
        if child_kind in ("listItem", "taskItem") and not in_cell:
            if out and not out[-1].endswith("\n"):
                out.append("\n")
            if kind == "orderedList":
                marker = f"{first_number + index}. "
            elif child_kind == "taskItem":
                marker = "[x] " if (child.get("attrs") or {}).get("state") == "DONE" else "[ ] "
            else:
                marker = "- "
            out.append("  " * max(nested - 1, 0) + marker)
        _walk_adf(child, out, nested, in_cell)
    if kind in _ADF_BLOCKS:
        if in_cell:
            out.append(" ")
        elif out and not out[-1].endswith("\n"):
            out.append("\n")
