"""Control-API changes below a page or blog post: comments, labels and attachments."""

from __future__ import annotations

import uuid
from typing import Any

from dlt_atlassian.simulator.confluence import render
from dlt_atlassian.simulator.confluence.model import (
    Attachment,
    Comment,
    CommentKind,
    ContentLabel,
    Version,
)
from dlt_atlassian.simulator.confluence.mutations import Mutations, body_ref


class ChildMutations(Mutations):
    """Comment, label and attachment mutations (stamped with the simulator clock)."""

    # comments ---------------------------------------------------------------
    def add_comment(
        self,
        container_id: int | str,
        body: str | None = None,
        *,
        kind: CommentKind = "footer",
        parent_comment_id: int | str | None = None,
        author_id: str | None = None,
        selection: str = "selected text",
    ) -> dict[str, Any]:
        """Add a footer or inline comment (a reply when ``parent_comment_id`` is given)."""
        with self.store.lock:
            content = self._content(container_id)
            parent = int(parent_comment_id) if parent_comment_id is not None else None
            if parent is not None and parent not in self.store.comments:
                raise KeyError(f"no comment with id {parent}")
            now = self.clock.now()
            version = Version(
                1,
                now,
                author_id or self._authors[0],
                "",
                False,
                f"Re: {content.title}",
                body_ref(body, self._next_seed()),
            )
            comment = Comment(
                self.store.new_content_id(),
                kind,
                content.id,
                content.kind,
                parent,
                "current",
                now,
                [version],
            )
            if kind == "inline":
                comment.resolution_status = "open"
                comment.marker_ref = str(uuid.uuid4())
                comment.original_selection = selection
            self.store.add_comment(comment)
            return render.comment_json(self.store, comment, "storage", full=True)

    def edit_comment(self, comment_id: int | str, body: str | None = None) -> dict[str, Any]:
        """Publish a new version of a comment."""
        with self.store.lock:
            comment = self.store.comments[int(comment_id)]
            last = comment.versions[-1]
            comment.versions.append(
                Version(
                    last.number + 1,
                    self.clock.now(),
                    last.author_id,
                    "",
                    False,
                    last.title,
                    body_ref(body, self._next_seed()),
                )
            )
            return render.comment_json(self.store, comment, "storage", full=True)

    def resolve_comment(
        self, comment_id: int | str, resolved: bool = True, by: str | None = None
    ) -> dict[str, Any]:
        """Resolve an inline comment (or reopen it with ``resolved=False``)."""
        with self.store.lock:
            comment = self.store.comments[int(comment_id)]
            if comment.kind != "inline":
                raise ValueError("only inline comments can be resolved")
            comment.resolution_status = "resolved" if resolved else "reopened"
            comment.resolution_modifier_id = by or self._authors[0]
            comment.resolution_modified_at = self.clock.now()
            return render.comment_json(self.store, comment, "storage", full=True)

    def delete_comment(self, comment_id: int | str) -> None:
        """Delete a comment and its replies (they disappear from every list)."""
        with self.store.lock:
            comment = self.store.comments.pop(int(comment_id), None)
            if comment is None:
                raise KeyError(f"no comment with id {comment_id}")
            self.store.comments_by_container[comment.container_id].remove(comment.id)
            if comment.parent_comment_id is not None:
                siblings = self.store.replies.get(comment.parent_comment_id, [])
                if comment.id in siblings:
                    siblings.remove(comment.id)
            for reply in list(self.store.replies.pop(comment.id, [])):
                self.delete_comment(reply)

    # labels and attachments ---------------------------------------------------
    def add_label(
        self,
        content_id: int | str,
        name: str,
        prefix: str = "global",
    ) -> dict[str, Any]:
        """Label a page or blog post (idempotent)."""
        with self.store.lock:
            content = self._content(content_id)
            label = self.store.label_for(name, prefix)
            if all(cl.label_id != label.id for cl in content.labels):
                content.labels.append(ContentLabel(label.id, self.clock.now()))
            return render.label_json(label)

    def remove_label(self, content_id: int | str, name: str) -> None:
        """Remove a label (any prefix) from a page or blog post."""
        with self.store.lock:
            content = self._content(content_id)
            content.labels = [
                cl for cl in content.labels if self.store.labels[cl.label_id].name != name.lower()
            ]

    def add_attachment(
        self,
        container_id: int | str,
        title: str,
        media_type: str = "application/octet-stream",
        file_size: int = 1024,
        comment: str = "",
        author_id: str | None = None,
    ) -> dict[str, Any]:
        """Attach a file (metadata only) to a page or blog post."""
        with self.store.lock:
            content = self._content(container_id)
            now = self.clock.now()
            version = Version(1, now, author_id or self._authors[0], "", False, title, 0)
            attachment = Attachment(
                self.store.new_content_id(),
                content.id,
                content.kind,
                title,
                media_type,
                file_size,
                str(uuid.uuid4()),
                "current",
                now,
                [version],
                comment,
            )
            self.store.add_attachment(attachment)
            return render.attachment_json(attachment)

    def set_attachment_status(self, attachment_id: int | str, status: str) -> dict[str, Any]:
        """Trash, archive or restore an attachment (``att123`` or ``123``)."""
        with self.store.lock:
            attachment = self.store.attachments[int(str(attachment_id).removeprefix("att"))]
            attachment.status = status
            return render.attachment_json(attachment)
