"""The operators of the policy language, one small builder each, in one registry.

An operator map such as ``{gt: 0, lte: 1800}`` is compiled once, at load, into ``Op``
values: a test on a present value (operands checked, regexes compiled) plus the words
that explain a failure. Evaluating a record then calls ``op.test(value)`` and nothing
else; the words are only put together for a finding.

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
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import regex  # type: ignore[import-untyped]  # no stubs published

from auditor.policy.paths import MISSING
from auditor.policy.wording import describe, show, show_list
from auditor.secretscan import secret_kind

Test = Callable[[Any], bool]


class OperandError(ValueError):
    """An operand an operator cannot use; the message says what it takes."""


@dataclass(frozen=True, eq=False)
class Op:
    """One compiled operator: a test for a present value and the words for a failure."""

    name: str
    test: Test
    """True when a present, non-null value satisfies the operator."""
    expected: str
    """What the rule wants, as a phrase: ``≤ 1800``, ``matching '^https://'``, ``present``."""
    must: str
    """The same as an obligation: ``must be ≤ 1800``, ``must match '^https://'``."""
    holds: str
    """The same as a statement, for docs: ``is ≤ 1800``, ``matches '^https://'``."""
    type_ok: Test | None = None
    """For typed operators: is the value of a type the test can judge at all?"""
    type_word: str = ""
    """The types ``type_ok`` accepts, in words: ``a number``."""
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

    def message(self, path: str, actual: Any) -> str:
        """``max_duration must be ≤ 1800, is 3600``: one failing value in one sentence."""
        if actual is MISSING:
            return f"{path} {self.must}, is missing"
        if actual is None:
            return f"{path} {self.must}, is null"
        if self.type_ok is not None and not self.type_ok(actual):
            return f"{path} must be {self.type_word} {self.expected}, is {describe(actual)}"
        if self.found is not None:
            tail = self.found(actual)
        else:
            tail = f"is {describe(actual) if isinstance(actual, (list, dict)) else show(actual)}"
        return f"{path} {self.must}, {tail}"


@dataclass(frozen=True)
class OperatorSpec:
    """An operator's name, builder and documentation (the reference is generated from it)."""

    name: str
    build: Callable[[Any], Op]
    operand: str
    """What the operand is, in words, for the reference and for errors."""
    doc: str
    example: str


def is_number(value: Any) -> bool:
    """An ``int`` or ``float`` but not a ``bool`` (``true`` is not the number 1 here)."""
    kind = type(value)
    return kind is int or kind is float


def _finite_number(value: Any) -> bool:
    return is_number(value) and math.isfinite(value)


