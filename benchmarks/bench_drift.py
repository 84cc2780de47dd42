"""Drift vs naive DeepDiff: auditor's hash-then-diff against DeepDiff over whole fleets.

Two fleets of N assistants with a fraction changed (a scalar, a nested variable, a
prompt edit). Truth first: auditor must name exactly the changed uuids, and DeepDiff
must agree on which uuids changed. Then timings: auditor ``diff_listings`` vs
``DeepDiff`` over dicts keyed by uuid vs ``DeepDiff(list_a, list_b, ignore_order=True)``.

    python benchmarks/bench_drift.py --sizes 10000 --fraction 0.01
    python benchmarks/bench_drift.py --sizes 100000 --fraction 0.001 --skip-ignore-order

Targets (issues 5 and 8): ≥ 20× faster than DeepDiff on uuid-keyed dicts, ≥ 50× faster
than DeepDiff with ignore_order. Results go to ``benchmarks/results/drift.json``.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Table, best_of, write_results

from auditor.drift import diff_listings
from auditor.model import Listing
from auditor.sandbox.data import generate_fleet


def fleets(
    size: int, fraction: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], set[str]]:
    before = generate_fleet(size, seed=3)
    after = copy.deepcopy(before)
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


def _uuids_in(deepdiff_result: Any) -> set[str]:
    text = str(
        deepdiff_result.to_dict() if hasattr(deepdiff_result, "to_dict") else deepdiff_result
    )
    return set(re.findall(r"root\['([0-9a-f-]{36})'\]", text))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-ignore-order", action="store_true")
    args = parser.parse_args(argv)
    from deepdiff import DeepDiff

    table = Table(["assistants", "changed", "tool", "seconds", "× auditor"])
    runs: list[dict[str, Any]] = []
    for size in [int(s) for s in args.sizes.split(",")]:
        before, after, truth = fleets(size, args.fraction)
        a = Listing("s", "t", {r["uuid"]: r for r in before})
        b = Listing("s", "t", {r["uuid"]: r for r in after})
        drift = diff_listings(a, b)
        found = {c.assistant.uuid for c in drift.changed}
        assert found == truth, (len(found), len(truth))
        assert not drift.added
        assert not drift.removed
        keyed = DeepDiff(dict(a.assistants), dict(b.assistants), exclude_paths=None)
        assert _uuids_in(keyed) == truth
        timings = {
            "auditor": best_of(partial(diff_listings, a, b), args.repeat),
            "deepdiff (uuid-keyed)": best_of(
                partial(DeepDiff, dict(a.assistants), dict(b.assistants)), 1
            ),
        }
        if not args.skip_ignore_order:
            timings["deepdiff (ignore_order)"] = best_of(
                partial(DeepDiff, before, after, ignore_order=True), 1
            )
        base = timings["auditor"]
        for name, seconds in timings.items():
            table.add([size, len(truth), name, f"{seconds:.3f}", f"{seconds / base:.1f}"])
        runs.append(
            {
                "assistants": size,
                "changed": len(truth),
                "seconds": timings,
                "ratios": {name: seconds / base for name, seconds in timings.items()},
            }
        )
    table.print()
    print(f"\nwrote {write_results('drift', {'runs': runs})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
