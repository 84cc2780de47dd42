"""Conditions: every operator and combinator, paths, missing fields, types, booleans.

Each case compiles a condition (as YAML, the way a policy writes it), evaluates it on a
record, and checks the outcome (pass / fail / unknown) and the finding's words. Every
outcome is also checked against the generated fast pass, which must agree.
"""

from __future__ import annotations

from typing import Any

import pytest

from auditor.model import RuleInfo, Severity
from auditor.policy.conditions import CompileContext, Mode, Node, Problems, compile_condition
from auditor.policy.fastpath import build_runner
from auditor.policy.rules import CompiledRule
from auditor.yamlio import load_yaml


def compile_text(
    text: str, mode: Mode = Mode.REQUIRE, params: dict[str, Any] | None = None
) -> Node:
    problems = Problems("t.yaml")
    node = compile_condition(
        load_yaml(text, "t.yaml"), CompileContext(problems, params or {}), mode, 1
    )
    assert not problems.items, problems.rendered()
    return node


def problems_of(text: str, params: dict[str, Any] | None = None) -> list[str]:
    problems = Problems("t.yaml")
    compile_condition(
        load_yaml(text, "t.yaml"), CompileContext(problems, params or {}), Mode.REQUIRE, 1
    )
    return problems.rendered()


def outcome(text: str, record: dict[str, Any], missing_pass: bool = False) -> tuple[str, str]:
    """("pass" | "fail" | "unknown", message) for ``require: <text>``; fast pass agrees."""
    node = compile_text(text)
    failure = node.check(record)
    verdict = "pass" if failure is None else ("unknown" if failure.unknown else "fail")
    rule = CompiledRule(RuleInfo("r", "r", Severity.LOW), node, None, missing_pass=missing_pass)
    fast_pass = build_runner([rule])(record) == ()
    assert fast_pass == (verdict == "pass" or (missing_pass and verdict == "unknown")), (
        text,
        record,
    )
    return verdict, failure.message() if failure is not None else ""


def holds(text: str, record: dict[str, Any]) -> bool | None:
    """The ``when`` outcome (True / False / None for unknown); the fast pass agrees."""
    node = compile_text(text, Mode.WHEN)
    result = node.check(record)
    always = compile_text("{zz_never_there: {exists: false}}")
    rule = CompiledRule(RuleInfo("r", "r", Severity.LOW), always, node)
    applies = build_runner([rule])  # require always passes: nothing is ever "bad"
    assert applies(record) == ()
    never = compile_text("{zz_never_there: {exists: true}}")
    probe = CompiledRule(RuleInfo("r", "r", Severity.LOW), never, node)
    assert (build_runner([probe])(record) != ()) == (result is True), (text, record)
    return result