def _hashable(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


# -- equality and membership ----------------------------------------------------------------


def _equals(operand: Any) -> Op:
    def test(v: Any) -> bool:
        return bool(v == operand)

    null = True if operand is None else None
    return Op(
        "equals",
        test,
        expected=show(operand),
        must=f"must be {show(operand)}",
        holds=f"is {show(operand)}",
        on_missing=null,
        on_null=null,
        operand=operand,
    )


def _not_equals(operand: Any) -> Op:
    def test(v: Any) -> bool:
        return bool(v != operand)

    null = False if operand is None else None
    return Op(
        "not_equals",
        test,
        expected=f"not {show(operand)}",
        must=f"must not be {show(operand)}",
        holds=f"is not {show(operand)}",
        on_missing=null,
        on_null=null,
        operand=operand,
    )


def _choices(operand: Any, name: str) -> tuple[Any, ...]:
    if not isinstance(operand, list) or not operand:
        raise OperandError(f"{name} takes a non-empty list of values, not {describe(operand)}")
    return tuple(operand)


def _in(operand: Any) -> Op:
    choices = _choices(operand, "in")

    def test(v: Any) -> bool:
        return v in choices

    null = True if None in choices else None
    return Op(
        "in",
        test,
        expected=f"one of {show_list(choices)}",
        must=f"must be one of {show_list(choices)}",
        holds=f"is one of {show_list(choices)}",
        on_missing=null,
        on_null=null,
        operand=list(choices),
    )


def _not_in(operand: Any) -> Op:
    choices = _choices(operand, "not_in")

    def test(v: Any) -> bool:
        return v not in choices

    null = False if None in choices else None
    return Op(
        "not_in",
        test,
        expected=f"none of {show_list(choices)}",
        must=f"must not be {show_list(choices)}",
        holds=f"is none of {show_list(choices)}",
        on_missing=null,
        on_null=null,
        operand=list(choices),
    )


# -- ordering -------------------------------------------------------------------------------

_SYMBOLS = {"lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}


def _bound(operand: Any, name: str) -> Any:
    if _finite_number(operand) or isinstance(operand, str):
        return operand
    raise OperandError(
        f"{name} takes a number (or a string, compared as text), not {describe(operand)}"
    )


def _ordering(name: str) -> Callable[[Any], Op]:
    def build(operand: Any) -> Op:
        b = _bound(operand, name)
        test: Test
        if isinstance(b, str):
            type_ok: Test = _is_str
            word = "a string"
            if name == "lt":
                test = lambda v: type(v) is str and v < b  # noqa: E731
            elif name == "lte":
                test = lambda v: type(v) is str and v <= b  # noqa: E731
            elif name == "gt":
                test = lambda v: type(v) is str and v > b  # noqa: E731
            else:
                test = lambda v: type(v) is str and v >= b  # noqa: E731
        else:
            type_ok, word = is_number, "a number"
            if name == "lt":
                test = lambda v: (type(v) is int or type(v) is float) and v < b  # noqa: E731
            elif name == "lte":
                test = lambda v: (type(v) is int or type(v) is float) and v <= b  # noqa: E731
            elif name == "gt":
                test = lambda v: (type(v) is int or type(v) is float) and v > b  # noqa: E731
            else:
                test = lambda v: (type(v) is int or type(v) is float) and v >= b  # noqa: E731
        phrase = f"{_SYMBOLS[name]} {show(b)}"
        return Op(
            name,
            test,
            expected=phrase,
            must=f"must be {phrase}",
            holds=f"is {phrase}",
            type_ok=type_ok,
            type_word=word,
            operand=b,
        )

    return build


def _between(operand: Any) -> Op:
    if not isinstance(operand, list) or len(operand) != 2:
        raise OperandError(
            f"between takes a list of two bounds [low, high], not {describe(operand)}"
        )
    low, high = operand
    if _finite_number(low) and _finite_number(high):
        type_ok: Test = is_number
        word = "a number"

        def test(v: Any) -> bool:
            return (type(v) is int or type(v) is float) and low <= v <= high

    elif isinstance(low, str) and isinstance(high, str):
        type_ok, word = _is_str, "a string"

        def test(v: Any) -> bool:
            return type(v) is str and low <= v <= high

    else:
        raise OperandError(
            f"between takes two numbers (or two strings), not {show(low)} and {show(high)}"
        )
    if low > high:
        raise OperandError(
            f"between: the low bound {show(low)} is above the high bound {show(high)}"
        )
    phrase = f"between {show(low)} and {show(high)}"
    return Op(
        "between",
        test,
        expected=phrase,
        must=f"must be {phrase}",
        holds=f"is {phrase}",
        type_ok=type_ok,
        type_word=word,
        operand=[low, high],
    )


# -- text -----------------------------------------------------------------------------------


def _is_str(value: Any) -> bool:
    return type(value) is str


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

    def found(text: str) -> bool | None:
        if quick is not None and len(text) <= QUICK_TEXT_MAX:
            return quick(text) is not None
        try:
            return search(text, timeout=limit) is not None
        except TimeoutError:
            return None

    return found


def _regex_found(found: Callable[[str], bool | None]) -> Callable[[Any], str]:
    def word(v: Any) -> str:
        if type(v) is str and found(v) is None:
            return (
                f"but could not be decided in {REGEX_TIMEOUT_MS} ms: pattern too expensive "
                f"(for a string of {len(v)} characters)"
            )
        return f"is {show(v)}"

    return word


def _matches(operand: Any) -> Op:
    found = _timed_search(compile_regex(operand, "matches"))
    shown = show(operand, PATTERN_SHOWN)

    def test(v: Any) -> bool:
        return type(v) is str and found(v) is True

    return Op(
        "matches",
        test,
        expected=f"matching {shown}",
        must=f"must match {shown}",
        holds=f"matches {shown}",
        type_ok=_is_str,
        type_word="a string",
        found=_regex_found(found),
        operand=operand,
    )


def _not_matches(operand: Any) -> Op:
    found = _timed_search(compile_regex(operand, "not_matches"))
    shown = show(operand, PATTERN_SHOWN)

    def test(v: Any) -> bool:
        return type(v) is str and found(v) is False

    return Op(
        "not_matches",
        test,
        expected=f"not matching {shown}",
        must=f"must not match {shown}",
        holds=f"does not match {shown}",
        type_ok=_is_str,
        type_word="a string",
        found=_regex_found(found),
        operand=operand,
    )


def _is_container(value: Any) -> bool:
    return isinstance(value, (str, list, dict))


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


def _contains(operand: Any) -> Op:
    inner = _contained(operand)
    return Op(
        "contains",
        inner,
        expected=f"containing {show(operand)}",
        must=f"must contain {show(operand)}",
        holds=f"contains {show(operand)}",
        type_ok=_is_container,
        type_word="a string, list or object",
        operand=operand,
    )


def _not_contains(operand: Any) -> Op:
    inner = _contained(operand)

    def test(v: Any) -> bool:
        return _is_container(v) and not inner(v)

    return Op(
        "not_contains",
        test,
        expected=f"not containing {show(operand)}",
        must=f"must not contain {show(operand)}",
        holds=f"does not contain {show(operand)}",
        type_ok=_is_container,
        type_word="a string, list or object",
        operand=operand,
    )


def _affixes(operand: Any, name: str) -> tuple[str, ...]:
    if isinstance(operand, str) and operand:
        return (operand,)
    if isinstance(operand, list) and operand and all(isinstance(p, str) and p for p in operand):
        return tuple(operand)
    raise OperandError(
        f"{name} takes a non-empty string or a list of them, not {describe(operand)}"
    )


def _starts_with(operand: Any) -> Op:
    prefixes = _affixes(operand, "starts_with")

    def test(v: Any) -> bool:
        return type(v) is str and v.startswith(prefixes)

    words = show_list(prefixes)
    return Op(
        "starts_with",
        test,
        expected=f"starting with {words}",
        must=f"must start with {words}",
        holds=f"starts with {words}",
        type_ok=_is_str,
        type_word="a string",
        operand=operand,
    )


def _ends_with(operand: Any) -> Op:
    suffixes = _affixes(operand, "ends_with")

    def test(v: Any) -> bool:
        return type(v) is str and v.endswith(suffixes)

    words = show_list(suffixes)
    return Op(
        "ends_with",
        test,
        expected=f"ending with {words}",
        must=f"must end with {words}",
        holds=f"ends with {words}",
        type_ok=_is_str,
        type_word="a string",
        operand=operand,
    )


# -- presence, size, type -------------------------------------------------------------------


def _flag(operand: Any, name: str) -> bool:
    if not isinstance(operand, bool):
        raise OperandError(f"{name} takes true or false, not {describe(operand)}")
    return operand


def _exists(operand: Any) -> Op:
    wanted = _flag(operand, "exists")

    def test(v: Any) -> bool:
        return wanted

    word = "present" if wanted else "absent"
    return Op(
        "exists",
        test,
        expected=word,
        must=f"must be {word}",
        holds=f"is {word}",
        on_missing=not wanted,
        on_null=not wanted,
        operand=wanted,
    )


def is_empty(value: Any) -> bool:
    """``""`` (or only spaces), ``[]`` and ``{}`` are empty; numbers and booleans never are."""
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


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
    )


_LENGTH_OPS = ("equals", "not_equals", "lt", "lte", "gt", "gte", "between", "in", "not_in")


def _length(operand: Any) -> Op:
    subs: list[Op] = []
    if isinstance(operand, Mapping):
        if not operand:
            raise OperandError("length takes a number or a map of comparisons like {lte: 200}")
        for name, value in operand.items():
            if name not in _LENGTH_OPS:
                raise OperandError(
                    f"length: unknown comparison {name!r} (use one of: {', '.join(_LENGTH_OPS)})"
                )
            for bound in value if isinstance(value, list) else [value]:
                if not (is_number(bound) and float(bound).is_integer() and bound >= 0):
                    raise OperandError(
                        f"length: {name} takes whole numbers ≥ 0, not {describe(bound)}"
                    )
            subs.append(OPERATORS[name].build(value))
    elif is_number(operand) and float(operand).is_integer() and operand >= 0:
        subs.append(_equals(operand))
    else:
        raise OperandError(
            f"length takes a whole number or a map of comparisons like {{lte: 200}}, "
            f"not {describe(operand)}"
        )
    tests = tuple(s.test for s in subs)
    if len(tests) == 1:
        single = tests[0]

        def test(v: Any) -> bool:
            return isinstance(v, (str, list, dict)) and single(len(v))

    else:

        def test(v: Any) -> bool:
            if not isinstance(v, (str, list, dict)):
                return False
            n = len(v)
            return all(t(n) for t in tests)

    phrase = " and ".join(s.expected for s in subs)
    return Op(
        "length",
        test,
        expected=f"of length {phrase}",
        must=f"must have length {phrase}",
        holds=f"has length {phrase}",
        type_ok=_is_container,
        type_word="a string, list or object",
        found=lambda v: f"has length {len(v)}",
        operand=operand,
        parts=tuple(subs),
    )


def _is_integer(v: Any) -> bool:
    kind = type(v)
    return kind is int or (kind is float and v.is_integer())


def _is_boolean(v: Any) -> bool:
    return type(v) is bool or (type(v) is int and v in (0, 1))


TYPES: dict[str, Test] = {
    "string": _is_str,
    "number": is_number,
    "integer": _is_integer,
    "boolean": _is_boolean,
    "object": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}
"""The JSON types ``type:`` knows; ``boolean`` accepts 1/0, ``integer`` accepts 5.0."""

_ARTICLE = {"object": "an object", "integer": "an integer", "list": "a list", "null": "null"}


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
    checks = tuple(TYPES[n] for n in names)
    if len(checks) == 1:
        test = checks[0]
    else:

        def test(v: Any) -> bool:
            return any(c(v) for c in checks)

    words = " or ".join(_ARTICLE.get(n, f"a {n}") for n in names)
    return Op(
        "type",
        test,
        expected=words,
        must=f"must be {words}",
        holds=f"is {words}",
        on_null=True if "null" in names else None,
        found=lambda v: f"is {describe(v)}",
        operand=operand,
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
        _equals,
        "any value",
        "record: {equals: true}",
        "Equal to the value. `1`/`0` equal `true`/`false`; `1` equals `1.0`;",
        "a string never equals a number.",
        "`field: value` is short for `field: {equals: value}`.",
    ),
    _spec("not_equals", _not_equals, "any value", "type: {not_equals: outbound}", "Not equal."),
    _spec("in", _in, "a list", "mode: {in: [pipeline, dualplex]}", "Equal to one of the values."),
    _spec("not_in", _not_in, "a list", "language_id: {not_in: [xx]}", "Equal to none of them."),
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
        _matches,
        "a regular expression",
        "webhook_url: {matches: '(?i)^https://'}",
        "A string in which the regex finds a match (`re.search` syntax, run by the `regex`",
        "engine: anchor with `^…$` to match the whole string; `(?i)` ignores case).",
        "Compiled once, at load. A match may run 100 ms (`AUDITOR_REGEX_TIMEOUT_MS`);",
        "one that runs longer fails the rule: the pattern is too expensive.",
    ),
    _spec(
        "not_matches",
        _not_matches,
        "a regular expression",
        "name: {not_matches: '(?i)test'}",
        "A string in which the regex finds no match.",
    ),
    _spec(
        "contains",
        _contains,
        "any value",
        "tools: {contains: transfer_call}",
        "A string containing the substring, a list with an element equal to the value,",
        "or an object with the key.",
    ),
    _spec(
        "not_contains",
        _not_contains,
        "any value",
        "system_prompt: {not_contains: TODO}",
        "A string, list or object that does not contain the value.",
    ),
    _spec(
        "starts_with",
        _starts_with,
        "a string or a list of them",
        "webhook_url: {starts_with: 'https://'}",
        "A string starting with (one of) the prefixes.",
    ),
    _spec(
        "ends_with",
        _ends_with,
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

COMBINATORS = ("all", "any", "not")


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
