"""Small helpers shared by the benchmark scripts: timing, a table, a results file."""

from __future__ import annotations

import gc
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
RESULTS = Path(__file__).resolve().parent / "results"


def best_of(func: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` wall-clock timings of ``func()``, in seconds."""
    return min(timings(func, repeat))


def timed(func: Callable[[], T]) -> tuple[float, T]:
    """One wall-clock timing of ``func()``, in seconds, from a clean collector; and
    what it returned.

    A full collection first: Python's collector walks the whole heap once enough
    long-lived objects have piled up, and without it whichever tool happens to cross
    that line pays for the garbage of the tools timed before it (0.6 s in a 0.3 s
    evaluation, with two 100,000-assistant fleets in memory). ``timeit`` avoids this by
    turning the collector off; here each tool runs as it would in its own program.
    """
    gc.collect()
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def timings(func: Callable[[], object], repeat: int) -> list[float]:
    """``repeat`` wall-clock timings of ``func()``, in seconds, in the order taken."""
    return [timed(func)[0] for _ in range(max(1, repeat))]


class Table:
    """A plain text table, right-aligned, printed once all rows are in."""

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = [str(c) for c in columns]
        self.rows: list[list[str]] = []

    def add(self, row: Sequence[object]) -> None:
        self.rows.append([str(c) for c in row])

    def print(self) -> None:
        widths = [
            max(len(r[i]) for r in [self.columns, *self.rows]) for i in range(len(self.columns))
        ]
        for row in [self.columns, ["-" * w for w in widths], *self.rows]:
            print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))


def write_results(name: str, data: dict[str, Any]) -> Path:
    """``benchmarks/results/<name>.json`` with the machine it was measured on."""
    RESULTS.mkdir(exist_ok=True)
    document = {
        "benchmark": name,
        "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        **data,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return path