OPERATOR_CASES = [
    # (condition, record, outcome, text in the message)
    ("{status: active}", {"status": "active"}, "pass", ""),
    ("{status: active}", {"status": "inactive"}, "fail", "status must be 'active', is 'inactive'"),
    ("{status: active}", {}, "unknown", "status must be 'active', is missing"),
    ("{status: active}", {"status": None}, "unknown", "is null"),
    ("{status: {equals: active}}", {"status": ["active"]}, "fail", 'is a list ["active"]'),
    ("{record: true}", {"record": True}, "pass", ""),
    ("{record: true}", {"record": 1}, "pass", ""),
    ("{record: true}", {"record": 0}, "fail", "record must be true, is 0"),
    ("{record: false}", {"record": 0}, "pass", ""),
    ("{record: false}", {"record": False}, "pass", ""),
    ("{record: true}", {"record": "true"}, "fail", "is 'true'"),
    ("{record: true}", {"record": 2}, "fail", "is 2"),
    ("{fillers: 1}", {"fillers": True}, "pass", ""),
    ("{max_duration: 1800}", {"max_duration": 1800.0}, "pass", ""),
    ("{max_duration: 1800}", {"max_duration": "1800"}, "fail", "must be 1800, is '1800'"),
    ("{knowledgebase_id: null}", {}, "pass", ""),
    ("{knowledgebase_id: null}", {"knowledgebase_id": None}, "pass", ""),
    ("{knowledgebase_id: null}", {"knowledgebase_id": 4}, "fail", "must be null, is 4"),
    ("{tools: []}", {"tools": []}, "pass", ""),
    ("{type: {not_equals: outbound}}", {"type": "inbound"}, "pass", ""),
    ("{type: {not_equals: outbound}}", {"type": "outbound"}, "fail", "must not be 'outbound'"),
    ("{type: {not_equals: outbound}}", {}, "unknown", "is missing"),
    ("{kb: {not_equals: null}}", {}, "fail", "must not be null, is missing"),
    ("{kb: {not_equals: null}}", {"kb": 3}, "pass", ""),
    ("{mode: {in: [pipeline, dualplex]}}", {"mode": "dualplex"}, "pass", ""),
    (
        "{mode: {in: [pipeline, dualplex]}}",
        {"mode": "multimodal"},
        "fail",
        "must be one of 'pipeline' or 'dualplex'",
    ),
    ("{mode: {in: [pipeline]}}", {"mode": {"x": 1}}, "fail", "is an object"),
    ("{mode: {in: [null, pipeline]}}", {}, "pass", ""),
    ("{record: {in: [true]}}", {"record": 1}, "pass", ""),
    ("{mode: {not_in: [multimodal]}}", {"mode": "pipeline"}, "pass", ""),
    ("{mode: {not_in: [multimodal]}}", {"mode": "multimodal"}, "fail", "must not be 'multimodal'"),
    ("{mode: {not_in: [null]}}", {}, "fail", ""),
    ("{x: {lt: 5}}", {"x": 4.5}, "pass", ""),
    ("{x: {lt: 5}}", {"x": 5}, "fail", "x must be < 5, is 5"),
    ("{x: {lte: 1800}}", {"x": 1800}, "pass", ""),
    ("{x: {lte: 1800}}", {"x": 3600}, "fail", "x must be ≤ 1800, is 3600"),
    ("{x: {lte: 1800}}", {"x": "900"}, "fail", "x must be a number ≤ 1800, is the string '900'"),
    ("{x: {lte: 1800}}", {"x": True}, "fail", "x must be a number ≤ 1800, is the boolean true"),
    ("{x: {lte: 1800}}", {"x": [1]}, "fail", "x must be a number ≤ 1800, is a list [1]"),
    ("{x: {lte: 1800}}", {}, "unknown", "x must be ≤ 1800, is missing"),
    ("{x: {gt: 0}}", {"x": 0}, "fail", "x must be > 0, is 0"),
    ("{x: {gt: 0}}", {"x": 1e-9}, "pass", ""),
    ("{x: {gte: 0}}", {"x": 0}, "pass", ""),
    ("{x: {gte: 0}}", {"x": -1}, "fail", "x must be ≥ 0, is -1"),
    ("{x: {gte: '2024-01-01'}}", {"x": "2024-03-01T10:00:00Z"}, "pass", ""),
    ("{x: {gte: '2024-01-01'}}", {"x": "2023-12-31"}, "fail", "must be ≥ '2024-01-01'"),
    (
        "{x: {gte: '2024-01-01'}}",
        {"x": 20240101},
        "fail",
        "must be a string ≥ '2024-01-01', is the number",
    ),
    ("{x: {gte: 2024-01-01}}", {"x": "2024-06-01"}, "pass", ""),
    ("{x: {between: [0.7, 1.2]}}", {"x": 0.7}, "pass", ""),
    ("{x: {between: [0.7, 1.2]}}", {"x": 1.2}, "pass", ""),
    ("{x: {between: [0.7, 1.2]}}", {"x": 1.21}, "fail", "x must be between 0.7 and 1.2, is 1.21"),
    (
        "{x: {between: [0, 1]}}",
        {"x": "0.5"},
        "fail",
        "x must be a number between 0 and 1, is the string '0.5'",
    ),
    ("{x: {between: [a, c]}}", {"x": "b"}, "pass", ""),
    (
        "{x: {gt: 0, lte: 1800}}",
        {"x": "900"},
        "fail",
        "x must be a number > 0 and ≤ 1800, is the string '900'",
    ),
    ("{x: {gt: 0, lte: 1800}}", {"x": 3600}, "fail", "x must be ≤ 1800, is 3600"),
    ("{u: {matches: '(?i)^https://'}}", {"u": "HTTPS://a"}, "pass", ""),
    (
        "{u: {matches: '(?i)^https://'}}",
        {"u": "http://a"},
        "fail",
        "u must match '(?i)^https://', is 'http://a'",
    ),
    (
        "{u: {matches: '^https://'}}",
        {"u": 5},
        "fail",
        "u must be a string matching '^https://', is the number 5",
    ),
    ("{u: {matches: 'b'}}", {"u": "abc"}, "pass", ""),
    ("{u: {not_matches: '(?i)test'}}", {"u": "Prod line"}, "pass", ""),
    ("{u: {not_matches: '(?i)test'}}", {"u": "TEST line"}, "fail", "must not match"),
    ("{u: {not_matches: 'x'}}", {"u": 3}, "fail", "must be a string not matching"),
    ("{p: {contains: TODO}}", {"p": "a TODO b"}, "pass", ""),
    ("{p: {contains: TODO}}", {"p": "done"}, "fail", "p must contain 'TODO', is 'done'"),
    ("{p: {contains: transfer}}", {"p": ["transfer", "hangup"]}, "pass", ""),
    ("{p: {contains: region}}", {"p": {"region": "eu"}}, "pass", ""),
    ("{p: {contains: 5}}", {"p": "555"}, "fail", ""),
    ("{p: {contains: [1]}}", {"p": {"a": 1}}, "fail", ""),
    (
        "{p: {contains: x}}",
        {"p": 12},
        "fail",
        "must be a string, list or object containing 'x', is the number 12",
    ),
    ("{p: {not_contains: TODO}}", {"p": "fine"}, "pass", ""),
    ("{p: {not_contains: TODO}}", {"p": "a TODO"}, "fail", "must not contain 'TODO'"),
    ("{p: {not_contains: a}}", {"p": ["b"]}, "pass", ""),
    ("{p: {not_contains: a}}", {"p": True}, "fail", "is the boolean true"),
    ("{u: {starts_with: 'https://'}}", {"u": "https://x"}, "pass", ""),
    ("{u: {starts_with: [ftp, 'https://']}}", {"u": "ftp.x"}, "pass", ""),
    ("{u: {starts_with: 'https://'}}", {"u": "http://x"}, "fail", "u must start with 'https://'"),
    ("{u: {ends_with: .example.com}}", {"u": "a.example.com"}, "pass", ""),
    (
        "{u: {ends_with: .example.com}}",
        {"u": ["a.example.com"]},
        "fail",
        "must be a string ending with",
    ),
    ("{p: {exists: true}}", {"p": 0}, "pass", ""),
    ("{p: {exists: true}}", {"p": None}, "fail", "p must be present, is null"),
    ("{p: {exists: true}}", {}, "fail", "p must be present, is missing"),
    ("{p: {exists: false}}", {}, "pass", ""),
    ("{p: {exists: false}}", {"p": None}, "pass", ""),
    ("{p: {exists: false}}", {"p": ""}, "fail", "p must be absent, is ''"),
    ("{p: {empty: true}}", {}, "pass", ""),
    ("{p: {empty: true}}", {"p": "  "}, "pass", ""),
    ("{p: {empty: true}}", {"p": []}, "pass", ""),
    ("{p: {empty: true}}", {"p": {}}, "pass", ""),
    ("{p: {empty: true}}", {"p": 0}, "fail", "p must be empty, is 0"),
    ("{p: {empty: false}}", {"p": "x"}, "pass", ""),
    ("{p: {empty: false}}", {"p": False}, "pass", ""),
    ("{p: {empty: false}}", {"p": None}, "fail", "p must not be empty, is null"),
    ("{p: {empty: false}}", {"p": ""}, "fail", "p must not be empty, is ''"),
    ("{p: {length: 3}}", {"p": "abc"}, "pass", ""),
    ("{p: {length: 3}}", {"p": [1, 2]}, "fail", "p must have length 3, has length 2"),
    ("{p: {length: {lte: 200}}}", {"p": "é" * 200}, "pass", ""),
    (
        "{p: {length: {lte: 200}}}",
        {"p": "x" * 201},
        "fail",
        "p must have length ≤ 200, has length 201",
    ),
    ("{p: {length: {gt: 0, lt: 3}}}", {"p": {"a": 1, "b": 2}}, "pass", ""),
    ("{p: {length: {between: [1, 2]}}}", {"p": []}, "fail", "has length 0"),
    (
        "{p: {length: {lte: 2}}}",
        {"p": 12},
        "fail",
        "must be a string, list or object of length ≤ 2, is the number 12",
    ),
    ("{p: {length: {lte: 2}}}", {}, "unknown", "is missing"),
    ("{p: {type: string}}", {"p": "x"}, "pass", ""),
    ("{p: {type: string}}", {"p": 1}, "fail", "p must be a string, is the number 1"),
    ("{p: {type: number}}", {"p": 1.5}, "pass", ""),
    ("{p: {type: number}}", {"p": True}, "fail", "is the boolean true"),
    ("{p: {type: integer}}", {"p": 5.0}, "pass", ""),
    ("{p: {type: integer}}", {"p": 5.5}, "fail", "p must be an integer, is the number 5.5"),
    ("{p: {type: boolean}}", {"p": 0}, "pass", ""),
    ("{p: {type: boolean}}", {"p": 2}, "fail", ""),
    ("{p: {type: object}}", {"p": {}}, "pass", ""),
    ("{p: {type: list}}", {"p": []}, "pass", ""),
    ("{p: {type: list}}", {"p": "[]"}, "fail", "p must be a list, is the string '[]'"),
    ("{p: {type: null}}", {"p": None}, "pass", ""),
    ("{p: {type: null}}", {}, "unknown", ""),
    ("{p: {type: [string, null]}}", {"p": None}, "pass", ""),
    (
        "{p: {type: [string, null]}}",
        {"p": 3},
        "fail",
        "p must be a string or null, is the number 3",
    ),
    ("{p: {no_secrets: true}}", {"p": "hello there"}, "pass", ""),
    ("{p: {no_secrets: true}}", {}, "pass", ""),
    ("{p: {no_secrets: true}}", {"p": None}, "pass", ""),
    ("{p: {no_secrets: true}}", {"p": 42}, "pass", ""),
    (
        "{p: {no_secrets: true}}",
        {"p": "use ghp_abcdefghijklmnopqrstuvwxyz0123456789"},
        "fail",
        "p must not contain secrets (API keys, tokens, passwords), "
        "contains what looks like a GitHub token",
    ),
    ("{p: {no_secrets: true}}", {"p": {"k": ["password=hunter2hunter2"]}}, "fail", "credential"),
    ("{p: {no_secrets: true}}", {"p": {"sk-abcdefghijklmnopqrstuvwx": 1}}, "fail", "API key"),
    ("{p: {no_secrets: true}}", {"p": "x <redacted:sha256:0123456789abcdef> y"}, "fail", "masked"),
]


