"""Secret scanning: linear on adversarial input, and what masking costs a record.

Two measurements, in process (no CLI start-up, no HTTP):

- **Adversarial input.** For each pattern of ``auditor.secretscan``, a string of
  ``--size`` characters made of one near miss repeated (``eyJ-eyJ-…``, ``sk_live_…``),
  scanned by ``find_secrets``. The old JWT pattern (``\\beyJ…``) started a scan to the end
  of the run at every ``eyJ``: quadratic in the run's length.
- **Masking.** ``mask_secrets`` over the sandbox fleet (``generate_fleet``, its sample
  secrets included), CPU µs per record, best of ``--repeat``; and the same followed by what
  the bundled ``no-secrets-in-prompt`` rule asks of each masked record (``secret_kind``
  of ``system_prompt``, ``initial_message`` and ``variables``), as an audit does.

``--old REV`` loads ``auditor/secretscan.py`` as it was at a git revision and times it
too (adversarial inputs at ``--old-size`` characters only: the quadratic one takes
minutes at 400 KB).

    python benchmarks/bench_secretscan.py
    python benchmarks/bench_secretscan.py --old ba3b0bf~1 --old-size 40000

Results go to ``benchmarks/results/secretscan.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Table, timed, write_results

from auditor import secretscan
from auditor.sandbox.data import generate_fleet

ROOT = Path(__file__).resolve().parent.parent


def adversarial(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def load_old(revision: str) -> ModuleType:
    """``auditor/secretscan.py`` at ``revision``, as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{revision}:auditor/secretscan.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    folder = Path(tempfile.mkdtemp())
    path = folder / "secretscan_old.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("secretscan_old", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def scan_times(module: ModuleType, size: int) -> dict[str, float]:
    find: Callable[[str], Any] = module.find_secrets
    texts = {kind: adversarial(unit, size) for kind, unit in secretscan.NEAR_MISSES.items()}
    return {kind: timed(partial(find, text))[0] for kind, text in texts.items()}


def cpu_seconds(func: Callable[[], object], repeat: int) -> float:
    """The least CPU time of ``repeat`` calls: on a shared machine, wall time measures the
    neighbours as much as the code."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        start = time.process_time()
        func()
        best = min(best, time.process_time() - start)
    return best


def mask_us(module: ModuleType, fleet: list[dict[str, Any]], repeat: int) -> float:
    mask: Callable[[Any], Any] = module.mask_secrets
    return cpu_seconds(lambda: [mask(record) for record in fleet], repeat) / len(fleet) * 1e6


_RULE_FIELDS = ("system_prompt", "initial_message", "variables")
"""The fields the bundled no-secrets-in-prompt rule checks."""


def mask_and_rule_us(module: ModuleType, fleet: list[dict[str, Any]], repeat: int) -> float:
    mask: Callable[[Any], Any] = module.mask_secrets
    kind: Callable[[Any], Any] = module.secret_kind

    def audit() -> None:
        for record in fleet:
            masked = mask(record)
            for field in _RULE_FIELDS:
                kind(masked.get(field))

    return cpu_seconds(audit, repeat) / len(fleet) * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=400_000, help="adversarial input length")
    parser.add_argument("--old", metavar="REV", help="also time secretscan.py at this revision")
    parser.add_argument("--old-size", type=int, default=40_000, help="input length for --old")
    parser.add_argument("--fleet", type=int, default=10_000, help="sandbox records masked")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    fleet = generate_fleet(args.fleet, seed=3)
    modules: dict[str, tuple[ModuleType, int]] = {"current": (secretscan, args.size)}
    if args.old:
        modules[f"old ({args.old})"] = (load_old(args.old), args.old_size)
    runs: dict[str, Any] = {}
    columns = ["code", "input", *secretscan.NEAR_MISSES, "mask µs/record", "mask+rule µs/record"]
    table = Table(columns)
    for name, (module, size) in modules.items():
        scans = scan_times(module, size)
        per_record = mask_us(module, fleet, args.repeat)
        with_rule = mask_and_rule_us(module, fleet, args.repeat)
        runs[name] = {
            "adversarial_size": size,
            "adversarial_seconds": scans,
            "mask_us_per_record": round(per_record, 3),
            "mask_and_rule_us_per_record": round(with_rule, 3),
            "fleet": args.fleet,
        }
        times = [f"{s:.3f}" for s in scans.values()]
        table.add([name, size, *times, f"{per_record:.2f}", f"{with_rule:.2f}"])
    table.print()
    print(
        "\n(in-process: find_secrets on one string; mask_secrets over the sandbox fleet, "
        "then the no_secrets rule's questions)"
    )
    print(f"wrote {write_results('secretscan', {'runs': runs})}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
