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
