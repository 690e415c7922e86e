"""Run requests on a few threads: whole streams (one per space), or one call per item.

Memory stays flat: an :func:`interleave` worker blocks once the bounded queue holds ``workers``
pages, so at most about ``2 x workers`` pages are in memory whatever the size of a space;
:func:`map_in_chunks` holds the results of one chunk at a time.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
U = TypeVar("U")
_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def interleave(streams: Sequence[Callable[[], Iterator[T]]], workers: int) -> Iterator[T]:
    """Yield the items of every stream, ``workers`` streams running at a time.

    Args:
        streams: Factories of iterators (each called in a worker thread).
        workers: How many streams run concurrently.

    Raises:
        BaseException: The first error raised by a stream (the others are stopped).
    """
    if workers <= 1 or len(streams) <= 1:
        for stream in streams:
            yield from stream()
        return
    out: queue.Queue[Any] = queue.Queue(maxsize=workers)
    todo: queue.Queue[Callable[[], Iterator[T]]] = queue.Queue()
    for stream in streams:
        todo.put(stream)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while not stop.is_set():
                try:
                    stream = todo.get_nowait()
                except queue.Empty:
                    return
                for item in stream():
                    if not put(item):
                        return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(_Failure(exc))
        finally:
            put(_DONE)

    count = min(workers, len(streams))
    threads = [threading.Thread(target=work, name=f"confluence-space-{i}", daemon=True)
               for i in range(count)]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < count:
            item = out.get()
            if item is _DONE:
                finished += 1
            elif isinstance(item, _Failure):
                raise item.error
            else:
                yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def map_in_chunks(
    fetch: Callable[[T], U], items: Sequence[T], workers: int, chunk: int = 250
) -> Iterator[U]:
    """``fetch`` every item on ``workers`` threads; results in input order, ``chunk`` at a time.

    A pool per chunk: no thread outlives the call, and thread start-up is negligible next to
    the HTTP requests. The first error is raised (after the chunk's other calls finish).
    """
    if workers <= 1 or len(items) <= 1:
        yield from (fetch(item) for item in items)
        return
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        with ThreadPoolExecutor(max_workers=min(workers, len(part)),
                                thread_name_prefix="confluence") as pool:
            results = list(pool.map(fetch, part))
        yield from results
