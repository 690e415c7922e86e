"""When to run the deletion (reconciliation) pass and what it finds.

Confluence has no change feed for removals: purged content simply stops being listed. So the
source keeps the ids it loaded (compactly, in dlt state, see :mod:`idset`) and, when a pass is
due, lists every id in scope and compares. Between full passes a cheap *status sweep* lists only
non-current content (trash, archive), which is usually small: content is purged from the trash,
so a known-trashed id that is no longer listed as trashed is either restored or purged, and one
by-id request tells which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dlt_atlassian.errors import ConfigurationError

_HOURS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*h\s*$", re.IGNORECASE)


def parse_cadence(value: str) -> timedelta | None:
    """Parse ``reconcile_deletes``: ``"always"`` (0), ``"never"`` (``None``) or ``"<N>h"``.

    Raises:
        ConfigurationError: Anything else.
    """
    text = str(value).strip().lower()
    if text == "always":
        return timedelta(0)
    if text == "never":
        return None
    match = _HOURS.match(text)
    if match:
        return timedelta(hours=float(match.group(1)))
    raise ConfigurationError(
        f"Invalid reconcile_deletes value {value!r}",
        hint='Use "always", "never" or a number of hours such as "24h".',
    )


def reconcile_due(cadence: timedelta | None, last_run: datetime | None, now: datetime) -> bool:
    """Whether a full reconciliation pass should run now."""
    if cadence is None:
        return False
    if last_run is None or cadence == timedelta(0):
        return True
    return now - last_run >= cadence


@dataclass
class ReconcilePlan:
    """What a listing of ids says about the ids loaded before."""

    refetch: set[str] = field(default_factory=set)  # new to us, or changed since loaded
    purged: set[str] = field(default_factory=set)  # certainly gone (full pass only)
    maybe_purged: set[str] = field(default_factory=set)  # left a status list: refetch decides


def plan(
    listed: Mapping[str, object],
    loaded: Mapping[str, object],
    known: Set[str],
    *,
    full: bool,
    skip: Set[str] = frozenset(),
    default: object = None,
) -> ReconcilePlan:
    """Compare a listing with what was loaded before.

    Args:
        listed: What the API lists now, ``{id: value}``: a fingerprint of every item on a full
            pass, or the status of non-current items on a sweep.
        loaded: The same value as last loaded (fingerprints, or non-current statuses).
        known: Every id loaded before.
        full: Whether ``listed`` covers everything in scope.
        skip: Ids already loaded in this run (never fetched twice).
        default: The value of a known id missing from ``loaded`` (``"current"`` on a sweep).

    Returns:
        Ids to fetch again by id, ids to delete, and ids whose fate a by-id fetch decides.
    """
    result = ReconcilePlan()
    for item_id, value in listed.items():
        if item_id in skip:
            continue
        if item_id not in known or loaded.get(item_id, default) != value:
            result.refetch.add(item_id)
    if full:
        result.purged = {i for i in known if i not in listed and i not in skip}
    else:
        gone = {i for i in loaded if i not in listed and i not in skip}
        result.maybe_purged = gone
        result.refetch |= gone
    return result
