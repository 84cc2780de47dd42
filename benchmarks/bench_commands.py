"""Whole commands as users time them, each against its floor in the same run.

Every figure here is a whole process (interpreter start, imports, reading, writing),
timed from outside: the minimum wall time of ``--repeat`` runs, and the process's own
peak RSS (through a small launcher, so this script's memory is not counted). Each
command is set beside the cheapest program that does the same job, run the same way in
the same round, and the ratio is what to read (this is a noisy shared 2-core machine):

- ``fetch -o`` / ``snapshot approve -o`` / ``audit --baseline`` (live): a bare client,
  ``requests`` with 8 threads over the same pages (``per_page=100``), ``json.loads``
  of each page and one ``json.dumps`` of the records (C-accelerated, unlike
  ``json.dump``, which would make the floor slower than it is): the least a fetch can do.
- ``audit --input`` with four rules and a JSON report: the same four checks written as
  plain ``if``s after ``json.loads`` (and after ``orjson.loads`` where orjson is
  installed), and Cloud Custodian's ``value`` filters where c7n is installed
  (``pip install -e '.[bench]'``).
- ``audit --input`` writing every format at once: the same audit writing JSON only.
- ``diff`` of two snapshots 0.1% apart: two ``json.load`` calls and ``==`` per uuid, and
  DeepDiff over the same two fleets as the peer.
- ``--help`` / ``--version``: ``python -c pass`` and ``python -c 'import click'``, with
  auditor byte-compiled first, as a wheel install leaves it.

    python benchmarks/bench_commands.py                      # 10,000 assistants
    python benchmarks/bench_commands.py --sizes 10000,100000 --repeat 3
    python benchmarks/bench_commands.py --sizes "" --large 1000000   # 1M, with a baseline

Results go to ``benchmarks/results/commands.json``; targets are issue 19's.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Table, write_results
from bench_fetch import KEY, _measured, sandbox

PYTHON = sys.executable
_SCRIPT = Path(sys.executable).with_name("auditor")
AUDITOR = [str(_SCRIPT)] if _SCRIPT.is_file() else [PYTHON, "-m", "auditor"]
"""The console script users run (``python -m auditor`` where it is not beside python)."""

FOUR_RULES = """\
version: 1
rules:
  - id: recording-enabled
    title: Active assistants record their calls
    severity: high
    when: {status: active}
    require: {record: true}
  - id: webhook-https
    title: Webhooks use HTTPS
    severity: high
    when: {is_webhook_active: true}
    require: {webhook_url: {matches: '^https://'}}
  - id: max-duration
    title: Calls end within 30 minutes
    severity: medium
    require: {max_duration: {lte: 1800}}
  - id: temperature-range
    title: Temperature within 0-1
    severity: low
    require: {temperature: {between: [0, 1]}}
"""

BARE_CLIENT = """\
import json, sys
from concurrent.futures import ThreadPoolExecutor
import requests
url, key, out = sys.argv[1:4]
session = requests.Session()
session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=8))
def page(n):
    r = session.get(f"{url}/user/assistants/get", params={"page": n, "per_page": 100},
                    headers={"Authorization": f"Bearer {key}"}, timeout=30)
    r.raise_for_status()
    return json.loads(r.content)
first = page(1)
records = list(first["data"])
with ThreadPoolExecutor(8) as pool:
    for body in pool.map(page, range(2, first["last_page"] + 1)):
        records.extend(body["data"])
with open(out, "w") as f:  # dumps, not dump: dump takes json's pure-Python encoder
    f.write(json.dumps({r["uuid"]: r for r in records}, sort_keys=True))
"""

PLAIN_IFS = """\
import sys
LOADS = sys.argv[3]
if LOADS == "orjson":
    import orjson
    loads, dumps = orjson.loads, orjson.dumps
else:
    import json
    loads = json.loads
    dumps = lambda v: json.dumps(v).encode()
