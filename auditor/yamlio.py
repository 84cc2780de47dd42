"""Safe YAML loading that remembers line numbers, for ``file:line: message`` errors.

Policy files and the config file are written by people, so every error must point at
the line to fix. ``load_yaml`` is ``yaml.safe_load`` with three changes:

- mappings come back as ``MarkedMap`` and sequences as ``MarkedSeq``, which carry the
  line of the node, of each key and of each value/item (1-based);
- a key given twice in one mapping is an error (plain YAML keeps the last silently);
- aliases are bounded: at most ``MAX_ALIASES`` (100) in a file, and a file with aliases
  may expand to at most ``MAX_EXPANDED_NODES`` (100,000) values, so an alias bomb is a
  ``file:line`` error, not a hang;
- only ``true``/``false`` are booleans: YAML 1.1's ``yes``/``no``/``on``/``off`` stay
  strings, so ``email: {on: findings}`` means what it says;
- a date that does not exist (``2027-13-01``, ``2027-02-30``) stays the text written, so
  the reader that wants a date reports it at its line instead of failing the whole file.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode


class YamlError(Exception):
    """A file that is not valid YAML; ``line`` is 1-based (0 when unknown)."""

    def __init__(self, filename: str, line: int, message: str) -> None:
        super().__init__(f"{filename}:{line}: {message}" if line else f"{filename}: {message}")
        self.filename = filename
        self.line = line
        self.reason = message


class MarkedMap(dict[Any, Any]):
    """A dict that knows where it, its keys and its values were written."""

    line: int = 0
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        """The line of ``key`` (or of the mapping itself when the key is absent)."""
        return self.key_lines.get(key, self.line)


class MarkedSeq(list[Any]):
    """A list that knows where it and each of its items were written."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


MAX_ALIASES = 100
"""At most this many aliases (``*name``) in one file: hand-written policy and config
files need a few; an alias bomb needs many."""
MAX_EXPANDED_NODES = 100_000
"""A file with aliases may stand for at most this many nodes once every alias is
expanded: nine nested anchors of nine aliases each stand for a billion, and anything
that walks the data (checking, ``plain_value``, ``config show``) would walk them all."""


class _Loader(yaml.SafeLoader):
    """``SafeLoader`` with line-marked containers and bounded aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_marks: list[yaml.Mark] = []

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            self.alias_marks.append(mark)
            if len(self.alias_marks) > MAX_ALIASES:
                raise ComposerError(
                    None,
                    None,
                    f"more than {MAX_ALIASES} aliases (*name) in one file; "
                    "write the values out instead",
                    mark,
                )
        return super().compose_node(parent, index)

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        if self.alias_marks:
            _check_expansion(node, self.alias_marks[-1])
        return self.construct_document(node)


def _check_expansion(root: Node, mark: yaml.Mark) -> None:
    """Raise when ``root``, its aliases expanded, stands for more than
    ``MAX_EXPANDED_NODES`` nodes, or for infinitely many (an alias inside its anchor)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def too_big(why: str) -> ComposerError:
        return ComposerError(None, None, why, mark)

    def size(node: Node) -> int:
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in open_nodes:
            raise too_big("an alias refers to the anchor that contains it (endless data)")
        total = 1
        if isinstance(node, (SequenceNode, MappingNode)):
            open_nodes.add(key)
            children = (
                node.value
                if isinstance(node, SequenceNode)
                else [part for pair in node.value for part in pair]
            )
            for child in children:
                total += size(child)
                if total > MAX_EXPANDED_NODES:
                    raise too_big(
                        f"its aliases (*name) expand to more than {MAX_EXPANDED_NODES:,} "
                        "values; write the values out, or use fewer aliases"
                    )
            open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)


# Booleans: YAML 1.2 spelling only.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_mapping(loader: _Loader, node: MappingNode) -> MarkedMap:
    loader.flatten_mapping(node)
    result = MarkedMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.value_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            )
        if key in result:
            first = result.key_lines[key]
            raise ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first given on line {first})",
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
        result.value_lines[key] = value_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: SequenceNode) -> MarkedSeq:
    result = MarkedSeq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    # ``2027-13-01`` looks like a date to YAML but is none; PyYAML raises a bare
    # ValueError for it. Kept as the text written, the reader that wants a date
    # reports it at its line, along with the file's other problems.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def load_yaml(text: str, filename: str = "<string>") -> Any:
    """Parse one YAML document; raise ``YamlError`` with the line on any problem."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        reason = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlError(filename, line, f"invalid YAML: {reason or exc}") from None
    except yaml.YAMLError as exc:
        raise YamlError(filename, 0, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlError(filename, 0, "invalid YAML: nested too deeply") from None


def load_yaml_file(path: Path) -> Any:
    """Read and parse ``path``; unreadable files are a ``YamlError`` too."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise YamlError(str(path), 0, "not UTF-8 text") from None
    except OSError as exc:
        raise YamlError(str(path), 0, f"cannot read: {exc.strerror or exc}") from None
    return load_yaml(text, str(path))


def line_at(document: Any, path: Sequence[Any]) -> int:
    """The best line for a problem at ``path`` (keys and indexes) inside ``document``.

    Walks as deep as the path exists and returns the line of the deepest node reached,
    preferring the line of the key itself, so errors point at what to edit.
    """
    node = document
    line = getattr(node, "line", 0)
    for step in path:
        if isinstance(node, MarkedMap) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, MarkedSeq) and isinstance(step, int) and 0 <= step < len(node):
            line = node.line_of(step)
            node = node[step]
        else:
            break
    return line


def line_of(node: Any, key: Any) -> int:
    """The line of ``key`` (a mapping key or a list index) in a marked node, else the
    node's own line (0 for plain values, which carry none)."""
    at = getattr(node, "line_of", None)
    return int(at(key)) if callable(at) else int(getattr(node, "line", 0))


def plain_value(value: Any) -> Any:
    """YAML's extras made JSON-like: dates → ISO strings, marked maps/lists → plain ones."""
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    return value
