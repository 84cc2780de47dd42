"""Fetch vs the physical limit, start-up vs bare Python, and peak memory of a 100k audit.

1. **Fetch.** A sandbox (in its own process, so it does not share our GIL) serves N
   assistants with ``--latency-ms`` per request. auditor's fetch (``per_page=100``, page
   1 then the rest ``--concurrency`` at a time) is timed against the physical limit
   ``L × (1 + ceil((pages - 1) / C))`` and against a naive sequential ``requests`` loop
   with the API's default ``per_page=10`` (skipped above ``--naive-max``, where it would
   take minutes; its time is then estimated from the pages it would need).
2. **Start-up.** ``auditor --version`` and ``auditor --help`` vs ``python -c pass``.
3. **Memory.** Peak RSS of ``auditor audit`` over 100,000 assistants (fetch from the
   sandbox + the bundled policies + drift against a baseline + a JSON report).

    python benchmarks/bench_fetch.py                       # everything
    python benchmarks/bench_fetch.py --sizes 1000,10000 --skip-memory

Targets (issue 8): fetch ≤ 1.3× the limit; start-up within 100 ms of bare Python;
peak RSS ≤ 300 MB. Results go to ``benchmarks/results/fetch.json``.
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Table, best_of, timings, write_results

KEY = "bench-key"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def sandbox(count: int, latency_ms: float) -> Iterator[str]:
    """A sandbox process serving ``count`` assistants; yields its base URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "auditor",
        "sandbox",
        "--port",
        str(port),
        "--count",
        str(count),
        "--latency-ms",
        str(latency_ms),
        "--api-key",
        KEY,
        "-q",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the sandbox did not start: {' '.join(command)}") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch_auditor(url: str, concurrency: int) -> int:
    from auditor.api import fetch_listing
    from auditor.settings import ApiSettings

    listing = fetch_listing(ApiSettings(base_url=url, api_key=KEY, concurrency=concurrency))
    return len(listing.assistants)


def fetch_naive(url: str) -> int:
    """What a hand-written script does: one page of 10 after the other."""
    import requests

    records: list[dict[str, Any]] = []
    page = 1
    with requests.Session() as session:
        while True:
            answer = session.get(
                f"{url}/user/assistants/get",
                params={"page": page},
                headers={"Authorization": f"Bearer {KEY}"},
                timeout=30,
            )
            answer.raise_for_status()
            body = answer.json()
            records.extend(body["data"])
            if page >= body["last_page"]:
                return len(records)
            page += 1


def bench_fetch(
    sizes: Sequence[int], latency_ms: float, concurrency: int, naive_max: int, repeat: int
) -> list[dict[str, Any]]:
    table = Table(
        ["assistants", "pages", "limit s", "auditor s", "× limit", "naive s", "× auditor"]
    )
    rows: list[dict[str, Any]] = []
    latency = latency_ms / 1000
    for size in sizes:
        pages = max(1, math.ceil(size / 100))
        limit = latency * (1 + math.ceil((pages - 1) / concurrency))
        with sandbox(size, latency_ms) as url:
            assert fetch_auditor(url, concurrency) == size  # warm-up and truth
            runs = timings(partial(fetch_auditor, url, concurrency), repeat)
            seconds = min(runs)
            naive: float | None = None
            estimated = False
            if size <= naive_max:
                assert fetch_naive(url) == size
                naive = best_of(partial(fetch_naive, url), 1)
            else:
                naive = math.ceil(size / 10) * latency  # at least one latency per page
                estimated = True
        table.add(
            [
                size,
                pages,
                f"{limit:.2f}",
                f"{seconds:.2f}",
                f"{seconds / limit:.2f}",
                f"{'≥' if estimated else ''}{naive:.1f}",
                f"{'≥' if estimated else ''}{naive / seconds:.0f}",
            ]
        )
        rows.append(
            {
                "assistants": size,
                "pages": pages,
                "latency_ms": latency_ms,
                "concurrency": concurrency,
                "limit_seconds": limit,
                "auditor_seconds": seconds,
                "auditor_runs": runs,
                "auditor_over_limit": seconds / limit,
                "naive_seconds": naive,
                "naive_estimated": estimated,
            }
        )
    table.print()
    return rows


