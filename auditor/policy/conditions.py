"""Conditions (``when`` / ``require``) compiled once into closures over a record.

A condition is a mapping of field path → value (equality) or → operator map, plus the
combinators ``all``, ``any`` and ``not``; several keys in one mapping must all hold.
``compile_condition`` turns it into a ``Node`` whose ``check`` is a plain function of
the record: paths are pre-split, operators pre-built, regexes pre-compiled, and a
single-key path is one ``dict.get``. Nothing is parsed while records are evaluated,
and no exception is raised on the common path.

Three outcomes, not two. A field that is absent or null is *missing*, and a condition
on a missing field is *unknown* rather than false (Kleene logic: ``not unknown`` is
unknown, ``any`` of false and unknown is unknown, ``all`` of true and unknown is unknown).
In ``require`` an unknown outcome fails the rule ("… is missing": fail closed) unless
the rule says ``missing: pass``; in ``when`` it means the precondition does not hold.
``exists``, ``empty``, ``no_secrets``, ``type: null`` and comparisons with ``null``
decide missing fields themselves, so they are never unknown.

``[*]`` quantifies over the elements of a list (or the values of an object): in
``require`` *every* element must satisfy the field's operators (an empty list passes);
in ``when`` *some* element must (an empty list does not). ``[*]`` on a value that is not
a list or object is a type failure in ``require`` and false in ``when``.

The two modes compile to different closures: ``require`` returns ``None`` (pass) or a
``Failure`` (which knows how to word itself, lazily); ``when`` returns ``True``,
``False`` or ``None`` (unknown).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

from auditor.policy.operators import (
    OPERATORS,
    Op,
    OperandError,
    Predicate,
    did_you_mean,
    is_number,
)
from auditor.policy.paths import MISSING, FieldPath, NotAList, PathError
from auditor.policy.wording import describe, show, type_name
from auditor.yamlio import line_of, plain_value

FAIL: Final = 1
"""A definite failure: the value is there and wrong (or ``exists``/``empty`` said so)."""
UNKNOWN: Final = 2
"""A field the condition needs is missing; the rule's ``missing`` setting decides."""


class Mode(enum.Enum):
    """Where a condition is written, which decides ``[*]`` and what the closure returns."""

    REQUIRE = "require"
    WHEN = "when"


class Reason:
    """Why a condition failed, able to word it: an operator (``Op``) is one, and so are
    a ``[*]`` on a value that is not a list, a ``not`` whose condition held and an
    ``any`` none of whose conditions held."""

    expected: str = ""

    def message(self, path: str, actual: Any) -> str:
        raise NotImplementedError


class Failure:
    """A condition that did not hold for a record: where, what was there, and why."""

    __slots__ = ("actual", "path", "reason", "state")

    def __init__(self, path: str, actual: Any, state: int, reason: Op | Reason) -> None:
        self.path = path
        self.actual = actual
        """The value found; ``MISSING`` when the field is absent."""
        self.state = state
        """``FAIL`` or ``UNKNOWN``."""
        self.reason = reason

    @property
    def unknown(self) -> bool:
        """True when only a missing field stands between the record and a pass."""
        return self.state == UNKNOWN

    @property
    def expected(self) -> str:
        return self.reason.expected

    @property
    def value(self) -> Any:
        """The value found, with ``None`` for a missing field (as findings store it)."""
        if isinstance(self.actual, NotAList):
            return self.actual.value
        return None if self.actual is MISSING else self.actual

    def message(self) -> str:
        """The finding in one sentence: ``max_duration must be ≤ 1800, is 3600``."""
        return self.reason.message(self.path, self.actual)

    def __repr__(self) -> str:
        return f"Failure({self.message()!r})"


class _ListWanted(Reason):
    """``[*]`` met a value that is not a list or an object."""

    expected = "a list"

    def message(self, path: str, actual: Any) -> str:
        value = actual.value if isinstance(actual, NotAList) else actual
        return f"{path} must be a list (for [*]), is {describe(value)}"


_LIST_WANTED = _ListWanted()


