"""Turn command-line options and the config file into one typed settings object.

A nightly run is one short command next to its settings: ``auditor.yaml`` in the
working directory (or ``--config PATH``, or ``[tool.auditor]`` in ``pyproject.toml``).
Precedence is flag > env var > file > default; every resolved value keeps its origin so
``auditor config show`` can say where it came from. Unknown keys and wrong types are
exit 2 with ``file:line``. Paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.choices import COLOR_MODES, EMAIL_ON, FORMATS, NOTIFY_ON, SEVERITY_CHOICES
from auditor.errors import ConfigError, ConfigFileError
from auditor.model import Severity
from auditor.redact import register_secret
from auditor.settings import (
    DEFAULT_BASE_URL,
    DEFAULT_CONCURRENCY,
    DEFAULT_IGNORE_FIELDS,
    DEFAULT_RETRY_BUDGET,
    DEFAULT_TIMEOUT,
    DEFAULT_UNORDERED_LISTS,
    ApiSettings,
    ApproveSettings,
    AuditSettings,
    DemoSettings,
    DiffSettings,
    DriftIgnore,
    DriftSettings,
    EmailSettings,
    FetchSettings,
    GateSettings,
    HistorySettings,
    NotifySettings,
    NotifyTarget,
    OutputSettings,
    OutputSpec,
    PolicySettings,
    SandboxSettings,
    Sourced,
    api_key_problem,
    split_list,
)
from auditor.yamlio import plain_value

CONFIG_NAMES = ("auditor.yaml", "auditor.yml")
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*\Z"  # \Z: $ would let "NAME\n" through
_ACCOUNT_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z"
r"""An account name is a file name (``baselines/<name>.json``) and a report row: ASCII
letters, digits, ``.``, ``_``, ``-``, no leading dot, at most 64. ``\Z``, not ``$``,
which Python's ``re`` also matches before a final newline."""
_STRINGS = {"type": "array", "items": {"type": "string", "minLength": 1}}
_NOTIFY = {"slack": "slack_webhooks", "teams": "teams_webhooks", "webhook": "webhooks"}
"""``notify:`` keys of the config file → the option each stands in for."""

CONFIG_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "base_url": {"type": "string", "pattern": "^https?://"},
        "api_key_env": {"type": "string", "pattern": _ENV_NAME},
        "timeout": {"type": "number", "exclusiveMinimum": 0},
        "retry_budget": {"type": "number", "minimum": 0},
        "concurrency": {"type": "integer", "minimum": 1, "maximum": 64},
        "policies": {"anyOf": [{"type": "string"}, _STRINGS]},
        "baseline": {"type": "string", "minLength": 1},
        "history": {"type": "string", "minLength": 1},
        "ignore_drift": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["paths"],
                "properties": {
                    "assistants": _STRINGS,
                    "paths": {**_STRINGS, "minItems": 1},
                    "reason": {"type": "string"},
                },
            },
        },
        "ignore_fields": _STRINGS,
        "unordered_lists": _STRINGS,
        "select": _STRINGS,
        "ignore": _STRINGS,
        "frameworks": _STRINGS,
        "filters": _STRINGS,
        "reports": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["format"],
                "properties": {
                    "format": {"enum": list(FORMATS)},
                    "output": {"type": "string", "minLength": 1},
                },
            },
        },
        "gate": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "fail_on_violation": {"type": "boolean"},
                "severity_threshold": {"enum": list(SEVERITY_CHOICES)},
                "fail_on_drift": {"type": "boolean"},
                "fail_on_new": {"type": "boolean"},
            },
        },
        "email": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "to": {"anyOf": [{"type": "string"}, _STRINGS]},
                "from": {"type": "string"},
                "smtp_host": {"type": "string"},
                "smtp_port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "starttls": {"type": "boolean"},
                "ssl": {"type": "boolean"},
                "user": {"type": "string"},
                "on": {"enum": list(EMAIL_ON)},
                "password_env": {"type": "string", "pattern": _ENV_NAME},
            },
        },
        "notify": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                **{kind: {"anyOf": [{"type": "string"}, _STRINGS]} for kind in _NOTIFY},
                **{f"{kind}_on": {"enum": list(NOTIFY_ON)} for kind in _NOTIFY},
            },
        },
        "accounts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "base_url", "api_key_env"],
                "properties": {
                    "name": {"type": "string", "pattern": _ACCOUNT_NAME},
                    "base_url": {"type": "string", "pattern": "^https?://"},
                    "api_key_env": {"type": "string", "pattern": _ENV_NAME},
                },
            },
        },
    },
}

