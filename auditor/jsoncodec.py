"""JSON at C speed that reads and writes exactly what the standard library does.

``orjson`` decodes API pages and encodes records for snapshot files (sorted keys,
two-space indent), the two places where a fleet's worth of JSON goes through auditor.
``benchmarks/bench_codec.py`` measured it against ``msgspec`` on our records: they
decode alike, and ``orjson`` sorts and indents in one pass where ``msgspec`` needs a
second (``msgspec.json.format``).

The standard library stays the reference, and the fallback for what ``orjson``
cannot take or writes differently, so callers see one behaviour either way:

- decoding: ``NaN``/``Infinity`` (not JSON, yet Python's parser and some APIs speak
  it), numbers beyond a double, lone surrogate escapes, integers of 19 digits or more
  (``orjson`` turns those beyond 64 bits into floats), and every malformed document (so
  errors are ``json.JSONDecodeError`` with json's own positions);
- encoding: non-finite floats (``orjson`` writes ``null``), integers beyond 64 bits,
  lone surrogates, non-string keys and other Python types, and floats below 1e-4, which
  ``orjson`` spells ``0.00001`` or ``1e-7`` where ``repr`` spells ``1e-05``, ``1e-07``.

A property test (``tests/unit/test_jsoncodec.py``) holds both paths to the same bytes
and values over arbitrary JSON-like data.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

import orjson

_SORTED_INDENTED = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2
_OPTIONS = {
    (False, False): 0,
    (True, False): orjson.OPT_SORT_KEYS,
    (False, True): orjson.OPT_INDENT_2,
    (True, True): _SORTED_INDENTED,
}
_DIGITS = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
"""A ``bytes.translate`` table: every digit to ``0``, anything else to a space."""
_LONG_NUMBER = b"0" * 19
"""Digits enough (once translated) for an integer ``orjson`` might read as a float."""
_MANTISSA = b"0123456789.-"
_BEFORE_A_VALUE = b" [:,\n"
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class Decoded(NamedTuple):
    """A decoded JSON document, and whether the fast decoder read it."""

    value: Any
    finite: bool
    """Every number in ``value`` is finite (the fast decoder refuses anything else):
    ``dumps(value, finite=True)`` need not look."""


def decode(data: bytes | str) -> Decoded:
    """``json.loads(data)``, with whether the value is plain (see ``Decoded.finite``).

    Raises what ``json.loads`` raises (``JSONDecodeError``, ``RecursionError``,
    ``ValueError`` for an integer too long to convert).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if _LONG_NUMBER not in raw.translate(_DIGITS):
        try:
            return Decoded(orjson.loads(raw), True)
        except orjson.JSONDecodeError:
            pass
    return Decoded(json.loads(data), False)


def loads(data: bytes | str) -> Any:
    """``json.loads(data)``, faster: the same value or the same exception."""
    return decode(data).value


def dumps(
    value: Any, *, sort_keys: bool = False, indent: int | None = None, finite: bool = False
) -> bytes:
    """``json.dumps(value, sort_keys=…, indent=…, ensure_ascii=False)`` as UTF-8,
    with no spaces between items when ``indent`` is ``None`` (``separators=(",", ":")``).

    ``finite`` vouches that ``value`` holds no NaN or infinity (a ``Decoded.finite``
    value, masked or not); otherwise the floats are looked at where the fast output
    has a ``null``. A lone surrogate (which UTF-8 cannot hold) is written as the
    ``\\uXXXX`` escape JSON reads back as the same string. What the standard library
    cannot write (other types, NaN as a key) raises as it does.
    """
    fast = fast_dumps(value, sort_keys=sort_keys, indent=indent, finite=finite)
    if fast is not None:
        return fast
    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(
        value, sort_keys=sort_keys, indent=indent, separators=separators, ensure_ascii=False
    )
    return _LONE_SURROGATE.sub(_escaped, text).encode("utf-8")


def fast_dumps(
    value: Any, *, sort_keys: bool = False, indent: int | None = None, finite: bool = False
) -> bytes | None:
    """The bytes of ``dumps``, or ``None`` where only the standard library writes them
    (the caller has its own fallback: the snapshot writer tags non-finite numbers)."""
    if indent not in (None, 2):
        return None
    try:
        data = orjson.dumps(value, option=_OPTIONS[sort_keys, indent is not None])
    except TypeError:  # big integers, surrogates, keys, other types
        return None
    if _small_float(data) or (not finite and b"null" in data and has_non_finite(value)):
        return None
    return data


def _small_float(data: bytes) -> bool:
    """Whether ``data`` may hold a float ``orjson`` spells unlike ``repr``: ``0.0000…``
    or a one-digit negative exponent (``1e-7``), on a number that starts where a value
    can (not ``3e-4`` inside ``"d3e-4a"``, nor the seconds of ``"11:10:10.000000Z"``).
    Text in a string that looks so only costs the slower path."""
    at = data.find(b"0.0000")
    while at >= 0:
        start = at - 1 if data[at - 1 : at] != b"-" else at - 2
        if start < 0 or data[start] in _BEFORE_A_VALUE:
            return True
        at = data.find(b"0.0000", at + 6)
    at = data.find(b"e-")
    while at >= 0:
        exponent = data[at + 2 : at + 4]
        if exponent[:1].isdigit() and not exponent[1:].isdigit():
            start = at - 1
            while start >= 0 and data[start] in _MANTISSA:
                start -= 1
            if start < at - 1 and (start < 0 or data[start] in _BEFORE_A_VALUE):
                return True
        at = data.find(b"e-", at + 2)
    return False


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def noting_repeats(noted: list[tuple[dict[str, Any], str]], pairs: list[Any]) -> dict[str, Any]:
    """An ``object_pairs_hook`` (with ``functools.partial``): the object ``json`` makes
    (the last of a key given twice wins), each key it was given twice noted in ``noted``
    with it, to be refused by whoever decodes (an API page, a snapshot)."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                noted.append((found, key))
            seen.add(key)
    return found


def unusable(exc: ValueError) -> str:
    """What json says of a value it reads but cannot convert (an integer of more than
    4,300 digits), without its advice on ``sys.set_int_max_str_digits``."""
    return str(exc).split(";")[0]


_LEAVES = frozenset({str, int, bool, type(None)})
"""Types that hold no float: left out as each container is walked, never pushed."""


def has_non_finite(value: Any) -> bool:
    """Whether a NaN or an infinity is anywhere in ``value`` (dicts and lists walked
    without recursion)."""
    stack = [value]
    pop, extend, leaves = stack.pop, stack.extend, _LEAVES
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            items: Any = item.values()
        elif kind is list or kind is tuple:
            items = item
        elif kind is float or isinstance(item, float):
            if item - item != 0.0:  # NaN and ±inf give NaN
                return True
            continue
        else:
            continue
        extend([member for member in items if type(member) not in leaves])
    return False
