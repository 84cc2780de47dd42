"""evaluate(): findings, their order and words, --select/--ignore, --filter, odd records."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import ConfigError
from auditor.model import AssistantRef, Listing, Severity
from auditor.policy import (
    Evaluator,
    PolicySet,
    compile_checker,
    engine,
    evaluate,
    load_policies,
    parse_filters,
)

POLICY = """
version: 1
rules:
  - id: recording-enabled
    title: Calls are recorded
    severity: high
    when: {status: active}
    require: {record: true}
    remediation: Turn recording on.
  - id: max-duration
    title: Calls are short
    severity: medium
    require: {max_duration: {gt: 0, lte: 1800}}
    remediation: Lower max_duration.
  - id: temperature-range
    severity: low
    require: {temperature: {between: [0, 1]}}
    missing: pass
  - id: stability-range
    severity: low
    require: {stability: {between: [0, 1]}}
    missing: pass
  - id: experimental
    severity: critical
    enabled: false
    require: {name: {starts_with: X}}
"""


@pytest.fixture
def policy_set(tmp_path: Path) -> PolicySet:
    path = tmp_path / "p.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return load_policies([path])


def assistant(ident: int, **fields: Any) -> dict[str, Any]:
    record = {
        "id": ident,
        "uuid": f"u-{ident}",
        "name": f"Assistant {ident}",
        "status": "active",
        "record": True,
        "max_duration": 600,
    }
    record.update(fields)
    return record


def listing(*records: dict[str, Any], account: str | None = None) -> Listing:
    return Listing(
        "https://api.example", "2026-01-01T00:00:00Z", {r["uuid"]: r for r in records}, account
    )


def test_a_finding_carries_everything_a_report_needs(policy_set: PolicySet) -> None:
    result = evaluate(policy_set, [listing(assistant(7, max_duration=3600))])
    (v,) = result.violations
    assert v.rule == "max-duration"
    assert v.severity is Severity.MEDIUM
    assert v.title == "Calls are short"
    assert v.assistant == AssistantRef(7, "u-7", "Assistant 7", None)
    assert v.path == "max_duration"
    assert v.actual == 3600
    assert v.expected == "> 0 and ≤ 1800"
    assert v.message == "max_duration must be ≤ 1800, is 3600"
    assert v.remediation == "Lower max_duration."
    assert v.waiver is None
    assert result.waived == ()
    assert result.warnings == ()
    assert [r.id for r in result.rules] == [
        "recording-enabled",
        "max-duration",
        "temperature-range",
        "stability-range",
    ]
    assert result.assistants == (AssistantRef(7, "u-7", "Assistant 7", None),)


def test_findings_are_sorted_worst_first_then_rule_then_assistant(policy_set: PolicySet) -> None:
    records = [
        assistant(12, temperature=2),
        assistant(3, record=False, temperature=5),
        assistant(10, max_duration="900", record=0),
        assistant(2, stability=-1),
    ]
    result = evaluate(policy_set, [listing(*records)])
    order = [(str(v.severity), v.rule, v.assistant.id) for v in result.violations]
    assert order == [
        ("high", "recording-enabled", 3),
        ("high", "recording-enabled", 10),
        ("medium", "max-duration", 10),
        ("low", "stability-range", 2),
        ("low", "temperature-range", 3),
        ("low", "temperature-range", 12),
    ]
    (numeric_string,) = [v for v in result.violations if v.rule == "max-duration"]
    assert (
        numeric_string.message
        == "max_duration must be a number > 0 and ≤ 1800, is the string '900'"
    )
    assert numeric_string.actual == "900"


def test_accounts_tag_assistants_and_findings(policy_set: PolicySet) -> None:
    north = listing(assistant(1, record=False), account="north")
    south = listing(assistant(1, record=False), account="south")
    result = evaluate(policy_set, [north, south])
    assert [a.account for a in result.assistants] == ["north", "south"]
    assert [v.assistant.account for v in result.violations] == ["north", "south"]


def test_missing_fields_fail_closed_unless_missing_pass(policy_set: PolicySet) -> None:
    record = assistant(1)
    del record["max_duration"]
    del record["record"]
    result = evaluate(policy_set, [listing(record)])
    messages = sorted(v.message for v in result.violations)
    assert messages == ["max_duration must be > 0, is missing", "record must be true, is missing"]
    assert all(v.actual is None for v in result.violations)


def test_select_and_ignore(policy_set: PolicySet) -> None:
    records = [assistant(1, record=False, temperature=3, stability=3)]

    def rules(**kw: Any) -> list[str]:
        return sorted(v.rule for v in evaluate(policy_set, [listing(*records)], **kw).violations)

    assert rules() == ["recording-enabled", "stability-range", "temperature-range"]
    assert rules(select=["recording-enabled"]) == ["recording-enabled"]
    assert rules(select=["*-range"]) == ["stability-range", "temperature-range"]
    assert rules(ignore=["*-range"]) == ["recording-enabled"]
    assert rules(select=["*-range"], ignore=["stability-range"]) == ["temperature-range"]
    # a disabled rule runs only when selected
    assert rules(select=["experimental"]) == ["experimental"]
    assert "experimental" not in [r.id for r in policy_set.selected()]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"select": ["max-duraton"]},
            "--select: unknown rule id 'max-duraton' (did you mean 'max-duration'?); "
            "known rule ids: recording-enabled, max-duration",
        ),
        (
            {"ignore": ["nope", "zilch"]},
            "--ignore: unknown rule id 'nope', 'zilch'; known rule ids:",
        ),
        ({"select": ["*-rnage"]}, "--select: unknown rule id '*-rnage'"),
    ],
)
def test_unknown_rule_ids_are_config_errors(
    policy_set: PolicySet, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        evaluate(policy_set, [listing(assistant(1))], **kwargs)
    assert message in str(caught.value)
    with pytest.raises(ConfigError):
        policy_set.selected(**kwargs)


FILTER_CASES = [
    ("status=active", {"status": "active"}, True),
    ("status=active", {"status": "inactive"}, False),
    ("status=active", {}, False),
    ("status!=active", {}, True),
    ("status!=active", {"status": "inactive"}, True),
    ("type!=outbound", {"type": "outbound"}, False),
    ("record=1", {"record": True}, True),
    ("record=true", {"record": 1}, True),
    ("record=TRUE", {"record": True}, True),
    ("record=false", {"record": 0}, True),
    ("record=0", {"record": False}, True),
    ("record=1", {"record": False}, False),
    ("record=yes", {"record": True}, False),
    ("max_duration=1800", {"max_duration": 1800.0}, True),
    ("max_duration=1800", {"max_duration": "1800"}, True),
    ("max_duration=abc", {"max_duration": 5}, False),
    ("id=2", {"id": 2}, True),
    ("id=2", {"id": 1}, False),
    ("variables.region=eu", {"variables": {"region": "eu"}}, True),
    ("variables.region=eu", {"variables": "eu"}, False),
    ("tools[*].type=transfer", {"tools": [{"type": "x"}, {"type": "transfer"}]}, True),
    ("tools[*].type!=transfer", {"tools": [{"type": "transfer"}]}, False),
    ("webhook_url=null", {"webhook_url": None}, True),
    ("name=a=b", {"name": "a=b"}, True),
    ("name=", {"name": ""}, True),
    ("variables=x", {"variables": {"a": 1}}, False),
]


@pytest.mark.parametrize(("expression", "record", "kept"), FILTER_CASES)
def test_filters(expression: str, record: dict[str, Any], kept: bool) -> None:
    assert parse_filters([expression])(record) is kept


def test_several_filters_must_all_match() -> None:
    keep = parse_filters(["status=active", "type!=outbound"])
    assert keep({"status": "active", "type": "inbound"})
    assert not keep({"status": "active", "type": "outbound"})
    assert not keep({"status": "inactive", "type": "inbound"})


@pytest.mark.parametrize("expression", ["status", "=active", "!=x", "a..b=1", "a[x]=1", ""])
def test_bad_filters_are_config_errors(expression: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_filters([expression])
    assert "--filter" in str(caught.value)


def test_evaluate_applies_filters(policy_set: PolicySet) -> None:
    records = [
        assistant(1, record=False),
        assistant(2, status="inactive", record=False, temperature=9),
    ]
    result = evaluate(policy_set, [listing(*records)], filters=["status=active"])
    assert [a.id for a in result.assistants] == [1]
    assert [v.assistant.id for v in result.violations] == [1]
    nothing = evaluate(policy_set, [listing(*records)], filters=["status=archived"])
    assert nothing.assistants == ()
    assert nothing.warnings == ("--filter status=archived matched no assistant",)


def test_bad_filters_are_rejected_by_evaluate(policy_set: PolicySet) -> None:
    with pytest.raises(ConfigError):
        evaluate(policy_set, [listing(assistant(1))], filters=["oops"])


class _Record(Mapping[str, Any]):
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def test_odd_records_do_not_crash(policy_set: PolicySet) -> None:
    records: dict[str, Any] = {
        "a": ["not", "a", "dict"],
        "b": None,
        "c": MappingProxyType(
            {"id": 3, "uuid": "c", "status": "active", "record": 0, "max_duration": 5}
        ),
        "d": _Record({"id": 4, "status": "active", "record": True, "max_duration": 5}),
        "e": {
            "id": [1],
            "uuid": 5,
            "name": {"x": 1},
            "status": ["active"],
            "max_duration": {"a": 1},
        },
    }
    result = evaluate(policy_set, [Listing("s", "t", records)])
    uuids = [a.uuid for a in result.assistants]
    assert uuids == ["a", "b", "c", "d", "5"]
    by_uuid = {(v.assistant.uuid, v.rule) for v in result.violations}
    assert ("c", "recording-enabled") in by_uuid
    assert ("a", "max-duration") in by_uuid
    assert ("5", "max-duration") in by_uuid
    odd, undecided = sorted(
        (v for v in result.violations if v.assistant.uuid == "5"), key=lambda v: v.rule
    )
    assert odd.message == 'max_duration must be a number > 0 and ≤ 1800, is an object {"a": 1}'
    assert odd.assistant.name == "{'x': 1}"
    # status is a list: the precondition status = active cannot be decided, the rule applies
    assert undecided.rule == "recording-enabled"
    assert undecided.message == (
        "record must be true, is missing; precondition status is 'active' could not be "
        "decided: status is [\"active\"] (a list, not a string like 'active')"
    )


def test_compile_checker_is_the_bare_engine(policy_set: PolicySet) -> None:
    check = compile_checker(policy_set)
    assert check(assistant(1)) == ()
    assert check(assistant(1, record=0, temperature="0.5")) == (
        "recording-enabled",
        "temperature-range",
    )
    assert compile_checker(policy_set, select=["max-duration"])(assistant(1, record=0)) == ()
    assert check({"temperature": None, "stability": None, "status": None}) == ("max-duration",)


def test_the_bundled_pack_over_the_sandbox_fleet_finds_exactly_the_planted_violations() -> None:
    from auditor.sandbox.data import generate_fleet, known_violations
    from auditor.secretscan import mask_secrets

    fleet = [mask_secrets(r) for r in generate_fleet(94)]
    result = evaluate(load_policies(), [Listing("sandbox", "t", {r["uuid"]: r for r in fleet})])
    found: dict[int, list[str]] = {}
    for v in result.violations:
        found.setdefault(v.assistant.id, []).append(v.rule)
    expected = known_violations(94)
    assert {k: sorted(v) for k, v in found.items()} == {k: sorted(v) for k, v in expected.items()}


# -- Evaluator / Scan: pages fed as they arrive give evaluate's result --------------------------

TODAY = date(2026, 6, 1)
WAIVERS = """
exceptions:
  - {rule: max-duration, assistants: ["id:10", "id:28"], reason: long calls, expires: 2027-01-01}
  - {rule: recording-enabled, assistants: ["id:1"], reason: old, expires: 2026-01-01}
  - {rule: temperature-range, assistants: ["id:99999"], reason: unused, expires: 2027-01-01}
