"""FileTokenStore: 0600, atomic replacement, corrupt files, cross-process lock; TokenSet."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dlt_atlassian.auth.token_store import (
    FileTokenStore,
    MemoryTokenStore,
    TokenSet,
    TokenStore,
    default_token_store_path,
    token_fingerprint,
)
from dlt_atlassian.errors import TokenStoreError

REFRESH = "refresh-token-value-123"
ACCESS = "access-token-value-456"


def _tokens(**changes: object) -> TokenSet:
    base = TokenSet(refresh_token=REFRESH, access_token=ACCESS, expires_at=1000.0,
                    scope="offline_access read:jira-work", client_id="c", generation=3)
    return base.evolve(**changes)


def test_round_trip_mode_0600_and_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "dir" / "tokens.json"
    store = FileTokenStore(path)
    assert store.load() is None
    store.save(_tokens())
    assert store.load() == _tokens()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    store.save(_tokens(generation=4, sites=[{"id": "x", "url": "https://a"}]))
    loaded = store.load()
    assert loaded is not None and loaded.generation == 4 and loaded.sites[0]["id"] == "x"
    assert sorted(p.name for p in path.parent.iterdir()) == ["tokens.json"]
    assert json.loads(path.read_text())["version"] == 1


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(TokenStoreError, match="Cannot write") as info:
        FileTokenStore(blocker / "tokens.json").save(_tokens())
    assert "token_store" in str(info.value)


def test_readers_never_see_a_partial_file(tmp_path: Path) -> None:
    # A reader in another process loads while we rewrite a large file: atomic replacement
    # means every read is a complete old or new version, never a torn one.
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    sites = [{"id": f"id-{i}", "url": f"https://s{i}.atlassian.net", "name": "x" * 200}
             for i in range(300)]
    store.save(_tokens(sites=sites))
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        from dlt_atlassian.auth.token_store import FileTokenStore
        store, seen = FileTokenStore({str(path)!r}), set()
        for _ in range(400):
            seen.add(store.load().generation)
        print(len(seen))
    """)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    generation = 0
    while reader.poll() is None and generation < 5000:
        generation += 1
        store.save(_tokens(sites=sites, generation=generation))
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    assert int(out) >= 1


def test_corrupt_or_foreign_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    with pytest.raises(TokenStoreError, match="corrupt") as info:
        FileTokenStore(path).load()
    assert "authorize" in str(info.value)
    path.write_text(json.dumps({"access_token": ACCESS}))
    with pytest.raises(TokenStoreError, match="corrupt"):
        FileTokenStore(path).load()


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({**_tokens().to_dict(), "future_field": 1}))
    assert FileTokenStore(path).load() == _tokens()


def test_repr_and_str_never_show_tokens() -> None:
    tokens = _tokens()
    for text in (repr(tokens), str(tokens), f"{tokens}"):
        assert REFRESH not in text and ACCESS not in text


def test_fingerprint_is_stable_and_not_the_token() -> None:
    assert token_fingerprint(REFRESH) == token_fingerprint(REFRESH)
    assert token_fingerprint(REFRESH) != token_fingerprint(ACCESS)
    assert REFRESH not in (token_fingerprint(REFRESH) or "")
    assert token_fingerprint(None) is None


def test_stores_satisfy_the_protocol(tmp_path: Path) -> None:
    assert isinstance(FileTokenStore(tmp_path / "t.json"), TokenStore)
    assert isinstance(MemoryTokenStore(), TokenStore)
    assert default_token_store_path("client-a") != default_token_store_path("client-b")
    assert "client-a" not in str(default_token_store_path("client-a"))


def test_lock_excludes_other_processes(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    child = textwrap.dedent(f"""
        import time
        from dlt_atlassian.auth.token_store import FileTokenStore
        store = FileTokenStore({str(path)!r}, lock_timeout=0.2)
        try:
            with store.lock():
                print("acquired")
        except Exception as exc:
            print(type(exc).__name__)
    """)
    with store.lock():
        held = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                              timeout=60)
    assert held.stdout.strip() == "TokenStoreError", held.stderr
    free = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          timeout=60)
    assert free.stdout.strip() == "acquired", free.stderr


def test_lock_is_reentrant_within_a_thread(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "t.json", lock_timeout=1)
    start = time.monotonic()
    with store.lock(), store.lock():
        store.save(_tokens())
    assert time.monotonic() - start < 1
