"""Resolve every setting by precedence, then build the typed settings of each command.

The CLI hands over what click parsed as ``Sourced`` values (flag, env or default).
``resolve`` completes them from the table (``auditor.settings_table``): a flag beats an
env var, which beats the config file (``auditor.config``), which beats the table's
default; every value keeps its origin, so ``config show`` can say where it came from.
The ``build_*_settings`` functions then turn the resolved values into the dataclasses
of ``auditor.settings``, checking what only makes sense together (an address, a
webhook URL, ``--smtp-ssl`` with ``--smtp-starttls``) before any work starts. A
message about a value names where it was given: the flag, the env var or ``file:line``.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from auditor.choices import COLOR_MODES, EXTENSION_FORMATS, FORMATS
from auditor.config import ACCOUNT_WHERE, find_config, load_config
from auditor.configcheck import base_url_problem, format_mismatch
from auditor.errors import ConfigError
from auditor.model import Severity
from auditor.redact import register_secret
from auditor.settings import (
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
    api_key_problem,
    split_list,
)
from auditor.settings_table import (
    BY_NAME,
    NOTIFY_KINDS,
    SANDBOX_API_KEY,
    SETTINGS,
    Setting,
    Sourced,
    default_of,
)

Options = dict[str, Sourced]
"""Setting name → its value and origin."""

DIFF_KEYS = ("ignore_fields", "unordered_lists", "ignore_drift")
"""What ``diff`` takes from the config file. Its reports, gate and email are the nightly
audit's: an ad-hoc ``auditor diff`` must not overwrite those reports or mail ops."""


def resolve(
    given: Mapping[str, Sourced],
    *,
    read_file: bool = True,
    only: Collection[str] | None = None,
    table: tuple[Setting, ...] = SETTINGS,
) -> Options:
    """Every setting of the table with its winning value: flag > env > file > default.

    ``given`` is what the command line said (click reports flags, env vars and its
    defaults); a setting with no flag is read from its env var here. ``only`` limits
    which of the file's settings apply (all of them by default); the file is still read
    and checked whole, so a broken file is exit 2 for every command that reads it.
    Names in ``given`` the table does not know (a command's arguments) are kept.
    """
    config = None
    if read_file:
        explicit = given.get("config_path")
        path = (
            find_config(explicit.value, explicit.where or "--config")
            if explicit is not None and explicit.value
            else find_config(None)
        )
        config = load_config(path, table) if path is not None else None
    resolved = dict(given)
    for row in table:
        current = given.get(row.name)
        if current is not None and current.origin in ("flag", "env"):
            continue
        if not row.flags and row.env and os.environ.get(row.env):
            resolved[row.name] = Sourced(os.environ[row.env], "env", row.env, row.secret)
            continue
        from_file = config.values.get(row.name) if config is not None else None
        if from_file is not None and (only is None or row.name in only):
            resolved[row.name] = from_file
        elif current is None:
            resolved[row.name] = Sourced(row.default, "default", "", row.secret)
    return resolved


def _get(options: Mapping[str, Sourced], name: str) -> Any:
    """The resolved value of a setting (``None`` when it has none)."""
    item = options.get(name)
    return None if item is None else item.value


def _given_at(options: Mapping[str, Sourced], name: str) -> str:
    """Where a value was given, for a message: the flag, the env var or ``file:line``
    (for a default, the setting's flag, or its name when it has none)."""
    item = options.get(name)
    if item is not None and item.where and item.origin != "default":
        return item.where
    flags = BY_NAME[name].flags if name in BY_NAME else ()
    return flags[-1].split("/")[0] if flags else name


def _output_settings(options: Mapping[str, Sourced]) -> OutputSettings:
    color = _get(options, "color")
    if color not in COLOR_MODES:
        color = default_of("color")
    return OutputSettings(
        verbosity=int(_get(options, "verbose") or 0),
        quiet=bool(_get(options, "quiet")),
        color=color,
    )