class _NegatedHeld(Reason):
    """The condition under a ``not`` held."""

    def __init__(self, text: str) -> None:
        self.text = text.replace("`", "")
        self.expected = f"not ({self.text})"

    def message(self, path: str, actual: Any) -> str:
        if isinstance(actual, NotAList):
            actual = actual.value
        found = "missing" if actual is MISSING else show(actual)
        return f"{path} is {found}, but the rule requires: not ({self.text})"


class _NoAlternativeHeld(Reason):
    """None of the conditions of an ``any`` held; the message gives each failure."""

    def __init__(self, failures: list[Failure], text: str) -> None:
        self.failures = failures
        self.expected = text

    def message(self, path: str, actual: Any) -> str:
        *others, last = self.failures
        text = last.message()
        if others:
            text += " (or else: " + "; or else: ".join(f.message() for f in others) + ")"
        return text


RequireCheck = Callable[[Any], Failure | None]
WhenCheck = Callable[[Any], bool | None]


@dataclass(frozen=True, eq=False)
class Node:
    """A compiled condition: ``check(record)`` and the words that describe it."""

    check: Callable[[Any], Any]
    """``require``: ``None`` or a ``Failure``; ``when``: ``True``, ``False`` or ``None``."""
    text: str
    """What it checks, in words (docs, ``not`` messages)."""
    probe: Callable[[Any], tuple[str, Any]]
    """The first field it reads and its value in a record (for ``not`` findings)."""
    kind: str = "leaf"
    """``leaf``, ``all``, ``any``, ``not`` (or ``dummy`` for a condition with problems)."""
    params: tuple[str, ...] = field(default=())
    """The parameters its operands came from."""
    path: FieldPath | None = None
    """A leaf's field path."""
    ops: tuple[Op, ...] = ()
    """A leaf's operators (all must hold)."""
    children: tuple[Node, ...] = ()
    """The conditions an ``all``, ``any`` or ``not`` combines."""
    mode: Mode = Mode.REQUIRE
    """Compiled for ``require`` or for ``when`` (they return different things)."""


def _probe_path(path: FieldPath) -> Callable[[Any], tuple[str, Any]]:
    def probe(record: Any) -> tuple[str, Any]:
        if path.wildcard:
            pairs = path.each(record)
            return pairs[0] if pairs else (path.text, [])
        return path.text, path.get(record)

    return probe


class Problems:
    """Collects ``file:line: message`` problems while a file is compiled."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.items: list[tuple[int, str]] = []

    def add(self, line: int, message: str) -> None:
        self.items.append((line, message))

    def mapping(self, raw: Any, line: int, what: str, keys: str) -> bool:
        """Is ``raw`` a mapping? If not, the problem "``what`` must be a mapping with
        ``keys``, not …" is added."""
        if isinstance(raw, dict):
            return True
        self.add(line, f"{what} must be a mapping with {keys}, not {describe(raw)}")
        return False

    def rendered(self) -> list[str]:
        return [
            f"{self.filename}:{line}: {msg}" if line else f"{self.filename}: {msg}"
            for line, msg in self.items
        ]


@dataclass
class CompileContext:
    """What compiling a condition needs: where to report problems and the parameters."""

    problems: Problems
    params: Mapping[str, Any]
    used_params: set[str] = field(default_factory=set)

    def operand(self, value: Any, line: int, names: list[str]) -> tuple[bool, Any]:
        """``value`` as plain Python with ``{param: name}`` references replaced.

        Dates become ISO strings (records carry dates as text). ``names`` collects the
        parameters used. Returns ``(False, None)`` after reporting an unknown parameter.
        """
        ok = True

        def plain(v: Any) -> Any:
            nonlocal ok
            if isinstance(v, dict):
                if set(v) == {"param"}:
                    name = v["param"]
                    if not isinstance(name, str) or name not in self.params:
                        known = ", ".join(sorted(self.params)) or "none are defined"
                        hint = did_you_mean(name, self.params) if isinstance(name, str) else ""
                        self.problems.add(
                            line, f"unknown parameter {show(name)}{hint} (parameters: {known})"
                        )
                        ok = False
                        return None
                    names.append(name)
                    self.used_params.add(name)
                    return plain_value(self.params[name])
                return {k: plain(x) for k, x in v.items()}
            if isinstance(v, list):
                return [plain(x) for x in v]
            return plain_value(v)

        result = plain(value)
        return ok, result


