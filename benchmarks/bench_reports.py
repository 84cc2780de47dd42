"""Every report format of one ``audit`` run on a big fleet, against the JSON report alone.

Issue 17's and 19's targets: with 20,000 assistants and every format written in one
``audit`` run, peak RSS and wall time within 1.2x of the JSON-only run; the JUnit file
at most 10 KB + 2 KB per finding; the email's HTML body under 100 KB (with 1,400
findings and more). The run
with every format is measured without and with the email (``--email-dry-run``: the
message, whose attachments are the full HTML and JSON reports, is built in memory). Each run is
a whole ``auditor audit --input SNAPSHOT --baseline BASELINE`` process under
``/usr/bin/time -v`` ("Maximum resident set size"), the minimum of ``--repeat`` runs.
The snapshot is the sandbox's generated fleet; the baseline is the same fleet with the
sandbox's drift applied, so every report has drift and new/standing statuses.

    python benchmarks/bench_reports.py                      # 20,000 assistants
    python benchmarks/bench_reports.py --sizes 2345,20000 --repeat 3

Results go to ``benchmarks/results/reports.json`` (``--name`` for another file). Run
with ``PYTHONPATH=OTHER_TREE`` to time another revision.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Table, write_results

FORMATS = {
    "json": "r.json",
    "text": "r.txt",
    "markdown": "r.md",
    "html": "r.html",
    "junit": "r.xml",
    "sarif": "r.sarif",
    "github": "r.github.txt",
}


def _fleet(folder: Path, size: int) -> tuple[Path, Path]:
    from auditor.model import Listing
    from auditor.sandbox.data import generate_fleet, simulate_drift
    from auditor.snapshot import write_snapshot

    fleet = generate_fleet(size)
    snapshot, baseline = folder / f"fleet-{size}.json", folder / f"baseline-{size}.json"
    write_snapshot(Listing("http://sandbox/api", "t1", {r["uuid"]: r for r in fleet}), snapshot)
    drifted = simulate_drift(fleet)
    write_snapshot(Listing("http://sandbox/api", "t0", {r["uuid"]: r for r in drifted}), baseline)
    return snapshot, baseline


def _run(args: list[str], cwd: Path) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB) of ``auditor ARGS`` run as its own process."""
    done = subprocess.run(
        ["/usr/bin/time", "-v", sys.executable, "-m", "auditor", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"auditor {' '.join(args)} failed: {done.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])  # type: ignore[index]
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", done.stderr)[1]  # type: ignore[index]
    seconds = 0.0
    for part in wall.split(":"):
        seconds = seconds * 60 + float(part)
    return seconds, rss


def _best(args: list[str], cwd: Path, repeat: int) -> tuple[float, int]:
    runs = [_run(args, cwd) for _ in range(max(1, repeat))]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def measure(size: int, repeat: int, folder: Path) -> dict[str, Any]:
    snapshot, baseline = _fleet(folder, size)
    common = ["audit", "--input", str(snapshot), "--baseline", str(baseline), "-q"]
    json_only = _best([*common, "--format", "json", "-o", "only.json"], folder, repeat)
    every: list[str] = []
    for fmt, name in FORMATS.items():
        every += ["--format", fmt, "-o", name]
    eml = folder / "mail.eml"
    mail = ["--email-to", "ops@example.com", "--email-on", "always", "--email-dry-run", str(eml)]
    formats_only = _best([*common, *every], folder, repeat)
    all_formats = _best([*common, *every, *mail], folder, repeat)
    report = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    findings = report["summary"]["violations"] + report["summary"]["waived"]
    junit = (folder / "r.xml").stat().st_size
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    body = message.get_body(("html",))
    assert body is not None
    body_bytes = len(body.get_content().encode("utf-8"))
    github = (folder / "r.github.txt").read_text(encoding="utf-8").splitlines()
    return {
        "assistants": size,
        "violations": report["summary"]["violations"],
        "drifted": sum(report["summary"]["drift"].values()),
        "json_only": {"seconds": json_only[0], "peak_rss_kib": json_only[1]},
        "every_format": {"seconds": formats_only[0], "peak_rss_kib": formats_only[1]},
        "every_format_and_email": {"seconds": all_formats[0], "peak_rss_kib": all_formats[1]},
        "rss_ratio": round(formats_only[1] / json_only[1], 3),
        "rss_ratio_with_email": round(all_formats[1] / json_only[1], 3),
        "rss_target": 1.2,
        "time_ratio": round(formats_only[0] / json_only[0], 3),
        "time_target": 1.2,
        "sizes_bytes": {fmt: (folder / name).stat().st_size for fmt, name in FORMATS.items()},
        "junit_bytes": junit,
        "junit_limit_bytes": 10_000 + 2_000 * findings,
        "email_html_body_bytes": body_bytes,
        "email_html_body_limit_bytes": 100_000,
        "email_bytes": eml.stat().st_size,
        "github_annotations": {
            level: sum(1 for line in github if line.startswith(f"::{level} "))
            for level in ("error", "warning", "notice")
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20000", help="comma-separated fleet sizes")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--name", default="reports", help="results/<NAME>.json")
    args = parser.parse_args()
    rows = []
    table = Table(["assistants", "violations", "json RSS MiB", "all RSS MiB", "ratio",
                   "+email MiB", "ratio", "junit KB", "limit KB", "mail body KB", "json s",
                   "all s", "ratio"])  # fmt: skip
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
            row = measure(size, args.repeat, Path(tmp))
        rows.append(row)
        table.add([
            size, row["violations"],
            round(row["json_only"]["peak_rss_kib"] / 1024, 1),
            round(row["every_format"]["peak_rss_kib"] / 1024, 1),
            row["rss_ratio"],
            round(row["every_format_and_email"]["peak_rss_kib"] / 1024, 1),
            row["rss_ratio_with_email"], round(row["junit_bytes"] / 1000, 1),
            round(row["junit_limit_bytes"] / 1000, 1),
            round(row["email_html_body_bytes"] / 1000, 1),
            round(row["json_only"]["seconds"], 2),
            round(row["every_format"]["seconds"], 2),
            row["time_ratio"],
        ])  # fmt: skip
    table.print()
    print(write_results(args.name, {"repeat": args.repeat, "runs": rows}))


if __name__ == "__main__":
    main()
