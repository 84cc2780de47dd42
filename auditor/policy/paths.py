"""Field paths in conditions: ``record``, ``variables.region``, ``tools[*].name``, ``tools[0]``.

A path is parsed once, when the policy is loaded, into steps; reading a record then
walks the steps without parsing anything. A single key (the common case) is one
``dict.get``.

``[*]`` stands for every element of a list (or every value of an object). Whether a
condition must hold for *every* element or for *some* element depends on where it is
written (``require``: every; ``when``: some); ``conditions`` decides, this module only
lists the elements.
"""

from __future__ import annotations

import re
from typing import Any, Final

KEY: Final = 0
INDEX: Final = 1
EACH: Final = 2


class _Missing:
    """The value of a path that does not exist in a record (unlike ``None``: JSON null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing()
"""What ``FieldPath.get`` returns when a step of the path is absent."""


class NotAList:
    """What ``FieldPath.each`` yields when ``[*]`` meets a value that is not a list or object."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[(?:\*|\d+)\])*)")
_BRACKET = re.compile(r"\[(\*|\d+)\]")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PathError(ValueError):
    """A path that cannot be parsed; the message says why."""


class FieldPath:
    """A parsed field path; ``get`` and ``each`` read it from a record."""

    __slots__ = ("key", "steps", "text", "wildcard")

    def __init__(self, text: str) -> None:
        if not isinstance(text, str) or not text:
            raise PathError("a field path must be a non-empty string")
        steps: list[tuple[int, Any]] = []
        for segment in text.split("."):
            m = _SEGMENT.fullmatch(segment)
            if m is None:
                raise PathError(
                    f"bad field path {text!r}: write names separated by dots, "
                    "each optionally followed by [*] or [N] (like tools[*].name)"
                )
            steps.append((KEY, m.group(1)))
            for b in _BRACKET.finditer(m.group(2)):
                inside = b.group(1)
                steps.append((EACH, None) if inside == "*" else (INDEX, int(inside)))
        self.text = text
        self.steps = tuple(steps)
        self.wildcard = any(kind == EACH for kind, _ in steps)
        self.key: str | None = steps[0][1] if len(steps) == 1 else None

    def __repr__(self) -> str:
        return f"FieldPath({self.text!r})"

    def get(self, record: Any) -> Any:
        """The value at this (``[*]``-free) path, or ``MISSING``."""
        node = record
        for kind, arg in self.steps:
            if kind == KEY:
                if not isinstance(node, dict):
                    return MISSING
                node = node.get(arg, MISSING)
                if node is MISSING:
                    return MISSING
            elif kind == INDEX:
                if not isinstance(node, list) or arg >= len(node):
                    return MISSING
                node = node[arg]
            else:  # EACH: callers use ``each`` for wildcard paths
                return MISSING
        return node

    def each(self, record: Any) -> list[tuple[str, Any]]:
        """Every ``(concrete path, value)`` this path reaches; ``[*]`` expanded.

        A missing container gives one ``(path, MISSING)`` (the path written out in full,
        ``[*]`` included); ``[*]`` on a scalar gives ``(path so far, NotAList(value))``; an
        empty list gives no pairs at all.
        """
        current: list[tuple[str, Any]] = [("", record)]
        for kind, arg in self.steps:
            following: list[tuple[str, Any]] = []
            for where, node in current:
                if isinstance(node, NotAList):
                    following.append((where, node))
                elif node is MISSING:  # keep naming the whole path: "tools[*].name is missing"
                    step = f".{arg}" if kind == KEY else "[*]" if kind == EACH else f"[{arg}]"
                    following.append((where + step if where else str(arg), node))
                elif kind == KEY:
                    here = f"{where}.{arg}" if where else arg
                    following.append(
                        (here, node.get(arg, MISSING) if isinstance(node, dict) else MISSING)
                    )
                elif kind == INDEX:
                    here = f"{where}[{arg}]"
                    ok = isinstance(node, list) and arg < len(node)
                    following.append((here, node[arg] if ok else MISSING))
                elif isinstance(node, list):
                    following.extend((f"{where}[{i}]", item) for i, item in enumerate(node))
                elif isinstance(node, dict):
                    following.extend(
                        (f"{where}.{k}" if _IDENTIFIER.match(str(k)) else f"{where}[{k!r}]", v)
                        for k, v in node.items()
                    )
                elif node is None:
                    following.append((where + "[*]", MISSING))
                else:
                    following.append((where, NotAList(node)))
            current = following
        return current