def _shape(value: Any) -> str:
    return (
        describe(value)
        if not isinstance(value, (dict, list))
        else ("a list" if isinstance(value, list) else "a mapping")
    )


# -- compiling --------------------------------------------------------------------------------


def _never(record: Any) -> Any:
    return None


def _dummy(mode: Mode) -> Node:
    """Stands in for a condition that had problems, so compiling can go on."""
    return Node(_never, "?", lambda record: ("?", MISSING), "dummy", mode=mode)


def compile_condition(
    node: Any, ctx: CompileContext, mode: Mode, line: int, what: str = "condition"
) -> Node:
    """Compile one condition mapping; problems go to ``ctx.problems`` (never raised)."""
    if not isinstance(node, dict):
        ctx.problems.add(
            line,
            f"{what} must be a mapping of field → value or operators (like "
            f"{{status: active}}), not {_shape(node)}",
        )
        return _dummy(mode)
    if not node:
        ctx.problems.add(line, f"{what} is empty; give at least one field or all/any/not")
        return _dummy(mode)
    parts: list[Node] = []
    for key, value in node.items():
        key_line = line_of(node, key)
        if key in ("all", "any"):
            parts.append(_compile_group(str(key), value, ctx, mode, key_line))
        elif key == "not":
            inner = compile_condition(value, ctx, mode, key_line, "not")
            parts.append(_not(inner, mode))
        elif not isinstance(key, str):
            ctx.problems.add(key_line, f"a field path must be a string, not {describe(key)}")
        elif key in OPERATORS and key != "type":
            ctx.problems.add(
                key_line,
                f"{key!r} is an operator, not a field: write it under a field, like "
                f"{{FIELD: {{{key}: …}}}}",
            )
        else:
            leaf = _compile_field(key, value, ctx, mode, key_line, node)
            if leaf is not None:
                parts.append(leaf)
    if not parts:
        return _dummy(mode)
    if len(parts) == 1:
        return parts[0]
    return _all(parts, mode)


def _compile_group(key: str, value: Any, ctx: CompileContext, mode: Mode, line: int) -> Node:
    if not isinstance(value, list) or not value:
        ctx.problems.add(line, f"{key} takes a non-empty list of conditions, not {_shape(value)}")
        return _dummy(mode)
    children = [
        compile_condition(item, ctx, mode, line_of(value, i), f"{key}[{i}]")
        for i, item in enumerate(value)
    ]
    if len(children) == 1:
        return children[0]
    return _all(children, mode) if key == "all" else _any(children, mode)


def _compile_field(
    key: str, value: Any, ctx: CompileContext, mode: Mode, line: int, parent: Any
) -> Node | None:
    try:
        path = FieldPath(key)
    except PathError as exc:
        ctx.problems.add(line, str(exc))
        return None
    value_line = getattr(parent, "value_lines", {}).get(key, line)
    ops: list[Op] = []
    params: list[str] = []
    if isinstance(value, dict) and set(value) != {"param"}:
        if not value:
            ctx.problems.add(
                line, f"{key}: empty operator map; give an operator like {{equals: …}}"
            )
            return None
        for name, operand in value.items():
            op_line = line_of(value, name)
            if name not in OPERATORS:
                known = ", ".join(OPERATORS)
                hint = did_you_mean(name, OPERATORS)
                extra = "" if hint else " (to compare with an object, write {equals: {…}})"
                ctx.problems.add(
                    op_line,
                    f"{key}: unknown operator {show(name)}{hint}{extra}; operators: {known}",
                )
                continue
            op = _build(str(name), operand, ctx, op_line, params, key)
            if op is not None:
                ops.append(op)
    else:
        op = _build("equals", value, ctx, value_line, params, key)
        if op is not None:
            ops.append(op)
    if not ops:
        return None
    if len(ops) > 1:  # every failure states the whole requirement: "a number > 0 and ≤ 1800"
        together = " and ".join(op.expected for op in ops)
        ops = [replace(op, expected=together) for op in ops]
    return _leaf(path, ops, mode, tuple(params))


