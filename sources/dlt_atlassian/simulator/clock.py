"""The simulator's clock: real time plus an offset that tests and the control API move."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class SimClock:
    """A thread-safe clock that can be advanced or frozen.

    Every timestamp the simulator writes (``updated``, token expiry, rate-limit windows)
    comes from here, so tests can move time forward instead of sleeping.
    """

    def __init__(self, start: datetime | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        real = datetime.now(UTC)
        self._offset = (start - real) if start is not None else timedelta(0)
        self._frozen_at: datetime | None = (start or real) if frozen else None

    def now(self) -> datetime:
        """Return the simulated current time (aware, UTC)."""
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return datetime.now(UTC) + self._offset

    def timestamp(self) -> float:
        """Return the simulated current time as epoch seconds."""
        return self.now().timestamp()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, if negative) and return the new time."""
        with self._lock:
            delta = timedelta(seconds=seconds)
            if self._frozen_at is not None:
                self._frozen_at += delta
                return self._frozen_at
            self._offset += delta
            return datetime.now(UTC) + self._offset

    def set(self, when: datetime) -> None:
        """Jump to an absolute time, keeping the frozen/running mode."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at = when
            else:
                self._offset = when - datetime.now(UTC)

    @property
    def frozen(self) -> bool:
        """True while the clock is stopped."""
        with self._lock:
            return self._frozen_at is not None

    def freeze(self) -> None:
        """Stop the clock at the current simulated time."""
        now = self.now()
        with self._lock:
            self._frozen_at = now

    def unfreeze(self) -> None:
        """Let the clock run again from where it was frozen."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - datetime.now(UTC)
                self._frozen_at = None
