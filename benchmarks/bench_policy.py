"""Policy evaluation vs the peers: auditor's engine, Cloud Custodian, OPA (regopy), plain Python.

The same core rules of the bundled pack (recording, webhook HTTPS, webhook needs a URL,
max_duration, voicemail for outbound, greeting length, the numeric ranges) are written
four ways and run over the same generated assistants:

- **auditor**: ``load_policies()`` + ``evaluate(select=CORE_RULES)`` — the real engine,
  building real ``Violation`` objects with messages (the targets are judged on this);
- **auditor (rule ids)**: ``compile_checker`` — the same engine answering only which
  rules each record breaks, as the peers below do (no findings, no messages);
- **c7n**: Cloud Custodian ``value`` filters combined with its ``and``/``or``/``not``
  filters, evaluated with ``Filter.process`` over the same dicts (the way Custodian
  filters resources);
- **regopy**: the rules in Rego, evaluated by OPA's engine (``regopy.Interpreter``) over
  the fleet as its input document, ``REGO_BATCH`` assistants a query (JSON encoding
  included: that is how OPA gets data);
- **python**: the rules as hand-written ``if`` statements — the practical floor.

Truth first: all four must report exactly the same (uuid, rule) pairs. Then each is
timed (best of ``--repeat``). Results go to ``benchmarks/results/policy.json``.

    python benchmarks/bench_policy.py              # 10,000 and 100,000 assistants
    python benchmarks/bench_policy.py --sizes 10000 --repeat 3

Targets (issue 8): auditor ≥ 10× faster than c7n, ≥ 100× faster than regopy, and
within 3× of the hand-written Python.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Table, timed, timings, write_results

from auditor.model import Listing
from auditor.policy import PolicySet, compile_checker, evaluate, load_policies
from auditor.sandbox.data import generate_fleet

Pairs = set[tuple[str, str]]
ONCE = frozenset({"regopy"})
"""Tools timed once, on the run whose answer is checked (hundreds of times slower)."""

CORE_RULES = (
    "recording-enabled",
    "webhook-https",
    "webhook-active-needs-url",
    "max-duration",
    "outbound-voicemail",
    "initial-message-length",
    "temperature-range",
    "stability-range",
    "similarity-range",
    "speech-speed-range",
    "endpoint-sensitivity-range",
    "interrupt-sensitivity-range",
    "ambient-volume-range",
    "min-interrupt-words-range",
)
RANGES = {
    "temperature-range": ("temperature", 0, 1),
    "stability-range": ("stability", 0, 1),
    "similarity-range": ("similarity", 0, 1),
    "speech-speed-range": ("speech_speed", 0.7, 1.2),
    "endpoint-sensitivity-range": ("endpoint_sensitivity", 0, 5),
    "interrupt-sensitivity-range": ("interrupt_sensitivity", 0, 5),
    "ambient-volume-range": ("ambient_sound_volume", 0, 1),
    "min-interrupt-words-range": ("min_interrupt_words", 0, 10),
}


def make_fleet(count: int) -> list[dict[str, Any]]:
    """The sample fleet plus out-of-range values, so every core rule has findings."""
    fleet = generate_fleet(count, seed=11)
    for index, record in enumerate(fleet):
        if index % 97 == 5:
            record["temperature"] = 1.5
        if index % 89 == 7:
            record["speech_speed"] = 2
        if index % 83 == 3:
            record["min_interrupt_words"] = 12
        if index % 101 == 9:
            record["ambient_sound_volume"] = -0.5
        if index % 211 == 11:
            record["max_duration"] = "900"  # a numeric string is not a number
    return fleet


# -- auditor --------------------------------------------------------------------------------


def as_listing(fleet: list[dict[str, Any]]) -> Listing:
    """The fleet as auditor gets it from a fetch or a snapshot (built outside the timing,
    as the other tools get their list as it is)."""
    return Listing("bench", "2026-01-01T00:00:00Z", {r["uuid"]: r for r in fleet})


def run_auditor(listing: Listing, policy_set: PolicySet) -> Pairs:
    result = evaluate(policy_set, [listing], select=CORE_RULES)
    return {(v.assistant.uuid, v.rule) for v in result.violations}


def run_checker(fleet: list[dict[str, Any]], check: Callable[[Any], tuple[str, ...]]) -> Pairs:
    return {(r["uuid"], rule) for r in fleet for rule in check(r)}


# -- hand-written Python ---------------------------------------------------------------------


def _is_true(value: Any) -> bool:
    return value is True or (type(value) is int and value == 1)


def _is_number(value: Any) -> bool:
    return type(value) in (int, float)


_HTTPS = re.compile(r"(?i)^https://\S+")


def run_python(fleet: list[dict[str, Any]]) -> Pairs:
    found: Pairs = set()
    add = found.add
    ranges = tuple(RANGES.items())
    for r in fleet:
        uuid = r["uuid"]
        if r.get("status") == "active" and not _is_true(r.get("record")):
            add((uuid, "recording-enabled"))
        url = r.get("webhook_url")
        if _is_true(r.get("is_webhook_active")):
            if not url:
                add((uuid, "webhook-active-needs-url"))
            elif not (isinstance(url, str) and _HTTPS.match(url)):
                add((uuid, "webhook-https"))
        duration: Any = r.get("max_duration")
        if not (_is_number(duration) and 0 < duration <= 1800):
            add((uuid, "max-duration"))
        if r.get("type") == "outbound" and not _is_true(r.get("end_call_on_voicemail")):
            add((uuid, "outbound-voicemail"))
        message = r.get("initial_message")
        if message is not None and not (isinstance(message, str) and len(message) <= 200):
            add((uuid, "initial-message-length"))
        for rule, (field, low, high) in ranges:
            value = r.get(field)
            if value is None:
                continue
            whole = field != "min_interrupt_words" or type(value) is int
            if not (whole and _is_number(value) and low <= value <= high):
                add((uuid, rule))
    return found


# -- Cloud Custodian -------------------------------------------------------------------------


def _c7n_rules() -> dict[str, dict[str, Any]]:
    """Each rule as a Custodian filter that matches the *violating* resources."""

    def value(key: str, op: str, val: Any = None, value_type: str | None = None) -> dict[str, Any]:
        spec: dict[str, Any] = {"type": "value", "key": key, "op": op, "value": val}
        if value_type:
            spec["value_type"] = value_type
        return spec

    def absent(key: str) -> dict[str, Any]:
        return {"type": "value", "key": key, "value": "absent"}

    def present(key: str) -> dict[str, Any]:
        return {"type": "value", "key": key, "value": "present"}

    def true(key: str) -> dict[str, Any]:
        return value(key, "in", [True, 1])

    rules: dict[str, dict[str, Any]] = {
        "recording-enabled": {"and": [value("status", "eq", "active"), {"not": [true("record")]}]},
        "webhook-active-needs-url": {
            "and": [
                true("is_webhook_active"),
                {"or": [absent("webhook_url"), value("webhook_url", "eq", "")]},
            ]
        },
        "webhook-https": {
            "and": [
                true("is_webhook_active"),
                present("webhook_url"),
                {"not": [value("webhook_url", "eq", "")]},
                {"not": [value("webhook_url", "regex", r"(?i)^https://\S+")]},
            ]
        },
        "max-duration": {
            "or": [
                absent("max_duration"),
                value("max_duration", "regex", r"^\d+$"),  # a string, even if numeric
                value("max_duration", "le", 0),
                value("max_duration", "gt", 1800),
            ]
        },
        "outbound-voicemail": {
            "and": [value("type", "eq", "outbound"), {"not": [true("end_call_on_voicemail")]}]
        },
        "initial-message-length": {
            "and": [present("initial_message"), value("initial_message", "gt", 200, "size")]
        },
    }
    for rule, (field, low, high) in RANGES.items():
        # Custodian has no "is an integer" test; the generated data has no fractional
        # min_interrupt_words, so the range alone gives the same findings.
        outside: list[dict[str, Any]] = [value(field, "lt", low), value(field, "gt", high)]
        rules[rule] = {"and": [present(field), {"or": outside}]}
    return rules


def c7n_filters() -> dict[str, Any]:
    from c7n.filters.core import FilterRegistry

    registry = FilterRegistry("auditor-bench")
    return {rule: registry.parse([spec], None)[0] for rule, spec in _c7n_rules().items()}


def run_c7n(fleet: list[dict[str, Any]], filters: dict[str, Any]) -> Pairs:
    found: Pairs = set()
    for rule, flt in filters.items():
        for resource in flt.process(fleet):
            found.add((resource["uuid"], rule))
    return found


# -- OPA / Rego ------------------------------------------------------------------------------

REGO = r"""
package audit
import rego.v1

