"""Blocking calls (HTTP requests) on daemon threads, so that Ctrl-C never waits for them.

``concurrent.futures.ThreadPoolExecutor`` joins its worker threads when the interpreter
exits, so after Ctrl-C the process would wait for every request still in flight — up to
the read timeout, times the retries, and with several accounts minutes. Nothing is
written from these threads (they only read the API), so abandoning them is safe: the
caller stops waiting at the first error or at Ctrl-C, and the process exits at once.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def completed(
    calls: Sequence[Callable[[], T]],
    workers: int,
    *,
    name: str = "auditor-worker",
    waiting: int = 0,
) -> Generator[tuple[int, T], None, None]:
    """Run ``calls``, at most ``workers`` at a time; yield ``(index, result)`` as each
    finishes. The first exception a call raises is raised here. Calls not yet started
    when the caller stops iterating are never started; those running are abandoned.

    ``waiting`` > 0 bounds the results that wait for the caller: ``waiting`` queued, and
    one more in the hands of each worker, which waits until the caller takes one (or
    stops). Results the caller is slow to take do not pile up in memory."""
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(calls)):
        todo.put(index)
    done: queue.Queue[tuple[int, bool, Any]] = queue.Queue(maxsize=max(waiting, 0))
    stop = threading.Event()

    def hand_over(item: tuple[int, bool, Any]) -> None:
        while not stop.is_set():  # a full queue waits for the caller, unless it left
            try:
                done.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def work() -> None:
        while not stop.is_set():
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            try:
                result: tuple[int, bool, Any] = (index, True, calls[index]())
            except BaseException as exc:  # handed to the caller, who decides
                result = (index, False, exc)
            hand_over(result)

    for number in range(min(max(workers, 1), len(calls))):
        threading.Thread(target=work, name=f"{name}-{number + 1}", daemon=True).start()
    try:
        for _ in range(len(calls)):
            index, ok, value = done.get()  # a signal interrupts the wait
            if not ok:
                raise value
            yield index, value
    finally:
        stop.set()
