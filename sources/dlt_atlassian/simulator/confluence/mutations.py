"""Changes to the simulated site (tests, benchmark, demo).

Edits, moves, status changes, comments, labels and attachments; every write is stamped
with the simulator's clock.
"""

from __future__ import annotations

from typing import Any

from dlt_atlassian.simulator.clock import SimClock
from dlt_atlassian.simulator.confluence import bodies, render
from dlt_atlassian.simulator.confluence.model import (
    BodyRef,
    Content,
    ContentKind,
    CustomBody,
    Space,
    Version,
)
from dlt_atlassian.simulator.confluence.store import Store


def body_ref(body: str | None, seed: int) -> BodyRef:
    """An explicit storage body (with its ADF twin), or a fresh generated one."""
    return seed if body is None else CustomBody(body, bodies.adf_from_storage(body))


class Mutations:
    """Python mutation methods of :class:`ConfluenceSimulator` (the control API calls them)."""

    def __init__(self, store: Store, clock: SimClock, authors: list[str]) -> None:
        self.store = store
        self.clock = clock
        self._authors = authors or ["unknown"]
        self._seed = 1 << 40  # bodies written later never collide with generated seeds

    def _next_seed(self) -> int:
        self._seed += 1
        return self._seed

    def _content(self, content_id: int | str, kind: ContentKind | None = None) -> Content:
        content = self.store.contents.get(int(content_id))
        if content is None or (kind is not None and content.kind != kind):
            raise KeyError(f"no {kind or 'content'} with id {content_id}")
        return content

    def _space_id(self, space: int | str) -> int:
        if (isinstance(space, int) or str(space).isdigit()) and int(space) in self.store.spaces:
            return int(space)
        found = self.store.space_by_key(str(space))
        if found is None:
            raise KeyError(f"no space {space}")
        return found.id

    # spaces -------------------------------------------------------------------
    def create_space(
        self, key: str, name: str, space_type: str = "global", author_id: str | None = None
    ) -> dict[str, Any]:
        """Create a space with its homepage, as Confluence does."""
        with self.store.lock:
            if self.store.space_by_key(key) is not None:
                raise ValueError(f"space key {key} is taken")
            now, author = self.clock.now(), author_id or self._authors[0]
            space = Space(
                self.store.new_space_id(),
                key if key.startswith("~") else key.upper(),
                name,
                space_type,
                "current",
                author,
                now,
                None,
                f"The {name} space.",
            )
            self.store.add_space(space)
            home = self.create_page(space.id, f"{name} Home", author_id=author)
            space.homepage_id = int(home["id"])
            return render.space_json(space)

    def set_space_status(self, space: int | str, status: str) -> dict[str, Any]:
        """Archive (``archived``) or restore (``current``) a space."""
        with self.store.lock:
            found = self.store.spaces[self._space_id(space)]
            found.status = status
            return render.space_json(found)

    # pages and blog posts ---------------------------------------------------
    def create_content(
        self,
        kind: ContentKind,
        space: int | str,
        title: str,
        body: str | None = None,
        parent_id: int | str | None = None,
        author_id: str | None = None,
        status: str = "current",
    ) -> dict[str, Any]:
        """Create a page or blog post (version 1, now); returns it as the API renders it."""
        with self.store.lock:
            space_id = self._space_id(space)
            now = self.clock.now()
            author = author_id or self._authors[0]
            parent = int(parent_id) if parent_id is not None else None
            if kind == "page" and parent is None:
                parent = self.store.spaces[space_id].homepage_id
            if parent is not None:
                self._content(parent, "page")
            version = Version(1, now, author, "", False, title, body_ref(body, self._next_seed()))
            content = Content(
                self.store.new_content_id(),
                kind,
                space_id,
                status,
                parent if kind == "page" else None,
                len(self.store.children.get(parent, [])) if parent else None,
                author,
                author,
                now,
                [version],
            )
            self.store.add_content(content)
            return render.content_json(self.store, content, "storage")

    def create_page(
        self,
        space: int | str,
        title: str,
        body: str | None = None,
        parent_id: int | str | None = None,
        author_id: str | None = None,
    ) -> dict[str, Any]:
        """Create a page (under the space homepage unless ``parent_id`` is given)."""
        return self.create_content("page", space, title, body, parent_id, author_id)

    def create_blogpost(
        self, space: int | str, title: str, body: str | None = None, author_id: str | None = None
    ) -> dict[str, Any]:
        """Create a blog post."""
        return self.create_content("blogpost", space, title, body, None, author_id)

    def edit(
        self,
        content_id: int | str,
        *,
        title: str | None = None,
        body: str | None = None,
        message: str = "",
        minor_edit: bool = False,
        author_id: str | None = None,
    ) -> dict[str, Any]:
        """Publish a new version (``createdAt`` = clock now).

        Without ``body`` the text changes to a fresh generated body.
        """
        with self.store.lock:
            content = self._content(content_id)
            current = content.current
            content.versions.append(
                Version(
                    current.number + 1,
                    self.clock.now(),
                    author_id or self._authors[0],
                    message,
                    minor_edit,
                    title or current.title,
                    body_ref(body, self._next_seed()),
                )
            )
            return render.content_json(self.store, content, "storage")

    def move(
        self, page_id: int | str, parent_id: int | str | None, position: int | None = None
    ) -> dict[str, Any]:
        """Give a page a new parent (``None`` makes it a top-level page)."""
        with self.store.lock:
            page = self._content(page_id, "page")
            if parent_id is not None:
                parent = self._content(parent_id, "page")
                if parent.id == page.id or page.id in _ancestors(self.store, parent):
                    raise ValueError("cannot move a page under itself")
            self.store.move(page, int(parent_id) if parent_id is not None else None, position)
            return render.content_json(self.store, page, None)

    def set_status(self, content_id: int | str, status: str) -> dict[str, Any]:
        """Set the status (``current``, ``archived``, ``trashed``, ``deleted``, ``draft``)."""
        with self.store.lock:
            content = self._content(content_id)
            content.status = status
            return render.content_json(self.store, content, None)

    def trash(self, content_id: int | str) -> dict[str, Any]:
        """Move to the trash; child pages move up to the trashed page's parent."""
        with self.store.lock:
            content = self._content(content_id)
            for child_id in list(self.store.children.get(content.id, [])):
                self.store.move(self.store.contents[child_id], content.parent_id, None)
            return self.set_status(content_id, "trashed")

    def archive(self, page_id: int | str) -> dict[str, Any]:
        """Archive a page."""
        self._content(page_id, "page")
        return self.set_status(page_id, "archived")

    def restore(self, content_id: int | str) -> dict[str, Any]:
        """Bring a trashed or archived page/blog post back to ``current``."""
        return self.set_status(content_id, "current")

    def purge(self, content_id: int | str, *, keep_as_deleted: bool = True) -> None:
        """Purge: status ``deleted`` (still listable with ``status=deleted``) or gone (404)."""
        with self.store.lock:
            content = self._content(content_id)
            if keep_as_deleted:
                content.status = "deleted"
            else:
                self.store.remove_content(content.id)


def _ancestors(store: Store, content: Content) -> list[int]:
    out: list[int] = []
    parent = content.parent_id
    while parent is not None and parent not in out:
        out.append(parent)
        found = store.contents.get(parent)
        parent = found.parent_id if found else None
    return out