@pytest.mark.parametrize(("condition", "record", "expected", "message"), OPERATOR_CASES)
def test_operator(condition: str, record: dict[str, Any], expected: str, message: str) -> None:
    verdict, text = outcome(condition, record)
    assert verdict == expected, text
    assert message in text


INLINED = (
    "{empty: true}",
    "{empty: false}",
    "{length: 0}",
    "{length: 2.0}",
    "{length: {lte: 2}}",
    "{length: {gt: 0, lt: 3}}",
    "{length: {between: [1, 2]}}",
    "{length: {in: [0, 2]}, not_equals: 'ab'}",
    "{length: {not_in: [1]}}",
    *(f"{{type: {name}}}" for name in ("string", "number", "integer", "boolean", "object")),
    *(f"{{type: {name}}}" for name in ("list", "null", "[integer, string]")),
    "{gt: 0, lte: 1800}",
    "{gte: 0, matches: '^a', lt: 2}",
    "{gt: 'a', lt: 'b'}",
    "{type: integer, between: [0, 10]}",
    "{between: [0, 10], type: number, lt: 5}",
    "{type: number, gt: 'a'}",
)
INLINE_VALUES: tuple[Any, ...] = (
    "", " ", "ab", "é🎧", "  x ", [], [1], [1, 2], {}, {"a": 1, "b": 2}, 0, 1, 2, -1, 0.0,
    1.0, 2.5, float("inf"), float("nan"), True, False, None,
)  # fmt: skip


