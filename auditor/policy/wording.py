"""How values from records and policies are written in messages and docs.

Findings are read by people: ``max_duration must be ≤ 1800, is the string '900'``. These
helpers turn any JSON value into a short, unambiguous phrase (strings quoted, booleans
as ``true``/``false``, ``null``), truncating long text so a message stays one line; the
finding's ``actual`` keeps the full value.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_SHOWN = 60
"""Characters of a value shown in a message before it is cut with ``…``."""


def show(value: Any, limit: int = MAX_SHOWN) -> str:
    """``'active'``, ``3600``, ``true``, ``null``, ``[1, 2]``: a value as a message shows it."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return "'" + _cut(_one_line(value), limit) + "'"
    if isinstance(value, (int, float)):
        return repr(value)
    try:
        text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=False)
    except (ValueError, TypeError, RecursionError):
        text = repr(value)
    return _cut(text, limit)


def type_name(value: Any) -> str:
    """The JSON type of a value: ``string``, ``number``, ``boolean``, ``list``, ``object``…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def describe(value: Any) -> str:
    """``the string '900'``, ``the boolean true``, ``a list [1, 2]``: a value with its type."""
    kind = type_name(value)
    if kind == "null":
        return "null"
    if kind == "list":
        return f"a list {show(value)}"
    if kind == "object":
        return f"an object {show(value)}"
    return f"the {kind} {show(value)}"


def show_list(values: Any) -> str:
    """``'a', 'b' or 'c'``: the choices of ``in`` and friends."""
    items = [show(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """Quotable on one line: newlines as ``\\n``, other control characters (a form feed
    or an escape sequence in a file or a record) as ``\\xNN``, never raw."""
    text = text.replace("\n", "\\n").replace("\r", "\\r").replace("'", "\\'")
    return _CONTROL.sub(
        lambda m: (
            f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}"
        ),
        text,
    )


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
