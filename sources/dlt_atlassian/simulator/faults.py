"""Which injected failure, if any, a request gets: by seeded probability or by script.

The injector only *decides*; the middleware renders the fault (it owns the socket). Decisions
are reproducible: the same seed and the same sequence of requests give the same faults.
"""

from __future__ import annotations

import fnmatch
import random
import threading
from collections import Counter
from dataclasses import replace
from typing import Any

from dlt_atlassian.simulator.config import FaultConfig

AUTH_SERVER_PREFIXES = ("/oauth", "/authorize")
FAULT_KINDS = (
    "500", "502", "503", "429", "429-no-retry-after", "reset", "slow", "malformed",
    "truncated", "incomplete", "401",
)


class FaultInjector:
    """Thread-safe fault decisions; reconfigurable at run time."""

    def __init__(self, config: FaultConfig) -> None:
        self._lock = threading.Lock()
        self._config = config
        self._rng = random.Random(config.seed)
        self._script: list[dict[str, Any]] = [dict(e) for e in config.script]
        self.fired: Counter[str] = Counter()

    @property
    def config(self) -> FaultConfig:
        """The fault settings in force (products read ``repeat_page_token`` etc. here)."""
        return self._config

    def configure(self, config: FaultConfig | None = None, **changes: Any) -> None:
        """Swap the settings at run time; a new ``script`` replaces the pending one."""
        with self._lock:
            base = config if config is not None else self._config
            new = replace(base, **changes) if changes else base
            if config is not None or "script" in changes:
                _validate(new.script)
                self._script = [dict(e) for e in new.script]
            if config is not None or "seed" in changes:
                self._rng = random.Random(new.seed)
            self._config = new

    def add_script(self, *entries: dict[str, Any]) -> None:
        """Queue scripted faults: ``{"path": glob, "kind": ..., "count": N, "method": ...}``."""
        _validate(list(entries))
        with self._lock:
            self._script.extend(dict(e) for e in entries)

    def clear(self) -> None:
        """No more faults: rates to zero, script emptied, page-token quirks off."""
        self.configure(FaultConfig(seed=self._config.seed,
                                   slow_response_seconds=self._config.slow_response_seconds,
                                   retry_after_seconds=self._config.retry_after_seconds))

    def pending_script(self) -> list[dict[str, Any]]:
        """Scripted faults not yet used up."""
        with self._lock:
            return [dict(e) for e in self._script]

    def pick(self, method: str, path: str, *, auth_server: bool = False) -> str | None:
        """The fault for this request (a kind from :data:`FAULT_KINDS`) or ``None``.

        Auth-server requests (``/oauth/...``, ``/authorize``) only get scripted faults whose
        ``path`` names them explicitly, so a catch-all script never breaks token refreshes
        by accident; probabilities apply to product requests only.
        """
        with self._lock:
            kind = self._from_script(method, path, auth_server)
            if kind is None and not auth_server:
                kind = self._by_chance()
            if kind:
                self.fired[kind] += 1
            return kind

    def _from_script(self, method: str, path: str, auth_server: bool) -> str | None:
        for entry in self._script:
            glob = str(entry.get("path", "*"))
            if auth_server != glob.startswith(AUTH_SERVER_PREFIXES):
                continue
            want_method = str(entry.get("method", "*")).upper()
            if want_method not in ("*", method.upper()):
                continue
            if not fnmatch.fnmatchcase(path, glob):
                continue
            count = int(entry.get("count", 1))
            if count > 0:
                entry["count"] = count - 1
                if count == 1:
                    self._script.remove(entry)
            return str(entry["kind"])
        return None

    def _by_chance(self) -> str | None:
        cfg = self._config
        rates = (
            (cfg.server_error_rate, "server"), (cfg.rate_limit_storm_rate, "storm"),
            (cfg.connection_reset_rate, "reset"), (cfg.slow_response_rate, "slow"),
            (cfg.malformed_json_rate, "malformed"), (cfg.truncated_json_rate, "truncated"),
            (cfg.incomplete_body_rate, "incomplete"),
            (cfg.expired_token_rate, "401"),
        )
        if not any(rate > 0 for rate, _ in rates):
            return None
        roll = self._rng.random()
        for rate, kind in rates:
            if roll < rate:
                if kind == "server":
                    return self._rng.choice(("500", "502", "503"))
                if kind == "storm":
                    return self._rng.choice(("429", "429-no-retry-after"))
                return kind
            roll -= rate
        return None


def _validate(entries: list[dict[str, Any]]) -> None:
    for entry in entries:
        if str(entry.get("kind")) not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {entry.get('kind')!r}; use one of {FAULT_KINDS}")
