"""Deterministic page bodies in Confluence ``storage`` XHTML and ``atlas_doc_format`` (ADF).

A generated body is only a seed until someone asks for it: both representations are rendered
from the same block list, so they always describe the same document.
"""

from __future__ import annotations

import html
import json
import random
import re
import uuid
from functools import lru_cache
from typing import Any

_WORDS = [
    "pipeline",
    "deploy",
    "release",
    "cluster",
    "schema",
    "migration",
    "budget",
    "roadmap",
    "incident",
    "review",
    "customer",
    "latency",
    "backlog",
    "sprint",
    "service",
    "gateway",
    "token",
    "cache",
    "index",
    "replica",
    "metric",
    "dashboard",
    "alert",
    "owner",
    "runbook",
    "rollout",
    "feature",
    "quarterly",
    "planning",
    "retro",
    "onboarding",
    "architecture",
    "decision",
    "record",
    "storage",
    "encryption",
    "audit",
    "compliance",
    "vendor",
    "contract",
]
_LANGS = ["python", "sql", "bash", "java", "yaml", "json"]
_CODE = {
    "python": 'def handler(event):\n    return {"status": 200, "items": len(event)}',
    "sql": "SELECT id, title FROM pages\nWHERE updated_at >= '2024-01-01'\nORDER BY id;",
    "bash": "set -euo pipefail\nkubectl rollout status deploy/api --timeout=120s",
    "java": "public final class Main {\n  public static void main(String[] a) { }\n}",
    "yaml": "service:\n  replicas: 3\n  image: registry.example.com/api:1.4.2",
    "json": '{"enabled": true, "threshold": 0.75, "tags": ["a", "b"]}',
}
_EMOTICONS = [
    ("smile", ":slight_smile:", "🙂"),
    ("tick", ":check_mark:", "✔️"),
    ("warning", ":warning:", "⚠️"),
    ("thumbs-up", ":thumbsup:", "👍"),
]

Block = tuple[Any, ...]


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


@lru_cache(maxsize=8192)
def _blocks(seed: int) -> tuple[Block, ...]:
    """The document structure behind a generated body."""
    rng = random.Random(seed)
    blocks: list[Block] = [("heading", 1, _sentence(rng, 3).rstrip("."))]
    blocks.append(("para", _sentence(rng, rng.randint(8, 20)), None))
    kinds = ["para", "bullets", "ordered", "code", "info", "table", "tasks", "link", "emoticon"]
    for _ in range(rng.randint(2, 6)):
        kind = rng.choice(kinds)
        if kind == "para":
            blocks.append(
                ("para", _sentence(rng, rng.randint(6, 25)), rng.choice([None, "strong"]))
            )
        elif kind in ("bullets", "ordered"):
            blocks.append((kind, tuple(_sentence(rng, 4) for _ in range(rng.randint(2, 5)))))
        elif kind == "code":
            lang = rng.choice(_LANGS)
            blocks.append(("code", lang, _CODE[lang]))
        elif kind == "info":
            blocks.append(("info", _sentence(rng, rng.randint(5, 12))))
        elif kind == "table":
            cols = rng.randint(2, 4)
            header = tuple(rng.choice(_WORDS).title() for _ in range(cols))
            rows = tuple(
                tuple(rng.choice(_WORDS) for _ in range(cols)) for _ in range(rng.randint(1, 4))
            )
            blocks.append(("table", header, rows))
        elif kind == "tasks":
            items = tuple(
                (rng.randint(1, 10**6), _sentence(rng, 4), rng.random() < 0.4)
                for _ in range(rng.randint(1, 4))
            )
            blocks.append(("tasks", items))
        elif kind == "link":
            target = " ".join(rng.choice(_WORDS) for _ in range(2)).title()
            blocks.append(("link", _sentence(rng, 5), target))
        else:
            blocks.append(("emoticon", _sentence(rng, 6), rng.randrange(len(_EMOTICONS))))
    if rng.random() < 0.5:
        blocks.append(("heading", 2, "Notes"))
        blocks.append(("para", _sentence(rng, rng.randint(5, 15)), None))
    return tuple(blocks)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _storage_block(block: Block) -> str:
    kind = block[0]
    if kind == "heading":
        return f"<h{block[1]}>{_esc(block[2])}</h{block[1]}>"
    if kind == "para":
        inner = _esc(block[1])
        return f"<p><{block[2]}>{inner}</{block[2]}></p>" if block[2] else f"<p>{inner}</p>"
    if kind in ("bullets", "ordered"):
        tag = "ul" if kind == "bullets" else "ol"
        return f"<{tag}>" + "".join(f"<li><p>{_esc(i)}</p></li>" for i in block[1]) + f"</{tag}>"
    if kind == "code":
        return (
            '<ac:structured-macro ac:name="code" ac:schema-version="1">'
            f'<ac:parameter ac:name="language">{block[1]}</ac:parameter>'
            f"<ac:plain-text-body><![CDATA[{block[2]}]]></ac:plain-text-body>"
            "</ac:structured-macro>"
        )
    if kind == "info":
        return (
            '<ac:structured-macro ac:name="info" ac:schema-version="1">'
            f"<ac:rich-text-body><p>{_esc(block[1])}</p></ac:rich-text-body></ac:structured-macro>"
        )
    if kind == "table":
        head = "".join(f"<th><p><strong>{_esc(h)}</strong></p></th>" for h in block[1])
        rows = "".join(
            "<tr>" + "".join(f"<td><p>{_esc(c)}</p></td>" for c in row) + "</tr>"
            for row in block[2]
        )
        return f"<table><tbody><tr>{head}</tr>{rows}</tbody></table>"
    if kind == "tasks":
        items = "".join(
            f"<ac:task><ac:task-id>{tid}</ac:task-id>"
            f"<ac:task-status>{'complete' if done else 'incomplete'}</ac:task-status>"
            f"<ac:task-body>{_esc(text)}</ac:task-body></ac:task>"
            for tid, text, done in block[1]
        )
        return f"<ac:task-list>{items}</ac:task-list>"
    if kind == "link":
        return (
            f'<p>{_esc(block[1])} See <ac:link><ri:page ri:content-title="{_esc(block[2])}" />'
            f"</ac:link>.</p>"
        )
    name, short, _ = _EMOTICONS[block[2]]
    return f'<p>{_esc(block[1])} <ac:emoticon ac:name="{name}" ac:emoji-shortname="{short}" /></p>'


