"""Thread-safe record of what the simulator served: per-endpoint counters and a bounded log.

Endpoints are keyed by method plus the *site-relative route template*
(``"GET /rest/api/3/search/jql"``, ``"GET /rest/api/3/issue/{issueIdOrKey}/changelog"``), so a
test can compare the calls it expected against what really reached the server, whether they
came through the site URL or the ``/ex/{product}/{cloudId}`` gateway. Only the method, path
template, the path (never the query string, which may carry a code or token), status and
counts are recorded: no header ever reaches this log.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_LOG_SIZE = 5000


@dataclass(frozen=True)
class LoggedRequest:
    """One served request."""

    at: float  # simulated epoch seconds
    method: str
    endpoint: str  # "GET /rest/api/3/search/jql" (route template), or the raw path if unrouted
    path: str  # the path as requested, without query string
    status: int
    objects: int
    auth_kind: str | None
    via_gateway: bool
    fault: str | None
    duration_ms: float


class RequestLog:
    """Counters by endpoint and status, plus the last ``maxlen`` requests."""

    def __init__(self, maxlen: int = DEFAULT_LOG_SIZE) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=maxlen)
        self._by_endpoint: Counter[str] = Counter()
        self._by_status: Counter[int] = Counter()
        self._by_endpoint_status: dict[str, Counter[int]] = {}
        self._objects: Counter[str] = Counter()
        self._total = 0

    def record(self, entry: LoggedRequest) -> None:
        """Count and remember one request."""
        with self._lock:
            self._entries.append(entry)
            self._total += 1
            self._by_endpoint[entry.endpoint] += 1
            self._by_status[entry.status] += 1
            self._by_endpoint_status.setdefault(entry.endpoint, Counter())[entry.status] += 1
            self._objects[entry.endpoint] += entry.objects

    def reset(self) -> None:
        """Forget every counter and entry."""
        with self._lock:
            self._entries.clear()
            self._by_endpoint.clear()
            self._by_status.clear()
            self._by_endpoint_status.clear()
            self._objects.clear()
            self._total = 0

    @property
    def total(self) -> int:
        """How many requests were recorded since the last reset."""
        with self._lock:
            return self._total

    def count(self, endpoint: str, status: int | None = None) -> int:
        """Requests to ``endpoint`` (``"GET /rest/api/3/myself"``), optionally of one status."""
        with self._lock:
            if status is None:
                return self._by_endpoint.get(endpoint, 0)
            return self._by_endpoint_status.get(endpoint, Counter()).get(status, 0)

    def counts(self) -> dict[str, int]:
        """Requests per endpoint."""
        with self._lock:
            return dict(self._by_endpoint)

    def statuses(self) -> dict[int, int]:
        """Requests per status code."""
        with self._lock:
            return dict(self._by_status)

    def objects(self) -> dict[str, int]:
        """Objects returned per endpoint (what the points quota charged for)."""
        with self._lock:
            return dict(self._objects)

    def entries(self, limit: int | None = None) -> list[LoggedRequest]:
        """The most recent requests, oldest first (at most ``limit``)."""
        with self._lock:
            items = list(self._entries)
        return items[-limit:] if limit else items

    def snapshot(self, log_limit: int | None = 1000) -> dict[str, Any]:
        """Everything as JSON-ready data (what ``GET /_sim/requests`` returns)."""
        with self._lock:
            by_status = {
                ep: {str(s): n for s, n in c.items()} for ep, c in self._by_endpoint_status.items()
            }
            data: dict[str, Any] = {
                "total": self._total,
                "endpoints": dict(self._by_endpoint),
                "statuses": {str(s): n for s, n in self._by_status.items()},
                "endpoint_statuses": by_status,
                "objects": dict(self._objects),
            }
            entries = list(self._entries)
        if log_limit:
            entries = entries[-log_limit:]
        data["log"] = [asdict(e) for e in entries]
        return data