def _api_settings(options: Mapping[str, Sourced], progress: bool) -> ApiSettings:
    key_env = _get(options, "api_key_env") or default_of("api_key_env")
    api_key = _get(options, "api_key")
    if api_key is None and key_env != default_of("api_key_env"):
        api_key = os.environ.get(key_env) or None
    register_secret(api_key)
    given = options.get("api_key")
    if given is not None and given.value is not None:
        _check_api_key(api_key, given.where or "--api-key")
    else:
        _check_api_key(api_key, f"{key_env} (the variable api_key_env names)")
    base_url = str(_get(options, "base_url") or default_of("base_url")).rstrip("/")
    problem = base_url_problem(base_url, _given_at(options, "base_url"))
    if problem:
        raise ConfigError(problem)
    return ApiSettings(
        base_url=base_url,
        api_key=api_key,
        timeout=_seconds(options, "timeout"),
        concurrency=int(_get(options, "concurrency") or default_of("concurrency")),
        retry_budget=_seconds(options, "retry_budget"),
        api_key_env=key_env,
        progress=progress,
        base_url_from=_given_at(options, "base_url"),
    )


def _check_api_key(key: str | None, where: str) -> None:
    """A key that cannot go in an HTTP header is exit 2 before any request (not shown)."""
    problem = api_key_problem(key) if key else None
    if problem:
        raise ConfigError(f"the API key from {where} {problem}")


def _seconds(options: Mapping[str, Sourced], name: str) -> float:
    """A time setting: a finite number of seconds, whichever source gave it."""
    given = _get(options, name)
    value = float(default_of(name) if given is None else given)
    if not math.isfinite(value) or value < 0 or (value == 0 and name == "timeout"):
        where = _given_at(options, name)
        raise ConfigError(
            f"{where}: {name.replace('_', '-')} must be a finite number of seconds (got {value!r})"
        )
    return value


def _accounts(
    options: Mapping[str, Sourced], progress: bool, only: tuple[str, ...] = ()
) -> tuple[ApiSettings, ...]:
    """The accounts to read: the config file's list, or one from the flags/env."""
    configured = _get(options, "accounts")
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
                defined_at=entry.get(ACCOUNT_WHERE, ""),
                base_url_from=f"{entry.get(ACCOUNT_WHERE, '')} (accounts: base_url)",
            )
        )
    return tuple(accounts)


def _outputs(options: Mapping[str, Sourced], quiet: bool) -> tuple[OutputSpec, ...]:
    """Pair ``--format`` with ``--output`` by position (or take the file's ``reports``)."""
    formats = list(_get(options, "formats") or ())
    paths = list(_get(options, "outputs") or ())
    specs: list[OutputSpec] = []
    if not formats and not paths and _get(options, "reports") is not None:
        for entry in _get(options, "reports"):
            out = entry.get("output")
            specs.append(OutputSpec(entry["format"], Path(out) if out else None))
    else:
        for index in range(max(len(formats), len(paths))):
            target = paths[index] if index < len(paths) else None
            fmt = formats[index] if index < len(formats) else None
            if fmt is None:
                assert target is not None
                fmt = EXTENSION_FORMATS.get(Path(target).suffix.lower())
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
        ignore_fields=split_list(_get(options, "ignore_fields") or ()),
        unordered_lists=split_list(_get(options, "unordered_lists") or ()),
        scoped=_drift_ignores(options),
    )