@pytest.mark.parametrize("operators", INLINED)
def test_inlined_operators_agree_with_their_closures(operators: str) -> None:
    """``empty``, ``length``, ``type`` and the orderings' shared type test are written
    out in the fast pass: same verdicts."""
    for value in INLINE_VALUES:
        outcome(f"{{p: {operators}}}", {"p": value})  # asserts the fast pass agrees
        outcome(f"{{p: {operators}}}", {"p": value}, missing_pass=True)


def test_secret_messages_never_contain_the_secret() -> None:
    secret = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    _, text = outcome("{p: {no_secrets: true}}", {"p": f"token {secret}"})
    assert secret not in text


def test_long_values_are_cut_in_the_message_but_kept_as_actual() -> None:
    node = compile_text("{p: {length: {lte: 5}}}")
    failure = node.check({"p": "x" * 500})
    assert failure is not None
    assert failure.value == "x" * 500
    node = compile_text("{p: short}")
    failure = node.check({"p": "y" * 500})
    assert failure is not None
    assert len(failure.message()) < 120
    assert "…" in failure.message()
    assert failure.value == "y" * 500


UNICODE_CASES = [
    ("{name: Zoë}", {"name": "Zoë"}, "pass"),
    ("{name: {matches: '^Zo'}}", {"name": "Zoë 🎧"}, "pass"),
    ("{name: {length: 2}}", {"name": "🎧é"}, "pass"),
    ("{name: {starts_with: 'Ü'}}", {"name": "über"}, "fail"),
]


