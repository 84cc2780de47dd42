"""`auditor config show`: the settings a nightly audit would run with, and their origin.

Each line is one setting, its effective value and where that value came from
(``default``, ``file`` with ``file:line``, ``env`` with the variable, ``flag``).
Secrets (the API key, the SMTP password) show only whether they are set; webhook
URLs, whose path is their credential, only their host.
"""

from __future__ import annotations

from typing import Any

import click

from auditor.config import build_audit_settings, find_config
from auditor.notify import shown_url
from auditor.redact import mask
from auditor.settings import AuditSettings, Sourced

# setting shown → option name in the provenance map
_ROWS: tuple[tuple[str, str], ...] = (
    ("base_url", "base_url"),
    ("api_key", "api_key"),
    ("timeout", "timeout"),
    ("retry_budget", "retry_budget"),
    ("concurrency", "concurrency"),
    ("policies", "policies"),
    ("baseline", "baseline"),
    ("history", "history"),
    ("reports", "reports"),
    ("ignore_fields", "ignore_fields"),
    ("unordered_lists", "unordered_lists"),
    ("select", "select"),
    ("ignore", "ignore"),
    ("filters", "filters"),
    ("gate.fail_on_violation", "fail_on_violation"),
    ("gate.severity_threshold", "severity_threshold"),
    ("gate.fail_on_drift", "fail_on_drift"),
    ("gate.fail_on_new", "fail_on_new"),
    ("email.to", "email_to"),
    ("email.from", "email_from"),
    ("email.smtp_host", "smtp_host"),
    ("email.smtp_port", "smtp_port"),
    ("email.user", "smtp_user"),
    ("email.password", "smtp_password"),
    ("email.starttls", "smtp_starttls"),
    ("email.ssl", "smtp_ssl"),
    ("email.on", "email_on"),
    ("email.dry_run", "email_dry_run"),
    ("notify.slack", "slack_webhooks"),
    ("notify.slack_on", "slack_on"),
    ("notify.teams", "teams_webhooks"),
    ("notify.teams_on", "teams_on"),
    ("notify.webhook", "webhooks"),
    ("notify.webhook_on", "webhook_on"),
)


def run_show(options: dict[str, Sourced]) -> int:
    """Print the effective settings table; exit 0 (config errors exit 2 as usual)."""
    settings = build_audit_settings(options)
    path = find_config(_explicit(options))
    click.echo(f"config file: {path if path is not None else '(none found)'}")
    rows = [(name, *_describe(name, settings)) for name, _ in _ROWS]
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


def _describe(name: str, settings: AuditSettings) -> tuple[str, str]:
    """The shown value and origin of one row."""
    option = dict(_ROWS)[name]
    source = settings.provenance.get(option)
    if name in ("base_url", "api_key") and account_rows(settings):
        source = settings.provenance.get("accounts")
    elif name in _NAMED_BY and _origin(source) == "default":
        # read (or to be read) from the variable the file names
        named = settings.provenance.get(_NAMED_BY[name])
        if named is not None:
            return _effective(name, settings), f"env ({named.value}, named at {named.where})"
    return _effective(name, settings), _origin(source)


# secret rows whose variable the config file may name
_NAMED_BY = {"api_key": "api_key_env", "email.password": "smtp_password_env"}


def _origin(source: Sourced | None) -> str:
    if source is None or source.origin == "default":
        return "default"
    return source.origin + (f" ({source.where})" if source.where else "")


def _effective(name: str, settings: AuditSettings) -> str:
    api = settings.accounts[0]
    email = settings.email
    gate = settings.gate
    per_account = account_rows(settings)
    values: dict[str, Any] = {
        "base_url": "(per account, below)" if per_account else api.base_url,
        "api_key": "(per account, below)" if per_account else mask(api.api_key),
        "timeout": api.timeout,
        "retry_budget": api.retry_budget,
        "concurrency": api.concurrency,
        "policies": [str(p) for p in settings.policies] or "(bundled pack)",
        "baseline": settings.baseline,
        "history": settings.history,
        "reports": [f"{o.format}:{o.path or 'stdout'}" for o in settings.outputs],
        "ignore_fields": list(settings.drift.ignore_fields),
        "unordered_lists": list(settings.drift.unordered_lists),
        "select": list(settings.select) or "(all rules)",
        "ignore": list(settings.ignore),
        "filters": list(settings.filters),
        "gate.fail_on_violation": gate.fail_on_violation,
        "gate.severity_threshold": str(gate.severity_threshold),
        "gate.fail_on_drift": gate.fail_on_drift,
        "gate.fail_on_new": gate.fail_on_new,
        "email.to": list(email.to),
        "email.from": email.sender,
        "email.smtp_host": email.smtp_host,
        "email.smtp_port": email.smtp_port,
        "email.user": email.smtp_user,
        "email.password": mask(email.smtp_password),
        "email.starttls": email.starttls,
        "email.ssl": email.ssl,
        "email.on": email.on,
        "email.dry_run": email.dry_run,
    }
    for kind in ("slack", "teams", "webhook"):
        targets = [t for t in settings.notify.targets if t.kind == kind]
        values[f"notify.{kind}"] = [shown_url(t.url) for t in targets]
        values[f"notify.{kind}_on"] = targets[0].on if targets else "findings"
    return _text(values[name])


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "-"
    return str(value)