"""


@pytest.fixture
def waived_set(tmp_path: Path) -> PolicySet:
    """POLICY's rules with waivers: active, expired, unused."""
    path = tmp_path / "p.yaml"
    path.write_text(POLICY + WAIVERS, encoding="utf-8")
    return load_policies([path])


def sample_fleet(count: int, seed: int) -> list[dict[str, Any]]:
    from auditor.sandbox.data import generate_fleet
    from auditor.secretscan import mask_secrets

    fleet = [mask_secrets(r) for r in generate_fleet(count, seed=seed)]
    for record in fleet[::9]:
        record["max_duration"] = 3600  # findings for POLICY's rules and its waivers
        record["record"] = False
    return fleet


def shuffled_pages(
    records: list[dict[str, Any]], size: int, rng: random.Random
) -> list[tuple[int, list[tuple[str, dict[str, Any]]]]]:
    """``(page number, items)`` in a random order, each page shuffled too."""
    pages = []
    for number, start in enumerate(range(0, len(records), size), start=1):
        items = [(r["uuid"], r) for r in records[start : start + size]]
        rng.shuffle(items)
        pages.append((number, items))
    rng.shuffle(pages)
    return pages


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_pages_by_id_give_evaluate_over_the_listing_in_id_order(
    waived_set: PolicySet, seed: int
) -> None:
    fleet = sample_fleet(230, seed)
    rng = random.Random(seed)
    evaluator = Evaluator(waived_set, today=TODAY)
    scan = evaluator.scan("north", by_id=True)
    for number, items in shuffled_pages(fleet, 100, rng):
        scan.add(items, page=number)
    result = evaluator.result([scan])

    in_id_order = sorted(fleet, key=lambda r: r["id"])
    expected = evaluate(waived_set, [listing(*in_id_order, account="north")], today=TODAY)
    assert result == expected
    assert [a.id for a in result.assistants] == list(range(1, 231))
    assert scan.seen == 230
    assert result.violations  # the comparison covers findings,
    assert result.waived  # waived findings
    assert any("expired" in w for w in result.warnings)
    assert any("matched no finding" in w for w in result.warnings)


