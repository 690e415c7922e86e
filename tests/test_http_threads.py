"""One client used from many threads: shared pool, concurrency cap, whole-client quota pause."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from dlt_atlassian.http import AtlassianClient, RateLimiter
from http_fixtures import Logged, RunningServer, ScriptedServer, fast_policy


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with RunningServer(ScriptedServer()) as app:
        yield app


def test_many_threads_share_one_client(server: ScriptedServer) -> None:
    def echo(req: Logged) -> dict[str, object]:
        return {"json": {"n": int(req.query["n"])}, "delay": 0.01}

    server.handle("/rest/api/3/item", echo)
    limiter = RateLimiter(4)
    with (
        AtlassianClient(
            server.base_url, limiter=limiter, max_connections=4, retry=fast_policy()
        ) as client,
        ThreadPoolExecutor(12) as pool,
    ):
        results = list(
            pool.map(lambda n: client.get_json("/rest/api/3/item", {"n": n}), range(120))
        )
    assert [r["n"] for r in results] == list(range(120))
    assert len(server.requests_to("/rest/api/3/item")) == 120
    stats = limiter.stats()
    assert stats.requests == 120
    assert 1 < stats.peak_in_flight <= 4
    assert stats.in_flight == 0


def test_quota_exhausted_pauses_every_thread(server: ScriptedServer) -> None:
    """A quota 429 seen by one thread stops all threads until the reset (real time)."""
    server.script(
        "/rest/api/3/quota",
        {
            "status": 429,
            "headers": {"Retry-After": "1", "RateLimit-Reason": "jira-quota-global-based"},
        },
        {"json": {"ok": True}},
    )
    server.script("/rest/api/3/busy", {"json": {}})
    stop = threading.Event()
    limiter = RateLimiter(8)
    with AtlassianClient(server.base_url, limiter=limiter, retry=fast_policy()) as client:

        def worker() -> None:
            while not stop.is_set():
                client.get_json("/rest/api/3/busy")

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        assert client.get_json("/rest/api/3/quota") == {"ok": True}
        time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=10)
    first_429, retried = server.requests_to("/rest/api/3/quota")
    pause_start, pause_end = first_429.at + 0.1, first_429.at + 0.9
    busy = server.requests_to("/rest/api/3/busy")
    assert any(r.at < first_429.at for r in busy), "workers were running before the 429"
    during = [r for r in busy if pause_start < r.at < pause_end]
    assert during == [], f"{len(during)} requests went out during the quota pause"
    assert any(r.at >= pause_end for r in busy), "workers resumed after the reset"
    assert retried.at - first_429.at >= 0.95
    stats = limiter.stats()
    assert stats.pauses == 1 and stats.throttled == 1