# config key path → option name (the name of the click parameter it stands in for)
_KEYS: dict[tuple[str, ...], str] = {
    ("base_url",): "base_url",
    ("timeout",): "timeout",
    ("retry_budget",): "retry_budget",
    ("concurrency",): "concurrency",
    ("policies",): "policies",
    ("baseline",): "baseline",
    ("history",): "history",
    ("ignore_drift",): "ignore_drift",
    ("ignore_fields",): "ignore_fields",
    ("unordered_lists",): "unordered_lists",
    ("select",): "select",
    ("ignore",): "ignore",
    ("frameworks",): "frameworks",
    ("filters",): "filters",
    ("reports",): "reports",
    ("gate", "fail_on_violation"): "fail_on_violation",
    ("gate", "severity_threshold"): "severity_threshold",
    ("gate", "fail_on_drift"): "fail_on_drift",
    ("gate", "fail_on_new"): "fail_on_new",
    ("email", "to"): "email_to",
    ("email", "from"): "email_from",
    ("email", "smtp_host"): "smtp_host",
    ("email", "smtp_port"): "smtp_port",
    ("email", "user"): "smtp_user",
    ("email", "starttls"): "smtp_starttls",
    ("email", "ssl"): "smtp_ssl",
    ("email", "on"): "email_on",
    ("accounts",): "accounts",
    ("api_key_env",): "api_key_env",
    ("email", "password_env"): "smtp_password_env",
    **{("notify", kind): name for kind, name in _NOTIFY.items()},
    **{("notify", f"{kind}_on"): f"{kind}_on" for kind in _NOTIFY},
}
_PATH_KEYS = {"policies", "baseline", "history"}
_WHERE = "_where"
"""Added to each ``accounts`` entry: the ``file:line`` it is written at."""


@dataclass(frozen=True)
class ConfigFile:
    """A parsed, validated config file: option name → value with its ``file:line``."""

    path: Path
    values: Mapping[str, Sourced] = field(default_factory=dict)


