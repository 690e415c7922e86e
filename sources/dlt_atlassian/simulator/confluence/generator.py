"""Deterministic Confluence data: same seed and knobs, same site (ids, trees, times, bodies)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from dlt_atlassian.simulator.config import DataConfig
from dlt_atlassian.simulator.confluence.children_gen import (
    NOUNS,
    add_attachments,
    add_comments,
    add_labels,
    skewed_count,
)
from dlt_atlassian.simulator.confluence.model import (
    Content,
    ContentKind,
    Space,
    Version,
)
from dlt_atlassian.simulator.confluence.store import Store

_SPACE_NAMES = [
    "Engineering",
    "Product",
    "Operations",
    "Marketing",
    "Design",
    "Support",
    "Security",
    "Data Platform",
    "People",
    "Finance",
    "Legal",
    "Sales",
]
_TOPICS = [
    "Onboarding",
    "Release",
    "Incident",
    "Architecture",
    "Roadmap",
    "Runbook",
    "Retro",
    "Meeting notes",
    "Design review",
    "Postmortem",
    "How-to",
    "FAQ",
    "Policy",
    "Spec",
]
_MESSAGES = ["", "", "", "Fixed typos", "Updated after review", "Added details", "Restructured"]
_MS = 1000


class Generator:
    """Fills a :class:`Store` from the data knobs; all randomness comes from one seeded RNG."""

    def __init__(self, data: DataConfig, authors: list[str], store: Store) -> None:
        self.data = data
        self.rng = random.Random(f"confluence:{data.seed}")
        self.authors = authors or ["unknown"]
        self.store = store
        self.start = data.base_time
        self.end = data.base_time + timedelta(days=data.history_days)

    def time_between(self, lo: datetime, hi: datetime) -> datetime:
        """A random instant in ``[lo, hi)`` with millisecond precision."""
        span = max(int((hi - lo).total_seconds() * _MS), 1)
        return lo + timedelta(milliseconds=self.rng.randrange(span))

    def _versions(
        self,
        created: datetime,
        author: str,
        title: str,
        mean_extra: float,
    ) -> list[Version]:
        extra = skewed_count(self.rng, mean_extra)
        times = sorted(self.time_between(created, self.end) for _ in range(extra))
        out = [Version(1, created, author, "", False, title, self.rng.getrandbits(31))]
        for n, when in enumerate(times, start=2):
            out.append(
                Version(
                    n,
                    when,
                    self.rng.choice(self.authors),
                    self.rng.choice(_MESSAGES),
                    self.rng.random() < 0.2,
                    title,
                    self.rng.getrandbits(31),
                )
            )
        return out

    def run(self) -> None:
        """Generate spaces, page trees, blog posts, comments, labels and attachments."""
        spaces = self._spaces()
        weights = [self.rng.randint(1, 6) if s.type == "global" else 1 for s in spaces]
        per_space: dict[int, list[int]] = {s.id: [] for s in spaces}
        titles: dict[int, set[str]] = {s.id: set() for s in spaces}
        for space in spaces:  # every space has a homepage
            page = self._page(space, None, 0, f"{space.name} Home", titles)
            space.homepage_id = page.id
            per_space[space.id].append(page.id)
        for _ in range(max(self.data.confluence_pages - len(spaces), 0)):
            space = self.rng.choices(spaces, weights)[0]
            pages = per_space[space.id]
            parent = None if self.rng.random() < 0.12 else self.rng.choice(pages[-40:])
            pos = len(self.store.children.get(parent, [])) if parent else None
            page = self._page(space, parent, pos, self._title(), titles)
            pages.append(page.id)
        for _ in range(self.data.blog_posts):
            space = self.rng.choices(spaces, weights)[0]
            self._content("blogpost", space, None, None, self._title(), titles)
        self._statuses()
        for content in list(self.store.contents.values()):
            add_comments(self, content)
            add_attachments(self, content)
            add_labels(self, content)

    def _spaces(self) -> list[Space]:
        n = max(self.data.confluence_spaces, 1)
        out = []
        for i in range(n):
            created = self.time_between(self.start, self.start + timedelta(days=7))
            author = self.authors[i % len(self.authors)]
            if i == n - 1 and n >= 2:
                key, name, kind = f"~{author}", f"Personal space {i}", "personal"
            else:
                base = _SPACE_NAMES[i % len(_SPACE_NAMES)]
                name = base if i < len(_SPACE_NAMES) else f"{base} {i}"
                key = "".join(w[0] for w in name.split()).upper()[:3] + ("" if i < 12 else str(i))
                key = key if len(key) > 1 else name[:3].upper()
                kind = "global"
            status = "archived" if n >= 3 and i == n - 2 else "current"
            space = Space(
                self.store.new_space_id(self.rng.randint(1, 40)),
                key,
                name,
                kind,
                status,
                author,
                created,
                None,
                f"The {name} space.",
            )
            self.store.add_space(space)
            out.append(space)
        return out

    def _title(self) -> str:
        return f"{self.rng.choice(_TOPICS)}: {self.rng.choice(NOUNS)}"

    def _page(
        self,
        space: Space,
        parent: int | None,
        pos: int | None,
        title: str,
        titles: dict[int, set[str]],
    ) -> Content:
        return self._content("page", space, parent, pos, title, titles)

    def _content(
        self,
        kind: ContentKind,
        space: Space,
        parent: int | None,
        pos: int | None,
        title: str,
        titles: dict[int, set[str]],
    ) -> Content:
        taken = titles[space.id]
        unique, n = title, 1
        while unique in taken:  # Confluence titles are unique within a space
            n += 1
            unique = f"{title} ({n})"
        taken.add(unique)
        created = self.time_between(space.created_at, self.end)
        if parent is not None:
            created = max(created, self.store.contents[parent].created_at)
        author = self.rng.choice(self.authors)
        mean = self.data.versions_per_page - 1
        content = Content(
            self.store.new_content_id(self.rng.randint(1, 7)),
            kind,
            space.id,
            "current",
            parent,
            pos,
            author,
            author,
            created,
            self._versions(created, author, unique, mean),
        )
        self.store.add_content(content)
        return content

    def _statuses(self) -> None:
        """Archive, trash, delete or leave as draft a few leaves (never a homepage)."""
        homepages = {s.homepage_id for s in self.store.spaces.values()}
        for content in self.store.contents.values():
            if content.id in homepages or self.store.children.get(content.id):
                continue
            roll = self.rng.random()
            if content.kind == "page":
                status = (
                    "archived"
                    if roll < 0.04
                    else "trashed"
                    if roll < 0.07
                    else "deleted"
                    if roll < 0.085
                    else "draft"
                    if roll < 0.09
                    else None
                )
            else:
                status = "trashed" if roll < 0.05 else "deleted" if roll < 0.07 else None
            if status:
                content.status = status
