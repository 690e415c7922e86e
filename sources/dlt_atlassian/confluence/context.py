"""What every resource of one source instance shares: client, options, thread pool, scope."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt

from dlt_atlassian.confluence import api
from dlt_atlassian.confluence.pacing import Gates
from dlt_atlassian.confluence.rows import content_print
from dlt_atlassian.confluence.settings import (
    ENDPOINT_BY_KIND,
    SPACES_PATH,
    BodyFormat,
    ContentKind,
)
from dlt_atlassian.http import AtlassianClient


@dataclass(frozen=True)
class Options:
    """The source's options, validated."""

    space_keys: tuple[str, ...] | None
    space_ids: tuple[str, ...] | None
    start_date: datetime | None
    body_format: BodyFormat
    include_plain_text: bool
    lookback: timedelta
    reconcile_every: timedelta | None
    parallelism: int
    parallel_spaces: int
    attachments_dir: str | None  # set when attachment files are downloaded


@dataclass
class SourceContext:
    """Shared by the resources of one ``confluence_source(...)`` call.

    The scope index (every content id in the selected spaces) is listed at most once per run
    and only when something needs it: the full deletion pass, or the comment and attachment
    tables when a ``spaces`` filter must be applied to site-wide lists. The non-current index
    (archived, trashed, deleted content: usually a request per kind) serves the status sweep
    and the reads of hidden containers' comments and attachments.
    """

    client: AtlassianClient
    options: Options
    gates: Gates = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _scope: dict[ContentKind, dict[str, tuple[str, int]]] = field(default_factory=dict)
    _non_current: dict[ContentKind, dict[str, str]] = field(default_factory=dict)
    _space_ids: list[str] | None = None

    def __post_init__(self) -> None:
        self.gates = Gates(self.options.parallelism)

    def _lock_for(self, name: str) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(name, threading.Lock())

    def space_ids(self) -> list[str]:
        """The ids of the spaces in scope (every space without a ``spaces`` filter)."""
        if self.options.space_ids:
            return list(self.options.space_ids)
        with self._lock_for("spaces"):
            if self._space_ids is None:
                ids: list[str] = []
                for status in ("current", "archived"):
                    for page in api.paginate(self.client, SPACES_PATH, {"status": status}):
                        ids.extend(str(s["id"]) for s in page)
                self._space_ids = list(dict.fromkeys(ids))
            return self._space_ids

    def scope_index(self, kind: ContentKind) -> dict[str, tuple[str, int]]:
        """``{id: (status, fingerprint)}`` of every page or blog post in scope (no bodies)."""
        with self._lock_for(f"scope-{kind}"):
            if kind not in self._scope:
                endpoint = ENDPOINT_BY_KIND[kind]
                listed: dict[str, tuple[str, int]] = {}
                params = api.content_params(endpoint, "none")
                for page in api.list_content(
                    self.client, endpoint, params, self.options.space_ids
                ):
                    for obj in page:
                        if self.in_time_scope(obj):
                            listed[str(obj["id"])] = (str(obj.get("status")), content_print(obj))
                self._scope[kind] = listed
            return self._scope[kind]

    def non_current(self, kind: ContentKind) -> dict[str, str]:
        """``{id: status}`` of the archived, trashed and deleted content in scope (no bodies).

        Listed once per run; derived from the scope index when that was listed already.
        """
        with self._lock_for(f"non-current-{kind}"):
            if kind not in self._non_current:
                if kind in self._scope:
                    self._non_current[kind] = {
                        i: status for i, (status, _) in self._scope[kind].items()
                        if status != "current"}
                    return self._non_current[kind]
                endpoint = ENDPOINT_BY_KIND[kind]
                sweep = [s for s in endpoint.statuses if s != "current"]
                params = api.content_params(endpoint, "none", sweep)
                listed: dict[str, str] = {}
                for page in api.list_content(
                    self.client, endpoint, params, self.options.space_ids
                ):
                    listed.update((str(o["id"]), str(o.get("status"))) for o in page
                                  if self.in_time_scope(o))
                self._non_current[kind] = listed
            return self._non_current[kind]

    def prefetch_non_current(self, kinds: tuple[ContentKind, ...]) -> None:
        """Start listing :meth:`non_current` of ``kinds`` in the background.

        The status sweep needs it after the newest-first read; listed meanwhile, it is off the
        critical path of a small incremental run. A failure is left for the real call to raise.
        """

        def work(kind: ContentKind) -> None:
            with contextlib.suppress(Exception):  # the caller's own call raises it again
                self.non_current(kind)

        for kind in kinds:
            threading.Thread(target=work, args=(kind,), name=f"confluence-sweep-{kind}",
                             daemon=True).start()

    def in_time_scope(self, obj: dict[str, Any]) -> bool:
        """Whether an object was modified on or after ``start_date`` (always, without one)."""
        start = self.options.start_date
        if start is None:
            return True
        when = api.modified_at(obj)
        return when is None or when >= start

    def state_key(self, *parts: Any) -> str:
        """A short key for state that depends on the scope (spaces, start date) and ``parts``."""
        scope = {"spaces": sorted(self.options.space_ids or []),
                 "start": self.options.start_date.isoformat() if self.options.start_date else None,
                 "parts": [str(p) for p in parts]}
        digest = hashlib.sha1(json.dumps(scope, sort_keys=True).encode()).hexdigest()[:12]
        return f"scope_{digest}"


def utcnow() -> datetime:
    """The current time (aware, UTC)."""
    return datetime.now(UTC)


def selected_resources() -> frozenset[str]:
    """Names of the resources selected in the running source (empty when unknown)."""
    try:
        source = dlt.current.source()
        return frozenset(source.selected_resources.keys())
    except Exception:
        return frozenset()