def test_without_by_id_the_page_order_is_kept(policy_set: PolicySet) -> None:
    pages = {
        2: [assistant(5), assistant(1, record=False)],
        1: [assistant(9, max_duration=0), assistant(8)],
        3: [assistant(2)],
    }
    evaluator = Evaluator(policy_set)
    scan = evaluator.scan(by_id=False)
    for number in (3, 1, 2):
        scan.add([(r["uuid"], r) for r in pages[number]], page=number)
    result = evaluator.result([scan])
    assert [a.id for a in result.assistants] == [9, 8, 5, 1, 2]
    in_page_order = [*pages[1], *pages[2], *pages[3]]
    assert result == evaluate(policy_set, [listing(*in_page_order)])


def test_without_a_page_number_records_keep_the_order_they_were_fed(
    policy_set: PolicySet,
) -> None:
    evaluator = Evaluator(policy_set)
    scan = evaluator.scan()
    scan.add([("u-3", assistant(3))])
    scan.add([("u-1", assistant(1)), ("u-2", assistant(2))])
    assert [a.id for a in evaluator.result([scan]).assistants] == [3, 1, 2]


def test_by_id_keeps_the_page_order_when_an_id_is_not_a_whole_number(
    policy_set: PolicySet,
) -> None:
    evaluator = Evaluator(policy_set)
    scan = evaluator.scan(by_id=True)
    scan.add([("u-b", assistant(5)), ("u-x", {**assistant(0), "id": "x", "uuid": "u-x"})], page=2)
    scan.add([("u-9", assistant(9))], page=1)
    assert [a.id for a in evaluator.result([scan]).assistants] == [9, 5, "x"]


