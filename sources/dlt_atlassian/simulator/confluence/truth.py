"""Truth accessors: what the site holds, rendered exactly as the API would render it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dlt_atlassian.simulator.confluence import render
from dlt_atlassian.simulator.confluence.model import CommentKind, ContentKind
from dlt_atlassian.simulator.confluence.store import Store


class Truth:
    """Read-only views over the store for tests and benchmarks (all statuses included)."""

    store: Store

    def all_spaces(self) -> list[dict[str, Any]]:
        """Every space, by id."""
        with self.store.lock:
            return [
                render.space_json(s) for s in sorted(self.store.spaces.values(), key=lambda s: s.id)
            ]

    def all_content(
        self,
        kind: ContentKind | None = None,
        statuses: Iterable[str] | None = None,
        body_format: str | None = None,
    ) -> list[dict[str, Any]]:
        """Pages and/or blog posts in any status (or only ``statuses``), by id."""
        wanted = set(statuses) if statuses is not None else None
        with self.store.lock:
            rows = sorted(self.store.contents.values(), key=lambda c: c.id)
            return [
                render.content_json(self.store, c, body_format)
                for c in rows
                if (kind is None or c.kind == kind) and (wanted is None or c.status in wanted)
            ]

    def all_pages(
        self, statuses: Iterable[str] | None = None, body_format: str | None = None
    ) -> list[dict[str, Any]]:
        """Every page (any status unless ``statuses`` is given)."""
        return self.all_content("page", statuses, body_format)

    def all_blogposts(
        self, statuses: Iterable[str] | None = None, body_format: str | None = None
    ) -> list[dict[str, Any]]:
        """Every blog post (any status unless ``statuses`` is given)."""
        return self.all_content("blogpost", statuses, body_format)

    def versions_of(
        self,
        content_id: int | str,
        body_format: str | None = None,
    ) -> list[dict[str, Any]]:
        """All versions of a page or blog post, oldest first."""
        with self.store.lock:
            content = self.store.contents[int(content_id)]
            return [render.content_version_json(content, v, body_format) for v in content.versions]

    def all_comments(
        self,
        kind: CommentKind | None = None,
        body_format: str | None = None,
    ) -> list[dict[str, Any]]:
        """Every comment (replies included, any container status), by id."""
        with self.store.lock:
            rows = sorted(self.store.comments.values(), key=lambda c: c.id)
            return [
                render.comment_json(self.store, c, body_format, full=True)
                for c in rows
                if kind is None or c.kind == kind
            ]

    def all_labels(self) -> list[dict[str, Any]]:
        """Every label on the site, by id."""
        with self.store.lock:
            return [
                render.label_json(lb)
                for lb in sorted(self.store.labels.values(), key=lambda lb: lb.id)
            ]

    def labels_of(self, content_id: int | str) -> list[dict[str, Any]]:
        """The labels of one page or blog post."""
        with self.store.lock:
            content = self.store.contents[int(content_id)]
            return [render.label_json(self.store.labels[cl.label_id]) for cl in content.labels]

    def all_attachments(self) -> list[dict[str, Any]]:
        """Every attachment (any status, any container status), by id."""
        with self.store.lock:
            return [
                render.attachment_json(a)
                for a in sorted(self.store.attachments.values(), key=lambda a: a.id)
            ]