def _build(
    name: str, operand: Any, ctx: CompileContext, line: int, params: list[str], key: str
) -> Op | None:
    ok, plain = ctx.operand(operand, line, params)
    if not ok:
        return None
    try:
        return OPERATORS[name].build(plain)
    except OperandError as exc:
        ctx.problems.add(line, f"{key}: {exc}")
    except RecursionError:
        ctx.problems.add(line, f"{key}: {name}: operand nested too deeply")
    return None


# -- leaves -----------------------------------------------------------------------------------


def missing_verdict(ops: Sequence[Op], null: bool) -> tuple[int, Op] | None:
    """What a missing (or null) value gets from these operators: pass, fail or unknown."""
    unknown: Op | None = None
    for op in ops:
        verdict = op.on_null if null else op.on_missing
        if verdict is False:
            return FAIL, op
        if verdict is None and unknown is None:
            unknown = op
    return (UNKNOWN, unknown) if unknown is not None else None


def leaf_failure(where: str, value: Any, ops: Sequence[Op]) -> Failure | None:
    """The verdict of a leaf's operators on one value (missing, null or present):
    ``None`` when they all hold. The one reference for a leaf: ``require`` and ``when``
    closures both ask it (through ``_element_failure`` for ``[*]``)."""
    if value is MISSING or value is None:
        verdict = missing_verdict(ops, null=value is None)
        return None if verdict is None else Failure(where, value, verdict[0], verdict[1])
    for op in ops:
        if not op.test(value):
            return Failure(where, value, FAIL, op)
    return None


def when_outcome(failure: Failure | None) -> bool | None:
    """A ``require`` verdict read as a ``when`` outcome: holds, does not, or unknown."""
    if failure is None:
        return True
    return False if failure.state == FAIL else None


def _leaf_text(path: FieldPath, ops: list[Op], mode: Mode, params: tuple[str, ...]) -> str:
    holds = " and ".join(op.holds for op in ops)
    text = f"`{path.text}` {holds}"
    if path.wildcard:
        text = ("every " if mode is Mode.REQUIRE else "some ") + text
    if params:
        text += " (parameter " + ", ".join(f"`{p}`" for p in dict.fromkeys(params)) + ")"
    return text


def _leaf(path: FieldPath, ops: list[Op], mode: Mode, params: tuple[str, ...]) -> Node:
    text = _leaf_text(path, ops, mode, params)
    probe = _probe_path(path)
    check: Callable[[Any], Any]
    if path.wildcard:
        check = _every_element(path, ops) if mode is Mode.REQUIRE else _some_element(path, ops)
    else:
        check = _require_leaf(path, ops) if mode is Mode.REQUIRE else _when_leaf(path, ops)
    return Node(check, text, probe, "leaf", params, path, tuple(ops), (), mode)


def _element_failure(where: str, value: Any, ops: Sequence[Op]) -> Failure | None:
    """``leaf_failure`` of an element ``[*]`` reached, which may be no list at all."""
    if isinstance(value, NotAList):
        return Failure(where, value, FAIL, _LIST_WANTED)
    return leaf_failure(where, value, ops)


def _reader(path: FieldPath) -> Callable[[Any], Any]:
    """``path.get``: one ``dict.get`` where the path is one key."""
    key = path.key
    if key is None:
        return path.get

    def read(record: Any) -> Any:
        return record.get(key, MISSING) if type(record) is dict else MISSING

    return read


def _require_leaf(path: FieldPath, ops: list[Op]) -> RequireCheck:
    get, text, op_list = _reader(path), path.text, tuple(ops)

    def check(record: Any) -> Failure | None:
        return leaf_failure(text, get(record), op_list)

    return check


def _when_leaf(path: FieldPath, ops: list[Op]) -> WhenCheck:
    get, text, op_list = _reader(path), path.text, tuple(ops)

    def holds(record: Any) -> bool | None:
        return when_outcome(leaf_failure(text, get(record), op_list))

    return holds


def _every_element(path: FieldPath, ops: list[Op]) -> RequireCheck:
    """``require`` over ``[*]``: every element must hold."""
    each, text = path.each, path.text

    def check(record: Any) -> Failure | None:
        return _worst(_element_failure(where or text, v, ops) for where, v in each(record))

    return check


def _worst(failures: Iterable[Failure | None]) -> Failure | None:
    """Of conditions that must all hold: the first definite failure, else the first
    unknown one, else ``None`` (all held). Stops at the first definite failure."""
    unknown: Failure | None = None
    for f in failures:
        if f is not None:
            if f.state == FAIL:
                return f
            if unknown is None:
                unknown = f
    return unknown