def true(v):
    return v is True or v == 1 and not isinstance(v, float)
with open(sys.argv[1], "rb") as f:
    snapshot = loads(f.read())
found = []
for uuid, a in snapshot["assistants"].items():
    if a.get("status") == "active" and not true(a.get("record")):
        found.append(("recording-enabled", uuid))
    if true(a.get("is_webhook_active")) and not str(a.get("webhook_url") or "").startswith("https://"):
        found.append(("webhook-https", uuid))
    d = a.get("max_duration")
    if not isinstance(d, (int, float)) or isinstance(d, bool) or d > 1800:
        found.append(("max-duration", uuid))
    t = a.get("temperature")
    if not isinstance(t, (int, float)) or isinstance(t, bool) or not 0 <= t <= 1:
        found.append(("temperature-range", uuid))
with open(sys.argv[2], "wb") as f:
    f.write(dumps({"violations": [{"rule": r, "uuid": u} for r, u in found]}))
"""

C7N_PEER = """\
import json, sys
from c7n.filters.core import FilterRegistry
def v(key, op, value=None):
    return {"type": "value", "key": key, "op": op, "value": value}
def absent(key):
    return {"type": "value", "key": key, "value": "absent"}
true = lambda key: v(key, "in", [True, 1])
rules = {
    "recording-enabled": {"and": [v("status", "eq", "active"), {"not": [true("record")]}]},
    "webhook-https": {"and": [true("is_webhook_active"),
                              {"not": [v("webhook_url", "regex", "^https://.*")]}]},
    "max-duration": {"or": [absent("max_duration"), v("max_duration", "gt", 1800)]},
    "temperature-range": {"or": [absent("temperature"), v("temperature", "lt", 0),
                                 v("temperature", "gt", 1)]},
}
registry = FilterRegistry("bench")
filters = {rule: registry.parse([spec], None)[0] for rule, spec in rules.items()}
with open(sys.argv[1]) as f:
    fleet = list(json.load(f)["assistants"].values())
found = [(rule, r["uuid"]) for rule, flt in filters.items() for r in flt.process(fleet)]
with open(sys.argv[2], "w") as f:
    json.dump({"violations": [{"rule": r, "uuid": u} for r, u in found]}, f)
"""

DIFF_FLOOR = """\
import json, sys
with open(sys.argv[1]) as f:
    a = json.load(f)["assistants"]
with open(sys.argv[2]) as f:
    b = json.load(f)["assistants"]
changed = [u for u in a.keys() & b.keys() if a[u] != b[u]]
print(len(changed), len(a.keys() - b.keys()), len(b.keys() - a.keys()))
"""


DEEPDIFF_PEER = """\
import json, sys
from deepdiff import DeepDiff
with open(sys.argv[1]) as f:
    a = json.load(f)["assistants"]
with open(sys.argv[2]) as f:
    b = json.load(f)["assistants"]