def find_config(explicit: str | None) -> Path | None:
    """``--config`` if given, else ``./auditor.yaml``, else ``./pyproject.toml`` with a
    ``[tool.auditor]`` table, else nothing."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"config file {explicit} not found; check --config / AUDITOR_CONFIG")
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


def load_config(path: Path) -> ConfigFile:
    """Read and validate a config file; every problem is reported at once."""
    if path.suffix == ".toml":
        document, line_of = _load_toml(path)
    else:
        from auditor.yamlio import YamlError, line_at, load_yaml_file

        try:
            document = load_yaml_file(path)
        except YamlError as exc:
            raise ConfigFileError([str(exc)]) from None
        if document is None:
            document = {}

        def line_of(keys: tuple[Any, ...]) -> int:
            return line_at(document, keys)

    problems = _validate(document, path, line_of)
    if problems:
        raise ConfigFileError(problems)
    values: dict[str, Sourced] = {}
    for keys, name in _KEYS.items():
        node: Any = document
        for key in keys:
            node = node.get(key) if isinstance(node, Mapping) else None
        if node is None:
            continue
        value = plain_value(node)
        if name in _PATH_KEYS:
            items = [value] if isinstance(value, str) else value
            value = [str(path.parent / item) for item in items]
            if name in ("baseline", "history"):
                value = value[0]
        elif name == "reports":
            value = [
                {"format": r["format"], "output": str(path.parent / r["output"])}
                if r.get("output") not in (None, "-")
                else {"format": r["format"], "output": None}
                for r in value
            ]
        elif name in ("email_to", *_NOTIFY.values()) and isinstance(value, str):
            value = [value]
        elif name == "accounts":  # where each account is written, for `config show`
            value = [
                {**entry, _WHERE: f"{path}:{line_of(('accounts', index))}"}
                for index, entry in enumerate(value)
            ]
        secret = name in _NOTIFY.values()
        values[name] = Sourced(value, "file", f"{path}:{line_of(keys)}", secret=secret)
    return ConfigFile(path, values)


def _validate(document: Any, path: Path, line_of: Any) -> list[str]:
    import jsonschema

    if not isinstance(document, Mapping):
        return [f"{path}:{line_of(())}: the config file must be a mapping of settings"]
    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    problems: list[tuple[int, str]] = []
    for error in validator.iter_errors(document):
        keys = tuple(error.absolute_path)
        where = ".".join(str(k) for k in keys) or "(top level)"
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - set(known), key=str):
                problems.append(
                    (
                        line_of((*keys, extra)),
                        f"unknown key {'.'.join([*map(str, keys), str(extra)])!r} "
                        f"(known: {', '.join(known)})",
                    )
                )
            continue
        if error.validator == "enum":
            message = (
                f"{where}: {error.instance!r} is not one of "
                f"{', '.join(map(str, error.validator_value))}"
            )
        elif error.validator == "type" or error.validator == "anyOf":
            expected = error.validator_value if error.validator == "type" else "a list of strings"
            message = f"{where}: expected {expected}, got {type(error.instance).__name__}"
        elif keys and keys[-1] in _NAMES_A_VARIABLE:
            message = _names_a_variable(where, keys[-1], error.instance)
        elif error.validator == "pattern" and "base_url" in where:
            shown = _without_userinfo(str(error.instance))
            message = f"{where}: {shown!r} must start with https:// (or http://)"
        elif error.validator == "pattern" and error.validator_value == _ACCOUNT_NAME:
            message = (
                f"{where}: {error.instance!r} is not a valid account name; use 1 to 64 "
                "letters, digits, '.', '_' or '-', not starting with a dot"
            )
        elif error.validator == "pattern":
            message = f"{where}: {error.instance!r} is not a valid name"
        else:
            message = f"{where}: {error.message}"
        problems.append((line_of(keys), message))
    email_section = document.get("email")
    if isinstance(email_section, Mapping) and all(
        email_section.get(key) is True for key in ("ssl", "starttls")
    ):
        problems.append(
            (
                line_of(("email", "ssl")),
                "email: ssl (TLS from the start, usually port 465) and starttls (usually "
                "port 587) exclude each other; keep one",
            )
        )
    for name in ("timeout", "retry_budget"):  # YAML .inf / .nan and TOML inf / nan
        value = document.get(name)
        if isinstance(value, float) and (math.isnan(value) or value == math.inf):
            problems.append(
                (line_of((name,)), f"{name}: must be a finite number of seconds (got {value})")
            )
    problems.extend(_account_problems(document.get("accounts"), line_of))
    problems.extend(_secret_problems(document, line_of))
    problems.extend(_report_problems(document.get("reports"), line_of))
    return [
        f"{path}:{line}: {message}"
        + (
            " — passwords never go in the config file; set AUDITOR_SMTP_PASSWORD"
            if "'email.password'" in message
            else ""
        )
        for line, message in sorted(problems, key=lambda p: p[0])
    ]


_NAMES_A_VARIABLE = {
    "api_key_env": ("NORTH_KEY", "key"),
    "password_env": ("SMTP_PASSWORD", "password"),
}
"""Keys that name an environment variable: the example shown, and what they must not hold."""
_RANDOM = re.compile(r"(?=[^a-z]*[a-z])(?=[^A-Z]*[A-Z])(?=[^0-9]*[0-9])[A-Za-z0-9]{24,}")
"""A random-looking token: 24+ letters and digits, mixed case, no ``_`` (names have them)."""


def _names_a_variable(where: str, key: str, value: Any) -> str:
    """The error for a variable-naming key that holds something else (often the secret
    itself: it is registered, and never shown)."""
    if isinstance(value, str):
        register_secret(value)
    example, what = _NAMES_A_VARIABLE[key]
    return f"{where} must name an environment variable (e.g. {example}), not hold the {what}"


def _holds_a_secret(name: str) -> bool:
    """Whether a valid variable name looks like a key pasted in its place (``sk_live_…``)."""
    from auditor.secretscan import find_secrets

    return bool(find_secrets(name)) or _RANDOM.fullmatch(name) is not None


def _without_userinfo(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``, to be shown."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", r"\1***@", url)


def userinfo_problem(url: str, where: str) -> str | None:
    """The error for a base URL that carries credentials (``https://user:pass@host``);
    the URL is not shown, its password is registered as a secret."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        has_userinfo = "@" in parts.netloc
    except ValueError:
        return None
    if not has_userinfo:
        return None
    register_secret(parts.netloc.rpartition("@")[0].partition(":")[2])
    register_secret(parts.netloc.rpartition("@")[0])
    return (
        f"{where}: the base URL must not hold a user name or password (user:pass@host); "
        "remove it: the API key goes in --api-key, INTELLIXENT_API_KEY or api_key_env"
    )


def _secret_problems(document: Mapping[str, Any], line_of: Any) -> list[tuple[int, str]]:
    """Secrets where the file should only name them: a key pasted as ``api_key_env``, a
    password in a base URL."""
    entries: list[tuple[tuple[Any, ...], Any]] = [((), document)]
    email_section = document.get("email")
    if isinstance(email_section, Mapping):
        entries.append((("email",), email_section))
    accounts = document.get("accounts")
    if isinstance(accounts, list):
        entries += [(("accounts", i), a) for i, a in enumerate(accounts) if isinstance(a, Mapping)]
    problems: list[tuple[int, str]] = []
    for keys, entry in entries:
        where = ".".join(map(str, keys))
        for key in _NAMES_A_VARIABLE:
            value = entry.get(key)
            if isinstance(value, str) and re.fullmatch(_ENV_NAME, value) and _holds_a_secret(value):
                dotted = f"{where}.{key}" if where else key
                problems.append((line_of((*keys, key)), _names_a_variable(dotted, key, value)))
        url = entry.get("base_url")
        if isinstance(url, str):
            dotted = f"{where}.base_url" if where else "base_url"
            problem = userinfo_problem(url, dotted)
            if problem:
                problems.append((line_of((*keys, "base_url")), problem))
    return problems


def _account_problems(accounts: Any, line_of: Any) -> list[tuple[int, str]]:
    """Account names must be unique: they name baselines, waivers and report rows."""
    if not isinstance(accounts, list):
        return []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(accounts):
        name = entry.get("name") if isinstance(entry, Mapping) else None
        if not isinstance(name, str):
            continue
        if name in seen:
            problems.append(
                (
                    line_of(("accounts", index, "name")),
                    f"accounts.{index}.name: account {name!r} is already listed "
                    f"(accounts.{seen[name]}); every account needs its own name",
                )
            )
        else:
            seen[name] = index
    return problems


def _report_problems(reports: Any, line_of: Any) -> list[tuple[int, str]]:
    """At most one report on stdout; a file's extension must fit its format."""
    if not isinstance(reports, list):
        return []
    problems: list[tuple[int, str]] = []
    to_stdout: list[int] = []
    for index, entry in enumerate(reports):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("format"), str):
            continue
        output = entry.get("output")
        if output in (None, "-"):
            to_stdout.append(index)
            if len(to_stdout) == 2:
                problems.append(
                    (
                        line_of(("reports", index)),
                        f"reports.{index}: only one report can go to stdout (reports."
                        f"{to_stdout[0]} already does); give this one an output file",
                    )
                )
        elif isinstance(output, str):
            mismatch = format_mismatch(entry["format"], output)
            if mismatch:
                problems.append((line_of(("reports", index)), f"reports.{index}: {mismatch}"))
    return problems


