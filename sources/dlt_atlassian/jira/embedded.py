"""Changelogs the issue search embeds (``expand=changelog``), and when they are enough.

Jira embeds each issue's most recent histories, at most 40, as
``{startAt, maxResults, total, histories}``. Two cases spare the bulkfetch:

* the list is complete: ``total`` histories came along (most issues);
* the list is partial, but together with the histories already in the destination it makes
  ``total``: every history there and every embedded one is a history of the issue, so a
  union of ``total`` distinct ids is all of them (histories never change nor disappear).
  This holds whatever order Jira sends and however the destination was filled; an issue
  whose stored histories cannot be read is simply bulkfetched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from dlt_atlassian.jira.deletions import destination_rows
from dlt_atlassian.jira.settings import CHANGELOG_TABLE

logger = logging.getLogger("dlt_atlassian.jira")


def embedded_page(value: object, key: str) -> tuple[list[Any], int] | None:
    """``(items, total)`` of a list the search embedded, if well formed and from the first item.

    Jira embeds ``{startAt, maxResults, total, <key>: [...]}``; anything else gives None.
    """
    if not isinstance(value, Mapping):
        return None
    items = value.get(key)
    total = value.get("total")
    if not isinstance(items, list) or not isinstance(total, int):
        return None
    if value.get("startAt") not in (None, 0):
        return None
    return items, total


def _parts(value: object) -> tuple[list[Mapping[str, Any]], int] | None:
    """``(histories, total)`` of a well-formed embedded changelog starting at the first."""
    page = embedded_page(value, "histories")
    if page is None:
        return None
    histories, total = page
    if not all(isinstance(h, Mapping) and h.get("id") is not None for h in histories):
        return None
    return histories, total


def slim(value: object) -> object:
    """The embedded changelog with only what rows need (held until its batch is processed).

    A history's ``author`` carries names, avatars and e-mail; rows keep only its account id.
    Anything not shaped as documented is kept as sent (and then not trusted).
    """
    if _parts(value) is None:
        return value
    assert isinstance(value, Mapping)
    histories = []
    for history in value["histories"]:
        author = history.get("author")
        account = author.get("accountId") if isinstance(author, Mapping) else None
        histories.append(
            {
                "id": history["id"],
                "created": history.get("created"),
                "author": {"accountId": account} if account is not None else None,
                "items": history.get("items"),
            }
        )
    return {"startAt": value.get("startAt"), "total": value["total"], "histories": histories}


def embedded_histories(value: object) -> list[Mapping[str, Any]] | None:
    """The histories a search embedded, if they are all of the issue's (else None)."""
    parts = _parts(value)
    if parts is None or len(parts[0]) < parts[1]:
        return None
    return parts[0]


def completed_histories(value: object, stored: Iterable[str]) -> list[Mapping[str, Any]] | None:
    """The embedded histories, if with the ``stored`` history ids they make all of them."""
    parts = _parts(value)
    if parts is None:
        return None
    histories, total = parts
    known = {str(h["id"]) for h in histories}
    if len(known) < len(histories):
        return None  # a repeated id: do not trust the count
    if len(known | {str(i) for i in stored}) != total:
        return None
    return histories


def partial_ids(changelogs: Mapping[str, Any], due: Iterable[str]) -> list[str]:
    """Due issues whose embedded changelog is well formed but not complete."""
    partial = []
    for issue_id in due:
        parts = _parts(changelogs.get(issue_id))
        if parts is not None and len(parts[0]) < parts[1]:
            partial.append(issue_id)
    return partial


def stored_history_ids(issue_ids: list[str]) -> dict[str, set[str]]:
    """Issue id -> ids of its histories in the destination (empty when unreadable).

    Reads the pipeline's destination: call it in the extract's main thread only.
    """
    found: dict[str, set[str]] = {}
    if not issue_ids:
        return found
    try:
        for history_id, issue_id in destination_rows(
            CHANGELOG_TABLE, ("history_id", "issue_id"), issue_ids
        ):
            found.setdefault(str(issue_id), set()).add(str(history_id))
    except Exception as exc:  # not a SQL destination, or no pipeline: bulkfetch them all
        logger.debug("Jira: stored histories not readable, bulkfetching: %s", exc)
        return {}
    return found
