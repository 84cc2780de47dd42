"""The operators of the policy language: one builder each, in one registry.

An operator map such as ``{gt: 0, lte: 1800}`` is compiled once, at load, into ``Op``
values. Each ``Op`` states the operator's meaning once, in two forms side by side that
must agree: ``test``, the reference function of a present value that the closures of
``conditions`` call, and ``template``, the same test as a Python expression that
``fastpath`` pastes into the one generated function of a record (calling ``test``
instead where an operator has no template). ``tests/unit/test_policy_properties.py``
checks, for every operator in ``OPERATORS``, that the two give the same answer.

Every builder raises ``OperandError`` for an operand it cannot use; the loader turns it
into ``file:line: message``. Each ``OperatorSpec`` carries the documentation that
``auditor policy list --format markdown`` prints, so docs and code cannot disagree.

Type rules (SPEC §3): numbers are ``int``/``float`` but never ``bool``; numeric strings are
strings (``"900"`` is not ≤ 1800: the finding says it is a string); ``true``/``false`` and
``1``/``0`` are equal, so ``record: true`` accepts ``1``. A field that is absent or
``null`` is *missing*: most operators then leave the verdict to the rule's ``missing``
setting (fail closed by default); ``exists``, ``empty``, ``no_secrets``, ``type: null``
and a comparison with ``null`` decide it themselves.
"""

from __future__ import annotations

import math
import operator
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import regex  # type: ignore[import-untyped]  # no stubs published

from auditor.policy.paths import MISSING
from auditor.policy.wording import describe, show, show_list
from auditor.secretscan import secret_kind

Test = Callable[[Any], bool]

TEMPLATE_NAMES: dict[str, Any] = {
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
}
"""The only names a template may use besides ``{v}`` and its constants (the generated
code runs with these as its globals and no builtins)."""


class OperandError(ValueError):
    """An operand an operator cannot use; the message says what it takes."""


@dataclass(frozen=True)
class Predicate:
    """A test of a value written twice, side by side: ``test`` (the reference) and
    ``template``, the same test as a Python expression over ``{v}`` for the fast pass."""

    test: Test
    template: str
    word: str = ""
    """What the values it accepts are, in words: ``a number``."""
    numeric: bool = False
    """It holds only for an ``int`` or a ``float``."""
    constants: tuple[Any, ...] = ()
    """The values the template refers to as ``{0}``, ``{1}``…"""

    def source(self, v: str) -> str:
        """The template (one without constants) applied to the expression ``v``, in
        parentheses."""
        return f"({self.template.format(v=v)})"


@dataclass(frozen=True, eq=False)
class Op:
    """One compiled operator: its test of a present value, the same test as a template
    for the fast pass, and the words for a failure."""

    name: str
    test: Test
    """True when a present, non-null value satisfies the operator (the reference)."""
    expected: str
    """What the rule wants, as a phrase: ``≤ 1800``, ``matching '^https://'``, ``present``."""
    must: str
    """The same as an obligation: ``must be ≤ 1800``, ``must match '^https://'``."""
    holds: str
    """The same as a statement, for docs: ``is ≤ 1800``, ``matches '^https://'``."""
    kind: Predicate | None = None
    """For typed operators: the types ``test`` can judge at all (``NUMBER``, ``STRING``)."""
    on_missing: bool | None = None
    """Verdict for an absent field: True passes, False fails, None leaves it to ``missing``."""
    on_null: bool | None = None
    """Verdict for a ``null`` field, likewise."""
    found: Callable[[Any], str] | None = None
    """How to describe a failing present value (default ``is <value>``)."""
    operand: Any = field(default=None, compare=False)
    """The operand as given, for ``policy list --format json``."""
    parts: tuple[Op, ...] = ()
    """For ``length``: the comparisons its test applies to the length."""
    template: str | None = None
    """``test`` as a Python expression for the fast pass, or None (it calls ``test``).
    ``{v}`` is the value, ``{0}``, ``{1}``… the ``constants``; ``{guard}`` is ``kind``'s
    template followed by ``and`` (left out where the value is known to be a number and
    ``kind`` is numeric); ``{parts}`` is every one of ``parts`` applied to ``len({v})``.
    Only the names of ``TEMPLATE_NAMES`` may appear in it."""
    constants: tuple[Any, ...] = ()
    """The values a template refers to as ``{0}``, ``{1}``… (never pasted in as text)."""
    numeric: bool = False
    """Holds only for an ``int`` or a ``float`` (``type: number``)."""

    def message(self, path: str, actual: Any) -> str:
        """``max_duration must be ≤ 1800, is 3600``: one failing value in one sentence."""
        if actual is MISSING:
            return f"{path} {self.must}, is missing"
        if actual is None:
            return f"{path} {self.must}, is null"
        if self.kind is not None and not self.kind.test(actual):
            return f"{path} must be {self.kind.word} {self.expected}, is {describe(actual)}"
        if self.found is not None:
            tail = self.found(actual)
        else:
            tail = f"is {describe(actual) if isinstance(actual, (list, dict)) else show(actual)}"
        return f"{path} {self.must}, {tail}"