@pytest.mark.parametrize(("condition", "record", "expected"), UNICODE_CASES)
def test_unicode(condition: str, record: dict[str, Any], expected: str) -> None:
    assert outcome(condition, record)[0] == expected


PATH_CASES = [
    ("{variables.region: eu}", {"variables": {"region": "eu"}}, "pass", ""),
    (
        "{variables.region: eu}",
        {"variables": {"region": "us"}},
        "fail",
        "variables.region must be 'eu'",
    ),
    (
        "{variables.region: eu}",
        {"variables": {}},
        "unknown",
        "variables.region must be 'eu', is missing",
    ),
    ("{variables.region: eu}", {"variables": "eu"}, "unknown", "is missing"),
    ("{variables.region: eu}", {}, "unknown", ""),
    ("{a.b.c: 1}", {"a": {"b": {"c": 1}}}, "pass", ""),
    ("{'tools[0]': x}", {"tools": ["x", "y"]}, "pass", ""),
    ("{'tools[1]': x}", {"tools": ["x", "y"]}, "fail", "tools[1] must be 'x', is 'y'"),
    ("{'tools[5]': x}", {"tools": ["x"]}, "unknown", ""),
    ("{'tools[0]': x}", {"tools": "xy"}, "unknown", ""),
    # [*] in require: every element
    ("{'tools[*].name': {exists: true}}", {"tools": [{"name": "a"}, {"name": "b"}]}, "pass", ""),
    (
        "{'tools[*].name': {exists: true}}",
        {"tools": [{"name": "a"}, {}]},
        "fail",
        "tools[1].name must be present, is missing",
    ),
    (
        "{'tools[*].name': {starts_with: a}}",
        {"tools": [{"name": "ab"}, {"name": "b"}]},
        "fail",
        "tools[1].name must start with 'a', is 'b'",
    ),
    (
        "{'tools[*].name': {starts_with: a}}",
        {"tools": [{"name": "ab"}, {}]},
        "unknown",
        "tools[1].name",
    ),
    ("{'tools[*].name': {starts_with: a}}", {"tools": []}, "pass", ""),
    (
        "{'tools[*].name': {starts_with: a}}",
        {},
        "unknown",
        "tools[*].name must start with 'a', is missing",
    ),
    ("{'tools[*].name': {starts_with: a}}", {"tools": None}, "unknown", ""),
    (
        "{'tools[*].name': {starts_with: a}}",
        {"tools": "abc"},
        "fail",
        "tools must be a list (for [*]), is the string 'abc'",
    ),
    ("{'tools[*].name': {starts_with: a}}", {"tools": 7}, "fail", "must be a list"),
    (
        "{'tools[*]': {type: object}}",
        {"tools": [{}, 3]},
        "fail",
        "tools[1] must be an object, is the number 3",
    ),
    (
        "{'variables[*]': {type: string}}",
        {"variables": {"a": "x", "b": 2}},
        "fail",
        "variables.b must be a string",
    ),
    ("{'variables[*]': {type: string}}", {"variables": {"a b": 2}}, "fail", "variables['a b']"),
    (
        "{'tools[*].args[*]': {type: string}}",
        {"tools": [{"args": ["a"]}, {"args": ["b", 1]}]},
        "fail",
        "tools[1].args[1]",
    ),
    (
        "{'tools[*].args[*]': {type: string}}",
        {"tools": [{"args": []}, {"args": ["b"]}]},
        "pass",
        "",
    ),
]


