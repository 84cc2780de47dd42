"""Properties: nothing in a record crashes evaluation, nothing in a file crashes the loader.

And the generated fast pass always agrees with the compiled closures it stands in for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.cli import cli
from auditor.errors import PolicyError
from auditor.model import Listing
from auditor.policy import PolicySet, evaluate, fastpath, load_policies
from auditor.policy.fastpath import _Generator, build_runner, reference_runner
from auditor.policy.loader import DRIFT_KEYS, RULE_KEYS, TOP_KEYS, WAIVER_KEYS, display_path
from auditor.policy.operators import OPERATORS, Op

PACK = load_policies()
FIELDS = sorted(
    {
        "id", "uuid", "name", "type", "mode", "status", "record", "initial_message",
        "system_prompt", "max_duration", "end_call_on_voicemail", "variables", "tools",
        "is_webhook_active", "webhook_url", "inbound_webhook_url", "knowledgebase_id",
        "knowledgebase_mode", "llm_model_id", "multimodal_model_id", "phone_number_id",
        "temperature", "stability", "similarity", "speech_speed", "endpoint_sensitivity",
        "interrupt_sensitivity", "ambient_sound_volume", "min_interrupt_words",
    }
)  # fmt: skip
SPECIAL = st.sampled_from(
    [
        "active", "inactive", "outbound", "inbound", "pipeline", "multimodal", "dualplex",
        "prompt", "function_call", "https://x.example", "http://x.example", "", "  ", "900",
        "ACTIVE", " active", "Outbound", "INACTIVE", "true", "false",  # undecided in a when
        "Hi, I am an AI assistant", "api_key=abcdefgh12345678",
        "<redacted:sha256:0123456789abcdef>",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789", "é🎧", "x" * 300,
    ]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0, 1, 0.5, 1800, 1801, 3600, 0.7, 1.2, 5, 10, 11])
    | st.text(max_size=12)
    | SPECIAL
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6) | st.sampled_from(FIELDS), inner, max_size=4)
    ),
    max_leaves=12,
)
RECORDS = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=6), JSON, max_size=len(FIELDS))

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference(policy_set: PolicySet, record: dict[str, Any]) -> list[str]:
    """The rules a record violates, by the closures alone (no generated fast pass)."""
    rules = policy_set.selected()
    return [rules[i].id for i in reference_runner(rules)(record)]


@PROPERTY
@given(RECORDS)
def test_any_record_through_the_whole_pack(record: dict[str, Any]) -> None:
    record.setdefault("uuid", "u")
    result = evaluate(PACK, [Listing("s", "t", {"key": record})])
    assert sorted(v.rule for v in result.violations) == sorted(reference(PACK, record))
    for v in result.violations:
        assert isinstance(v.message, str)
        assert v.message
        assert isinstance(v.expected, str)


@PROPERTY
@given(st.lists(RECORDS, max_size=5))
def test_fast_pass_agrees_with_the_closures(records: list[dict[str, Any]]) -> None:
    rules = PACK.selected()
    run = build_runner(rules)
    for record in records:
        maybe = {rules[i].id for i in run(record)}
        assert set(reference(PACK, record)) <= maybe
        # the fast pass is exact, not merely cautious
        assert maybe == set(reference(PACK, record))


def rule_file(path: Path, when: Any, require: Any, missing: bool) -> Path:
    """``path``, holding one rule ``r`` with these conditions."""
    rule: dict[str, Any] = {"id": "r", "require": require, "missing": "pass" if missing else "fail"}
    if when is not None:
        rule["when"] = when
    path.write_text(yaml.safe_dump({"version": 1, "rules": [rule]}), encoding="utf-8")
    return path


# -- every operator: its template in the fast pass agrees with its reference test ----------

OPERAND_TABLE: dict[str, list[Any]] = {
    "equals": [True, False, 1, 0, 1.5, "active", "", None, [1, "a"], {"a": 1}],
    "not_equals": [True, 0, "active", None, [1]],
    "in": [[1, "a", None], [True], ["active", "inactive"], [0.5, 1800]],
    "not_in": [[1, "a", None], [False], ["xx"]],
    "lt": [1, 0.5, -3, 1800, "2024-01-01", ""],
    "lte": [1800, 0, 1.2, "m"],
    "gt": [0, -1.5, 10, "a"],
    "gte": [0, 0.7, "2024-01-01"],
    "between": [[0, 1], [0.7, 1.2], [-5, 5], ["a", "m"], [3, 3]],
    "matches": ["(?i)^https://", "^x$", "a|b", ""],
    "not_matches": ["(?i)test", "^$"],
    "contains": ["a", 1, None, True, "transfer_call", [1]],
    "not_contains": ["TODO", 0, None],
    "starts_with": ["https://", ["a", "b"]],
    "ends_with": [".example.com", ["x", "y"]],
    "exists": [True, False],
    "empty": [True, False],
    "length": [0, 3, {"lte": 5}, {"between": [1, 3], "not_in": [2]}, {"gt": 0, "lt": 4}],
    "type": [
        "string",
        "number",
        "integer",
        "boolean",
        "object",
        "list",
        "null",
        ["number", "null"],
        ["string", "integer"],
        ["integer", "number"],
    ],
    "no_secrets": [True],
}
"""Operands for every operator of ``OPERATORS`` (a new operator needs a row here)."""
OPERATOR_OPERANDS = [
    (name, operand) for name, operands in OPERAND_TABLE.items() for operand in operands
]
OPERATOR_AND_OPERAND = st.sampled_from(OPERATOR_OPERANDS)
PRESENT = JSON.filter(lambda v: v is not None)
"""A present, non-null value: what an operator's test and template are applied to."""
EVERY_KIND = [
    True, False, 0, 1, 2, -3, 0.5, 1.0, 1.2, 5.0, 1800, 1801, 2**70, float("nan"),
    float("inf"), "", "  ", "a", "active", "m", "z", "2024-01-01", "https://x.example.com",
    "TODO later", "api_key=abcdefgh12345678", "x" * 301, [], [1], [1, "a"], ["transfer_call"],
    [None], {}, {"a": 1}, {"transfer_call": 1}, {"x": None},
]  # fmt: skip
"""Values of every JSON type and the edges the operators care about."""