is_true(x) if x == true
is_true(x) if { is_number(x); x == 1 }

violation contains [a.uuid, "recording-enabled"] if {
  some a in input
  a.status == "active"
  not is_true(a.record)
}
violation contains [a.uuid, "webhook-active-needs-url"] if {
  some a in input
  is_true(a.is_webhook_active)
  not non_empty(a.webhook_url)
}
violation contains [a.uuid, "webhook-https"] if {
  some a in input
  is_true(a.is_webhook_active)
  non_empty(a.webhook_url)
  not regex.match(`^[hH][tT][tT][pP][sS]://\S+`, a.webhook_url)
}
non_empty(x) if { is_string(x); x != "" }
violation contains [a.uuid, "max-duration"] if {
  some a in input
  not duration_ok(a)
}
duration_ok(a) if { is_number(a.max_duration); a.max_duration > 0; a.max_duration <= 1800 }
violation contains [a.uuid, "outbound-voicemail"] if {
  some a in input
  a.type == "outbound"
  not is_true(a.end_call_on_voicemail)
}
violation contains [a.uuid, "initial-message-length"] if {
  some a in input
  a.initial_message != null
  not message_ok(a.initial_message)
}
message_ok(m) if { is_string(m); count(m) <= 200 }
ranges := {
  "temperature-range": ["temperature", 0, 1],
  "stability-range": ["stability", 0, 1],
  "similarity-range": ["similarity", 0, 1],
  "speech-speed-range": ["speech_speed", 0.7, 1.2],
  "endpoint-sensitivity-range": ["endpoint_sensitivity", 0, 5],
  "interrupt-sensitivity-range": ["interrupt_sensitivity", 0, 5],
  "ambient-volume-range": ["ambient_sound_volume", 0, 1],
}
violation contains [a.uuid, rule] if {
  some a in input
  some rule, spec in ranges
  v := object.get(a, spec[0], null)
  v != null
  not in_range(v, spec[1], spec[2])
}
in_range(v, low, high) if { is_number(v); v >= low; v <= high }
violation contains [a.uuid, "min-interrupt-words-range"] if {
  some a in input
  v := object.get(a, "min_interrupt_words", null)
  v != null
  not whole_in_range(v)
}
whole_in_range(v) if { is_number(v); v == floor(v); v >= 0; v <= 10 }
"""


REGO_BATCH = 2_000
"""Assistants per OPA query. One query over 20,000 fails in regopy 1.5.2 (a bare
``<error>`` after ~65 s; 10,000 took 27 s), so bigger fleets go in batches: 2,000 a
query was the fastest per assistant of 1, 10, 100, 500 and 2,000 tried."""


def run_rego(fleet: list[dict[str, Any]]) -> Pairs:
    import regopy

    rego = regopy.Interpreter()
    rego.add_module("audit", REGO)
    found: Pairs = set()
    for start in range(0, len(fleet), REGO_BATCH):
        rego.set_input_term(json.dumps(fleet[start : start + REGO_BATCH]))
        output = rego.query("x = data.audit.violation")
        if not output.ok():
            raise RuntimeError(f"regopy failed on assistants {start}+: {output}")
        pairs = json.loads(str(output))["bindings"]["x"]
        found.update((uuid, rule) for uuid, rule in pairs)
    return found


# -- the run ---------------------------------------------------------------------------------


def _tools(size: int, skip_rego_above: int) -> dict[str, Callable[[], Pairs]]:
    """Each tool as a no-argument callable over the same fleet of ``size``."""
    fleet = make_fleet(size)
    filters = c7n_filters()  # compiled once, outside the timings, like auditor's pack
    policy_set = load_policies(())
    listing = as_listing(fleet)
    check = compile_checker(policy_set, select=CORE_RULES)
    c7n_fleet = copy.deepcopy(fleet)  # Custodian annotates the dicts it matches
    tools: dict[str, Callable[[], Pairs]] = {
        "auditor": lambda: run_auditor(listing, policy_set),
        "auditor (rule ids)": lambda: run_checker(fleet, check),
        "python": lambda: run_python(fleet),
        "c7n": lambda: run_c7n(c7n_fleet, filters),
    }
    if size <= skip_rego_above:
        tools["regopy"] = lambda: run_rego(fleet)
    return tools


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated fleet sizes")
    parser.add_argument(
        "--repeat", type=int, default=5, help="timings per tool, round robin (best is kept)"
    )
    parser.add_argument("--skip-rego-above", type=int, default=100_000)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    table = Table(["assistants", "tool", "seconds", "× auditor", "findings"])
    results: list[dict[str, Any]] = []
    for size in sizes:
        tools = _tools(size, args.skip_rego_above)
        truth = tools["auditor"]()
        runs: dict[str, list[float]] = {name: [] for name in tools}
        for name, tool in tools.items():
            took, got = timed(tool)
            if name in ONCE:  # minutes per run: the checked run is its timing
                runs[name].append(took)
            if got != truth:
                missing, extra = sorted(truth - got)[:5], sorted(got - truth)[:5]
                raise SystemExit(f"{name} disagrees at {size}: missing {missing}, extra {extra}")
        for _ in range(max(1, args.repeat)):  # round robin: a busy moment hits every tool
            for name, tool in tools.items():
                if name not in ONCE:
                    runs[name].extend(timings(tool, 1))
        seconds = {name: min(values) for name, values in runs.items()}
        base = seconds["auditor"]
        for name, value in seconds.items():
            table.add([size, name, f"{value:.4f}", f"{value / base:.1f}", len(truth)])
        results.append(
            {
                "assistants": size,
                "findings": len(truth),
                "seconds": seconds,
                "runs": runs,
                "ratios": {
                    "c7n_over_auditor": seconds["c7n"] / base,
                    "regopy_over_auditor": seconds["regopy"] / base
                    if "regopy" in seconds
                    else None,
                    "auditor_over_python": base / seconds["python"],
                    "c7n_over_rule_ids": seconds["c7n"] / seconds["auditor (rule ids)"],
                    "rule_ids_over_python": seconds["auditor (rule ids)"] / seconds["python"],
                },
            }
        )
    table.print()
    path = write_results("policy", {"rules": list(CORE_RULES), "runs": results})
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
