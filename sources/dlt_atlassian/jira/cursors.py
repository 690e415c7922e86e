"""Per-table, per-partition cursors over the issue search, kept in dlt source state.

One issue search feeds several tables (``issues``, ``issue_changelogs``, ``issue_comments``,
``sprint_issues``). Each table keeps its own cursor, so loading only some of them with
``with_resources(...)`` never advances the others: the search starts at the oldest cursor of
the *selected* tables, and each table takes only the issues it has not seen yet.

A cursor is the newest ``updated`` (epoch ms) the table has taken, plus a *tail*: the
``{issue id: updated}`` of issues within ``lookback`` of it. The next search starts
``lookback`` before the cursor (catching changes Jira indexed late, or written in the same
millisecond), and the tail tells which of those re-found issues are unchanged, so their
children are not fetched again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

STATE_KEY = "issue_cursors"


def fingerprint(*parts: object) -> str:
    """A short, stable hash of options that change what a table holds (scope, fields)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


@dataclass
class Cursor:
    """One table's position in one partition of the issue search."""

    value: int | None = None  # epoch ms of the newest `updated` taken; None = never loaded
    tail: dict[str, int] = field(default_factory=dict)

    def is_due(self, issue_id: str, updated_ms: int, lookback_ms: int) -> bool:
        """Whether this table still has to take the issue in this version."""
        if self.value is None:
            return True
        if updated_ms < self.value - lookback_ms:
            return False  # taken by an earlier run (the search started earlier for another table)
        return self.tail.get(issue_id) != updated_ms

    def lower_bound(self, lookback_ms: int) -> int | None:
        """Where the search must start for this table (None = from the beginning)."""
        return None if self.value is None else self.value - lookback_ms

    def to_state(self) -> dict[str, Any]:
        """Serialise for dlt state (JSON)."""
        return {"value": self.value, "tail": dict(self.tail)}

    @classmethod
    def from_state(cls, raw: Mapping[str, Any] | None) -> Cursor:
        """Read back what :meth:`to_state` wrote."""
        if not raw:
            return cls()
        value = raw.get("value")
        tail = raw.get("tail") or {}
        parsed = {str(k): int(v) for k, v in tail.items()}
        return cls(int(value) if value is not None else None, parsed)


class CursorAdvance:
    """Collects what one run saw in one partition and produces the next cursor."""

    def __init__(self, previous: Cursor, lookback_ms: int) -> None:
        self.previous = previous
        self.lookback_ms = lookback_ms
        self.newest = previous.value
        self.seen: dict[str, int] = {}

    def saw(self, issue_id: str, updated_ms: int) -> None:
        """Record an issue the search returned (due or not)."""
        if self.newest is None or updated_ms > self.newest:
            self.newest = updated_ms
        if self.seen.get(issue_id, -1) < updated_ms:
            self.seen[issue_id] = updated_ms

    def result(self) -> Cursor:
        """The cursor after the run: newest seen, with the tail inside the lookback window."""
        if self.newest is None:
            return Cursor()
        floor = self.newest - self.lookback_ms
        tail = {k: v for k, v in self.previous.tail.items() if v >= floor}
        tail.update({k: v for k, v in self.seen.items() if v >= floor})
        return Cursor(self.newest, tail)


class CursorStore:
    """The cursors of every (table, partition), read from and written to a state mapping."""

    def __init__(self, state: MutableMapping[str, Any]) -> None:
        self._state = state
        self._cursors: dict[str, Any] = state.setdefault(STATE_KEY, {})

    @staticmethod
    def key(table: str, partition: str, options: str) -> str:
        """State key of one cursor: table, partition and a fingerprint of its options."""
        return f"{table}|{partition}|{options}"

    def get(self, key: str) -> Cursor:
        """The stored cursor (an empty one if never written)."""
        return Cursor.from_state(self._cursors.get(key))

    def put(self, key: str, cursor: Cursor) -> None:
        """Store a cursor."""
        self._cursors[key] = cursor.to_state()

    def keys(self) -> Iterable[str]:
        """Every stored key."""
        return list(self._cursors)