def _drift_ignores(options: Mapping[str, Sourced]) -> tuple[DriftIgnore, ...]:
    """``ignore_drift:`` of the config file, its assistant selectors checked (exit 2)."""
    from auditor.policy.waivers import parse_selector

    where = _given_at(options, "ignore_drift")
    found: list[DriftIgnore] = []
    for number, entry in enumerate(_get(options, "ignore_drift") or ()):
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
    password = _get(options, "smtp_password") or None
    password_env = _get(options, "smtp_password_env")
    if password is None and password_env:
        password = os.environ.get(password_env) or None
    register_secret(password)
    ssl = bool(_get(options, "smtp_ssl"))
    starttls = bool(_get(options, "smtp_starttls"))
    if ssl and starttls:
        raise ConfigError(
            f"{_given_at(options, 'smtp_ssl')} and "
            f"{_given_at(options, 'smtp_starttls')} exclude each other; "
            "choose one"
        )
    dry_run = _get(options, "email_dry_run")
    to = split_list(_get(options, "email_to") or ())
    sender = _get(options, "email_from")
    if to:  # a typo in an address is a usage error now, not a mail failure after the fetch
        from auditor.email import address_problem

        checks = [(t, _given_at(options, "email_to")) for t in to]
        checks.append((sender, _given_at(options, "email_from")))
        for value, given_at in checks:
            problem = value is not None and address_problem(str(value), given_at)
            if problem:
                raise ConfigError(problem)
    host, port, user = (_get(options, name) for name in ("smtp_host", "smtp_port", "smtp_user"))
    return EmailSettings(
        to=to,
        sender=sender,
        smtp_host=host,
        smtp_port=port,
        smtp_user=user,
        smtp_password=password,
        starttls=starttls,
        ssl=ssl,
        on=_get(options, "email_on") or default_of("email_on"),
        dry_run=Path(dry_run) if dry_run else None,
        given_at={
            name: item.where
            for name, item in options.items()
            if name in _EMAIL_SETTINGS and item.where and item.origin != "default"
        },
    )


_EMAIL_SETTINGS = {row.name for row in SETTINGS if row.shown.startswith("email.")}
"""The settings ``EmailSettings.given_at`` says the origin of."""


def _notify_settings(options: Mapping[str, Sourced]) -> NotifySettings:
    """Every webhook target, each URL registered as a secret and checked before any fetch."""
    targets: list[NotifyTarget] = []
    for kind, name in NOTIFY_KINDS.items():
        on = _get(options, f"{kind}_on") or default_of(f"{kind}_on")
        for url in split_list(_get(options, name) or ()):
            from auditor.notify import check_webhook_url

            register_secret(url)
            check_webhook_url(url, _given_at(options, name))
            targets.append(NotifyTarget(kind, url.strip(), on))
    return NotifySettings(tuple(targets))


def _progress(options: Mapping[str, Sourced]) -> bool:
    quiet = bool(_get(options, "quiet"))
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


def _path(options: Mapping[str, Sourced], name: str) -> Path | None:
    value = _get(options, name)
    return Path(value) if value else None


def build_audit_settings(
    given: Mapping[str, Sourced], table: tuple[Setting, ...] = SETTINGS
) -> AuditSettings:
    options = resolve(given, table=table)
    output = _output_settings(options)
    gate = GateSettings(
        fail_on_violation=bool(_get(options, "fail_on_violation")),
        severity_threshold=Severity.parse(_get(options, "severity_threshold")),
        fail_on_drift=bool(_get(options, "fail_on_drift")),
        fail_on_new=bool(_get(options, "fail_on_new")),
    )
    return AuditSettings(
        accounts=_accounts(
            options, _progress(options), split_list(_get(options, "account_names") or ())
        ),
        input=_path(options, "input_path"),
        policies=tuple(Path(p) for p in _get(options, "policies") or ()),
        baseline=_path(options, "baseline"),
        history=_path(options, "history"),
        outputs=_outputs(options, output.quiet),
        gate=gate,
        select=split_list(_get(options, "select") or ()),
        ignore=split_list(_get(options, "ignore") or ()),
        frameworks=split_list(_get(options, "frameworks") or ()),
        filters=tuple(_get(options, "filters") or ()),
        jobs=int(_get(options, "jobs") or 0),
        drift=_drift_settings(options),
        email=_email_settings(options),
        notify=_notify_settings(options),
        output=output,
        provenance=options,
    )


def _one_account(options: Mapping[str, Sourced]) -> ApiSettings:
    name = _get(options, "account_name")
    accounts = _accounts(options, _progress(options), (name,) if name else ())
    if len(accounts) > 1:
        names = ", ".join(a.account or "" for a in accounts)
        raise ConfigError(
            f"the config file lists several accounts ({names}); choose one with --account"
        )
    return accounts[0]