@dataclass(frozen=True)
class OperatorSpec:
    """An operator's name, builder and documentation (the reference is generated from it).

    ``build`` checks an operand and returns the ``Op`` that carries both the operator's
    reference test and its template for the fast pass."""

    name: str
    build: Callable[[Any], Op]
    operand: str
    """What the operand is, in words, for the reference and for errors."""
    doc: str
    example: str


def _is_str(value: Any) -> bool:
    return type(value) is str


def is_number(value: Any) -> bool:
    """An ``int`` or ``float`` but not a ``bool`` (``true`` is not the number 1 here)."""
    kind = type(value)
    return kind is int or kind is float


def _is_integer(v: Any) -> bool:
    kind = type(v)
    return kind is int or (kind is float and v.is_integer())


def _is_boolean(v: Any) -> bool:
    return type(v) is bool or (type(v) is int and v in (0, 1))


def _is_container(value: Any) -> bool:
    return isinstance(value, (str, list, dict))


STRING = Predicate(_is_str, "type({v}) is str", "a string")
NUMBER = Predicate(is_number, "type({v}) is int or type({v}) is float", "a number", numeric=True)
CONTAINER = Predicate(_is_container, "isinstance({v}, SLD)", "a string, list or object")

TYPES: dict[str, Predicate] = {
    "string": STRING,
    "number": NUMBER,
    "integer": Predicate(
        _is_integer,
        "type({v}) is int or (type({v}) is float and {v}.is_integer())",
        "an integer",
        numeric=True,
    ),
    "boolean": Predicate(
        _is_boolean, "type({v}) is bool or (type({v}) is int and {v} in (0, 1))", "a boolean"
    ),
    "object": Predicate(lambda v: isinstance(v, dict), "isinstance({v}, dict)", "an object"),
    "list": Predicate(lambda v: isinstance(v, list), "isinstance({v}, list)", "a list"),
    "null": Predicate(lambda v: v is None, "{v} is None", "null"),
}
"""The JSON types ``type:`` knows; ``boolean`` accepts 1/0, ``integer`` accepts 5.0."""


def _finite_number(value: Any) -> bool:
    return is_number(value) and math.isfinite(value)