@pytest.mark.parametrize(("condition", "record", "expected", "message"), PATH_CASES)
def test_paths(condition: str, record: dict[str, Any], expected: str, message: str) -> None:
    verdict, text = outcome(condition, record)
    assert verdict == expected, text
    assert message in text


WHEN_CASES = [
    ("{status: active}", {"status": "active"}, True),
    ("{status: active}", {"status": "inactive"}, False),
    ("{status: active}", {}, None),
    ("{is_webhook_active: true}", {"is_webhook_active": 1}, True),
    ("{is_webhook_active: true}", {"is_webhook_active": 0}, False),
    # [*] in when: some element
    ("{'tools[*].type': transfer}", {"tools": [{"type": "x"}, {"type": "transfer"}]}, True),
    ("{'tools[*].type': transfer}", {"tools": [{"type": "x"}]}, False),
    ("{'tools[*].type': transfer}", {"tools": []}, False),
    ("{'tools[*].type': transfer}", {"tools": [{}]}, None),
    ("{'tools[*].type': transfer}", {"tools": "transfer"}, False),
    ("{'tools[*].type': transfer}", {}, None),
    ("{not: {'tools[*].type': transfer}}", {"tools": [{"type": "x"}]}, True),
    ("{not: {status: active}}", {"status": "inactive"}, True),
    ("{not: {status: active}}", {}, None),
    ("{any: [{status: active}, {type: outbound}]}", {"type": "outbound"}, True),
    ("{any: [{status: active}, {type: outbound}]}", {"type": "inbound"}, None),
    ("{any: [{status: active}, {type: outbound}]}", {"type": "inbound", "status": "x"}, False),
    ("{all: [{status: active}, {type: outbound}]}", {"status": "active"}, None),
    ("{all: [{status: active}, {type: outbound}]}", {"status": "x"}, False),
    ("{status: active, type: outbound}", {"status": "active", "type": "outbound"}, True),
    ("{x: {gt: 1}}", {"x": "5"}, False),
    ("{webhook_url: {empty: false}}", {"webhook_url": None}, False),
    ("{a.b: 1}", {"a": {"b": 1}}, True),
    ("{a: {gt: 0, lt: 5}}", {"a": 3}, True),
    ("{a: {gt: 0, lt: 5}}", {"a": 7}, False),
    ("{a: {gt: 0, exists: true}}", {}, False),
]


@pytest.mark.parametrize(("condition", "record", "expected"), WHEN_CASES)
def test_when(condition: str, record: dict[str, Any], expected: bool | None) -> None:
    assert holds(condition, record) is expected


COMBINATOR_CASES = [
    ("{all: [{a: 1}, {b: 2}]}", {"a": 1, "b": 2}, "pass", ""),
    ("{all: [{a: 1}, {b: 2}]}", {"a": 1, "b": 3}, "fail", "b must be 2, is 3"),
    ("{all: [{a: 1}, {b: 2}]}", {"b": 3}, "fail", "b must be 2"),
    ("{all: [{a: 1}, {b: 2}]}", {"b": 2}, "unknown", "a must be 1, is missing"),
    ("{all: [{a: 1}, {b: 2}, {c: 3}]}", {"a": 1, "b": 2}, "unknown", "c must be 3"),
    ("{all: [{a: 1}, {b: 2}, {c: 3}]}", {"b": 2, "c": 4}, "fail", "c must be 3, is 4"),
    ("{a: 1, b: 2}", {"a": 2, "b": 2}, "fail", "a must be 1, is 2"),
    ("{any: [{a: 1}, {b: 2}]}", {"a": 5, "b": 2}, "pass", ""),
    (
        "{any: [{a: 1}, {b: 2}]}",
        {"a": 5, "b": 5},
        "fail",
        "b must be 2, is 5 (or else: a must be 1, is 5)",
    ),
    ("{any: [{a: 1}, {b: 2}]}", {"a": 5}, "unknown", "b must be 2, is missing"),
    ("{not: {type: outbound}}", {"type": "inbound"}, "pass", ""),
    (
        "{not: {type: outbound}}",
        {"type": "outbound"},
        "fail",
        "type is 'outbound', but the rule requires: not (type is 'outbound')",
    ),
    ("{not: {type: outbound}}", {}, "unknown", "is missing"),
    ("{not: {not: {type: outbound}}}", {"type": "outbound"}, "pass", ""),
    ("{not: {'tools[*]': x}}", {"tools": ["x", "y"]}, "pass", ""),
    ("{not: {'tools[*]': x}}", {"tools": ["x", "x"]}, "fail", "tools[0] is 'x'"),
    ("{not: {'tools[*]': x}}", {"tools": []}, "fail", ""),
    (
        "{any: [{mode: {not_equals: pipeline}}, {llm: {exists: true}}]}",
        {"mode": "pipeline"},
        "fail",
        "llm must be present",
    ),
    ("{all: [{any: [{a: 1}, {b: 1}]}, {not: {c: 1}}]}", {"a": 1, "c": 2}, "pass", ""),
    ("{all: [{any: [{a: 1}, {b: 1}]}, {not: {c: 1}}]}", {"a": 1, "c": 1}, "fail", "c is 1"),
    ("{any: [{all: [{a: 1}, {b: 1}]}, {c: {exists: true}}]}", {"a": 1, "b": 1}, "pass", ""),
]