def bench_startup(repeat: int) -> dict[str, Any]:
    """``auditor --version`` / ``--help`` (the console script users type, next to this
    Python) against ``python -c pass``; round robin, best of ``repeat``."""
    script = Path(sys.executable).with_name("auditor")
    auditor = [str(script)] if script.is_file() else [sys.executable, "-m", "auditor"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "auditor --version": [*auditor, "--version"],
        "auditor --help": [*auditor, "--help"],
    }
    runs: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(max(1, repeat)):
        for name, command in commands.items():
            runs[name].extend(
                timings(partial(subprocess.run, command, check=True, capture_output=True), 1)
            )
    seconds = {name: min(values) for name, values in runs.items()}
    base = seconds["python -c pass"]
    table = Table(["command", "seconds", "over bare Python ms"])
    for name, value in seconds.items():
        table.add([name, f"{value:.3f}", f"{(value - base) * 1000:.0f}"])
    table.print()
    return {
        "command": " ".join(auditor),
        "seconds": seconds,
        "runs": runs,
        "overhead_ms": {k: (v - base) * 1000 for k, v in seconds.items()},
    }


# Linux keeps a process's peak RSS across exec, and a child starts as (v)fork of its
# parent, so wait4 would report at least the parent's own peak: after the in-process
# fetches above this script is ~650 MB, and a 140 MB audit read as 663 MB. A small
# launcher process starts the command instead and reports the command's own peak.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _measured(
    command: list[str], env: dict[str, str], *, quiet: bool = False
) -> tuple[int, float, float]:
    """Run ``command`` (its stdout thrown away if ``quiet``); its exit code, wall seconds
    and own peak RSS in MB."""
    with tempfile.TemporaryDirectory() as folder:
        peak = Path(folder) / "peak"
        started = time.perf_counter()
        code = subprocess.call(
            [sys.executable, "-c", _LAUNCHER, str(peak), *command],
            env=env,
            stdout=subprocess.DEVNULL if quiet else None,
        )
        seconds = time.perf_counter() - started
        return code, seconds, int(peak.read_text()) / 1024


def bench_memory(size: int, latency_ms: float) -> dict[str, Any]:
    """Peak RSS of a full audit of ``size`` assistants, in its own process.

    The baseline is written by ``auditor fetch`` first (another process, measured too);
    the audit then fetches again, runs the bundled policies, diffs the baseline and
    writes a JSON report.
    """
    with tempfile.TemporaryDirectory() as folder, sandbox(size, latency_ms) as url:
        env = {**os.environ, "INTELLIXENT_API_KEY": KEY}
        baseline = str(Path(folder) / "baseline.json")
        auditor = [sys.executable, "-m", "auditor"]
        fetched = _measured([*auditor, "fetch", "--base-url", url, "-o", baseline, "-q"], env)
        if fetched[0] != 0:
            raise SystemExit(f"auditor fetch failed with exit {fetched[0]}")
        report = str(Path(folder) / "report.json")
        audit = [
            *auditor,
            "audit",
            "--base-url",
            url,
            "--baseline",
            baseline,
            "--format",
            "json",
            "-o",
            report,
            "-q",
        ]
        code, seconds, peak_mb = _measured(audit, env)
        baseline_mb = Path(baseline).stat().st_size / 2**20
    if code not in (0, 1):
        raise SystemExit(f"the audit failed with exit {code}")
    table = Table(["assistants", "process", "seconds", "peak RSS MB"])
    table.add([size, "auditor fetch -o baseline", f"{fetched[1]:.1f}", f"{fetched[2]:.0f}"])
    table.add([size, "auditor audit --baseline", f"{seconds:.1f}", f"{peak_mb:.0f}"])
    table.print()
    return {
        "assistants": size,
        "seconds": seconds,
        "peak_rss_mb": peak_mb,
        "fetch_seconds": fetched[1],
        "fetch_peak_rss_mb": fetched[2],
        "baseline_file_mb": baseline_mb,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--naive-max", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory-size", type=int, default=100_000)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[str, Any] = {
        "fetch": bench_fetch(sizes, args.latency_ms, args.concurrency, args.naive_max, args.repeat)
    }
    print()
    results["startup"] = bench_startup(max(args.repeat, 10))
    if not args.skip_memory:
        print()
        results["memory"] = bench_memory(args.memory_size, 0)
    path = write_results("fetch", results)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
