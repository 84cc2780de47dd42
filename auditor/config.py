"""The config file: find it, read it with line marks, and give each setting its value.

A nightly run is one short command next to its settings: ``auditor.yaml`` in the
working directory (or ``--config PATH``, or ``[tool.auditor]`` in ``pyproject.toml``).
Reading keeps the line of every key, so ``auditor.configcheck`` can report each problem
at ``file:line`` and ``config show`` can say where a value came from. The keys are the
table's (``auditor.settings_table``); paths in the file are relative to its folder.
Which of these values wins over flags and env vars is ``auditor.resolve``'s business.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.configcheck import LineOf, check_document
from auditor.errors import ConfigError, ConfigFileError
from auditor.settings_table import SETTINGS, Setting, Sourced
from auditor.yamlio import plain_value

CONFIG_NAMES = ("auditor.yaml", "auditor.yml")
ACCOUNT_WHERE = "_where"
"""Added to each ``accounts`` entry: the ``file:line`` it is written at."""


@dataclass(frozen=True)
class ConfigFile:
    """A parsed, validated config file: setting name → value with its ``file:line``."""

    path: Path
    values: Mapping[str, Sourced] = field(default_factory=dict)


def find_config(explicit: str | None, given_by: str = "--config / AUDITOR_CONFIG") -> Path | None:
    """``--config`` if given, else ``./auditor.yaml``, else ``./pyproject.toml`` with a
    ``[tool.auditor]`` table, else nothing. ``given_by`` names where ``explicit`` came
    from (the flag or the env var), for the error when it is not there."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {explicit} not found; check {given_by}")
        return path
    for name in CONFIG_NAMES:
        if Path(name).is_file():
            return Path(name)
    pyproject = Path("pyproject.toml")
    if pyproject.is_file():
        try:
            text = pyproject.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        if re.search(r"^\s*\[\s*tool\s*\.\s*auditor\s*[.\]]", text, re.MULTILINE):
            return pyproject
    return None


def load_config(path: Path, table: tuple[Setting, ...] = SETTINGS) -> ConfigFile:
    """Read and check a config file (every problem is reported at once); each setting
    it gives becomes a ``Sourced`` value marked with its ``file:line``."""
    document, line_of = read_document(path)
    problems = check_document(document, path, line_of, table)
    if problems:
        raise ConfigFileError(problems)
    values: dict[str, Sourced] = {}
    for row in table:
        node: Any = document
        for key in row.key:
            node = node.get(key) if isinstance(node, Mapping) else None
        if not row.key or node is None:
            continue
        value = _FILE_FORMS.get(row.name, _plain_form)(row, plain_value(node), path, line_of)
        values[row.name] = Sourced(value, "file", f"{path}:{line_of(row.key)}", secret=row.secret)
    return ConfigFile(path, values)


def read_document(path: Path) -> tuple[Any, LineOf]:
    """The file's settings as parsed, and the line of any key path in it."""
    if path.suffix == ".toml":
        return _load_toml(path)
    from auditor.yamlio import YamlError, line_at, load_yaml_file

    try:
        document = load_yaml_file(path)
    except YamlError as exc:
        raise ConfigFileError([str(exc)]) from None
    if document is None:
        document = {}

    def line_of(keys: tuple[Any, ...]) -> int:
        return line_at(document, keys)

    return document, line_of


def _plain_form(row: Setting, value: Any, path: Path, line_of: LineOf) -> Any:
    """A value as the CLI would give it: a list for a repeatable setting, paths relative
    to the config file's folder."""
    if row.many and isinstance(value, str):
        value = [value]
    if row.type == "path":
        if row.many:
            return [str(path.parent / item) for item in value]
        return str(path.parent / value)
    return value


def _reports_form(row: Setting, value: Any, path: Path, line_of: LineOf) -> Any:
    return [
        {"format": r["format"], "output": str(path.parent / r["output"])}
        if r.get("output") not in (None, "-")
        else {"format": r["format"], "output": None}
        for r in value
    ]


def _accounts_form(row: Setting, value: Any, path: Path, line_of: LineOf) -> Any:
    """Each account with the ``file:line`` it is written at, for ``config show``."""
    return [
        {**entry, ACCOUNT_WHERE: f"{path}:{line_of(('accounts', index))}"}
        for index, entry in enumerate(value)
    ]


_FILE_FORMS: Mapping[str, Callable[[Setting, Any, Path, LineOf], Any]] = {
    "reports": _reports_form,
    "accounts": _accounts_form,
}
"""Settings whose file value is a structure the CLI has no flag for."""


def _load_toml(path: Path) -> tuple[Any, LineOf]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigFileError([f"{path}: cannot read: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = re.search(r"\s*\(at line (\d+), column \d+\)$", message)
        if where is None:
            raise ConfigFileError([f"{path}: invalid TOML: {message}"]) from None
        message = message[: where.start()]
        raise ConfigFileError([f"{path}:{where.group(1)}: invalid TOML: {message}"]) from None
    document = data.get("tool", {}).get("auditor", {})
    header, lines = _toml_lines(text)

    def line_of(keys: tuple[Any, ...]) -> int:
        for end in range(len(keys), 0, -1):
            if keys[:end] in lines:
                return lines[keys[:end]]
        return header

    return document, line_of


_TOML_HEADER = re.compile(r"^\s*(\[\[?)([^\[\]]+)\]\]?\s*(#.*)?$")
_TOML_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_TOML_KEY = re.compile(rf"^\s*({_TOML_PART}(?:\s*\.\s*{_TOML_PART})*)\s*=")


def _toml_key(dotted: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


def _toml_lines(text: str) -> tuple[int, dict[tuple[Any, ...], int]]:
    """The line of ``[tool.auditor]`` and of every key path below it.

    Paths are those of the parsed table: ``("email", "smtp_port")`` for a key under
    ``[tool.auditor.email]``, ``("accounts", 1, "name")`` for the second
    ``[[tool.auditor.accounts]]``, ``("reports", 0)`` for the first element of a
    ``reports = [...]`` array written over several lines. The file is valid TOML by
    now, so a line scanner is enough.
    """
    header = 0
    found: dict[tuple[Any, ...], int] = {}
    table: tuple[Any, ...] | None = None
    arrays: dict[tuple[str, ...], int] = {}
    open_array: tuple[Any, ...] | None = None
    element = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if open_array is not None:
            stripped = line.strip()
            if stripped.startswith("]"):
                open_array = None
            elif stripped.startswith(("{", '"', "'")) or stripped[:1].isalnum():
                found.setdefault((*open_array, element), number)
                element += 1
            continue
        heading = _TOML_HEADER.match(line)
        if heading is not None:
            name = _toml_key(heading.group(2))
            if name[:2] != ("tool", "auditor"):
                table = None
                continue
            relative = name[2:]
            if heading.group(1) == "[[":
                arrays[relative] = arrays.get(relative, -1) + 1
                found.setdefault(relative, number)
                table = (*relative, arrays[relative])
            else:
                table = relative
                if not relative:
                    header = number
            found.setdefault(table, number)
            continue
        key = _TOML_KEY.match(line)
        if key is None or table is None:
            continue
        path = (*table, *_toml_key(key.group(1)))
        found.setdefault(path, number)
        value = line[key.end() :].split("#", 1)[0]
        if value.strip().startswith("[") and value.count("[") > value.count("]"):
            open_array, element = path, value.count("{")  # elements on the key's line
            for index in range(element):
                found.setdefault((*path, index), number)
    return header, found