@pytest.mark.parametrize(("condition", "record", "expected", "message"), COMBINATOR_CASES)
def test_combinators(condition: str, record: dict[str, Any], expected: str, message: str) -> None:
    verdict, text = outcome(condition, record)
    assert verdict == expected, text
    assert message in text


def test_missing_pass_turns_unknown_into_pass_but_not_definite_failures() -> None:
    assert outcome("{t: {between: [0, 1]}}", {}, missing_pass=True)[0] == "unknown"
    assert outcome("{t: {between: [0, 1]}}", {"t": "0.5"}, missing_pass=True)[0] == "fail"
    assert outcome("{any: [{a: 1}, {b: 2}]}", {"a": 3}, missing_pass=True)[0] == "unknown"
    assert outcome("{all: [{a: 1}, {b: 2}]}", {"a": 3}, missing_pass=True)[0] == "fail"


def test_params_are_resolved_at_compile_time() -> None:
    node = compile_text("{x: {lte: {param: limit}}}", params={"limit": 10})
    assert node.check({"x": 10}) is None
    failure = node.check({"x": 11})
    assert failure is not None
    assert failure.message() == "x must be ≤ 10, is 11"
    assert node.params == ("limit",)
    node = compile_text("{x: {param: wanted}}", params={"wanted": "eu"})
    assert node.check({"x": "eu"}) is None
    node = compile_text("{x: {in: [{param: a}, b]}}", params={"a": "z"})
    assert node.check({"x": "z"}) is None


def test_a_scalar_under_a_wildcard_is_the_actual_value() -> None:
    failure = compile_text("{'tools[*].name': {exists: true}}").check({"tools": "abc"})
    assert failure is not None
    assert (failure.path, failure.value, failure.unknown) == ("tools", "abc", False)


def test_expected_words() -> None:
    failure = compile_text("{x: {gt: 0, lte: 1800}}").check({"x": 3600})
    assert failure is not None
    assert failure.expected == "> 0 and ≤ 1800"
    failure = compile_text("{record: true}").check({"record": False})
    assert failure is not None
    assert (failure.path, failure.value, failure.expected) == ("record", False, "true")
    failure = compile_text("{record: true}").check({})
    assert failure is not None
    assert failure.value is None