def _hashable(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _is(phrase: str) -> tuple[str, str, str]:
    """``expected``, ``must`` and ``holds`` of an operator worded with "be": ``≤ 1800``."""
    return phrase, f"must be {phrase}", f"is {phrase}"


# -- equality and membership ----------------------------------------------------------------


def _equality(negated: bool) -> Callable[[Any], Op]:
    """``equals`` (``negated``: ``not_equals``): ``==`` with a present value; comparing
    with ``null`` decides a missing field too."""

    def build(operand: Any) -> Op:
        if negated:
            words = (f"not {show(operand)}", f"must not be {show(operand)}")
            null = False if operand is None else None
            return Op(
                "not_equals",
                lambda v: bool(v != operand),
                *words,
                f"is not {show(operand)}",
                on_missing=null,
                on_null=null,
                operand=operand,
                template="{v} != {0}",
                constants=(operand,),
            )
        null = True if operand is None else None
        return Op(
            "equals",
            lambda v: bool(v == operand),
            *_is(show(operand)),
            on_missing=null,
            on_null=null,
            operand=operand,
            template="{v} == {0}",
            constants=(operand,),
        )

    return build


def _membership(negated: bool) -> Callable[[Any], Op]:
    """``in`` (``negated``: ``not_in``): equal to one (none) of a list of values."""
    name = "not_in" if negated else "in"

    def build(operand: Any) -> Op:
        if not isinstance(operand, list) or not operand:
            raise OperandError(f"{name} takes a non-empty list of values, not {describe(operand)}")
        choices = tuple(operand)
        listed = show_list(choices)
        if negated:
            words = (f"none of {listed}", f"must not be {listed}", f"is none of {listed}")
            test: Test = lambda v: v not in choices  # noqa: E731
        else:
            words = _is(f"one of {listed}")
            test = lambda v: v in choices  # noqa: E731
        null = (not negated) if None in choices else None
        return Op(
            name,
            test,
            *words,
            on_missing=null,
            on_null=null,
            operand=list(choices),
            template="{v} not in {0}" if negated else "{v} in {0}",
            constants=(choices,),
        )

    return build


# -- ordering -------------------------------------------------------------------------------

_ORDERINGS = {
    "lt": ("<", "<", operator.lt),
    "lte": ("≤", "<=", operator.le),
    "gt": (">", ">", operator.gt),
    "gte": ("≥", ">=", operator.ge),
}
"""Each ordering: its symbol in messages, in Python, and as a function."""


def _bound(operand: Any, name: str) -> Any:
    if _finite_number(operand) or isinstance(operand, str):
        return operand
    raise OperandError(
        f"{name} takes a number (or a string, compared as text), not {describe(operand)}"
    )


def _kind_of_bound(bound: Any) -> Predicate:
    """A bound that is a string compares strings; any other bound compares numbers."""
    return STRING if isinstance(bound, str) else NUMBER


def _ordering(name: str) -> Callable[[Any], Op]:
    symbol, python, compare = _ORDERINGS[name]

    def build(operand: Any) -> Op:
        b = _bound(operand, name)
        kind = _kind_of_bound(b)
        is_kind = kind.test

        def test(v: Any) -> bool:
            return is_kind(v) and bool(compare(v, b))

        return Op(
            name,
            test,
            *_is(f"{symbol} {show(b)}"),
            kind=kind,
            operand=b,
            template="{guard}{v} " + python + " {0}",
            constants=(b,),
        )

    return build


def _between(operand: Any) -> Op:
    if not isinstance(operand, list) or len(operand) != 2:
        raise OperandError(
            f"between takes a list of two bounds [low, high], not {describe(operand)}"
        )
    low, high = operand
    if not (
        (_finite_number(low) and _finite_number(high))
        or (isinstance(low, str) and isinstance(high, str))
    ):
        raise OperandError(
            f"between takes two numbers (or two strings), not {show(low)} and {show(high)}"
        )
    if low > high:
        raise OperandError(
            f"between: the low bound {show(low)} is above the high bound {show(high)}"
        )
    kind = _kind_of_bound(low)
    is_kind = kind.test

    def test(v: Any) -> bool:
        return is_kind(v) and low <= v <= high

    return Op(
        "between",
        test,
        *_is(f"between {show(low)} and {show(high)}"),
        kind=kind,
        operand=[low, high],
        template="{guard}{0} <= {v} <= {1}",
        constants=(low, high),
    )


# -- text -----------------------------------------------------------------------------------

PATTERN_SHOWN = 80
"""A regex is shown up to this many characters in messages."""


def _timeout_ms(text: str | None, default: int = 100) -> int:
    """``AUDITOR_REGEX_TIMEOUT_MS`` as a whole number of milliseconds from 1 to 60,000;
    anything else keeps the default (a typo must not make matching unbounded)."""
    try:
        value = int(str(text).strip())
    except ValueError:
        return default
    return value if 1 <= value <= 60_000 else default


REGEX_TIMEOUT_MS = _timeout_ms(os.environ.get("AUDITOR_REGEX_TIMEOUT_MS"))
"""How long one regex match may run, in milliseconds (env ``AUDITOR_REGEX_TIMEOUT_MS``,
1 to 60,000; default 100).

User patterns run on the ``regex`` engine, which can stop a match after a time limit:
a pattern like ``^(a+)+$`` backtracks for minutes on a 31-character name under Python's
``re``. A match that runs out of time is a failure of the operator (fail closed), and
the finding says the pattern was too expensive."""


def compile_regex(operand: Any, name: str) -> regex.Pattern[str]:
    """The compiled pattern, or ``OperandError`` with the engine's own reason."""
    if not isinstance(operand, str):
        raise OperandError(f"{name} takes a regular expression (a string), not {describe(operand)}")
    try:
        return regex.compile(operand)
    except regex.error as exc:
        where = f" at position {exc.pos}" if exc.pos is not None else ""
        raise OperandError(
            f"{name}: bad regular expression {show(operand)}: {exc.msg}{where}"
        ) from None
    except (RecursionError, OverflowError, ValueError) as exc:
        raise OperandError(f"{name}: bad regular expression {show(operand)}: {exc}") from None


QUICK_TEXT_MAX = 300
"""Texts up to this length (URLs, names, greetings) may be searched by Python's faster
``re`` when the pattern is one ``re`` cannot make slow (``_quick_search``); longer
ones, and other patterns, go to ``regex`` with its time limit."""
QUICK_BRANCHES_MAX = 64
"""``_quick_search``: at most this many ways through the pattern's alternations."""


def _quick_search(text: str) -> Callable[[str], Any] | None:
    """``re``'s search for a pattern whose backtracking stays small: at most one
    repetition, with no repetition or alternation inside it and none of it inside an
    alternation, no backreference, and alternations that multiply to at most
    ``QUICK_BRANCHES_MAX`` ways. Then a search costs at most about ways × n² steps, a
    few milliseconds for ``QUICK_TEXT_MAX`` characters. ``None`` for any other pattern."""
    import re

    try:
        parser: Any = getattr(re, "_parser", None)
        if parser is None:  # Python 3.10
            import sre_parse as parser
        tree = parser.parse(text)
        compiled = re.compile(text)
    except Exception:
        return None
    repeats = 0
    ways = 1

    def walk(items: Any, in_repeat: bool, in_branch: bool) -> bool:
        nonlocal repeats, ways
        for op, arg in items:
            name = str(op)
            if name in _SLOW_NODES:
                return False
            if name in ("MAX_REPEAT", "MIN_REPEAT"):
                repeats += 1
                if in_repeat or in_branch or repeats > 1 or not walk(arg[2], True, False):
                    return False
            elif name == "BRANCH":
                ways *= len(arg[1])
                if in_repeat or ways > QUICK_BRANCHES_MAX:
                    return False
                if not all(walk(b, False, True) for b in arg[1]):
                    return False
            elif name in ("SUBPATTERN", "ASSERT", "ASSERT_NOT") and not walk(
                arg[-1], in_repeat, in_branch
            ):
                return False
        return True

    return compiled.search if walk(tree, False, False) else None


_SLOW_NODES = frozenset(
    ("GROUPREF", "GROUPREF_EXISTS", "GROUPREF_IGNORE", "ATOMIC_GROUP", "POSSESSIVE_REPEAT")
)


def _timed_search(pattern: regex.Pattern[str]) -> Callable[[str], bool | None]:
    """``search`` bounded by ``REGEX_TIMEOUT_MS``: True (found), False, None (timed out)."""
    search = pattern.search
    quick = _quick_search(pattern.pattern)
    limit = REGEX_TIMEOUT_MS / 1000
    timed_out: dict[str, None] = {}  # texts the search ran out of time on, lately
    held = 0  # their characters

    def found(text: str) -> bool | None:
        nonlocal held
        if quick is not None and len(text) <= QUICK_TEXT_MAX:
            return quick(text) is not None
        if timed_out and text in timed_out:  # the finding asks again: once is enough
            return None
        try:
            return search(text, timeout=limit) is not None
        except TimeoutError:
            if len(timed_out) >= _TIMED_OUT_KEPT or held + len(text) > _TIMED_OUT_CHARS:
                timed_out.clear()
                held = 0
            if len(text) <= _TIMED_OUT_CHARS:
                timed_out[text] = None
                held += len(text)
            return None

    return found


_TIMED_OUT_KEPT = 256
"""Texts a pattern ran out of time on that it remembers (``_timed_search``): a record the
fast path found broken is checked again for its finding and worded, and each would
search again for the whole time limit. As many as the engine checks at once (a chunk)."""
_TIMED_OUT_CHARS = 4 << 20
"""The most characters those texts may hold between them (they would otherwise be
freed with their records): a longer text is searched again instead."""


def _regex_found(found: Callable[[str], bool | None]) -> Callable[[Any], str]:
    def word(v: Any) -> str:
        if type(v) is str and found(v) is None:
            return (
                f"but could not be decided in {REGEX_TIMEOUT_MS} ms: pattern too expensive "
                f"(for a string of {len(v)} characters)"
            )
        return f"is {show(v)}"

    return word


def _pattern(negated: bool) -> Callable[[Any], Op]:
    """``matches`` (``negated``: ``not_matches``): the bounded search finds a match (none)."""
    name = "not_matches" if negated else "matches"

    def build(operand: Any) -> Op:
        found = _timed_search(compile_regex(operand, name))
        shown = show(operand, PATTERN_SHOWN)
        wanted = not negated  # a search that ran out of time (None) is neither

        def test(v: Any) -> bool:
            return type(v) is str and found(v) is wanted

        if negated:
            words = (f"not matching {shown}", f"must not match {shown}", f"does not match {shown}")
        else:
            words = (f"matching {shown}", f"must match {shown}", f"matches {shown}")
        return Op(name, test, *words, kind=STRING, found=_regex_found(found), operand=operand)

    return build


def _contained(operand: Any) -> Test:
    text = isinstance(operand, str)
    key = _hashable(operand)

    def test(v: Any) -> bool:
        if type(v) is str:
            return text and operand in v
        if isinstance(v, list):
            return operand in v
        if isinstance(v, dict):
            return key and operand in v
        return False

    return test


def _containment(negated: bool) -> Callable[[Any], Op]:
    """``contains`` (``negated``: ``not_contains``): a substring, an element or a key."""

    def build(operand: Any) -> Op:
        inner = _contained(operand)
        shown = show(operand)
        if not negated:
            words = (f"containing {shown}", f"must contain {shown}", f"contains {shown}")
            return Op("contains", inner, *words, kind=CONTAINER, operand=operand)

        def test(v: Any) -> bool:
            return _is_container(v) and not inner(v)

        negation = (f"not containing {shown}", f"must not contain {shown}")
        return Op(
            "not_contains",
            test,
            *negation,
            f"does not contain {shown}",
            kind=CONTAINER,
            operand=operand,
        )

    return build


_AFFIXES = {
    "starts_with": ("starting with", "must start with", "starts with", str.startswith),
    "ends_with": ("ending with", "must end with", "ends with", str.endswith),
}


def _affix(name: str) -> Callable[[Any], Op]:
    """``starts_with`` / ``ends_with``: a string with (one of) the prefixes or suffixes."""
    expected, must, holds, method = _AFFIXES[name]

    def build(operand: Any) -> Op:
        if isinstance(operand, str) and operand:
            affixes: tuple[str, ...] = (operand,)
        elif (
            isinstance(operand, list) and operand and all(isinstance(p, str) and p for p in operand)
        ):
            affixes = tuple(operand)
        else:
            raise OperandError(
                f"{name} takes a non-empty string or a list of them, not {describe(operand)}"
            )

        def test(v: Any) -> bool:
            return type(v) is str and method(v, affixes)

        words = show_list(affixes)
        return Op(
            name,
            test,
            f"{expected} {words}",
            f"{must} {words}",
            f"{holds} {words}",
            kind=STRING,
            operand=operand,
            template="{guard}{v}." + method.__name__ + "({0})",
            constants=(affixes,),
        )

    return build


# -- presence, size, type -------------------------------------------------------------------


def _flag(operand: Any, name: str) -> bool:
    if not isinstance(operand, bool):
        raise OperandError(f"{name} takes true or false, not {describe(operand)}")
    return operand


def _exists(operand: Any) -> Op:
    wanted = _flag(operand, "exists")
    return Op(
        "exists",
        lambda v: wanted,
        *_is("present" if wanted else "absent"),
        on_missing=not wanted,
        on_null=not wanted,
        operand=wanted,
        template=repr(wanted),
    )


def is_empty(value: Any) -> bool:
    """``""`` (or only spaces), ``[]`` and ``{}`` are empty; numbers and booleans never are."""
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


EMPTY = Predicate(
    is_empty, "not {v}.strip() if isinstance({v}, str) else (isinstance({v}, LD) and not {v})"
)
"""``is_empty`` with its template."""


def _empty(operand: Any) -> Op:
    wanted = _flag(operand, "empty")

    def test(v: Any) -> bool:
        return is_empty(v) is wanted

    word = "empty" if wanted else "not empty"
    return Op(
        "empty",
        test,
        expected=word,
        must="must be empty" if wanted else "must not be empty",
        holds=f"is {word}",
        on_missing=wanted,
        on_null=wanted,
        operand=wanted,
        template=EMPTY.source("{v}") if wanted else "not " + EMPTY.source("{v}"),
    )


_LENGTH_OPS = ("equals", "not_equals", "lt", "lte", "gt", "gte", "between", "in", "not_in")


def _length_parts(operand: Any) -> list[Op]:
    """The comparisons ``length`` applies to the length, checked."""
    if not isinstance(operand, Mapping):
        if is_number(operand) and float(operand).is_integer() and operand >= 0:
            return [OPERATORS["equals"].build(operand)]
        raise OperandError(
            f"length takes a whole number or a map of comparisons like {{lte: 200}}, "
            f"not {describe(operand)}"
        )
    if not operand:
        raise OperandError("length takes a number or a map of comparisons like {lte: 200}")
    parts: list[Op] = []
    for name, value in operand.items():
        if name not in _LENGTH_OPS:
            raise OperandError(
                f"length: unknown comparison {name!r} (use one of: {', '.join(_LENGTH_OPS)})"
            )
        for bound in value if isinstance(value, list) else [value]:
            if not (is_number(bound) and float(bound).is_integer() and bound >= 0):
                raise OperandError(f"length: {name} takes whole numbers ≥ 0, not {describe(bound)}")
        parts.append(OPERATORS[name].build(value))
    return parts


def _length(operand: Any) -> Op:
    parts = _length_parts(operand)
    tests = tuple(p.test for p in parts)

    def test(v: Any) -> bool:
        if not isinstance(v, (str, list, dict)):
            return False
        n = len(v)
        return all(t(n) for t in tests)

    phrase = " and ".join(p.expected for p in parts)
    return Op(
        "length",
        test,
        expected=f"of length {phrase}",
        must=f"must have length {phrase}",
        holds=f"has length {phrase}",
        kind=CONTAINER,
        found=lambda v: f"has length {len(v)}",
        operand=operand,
        parts=tuple(parts),
        template="{guard}{parts}",
    )


def _type(operand: Any) -> Op:
    names = [operand] if isinstance(operand, str) or operand is None else operand
    if isinstance(names, list):  # YAML reads a bare null as None: it names the null type
        names = ["null" if n is None else n for n in names]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise OperandError(
            f"type takes a type name or a list of them ({', '.join(TYPES)}), "
            f"not {describe(operand)}"
        )
    for n in names:
        if n not in TYPES:
            raise OperandError(
                f"type: unknown type {n!r} (use one of: {', '.join(TYPES)}){did_you_mean(n, TYPES)}"
            )
    kinds = tuple(TYPES[n] for n in names)
    if len(kinds) == 1:
        test = kinds[0].test
    else:
        checks = tuple(k.test for k in kinds)

        def test(v: Any) -> bool:
            return any(c(v) for c in checks)

    words = " or ".join(k.word for k in kinds)
    return Op(
        "type",
        test,
        *_is(words),
        on_null=True if "null" in names else None,
        found=lambda v: f"is {describe(v)}",
        operand=operand,
        template=" or ".join(k.source("{v}") for k in kinds),
        numeric=all(k.numeric for k in kinds),
    )


def _secret_found(value: Any) -> str:
    kind = secret_kind(value) or "secret"
    if kind == "redacted secret":
        return "contains a secret-looking value (masked in this report)"
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return f"contains what looks like {article} {kind}"


def _no_secrets(operand: Any) -> Op:
    if operand is not True:
        raise OperandError(f"no_secrets takes true, not {describe(operand)}")

    def test(v: Any) -> bool:
        return secret_kind(v) is None

    return Op(
        "no_secrets",
        test,
        expected="free of secrets",
        must="must not contain secrets (API keys, tokens, passwords)",
        holds="contains no secrets",
        on_missing=True,
        on_null=True,
        found=_secret_found,
        operand=True,
    )


# -- the registry ---------------------------------------------------------------------------


def _spec(
    name: str, build: Callable[[Any], Op], operand: str, example: str, *doc: str
) -> OperatorSpec:
    return OperatorSpec(name, build, operand, " ".join(doc), example)


_SPECS = (
    _spec(
        "equals",
        _equality(negated=False),
        "any value",
        "record: {equals: true}",
        "Equal to the value. `1`/`0` equal `true`/`false`; `1` equals `1.0`;",
        "a string never equals a number.",
        "`field: value` is short for `field: {equals: value}`.",
    ),
    _spec(
        "not_equals",
        _equality(negated=True),
        "any value",
        "type: {not_equals: outbound}",
        "Not equal.",
    ),
    _spec(
        "in",
        _membership(negated=False),
        "a list",
        "mode: {in: [pipeline, dualplex]}",
        "Equal to one of the values.",
    ),
    _spec(
        "not_in",
        _membership(negated=True),
        "a list",
        "language_id: {not_in: [xx]}",
        "Equal to none of them.",
    ),
    _spec(
        "lt",
        _ordering("lt"),
        "a number (or a string)",
        "temperature: {lt: 1}",
        'A number below the bound. A numeric string such as `"900"` is a string, not a',
        "number: it fails, and the finding says so. With a string bound, strings are",
        "compared as text (so ISO dates compare correctly).",
    ),
    _spec(
        "lte",
        _ordering("lte"),
        "a number (or a string)",
        "max_duration: {lte: 1800}",
        "A number at or below the bound.",
    ),
    _spec("gt", _ordering("gt"), "a number (or a string)", "max_duration: {gt: 0}", "Above."),
    _spec(
        "gte",
        _ordering("gte"),
        "a number (or a string)",
        "created_at: {gte: '2024-01-01'}",
        "At or above the bound.",
    ),
    _spec(
        "between",
        _between,
        "[low, high]",
        "speech_speed: {between: [0.7, 1.2]}",
        "A number from low to high, both included.",
    ),
    _spec(
        "matches",
        _pattern(negated=False),
        "a regular expression",
        "webhook_url: {matches: '(?i)^https://'}",
        "A string in which the regex finds a match (`re.search` syntax, run by the `regex`",
        "engine: anchor with `^…$` to match the whole string; `(?i)` ignores case).",
        "Compiled once, at load. A match may run 100 ms (`AUDITOR_REGEX_TIMEOUT_MS`);",
        "one that runs longer fails the rule: the pattern is too expensive.",
    ),
    _spec(
        "not_matches",
        _pattern(negated=True),
        "a regular expression",
        "name: {not_matches: '(?i)test'}",
        "A string in which the regex finds no match.",
    ),
    _spec(
        "contains",
        _containment(negated=False),
        "any value",
        "tools: {contains: transfer_call}",
        "A string containing the substring, a list with an element equal to the value,",
        "or an object with the key.",
    ),
    _spec(
        "not_contains",
        _containment(negated=True),
        "any value",
        "system_prompt: {not_contains: TODO}",
        "A string, list or object that does not contain the value.",
    ),
    _spec(
        "starts_with",
        _affix("starts_with"),
        "a string or a list of them",
        "webhook_url: {starts_with: 'https://'}",
        "A string starting with (one of) the prefixes.",
    ),
    _spec(
        "ends_with",
        _affix("ends_with"),
        "a string or a list of them",
        "webhook_url: {ends_with: [.example.com, .example.org]}",
        "A string ending with (one of) the suffixes.",
    ),
    _spec(
        "exists",
        _exists,
        "true or false",
        "phone_number_id: {exists: true}",
        "`true`: the field is present and not null; `false`: absent or null.",
        "Decides missing fields itself.",
    ),
    _spec(
        "empty",
        _empty,
        "true or false",
        "webhook_url: {empty: false}",
        '`true`: absent, null, `""` (or only spaces), `[]` or `{}`; numbers and booleans',
        "are never empty. Decides missing fields itself.",
    ),
    _spec(
        "length",
        _length,
        "a whole number, or a map of comparisons",
        "initial_message: {length: {lte: 200}}",
        "The length of a string (characters), list (elements) or object (keys):",
        "`length: 3` or `length: {lte: 200}` (with equals, not_equals, lt, lte, gt, gte,",
        "between, in, not_in).",
    ),
    _spec(
        "type",
        _type,
        "a type name or a list of them",
        "variables: {type: object}",
        "The JSON type: `string number integer boolean object list null`. `number`",
        "excludes booleans; `integer` accepts `5.0`; `boolean` accepts `1`/`0`.",
    ),
    _spec(
        "no_secrets",
        _no_secrets,
        "true",
        "system_prompt: {no_secrets: true}",
        "*Extension.* No string inside the value (recursively, keys included) looks like",
        "a secret: API keys, tokens, passwords, private keys, or the `<redacted:sha256:…>`",
        "marker auditor leaves where it masked one; nor is there a non-empty string under a",
        "key named like a secret (`password`, `apiKey`, `smtp.pass`; not `token_limit`).",
        "Absent or null passes.",
    ),
)

OPERATORS: dict[str, OperatorSpec] = {spec.name: spec for spec in _SPECS}
"""Every operator by name, in the order the reference lists them."""


SYNONYMS = {
    "eq": "equals", "equal": "equals", "==": "equals", "is": "equals", "value": "equals",
    "ne": "not_equals", "neq": "not_equals", "not_equal": "not_equals", "!=": "not_equals",
    "less_than": "lt", "lessthan": "lt", "<": "lt", "le": "lte", "<=": "lte",
    "greater_than": "gt", "greaterthan": "gt", ">": "gt", "ge": "gte", ">=": "gte",
    "max": "lte", "min": "gte", "range": "between", "one_of": "in", "none_of": "not_in",
    "regex": "matches", "match": "matches", "pattern": "matches", "includes": "contains",
    "startswith": "starts_with", "endswith": "ends_with", "present": "exists",
    "len": "length", "size": "length", "is_empty": "empty", "secrets": "no_secrets",
}  # fmt: skip
"""Names people reach for from other tools, mapped to ours for "did you mean"."""


def did_you_mean(word: Any, known: Any) -> str:
    """`` (did you mean 'lte'?)`` for a near miss or a synonym, else an empty string."""
    import difflib

    names = [str(k) for k in known]
    synonym = SYNONYMS.get(str(word).lower())
    if synonym in names:
        return f" (did you mean {synonym!r}?)"
    close = difflib.get_close_matches(str(word), names, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
