"""Properties: nothing in a record crashes evaluation, nothing in a file crashes the loader.

And the generated fast pass always agrees with the compiled closures it stands in for.
"""

from __future__ import annotations

import datetime as dt
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
from auditor.policy import PolicySet, evaluate, load_policies
from auditor.policy.conditions import UNKNOWN
from auditor.policy.fastpath import build_runner
from auditor.policy.loader import DRIFT_KEYS, RULE_KEYS, TOP_KEYS, WAIVER_KEYS, display_path
from auditor.policy.operators import OPERATORS

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
    out = []
    for rule in policy_set.selected():
        if not rule.applies(record):  # the when holds, or could not be decided
            continue
        failure = rule.require.check(record)
        if failure is None or (rule.missing_pass and failure.state == UNKNOWN):
            continue
        out.append(rule.id)
    return out


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
    rule: dict[str, Any] = {"id": "r", "require": require, "missing": "pass" if missing else "fail"}
    if when is not None:
        rule["when"] = when
    path = scratch / "rule.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "rules": [rule]}), encoding="utf-8")
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