def test_several_accounts_fed_interleaved_give_evaluate_over_their_listings(
    waived_set: PolicySet,
) -> None:
    fleets = {"north": sample_fleet(120, 4), "south": sample_fleet(150, 5)}
    evaluator = Evaluator(waived_set, today=TODAY)
    scans = {name: evaluator.scan(name, by_id=True) for name in fleets}
    rng = random.Random(7)
    feed = [
        (name, page) for name, fleet in fleets.items() for page in shuffled_pages(fleet, 50, rng)
    ]
    rng.shuffle(feed)
    for name, (number, items) in feed:
        scans[name].add(items, page=number)
    result = evaluator.result([scans["north"], scans["south"]])

    listings = [
        listing(*sorted(fleet, key=lambda r: r["id"]), account=name)
        for name, fleet in fleets.items()
    ]
    assert result == evaluate(waived_set, listings, today=TODAY)
    assert [a.account for a in result.assistants] == ["north"] * 120 + ["south"] * 150
    assert {v.assistant.account for v in result.violations} == {"north", "south"}


@pytest.mark.parametrize(
    ("filters", "fed", "warned"),
    [
        (["status=archived"], True, True),
        (["status=archived"], False, False),  # nothing seen: nothing to say about the filter
        (["status=active"], True, False),
        ([], True, False),
    ],
)
def test_filter_warnings_as_evaluate_says_them(
    policy_set: PolicySet, filters: list[str], fed: bool, warned: bool
) -> None:
    records = [assistant(1, record=False), assistant(2, status="inactive")]
    evaluator = Evaluator(policy_set, filters=filters)
    scans = [evaluator.scan("north", by_id=True), evaluator.scan("south", by_id=True)]
    if fed:
        scans[0].add([(r["uuid"], r) for r in records], page=1)
    result = evaluator.result(scans)
    message = f"--filter {' '.join(filters)} matched no assistant"
    assert (message in result.warnings) is warned
    assert scans[0].seen == (2 if fed else 0)
    expected = evaluate(
        policy_set,
        [listing(*(records if fed else []), account="north"), listing(account="south")],
        filters=filters,
    )
    assert result == expected


