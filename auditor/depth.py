"""How deeply JSON data may nest, and one check for it that does not itself recurse.

Every part of auditor that walks a record (policy paths, masking, drift, snapshot
writing) recurses once per level. Data from outside (an API page, a local snapshot) is
checked against ``MAX_DEPTH`` when it is read, so nothing downstream can be driven into
a ``RecursionError``. Real assistant records nest a few levels (``widget_settings``,
``tools[*].parameters``); 64 is far above that and far below Python's recursion limit.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 64
"""Levels of objects and arrays a record may have, the record itself counting as one."""


def too_deep(value: Any, limit: int = MAX_DEPTH, level: int = 1) -> bool:
    """Whether ``value`` (at ``level``) holds an object or array deeper than ``limit``.

    Iterative (a stack, not recursion), so any depth is safe to check. A scalar is at no
    level; a dict or list passed in is at ``level``.
    """
    if type(value) is not dict and type(value) is not list:
        return False
    stack: list[tuple[Any, int]] = [(value, level)]
    pop, push = stack.pop, stack.append
    while stack:
        container, depth = pop()
        if depth > limit:
            return True
        for item in container.values() if type(container) is dict else container:
            if type(item) is dict or type(item) is list:
                push((item, depth + 1))
    return False
