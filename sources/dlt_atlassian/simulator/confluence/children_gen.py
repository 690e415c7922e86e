"""Generation of what hangs off a page or blog post: comments, attachments and labels."""

from __future__ import annotations

import random
import uuid
from typing import TYPE_CHECKING

from dlt_atlassian.simulator.confluence.model import (
    Attachment,
    Comment,
    Content,
    ContentLabel,
    Version,
)

if TYPE_CHECKING:
    from dlt_atlassian.simulator.confluence.generator import Generator

NOUNS = [
    "API gateway",
    "billing",
    "search",
    "mobile app",
    "data lake",
    "auth service",
    "CI pipeline",
    "Q3 planning",
    "hiring",
    "pricing",
    "cache layer",
    "dashboards",
]
_LABELS = [
    "architecture",
    "howto",
    "meeting-notes",
    "decision",
    "draft",
    "runbook",
    "kb",
    "release",
    "security",
    "onboarding",
    "q3",
    "api",
    "postmortem",
    "faq",
    "policy",
]
_MEDIA = [
    ("image/png", "png"),
    ("application/pdf", "pdf"),
    ("image/jpeg", "jpg"),
    ("text/plain", "txt"),
    ("application/zip", "zip"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
]


def skewed_count(rng: random.Random, mean: float) -> int:
    """A skewed non-negative count with the given mean (geometric-like)."""
    if mean <= 0:
        return 0
    p, n = 1.0 / (1.0 + mean), 0
    while rng.random() > p and n < mean * 20:
        n += 1
    return n


def _resolve(gen: Generator, comment: Comment) -> None:
    roll = gen.rng.random()
    comment.resolution_status = "open" if roll < 0.6 else "resolved" if roll < 0.9 else "reopened"
    if comment.resolution_status != "open":
        comment.resolution_modifier_id = gen.rng.choice(gen.authors)
        comment.resolution_modified_at = gen.time_between(comment.created_at, gen.end)
    comment.marker_ref = str(uuid.UUID(int=gen.rng.getrandbits(128), version=4))
    comment.original_selection = gen.rng.choice(NOUNS)


def add_comments(gen: Generator, content: Content) -> None:
    """Footer and inline comments, some of them replies (replies share their root's kind)."""
    roots: dict[str, list[Comment]] = {"footer": [], "inline": []}
    rng = gen.rng
    for _ in range(skewed_count(gen.rng, gen.data.comments_per_page)):
        kind = "inline" if rng.random() < 0.3 else "footer"
        parent = rng.choice(roots[kind]) if roots[kind] and rng.random() < 0.3 else None
        created = gen.time_between(parent.created_at if parent else content.created_at, gen.end)
        author = rng.choice(gen.authors)
        title = f"Re: {content.title}"
        versions = [Version(1, created, author, "", False, title, rng.getrandbits(31))]
        if rng.random() < 0.1:
            versions.append(
                Version(
                    2,
                    gen.time_between(created, gen.end),
                    author,
                    "",
                    False,
                    title,
                    rng.getrandbits(31),
                )
            )
        comment = Comment(
            gen.store.new_content_id(rng.randint(1, 3)),
            kind,  # type: ignore[arg-type]
            content.id,
            content.kind,
            parent.id if parent else None,
            "current",
            created,
            versions,
        )
        if kind == "inline":
            if parent is None:
                _resolve(gen, comment)
            else:  # a reply sits on its root's highlight and shares its resolution
                comment.resolution_status = parent.resolution_status
                comment.resolution_modifier_id = parent.resolution_modifier_id
                comment.resolution_modified_at = parent.resolution_modified_at
                comment.marker_ref = parent.marker_ref
                comment.original_selection = parent.original_selection
        if parent is None:
            roots[kind].append(comment)
        gen.store.add_comment(comment)


def add_attachments(gen: Generator, content: Content) -> None:
    """Attachment metadata (type, size, file id) on a page or blog post."""
    rng = gen.rng
    for n in range(skewed_count(gen.rng, gen.data.attachments_per_page)):
        media, ext = rng.choice(_MEDIA)
        created = gen.time_between(content.created_at, gen.end)
        author = rng.choice(gen.authors)
        title = f"{rng.choice(NOUNS).replace(' ', '-')}-{n + 1}.{ext}"
        gen.store.add_attachment(
            Attachment(
                gen.store.new_content_id(rng.randint(1, 3)),
                content.id,
                content.kind,
                title,
                media,
                rng.randint(200, 5_000_000),
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "current",
                created,
                [Version(1, created, author, "", False, title, 0)],
            )
        )


def add_labels(gen: Generator, content: Content) -> None:
    """Zero to three labels, now and then a personal (``my``) one."""
    rng = gen.rng
    for name in rng.sample(_LABELS, k=rng.choice([0, 0, 1, 1, 2, 3])):
        label = gen.store.label_for(name, "my" if rng.random() < 0.05 else "global")
        content.labels.append(ContentLabel(label.id, gen.time_between(content.created_at, gen.end)))