def _load_toml(path: Path) -> tuple[Any, Any]:
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


# -- resolving options ----------------------------------------------------------------------


def merge_config(
    options: dict[str, Sourced], only: Collection[str] | None = None
) -> tuple[dict[str, Sourced], ConfigFile | None]:
    """Fill every option left at its default from the config file, if there is one.

    ``only`` limits which of the file's settings apply (all of them by default). The
    file is still read and checked whole, so a broken file is exit 2 for every command.
    """
    explicit = options.get("config_path")
    path = find_config(explicit.value if explicit is not None else None)
    if path is None:
        return options, None
    config = load_config(path)
    merged = dict(options)
    for name, value in config.values.items():
        if only is not None and name not in only:
            continue
        current = merged.get(name)
        if current is None or current.origin == "default" or _empty_default(current):
            merged[name] = value
    return merged, config


def _empty_default(value: Sourced) -> bool:
    return value.origin == "default" and value.value in (None, (), [])


def _value(options: Mapping[str, Sourced], name: str, default: Any = None) -> Any:
    item = options.get(name)
    if item is None or item.value is None or item.value == ():
        return default
    return item.value


def _output_settings(options: Mapping[str, Sourced]) -> OutputSettings:
    color = _value(options, "color", "auto")
    if color not in COLOR_MODES:
        color = "auto"
    return OutputSettings(
        verbosity=int(_value(options, "verbose", 0) or 0),
        quiet=bool(_value(options, "quiet", False)),
        color=color,
    )


