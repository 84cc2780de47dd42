"""gc_paused / collect_young: the collector is off inside, back as it was after."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from auditor.gcpause import collect_young, gc_paused


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


class Node:
    """A cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def young_cycle() -> weakref.ref[Node]:
    return weakref.ref(Node())


def test_paused_inside_and_on_again_after() -> None:
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_the_program_turned_off_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


class Pause(threading.Thread):
    """A thread inside ``gc_paused`` from ``entered`` until ``leave`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.entered, self.leave = threading.Event(), threading.Event()

    def run(self) -> None:
        with gc_paused():
            self.entered.set()
            self.leave.wait(5)


@pytest.mark.parametrize("first_out", [0, 1])
def test_on_again_once_the_last_of_overlapping_pauses_ends(first_out: int) -> None:
    threads = [Pause(), Pause()]
    for thread in threads:
        thread.start()
        thread.entered.wait(5)
    threads[first_out].leave.set()
    threads[first_out].join(5)
    assert not gc.isenabled()  # the other pause is still open
    threads[1 - first_out].leave.set()
    threads[1 - first_out].join(5)
    assert gc.isenabled()


def test_collect_young_collects_inside_a_pause() -> None:
    with gc_paused():
        cycle = young_cycle()
        assert cycle() is not None
        collect_young()
        assert cycle() is None


def test_collect_young_does_nothing_outside_a_pause() -> None:
    gc.disable()  # the program's choice: no collection
    cycle = young_cycle()
    collect_young()
    assert cycle() is not None
    gc.enable()
    gc.collect()
    assert cycle() is None
