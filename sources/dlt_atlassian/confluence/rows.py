"""Shape Confluence v2 API objects into flat table rows (snake_case, UTC timestamps).

Rows are flat on purpose: nested objects would become unpredictable child tables. The body is
kept in its requested representation (storage XHTML as text, ADF as JSON) next to a plain-text
rendering for search and analytics.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from dlt_atlassian.confluence.idset import fingerprint
from dlt_atlassian.confluence.plaintext import adf_to_text, storage_to_text
from dlt_atlassian.confluence.settings import HARD_DELETE_COLUMN, ContentKind

Row = dict[str, Any]


def parse_ts(value: str | None) -> datetime | None:
    """Parse an Atlassian timestamp (``...Z``, ``+00:00`` or ``+0000``) to an aware UTC datetime.

    Args:
        value: The timestamp text, or ``None``.

    Returns:
        The instant in UTC, or ``None`` for a missing or empty value.

    Raises:
        ValueError: The text is not a timestamp.
    """
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    elif len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and ":" not in text[-5:]:
        text = f"{text[:-2]}:{text[-2:]}"  # Jira-style +0000
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _version(obj: dict[str, Any]) -> Row:
    version = obj.get("version") or {}
    return {
        "version_number": version.get("number"),
        "version_created_at": parse_ts(version.get("createdAt")),
        "version_author_id": version.get("authorId"),
        "version_message": version.get("message"),
        "version_minor_edit": version.get("minorEdit"),
    }


def body_columns(obj: dict[str, Any], *, plain_text: bool) -> Row:
    """The body columns of a page, blog post or comment.

    Args:
        obj: The API object (its ``body`` holds at most the one requested representation).
        plain_text: Whether to fill ``body_text`` from the body.

    Returns:
        ``body_storage`` (text), ``body_atlas_doc_format`` (parsed JSON) and ``body_text``.
    """
    body = obj.get("body") or {}
    storage = (body.get("storage") or {}).get("value")
    adf_raw = (body.get("atlas_doc_format") or {}).get("value")
    adf: Any = None
    if isinstance(adf_raw, str) and adf_raw:
        try:
            adf = json.loads(adf_raw)
        except ValueError:
            adf = {"unparsed": adf_raw}
    elif isinstance(adf_raw, dict):
        adf = adf_raw
    text: str | None = None
    if plain_text:
        text = storage_to_text(storage) if storage is not None else adf_to_text(adf)
    return {"body_storage": storage, "body_atlas_doc_format": adf, "body_text": text}


def space_row(space: dict[str, Any]) -> Row:
    """A ``spaces`` row."""
    description = space.get("description") or {}
    plain = (description.get("plain") or {}).get("value")
    return {
        "id": str(space["id"]),
        "key": space.get("key"),
        "name": space.get("name"),
        "type": space.get("type"),
        "status": space.get("status"),
        "author_id": space.get("authorId"),
        "created_at": parse_ts(space.get("createdAt")),
        "homepage_id": _str_or_none(space.get("homepageId")),
        "description": plain,
        "webui": (space.get("_links") or {}).get("webui"),
    }


def content_row(obj: dict[str, Any], kind: ContentKind, *, plain_text: bool) -> Row:
    """A ``pages`` or ``blog_posts`` row (hierarchy columns for pages only)."""
    row: Row = {
        "id": str(obj["id"]),
        "title": obj.get("title"),
        "status": obj.get("status"),
        "space_id": _str_or_none(obj.get("spaceId")),
    }
    if kind == "page":
        row["parent_id"] = _str_or_none(obj.get("parentId"))
        row["parent_type"] = obj.get("parentType")
        row["position"] = obj.get("position")
        row["owner_id"] = obj.get("ownerId")
        row["last_owner_id"] = obj.get("lastOwnerId")
    row["author_id"] = obj.get("authorId")
    row["created_at"] = parse_ts(obj.get("createdAt"))
    row["webui"] = (obj.get("_links") or {}).get("webui")
    row.update(_version(obj))
    row.update(body_columns(obj, plain_text=plain_text))
    return row


def version_row(content_id: str, kind: ContentKind, version: dict[str, Any]) -> Row:
    """A ``page_versions`` row from a ``Version`` object."""
    return {
        "content_id": content_id,
        "content_type": kind,
        "number": version.get("number"),
        "created_at": parse_ts(version.get("createdAt")),
        "author_id": version.get("authorId"),
        "message": version.get("message"),
        "minor_edit": version.get("minorEdit"),
    }


def _container(obj: dict[str, Any]) -> tuple[str | None, str | None]:
    for key, kind in (("pageId", "page"), ("blogPostId", "blogpost"),
                      ("attachmentId", "attachment"), ("customContentId", "custom")):
        if obj.get(key) is not None:
            return str(obj[key]), kind
    return None, None


def comment_row(obj: dict[str, Any], *, inline: bool, plain_text: bool) -> Row:
    """A ``footer_comments`` or ``inline_comments`` row."""
    content_id, content_type = _container(obj)
    row: Row = {
        "id": str(obj["id"]),
        "content_id": content_id,
        "content_type": content_type,
        "page_id": _str_or_none(obj.get("pageId")),
        "blog_post_id": _str_or_none(obj.get("blogPostId")),
        "parent_comment_id": _str_or_none(obj.get("parentCommentId")),
        "status": obj.get("status"),
        "title": obj.get("title"),
        "webui": (obj.get("_links") or {}).get("webui"),
    }
    row.update(_version(obj))
    row.update(body_columns(obj, plain_text=plain_text))
    if inline:
        props = obj.get("properties") or {}
        row["resolution_status"] = obj.get("resolutionStatus")
        row["resolution_last_modifier_id"] = obj.get("resolutionLastModifierId")
        row["resolution_last_modified_at"] = parse_ts(obj.get("resolutionLastModifiedAt"))
        row["inline_marker_ref"] = props.get("inlineMarkerRef") or props.get("inline-marker-ref")
        row["inline_original_selection"] = props.get("inlineOriginalSelection") or props.get(
            "inline-original-selection"
        )
    return row


def label_row(content_id: str, kind: ContentKind, label: dict[str, Any]) -> Row:
    """A ``labels`` row: one content item carrying one label."""
    return {
        "content_id": content_id,
        "content_type": kind,
        "label_id": str(label["id"]),
        "name": label.get("name"),
        "prefix": label.get("prefix"),
    }


def attachment_row(obj: dict[str, Any]) -> Row:
    """An ``attachments`` row (metadata only)."""
    content_id, content_type = _container(obj)
    row: Row = {
        "id": str(obj["id"]),
        "status": obj.get("status"),
        "title": obj.get("title"),
        "created_at": parse_ts(obj.get("createdAt")),
        "content_id": content_id,
        "content_type": content_type,
        "page_id": _str_or_none(obj.get("pageId")),
        "blog_post_id": _str_or_none(obj.get("blogPostId")),
        "media_type": obj.get("mediaType"),
        "media_type_description": obj.get("mediaTypeDescription"),
        "comment": obj.get("comment"),
        "file_id": obj.get("fileId"),
        "file_size": obj.get("fileSize"),
        "webui_link": obj.get("webuiLink"),
        "download_link": obj.get("downloadLink"),
    }
    row.update(_version(obj))
    return row


def content_print(obj: dict[str, Any]) -> int:
    """Fingerprint of the listed fields that can change without a new version (moves, status)."""
    version = obj.get("version") or {}
    return fingerprint(
        obj.get("status"), obj.get("title"), obj.get("spaceId"), obj.get("parentId"),
        obj.get("parentType"), obj.get("position"), version.get("number"),
    )


def comment_print(obj: dict[str, Any]) -> int:
    """Fingerprint of a comment's fields that change without a new version (resolution)."""
    version = obj.get("version") or {}
    return fingerprint(
        obj.get("status"), version.get("number"), obj.get("resolutionStatus"),
        obj.get("parentCommentId"), obj.get("pageId"), obj.get("blogPostId"),
    )


def attachment_print(obj: dict[str, Any]) -> int:
    """Fingerprint of an attachment's fields that change without a new version (status)."""
    version = obj.get("version") or {}
    return fingerprint(
        obj.get("status"), version.get("number"), obj.get("title"), obj.get("pageId"),
        obj.get("blogPostId"), obj.get("fileSize"), obj.get("mediaType"),
    )


def tombstone(**keys: Any) -> Row:
    """A row that makes dlt delete every destination row matching its keys (hard delete)."""
    return {**keys, HARD_DELETE_COLUMN: True}


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
