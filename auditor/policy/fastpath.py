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

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from auditor.policy.conditions import FAIL, UNKNOWN, Failure, Mode, Node, missing_verdict
from auditor.policy.operators import TYPES, Op, is_number
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
            "bool": bool,
            "dict": dict,
            "list": list,
            "isinstance": isinstance,
            "len": len,
            "LD": (list, dict),
            "SLD": (str, list, dict),
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
        if node.kind == "undecided" and _plain_equals(node):
            return self._undecided(node)
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
        tests = self._tests(ops)
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

    def _undecided(self, node: Node) -> str:
        """``conditions.lenient``'s leaf inline: equal, or present and undecidable."""
        assert node.path is not None
        operand = node.ops[0].operand
        if isinstance(operand, bool):  # as conditions.undecided: not a boolean, 1 or 0
            doubt = (
                "not (type(v) is bool or ((type(v) is int or type(v) is float) and v in (0, 1)))"
            )
        else:  # not a string, or the word only ignoring case and spaces
            folded = self.const(operand.strip().casefold())
            doubt = f"(type(v) is not str or v.strip().casefold() == {folded})"
        key, wanted = self.const(node.path.key), self.const(operand)
        return f"((v := get({key}, M)) == {wanted} or (v is not M and v is not None and {doubt}))"

    def _tests(self, ops: Sequence[Op], v: str = "v", number: bool = False) -> str:
        """All of ``ops`` on ``v``. Comparisons with numbers test the type of ``v`` once
        (``number``: known already), up front when there are several."""
        tests = []
        if not number and sum(map(_orders_numbers, ops)) > 1:
            tests.append(f"(type({v}) is int or type({v}) is float)")
            number = True
        for op in ops:
            tests.append(self._inline(op, v, number))
            number = number or (op.name == "type" and op.test in _NUMBER_TYPES)
        return " and ".join(tests)

    def _inline(self, op: Op, v: str, number: bool) -> str:
        """A test of the present, non-null value ``v``, as the operator's ``test`` does it.

        ``v`` is the expression tested; ``number``: it is known to be an int or a float.
        """
        name, operand = op.name, op.operand
        if name == "equals":
            return f"{v} == {self.const(operand)}"
        if name == "not_equals":
            return f"{v} != {self.const(operand)}"
        if name == "in":
            return f"{v} in {self.const(tuple(operand))}"
        if name == "not_in":
            return f"{v} not in {self.const(tuple(operand))}"
        if name in _COMPARE:
            kind = self._kind(v, operand, number)
            return f"({kind}{v} {_COMPARE[name]} {self.const(operand)})"
        if name == "between":
            low, high = operand
            kind = self._kind(v, low, number)
            return f"({kind}{self.const(low)} <= {v} <= {self.const(high)})"
        if name in ("matches", "not_matches"):  # the operator's bounded search, compiled once
            return f"{self.const(op.test)}({v})"
        if name == "exists":
            return "True" if operand else "False"
        if name == "empty":  # as operators.is_empty
            text, sized = f"not {v}.strip()", f"isinstance({v}, LD) and not {v}"
            empty = f"({text} if isinstance({v}, str) else ({sized}))"
            return empty if operand else f"(not {empty})"
        if name == "type" and op.test in _TYPE_TESTS:  # one type name: its TYPES test
            return f"({_TYPE_TESTS[op.test].format(v=v)})"
        if name == "length" and op.parts:
            return f"(isinstance({v}, SLD) and {self._tests(op.parts, f'len({v})', True)})"
        return f"{self.const(op.test)}({v})"

    @staticmethod
    def _kind(v: str, operand: Any, number: bool) -> str:
        """The type test an ordering needs before comparing ``v`` with ``operand``."""
        if not is_number(operand):
            return f"type({v}) is str and "
        return "" if number else f"(type({v}) is int or type({v}) is float) and "


_COMPARE = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_TYPE_TESTS = {
    TYPES["string"]: "type({v}) is str",
    TYPES["number"]: "type({v}) is int or type({v}) is float",
    TYPES["integer"]: "type({v}) is int or (type({v}) is float and {v}.is_integer())",
    TYPES["boolean"]: "type({v}) is bool or (type({v}) is int and {v} in (0, 1))",
    TYPES["object"]: "isinstance({v}, dict)",
    TYPES["list"]: "isinstance({v}, list)",
    TYPES["null"]: "{v} is None",
}
"""``type:`` with one type name, as the ``TYPES`` test for it does it."""
_NUMBER_TYPES = (TYPES["number"], TYPES["integer"])


def _plain_equals(node: Node) -> bool:
    """A one-key leaf with a single ``equals`` of a boolean or a word (inlined)."""
    return (
        node.path is not None
        and node.path.key is not None
        and len(node.ops) == 1
        and node.ops[0].name == "equals"
        and isinstance(node.ops[0].operand, (bool, str))
    )


def _orders_numbers(op: Op) -> bool:
    """A comparison with a number, which holds only for an int or a float."""
    if op.name in _COMPARE:
        return is_number(op.operand)
    return op.name == "between" and is_number(op.operand[0])


def _as_bool(verdict: tuple[int, Op] | None, unknown: bool) -> bool:
    if verdict is None:
        return True
    return False if verdict[0] == FAIL else unknown


@lru_cache(maxsize=32)
def cached_runner(rules: tuple[CompiledRule, ...]) -> Runner:
    """``build_runner`` once per tuple of rules (rules compare by identity), so checking
    with the same policy set again (``policy test``, one case after the other) does not
    generate and compile the same code again."""
    return build_runner(rules)


def build_runner(rules: Sequence[CompiledRule]) -> Runner:
    """One function of a record (a dict) → the indexes of the rules it may not pass."""
    gen = _Generator()
    lines = ["def run(record):", "    get = record.get", "    bad = ()"]
    for index, rule in enumerate(rules):
        require = gen.expr(rule.require, unknown=rule.missing_pass)
        if rule.when is not None:
            when = gen.expr(rule.when, unknown=False)
            if rule.lenient_when is not None:  # or it could not be decided: fail closed
                when = f"({when} or {gen.expr(rule.lenient_when, unknown=False)})"
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
        (i, r.applies if r.when is not None else None, r.require.check, r.missing_pass)
        for i, r in enumerate(rules)
    ]

    def run(record: dict[str, Any]) -> tuple[int, ...]:
        bad: list[int] = []
        for i, applies, require, missing_pass in plan:
            if applies is not None and not applies(record):
                continue
            failure = require(record)
            if failure is None or (missing_pass and failure.state == UNKNOWN):
                continue
            bad.append(i)
        return tuple(bad)

    return run