BAD_CONDITIONS = [
    ("{x: {lessthan: 5}}", "t.yaml:1: x: unknown operator 'lessthan'"),
    ("{x: {lte: [5]}}", "lte takes a number (or a string, compared as text), not a list [5]"),
    ("{x: {lte: true}}", "not the boolean true"),
    ("{x: {lte: .nan}}", "lte takes a number"),
    ("{x: {between: [2, 1]}}", "the low bound 2 is above the high bound 1"),
    ("{x: {between: [1]}}", "between takes a list of two bounds"),
    ("{x: {between: [1, b]}}", "between takes two numbers (or two strings)"),
    (
        "{x: {matches: '(unclosed'}}",
        "matches: bad regular expression '(unclosed': missing ) at position 9",
    ),
    ("{x: {matches: 5}}", "matches takes a regular expression (a string)"),
    ("{x: {in: []}}", "in takes a non-empty list"),
    ("{x: {in: a}}", "in takes a non-empty list"),
    ("{x: {exists: yes}}", "exists takes true or false, not the string 'yes'"),
    ("{x: {empty: 1}}", "empty takes true or false"),
    ("{x: {length: -1}}", "length takes a whole number"),
    ("{x: {length: {lte: 2.5}}}", "length: lte takes whole numbers"),
    ("{x: {length: {matches: a}}}", "length: unknown comparison 'matches'"),
    ("{x: {type: text}}", "type: unknown type 'text'"),
    ("{x: {type: strin}}", "did you mean 'string'?"),
    ("{x: {no_secrets: false}}", "no_secrets takes true"),
    ("{x: {starts_with: ''}}", "starts_with takes a non-empty string"),
    ("{x: {lte: {param: nope}}}", "unknown parameter 'nope'"),
    ("{x: {lte: {param: limt}}}", "did you mean 'limit'?"),
    ("{x: {}}", "empty operator map"),
    ("{}", "is empty"),
    ("[a, b]", "must be a mapping of field → value or operators"),
    ("{all: {a: 1}}", "all takes a non-empty list of conditions"),
    ("{any: []}", "any takes a non-empty list of conditions"),
    ("{not: [a]}", "not must be a mapping"),
    ("{lte: 5}", "'lte' is an operator, not a field"),
    ("{'a..b': 1}", "bad field path 'a..b'"),
    ("{'a[x]': 1}", "bad field path"),
    ("{1: 2}", "a field path must be a string, not the number 1"),
    ("{x: {lte: 1, gte: {a: 1}}}", "gte takes a number"),
]


@pytest.mark.parametrize(("condition", "message"), BAD_CONDITIONS)
def test_bad_conditions(condition: str, message: str) -> None:
    problems = problems_of(condition, params={"limit": 1})
    assert problems, condition
    assert any(message in p for p in problems), problems
    assert all(p.startswith("t.yaml:") for p in problems)


def test_unknown_operator_lists_the_known_ones_and_suggests() -> None:
    (problem,) = problems_of("{x: {lesser_than: 5, lt: 3}}")
    assert "unknown operator 'lesser_than'" in problem
    assert "operators: equals, not_equals" in problem
    (problem,) = problems_of("{x: {lte: 1, equal: 2}}")
    assert "did you mean 'equals'?" in problem


def test_every_problem_of_a_condition_is_reported() -> None:
    problems = problems_of("{a: {lte: [1]}, b: {matches: '('}, c: {nope: 1}}")
    assert len(problems) == 3


@pytest.mark.parametrize(
    ("pattern", "quick"),
    [
        (r"(?i)^https://\S+", True),
        (r"(?i)\b(AI|A\.I\.|virtual (assistant|agent)|bot)\b", True),
        ("^x$", True),
        ("[ab]+c", True),
        ("^(a+)+$", False),  # nested repetition
        ("^(a|a)+$", False),  # alternation under a repetition
        ("(x|a+)", False),  # repetition inside an alternation
        ("a*b*", False),  # two repetitions
        (r"(a)\1", False),  # backreference
        ("(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)(a|a)b", False),  # 128 ways
    ],
)
def test_only_patterns_re_cannot_make_slow_skip_the_time_limit(pattern: str, quick: bool) -> None:
    from auditor.policy.operators import _quick_search, compile_regex

    search = _quick_search(pattern)
    assert (search is not None) is quick
    slow = compile_regex(pattern, "matches").search
    for text in ("", "x", "aab", "https://a.example", "Hi, I am a bot", "aaaa!", "ab" * 20):
        if search is not None:
            assert (search(text) is None) is (slow(text) is None)


@pytest.mark.parametrize(
    ("text", "ms"),
    [(None, 100), ("250", 250), (" 5 ", 5), ("abc", 100), ("0", 100), ("-1", 100), ("1e9", 100)],
)
def test_the_regex_time_limit_comes_from_the_environment_within_bounds(
    text: str | None, ms: int
) -> None:
    from auditor.policy.operators import _timeout_ms

    assert _timeout_ms(text) == ms
