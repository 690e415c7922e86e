"""Where the rotating OAuth token pair lives: a pluggable store, a locked JSON file by default.

Atlassian rotates the refresh token on every refresh, so the newest pair must survive the
process that obtained it and be shared by every process using the same consent (a Jira and a
Confluence pipeline, say). Tokens therefore live in a :class:`TokenStore`, never in dlt state.

A store offers three things (the :class:`TokenStore` protocol):

* ``load()`` -> the current :class:`TokenSet` or ``None``;
* ``save(tokens)`` -> durably replace it (a crash leaves either the old or the new pair);
* ``lock()`` -> a context manager holding an exclusive lock across processes; a refresher
  takes it, re-reads the store, and only refreshes if nobody else did in the meantime.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from dlt_atlassian.errors import TokenStoreError
from dlt_atlassian.redact import register_secret

_FORMAT_VERSION = 1
LOCK_TIMEOUT_SECONDS = 120.0


def token_fingerprint(token: str | None) -> str | None:
    """A short, non-reversible fingerprint of a token (tells consents apart)."""
    if not token:
        return None
    return hashlib.sha256(token.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class TokenSet:
    """One OAuth consent's current tokens plus what we learned about them.

    Times are epoch seconds. ``origin`` is the fingerprint of the refresh token this lineage
    started from (the one ``authorize`` received or the one configured by the user), so a new
    consent configured later can be told apart from a store that merely rotated further.
    """

    refresh_token: str
    access_token: str | None = None
    expires_at: float | None = None
    token_type: str = "Bearer"
    scope: str | None = None
    client_id: str | None = None
    origin: str | None = None
    generation: int = 0
    consented_at: float | None = None  # when the consent (authorization) happened, if known
    first_seen_at: float | None = None  # when this store first saw the lineage
    refreshed_at: float | None = None  # last successful refresh (the inactivity timer restarts)
    cloud_id: str | None = None
    site_url: str | None = None
    sites: list[dict[str, Any]] = field(default_factory=list)
    # Fingerprints of configured refresh tokens this lineage replaced (``authorize`` run while
    # an older token was still configured): such a configured token never overrides the store.
    superseded: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        register_secret(self.refresh_token)
        register_secret(self.access_token)

    def __repr__(self) -> str:
        # Never show tokens, even in a debugger or a traceback's locals.
        return (
            f"TokenSet(generation={self.generation}, expires_at={self.expires_at}, "
            f"cloud_id={self.cloud_id!r}, site_url={self.site_url!r}, scope={self.scope!r})"
        )

    __str__ = __repr__

    @property
    def scopes(self) -> list[str]:
        """The granted scopes as a list."""
        return (self.scope or "").split()

    def evolve(self, **changes: Any) -> TokenSet:
        """Return a copy with ``changes`` applied."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-serialisable form written to the store."""
        return {"version": _FORMAT_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TokenSet:
        """Build from :meth:`to_dict` output, ignoring unknown keys (forward compatible)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if not isinstance(values.get("refresh_token"), str) or not values["refresh_token"]:
            raise ValueError("no refresh_token")
        return cls(**values)


@runtime_checkable
class TokenStore(Protocol):
    """Durable, lockable storage for one consent's :class:`TokenSet` (see the module doc)."""

    def load(self) -> TokenSet | None:
        """Return the stored tokens, or ``None`` when the store is empty."""
        ...

    def save(self, tokens: TokenSet) -> None:
        """Durably replace the stored tokens (all or nothing)."""
        ...

    def lock(self) -> AbstractContextManager[None]:
        """Hold an exclusive lock across processes (and threads) while the block runs."""
        ...

    def describe(self) -> str:
        """Say where the tokens live, for messages (never the tokens)."""
        ...


class MemoryTokenStore:
    """A process-local store: for tests and for callers who persist tokens themselves."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self._tokens = tokens
        self._lock = threading.RLock()
        self.saves = 0

    def load(self) -> TokenSet | None:
        """Return the stored tokens."""
        with self._lock:
            return self._tokens

    def save(self, tokens: TokenSet) -> None:
        """Replace the stored tokens."""
        with self._lock:
            self._tokens = tokens
            self.saves += 1

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the in-process lock."""
        with self._lock:
            yield

    def describe(self) -> str:
        """Say where the tokens live."""
        return "in-memory token store"


def default_token_store_path(client_id: str) -> Path:
    """The default file for a client's tokens: under the user's data directory, per client id."""
    import platformdirs

    base = Path(platformdirs.user_data_dir("dlt-atlassian", appauthor=False))
    suffix = hashlib.sha256(client_id.encode()).hexdigest()[:12]
    return base / f"oauth-tokens-{suffix}.json"


class FileTokenStore:
    """A JSON file, mode 0600, replaced atomically, guarded by a ``<file>.lock`` file lock.

    Writes go to a temporary file in the same directory, are fsynced, renamed over the target
    and the directory is fsynced: after a crash the file holds either the old or the new pair.
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = LOCK_TIMEOUT_SECONDS):
        self.path = Path(path).expanduser()
        self.lock_timeout = lock_timeout
        from filelock import FileLock

        # One FileLock per store object; it is re-entrant within the thread that holds it.
        self._file_lock = FileLock(str(self.path) + ".lock", timeout=lock_timeout)
        self._thread_lock = threading.RLock()

    def describe(self) -> str:
        """Say where the tokens live."""
        return f"token store {self.path}"

    def load(self) -> TokenSet | None:
        """Read the file; ``None`` if it does not exist."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(
                f"Cannot read {self.describe()}: {exc.strerror or exc}",
                hint="Check the file's permissions or set token_store to a writable path.",
            ) from None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            return TokenSet.from_dict(data)
        except (ValueError, TypeError) as exc:
            raise TokenStoreError(
                f"The {self.describe()} is corrupt ({type(exc).__name__}).",
                hint="Delete it and run `dlt-atlassian authorize` again.",
            ) from None

    def save(self, tokens: TokenSet) -> None:
        """Atomically replace the file (temp file + fsync + rename + directory fsync), mode 0600."""
        payload = json.dumps(tokens.to_dict(), indent=2, sort_keys=True).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                if hasattr(os, "fchmod"):  # POSIX; mkstemp already creates files 0600
                    os.fchmod(fd, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(payload)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            _fsync_dir(self.path.parent)
        except OSError as exc:
            raise TokenStoreError(
                f"Cannot write {self.describe()}: {exc.strerror or exc}",
                hint="Make the directory writable or set token_store to another path.",
            ) from None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the cross-process file lock (and a thread lock, so threads queue fairly)."""
        from filelock import Timeout

        with self._thread_lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                self._file_lock.acquire()
            except Timeout:
                raise TokenStoreError(
                    f"Timed out after {self.lock_timeout:.0f}s waiting for the lock on "
                    f"{self.describe()}.",
                    hint="Another process holds it; if none is running, delete the .lock file.",
                ) from None
            except OSError as exc:
                raise TokenStoreError(
                    f"Cannot lock {self.describe()}: {exc.strerror or exc}"
                ) from None
            try:
                yield
            finally:
                self._file_lock.release()


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not supported on every platform (e.g. Windows).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
