"""Start-up as users meet it: every ``--help`` and ``--version`` as a whole process.

Issue 19 asks each of them to finish within 60 ms of ``python -c pass``. Each command is
started ``--repeat`` times, interleaved with the floors (``python -c pass`` and ``python
-c 'import click'``), and the least CPU time (user + system, from ``wait4``) is kept:
on a shared machine CPU time is what other load disturbs least; wall time is reported
beside it. ``--against TREE`` times another checkout's ``auditor`` package (e.g. one
from ``git archive REV auditor | tar -x -C TREE``) in the same rounds, so the two can be
compared as a ratio. Both trees are byte-compiled first, as a wheel install leaves them.

    python benchmarks/bench_startup.py --repeat 10 --name startup
    python benchmarks/bench_startup.py --against /tmp/old --name startup-before-after
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _common import Table, write_results

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (
    "audit",
    "fetch",
    "snapshot",
    "snapshot approve",
    "diff",
    "framework",
    "framework list",
    "framework show",
    "history",
    "policy",
    "policy validate",
    "policy test",
    "policy list",
    "sandbox",
    "demo",
    "config",
    "config show",
    "init",
    "completion",
)
"""Every command and group, each timed with ``--help``."""


def _argv() -> dict[str, list[str] | None]:
    """What each row runs: ``None`` for a floor, else the arguments of ``auditor``."""
    rows: dict[str, list[str] | None] = {"python -c pass": None, "import click": None}
    rows["--version"] = ["--version"]
    rows["--help"] = ["--help"]
    for command in COMMANDS:
        rows[f"{command} --help"] = [*command.split(), "--help"]
    return rows


def _once(argv: list[str], tree: Path) -> tuple[float, float]:
    """CPU and wall seconds of one process, started in a folder with no config file."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd="/"
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed (tree {tree})")
    return usage.ru_utime + usage.ru_stime, wall


def measure(trees: dict[str, Path], repeat: int) -> dict[tuple[str, str], tuple[float, float]]:
    """The least CPU and wall time of every row, per tree, over ``repeat`` rounds."""
    best: dict[tuple[str, str], tuple[float, float]] = {}
    for _ in range(repeat):
        for row, args in _argv().items():
            for name, tree in trees.items():
                if args is None:
                    code = "pass" if row.startswith("python") else "import click"
                    argv = [sys.executable, "-c", code]
                else:
                    argv = [sys.executable, "-m", "auditor", *args]
                cpu, wall = _once(argv, tree)
                old_cpu, old_wall = best.get((row, name), (cpu, wall))
                best[(row, name)] = (min(cpu, old_cpu), min(wall, old_wall))
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="rounds (the least is kept)")
    parser.add_argument("--against", type=Path, help="another tree holding an auditor package")
    parser.add_argument("--name", default="startup", help="results/<NAME>.json")
    args = parser.parse_args(argv)
    trees = {"this": ROOT}
    if args.against is not None:
        trees = {"against": args.against.resolve(), **trees}
    for tree in trees.values():
        compileall.compile_dir(str(tree / "auditor"), quiet=1)
    best = measure(trees, args.repeat)
    floor = min(best[("python -c pass", name)][0] for name in trees)
    columns = ["row"] + [f"{name} CPU ms (+ over python -c pass)" for name in trees]
    table = Table([*columns, "wall ms (this)"])
    rows: list[dict[str, Any]] = []
    for row in _argv():
        cells = [row]
        for name in trees:
            cpu = best[(row, name)][0]
            cells.append(f"{cpu * 1000:.1f} (+{(cpu - floor) * 1000:.1f})")
            rows.append({"row": row, "tree": name, "cpu_s": cpu, "wall_s": best[(row, name)][1]})
        table.add([*cells, f"{best[(row, 'this')][1] * 1000:.1f}"])
    table.print()
    path = write_results(args.name, {"repeat": args.repeat, "floor_cpu_s": floor, "rows": rows})
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
