"""Render records to the JSON the Confluence v2 API returns (documented names and order)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

from dlt_atlassian.simulator.confluence import bodies
from dlt_atlassian.simulator.confluence.model import (
    Attachment,
    BodyRef,
    Comment,
    Content,
    CustomBody,
    Label,
    Space,
    Version,
)
from dlt_atlassian.simulator.confluence.store import Store

_MEDIA_DESCRIPTIONS = {
    "image/png": "PNG Image",
    "image/jpeg": "JPEG Image",
    "application/pdf": "PDF Document",
    "text/plain": "Text File",
    "application/zip": "Zip Archive",
}


def iso(when: datetime) -> str:
    """Confluence v2 timestamps: UTC, milliseconds, ``Z`` (``2024-01-17T12:34:56.789Z``)."""
    when = when.astimezone(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def body_value(body: BodyRef, fmt: str, *, comment: bool = False) -> str:
    """The body of a version in ``storage`` or ``atlas_doc_format``."""
    adf = fmt == "atlas_doc_format"  # every other format is served as the storage XHTML
    if isinstance(body, CustomBody):
        return body.adf if adf else body.storage
    if comment:
        return bodies.comment_adf(body) if adf else bodies.comment_storage(body)
    return bodies.adf_body(body) if adf else bodies.storage_body(body)


def body_json(body: BodyRef, fmt: str | None, *, comment: bool = False) -> dict[str, Any]:
    """The ``body`` object: empty without a format, else one representation."""
    if fmt is None:
        return {}
    return {fmt: {"representation": fmt, "value": body_value(body, fmt, comment=comment)}}


def version_json(version: Version) -> dict[str, Any]:
    """The ``Version`` schema."""
    return {
        "createdAt": iso(version.created_at),
        "message": version.message,
        "number": version.number,
        "minorEdit": version.minor_edit,
        "authorId": version.author_id,
    }


def space_json(
    space: Space, description_format: str | None = None, include_icon: bool = False
) -> dict[str, Any]:
    """The ``SpaceBulk`` / ``SpaceSingle`` schema."""
    out: dict[str, Any] = {
        "id": str(space.id),
        "key": space.key,
        "name": space.name,
        "type": space.type,
        "status": space.status,
        "authorId": space.author_id,
        "createdAt": iso(space.created_at),
        "homepageId": str(space.homepage_id) if space.homepage_id is not None else None,
    }
    if description_format == "plain":
        out["description"] = {"plain": {"representation": "plain", "value": space.description}}
    elif description_format == "view":
        out["description"] = {
            "view": {"representation": "view", "value": f"<p>{space.description}</p>"}
        }
    if include_icon:
        out["icon"] = {
            "path": "/wiki/aa-avatar/default.png",
            "apiDownloadLink": f"/wiki/download/space-icon/{space.id}",
        }
    out["_links"] = {"webui": f"/spaces/{quote(space.key)}"}
    return out


def _webui(store: Store, content: Content) -> str:
    space = store.spaces.get(content.space_id)
    key = quote(space.key) if space else "UNKNOWN"
    kind = "pages" if content.kind == "page" else "blog"
    return f"/spaces/{key}/{kind}/{content.id}/{quote_plus(content.title)}"


def content_json(
    store: Store,
    content: Content,
    body_format: str | None,
    version: Version | None = None,
    include_version: bool = True,
) -> dict[str, Any]:
    """The ``PageBulk``/``PageSingle`` or ``BlogPostBulk``/``BlogPostSingle`` schema."""
    shown = version or content.current
    out: dict[str, Any] = {
        "id": str(content.id),
        "status": content.status,
        "title": shown.title,
        "spaceId": str(content.space_id),
    }
    if content.kind == "page":
        out["parentId"] = str(content.parent_id) if content.parent_id is not None else None
        out["parentType"] = "page" if content.parent_id is not None else None
        out["position"] = content.position
    out["authorId"] = content.author_id
    if content.kind == "page":
        out["ownerId"] = content.owner_id
        out["lastOwnerId"] = None
    out["createdAt"] = iso(content.created_at)
    if include_version:
        out["version"] = version_json(shown)
    out["body"] = body_json(shown.body, body_format)
    out["_links"] = {
        "editui": f"/pages/resumedraft.action?draftId={content.id}",
        "webui": _webui(store, content),
        "tinyui": f"/x/{content.id:x}",
    }
    return out


def content_version_json(
    content: Content,
    version: Version,
    body_format: str | None,
) -> dict[str, Any]:
    """A ``PageVersion``/``BlogPostVersion`` row of the versions endpoints."""
    out = version_json(version)
    entity: dict[str, Any] = {"title": version.title, "id": str(content.id)}
    if body_format is not None:
        entity["body"] = body_json(version.body, body_format)
    out["page" if content.kind == "page" else "blogpost"] = entity
    return out


def child_json(content: Content) -> dict[str, Any]:
    """The ``ChildPage`` schema."""
    return {
        "id": str(content.id),
        "status": content.status,
        "title": content.title,
        "spaceId": str(content.space_id),
        "childPosition": content.position,
    }


def comment_json(
    store: Store, comment: Comment, body_format: str | None, *, full: bool
) -> dict[str, Any]:
    """A comment: ``full`` for the site-wide lists (parent id, resolution audit fields)."""
    current = comment.versions[-1]
    out: dict[str, Any] = {"id": str(comment.id), "status": comment.status, "title": current.title}
    container_key = "pageId" if comment.container_kind == "page" else "blogPostId"
    out[container_key] = str(comment.container_id)
    if full and comment.parent_comment_id is not None:
        out["parentCommentId"] = str(comment.parent_comment_id)
    out["version"] = version_json(current)
    out["body"] = body_json(current.body, body_format, comment=True)
    if comment.kind == "inline":
        if full:
            out["resolutionLastModifierId"] = comment.resolution_modifier_id
            out["resolutionLastModifiedAt"] = (
                iso(comment.resolution_modified_at) if comment.resolution_modified_at else None
            )
        out["resolutionStatus"] = comment.resolution_status
        out["properties"] = {
            "inlineMarkerRef": comment.marker_ref,
            "inlineOriginalSelection": comment.original_selection,
            "inline-marker-ref": comment.marker_ref,
            "inline-original-selection": comment.original_selection,
        }
    container = store.contents.get(comment.container_id)
    webui = _webui(store, container) if container else ""
    out["_links"] = {"webui": f"{webui}?focusedCommentId={comment.id}"}
    return out


def child_comment_json(
    store: Store,
    comment: Comment,
    body_format: str | None,
) -> dict[str, Any]:
    """A reply, as the ``/{kind}-comments/{id}/children`` endpoints return it."""
    out = comment_json(store, comment, body_format, full=False)
    out.pop("pageId", None)
    out.pop("blogPostId", None)
    return {
        "id": out.pop("id"),
        "status": out.pop("status"),
        "title": out.pop("title"),
        "parentCommentId": str(comment.parent_comment_id),
        **out,
    }


def label_json(label: Label) -> dict[str, Any]:
    """The ``Label`` schema."""
    return {"id": str(label.id), "name": label.name, "prefix": label.prefix}


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    """The ``AttachmentBulk`` schema."""
    current = attachment.versions[-1]
    container_key = "pageId" if attachment.container_kind == "page" else "blogPostId"
    millis = int(current.created_at.timestamp() * 1000)
    download = (
        f"/download/attachments/{attachment.container_id}/{quote(attachment.title)}"
        f"?version={current.number}&modificationDate={millis}&cacheVersion=1&api=v2"
    )
    webui = (
        f"/pages/viewpageattachments.action?pageId={attachment.container_id}"
        f"&preview=%2F{attachment.container_id}%2F{attachment.id}%2F"
        f"{quote(attachment.title)}"
    )
    return {
        "id": f"att{attachment.id}",
        "status": attachment.status,
        "title": attachment.title,
        "createdAt": iso(attachment.created_at),
        container_key: str(attachment.container_id),
        "mediaType": attachment.media_type,
        "mediaTypeDescription": _MEDIA_DESCRIPTIONS.get(attachment.media_type, "File"),
        "comment": attachment.comment,
        "fileId": attachment.file_id,
        "fileSize": attachment.file_size,
        "webuiLink": webui,
        "downloadLink": download,
        "version": version_json(current),
        "_links": {"webui": webui, "download": download},
    }