def _api_settings(options: Mapping[str, Sourced], progress: bool) -> ApiSettings:
    key_env = _value(options, "api_key_env", "INTELLIXENT_API_KEY")
    api_key = _value(options, "api_key")
    if api_key is None and key_env != "INTELLIXENT_API_KEY":
        api_key = os.environ.get(key_env) or None
    register_secret(api_key)
    given = options.get("api_key")
    if given is not None and given.value is not None:
        _check_api_key(api_key, given.where or "--api-key")
    else:
        _check_api_key(api_key, f"{key_env} (the variable api_key_env names)")
    base_url = str(_value(options, "base_url", DEFAULT_BASE_URL)).rstrip("/")
    given_url = options.get("base_url")
    problem = userinfo_problem(base_url, given_url.where if given_url else "--base-url")
    if problem:
        raise ConfigError(problem)
    return ApiSettings(
        base_url=base_url,
        api_key=api_key,
        timeout=_seconds(options, "timeout", DEFAULT_TIMEOUT),
        concurrency=int(_value(options, "concurrency", DEFAULT_CONCURRENCY)),
        retry_budget=_seconds(options, "retry_budget", DEFAULT_RETRY_BUDGET),
        api_key_env=key_env,
        progress=progress,
    )


def _check_api_key(key: str | None, where: str) -> None:
    """A key that cannot go in an HTTP header is exit 2 before any request (not shown)."""
    problem = api_key_problem(key) if key else None
    if problem:
        raise ConfigError(f"the API key from {where} {problem}")


def _seconds(options: Mapping[str, Sourced], name: str, default: float) -> float:
    """A time setting: a finite number of seconds, whichever source gave it."""
    value = float(_value(options, name, default))
    if not math.isfinite(value) or value < 0 or (value == 0 and name == "timeout"):
        item = options.get(name)
        where = item.where if item is not None and item.where else name
        raise ConfigError(
            f"{where}: {name.replace('_', '-')} must be a finite number of seconds (got {value!r})"
        )
    return value


def _accounts(
    options: Mapping[str, Sourced], progress: bool, only: tuple[str, ...] = ()
) -> tuple[ApiSettings, ...]:
    """The accounts to read: the config file's list, or one from the flags/env."""
    configured = _value(options, "accounts")
    base_flag = options.get("base_url")
    if not configured or (base_flag is not None and base_flag.origin == "flag"):
        if only:
            raise ConfigError("--account needs an 'accounts' list in the config file")
        return (_api_settings(options, progress),)
    names = [a["name"] for a in configured]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"account names must be unique; {', '.join(duplicates)} is repeated")
    unknown = [n for n in only if n not in names]
    if unknown:
        raise ConfigError(
            f"unknown account {', '.join(unknown)} (accounts in the config file: "
            f"{', '.join(names)})"
        )
    base = _api_settings(options, progress)
    accounts = []
    for entry in configured:
        if only and entry["name"] not in only:
            continue
        key = os.environ.get(entry["api_key_env"]) or None
        register_secret(key)
        _check_api_key(key, f"{entry['api_key_env']} (the api_key_env of account {entry['name']})")
        accounts.append(
            ApiSettings(
                base_url=entry["base_url"].rstrip("/"),
                api_key=key,
                timeout=base.timeout,
                concurrency=base.concurrency,
                retry_budget=base.retry_budget,
                account=entry["name"],
                api_key_env=entry["api_key_env"],
                progress=progress,
                defined_at=entry.get(_WHERE, ""),
            )
        )
    return tuple(accounts)


