"""A fast first pass over each record: which rules might fail it?

The closures in ``conditions`` are the reference semantics, and they word every finding.
But calling two or three closures per rule per record costs function calls that a
hand-written ``if`` does not pay, and an audit runs every rule over every assistant.
So when evaluation starts, the rules in force are also turned into *one* Python
function whose body is a flat list of ``if`` statements, as a person would write them::

    if get(c0, M) == c1 and not ((type(v) is int or type(v) is float) and c3 < v <= c4 ...):
        bad += (0,)

It answers only "which rules does this record not pass"; the closures then build the
findings for those (and have the last word). Only generated names (``c0``, ``v``) and
fixed templates appear in the source: keys, operands, patterns and functions are passed
in as constants, never pasted in as text. Shapes it does not inline (``[*]``, ``not``,
very deep nesting) call the compiled closure for that part, so both always agree; a
property test checks that they do.

How unknown (missing-field) outcomes fold into yes/no here: for a formula built from
``all``/``any`` over leaves, "Kleene's answer is true" is the same as "true with every
unknown leaf read as false", and "true or unknown" (a ``missing: pass`` rule) the same
as "true with every unknown leaf read as true". ``not`` is not monotone, which is why it
is left to its closure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from auditor.policy.conditions import FAIL, UNKNOWN, Failure, Mode, Node, missing_verdict
from auditor.policy.operators import Op, is_number
from auditor.policy.paths import MISSING
from auditor.policy.rules import CompiledRule

MAX_DEPTH = 24
"""Deeper condition trees call their closure instead of growing one huge expression."""

Runner = Callable[[dict[str, Any]], tuple[int, ...]]


def _passes_or_unknown(failure: Failure | None) -> bool:
    return failure is None or failure.state == UNKNOWN


class _Generator:
    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {
            "__builtins__": {},
            "type": type,
            "int": int,
            "float": float,
            "str": str,
            "M": MISSING,
            "_pass_or_unknown": _passes_or_unknown,
        }
        self.count = 0

    def const(self, value: Any) -> str:
        name = f"c{self.count}"
        self.count += 1
        self.namespace[name] = value
        return name

    def expr(self, node: Node, unknown: bool, depth: int = 0) -> str:
        """An expression true when ``node`` holds, reading unknown outcomes as ``unknown``."""
        if node.kind == "leaf" and node.path is not None and not node.path.wildcard:
            return self._leaf(node, unknown)
        if node.kind in ("all", "any") and depth < MAX_DEPTH:
            joiner = " and " if node.kind == "all" else " or "
            return "(" + joiner.join(self.expr(c, unknown, depth + 1) for c in node.children) + ")"
        return self._closure(node, unknown)

    def _closure(self, node: Node, unknown: bool) -> str:
        check = self.const(node.check)
        if node.mode is Mode.WHEN:
            return f"({check}(record) is True)"
        if unknown:
            return f"_pass_or_unknown({check}(record))"
        return f"({check}(record) is None)"

    def _leaf(self, node: Node, unknown: bool) -> str:
        assert node.path is not None
        ops = node.ops
        on_missing = _as_bool(missing_verdict(ops, null=False), unknown)
        on_null = _as_bool(missing_verdict(ops, null=True), unknown)
        path = node.path
        getter = (
            f"get({self.const(path.key)}, M)"
            if path.key is not None
            else f"{self.const(path.get)}(record)"
        )
        if (
            len(ops) == 1
            and ops[0].name == "equals"
            and ops[0].operand is not None
            and not on_missing
            and not on_null
        ):
            return f"({getter} == {self.const(ops[0].operand)})"
        tests = " and ".join(self._inline(op) for op in ops)
        if on_missing == on_null and path.key is not None:  # absent and null alike: get → None
            key = self.const(path.key)
            if on_missing:
                return f"((v := get({key})) is None or ({tests}))"
            return f"((v := get({key})) is not None and ({tests}))"
        otherwise = (
            repr(on_missing)
            if on_missing == on_null
            else f"({on_missing!r} if v is M else {on_null!r})"
        )
        return f"(({tests}) if ((v := {getter}) is not M and v is not None) else {otherwise})"

    def _inline(self, op: Op) -> str:
        """A test of the present, non-null value ``v``, as the operator's ``test`` does it."""
        name, operand = op.name, op.operand
        if name == "equals":
            return f"v == {self.const(operand)}"
        if name == "not_equals":
            return f"v != {self.const(operand)}"
        if name == "in":
            return f"v in {self.const(tuple(operand))}"
        if name == "not_in":
            return f"v not in {self.const(tuple(operand))}"
        if name in _COMPARE:
            symbol = _COMPARE[name]
            kind = (
                "(type(v) is int or type(v) is float)" if is_number(operand) else "type(v) is str"
            )
            return f"({kind} and v {symbol} {self.const(operand)})"
        if name == "between":
            low, high = operand
            kind = "(type(v) is int or type(v) is float)" if is_number(low) else "type(v) is str"
            return f"({kind} and {self.const(low)} <= v <= {self.const(high)})"
        if name in ("matches", "not_matches"):
            search = self.const(re.compile(operand).search)
            found = "is not None" if name == "matches" else "is None"
            return f"(type(v) is str and {search}(v) {found})"
        if name == "exists":
            return "True" if operand else "False"
        return f"{self.const(op.test)}(v)"


_COMPARE = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def _as_bool(verdict: tuple[int, Op] | None, unknown: bool) -> bool:
    if verdict is None:
        return True
    return False if verdict[0] == FAIL else unknown


def build_runner(rules: Sequence[CompiledRule]) -> Runner:
    """One function of a record (a dict) → the indexes of the rules it may not pass."""
    gen = _Generator()
    lines = ["def run(record):", "    get = record.get", "    bad = ()"]
    for index, rule in enumerate(rules):
        require = gen.expr(rule.require, unknown=rule.missing_pass)
        if rule.when is not None:
            when = gen.expr(rule.when, unknown=False)
            lines.append(f"    if {when} and not {require}:")
        else:
            lines.append(f"    if not {require}:")
        lines.append(f"        bad += ({index},)")
    lines.append("    return bad")
    source = "\n".join(lines)
    try:
        code = compile(source, "<auditor policy rules>", "exec")
        exec(code, gen.namespace)  # noqa: S102 - generated from fixed templates, see module doc
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return _slow_runner(rules)
    runner: Runner = gen.namespace["run"]
    return runner


def _slow_runner(rules: Sequence[CompiledRule]) -> Runner:
    """The same answer from the closures alone (used if generating code ever fails)."""
    plan = [
        (i, r.when.check if r.when is not None else None, r.require.check, r.missing_pass)
        for i, r in enumerate(rules)
    ]

    def run(record: dict[str, Any]) -> tuple[int, ...]:
        bad: list[int] = []
        for i, when, require, missing_pass in plan:
            if when is not None and when(record) is not True:
                continue
            failure = require(record)
            if failure is None or (missing_pass and failure.state == UNKNOWN):
                continue
            bad.append(i)
        return tuple(bad)

    return run
