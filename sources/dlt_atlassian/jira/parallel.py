"""Run several page streams in threads and hand their pages over in arrival order.

Memory stays flat: a bounded queue holds at most a few pages per worker, and workers block
until the consumer takes them. Closing the consumer early (or an error in any stream) stops
every worker at its next page.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

K = TypeVar("K")
T = TypeVar("T")

_DONE = object()
IDLE: Any = object()
"""Yielded as ``(IDLE, IDLE)`` when ``idle_after`` passes without a page (see below)."""


def parallel_pages(
    streams: Iterable[tuple[K, Callable[[], Iterable[T]]]],
    workers: int,
    idle_after: float | None = None,
) -> Iterator[tuple[K, T]]:
    """Yield ``(key, page)`` from every stream, running up to ``workers`` streams at once.

    Args:
        streams: ``(key, open_stream)``; ``open_stream()`` returns an iterable of pages.
        workers: threads; 1 runs the streams one after another in the calling thread.
        idle_after: if set, streams always run in threads and ``(IDLE, IDLE)`` is yielded
            whenever this many seconds pass without a page, so a consumer running in dlt's
            main thread can hand control back instead of blocking every other resource.

    Raises:
        Exception: the first exception raised by any stream, re-raised in the consumer.
    """
    streams = list(streams)
    if (workers <= 1 or len(streams) <= 1) and idle_after is None:
        for key, open_stream in streams:
            for page in open_stream():
                yield key, page
        return
    pages: queue.Queue[tuple[Any, Any]] = queue.Queue(maxsize=2 * workers)
    stop = threading.Event()

    def put(item: tuple[Any, Any]) -> bool:
        while not stop.is_set():
            try:
                pages.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run(key: K, open_stream: Callable[[], Iterable[T]]) -> None:
        try:
            for page in open_stream():
                if not put((key, page)):
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put((_DONE, exc))
            return
        put((_DONE, None))

    threads = max(1, min(workers, len(streams)))
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="jira")
    try:
        for key, open_stream in streams:
            pool.submit(run, key, open_stream)
        remaining = len(streams)
        while remaining:
            try:
                key, payload = pages.get(timeout=idle_after)
            except queue.Empty:
                yield IDLE, IDLE
                continue
            if key is _DONE:
                remaining -= 1
                if payload is not None:
                    raise payload
                continue
            yield key, payload
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
