"""How big and how fast the ``--history`` database is after a year of nightly runs.

A fleet of 10,000 assistants with 1,000 findings a night, for 365 nights: each night
about 2% of the findings are fixed and as many new ones appear, so streaks start and end
as in a real fleet. Each run is recorded as ``auditor audit --history`` records it
(``History.record``, one transaction), then what an audit reads before reporting
(``last_runs``) and what ``auditor history`` reads (``runs``) are timed.

    python benchmarks/bench_history.py [--nights 365] [--findings 1000] [--assistants 10000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from auditor.history import History
from auditor.model import AssistantRef, Gate, Report, Severity, Violation

RULES = [f"rule-{n:02d}" for n in range(20)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--findings", type=int, default=1000)
    parser.add_argument("--assistants", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(7)
    refs = [AssistantRef(i, f"uuid-{i:08d}", f"Assistant {i}") for i in range(args.assistants)]
    everyone = tuple(refs)

    def finding() -> tuple[int, str]:
        return rng.randrange(args.assistants), rng.choice(RULES)

    open_now = {finding() for _ in range(args.findings)}
    start = datetime(2026, 1, 1, 3, tzinfo=timezone.utc)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.db"
        history = History(path)
        writes: list[float] = []
        reads: list[float] = []
        for night in range(args.nights):
            churn = max(1, len(open_now) // 50)
            for gone in rng.sample(sorted(open_now), churn):
                open_now.discard(gone)
            while len(open_now) < args.findings:
                open_now.add(finding())
            violations = tuple(
                Violation(rule, Severity(int(rule[-2:]) % 5), rule, refs[who], "path", 1, "", "")
                for who, rule in sorted(open_now)
            )
            when = (start + timedelta(days=night)).strftime("%Y-%m-%dT%H:%M:%SZ")
            report = Report(
                "bench", when, "http://fleet/api", everyone, (), violations, gate=Gate(False, "")
            )
            began = time.perf_counter()
            history.last_runs([None])
            reads.append(time.perf_counter() - began)
            began = time.perf_counter()
            history.record(report, [None])
            writes.append(time.perf_counter() - began)
        began = time.perf_counter()
        runs = history.runs()
        listed = time.perf_counter() - began
        size = path.stat().st_size

    def median(times: list[float]) -> str:
        return f"median {sorted(times)[len(times) // 2] * 1000:.1f} ms"

    print(f"{args.nights} nights, {args.findings} findings a night, {args.assistants} assistants")
    each = size / (args.nights * args.findings)
    print(f"file: {size / 1e6:.1f} MB ({each:.1f} bytes a finding-night)")
    print(f"record a run: {median(writes)}, last {writes[-1] * 1000:.1f} ms")
    print(
        f"read the last run (status, first_seen): {median(reads)}, last {reads[-1] * 1000:.1f} ms"
    )
    print(f"auditor history (all {len(runs)} runs): {listed * 1000:.1f} ms")


if __name__ == "__main__":
    main()
