"""Atlassian Document Format bodies: generated ones with realistic node variety, and plain text."""

from __future__ import annotations

import random
from collections.abc import Callable
from html import escape
from typing import Any

from dlt_atlassian.simulator.users import User

JSON = dict[str, Any]
WORDS = [
    "cache", "retry", "timeout", "login", "checkout", "invoice", "search", "index", "queue",
    "worker", "deploy", "rollback", "migration", "schema", "export", "import", "webhook",
    "token", "session", "latency", "memory", "crash", "report", "dashboard", "filter", "sprint",
    "release", "build", "pipeline", "flaky", "test", "customer", "upgrade", "billing",
]

_SIZE = len(WORDS)
_LISTS = ("bulletList", "orderedList")
_BITS = _SIZE.bit_length()
# Whether ``Random._randbelow`` is the getrandbits rejection loop, which ``sentence`` inlines.
_INLINE_DRAW = getattr(random.Random, "_randbelow", None) is getattr(
    random.Random, "_randbelow_with_getrandbits", object())


def sentence(rng: random.Random, lo: int = 4, hi: int = 12) -> str:
    """Return a short lowercase sentence of random domain words."""
    # Hot (every summary and paragraph): the same draws as ``rng.randint(lo, hi)`` and
    # ``rng.choice(WORDS)`` per word, which both reduce to ``_randbelow`` (a test holds this).
    below: Callable[[int], int] = rng._randbelow  # type: ignore[attr-defined]
    count = lo + below(hi - lo + 1)
    if not (_INLINE_DRAW and type(rng) is random.Random):
        words = [WORDS[below(_SIZE)] for _ in range(count)]
        return " ".join(words).capitalize()
    # ``_randbelow_with_getrandbits(_SIZE)`` inlined: draw that many bits until one is in range.
    bits = rng.getrandbits
    words = []
    for _ in range(count):
        drawn = bits(_BITS)
        while drawn >= _SIZE:
            drawn = bits(_BITS)
        words.append(WORDS[drawn])
    return " ".join(words).capitalize()


def _text(value: str) -> JSON:
    return {"type": "text", "text": value}


def _paragraph(*content: JSON) -> JSON:
    return {"type": "paragraph", "content": list(content)}


def text_doc(text: str) -> JSON:
    """Wrap plain text in a one-paragraph ADF document."""
    return {"type": "doc", "version": 1, "content": [_paragraph(_text(text))]}


def generated_doc(rng: random.Random, people: list[User]) -> JSON:
    """Build a document with paragraphs, and sometimes a mention, a list and a code block."""
    content: list[JSON] = [_paragraph(_text(sentence(rng) + "."))]
    if people and rng.random() < 0.3:
        user = rng.choice(people)
        content.append(_paragraph(
            _text("cc "),
            {"type": "mention", "attrs": {"id": user.account_id, "text": f"@{user.display_name}",
                                          "accessLevel": ""}},
        ))
    if rng.random() < 0.3:
        items = [{"type": "listItem", "content": [_paragraph(_text(sentence(rng, 2, 5)))]}
                 for _ in range(rng.randint(2, 4))]
        content.append({"type": rng.choice(_LISTS), "content": items})
    if rng.random() < 0.2:
        code = f"def {rng.choice(WORDS)}():\n    return {rng.randint(0, 99)}"
        content.append({"type": "codeBlock", "attrs": {"language": "python"},
                        "content": [_text(code)]})
    if rng.random() < 0.5:
        content.append(_paragraph(_text(sentence(rng) + "."),
                                  {"type": "text", "text": " important",
                                   "marks": [{"type": "strong"}]}))
    return {"type": "doc", "version": 1, "content": content}


def plain_text(node: Any) -> str:
    """Flatten an ADF node to text (what Jira writes into changelog ``fromString``)."""
    parts: list[str] = []
    _collect(node, parts)
    return "".join(parts)


_BLOCKS = {"paragraph", "codeBlock", "listItem"}  # followed by a line break


def _collect(node: Any, parts: list[str]) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "text":
            parts.append(str(node.get("text", "")))
        elif kind == "mention":
            parts.append(str(node.get("attrs", {}).get("text", "")))
        else:
            for child in node.get("content", []):
                _collect(child, parts)
            if kind in _BLOCKS:
                parts.append("\n")


def to_html(doc: Any) -> str:
    """Render ADF as simple HTML (``renderedFields``/``renderedBody``)."""
    return "".join(f"<p>{escape(line)}</p>" for line in plain_text(doc).splitlines() if line)