def test_a_filter_that_matches_in_one_account_only_is_no_warning(policy_set: PolicySet) -> None:
    evaluator = Evaluator(policy_set, filters=["status=inactive"])
    north, south = evaluator.scan("north"), evaluator.scan("south")
    north.add([("u-1", assistant(1))])
    south.add([("u-2", assistant(2, status="inactive", record=False))])
    result = evaluator.result([north, south])
    assert result.warnings == ()
    assert [(a.account, a.id) for a in result.assistants] == [("south", 2)]
    assert [v.assistant.id for v in result.violations] == []  # recording-enabled: when active
    assert (north.seen, south.seen) == (1, 1)


def test_an_unused_waiver_is_not_reported_when_a_filter_hides_assistants(
    waived_set: PolicySet,
) -> None:
    fleet = sample_fleet(40, 8)
    items = [(r["uuid"], r) for r in fleet]
    plain, filtered = (
        Evaluator(waived_set, today=TODAY),
        Evaluator(waived_set, today=TODAY, filters=["status=active"]),
    )
    results = []
    for evaluator in (plain, filtered):
        scan = evaluator.scan()
        scan.add(items)
        results.append(evaluator.result([scan]))
    assert any("matched no finding" in w for w in results[0].warnings)
    assert not any("matched no finding" in w for w in results[1].warnings)
    assert any("expired" in w for w in results[1].warnings)  # expiry is said either way