def _some_element(path: FieldPath, ops: list[Op]) -> WhenCheck:
    """``when`` over ``[*]``: some element must hold (unknown when none does but one
    is missing)."""
    each = path.each

    def holds(record: Any) -> bool | None:
        unknown = False
        for where, v in each(record):
            f = _element_failure(where, v, ops)
            if f is None:
                return True
            if f.state == UNKNOWN:
                unknown = True
        return None if unknown else False

    return holds


# -- combinators ------------------------------------------------------------------------------


def _group_text(children: list[Node], joiner: str) -> str:
    return f" {joiner} ".join(
        f"({c.text})" if c.kind in ("all", "any") else c.text for c in children
    )


def _params(children: list[Node]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for c in children for p in c.params))


def _kleene(checks: Sequence[WhenCheck], decisive: bool) -> WhenCheck:
    """``all`` (``decisive`` false) or ``any`` (true) of ``when`` outcomes, in Kleene
    logic: a child that gives ``decisive`` decides; otherwise an unknown child makes the
    whole unknown, and no unknown child makes it ``not decisive``."""

    def holds(record: Any) -> bool | None:
        unknown = False
        for c in checks:
            x = c(record)
            if x is None:
                unknown = True
            elif bool(x) is decisive:
                return decisive
        return None if unknown else not decisive

    return holds


def _all(children: list[Node], mode: Mode) -> Node:
    checks = tuple(c.check for c in children)
    check: Callable[[Any], Any]
    if mode is Mode.REQUIRE:

        def check_all(record: Any) -> Failure | None:
            return _worst(c(record) for c in checks)

        check = check_all
    else:
        check = _kleene(checks, decisive=False)
    text = _group_text(children, "and")
    return Node(
        check, text, children[0].probe, "all", _params(children), None, (), tuple(children), mode
    )


def _any(children: list[Node], mode: Mode) -> Node:
    checks = tuple(c.check for c in children)
    text = _group_text(children, "or")
    expected = text.replace("`", "")
    check: Callable[[Any], Any]
    if mode is Mode.REQUIRE:

        def check_any(record: Any) -> Failure | None:
            failures: list[Failure] = []
            for c in checks:
                f = c(record)
                if f is None:
                    return None
                failures.append(f)
            state = UNKNOWN if any(f.state == UNKNOWN for f in failures) else FAIL
            last = failures[-1]
            return Failure(last.path, last.actual, state, _NoAlternativeHeld(failures, expected))

        check = check_any
    else:
        check = _kleene(checks, decisive=True)
    return Node(
        check, text, children[-1].probe, "any", _params(children), None, (), tuple(children), mode
    )


def _not(inner: Node, mode: Mode) -> Node:
    check_inner = inner.check
    text = f"not ({inner.text})"
    check: Callable[[Any], Any]
    if mode is Mode.REQUIRE:
        reason = _NegatedHeld(inner.text)
        probe = inner.probe

        def check_not(record: Any) -> Failure | None:
            f = check_inner(record)
            if f is None:
                where, actual = probe(record)
                return Failure(where, actual, FAIL, reason)
            if f.state == UNKNOWN:
                return f
            return None

        check = check_not
    else:

        def holds_not(record: Any) -> bool | None:
            x = check_inner(record)
            return None if x is None else not x

        check = holds_not
    return Node(check, text, inner.probe, "not", inner.params, None, (), (inner,), mode)


# -- preconditions that cannot be decided -----------------------------------------------------
#
# A ``when`` that compares a field with ``true``/``false`` or with a word (an enum value
# such as ``active``) by equality cannot be decided when the field holds a value of
# another type (``"true"``, ``2``, a list) or a string that is the word only ignoring
# case and surrounding spaces (``"ACTIVE"``, ``" active"``). Reading such a leaf as
# false would let the assistant come out clean by accident (fail open); instead the rule
# applies (fail closed) and its finding says why. Absent and null fields are not
# undecided: they keep their ``missing`` meaning (the rule does not apply).