_EXTENSIONS = {
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".xml": "junit",
    ".sarif": "sarif",
    ".txt": "text",
}


# (format, format the extension suggests) pairs that are fine: SARIF is JSON, and the
# GitHub annotations and Markdown are text
_FITTING = {("sarif", "json"), ("github", "text"), ("markdown", "text")}


def format_mismatch(fmt: str, output: str) -> str | None:
    """Why writing ``fmt`` to ``output`` is likely a mistake, or ``None``.

    ``--format`` and ``--output`` pair by position, so ``--format github --format html
    -o report.html`` would put the annotations into ``report.html``; an extension that
    names another format gives that away.
    """
    suffix = Path(output).suffix.lower()
    expected = _EXTENSIONS.get(suffix)
    if expected is None or expected == fmt or (fmt, expected) in _FITTING:
        return None
    return f"the {fmt} report would go to {output}, but {suffix} is for {expected}"


def _outputs(options: Mapping[str, Sourced], quiet: bool) -> tuple[OutputSpec, ...]:
    """Pair ``--format`` with ``--output`` by position (or take the file's ``reports``)."""
    formats = list(_value(options, "formats", ()))
    paths = list(_value(options, "outputs", ()))
    specs: list[OutputSpec] = []
    if not formats and not paths and options.get("reports") is not None:
        for entry in _value(options, "reports", []):
            out = entry.get("output")
            specs.append(OutputSpec(entry["format"], Path(out) if out else None))
    else:
        for index in range(max(len(formats), len(paths))):
            target = paths[index] if index < len(paths) else None
            fmt = formats[index] if index < len(formats) else None
            if fmt is None:
                assert target is not None
                fmt = _EXTENSIONS.get(Path(target).suffix.lower())
                if fmt is None:
                    raise ConfigError(
                        f"cannot tell the report format of {target} from its extension; "
                        f"add --format ({', '.join(FORMATS)})"
                    )
            elif target not in (None, "-"):
                mismatch = format_mismatch(fmt, target)
                if mismatch:
                    raise ConfigError(
                        f"{mismatch}: --format and --output pair by position; give every "
                        "--format its own --output in the same order (-o - for stdout)"
                    )
            specs.append(OutputSpec(fmt, None if target in (None, "-") else Path(target)))
    to_stdout = [s for s in specs if s.path is None]
    if len(to_stdout) > 1:
        raise ConfigError(
            "only one report can go to stdout; give --output PATH for the other --format options"
        )
    if not to_stdout and not (quiet and specs):  # -q with report files: nothing on stdout
        specs.append(OutputSpec("text"))
    return tuple(specs)


def _drift_settings(options: Mapping[str, Sourced]) -> DriftSettings:
    return DriftSettings(
        ignore_fields=split_list(_value(options, "ignore_fields", DEFAULT_IGNORE_FIELDS)),
        unordered_lists=split_list(_value(options, "unordered_lists", DEFAULT_UNORDERED_LISTS)),
        scoped=_drift_ignores(options),
    )


def _drift_ignores(options: Mapping[str, Sourced]) -> tuple[DriftIgnore, ...]:
    """``ignore_drift:`` of the config file, its assistant selectors checked (exit 2)."""
    from auditor.policy.waivers import parse_selector

    source = options.get("ignore_drift")
    where = source.where if source is not None else "ignore_drift"
    found: list[DriftIgnore] = []
    for number, entry in enumerate(_value(options, "ignore_drift", ()) or ()):
        assistants = tuple(str(a) for a in entry.get("assistants", ()))
        for text in assistants:
            try:
                parse_selector(text)
            except ValueError as exc:
                raise ConfigError(f"{where}: ignore_drift[{number}]: {exc}") from None
        paths = tuple(str(p) for p in entry["paths"])
        found.append(DriftIgnore(paths, assistants, str(entry.get("reason", "")), where))
    return tuple(found)