# -- chunks: plain records are checked a chunk at a time, odd ones one by one -----------------

ODD_FIELDS = st.sampled_from(
    [
        ("uuid", ""),
        ("uuid", 5),
        ("uuid", None),
        ("name", 7),
        ("name", {"x": 1}),
        ("name", None),
        ("id", "12"),
        ("status", ["active"]),
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(min_value=0, max_value=30),
    chunk=st.integers(min_value=1, max_value=7),
    odd=st.lists(st.tuples(st.integers(min_value=0, max_value=29), ODD_FIELDS), max_size=4),
    not_dicts=st.lists(st.integers(min_value=0, max_value=29), max_size=2),
)
def test_checking_by_chunks_is_checking_record_by_record(
    size: int, chunk: int, odd: list[tuple[int, tuple[str, Any]]], not_dicts: list[int]
) -> None:
    """A match-all ``--filter`` sends every record down the one-by-one path: the
    findings and assistants must be the same, whatever odd records fall in which chunk."""
    policy_set = load_policies()
    records: list[Any] = sample_fleet(size, 3)
    for index, (field, value) in odd:
        if index < size:
            records[index][field] = value
    for index in not_dicts:
        if index < size:
            records[index] = MappingProxyType(records[index])
    listing = Listing("s", "t", {f"key-{i}": r for i, r in enumerate(records)})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "CHUNK", chunk)
        chunked = evaluate(policy_set, [listing])
        each = evaluate(policy_set, [listing], filters=["zz_never_there!=x"])
    assert chunked.assistants == each.assistants
    assert chunked.violations == each.violations
    assert len(each.assistants) == size


def test_the_fast_pass_is_generated_once_per_selection_of_rules(policy_set: PolicySet) -> None:
    from auditor.policy.fastpath import cached_runner

    cached_runner.cache_clear()
    listing = Listing("s", "t", {"u-1": assistant(1)})
    for _ in range(3):
        evaluate(policy_set, [listing])
    evaluate(policy_set, [listing], select=["max-duration"])
    assert (cached_runner.cache_info().misses, cached_runner.cache_info().hits) == (2, 2)


REDOS = """
version: 1
rules:
  - {id: named, require: {name: {matches: '^(a|a)+$'}}}
  - {id: unnamed, require: {name: {not_matches: '^(a|a)+$'}}}
"""


def test_a_runaway_regex_is_a_finding_within_its_time_bound(tmp_path: Path) -> None:
    from auditor.policy.operators import REGEX_TIMEOUT_MS

    path = tmp_path / "p.yaml"
    path.write_text(REDOS, encoding="utf-8")
    policy_set = load_policies([path])
    slow = assistant(1, name="a" * 31 + "!")  # Python's re backtracks for minutes here
    # no clock in a unit test: the findings below exist only because each match stopped
    # at its time limit (without one this call would run for minutes)
    result = evaluate(policy_set, [listing(slow, assistant(2, name="aaa"))])
    found = {(v.rule, v.assistant.id): v.message for v in result.violations}
    assert set(found) == {("named", 1), ("unnamed", 1), ("unnamed", 2)}
    too_expensive = (
        f", but could not be decided in {REGEX_TIMEOUT_MS} ms: pattern too expensive "
        "(for a string of 32 characters)"
    )
    assert found["named", 1] == "name must match '^(a|a)+$'" + too_expensive
    assert found["unnamed", 1] == "name must not match '^(a|a)+$'" + too_expensive
    assert found["unnamed", 2] == "name must not match '^(a|a)+$', is 'aaa'"


