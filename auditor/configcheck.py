"""Check a config file's settings before any of them is used: every problem at once.

The schema is built from the table of settings (``auditor.settings_table``): each
setting with a config key adds its key, type, range and choices, so the file accepts
exactly the settings the table declares. What a schema cannot say is checked here too:
secrets pasted where the file should only name a variable, a password in a base URL,
``ssl`` with ``starttls``, repeated account names, two reports on stdout, a report file
whose extension names another format. Every problem is ``file:line: message``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from auditor.choices import EXTENSION_FORMATS
from auditor.redact import register_secret
from auditor.settings_table import ACCOUNT_NAME, BY_NAME, ENV_NAME, SETTINGS, Setting

LineOf = Callable[[tuple[Any, ...]], int]
"""The line a key path of the document is written at."""

_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}


def _value_schema(row: Setting) -> dict[str, Any]:
    """The JSON schema of one setting's value in the config file."""
    if row.schema is not None:
        return dict(row.schema)
    if row.many:
        return {"anyOf": [{"type": "string"}, _STRINGS]} if row.one_or_many else dict(_STRINGS)
    if row.type == "bool":
        return {"type": "boolean"}
    if row.type == "choice":
        return {"enum": list(row.choices)}
    if row.type in ("int", "seconds", "float"):
        schema: dict[str, Any] = {"type": "integer" if row.type == "int" else "number"}
        if row.low is not None:
            schema["minimum"] = row.low
        if row.high is not None:
            schema["maximum"] = row.high
        return schema
    schema = {"type": "string"}
    if row.type == "url":
        schema["pattern"] = r"^https?://"
    elif row.type == "path":
        schema["minLength"] = 1
    if row.pattern is not None:
        schema["pattern"] = row.pattern
    return schema


def config_schema(table: tuple[Setting, ...] = SETTINGS) -> dict[str, Any]:
    """The config file's schema: one key per setting with a config key, in sections."""
    root: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
    for row in table:
        if not row.key:
            continue
        node = root
        for section in row.key[:-1]:
            node = node["properties"].setdefault(
                section, {"type": "object", "additionalProperties": False, "properties": {}}
            )
        node["properties"][row.key[-1]] = _value_schema(row)
    return root


CONFIG_SCHEMA = config_schema()


def check_document(
    document: Any, path: Path, line_of: LineOf, table: tuple[Setting, ...] = SETTINGS
) -> list[str]:
    """Every problem of a config document as ``file:line: message``, by line."""
    import jsonschema

    if not isinstance(document, Mapping):
        return [f"{path}:{line_of(())}: the config file must be a mapping of settings"]
    schema = CONFIG_SCHEMA if table is SETTINGS else config_schema(table)
    validator = jsonschema.Draft202012Validator(schema)
    problems: list[tuple[int, str]] = []
    for error in validator.iter_errors(document):
        keys = tuple(error.absolute_path)
        where = ".".join(str(k) for k in keys) or "(top level)"
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            for extra in sorted(set(error.instance) - set(known), key=str):
                close = difflib.get_close_matches(str(extra), known, n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}? " if close else ""
                problems.append(
                    (
                        line_of((*keys, extra)),
                        f"unknown key {'.'.join([*map(str, keys), str(extra)])!r} "
                        f"({hint}known: {', '.join(known)})",
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
        elif error.validator == "pattern" and error.validator_value == ACCOUNT_NAME:
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
    for row in table:  # YAML .inf / .nan and TOML inf / nan
        if row.type != "seconds" or len(row.key) != 1:
            continue
        name = row.key[0]
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
            f" — passwords never go in the config file; set {BY_NAME['smtp_password'].env}"
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


def base_url_problem(url: str, where: str) -> str | None:
    """The error for a base URL that carries credentials (``https://user:pass@host``) or
    a query or fragment (``…/api?token=…``): the URL is not shown, and what it carried
    is registered as a secret (a token in a query is one more often than not)."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if "@" in parts.netloc:
        register_secret(parts.netloc.rpartition("@")[0].partition(":")[2])
        register_secret(parts.netloc.rpartition("@")[0])
        return (
            f"{where}: the base URL must not hold a user name or password (user:pass@host); "
            "remove it: the API key goes in --api-key, INTELLIXENT_API_KEY or api_key_env"
        )
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        for carried in (parts.query, parts.fragment):
            register_secret(carried)
            for _, value in parse_qsl(carried, keep_blank_values=True):
                register_secret(value)
        return (
            f"{where}: the base URL must not have a query or fragment (?… or #…); give the "
            "API's address alone, e.g. https://portal.intellixent.ai/api (the API key goes "
            "in --api-key, INTELLIXENT_API_KEY or api_key_env)"
        )
    return None


def _secret_problems(document: Mapping[str, Any], line_of: LineOf) -> list[tuple[int, str]]:
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
            if isinstance(value, str) and re.fullmatch(ENV_NAME, value) and _holds_a_secret(value):
                dotted = f"{where}.{key}" if where else key
                problems.append((line_of((*keys, key)), _names_a_variable(dotted, key, value)))
        url = entry.get("base_url")
        if isinstance(url, str):
            dotted = f"{where}.base_url" if where else "base_url"
            problem = base_url_problem(url, dotted)
            if problem:
                problems.append((line_of((*keys, "base_url")), problem))
    return problems


def _account_problems(accounts: Any, line_of: LineOf) -> list[tuple[int, str]]:
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


def _report_problems(reports: Any, line_of: LineOf) -> list[tuple[int, str]]:
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
    expected = EXTENSION_FORMATS.get(suffix)
    if expected is None or expected == fmt or (fmt, expected) in _FITTING:
        return None
    return f"the {fmt} report would go to {output}, but {suffix} is for {expected}"