def test_the_operand_table_covers_every_operator() -> None:
    assert set(OPERAND_TABLE) == set(OPERATORS)


CALLED = {"matches", "not_matches", "contains", "not_contains", "no_secrets"}
"""The operators whose test the fast pass calls instead of inlining a template."""


@pytest.mark.parametrize(("name", "operand"), OPERATOR_OPERANDS)
def test_every_other_operator_has_a_template(name: str, operand: Any) -> None:
    assert (OPERATORS[name].build(operand).template is None) is (name in CALLED)


def inlined(op: Op, number: bool) -> Callable[[Any], bool]:
    """The operator's test as the fast pass writes it inline, as a function of ``v``."""
    gen = _Generator()
    source = gen._inline(op, "v", number)
    exec(f"def inline(v):\n    return {source}", gen.namespace)  # noqa: S102 - our templates
    inline: Callable[[Any], bool] = gen.namespace["inline"]
    return inline


@pytest.mark.parametrize(("name", "operand"), OPERATOR_OPERANDS)
def test_every_operator_template_agrees_with_its_test_on_every_kind_of_value(
    name: str, operand: Any
) -> None:
    agree(name, operand, EVERY_KIND)


@PROPERTY
@given(OPERATOR_AND_OPERAND, st.lists(PRESENT, max_size=8))
def test_every_operator_template_agrees_with_its_test(
    operator: tuple[str, Any], values: list[Any]
) -> None:
    agree(*operator, values)


def agree(name: str, operand: Any, values: list[Any]) -> None:
    """The fast pass's inline form of the operator gives its test's answer on each value."""
    op = OPERATORS[name].build(operand)
    inline, inline_on_numbers = inlined(op, number=False), inlined(op, number=True)
    for value in values:
        assert bool(inline(value)) is bool(op.test(value)), (name, operand, value)
        if type(value) in (int, float):  # where the fast pass knows it has a number
            assert bool(inline_on_numbers(value)) is bool(op.test(value)), (name, operand, value)


TABLE_LEAVES = st.builds(
    lambda path, pair: {path: {pair[0]: pair[1]}},
    st.sampled_from(["record", "status", "max_duration", "variables.region", "tools[0]"]),
    OPERATOR_AND_OPERAND,
)
TABLE_CONDITIONS = st.recursive(
    TABLE_LEAVES,
    lambda inner: (
        st.builds(lambda items: {"all": items}, st.lists(inner, min_size=1, max_size=3))
        | st.builds(lambda items: {"any": items}, st.lists(inner, min_size=1, max_size=3))
        | st.builds(lambda item: {"not": item}, inner)
        | st.dictionaries(st.sampled_from(["status", "record", "temperature"]), SCALARS, min_size=1)
    ),
    max_leaves=6,
)


@PROPERTY
@given(
    when=st.none() | TABLE_CONDITIONS,
    require=TABLE_CONDITIONS,
    missing=st.booleans(),
    records=st.lists(RECORDS, max_size=4),
)
def test_rules_from_every_operator_agree_in_the_fast_pass_and_the_closures(
    scratch: Path, when: Any, require: Any, missing: bool, records: list[dict[str, Any]]
) -> None:
    rules = load_policies([rule_file(scratch / "table.yaml", when, require, missing)]).selected()
    fast, slow = build_runner(rules), reference_runner(rules)
    for record in records:
        assert fast(record) == slow(record)