def test_a_runaway_regex_searches_each_text_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path finds the record broken, the engine checks it again for the finding
    and words it: a search that ran out of time is not run again for those (it cost the
    whole limit each time: three times the limit a record)."""
    from auditor.policy import operators

    searched: list[str] = []
    real = operators.compile_regex

    class Counted:
        def __init__(self, pattern: Any) -> None:
            self.pattern = pattern.pattern
            self._search = pattern.search

        def search(self, text: str, **kwargs: Any) -> Any:
            searched.append(text)
            return self._search(text, **kwargs)

    monkeypatch.setattr(operators, "compile_regex", lambda *a: Counted(real(*a)))
    path = tmp_path / "p.yaml"
    path.write_text(REDOS, encoding="utf-8")
    names = ["a" * 400 + "!", "a" * 401 + "!"]  # longer than the quick path takes
    result = evaluate(
        load_policies([path]), [listing(*(assistant(i, name=n) for i, n in enumerate(names)))]
    )
    assert len(result.violations) == 4  # named and unnamed, each undecided for both
    assert all("pattern too expensive" in v.message for v in result.violations)
    assert sorted(searched) == sorted(names * 2)  # once per text and rule, no more


UNDECIDED = """
version: 1
rules:
  - {id: rec, when: {status: active}, require: {record: true}}
  - {id: hook, when: {is_webhook_active: true}, require: {webhook_url: {starts_with: 'https://'}}}
  - {id: both, when: {all: [{type: outbound}, {status: active}]}, require: {record: true}}
  - {id: negated, when: {not: {status: inactive}}, require: {record: true}}
"""


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": "ACTIVE"}, {"rec", "negated"}),
        ({"status": " active "}, {"rec", "negated"}),
        ({"status": 1}, {"rec", "negated"}),
        ({"status": ["active"]}, {"rec", "negated"}),
        ({"status": "archived"}, {"negated"}),  # another word is decided: not active
        ({"status": None}, set()),  # missing keeps its meaning: the rule does not apply
        ({"status": "INACTIVE"}, {"negated"}),  # not 'active' even ignoring case: decided
        ({"is_webhook_active": "true"}, {"hook"}),
        ({"is_webhook_active": 2}, {"hook"}),
        ({"is_webhook_active": 1.0}, {"hook"}),  # 1.0 == true: decided, and it holds
        ({"is_webhook_active": 0}, set()),
        ({"type": "Outbound", "status": "active"}, {"rec", "both", "negated"}),
        ({"type": "inbound", "status": "ACTIVE"}, {"rec", "negated"}),  # type decides both
    ],
)
def test_a_when_that_cannot_be_decided_applies_the_rule(
    tmp_path: Path, fields: dict[str, Any], expected: set[str]
) -> None:
    from auditor.policy.fastpath import reference_runner

    path = tmp_path / "p.yaml"
    path.write_text(UNDECIDED, encoding="utf-8")
    policy_set = load_policies([path])
    base = {"type": "inbound", "status": "inactive", "record": False, "is_webhook_active": False}
    base["webhook_url"] = "http://hooks.example/x"
    record = assistant(1, **{**base, **fields})
    if fields.get("status", "") is None:
        del record["status"]
    result = evaluate(policy_set, [listing(record)])
    assert {v.rule for v in result.violations} == expected
    rules = policy_set.selected()
    assert {rules[i].id for i in reference_runner(rules)(record)} == expected  # closures agree
    by_id = {r.id: r for r in rules}
    for v in result.violations:  # the note is there exactly when the when alone did not hold
        when = by_id[v.rule].when
        assert when is not None
        assert ("could not be decided" in v.message) is (when.check(record) is not True)


def test_the_undecided_finding_says_why(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(UNDECIDED, encoding="utf-8")
    record = assistant(1, is_webhook_active="true", webhook_url="http://hooks.example/x")
    result = evaluate(load_policies([path]), [listing(record)])
    (hook,) = [v for v in result.violations if v.rule == "hook"]
    assert hook.message == (
        "webhook_url must start with 'https://', is 'http://hooks.example/x'; precondition "
        "is_webhook_active is true could not be decided: is_webhook_active is 'true' "
        "(a string, not true/false or 1/0)"
    )