_BOOLEAN_DOUBT = Predicate(
    lambda v: not (type(v) is bool or (is_number(v) and v in (0, 1))),
    "not (type({v}) is bool or ((type({v}) is int or type({v}) is float) and {v} in (0, 1)))",
)
"""Compared with true/false, a value that is not a boolean, 1 or 0."""


def doubt_of(operand: Any) -> Predicate | None:
    """For an ``equals`` operand of a ``when`` that can be undecided (a boolean or a word):
    true of a present value, not equal to it, for which equality cannot be decided.
    ``fastpath`` inlines its template; ``None`` for any other operand."""
    if isinstance(operand, bool):
        return _BOOLEAN_DOUBT
    if not isinstance(operand, str):
        return None
    folded = operand.strip().casefold()
    return Predicate(
        lambda v: type(v) is not str or v.strip().casefold() == folded,
        "type({v}) is not str or {v}.strip().casefold() == {0}",
        constants=(folded,),
    )


def _undecidable(value: Any, operand: Any, doubt: Predicate) -> bool:
    """Is ``value == operand`` undecidable (``doubt``: ``doubt_of(operand)``)?"""
    if value is MISSING or value is None or isinstance(value, NotAList) or value == operand:
        return False
    return doubt.test(value)


def undecided(operand: Any, value: Any) -> str | None:
    """Why ``value == operand`` cannot be decided (``None``: it can), in words."""
    doubt = doubt_of(operand)
    if doubt is None or not _undecidable(value, operand, doubt):
        return None
    if isinstance(operand, bool):
        return f"{show(value)} ({_a_kind(value)}, not true/false or 1/0)"
    if type(value) is not str:
        return f"{show(value)} ({_a_kind(value)}, not a string like {show(operand)})"
    return f"{show(value)} (a string that is {show(operand)} only ignoring case or spaces)"


def _a_kind(value: Any) -> str:
    """``a boolean``, ``a number``, ``a string``, ``a list``, ``an object``."""
    name = type_name(value)
    return "an object" if name == "object" else f"a {name}"


def _doubtful_operands(node: Node) -> tuple[tuple[Any, Predicate], ...]:
    """The ``equals`` operands of a ``when`` leaf that can be undecided, each with its
    ``doubt_of``."""
    if node.kind != "leaf" or node.path is None or node.path.wildcard:
        return ()
    pairs = ((op.operand, doubt_of(op.operand)) for op in node.ops if op.name == "equals")
    return tuple((operand, doubt) for operand, doubt in pairs if doubt is not None)


def lenient(node: Node) -> Node | None:
    """``node`` (a ``when``) with its undecidable leaves read as holding, or ``None`` when
    it has no leaf that can be undecided. A rule applies when this holds but ``node``
    does not only because of such a leaf: ``when`` alone or ``lenient`` holds."""
    if node.mode is not Mode.WHEN:
        return None
    operands = _doubtful_operands(node)
    if operands:
        assert node.path is not None
        get, inner = node.path.get, node.check

        def holds(record: Any) -> bool | None:
            value = get(record)
            if any(_undecidable(value, o, doubt) for o, doubt in operands):
                return True
            return inner(record)

        return replace(node, check=holds, kind="undecided")
    if node.kind not in ("all", "any"):
        # ``not``: reading a leaf under it as holding would make the rule apply *less*
        return None
    children = [lenient(c) for c in node.children]
    if all(c is None for c in children):
        return None
    rebuilt = [c if c is not None else o for c, o in zip(children, node.children, strict=True)]
    return _all(rebuilt, Mode.WHEN) if node.kind == "all" else _any(rebuilt, Mode.WHEN)


def undecided_reason(node: Node, record: Any) -> str | None:
    """``precondition status is 'active' could not be decided: status is 'ACTIVE' (…)``
    for the first undecidable leaf of a ``when`` in this record, if any."""
    operands = _doubtful_operands(node)
    if operands:
        assert node.path is not None
        value = node.path.get(record)
        for operand, _ in operands:
            why = undecided(operand, value)
            if why is not None:
                text = node.text.replace("`", "")
                return f"precondition {text} could not be decided: {node.path.text} is {why}"
        return None
    if node.kind in ("all", "any"):
        for child in node.children:
            reason = undecided_reason(child, record)
            if reason is not None:
                return reason
    return None
