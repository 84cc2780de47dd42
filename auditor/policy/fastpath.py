"""A fast first pass over each record: which rules might fail it?

The closures in ``conditions`` are the reference semantics, and they word every finding.
But calling two or three closures per rule per record costs function calls that a
hand-written ``if`` does not pay, and an audit runs every rule over every assistant.
So when evaluation starts, the rules in force are also turned into *one* Python
function whose body is a flat list of ``if`` statements, as a person would write them::

    if get(c0, M) == c1 and not ((type(v) is int or type(v) is float) and c3 < v <= c4 ...):
        bad += (0,)

It answers only "which rules does this record not pass"; the closures then build the
findings for those (and have the last word). Nothing here restates what an operator
means: each test is the ``template`` its ``Op`` carries beside its reference ``test``
(``operators``), and the doubt of an undecidable ``when`` is ``conditions.doubt_of``'s.
Only generated names (``c0``, ``v``) and those templates appear in the source: keys,
operands, patterns and functions are passed in as constants, never pasted in as text.
Shapes it does not inline (``[*]``, ``not``, very deep nesting, operators without a
template) call the compiled closure or the operator's test for that part, so both
always agree; a property test checks that they do.

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

from auditor.policy.conditions import (
    FAIL,
    UNKNOWN,
    Failure,
    Mode,
    Node,
    doubt_of,
    missing_verdict,
)
from auditor.policy.operators import NUMBER, TEMPLATE_NAMES, Op
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
            **TEMPLATE_NAMES,
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
        ):  # equal to a non-null operand is false for M and None: no presence test needed
            return self._inline(ops[0], getter, number=False)
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
        doubt = doubt_of(operand)
        assert doubt is not None  # _plain_equals
        names = [self.const(c) for c in doubt.constants]
        test = doubt.template.format(*names, v="v")
        key, wanted = self.const(node.path.key), self.const(operand)
        return f"((v := get({key}, M)) == {wanted} or (v is not M and v is not None and ({test})))"

    def _tests(self, ops: Sequence[Op], v: str = "v", number: bool = False) -> str:
        """All of ``ops`` on ``v``. Comparisons with numbers test the type of ``v`` once
        (``number``: known already), up front when there are several."""
        tests = []
        if not number and sum(map(_orders_numbers, ops)) > 1:
            tests.append(NUMBER.source(v))
            number = True
        for op in ops:
            tests.append(self._inline(op, v, number))
            number = number or op.numeric
        return " and ".join(tests)

    def _inline(self, op: Op, v: str, number: bool) -> str:
        """``op``'s template on the present, non-null value ``v`` (its test, called, if it
        has none); ``number``: ``v`` is known to be an int or a float."""
        if op.template is None:
            return f"{self.const(op.test)}({v})"
        guard = ""
        if op.kind is not None and not (number and op.kind.numeric):
            guard = f"{op.kind.source(v)} and "
        parts = self._tests(op.parts, f"len({v})", number=True) if op.parts else ""
        names = [self.const(c) for c in op.constants]
        return "(" + op.template.format(*names, v=v, guard=guard, parts=parts) + ")"


def _plain_equals(node: Node) -> bool:
    """A one-key leaf with a single ``equals`` of a boolean or a word (inlined)."""
    return (
        node.path is not None
        and node.path.key is not None
        and len(node.ops) == 1
        and node.ops[0].name == "equals"
        and doubt_of(node.ops[0].operand) is not None
    )


def _orders_numbers(op: Op) -> bool:
    """A test that holds only for an int or a float (a comparison with a number)."""
    return op.kind is not None and op.kind.numeric


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
    """One function of a record (a dict) → the indexes of the rules it may not pass.

    Should the generated source not compile (it is built from fixed templates, so this
    is a safety net, tested by making ``compile`` fail), the answer comes from the
    closures alone: ``reference_runner``."""
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
        return reference_runner(rules)
    runner: Runner = gen.namespace["run"]
    return runner


def reference_runner(rules: Sequence[CompiledRule]) -> Runner:
    """The same answer as ``build_runner``'s from the closures alone: the reference the
    property tests hold the generated pass to, and its fallback."""
    plan = [(i, r.applies, r.require.check, r.missing_pass) for i, r in enumerate(rules)]

    def run(record: dict[str, Any]) -> tuple[int, ...]:
        bad: list[int] = []
        for i, applies, require, missing_pass in plan:
            if not applies(record):
                continue
            failure = require(record)
            if failure is None or (missing_pass and failure.state == UNKNOWN):
                continue
            bad.append(i)
        return tuple(bad)

    return run
