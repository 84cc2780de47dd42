"""`auditor config show`: the settings a nightly audit would run with, and their origin.

Each line is one setting, its effective value and where that value came from
(``default``, ``file`` with ``file:line``, ``env`` with the variable, ``flag``).
Secrets (the API key, the SMTP password) show only whether they are set; webhook
URLs, whose path is their credential, only their host.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import click

from auditor.config import find_config
from auditor.notify import shown_url
from auditor.redact import mask
from auditor.resolve import build_audit_settings
from auditor.settings import AuditSettings, Sourced
from auditor.settings_table import NOTIFY_KINDS, SETTINGS, Setting


def shown_rows(table: tuple[Setting, ...] = SETTINGS) -> list[Setting]:
    """The table's settings that ``config show`` lists: top-level keys first, then the
    ``gate.``, ``email.`` and ``notify.`` sections, each in table order."""
    return sorted((row for row in table if row.shown), key=lambda row: "." in row.shown)


def run_show(options: dict[str, Sourced], table: tuple[Setting, ...] = SETTINGS) -> int:
    """Print the effective settings table; exit 0 (config errors exit 2 as usual)."""
    settings = build_audit_settings(options, table)
    path = find_config(_explicit(options))
    click.echo(f"config file: {path if path is not None else '(none found)'}")
    rows = [(row.shown, *_describe(row, settings)) for row in shown_rows(table)]
    for account in settings.accounts if account_rows(settings) else ():
        rows.append(
            (
                f"account {account.account}",
                f"{account.base_url} (key from ${account.api_key_env}: "
                f"{'set' if account.api_key else 'NOT SET'})",
                f"file ({account.defined_at})" if account.defined_at else "file",
            )
        )
    width = max(len(r[0]) for r in rows)
    value_width = min(max(len(r[1]) for r in rows), 60)
    for name, value, origin in rows:
        click.echo(f"{name:<{width}}  {value:<{value_width}}  {origin}")
    return 0


def _explicit(options: dict[str, Sourced]) -> str | None:
    item = options.get("config_path")
    return item.value if item is not None else None


def account_rows(settings: AuditSettings) -> bool:
    """Whether the accounts come from the config file (one row each below the table)."""
    return any(a.account is not None for a in settings.accounts)


def _describe(row: Setting, settings: AuditSettings) -> tuple[str, str]:
    """The shown value and origin of one row."""
    source = settings.provenance.get(row.name)
    if row.name in ("base_url", "api_key") and account_rows(settings):
        source = settings.provenance.get("accounts")
    elif row.name in _NAMED_BY and _origin(source) == "default":
        # read (or to be read) from the variable the file names
        named = settings.provenance.get(_NAMED_BY[row.name])
        if named is not None and named.origin == "file":
            return _effective(row, settings), f"env ({named.value}, named at {named.where})"
    return _effective(row, settings), _origin(source)


# secret rows whose variable the config file may name
_NAMED_BY = {"api_key": "api_key_env", "smtp_password": "smtp_password_env"}


def _origin(source: Sourced | None) -> str:
    if source is None or source.origin == "default":
        return "default"
    return source.origin + (f" ({source.where})" if source.where else "")


def _per_account(settings: AuditSettings, value: Any) -> Any:
    return "(per account, below)" if account_rows(settings) else value


def _notify_targets(kind: str) -> Callable[[AuditSettings], Any]:
    return lambda s: [shown_url(t.url) for t in s.notify.targets if t.kind == kind]


def _notify_on(kind: str) -> Callable[[AuditSettings], Any]:
    def on(settings: AuditSettings) -> Any:
        targets = [t for t in settings.notify.targets if t.kind == kind]
        return targets[0].on if targets else settings.provenance[f"{kind}_on"].value

    return on


_EFFECTIVE: Mapping[str, Callable[[AuditSettings], Any]] = {
    "base_url": lambda s: _per_account(s, s.accounts[0].base_url),
    "api_key": lambda s: _per_account(s, mask(s.accounts[0].api_key)),
    "timeout": lambda s: s.accounts[0].timeout,
    "retry_budget": lambda s: s.accounts[0].retry_budget,
    "concurrency": lambda s: s.accounts[0].concurrency,
    "policies": lambda s: [str(p) for p in s.policies] or "(bundled pack)",
    "baseline": lambda s: s.baseline,
    "history": lambda s: s.history,
    "reports": lambda s: [f"{o.format}:{o.path or 'stdout'}" for o in s.outputs],
    "ignore_fields": lambda s: list(s.drift.ignore_fields),
    "unordered_lists": lambda s: list(s.drift.unordered_lists),
    "select": lambda s: list(s.select) or "(all rules)",
    "ignore": lambda s: list(s.ignore),
    "filters": lambda s: list(s.filters),
    "fail_on_violation": lambda s: s.gate.fail_on_violation,
    "severity_threshold": lambda s: str(s.gate.severity_threshold),
    "fail_on_drift": lambda s: s.gate.fail_on_drift,
    "fail_on_new": lambda s: s.gate.fail_on_new,
    "email_to": lambda s: list(s.email.to),
    "email_from": lambda s: s.email.sender,
    "smtp_host": lambda s: s.email.smtp_host,
    "smtp_port": lambda s: s.email.smtp_port,
    "smtp_user": lambda s: s.email.smtp_user,
    "smtp_password": lambda s: mask(s.email.smtp_password),
    "smtp_starttls": lambda s: s.email.starttls,
    "smtp_ssl": lambda s: s.email.ssl,
    "email_on": lambda s: s.email.on,
    "email_dry_run": lambda s: s.email.dry_run,
    **{name: _notify_targets(kind) for kind, name in NOTIFY_KINDS.items()},
    **{f"{kind}_on": _notify_on(kind) for kind in NOTIFY_KINDS},
}
"""How a row's value is read from the settings a run would use (it may differ from what
was given: comma lists split, paths resolved, secrets masked). A row not listed shows
its resolved value, masked when secret."""


def _effective(row: Setting, settings: AuditSettings) -> str:
    if row.name in _EFFECTIVE:
        return _text(_EFFECTIVE[row.name](settings))
    source = settings.provenance.get(row.name)
    value = source.value if source is not None else None
    if row.secret and isinstance(value, (list, tuple)):
        return _text([mask(v) for v in value])
    if row.secret:
        return mask(value)
    return _text(list(value) if isinstance(value, tuple) else value)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "-"
    return str(value)
