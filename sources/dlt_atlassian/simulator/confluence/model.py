"""The Confluence simulator's records: compact, mutable, rendered to JSON only on demand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

ContentKind = Literal["page", "blogpost"]
CommentKind = Literal["footer", "inline"]


@dataclass(slots=True)
class CustomBody:
    """A body written through the control API (generated bodies are just a seed)."""

    storage: str
    adf: str


# A body is either a generator seed (materialized lazily) or an explicit body.
BodyRef = int | CustomBody


@dataclass(slots=True)
class Version:
    """One published version of a page, blog post, comment or attachment."""

    number: int
    created_at: datetime
    author_id: str
    message: str
    minor_edit: bool
    title: str
    body: BodyRef


@dataclass(slots=True)
class Space:
    """A Confluence space."""

    id: int
    key: str
    name: str
    type: str  # global | personal
    status: str  # current | archived
    author_id: str
    created_at: datetime
    homepage_id: int | None
    description: str


@dataclass(slots=True)
class ContentLabel:
    """A label attached to a page or blog post, with when it was added."""

    label_id: int
    added_at: datetime


@dataclass(slots=True)
class Content:
    """A page or a blog post; the current version is ``versions[-1]``."""

    id: int
    kind: ContentKind
    space_id: int
    status: str  # current | archived | trashed | deleted | draft
    parent_id: int | None
    position: int | None
    author_id: str
    owner_id: str
    created_at: datetime
    versions: list[Version]
    labels: list[ContentLabel] = field(default_factory=list)

    @property
    def current(self) -> Version:
        """The latest published version."""
        return self.versions[-1]

    @property
    def title(self) -> str:
        """The title of the latest version."""
        return self.versions[-1].title

    @property
    def modified_at(self) -> datetime:
        """When the latest version was published."""
        return self.versions[-1].created_at


@dataclass(slots=True)
class Comment:
    """A footer or inline comment (a reply has ``parent_comment_id``)."""

    id: int
    kind: CommentKind
    container_id: int
    container_kind: ContentKind
    parent_comment_id: int | None
    status: str
    created_at: datetime
    versions: list[Version]
    resolution_status: str | None = None  # inline only: open | resolved | reopened | dangling
    resolution_modifier_id: str | None = None
    resolution_modified_at: datetime | None = None
    marker_ref: str | None = None
    original_selection: str | None = None

    @property
    def modified_at(self) -> datetime:
        """When the latest version was published."""
        return self.versions[-1].created_at


@dataclass(slots=True)
class Label:
    """A label (the same name with the same prefix is one label site-wide)."""

    id: int
    name: str
    prefix: str  # global | my | team | system


@dataclass(slots=True)
class Attachment:
    """Attachment metadata (no file bytes are stored)."""

    id: int
    container_id: int
    container_kind: ContentKind
    title: str
    media_type: str
    file_size: int
    file_id: str
    status: str
    created_at: datetime
    versions: list[Version]
    comment: str = ""

    @property
    def modified_at(self) -> datetime:
        """When the latest version was uploaded."""
        return self.versions[-1].created_at