def _email_settings(options: Mapping[str, Sourced]) -> EmailSettings:
    password = _value(options, "smtp_password")
    password_env = _value(options, "smtp_password_env")
    if password is None and password_env:
        password = os.environ.get(password_env) or None
    register_secret(password)
    ssl = bool(_value(options, "smtp_ssl", False))
    starttls = bool(_value(options, "smtp_starttls", False))
    if ssl and starttls:
        raise ConfigError("--smtp-ssl and --smtp-starttls exclude each other; choose one")
    dry_run = _value(options, "email_dry_run")
    to = split_list(_value(options, "email_to", ()))
    sender = _value(options, "email_from")
    if to:  # a typo in an address is a usage error now, not a mail failure after the fetch
        from auditor.email import address_problem

        for value, option in [*((t, "--email-to") for t in to), (sender, "--email-from")]:
            problem = value is not None and address_problem(str(value), option)
            if problem:
                raise ConfigError(problem)
    return EmailSettings(
        to=to,
        sender=sender,
        smtp_host=_value(options, "smtp_host"),
        smtp_port=_value(options, "smtp_port"),
        smtp_user=_value(options, "smtp_user"),
        smtp_password=password,
        starttls=starttls,
        ssl=ssl,
        on=_value(options, "email_on", "findings"),
        dry_run=Path(dry_run) if dry_run else None,
    )


def _notify_settings(options: Mapping[str, Sourced]) -> NotifySettings:
    """Every webhook target, each URL registered as a secret and checked before any fetch."""
    targets: list[NotifyTarget] = []
    for kind, name in _NOTIFY.items():
        on = _value(options, f"{kind}_on") or "findings"
        flag = "--webhook" if kind == "webhook" else f"--{kind}-webhook"
        for url in split_list(_value(options, name, ())):
            from auditor.notify import check_webhook_url

            register_secret(url)
            check_webhook_url(url, flag)
            targets.append(NotifyTarget(kind, url.strip(), on))
    return NotifySettings(tuple(targets))


def _progress(options: Mapping[str, Sourced]) -> bool:
    quiet = bool(_value(options, "quiet", False))
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


def build_audit_settings(options: dict[str, Sourced]) -> AuditSettings:
    options, _ = merge_config(options)
    output = _output_settings(options)
    gate = GateSettings(
        fail_on_violation=bool(_value(options, "fail_on_violation", False)),
        severity_threshold=Severity.parse(_value(options, "severity_threshold", "low")),
        fail_on_drift=bool(_value(options, "fail_on_drift", False)),
        fail_on_new=bool(_value(options, "fail_on_new", False)),
    )
    input_path = _value(options, "input_path")
    baseline = _value(options, "baseline")
    history = _value(options, "history")
    return AuditSettings(
        accounts=_accounts(
            options, _progress(options), split_list(_value(options, "account_names", ()))
        ),
        input=Path(input_path) if input_path else None,
        policies=tuple(Path(p) for p in _value(options, "policies", ())),
        baseline=Path(baseline) if baseline else None,
        history=Path(history) if history else None,
        outputs=_outputs(options, output.quiet),
        gate=gate,
        select=split_list(_value(options, "select", ())),
        ignore=split_list(_value(options, "ignore", ())),
        frameworks=split_list(_value(options, "frameworks", ())),
        filters=tuple(_value(options, "filters", ())),
        drift=_drift_settings(options),
        email=_email_settings(options),
        notify=_notify_settings(options),
        output=output,
        provenance=options,
    )


def _one_account(options: Mapping[str, Sourced]) -> ApiSettings:
    name = _value(options, "account_name")
    accounts = _accounts(options, _progress(options), (name,) if name else ())
    if len(accounts) > 1:
        names = ", ".join(a.account or "" for a in accounts)
        raise ConfigError(
            f"the config file lists several accounts ({names}); choose one with --account"
        )
    return accounts[0]


def build_fetch_settings(options: dict[str, Sourced]) -> FetchSettings:
    options, _ = merge_config(options)
    return FetchSettings(
        api=_one_account(options),
        output=Path(_value(options, "output")),
        output_settings=_output_settings(options),
    )


