"""Drift vs naive DeepDiff: auditor's skip-then-diff against DeepDiff over whole fleets.

Two fleets of N assistants with a fraction changed (a scalar, a nested variable, a
prompt edit). As in a real run, the baseline side is what a snapshot file reads back
(other objects, keys sorted) and the other side keeps the API's key order. Truth first:
auditor must name exactly the changed uuids, and both DeepDiff runs must agree on which
uuids changed (checked on the timed run itself: DeepDiff is slow). Then timings:
auditor ``diff_listings`` (best of ``--repeat``) vs ``DeepDiff`` over dicts keyed by
uuid vs ``DeepDiff(list_a, list_b, ignore_order=True)`` (one run each).

    python benchmarks/bench_drift.py                        # 10,000 @ 1% and 100,000 @ 0.1%
    python benchmarks/bench_drift.py --sizes 10000 --fractions 0.01
    python benchmarks/bench_drift.py --sizes 100000 --fractions 0.001 --skip-ignore-order

Targets (issues 5 and 8): ≥ 20× faster than DeepDiff on uuid-keyed dicts, ≥ 50× faster
than DeepDiff with ignore_order. Results go to ``benchmarks/results/drift.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Table, timings, write_results

from auditor.drift import diff_listings
from auditor.model import Listing
from auditor.sandbox.data import generate_fleet


def fleets(
    size: int, fraction: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[str]]:
    """The baseline (as a snapshot reads back), the fleet now, and the uuids that changed."""
    after = generate_fleet(size, seed=3)
    before = json.loads(json.dumps(after, sort_keys=True))
    after = copy.deepcopy(after)
    step = max(1, round(1 / fraction))
    changed: set[str] = set()
    for index in range(0, size, step):
        record = after[index]
        kind = (index // step) % 3
        if kind == 0:
            record["max_duration"] = 1799
        elif kind == 1:
            record["variables"] = {**record.get("variables", {}), "region": "moon-1"}
        else:
            record["system_prompt"] = str(record.get("system_prompt", "")) + "\nNew line."
        changed.add(record["uuid"])
    return before, after, changed


def _uuids_keyed(tree: Any) -> set[str]:
    """The uuids DeepDiff over uuid-keyed dicts says changed (the first key of each path)."""
    return {
        str(level.path(output_format="list")[0]) for levels in tree.values() for level in levels
    }


def _uuids_listed(tree: Any, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> set[str]:
    """The uuids DeepDiff over the lists says changed (the records its paths start in)."""
    found: set[str] = set()
    for report_type, levels in tree.items():
        for level in levels:
            if not report_type.endswith("_added"):
                found.add(before[level.path(output_format="list")[0]]["uuid"])
            if not report_type.endswith("_removed"):
                found.add(after[level.path(output_format="list", use_t2=True)[0]]["uuid"])
    return found


def _timed(func: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = func()
    return time.perf_counter() - started, result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated fleet sizes")
    parser.add_argument(
        "--fractions",
        default="0.01,0.001",
        help="the fraction changed, one per size (or one for all)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="auditor timings (best is kept)")
    parser.add_argument("--skip-ignore-order", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    fractions = [float(f) for f in args.fractions.split(",")]
    if len(fractions) == 1:
        fractions *= len(sizes)
    if len(fractions) != len(sizes):
        parser.error("give one fraction, or one per size")
    from deepdiff import DeepDiff

    table = Table(["assistants", "changed", "tool", "seconds", "× auditor"])
    runs: list[dict[str, Any]] = []
    for size, fraction in zip(sizes, fractions, strict=True):
        before, after, truth = fleets(size, fraction)
        a = Listing("s", "t", {r["uuid"]: r for r in before})
        b = Listing("s", "t", {r["uuid"]: r for r in after})
        drift = diff_listings(a, b)
        found = {c.assistant.uuid for c in drift.changed}
        assert found == truth, (len(found), len(truth))
        assert not drift.added
        assert not drift.removed
        auditor = timings(partial(diff_listings, a, b), args.repeat)
        seconds = {"auditor": min(auditor)}
        keyed_seconds, keyed = _timed(
            partial(DeepDiff, dict(a.assistants), dict(b.assistants), view="tree")
        )
        assert _uuids_keyed(keyed) == truth, "DeepDiff (uuid-keyed) disagrees"
        seconds["deepdiff (uuid-keyed)"] = keyed_seconds
        del keyed
        if not args.skip_ignore_order:
            listed_seconds, listed = _timed(
                partial(DeepDiff, before, after, ignore_order=True, view="tree")
            )
            assert _uuids_listed(listed, before, after) == truth, "DeepDiff (lists) disagrees"
            seconds["deepdiff (ignore_order)"] = listed_seconds
            del listed
        base = seconds["auditor"]
        for name, value in seconds.items():
            table.add([size, len(truth), name, f"{value:.3f}", f"{value / base:.1f}"])
        runs.append(
            {
                "assistants": size,
                "changed": len(truth),
                "fraction": fraction,
                "seconds": seconds,
                "auditor_runs": auditor,
                "ratios": {name: value / base for name, value in seconds.items()},
            }
        )
    table.print()
    print(f"\nwrote {write_results('drift', {'runs': runs})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