def build_fetch_settings(given: Mapping[str, Sourced]) -> FetchSettings:
    options = resolve(given)
    return FetchSettings(
        api=_one_account(options),
        output=Path(_get(options, "snapshot_output")),
        output_settings=_output_settings(options),
    )


def build_approve_settings(given: Mapping[str, Sourced]) -> ApproveSettings:
    options = resolve(given)
    target = _get(options, "baseline_output") or _get(options, "baseline")
    if not target:
        raise ConfigError(
            "say where the baseline goes: --output FILE (or 'baseline:' in auditor.yaml)"
        )
    source = _get(options, "source_file")
    name = _get(options, "account_name")
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
        dry_run=bool(_get(options, "dry_run")),
        drift=_drift_settings(options),
    )


def build_diff_settings(given: Mapping[str, Sourced]) -> DiffSettings:
    options = resolve(given, only=DIFF_KEYS)
    output = _output_settings(options)
    return DiffSettings(
        before=Path(_get(options, "before")),
        after=Path(_get(options, "after")),
        outputs=_outputs(options, output.quiet),
        fail_on_drift=bool(_get(options, "fail_on_drift")),
        drift=_drift_settings(options),
        email=_email_settings(options),
        notify=_notify_settings(options),
        output=output,
    )


def build_history_settings(given: Mapping[str, Sourced]) -> HistorySettings:
    options = resolve(given, only=("history",))
    path = _get(options, "history")
    if not path:
        raise ConfigError(
            "auditor history: say which history to read: --history FILE "
            "(or AUDITOR_HISTORY, or 'history:' in auditor.yaml)"
        )
    last = _get(options, "last")
    return HistorySettings(
        path=Path(path),
        last=int(last) if last is not None else None,
        format=_get(options, "history_format"),
        output=_output_settings(options),
    )


def build_policy_settings(given: Mapping[str, Sourced]) -> PolicySettings:
    """``policy validate / test``: PATH arguments; ``policy list``: ``--policy``; both
    fall back to the config file's ``policies``."""
    options = resolve(given)
    paths = _get(options, "paths") or _get(options, "policies") or ()
    return PolicySettings(
        paths=tuple(Path(p) for p in paths),
        format=_get(options, "policy_format"),
        select=split_list(_get(options, "select") or ()),
        ignore=split_list(_get(options, "ignore") or ()),
        frameworks=split_list(_get(options, "frameworks") or ()),
        output=_output_settings(options),
    )


def build_sandbox_settings(given: Mapping[str, Sourced]) -> SandboxSettings:
    options = resolve(given, read_file=False)
    # The sandbox prints the key it accepts. Only a key given to it as --api-key is its
    # own: INTELLIXENT_API_KEY in the environment is a real account's key, never shown.
    key = options.get("api_key")
    api_key = key.value if key is not None and key.origin == "flag" and key.value else None
    pages = []
    for part in split_list((_get(options, "fail_pages") or "",)):
        if not part.isdigit() or int(part) < 1:
            raise ConfigError(f"--fail-pages takes page numbers like 2,5; {part!r} is not one")
        pages.append(int(part))
    return SandboxSettings(
        host=_get(options, "host"),
        port=int(_get(options, "port")),
        count=int(_get(options, "sandbox_count")),
        seed=int(_get(options, "seed")),
        api_key=api_key or SANDBOX_API_KEY,
        latency_ms=float(_get(options, "latency_ms")),
        rate_limit_every=int(_get(options, "rate_limit_every")),
        retry_after=float(_get(options, "retry_after")),
        fail_pages=tuple(pages),
        fail_rate=float(_get(options, "fail_rate")),
        fail_status=int(_get(options, "fail_status")),
        lie_about_total=int(_get(options, "lie_about_total")),
        faults=tuple(_get(options, "faults") or ()),
        output=_output_settings(options),
    )


def build_demo_settings(given: Mapping[str, Sourced]) -> DemoSettings:
    options = resolve(given, read_file=False)
    return DemoSettings(
        output_dir=Path(_get(options, "output_dir")),
        count=int(_get(options, "demo_count")),
        output=_output_settings(options),
    )
