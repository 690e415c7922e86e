"""Optional attachment file downloads (``download_attachments=True``).

Files go to ``{attachments_dir}/{content id}/{attachment id}_v{version}_{title}`` through the
documented v1 download endpoint (``GET /wiki/rest/api/content/{id}/child/attachment/
{attachmentId}/download``, which redirects to the file; the client follows redirects and
keeps credentials on the same origin only). The version is part of the name, so a file already
on disk is never fetched again; writes are atomic (temporary file, then rename).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from dlt_atlassian.confluence.rows import Row
from dlt_atlassian.errors import NotFoundError
from dlt_atlassian.http import AtlassianClient

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
DOWNLOADABLE = ("current", "archived")


def file_path(root: Path, row: Row) -> Path:
    """Where an attachment's file lives (stable for one attachment version)."""
    title = _UNSAFE.sub("_", str(row.get("title") or "file")).strip("._") or "file"
    name = f"{row['id']}_v{row.get('version_number') or 0}_{title[:120]}"
    return root / str(row.get("content_id") or "unattached") / name


def download(client: AtlassianClient, root: Path, row: Row) -> Row:
    """Download one attachment if needed; return the row with ``download_path`` set.

    Attachments that are trashed, detached or gone (404) keep ``download_path`` empty.
    """
    if row.get("status") not in DOWNLOADABLE or not row.get("content_id"):
        return row
    target = file_path(root, row)
    if not target.exists():
        attachment_id = str(row["id"])
        path = (f"/wiki/rest/api/content/{row['content_id']}/child/attachment/"
                f"{attachment_id}/download")
        try:
            response = client.request("GET", path)
        except NotFoundError:
            return row
        _write_atomic(target, response.content)
    return {**row, "download_path": str(target)}


def _write_atomic(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def downloader(client: AtlassianClient, directory: str) -> Any:
    """A row hook for the attachments table: download each row's file."""
    root = Path(directory).expanduser()

    def hook(row: Row) -> Row:
        return download(client, root, row)

    return hook