def _text(text: str, marks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": text}
    if marks:
        node["marks"] = marks
    return node


def _para(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(nodes)}


def _local_id(value: int | str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_OID, str(value)))


def _adf_block(block: Block) -> dict[str, Any]:
    kind = block[0]
    if kind == "heading":
        return {"type": "heading", "attrs": {"level": block[1]}, "content": [_text(block[2])]}
    if kind == "para":
        return _para(_text(block[1], [{"type": block[2]}] if block[2] else None))
    if kind in ("bullets", "ordered"):
        items = [{"type": "listItem", "content": [_para(_text(i))]} for i in block[1]]
        node: dict[str, Any] = {"type": "bulletList" if kind == "bullets" else "orderedList"}
        if kind == "ordered":
            node["attrs"] = {"order": 1}
        node["content"] = items
        return node
    if kind == "code":
        return {"type": "codeBlock", "attrs": {"language": block[1]}, "content": [_text(block[2])]}
    if kind == "info":
        return {
            "type": "panel",
            "attrs": {"panelType": "info"},
            "content": [_para(_text(block[1]))],
        }
    if kind == "table":
        head = {
            "type": "tableRow",
            "content": [
                {
                    "type": "tableHeader",
                    "attrs": {},
                    "content": [_para(_text(h, [{"type": "strong"}]))],
                }
                for h in block[1]
            ],
        }
        rows = [
            {
                "type": "tableRow",
                "content": [
                    {"type": "tableCell", "attrs": {}, "content": [_para(_text(c))]} for c in row
                ],
            }
            for row in block[2]
        ]
        return {
            "type": "table",
            "attrs": {"isNumberColumnEnabled": False, "layout": "default"},
            "content": [head, *rows],
        }
    if kind == "tasks":
        return {
            "type": "taskList",
            "attrs": {"localId": _local_id(block[1][0][0])},
            "content": [
                {
                    "type": "taskItem",
                    "attrs": {"localId": str(tid), "state": "DONE" if done else "TODO"},
                    "content": [_text(text)],
                }
                for tid, text, done in block[1]
            ],
        }
    if kind == "link":
        return _para(
            _text(block[1] + " See "),
            _text(
                block[2],
                [
                    {
                        "type": "link",
                        "attrs": {"href": f"/wiki/display/~/{block[2].replace(' ', '+')}"},
                    }
                ],
            ),
            _text("."),
        )
    name, short, char = _EMOTICONS[block[2]]
    return _para(
        _text(block[1] + " "),
        {"type": "emoji", "attrs": {"shortName": short, "id": name, "text": char}},
    )


@lru_cache(maxsize=4096)
def storage_body(seed: int) -> str:
    """Return the storage-format XHTML of a generated body."""
    return "".join(_storage_block(b) for b in _blocks(seed))


@lru_cache(maxsize=4096)
def adf_body(seed: int) -> str:
    """Return the ADF document of a generated body, serialized as the API returns it."""
    doc = {"type": "doc", "version": 1, "content": [_adf_block(b) for b in _blocks(seed)]}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def comment_storage(seed: int) -> str:
    """Return a short comment body in storage format."""
    rng = random.Random(seed)
    return f"<p>{_esc(_sentence(rng, rng.randint(4, 18)))}</p>"


def comment_adf(seed: int) -> str:
    """Return the ADF twin of :func:`comment_storage`."""
    rng = random.Random(seed)
    doc = {
        "type": "doc",
        "version": 1,
        "content": [_para(_text(_sentence(rng, rng.randint(4, 18))))],
    }
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


_TAG = re.compile(r"<[^>]+>")


def adf_from_storage(storage: str) -> str:
    """Build a plain ADF document from storage XHTML (for bodies written via the control API)."""
    text = html.unescape(_TAG.sub(" ", storage))
    paragraphs = [" ".join(p.split()) for p in text.split("\n") if p.strip()] or [""]
    content = [_para(_text(p)) if p else {"type": "paragraph"} for p in paragraphs]
    return json.dumps({"type": "doc", "version": 1, "content": content}, separators=(",", ":"))
