"""Endpoint and table definitions of the Confluence source, as data.

Paths are site-relative (``/wiki/...``); the client appends them to the site URL or to the
``/ex/confluence/{cloudId}`` gateway. Every list endpoint is asked for its documented maximum
page size (250).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, cast

from dlt.common.schema.typing import TTableSchemaColumns

ContentKind = Literal["page", "blogpost"]
BodyFormat = Literal["storage", "atlas_doc_format", "none"]
CONTENT_KINDS: tuple[ContentKind, ...] = ("page", "blogpost")

V2: Final = "/wiki/api/v2"
PAGE_SIZE: Final = 250
# Ids per request for the ``id=`` filter of /pages and /blogposts (spec: maxItems 250).
IDS_PER_REQUEST: Final = 250
# Space ids per request for the ``space-id=`` filter (spec: maxItems 100).
SPACE_IDS_PER_REQUEST: Final = 100
DEFAULT_LOOKBACK_SECONDS: Final = 300
# Threads for per-item requests (versions, labels, children of hidden content) and attachment
# downloads: 16 keeps two endpoints near Atlassian's burst limit; the limiter absorbs 429s.
DEFAULT_PARALLELISM: Final = 16
HARD_DELETE_COLUMN: Final = "_deleted"


@dataclass(frozen=True)
class ContentEndpoint:
    """How one content kind (page or blog post) is listed and named."""

    kind: ContentKind
    table: str
    list_path: str  # site-wide list: supports id, space-id, status, sort filters
    statuses: tuple[str, ...]  # every status the list can filter on, drafts excluded

    def child_path(self, content_id: str, child: str) -> str:
        """Path of a per-content child list, e.g. ``/wiki/api/v2/pages/1/labels``."""
        return f"{self.list_path}/{content_id}/{child}"


PAGES = ContentEndpoint(
    "page", "pages", f"{V2}/pages", ("current", "archived", "trashed", "deleted")
)
# Blog posts cannot be archived (spec: BlogPostContentStatus).
BLOG_POSTS = ContentEndpoint(
    "blogpost", "blog_posts", f"{V2}/blogposts", ("current", "trashed", "deleted")
)
CONTENT_ENDPOINTS: Final = (PAGES, BLOG_POSTS)
ENDPOINT_BY_KIND: Final = {e.kind: e for e in CONTENT_ENDPOINTS}

SPACES_PATH: Final = f"{V2}/spaces"
FOOTER_COMMENTS_PATH: Final = f"{V2}/footer-comments"
INLINE_COMMENTS_PATH: Final = f"{V2}/inline-comments"
ATTACHMENTS_PATH: Final = f"{V2}/attachments"
LABELS_PATH: Final = f"{V2}/labels"
ATTACHMENT_STATUSES: Final = ("current", "archived", "trashed")

# Column hints per table. Timestamps are declared so the type never depends on the first
# value seen; JSON-ish values are declared ``json`` so dlt never explodes them into child
# tables. Every table carries the hard-delete flag used by tombstones.
_DELETED: dict[str, Any] = {"data_type": "bool", "hard_delete": True, "nullable": True}
_TS: dict[str, Any] = {"data_type": "timestamp", "timezone": True, "nullable": True}
_TEXT: dict[str, Any] = {"data_type": "text", "nullable": True}
_BIGINT: dict[str, Any] = {"data_type": "bigint", "nullable": True}
_BOOL: dict[str, Any] = {"data_type": "bool", "nullable": True}
_JSON: dict[str, Any] = {"data_type": "json", "nullable": True}


def _cols(**columns: dict[str, Any]) -> TTableSchemaColumns:
    merged = {**columns, HARD_DELETE_COLUMN: _DELETED}
    return cast(TTableSchemaColumns, {name: dict(spec) for name, spec in merged.items()})



_VERSION_COLS: dict[str, dict[str, Any]] = {
    "version_number": _BIGINT,
    "version_created_at": _TS,
    "version_author_id": _TEXT,
    "version_message": _TEXT,
    "version_minor_edit": _BOOL,
}
_BODY_COLS: dict[str, dict[str, Any]] = {
    "body_storage": _TEXT,
    "body_atlas_doc_format": _JSON,
    "body_text": _TEXT,
}

SPACE_COLUMNS = _cols(
    id=_TEXT, key=_TEXT, name=_TEXT, type=_TEXT, status=_TEXT, author_id=_TEXT,
    created_at=_TS, homepage_id=_TEXT, description=_TEXT, webui=_TEXT,
)
PAGE_COLUMNS = _cols(
    id=_TEXT, title=_TEXT, status=_TEXT, space_id=_TEXT, parent_id=_TEXT, parent_type=_TEXT,
    position=_BIGINT, author_id=_TEXT, owner_id=_TEXT, last_owner_id=_TEXT, created_at=_TS,
    webui=_TEXT, **_VERSION_COLS, **_BODY_COLS,
)
BLOG_POST_COLUMNS = _cols(
    id=_TEXT, title=_TEXT, status=_TEXT, space_id=_TEXT, author_id=_TEXT, created_at=_TS,
    webui=_TEXT, **_VERSION_COLS, **_BODY_COLS,
)
VERSION_COLUMNS = _cols(
    content_id=_TEXT, content_type=_TEXT, number=_BIGINT, created_at=_TS, author_id=_TEXT,
    message=_TEXT, minor_edit=_BOOL,
)
_COMMENT_BASE: dict[str, dict[str, Any]] = {
    "id": _TEXT, "content_id": _TEXT, "content_type": _TEXT, "page_id": _TEXT,
    "blog_post_id": _TEXT, "parent_comment_id": _TEXT, "status": _TEXT, "title": _TEXT,
    **_VERSION_COLS, **_BODY_COLS, "webui": _TEXT,
}
FOOTER_COMMENT_COLUMNS = _cols(**_COMMENT_BASE)
INLINE_COMMENT_COLUMNS = _cols(
    **_COMMENT_BASE, resolution_status=_TEXT, resolution_last_modifier_id=_TEXT,
    resolution_last_modified_at=_TS, inline_marker_ref=_TEXT, inline_original_selection=_TEXT,
)
LABEL_COLUMNS = _cols(
    content_id=_TEXT, content_type=_TEXT, label_id=_TEXT, name=_TEXT, prefix=_TEXT
)
ATTACHMENT_COLUMNS = _cols(
    id=_TEXT, status=_TEXT, title=_TEXT, created_at=_TS, content_id=_TEXT, content_type=_TEXT,
    page_id=_TEXT, blog_post_id=_TEXT, media_type=_TEXT, media_type_description=_TEXT,
    comment=_TEXT, file_id=_TEXT, file_size=_BIGINT, webui_link=_TEXT, download_link=_TEXT,
    download_path=_TEXT, **_VERSION_COLS,
)
