"""orjson against msgspec (and the standard library) on auditor's own JSON.

The two jobs a fleet's worth of JSON goes through: decoding API pages of 100 sandbox
assistants, and encoding each record as a snapshot file holds it (keys sorted,
two-space indent), in CPU time. Each codec's output is checked against the standard library's
before it is timed; ``auditor.jsoncodec`` is timed too, its checks included (``finite``:
values its own decoder read, whose floats need no look for NaN).

    python benchmarks/bench_codec.py [--count 5000] [--repeat 5]

Results go to ``benchmarks/results/codec.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import msgspec
import orjson
from _common import Table, write_results

from auditor import jsoncodec
from auditor.sandbox.data import generate_fleet


def _over(func: Callable[[Any], Any], items: list[Any]) -> Callable[[], object]:
    """``func`` applied to every item, as one call to time."""
    return lambda: [func(item) for item in items]


def best_cpu(func: Callable[[], object], repeat: int) -> float:
    """The least CPU time of ``repeat`` runs of ``func()`` (wall time on a shared box
    measures the neighbours; this is one thread's own work)."""
    times = []
    for _ in range(max(1, repeat)):
        started = time.process_time()
        func()
        times.append(time.process_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    records = generate_fleet(args.count)
    pages = [
        json.dumps({"data": records[i : i + 100], "total": len(records)}).encode()
        for i in range(0, len(records), 100)
    ]
    sorted_encoder = msgspec.json.Encoder(order="sorted")
    decoder = msgspec.json.Decoder()
    encoders: dict[str, Callable[[Any], bytes]] = {
        "json": lambda r: json.dumps(r, sort_keys=True, indent=2, ensure_ascii=False).encode(),
        "orjson": lambda r: orjson.dumps(r, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2),
        "msgspec": lambda r: msgspec.json.format(sorted_encoder.encode(r), indent=2),
        "auditor.jsoncodec": lambda r: jsoncodec.dumps(r, sort_keys=True, indent=2),
        "auditor.jsoncodec finite": lambda r: jsoncodec.dumps(
            r, sort_keys=True, indent=2, finite=True
        ),
    }
    decoders: dict[str, Callable[[bytes], Any]] = {
        "json": json.loads,
        "orjson": orjson.loads,
        "msgspec": decoder.decode,
        "auditor.jsoncodec": jsoncodec.loads,
        "auditor.jsoncodec finite": jsoncodec.loads,
    }
    expected = [encoders["json"](r) for r in records]
    results: dict[str, dict[str, float | bool]] = {}
    for name, encode in encoders.items():
        same = [encode(r) for r in records] == expected
        seconds = best_cpu(_over(encode, records), args.repeat)
        results.setdefault(name, {}).update(encode_us=seconds * 1e6 / len(records), same=same)
    wanted = [json.loads(p) for p in pages]
    for name, decode in decoders.items():
        same = [decode(p) for p in pages] == wanted
        seconds = best_cpu(_over(decode, pages), args.repeat)
        results[name].update(decode_us=seconds * 1e6 / len(records), decode_same=same)
    table = Table(["codec", "encode µs/record", "same bytes", "decode µs/record", "same values"])
    for name, row in results.items():
        table.add(
            [
                name,
                f"{row['encode_us']:.1f}",
                row["same"],
                f"{row['decode_us']:.1f}",
                row["decode_same"],
            ]
        )
    table.print()
    versions = {"orjson": orjson.__version__, "msgspec": msgspec.__version__}
    path = write_results(
        "codec", {"count": args.count, "repeat": args.repeat, "versions": versions, **results}
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