def test_a_fast_pass_that_does_not_compile_falls_back_to_the_closures(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: Any) -> None:
        raise SyntaxError("refused")

    monkeypatch.setattr(fastpath, "compile", refuse, raising=False)
    rules = PACK.selected()
    run = build_runner(rules)
    record = {"uuid": "u", "status": "active", "record": False, "max_duration": 3600}
    assert run(record) == reference_runner(rules)(record)
    assert run(record)  # the record breaks rules: the fallback really decided


# -- random conditions over random records ----------------------------------------------------

OPERANDS = st.recursive(
    SCALARS | st.sampled_from(["(?i)^https://", "(", "[a-", "a{2,1}", "^x$"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from([*OPERATORS, "param"]), inner, max_size=2)
    ),
    max_leaves=5,
)
PATHS = st.sampled_from(
    [
        "record",
        "status",
        "variables.region",
        "tools[*].name",
        "tools[0]",
        "variables[*]",
        "a..b",
        "x[*][*]",
    ]
)
OPERATOR_MAPS = st.dictionaries(
    st.sampled_from([*OPERATORS, "bogus"]), OPERANDS, min_size=1, max_size=3
)
CONDITIONS = st.recursive(
    st.dictionaries(PATHS, OPERATOR_MAPS | SCALARS, min_size=1, max_size=3),
    lambda inner: st.dictionaries(
        st.sampled_from(["all", "any", "not"]) | PATHS,
        st.lists(inner, max_size=3) | inner | OPERATOR_MAPS,
        min_size=1,
        max_size=2,
    ),
    max_leaves=6,
)


def load_or_problems(path: Path) -> tuple[PolicySet | None, list[str]]:
    """The loaded set, or the problems; any other exception fails the test."""
    try:
        return load_policies([path]), []
    except PolicyError as exc:
        return None, exc.problems


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("policies")


@PROPERTY
@given(
    when=st.none() | CONDITIONS,
    require=CONDITIONS,
    missing=st.booleans(),
    records=st.lists(RECORDS, max_size=4),
)
def test_random_rules_load_or_fail_cleanly_and_never_crash_evaluation(
    scratch: Path, when: Any, require: Any, missing: bool, records: list[dict[str, Any]]
) -> None:
    path = rule_file(scratch / "rule.yaml", when, require, missing)
    policy_set, problems = load_or_problems(path)
    if policy_set is None:
        assert problems
        assert all(p.startswith(display_path(path)) for p in problems)
        return
    listing = Listing("s", "t", {str(i): r for i, r in enumerate(records)})
    result = evaluate(policy_set, [listing])
    expected = sum(1 for r in records if reference(policy_set, r))
    assert len(result.violations) == expected


# -- random policy files ----------------------------------------------------------------------

KEYS = st.sampled_from(
    [
        *TOP_KEYS,
        *RULE_KEYS,
        *WAIVER_KEYS,
        *DRIFT_KEYS,
        *OPERATORS,
        "all",
        "any",
        "not",
        "param",
        "record",
        "status",
        "max_duration",
    ]
)
YAML_VALUES = st.recursive(
    SCALARS
    | st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 1, 1))
    | st.sampled_from(
        ["builtin:default", "builtin:x", "id:1", "name:*", "high", "pass", "*-range"]
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(KEYS | st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=25,
)
DOCUMENTS = (
    st.dictionaries(st.sampled_from(TOP_KEYS) | st.text(max_size=5), YAML_VALUES, max_size=6)
    | YAML_VALUES
)


@PROPERTY
@given(DOCUMENTS)
def test_random_policy_documents_load_or_raise_policy_error(scratch: Path, document: Any) -> None:
    path = scratch / "random.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    policy_set, problems = load_or_problems(path)
    assert (policy_set is None) == bool(problems)
    assert all(isinstance(p, str) and p for p in problems)


@PROPERTY
@given(st.text(max_size=200))
def test_random_text_loads_or_raises_policy_error(scratch: Path, text: str) -> None:
    path = scratch / "text.yaml"
    path.write_text(text, encoding="utf-8")
    policy_set, problems = load_or_problems(path)
    assert (policy_set is None) == bool(problems)


@PROPERTY
@given(DOCUMENTS.map(lambda d: yaml.safe_dump(d, allow_unicode=True)) | st.text(max_size=200))
def test_random_policy_files_through_the_cli_exit_0_or_2_with_a_message(
    scratch: Path, text: str
) -> None:
    """``auditor policy validate`` (the loader ``audit`` uses too): ok, or exit 2 with
    every problem on an ``error: file:line: message`` line — never a crash."""
    path = scratch / "cli.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["policy", "validate", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert lines
        assert all(line.startswith("error: ") and len(line) > len("error: ") for line in lines)
        assert lines[0].startswith(f"error: {display_path(path)}")