print(len(DeepDiff(a, b)))
"""


class Runner:
    """Runs whole commands ``repeat`` times; keeps the fastest wall time and its peak RSS."""

    def __init__(self, folder: Path, repeat: int) -> None:
        self.folder = folder
        self.repeat = repeat
        self.env = {**os.environ, "INTELLIXENT_API_KEY": KEY, "NO_COLOR": "1"}

    def script(self, name: str, text: str) -> list[str]:
        path = self.folder / f"{name}.py"
        path.write_text(text, encoding="utf-8")
        return [PYTHON, str(path)]

    def best(
        self,
        command: list[str],
        ok: Sequence[int] = (0, 1),
        *,
        once: bool = False,
        env: dict[str, str] | None = None,
    ) -> tuple[float, float]:
        runs = []
        for _ in range(1 if once else self.repeat):
            code, seconds, peak = _measured(command, env or self.env, quiet=True)
            if code not in ok:
                raise SystemExit(f"exit {code} from: {' '.join(command)}")
            runs.append((seconds, peak))
        return min(r[0] for r in runs), max(r[1] for r in runs)


def _row(table: Table, rows: list[dict[str, Any]], size: int, what: str, **m: Any) -> None:
    entry = {"assistants": size, "command": what, **m}
    rows.append(entry)
    ratio = f"{m['ratio']:.2f}×" if m.get("ratio") is not None else ""
    table.add([size, what, f"{m['seconds']:.2f}", f"{m['peak_mb']:.0f}", m["floor"], ratio])


def bench_size(size: int, run: Runner, latency_ms: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    table = Table(["assistants", "command", "seconds", "peak MB", "against", "ratio"])
    tmp = run.folder
    policy = tmp / "four.yaml"
    policy.write_text(FOUR_RULES, encoding="utf-8")
    snap = tmp / f"snap-{size}.json"
    with sandbox(size, latency_ms) as url:
        bare = run.script("bare_client", BARE_CLIENT)
        floor, floor_mb = run.best([*bare, url, KEY, str(tmp / "bare.json")], ok=(0,))
        _row(table, rows, size, "bare 8-thread client", seconds=floor, peak_mb=floor_mb, floor="")
        commands = {
            "fetch -o": ["fetch", "-o", str(snap)],
            "snapshot approve -o": ["snapshot", "approve", "-o", str(tmp / "baseline.json")],
            "audit --baseline (live, json)": [
                "audit",
                "--baseline",
                str(snap),
                "--format",
                "json",
                "-o",
                str(tmp / "live.json"),
            ],
        }
        for what, args in commands.items():
            seconds, peak = run.best([*AUDITOR, "--base-url", url, "-q", *args])
            _row(
                table,
                rows,
                size,
                what,
                seconds=seconds,
                peak_mb=peak,
                floor="bare client",
                ratio=seconds / floor,
            )
    report = str(tmp / "report.json")
    audit_input = [*AUDITOR, "audit", "-q", "--input", str(snap), "--policy", str(policy)]
    seconds, peak = run.best([*audit_input, "--format", "json", "-o", report])
    ifs = run.script("plain_ifs", PLAIN_IFS)
    floors = {"json + ifs": run.best([*ifs, str(snap), str(tmp / "ifs.json"), "json"], ok=(0,))}
    if importlib.util.find_spec("orjson"):
        floors["orjson + ifs"] = run.best([*ifs, str(snap), str(tmp / "ifs.json"), "orjson"], (0,))
    if importlib.util.find_spec("c7n"):
        c7n = run.script("c7n_peer", C7N_PEER)
        floors["c7n value filters"] = run.best([*c7n, str(snap), str(tmp / "c7n.json")], ok=(0,))
    for name, (floor_s, floor_mb) in floors.items():
        _row(table, rows, size, name, seconds=floor_s, peak_mb=floor_mb, floor="")
    # one process, for the record (--jobs 0, the default, starts a worker per core for a
    # file of 32 MiB or more: the line above)
    one_s, one_mb = run.best([*audit_input, "--jobs", "1", "--format", "json", "-o", report])
    for name, (floor_s, _) in floors.items():
        for what, (took, mb) in (("", (seconds, peak)), (", --jobs 1", (one_s, one_mb))):
            _row(
                table,
                rows,
                size,
                f"audit --input, 4 rules, json{what}",
                seconds=took,
                peak_mb=mb,
                floor=name,
                ratio=took / floor_s,
            )
    every = []
    for fmt, ext in (("text", "txt"), ("json", "json"), ("markdown", "md"), ("html", "html")):
        every += ["--format", fmt, "-o", str(tmp / f"all.{ext}")]
    for fmt, ext in (("junit", "xml"), ("sarif", "sarif"), ("github", "gh")):
        every += ["--format", fmt, "-o", str(tmp / f"all.{ext}")]
    json_only = run.best(
        [*AUDITOR, "audit", "-q", "--input", str(snap), "--format", "json", "-o", report]
    )
    all_formats = run.best([*AUDITOR, "audit", "-q", "--input", str(snap), *every])
    _row(
        table,
        rows,
        size,
        "audit --input, pack, json only",
        seconds=json_only[0],
        peak_mb=json_only[1],
        floor="",
    )
    _row(
        table,
        rows,
        size,
        "audit --input, pack, 7 formats",
        seconds=all_formats[0],
        peak_mb=all_formats[1],
        floor="json only",
        ratio=all_formats[0] / json_only[0],
        memory_ratio=all_formats[1] / json_only[1],
    )
    after = _changed_copy(snap, tmp / f"after-{size}.json", fraction=0.001)
    diff_s, diff_mb = run.best(
        [
            *AUDITOR,
            "diff",
            "-q",
            str(snap),
            str(after),
            "--format",
            "json",
            "-o",
            str(tmp / "diff.json"),
        ]
    )
    floor_s, floor_mb = run.best(
        [*run.script("diff_floor", DIFF_FLOOR), str(snap), str(after)], ok=(0,)
    )
    _row(table, rows, size, "two loads + ==", seconds=floor_s, peak_mb=floor_mb, floor="")
    peer = run.script("deepdiff_peer", DEEPDIFF_PEER)
    # DeepDiff takes minutes above 10,000 assistants: one run is enough to set the ratio
    peer_s, peer_mb = run.best([*peer, str(snap), str(after)], ok=(0,), once=size > 10_000)
    _row(table, rows, size, "DeepDiff of both", seconds=peer_s, peak_mb=peer_mb, floor="")
    _row(
        table,
        rows,
        size,
        "diff, 0.1% changed",
        seconds=diff_s,
        peak_mb=diff_mb,
        floor="two loads + ==",
        ratio=diff_s / floor_s,
        peer_ratio=diff_s / peer_s,
    )
    table.print()
    return rows


MAKE_SNAPSHOT = """\
import sys
from auditor.model import Listing
from auditor.sandbox.data import generate_fleet
from auditor.snapshot import write_snapshot
fleet = generate_fleet(int(sys.argv[2]))
listing = Listing("http://127.0.0.1/api", "2026-12-01T03:00:00Z", {r["uuid"]: r for r in fleet})
write_snapshot(listing, __import__("pathlib").Path(sys.argv[1]))
"""


def bench_large_input(size: int, run: Runner) -> list[dict[str, Any]]:
    """``audit --input`` of a generated ``size``-assistant snapshot with itself as the
    baseline (four rules, a JSON report), min of ``--repeat`` runs with a worker per core
    and one run with ``--jobs 1``, against the orjson + ifs floor, once."""
    rows: list[dict[str, Any]] = []
    table = Table(["assistants", "command", "seconds", "peak MB", "against", "ratio"])
    tmp = run.folder
    snap = tmp / f"snap-{size}.json"
    subprocess.run([*run.script("make_snapshot", MAKE_SNAPSHOT), str(snap), str(size)], check=True)
    policy = tmp / "four.yaml"
    policy.write_text(FOUR_RULES, encoding="utf-8")
    big = {**run.env, "AUDITOR_MAX_FILE_BYTES": str(64 << 30)}  # the 2 GiB default is less
    report = str(tmp / "big.json")
    command = [*AUDITOR, "audit", "-q", "--input", str(snap), "--baseline", str(snap),
               "--policy", str(policy), "--format", "json", "-o", report]  # fmt: skip
    measured = {  # a worker per core (the default), and one process
        jobs: run.best([*command, "--jobs", jobs], env=big, once=jobs == "1") for jobs in ("0", "1")
    }
    ifs = run.script("plain_ifs", PLAIN_IFS)
    ifs_command = [*ifs, str(snap), str(tmp / "ifs.json"), "orjson"]
    code, floor_s, floor_mb = _measured(ifs_command, run.env, quiet=True)
    if code == 0:
        _row(table, rows, size, "orjson + ifs", seconds=floor_s, peak_mb=floor_mb, floor="")
    else:  # orjson refuses a document this big ("not enough memory to allocate buffer")
        print(f"the orjson + ifs floor failed (exit {code}) at {size:,} assistants")
    for jobs, what in (("0", ""), ("1", ", --jobs 1")):
        seconds, peak = measured[jobs]
        _row(
            table,
            rows,
            size,
            f"audit --input --baseline, 4 rules, json{what}",
            seconds=seconds,
            peak_mb=peak,
            floor="orjson + ifs" if code == 0 else "",
            ratio=seconds / floor_s if code == 0 else None,
        )
    snap.unlink()
    table.print()
    return rows


def _changed_copy(source: Path, target: Path, fraction: float) -> Path:
    document = json.loads(source.read_text(encoding="utf-8"))
    uuids = sorted(document["assistants"])
    for uuid in random.Random(7).sample(uuids, max(1, int(len(uuids) * fraction))):
        document["assistants"][uuid]["max_duration"] = 4321
    target.write_text(json.dumps(document, sort_keys=True, indent=2), encoding="utf-8")
    return target


def _compile_bytecode() -> None:
    """Byte-compile auditor as ``pip install`` of a wheel does.

    With ``PYTHONDONTWRITEBYTECODE`` set (as on this machine) an editable install never
    caches bytecode, and every start compiles ``cli.py`` again (about 10 ms); an
    installed wheel has its ``.pyc`` files, which is what users start.
    """
    import compileall

    import auditor

    compileall.compile_dir(str(Path(auditor.__file__).parent), quiet=1)


def bench_startup(run: Runner) -> list[dict[str, Any]]:
    _compile_bytecode()
    table = Table(["command", "seconds", "over python -c pass"])
    bare = 0.0
    rows = []
    for what, command in {
        "python -c pass": [PYTHON, "-c", "pass"],
        "python -c 'import click'": [PYTHON, "-c", "import click"],
        "auditor --version": [*AUDITOR, "--version"],
        "auditor --help": [*AUDITOR, "--help"],
        "auditor audit --help": [*AUDITOR, "audit", "--help"],
    }.items():
        seconds = run.best(command, ok=(0,))[0]
        bare = bare or seconds
        rows.append({"command": what, "seconds": seconds, "over_bare_ms": (seconds - bare) * 1000})
        table.add([what, f"{seconds:.3f}", f"+{(seconds - bare) * 1000:.0f} ms"])
    table.print()
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated fleet sizes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command (min is kept)")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="sandbox latency")
    parser.add_argument(
        "--module",
        action="store_true",
        help="run `python -m auditor` (so PYTHONPATH=OTHER_TREE times another revision)",
    )
    parser.add_argument("--name", default="commands", help="results/<NAME>.json")
    parser.add_argument(
        "--large",
        type=int,
        default=0,
        help="also audit --input a generated snapshot of this many assistants with itself "
        "as the baseline (1000000: issue 19's 40 s / 300 MB target; ~3 GB of disk)",
    )
    args = parser.parse_args(argv)
    if args.module:
        AUDITOR[:] = [PYTHON, "-m", "auditor"]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    with tempfile.TemporaryDirectory() as folder:
        run = Runner(Path(folder), args.repeat)
        print(
            textwrap.dedent(f"""\
            whole processes, min of {args.repeat}; sandbox at {args.latency_ms:g} ms per request
            """)
        )
        startup = bench_startup(run)
        rows = [row for size in sizes for row in bench_size(size, run, args.latency_ms)]
        if args.large:
            rows += bench_large_input(args.large, run)
    path = write_results(
        args.name,
        {"repeat": args.repeat, "latency_ms": args.latency_ms, "startup": startup, "runs": rows},
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