def build_approve_settings(options: dict[str, Sourced]) -> ApproveSettings:
    options, _ = merge_config(options)
    target = _value(options, "output") or _value(options, "baseline")
    if not target:
        raise ConfigError(
            "say where the baseline goes: --output FILE (or 'baseline:' in auditor.yaml)"
        )
    source = _value(options, "source_file")
    name = _value(options, "account_name")
    accounts = _accounts(options, _progress(options), (name,) if name else ())
    if len(accounts) > 1 and source:
        raise ConfigError("--from approves one snapshot file; say which account with --account")
    output = Path(target)
    if len(accounts) == 1:
        from auditor.baseline import baseline_file

        output = baseline_file(output, accounts[0].account)
    return ApproveSettings(
        api=accounts[0],
        output=output,
        source_file=Path(source) if source else None,
        output_settings=_output_settings(options),
        accounts=accounts if len(accounts) > 1 else (),
        dry_run=bool(_value(options, "dry_run", False)),
        drift=_drift_settings(options),
    )


DIFF_KEYS = ("ignore_fields", "unordered_lists", "ignore_drift")
"""What ``diff`` takes from the config file. Its reports, gate and email are the nightly
audit's: an ad-hoc ``auditor diff`` must not overwrite those reports or mail ops."""


def build_diff_settings(options: dict[str, Sourced]) -> DiffSettings:
    options, _ = merge_config(options, only=DIFF_KEYS)
    output = _output_settings(options)
    return DiffSettings(
        before=Path(_value(options, "before")),
        after=Path(_value(options, "after")),
        outputs=_outputs(options, output.quiet),
        fail_on_drift=bool(_value(options, "fail_on_drift", False)),
        drift=_drift_settings(options),
        email=_email_settings(options),
        notify=_notify_settings(options),
        output=output,
    )


def build_history_settings(options: dict[str, Sourced]) -> HistorySettings:
    options, _ = merge_config(options, only=("history",))
    path = _value(options, "history")
    if not path:
        raise ConfigError(
            "auditor history: say which history to read: --history FILE "
            "(or AUDITOR_HISTORY, or 'history:' in auditor.yaml)"
        )
    last = _value(options, "last")
    return HistorySettings(
        path=Path(path),
        last=int(last) if last is not None else None,
        format=_value(options, "format", "text"),
        output=_output_settings(options),
    )


def build_policy_settings(options: dict[str, Sourced]) -> PolicySettings:
    options, _ = merge_config(options)
    paths = _value(options, "paths", ())
    if not paths and options.get("policies") is not None and options["policies"].origin == "file":
        paths = options["policies"].value
    return PolicySettings(
        paths=tuple(Path(p) for p in paths),
        format=_value(options, "format", "table"),
        select=split_list(_value(options, "select", ())),
        ignore=split_list(_value(options, "ignore", ())),
        frameworks=split_list(_value(options, "frameworks", ())),
        output=_output_settings(options),
    )


def build_sandbox_settings(options: dict[str, Sourced]) -> SandboxSettings:
    # The sandbox prints the key it accepts. Only a key given to it as --api-key is its
    # own: INTELLIXENT_API_KEY in the environment is a real account's key, never shown.
    key = options.get("api_key")
    api_key = key.value if key is not None and key.origin == "flag" and key.value else None
    pages = []
    for part in split_list((_value(options, "fail_pages", ""),)):
        if not part.isdigit() or int(part) < 1:
            raise ConfigError(f"--fail-pages takes page numbers like 2,5; {part!r} is not one")
        pages.append(int(part))
    return SandboxSettings(
        host=_value(options, "host", "127.0.0.1"),
        port=int(_value(options, "port", 8765)),
        count=int(_value(options, "count", 47)),
        seed=int(_value(options, "seed", 7)),
        api_key=api_key or "sandbox-key",
        latency_ms=float(_value(options, "latency_ms", 0)),
        rate_limit_every=int(_value(options, "rate_limit_every", 0)),
        retry_after=float(_value(options, "retry_after", 1)),
        fail_pages=tuple(pages),
        fail_rate=float(_value(options, "fail_rate", 0)),
        fail_status=int(_value(options, "fail_status", 503)),
        lie_about_total=int(_value(options, "lie_about_total", 0)),
        faults=tuple(_value(options, "faults", ())),
        output=_output_settings(options),
    )


def build_demo_settings(options: dict[str, Sourced]) -> DemoSettings:
    return DemoSettings(
        output_dir=Path(_value(options, "output_dir", "auditor-demo")),
        count=int(_value(options, "count", 47)),
        output=_output_settings(options),
    )
