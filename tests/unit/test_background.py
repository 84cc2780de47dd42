"""auditor.background.completed: results as they come, the first error, daemon threads."""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest

from auditor.background import completed


def test_every_result_with_its_index() -> None:
    calls = [lambda n=n: n * n for n in range(10)]
    assert dict(completed(calls, 3)) == {n: n * n for n in range(10)}
    assert list(completed([], 4)) == []


def test_the_first_error_is_raised_and_later_calls_never_start() -> None:
    started: list[int] = []

    def call(n: int) -> int:
        started.append(n)
        if n == 0:
            raise ValueError("page 1 is broken")
        time.sleep(0.05)
        return n

    with pytest.raises(ValueError, match="page 1 is broken"):
        list(completed([partial(call, n) for n in range(50)], 1))
    time.sleep(0.2)
    assert len(started) < 50


def test_the_threads_are_daemons_so_a_hung_call_cannot_hold_the_process() -> None:
    release = threading.Event()
    daemons: list[bool] = []

    def hang() -> None:
        daemons.append(threading.current_thread().daemon)
        release.wait(10)

    iterator = completed([lambda: 1, hang], 2)
    assert next(iterator) == (0, 1)
    iterator.close()  # the caller gives up (an error elsewhere, Ctrl-C)
    release.set()
    assert daemons == [True]


# -- waiting: a slow caller holds back the workers ----------------------------------------------


class Pending:
    """Results finished but not yet taken: the calls count up, the caller counts down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.started = 0

    def call(self, n: int) -> int:
        with self._lock:  # the result exists from here on
            self.started += 1
            self.now += 1
            self.peak = max(self.peak, self.now)
        return n

    def taken(self) -> None:
        with self._lock:
            self.now -= 1


def drain_slowly(
    pending: Pending, calls: int, workers: int, waiting: int, pause: float = 0.002
) -> dict[int, int]:
    results = {}
    for index, value in completed(
        [partial(pending.call, n) for n in range(calls)], workers, waiting=waiting
    ):
        pending.taken()
        results[index] = value
        time.sleep(pause)
    return results


@pytest.mark.parametrize(("workers", "waiting"), [(1, 1), (3, 2), (4, 8)])
def test_waiting_bounds_the_results_the_caller_has_not_taken(workers: int, waiting: int) -> None:
    pending = Pending()
    assert drain_slowly(pending, 40, workers, waiting) == {n: n for n in range(40)}
    # the queue holds ``waiting``; each worker may hold one more it could not hand over
    assert pending.peak <= waiting + workers
    assert pending.peak >= waiting  # and the workers do run ahead of the caller
    assert pending.now == 0


def test_waiting_0_keeps_the_old_unbounded_behaviour() -> None:
    pending = Pending()
    calls = [partial(pending.call, n) for n in range(30)]
    iterator = completed(calls, 2, waiting=0)
    first = next(iterator)
    pending.taken()
    time.sleep(0.1)  # a slow caller: nothing holds the workers back
    rest = list(iterator)
    assert pending.peak >= 29
    assert dict([first, *rest]) == {n: n for n in range(30)}
    assert pending.started == 30


def test_an_error_is_still_raised_when_the_results_wait() -> None:
    def call(n: int) -> int:
        if n == 12:
            raise ValueError("page 13 is broken")
        return n

    taken: list[int] = []

    def take_slowly() -> None:
        for index, _ in completed([partial(call, n) for n in range(40)], 3, waiting=2):
            taken.append(index)
            time.sleep(0.002)

    with pytest.raises(ValueError, match="page 13 is broken"):
        take_slowly()
    assert 12 not in taken
    assert len(taken) < 40


def test_stopping_early_releases_the_waiting_workers() -> None:
    pending = Pending()
    name = "bounded-stop"
    iterator = completed([partial(pending.call, n) for n in range(100)], 3, name=name, waiting=1)
    index, value = next(iterator)
    assert index == value
    time.sleep(0.05)  # the workers fill the queue and wait, each with a result in hand
    assert pending.started <= 1 + 1 + 3
    iterator.close()
    deadline = time.monotonic() + 2
    while any(t.name.startswith(name) for t in threading.enumerate()):
        assert time.monotonic() < deadline, "workers still waiting after the caller left"
        time.sleep(0.01)
    assert pending.started <= 1 + 1 + 3  # calls not started when the caller left never are
