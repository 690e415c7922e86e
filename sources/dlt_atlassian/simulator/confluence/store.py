"""The in-memory Confluence site: records plus the indexes the API needs, under one lock."""

from __future__ import annotations

import threading
from collections import defaultdict

from dlt_atlassian.simulator.confluence.model import (
    Attachment,
    Comment,
    Content,
    Label,
    Space,
)


class Store:
    """Every space, page, blog post, comment, label and attachment of the simulated site.

    Content, comment and attachment ids share one sequence, as in Confluence.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.spaces: dict[int, Space] = {}
        self.contents: dict[int, Content] = {}
        self.comments: dict[int, Comment] = {}
        self.labels: dict[int, Label] = {}
        self.attachments: dict[int, Attachment] = {}
        self.children: defaultdict[int, list[int]] = defaultdict(list)
        self.comments_by_container: defaultdict[int, list[int]] = defaultdict(list)
        self.replies: defaultdict[int, list[int]] = defaultdict(list)
        self.attachments_by_container: defaultdict[int, list[int]] = defaultdict(list)
        self._label_ids: dict[tuple[str, str], int] = {}
        self._next_content_id = 65537
        self._next_space_id = 98305
        self._next_label_id = 1000001

    # ids -----------------------------------------------------------------
    def new_content_id(self, gap: int = 1) -> int:
        """Allocate the next id of the shared content sequence."""
        with self.lock:
            self._next_content_id += gap
            return self._next_content_id

    def new_space_id(self, gap: int = 1) -> int:
        """Allocate the next space id."""
        with self.lock:
            self._next_space_id += gap
            return self._next_space_id

    def label_for(self, name: str, prefix: str = "global") -> Label:
        """Return the site-wide label with this name and prefix, creating it if needed."""
        with self.lock:
            key = (prefix, name.lower())
            label_id = self._label_ids.get(key)
            if label_id is None:
                self._next_label_id += 1
                label_id = self._next_label_id
                self._label_ids[key] = label_id
                self.labels[label_id] = Label(label_id, name.lower(), prefix)
            return self.labels[label_id]

    # inserts ---------------------------------------------------------------
    def add_space(self, space: Space) -> None:
        """Insert a space."""
        with self.lock:
            self.spaces[space.id] = space

    def add_content(self, content: Content) -> None:
        """Insert a page or blog post and index it under its parent."""
        with self.lock:
            self.contents[content.id] = content
            if content.parent_id is not None:
                self.children[content.parent_id].append(content.id)

    def add_comment(self, comment: Comment) -> None:
        """Insert a comment and index it under its container (and parent comment)."""
        with self.lock:
            self.comments[comment.id] = comment
            self.comments_by_container[comment.container_id].append(comment.id)
            if comment.parent_comment_id is not None:
                self.replies[comment.parent_comment_id].append(comment.id)

    def add_attachment(self, attachment: Attachment) -> None:
        """Insert an attachment and index it under its container."""
        with self.lock:
            self.attachments[attachment.id] = attachment
            self.attachments_by_container[attachment.container_id].append(attachment.id)

    # lookups ---------------------------------------------------------------
    def space_by_key(self, key: str) -> Space | None:
        """Find a space by key (case-sensitive for personal ``~`` keys, else upper-cased)."""
        with self.lock:
            wanted = key if key.startswith("~") else key.upper()
            return next((s for s in self.spaces.values() if s.key == wanted), None)

    def move(self, content: Content, parent_id: int | None, position: int | None) -> None:
        """Re-parent a page, keeping the children index in step."""
        with self.lock:
            if content.parent_id is not None:
                siblings = self.children.get(content.parent_id, [])
                if content.id in siblings:
                    siblings.remove(content.id)
            content.parent_id = parent_id
            if parent_id is not None:
                self.children[parent_id].append(content.id)
                if position is None:
                    position = len(self.children[parent_id]) - 1
            content.position = position

    def remove_content(self, content_id: int) -> None:
        """Forget a page or blog post entirely, with its comments and attachments."""
        with self.lock:
            content = self.contents.pop(content_id, None)
            if content is None:
                return
            if content.parent_id is not None and content_id in self.children.get(
                content.parent_id, []
            ):
                self.children[content.parent_id].remove(content_id)
            for cid in self.comments_by_container.pop(content_id, []):
                self.comments.pop(cid, None)
                self.replies.pop(cid, None)
            for aid in self.attachments_by_container.pop(content_id, []):
                self.attachments.pop(aid, None)
