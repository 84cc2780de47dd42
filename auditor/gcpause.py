"""Pause Python's cyclic garbage collector around work that builds many acyclic objects.

Decoding API pages and evaluating rules allocate hundreds of thousands of dicts, lists
and small tuples, none of them in a reference cycle. With a large fleet in memory, every
collection pass walks all of it again, which for a big fleet costs as much as decoding
it. Reference counting still frees everything as usual.

What a pause saves is the passes over the *old* objects. The new ones are still walked
once, by the first collection after the pause, by which time they have left the CPU's
cache: ``collect_young`` walks them a chunk at a time instead, while they are hot.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
"""How many ``gc_paused`` blocks are open (they nest, and may be on several threads)."""
_resume = False
"""Whether collection was on when the first open block began: turned back on by the last."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's previous state after it."""
    global _pauses, _resume
    with _lock:
        if not _pauses:
            _resume = gc.isenabled()
        _pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if not _pauses and _resume:
                gc.enable()


def collect_young() -> None:
    """Inside ``gc_paused``: collect the youngest generation, what was allocated since the
    last call, while it is still in cache, rather than all of it at once, cold, after the
    pause (``evaluate`` of a big fleet is measurably faster). Outside a pause (collection
    on, or turned off by the program) it does nothing.

    (The references an evaluation keeps, one per assistant, stay tracked all the same:
    CPython untracks plain tuples of plain values, not ``NamedTuple`` instances.)"""
    if _pauses:
        gc.collect(0)
