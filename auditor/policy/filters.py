"""``--filter FIELD=VALUE`` / ``FIELD!=VALUE``: which assistants an audit looks at.

Values are compared the way people type them: ``status=active`` compares text,
``max_duration=1800`` compares numbers, and ``record=1``, ``record=true`` and
``record=false`` / ``record=0`` treat 1/0 and true/false alike. ``null`` matches a null
field. Paths use dots and ``[*]`` (then *some* element must match ``=``; ``!=`` is its
negation). A missing field never equals anything, so ``FIELD!=VALUE`` keeps it. Several
filters must all match.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from auditor.errors import ConfigError
from auditor.model import Record
from auditor.policy.operators import is_number
from auditor.policy.paths import MISSING, FieldPath, NotAList, PathError

_TRUE = ("true", "1")
_FALSE = ("false", "0")


def value_matches(actual: Any, text: str) -> bool:
    """Does a record's value equal what the user typed?"""
    if actual is MISSING or isinstance(actual, NotAList):
        return False
    if actual is None:
        return text == "null"
    word = text.strip().lower()
    if isinstance(actual, bool) or (
        type(actual) is int and actual in (0, 1) and word in _TRUE + _FALSE
    ):
        if word in _TRUE:
            return bool(actual) is True
        if word in _FALSE:
            return bool(actual) is False
        return False
    if is_number(actual):
        try:
            return float(text) == actual
        except ValueError:
            return False
    if isinstance(actual, str):
        return actual == text
    return False


def _parse_one(text: str) -> Callable[[Record], bool]:
    where = text.find("=")
    if where <= 0:
        raise ConfigError(
            f"--filter {text!r}: write FIELD=VALUE or FIELD!=VALUE (like status=active)"
        )
    negate = text[where - 1] == "!"
    field = text[: where - 1] if negate else text[:where]
    value = text[where + 1 :]
    try:
        path = FieldPath(field.strip())
    except PathError as exc:
        raise ConfigError(f"--filter {text!r}: {exc}") from None

    if path.wildcard:

        def found(record: Record) -> bool:
            return any(value_matches(v, value) for _, v in path.each(record))

    else:

        def found(record: Record) -> bool:
            return value_matches(path.get(record), value)

    if negate:
        return lambda record: not found(record)
    return found


def filter_paths(filters: Sequence[str]) -> tuple[FieldPath, ...]:
    """The field each ``--filter`` reads (for saying that no assistant has it).

    Expressions that do not parse are left out: ``parse_filters`` reports them.
    """
    paths: list[FieldPath] = []
    for text in filters:
        where = str(text).find("=")
        if where <= 0:
            continue
        field = str(text)[: where - 1] if str(text)[where - 1] == "!" else str(text)[:where]
        try:
            paths.append(FieldPath(field.strip()))
        except PathError:
            continue
    return tuple(paths)


def parse_filters(filters: Sequence[str]) -> Callable[[Record], bool]:
    """One predicate for all ``--filter`` expressions (all must match).

    Raises ``ConfigError`` (exit 2) for an expression that is not ``FIELD=VALUE`` or
    ``FIELD!=VALUE``.
    """
    predicates = tuple(_parse_one(str(f)) for f in filters)

    def keep(record: Record) -> bool:
        if not isinstance(record, dict):
            record = dict(record) if hasattr(record, "items") else {}
        return all(p(record) for p in predicates)

    return keep
