"""Every setting of every command, declared once: flag, env var, config key, type, default.

One row per setting is the single place a setting is written down. The CLI builds its
click options from the rows (``auditor.cli``), the config file's schema and its keys
come from them (``auditor.configcheck``, ``auditor.config``), precedence is resolved over
them (``auditor.resolve``: flag > env var > config file > default) and ``auditor config
show`` lists them. Adding an option is one row here plus the code that uses its value.

The CLI imports this module before any command runs, for ``--help`` too, so it imports
nothing but the option words of ``auditor.choices``: no click, no dataclasses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from auditor.choices import COLOR_MODES, EMAIL_ON, FORMATS, NOTIFY_ON, SEVERITY_CHOICES

EVERY_COMMAND = "*"
"""In ``Setting.commands``: the global options, taken before and after every command."""
AUDIT = ("audit", "config show")
"""``config show`` takes every option of ``audit``, to show what a run would use."""
REPORTING = ("audit", "diff", "config show")
"""The commands that write reports, mail them and post notices."""

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*\Z"
"""An environment variable's name (``\\Z``: ``$`` would let ``"NAME\\n"`` through)."""
SANDBOX_API_KEY = "sandbox-key"
"""The key the sandbox accepts unless ``--api-key`` gives it another."""

ORIGINS = ("default", "file", "env", "flag")
"""Where a value came from, weakest first."""


class Sourced(NamedTuple):
    """A setting's value and its origin (``default``, ``file``, ``env`` or ``flag``)."""

    value: Any
    origin: str
    where: str = ""
    """The flag, the env var, or ``file:line`` that gave it."""
    secret: bool = False
    """Shown masked in ``config show``."""

    @property
    def rank(self) -> int:
        return ORIGINS.index(self.origin)


class Setting(NamedTuple):
    """One setting: how it is given on the command line, in the environment and in the
    config file, what it holds, and which commands take it."""

    name: str
    """The key of its value everywhere: click's parameter name, the provenance map's."""
    flags: tuple[str, ...] = ()
    """Click's declarations (``("-o", "--output")``, ``("--x/--no-x",)``); none: no flag."""
    env: str | None = None
    key: tuple[str, ...] = ()
    """Its key path in the config file (``("email", "smtp_port")``); none: not in the file."""
    type: str = "text"
    """text, url, path, int, float, seconds, bool, count, choice or addresses."""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    many: bool = False
    """A repeatable flag; a list in the config file."""
    one_or_many: bool = False
    """The config file may give one string where a list is expected."""
    default: Any = None
    secret: bool = False
    """Never shown (``config show`` masks it) and registered with the redactor."""
    help: str | Mapping[str, str] = ""
    """The ``--help`` text, or one per command (``{"diff": "…", "*": "the others"}``)."""
    metavar: str | None = None
    commands: tuple[str, ...] = ()
    """The commands that take its flag (``"snapshot approve"``; ``EVERY_COMMAND``)."""
    shown: str = ""
    """Its row label in ``config show``; empty: not shown there."""
    required: bool = False
    pattern: str | None = None
    """A regular expression a config-file value must match."""
    schema: Mapping[str, Any] | None = None
    """The config file's JSON schema for a value that is more than one of the types."""
    help_default: bool | str = False
    """What ``--help`` says of the default: ``True`` its value, or a description."""
    click_shows_default: bool = False
    """Let click print ``[default: …]`` (the options that always did)."""
    help_env: bool = True
    """Name the env var in ``--help``."""
    env_note: str = ""
    """Said after the env var in ``--help`` (``": comma separated"``)."""

    def help_for(self, command: str) -> str:
        """The ``--help`` text of this option in ``command``, with its env var and default."""
        text = self.help
        if not isinstance(text, str):
            text = text.get(command, text.get(EVERY_COMMAND, ""))
        parts = []
        if self.env and self.help_env:
            parts.append(f"env {self.env}{self.env_note}")
        if self.help_default is True:
            parts.append(f"default {shown_default(self.default)}")
        elif self.help_default:
            parts.append(f"default {self.help_default}")
        return f"{text}  [{'; '.join(parts)}]" if parts else text

    def taken_by(self, command: str) -> bool:
        return EVERY_COMMAND in self.commands or command in self.commands


def shown_default(value: Any) -> str:
    """A default as ``--help`` writes it: ``30`` for 30.0, ``a, b`` for a tuple."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    return str(value)


_STRINGS: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}
_URL = r"^https?://"
ACCOUNT_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z"
r"""An account name is a file name (``baselines/<name>.json``) and a report row: ASCII
letters, digits, ``.``, ``_``, ``-``, no leading dot, at most 64. ``\Z``, not ``$``,
which Python's ``re`` also matches before a final newline."""

_ACCOUNTS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "base_url", "api_key_env"],
        "properties": {
            "name": {"type": "string", "pattern": ACCOUNT_NAME},
            "base_url": {"type": "string", "pattern": _URL},
            "api_key_env": {"type": "string", "pattern": ENV_NAME},
        },
    },
}
"""``accounts:``: each with a name, its base URL and the variable holding its key."""


_IGNORE_DRIFT_SCHEMA: dict[str, Any] = {
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
}
"""``ignore_drift:``: change paths ignored, for some assistants or all."""


_REPORTS_SCHEMA: dict[str, Any] = {
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
}
"""``reports:``: what ``--format`` and ``--output`` give on the command line."""


_NOTIFY_SERVICES = (
    ("slack", "slack_webhooks", "--slack-webhook", "Slack", "AUDITOR_SLACK_WEBHOOK"),
    ("teams", "teams_webhooks", "--teams-webhook", "Teams (Workflows)", "AUDITOR_TEAMS_WEBHOOK"),
    ("webhook", "webhooks", "--webhook", "JSON", "AUDITOR_WEBHOOK_URL"),
)
NOTIFY_KINDS: Mapping[str, str] = {kind: name for kind, name, *_ in _NOTIFY_SERVICES}
"""``notify:`` keys of the config file → the setting of its webhook URLs."""


def _notify_rows() -> list[Setting]:
    rows = []
    for kind, name, flag, service, env in _NOTIFY_SERVICES:
        rows.append(
            Setting(
                name,
                (flag,),
                env=env,
                key=("notify", kind),
                many=True,
                one_or_many=True,
                default=(),
                secret=True,
                metavar="URL",
                commands=REPORTING,
                shown=f"notify.{kind}",
                help=f"Post a summary to this {service} incoming-webhook URL (repeatable; "
                "a secret: only its host is shown)",
            )
        )
        rows.append(
            Setting(
                f"{kind}_on",
                (f"--{kind}-on",),
                key=("notify", f"{kind}_on"),
                type="choice",
                choices=NOTIFY_ON,
                default="findings",
                commands=REPORTING,
                shown=f"notify.{kind}_on",
                help=f"When to post to {flag}",
                help_default=True,
            )
        )
    return rows


# One row a setting, laid out as a table (so not left to the formatter).
# fmt: off
SETTINGS: tuple[Setting, ...] = (
    # -- global options: before and after every command ------------------------------------
    Setting("base_url", ("--base-url",), env="INTELLIXENT_BASE_URL", key=("base_url",), type="url",
        default="https://portal.intellixent.ai/api", metavar="URL", commands=(EVERY_COMMAND,),
        shown="base_url", help="API base URL (no user:pass@, query or fragment)",
        help_default=True),
    Setting("api_key", ("--api-key",), env="INTELLIXENT_API_KEY", secret=True, metavar="KEY",
        commands=(EVERY_COMMAND,), shown="api_key",
        help="API key, sent as a Bearer token; never printed or stored"),
    Setting("timeout", ("--timeout",), env="AUDITOR_TIMEOUT", key=("timeout",), type="seconds",
        low=0.1, default=30.0, metavar="SECONDS", commands=(EVERY_COMMAND,), shown="timeout",
        help="The most one API request may take, from connecting to the last byte of "
            "the answer (connect: at most 10 s)",
        help_default=True),
    Setting("retry_budget", ("--retry-budget",), env="AUDITOR_RETRY_BUDGET", key=("retry_budget",),
        type="seconds", low=0, default=120.0, metavar="SECONDS", commands=(EVERY_COMMAND,),
        shown="retry_budget",
        help="The most time a run spends retrying failed requests (429, 5xx, timeouts), "
            "per account, from the first failed request; then exit 3. 0: no retries",
        help_default=True),
    Setting("concurrency", ("--concurrency",), env="AUDITOR_CONCURRENCY", key=("concurrency",),
        type="int", low=1, high=64, default=8, metavar="N", commands=(EVERY_COMMAND,),
        shown="concurrency", help="Pages fetched at once", help_default=True, help_env=False),
    Setting("verbose", ("-v", "--verbose"), type="count", default=0, commands=(EVERY_COMMAND,),
        help="More detail on stderr (-vv: debug)."),
    Setting("quiet", ("-q", "--quiet"), type="bool", default=False, commands=(EVERY_COMMAND,),
        help="Only errors on stderr; no progress."),
    Setting("config_path", ("--config",), env="AUDITOR_CONFIG", metavar="PATH",
        commands=(EVERY_COMMAND,), help="Config file",
        help_default="./auditor.yaml, else [tool.auditor] in ./pyproject.toml", help_env=False),
    # -- the config file's own: they name where a secret is, or hold a structure -----------
    Setting("api_key_env", key=("api_key_env",), pattern=ENV_NAME, default="INTELLIXENT_API_KEY"),
    Setting("accounts", key=("accounts",), schema=_ACCOUNTS_SCHEMA),
    Setting("ignore_drift", key=("ignore_drift",), default=(), schema=_IGNORE_DRIFT_SCHEMA),
    # -- what to audit ---------------------------------------------------------------------
    Setting("input_path", ("--input",), metavar="SNAPSHOT", commands=AUDIT,
        help="Audit this snapshot file instead of the live API."),
    Setting("policies", ("--policy",), key=("policies",), type="path", many=True, one_or_many=True,
        default=(), metavar="PATH", commands=(*AUDIT, "policy list"), shown="policies",
        help="Policy file or folder (repeatable)", help_default="the bundled pack"),
    Setting("policy_format", ("--format",), type="choice", choices=("table", "json", "markdown"),
        default="table", commands=("policy list",), click_shows_default=True,
        help="markdown is what docs/policies.md is generated from."),
    Setting("baseline", ("--baseline",), key=("baseline",), type="path", metavar="FILE",
        commands=AUDIT, shown="baseline",
        help="Approved snapshot (or folder of per-account snapshots) to diff against."),
    Setting("jobs", ("--jobs",), env="AUDITOR_JOBS", key=("jobs",), type="int", low=0, high=64,
        default=0, metavar="N", commands=AUDIT, shown="jobs",
        help="Worker processes checking an --input snapshot of 32 MiB or more "
            "(0: one per core, at most 8; 1: none)", help_default=True),
    Setting("history", ("--history",), env="AUDITOR_HISTORY", key=("history",), type="path",
        metavar="FILE", commands=(*AUDIT, "history"), shown="history", help_env=False,
        help={
            "history": "The history file (as given to audit --history)  "
            "[default: the config file's]",
            EVERY_COMMAND: "SQLite file every run is recorded in: new/standing/fixed against "
            "the last run, first_seen, trends (`auditor history`). What a narrower run "
            "(--select, --filter) did not check stays open.",
        }),
    Setting("last", ("--last",), type="int", low=1, metavar="N", commands=("history",),
        help="Only the last N runs."),
    Setting("history_format", ("--format",), type="choice", choices=("text", "json"),
        default="text", commands=("history",), click_shows_default=True,
        help='A table with a trend line, or {"runs": [...]}, oldest first.'),
    Setting("reports", key=("reports",), shown="reports", schema=_REPORTS_SCHEMA),
    # -- reports ---------------------------------------------------------------------------
    Setting("formats", ("--format",), type="choice", choices=FORMATS, many=True, default=(),
        commands=REPORTING, help="Report format; repeat with --output to write several",
        help_default="text"),
    Setting("outputs", ("-o", "--output"), many=True, default=(), metavar="PATH",
        commands=REPORTING,
        help="Where the matching --format goes (by position); '-' is stdout. "
            "Without --format the format follows the extension (.json .html .md .xml .sarif)."),
    Setting("color", ("--color",), type="choice", choices=COLOR_MODES, default="auto",
        commands=REPORTING, click_shows_default=True,
        help="Colour in text output; auto means a TTY without NO_COLOR."),
    Setting("ignore_fields", ("--ignore-field",), key=("ignore_fields",), many=True,
        default=("updated_at",), metavar="PATH", commands=REPORTING, shown="ignore_fields",
        help="Field left out of drift (repeatable)", help_default=True),
    Setting("unordered_lists", ("--unordered-list",), key=("unordered_lists",), many=True,
        default=("tools",), metavar="PATH", commands=REPORTING, shown="unordered_lists",
        help="List whose order carries no meaning in drift (repeatable)", help_default=True),
    # -- the gate --------------------------------------------------------------------------
    Setting("fail_on_violation", ("--fail-on-violation/--no-fail-on-violation",),
        key=("gate", "fail_on_violation"), type="bool", default=False, commands=AUDIT,
        shown="gate.fail_on_violation",
        help="Exit 1 when violations at or above --severity-threshold remain "
            "(exit 2 if no rule, or no assistant after --filter, was checked)."),
    Setting("severity_threshold", ("--severity-threshold",), key=("gate", "severity_threshold"),
        type="choice", choices=SEVERITY_CHOICES, default="low", commands=AUDIT,
        shown="gate.severity_threshold", click_shows_default=True,
        help="Lowest severity that trips --fail-on-violation."),
    Setting("fail_on_drift", ("--fail-on-drift/--no-fail-on-drift",), key=("gate", "fail_on_drift"),
        type="bool", default=False, commands=REPORTING, shown="gate.fail_on_drift",
        help={
            "diff": "Exit 1 when anything drifted.",
            EVERY_COMMAND: "Exit 1 when anything drifted from --baseline.",
        }),
    Setting("fail_on_new", ("--fail-on-new/--no-fail-on-new",), key=("gate", "fail_on_new"),
        type="bool", default=False, commands=AUDIT, shown="gate.fail_on_new",
        help="Exit 1 when violations at or above --severity-threshold are new (not on "
            "--baseline, or not in the last run of --history); standing ones pass."),
    # -- which rules and assistants --------------------------------------------------------
    Setting("select", ("--select",), key=("select",), many=True, default=(), metavar="RULE_ID",
        commands=(*AUDIT, "policy list"), shown="select",
        help={
            "policy list": "Only these rules.",
            EVERY_COMMAND: "Check only these rules (repeatable or comma separated).",
        }),
    Setting("ignore", ("--ignore",), key=("ignore",), many=True, default=(), metavar="RULE_ID",
        commands=(*AUDIT, "policy list"), shown="ignore",
        help={
            "policy list": "Not these rules.",
            EVERY_COMMAND: "Skip these rules (repeatable or comma separated).",
        }),
    Setting("frameworks", ("--framework",), key=("frameworks",), many=True, default=(),
        metavar="ID", commands=(*AUDIT, "policy list"),
        help={
            "policy list": "Only the rules mapped to this framework (without --policy: the "
            "bundled compliance pack); then the framework's requirements and manual controls.",
            EVERY_COMMAND: "Check only the rules mapped to this compliance framework "
            "(repeatable: eu-ai-act, tcpa, two-party-consent, hipaa, gdpr, pci-dss; auditor "
            "framework list) and report its scorecard; without --policy it loads "
            "builtin:voice-compliance.",
        }),
    Setting("filters", ("--filter",), key=("filters",), many=True, default=(),
        metavar="FIELD=VALUE", commands=AUDIT, shown="filters",
        help="Audit only assistants matching FIELD=VALUE or FIELD!=VALUE (repeatable: all)."),
    Setting("account_names", ("--account",), many=True, default=(), metavar="NAME", commands=AUDIT,
        help="With accounts in the config file: audit only these (repeatable)."),
    # -- email -----------------------------------------------------------------------------
    Setting("email_to", ("--email-to",), env="AUDITOR_EMAIL_TO", key=("email", "to"),
        type="addresses", many=True, one_or_many=True, default=(), metavar="ADDR",
        commands=REPORTING, shown="email.to", help="Mail the report to ADDR (repeatable)",
        env_note=": comma separated"),
    Setting("email_from", ("--email-from",), env="AUDITOR_EMAIL_FROM", key=("email", "from"),
        metavar="ADDR", commands=REPORTING, shown="email.from", help="Sender address"),
    Setting("smtp_host", ("--smtp-host",), env="AUDITOR_SMTP_HOST", key=("email", "smtp_host"),
        metavar="HOST", commands=REPORTING, shown="email.smtp_host", help="SMTP server",
        help_default="localhost"),
    Setting("smtp_port", ("--smtp-port",), env="AUDITOR_SMTP_PORT", key=("email", "smtp_port"),
        type="int", low=1, high=65535, commands=REPORTING, shown="email.smtp_port",
        help="SMTP port", help_default="25, 587 with --smtp-starttls, 465 with --smtp-ssl"),
    Setting("smtp_user", ("--smtp-user",), env="AUDITOR_SMTP_USER", key=("email", "user"),
        metavar="USER", commands=REPORTING, shown="email.user",
        help="SMTP login; the password comes from AUDITOR_SMTP_PASSWORD only"),
    Setting("smtp_password", env="AUDITOR_SMTP_PASSWORD", secret=True, shown="email.password"),
    Setting("smtp_password_env", key=("email", "password_env"), pattern=ENV_NAME),
    Setting("smtp_starttls", ("--smtp-starttls/--no-smtp-starttls",), env="AUDITOR_SMTP_STARTTLS",
        key=("email", "starttls"), type="bool", default=False, commands=REPORTING,
        shown="email.starttls", help="Upgrade the connection with STARTTLS"),
    Setting("smtp_ssl", ("--smtp-ssl/--no-smtp-ssl",), env="AUDITOR_SMTP_SSL", key=("email", "ssl"),
        type="bool", default=False, commands=REPORTING, shown="email.ssl",
        help="Connect with implicit TLS (SMTPS)"),
    Setting("email_on", ("--email-on",), env="AUDITOR_EMAIL_ON", key=("email", "on"), type="choice",
        choices=EMAIL_ON, default="findings", commands=REPORTING, shown="email.on",
        help="When to send", help_default=True),
    Setting("email_dry_run", ("--email-dry-run",), env="AUDITOR_EMAIL_DRY_RUN", metavar="FILE.eml",
        commands=REPORTING, shown="email.dry_run",
        help="Write the message to FILE.eml instead of sending it"),
    # -- notices ---------------------------------------------------------------------------
    *_notify_rows(),
    # -- fetch and snapshot approve --------------------------------------------------------
    Setting("source_file", ("--from",), metavar="SNAPSHOT", commands=("snapshot approve",),
        help="Approve this snapshot file instead of the live listing."),
    Setting("snapshot_output", ("-o", "--output"), required=True, metavar="FILE",
        commands=("fetch",),
        help="Snapshot file to write (atomically; left untouched on any error)."),
    Setting("baseline_output", ("-o", "--output"), metavar="BASELINE",
        commands=("snapshot approve",),
        help="Baseline file to write  [default: baseline from the config file]"),
    Setting("account_name", ("--account",), metavar="NAME", commands=("fetch", "snapshot approve"),
        help={
            "fetch": "With accounts in the config file: the account to fetch.",
            EVERY_COMMAND: "With accounts in the config file: the account to approve.",
        }),
    Setting("dry_run", ("--dry-run",), type="bool", default=False, commands=("snapshot approve",),
        help="Say what the new baseline changes against the one it replaces; write nothing."),
    # -- framework list / show -------------------------------------------------------------
    Setting("framework_format", ("--format",), type="choice", choices=("table", "json"),
        default="table", commands=("framework list", "framework show"), click_shows_default=True),
    # -- sandbox ---------------------------------------------------------------------------
    Setting("host", ("--host",), default="127.0.0.1", commands=("sandbox",),
        click_shows_default=True, help="Address to listen on."),
    Setting("port", ("--port",), type="int", low=0, high=65535, default=8765, commands=("sandbox",),
        click_shows_default=True, help="Port (0: any free port)."),
    Setting("sandbox_count", ("--count",), type="int", low=0, default=47, commands=("sandbox",),
        click_shows_default=True, help="Assistants in the seeded fleet."),
    Setting("seed", ("--seed",), type="int", default=7, commands=("sandbox",),
        click_shows_default=True, help="Seed of the sample data."),
    Setting("latency_ms", ("--latency-ms",), type="float", low=0, default=0.0,
        commands=("sandbox",), help="Delay every response."),
    Setting("rate_limit_every", ("--rate-limit-every",), type="int", low=0, default=0, metavar="N",
        commands=("sandbox",), help="Answer every Nth request with 429 and Retry-After."),
    Setting("retry_after", ("--retry-after",), type="float", low=0, default=1, metavar="SECONDS",
        commands=("sandbox",), click_shows_default=True, help="Retry-After sent with 429."),
    Setting("fail_pages", ("--fail-pages",), default="", metavar="P,Q", commands=("sandbox",),
        help="Pages that always answer --fail-status."),
    Setting("fail_rate", ("--fail-rate",), type="float", low=0, high=1, default=0.0,
        commands=("sandbox",), help="Fraction of requests that answer --fail-status."),
    Setting("fail_status", ("--fail-status",), type="int", low=500, high=599, default=503,
        commands=("sandbox",), click_shows_default=True, help="Status of injected server errors."),
    Setting("lie_about_total", ("--lie-about-total",), type="int", default=0, metavar="N",
        commands=("sandbox",), help="Report total as the true count + N (N may be negative)."),
    Setting("faults", ("--fault",), many=True, default=(), metavar="NAME[=ARG]",
        commands=("sandbox",), help="More faults for testing clients; see the list below."),
    # -- demo ------------------------------------------------------------------------------
    Setting("output_dir", ("--output-dir",), type="path", default="auditor-demo", metavar="DIR",
        commands=("demo",), click_shows_default=True,
        help="Where the demo writes its baseline and reports."),
    Setting("demo_count", ("--count",), type="int", low=1, default=47, commands=("demo",),
        click_shows_default=True, help="Assistants in the demo fleet."),
    # -- init ------------------------------------------------------------------------------
    Setting("directory", ("--dir",), type="path", default=".", metavar="DIR", commands=("init",),
        click_shows_default=True, help="Repository folder to write into."),
    Setting("ci", ("--ci",), type="choice", choices=("github", "gitlab", "none"), default="github",
        commands=("init",), click_shows_default=True, help="Which CI workflow to write."),
)
"""Every setting, in the order ``--help`` lists a command's options."""
# fmt: on

BY_NAME: Mapping[str, Setting] = {row.name: row for row in SETTINGS}


def default_of(name: str) -> Any:
    """The one default of a setting (the settings dataclasses take theirs from here)."""
    return BY_NAME[name].default


def rows_for(command: str, table: tuple[Setting, ...] | None = None) -> list[Setting]:
    """The settings whose flags ``command`` takes, in ``--help`` order."""
    return [
        row for row in (SETTINGS if table is None else table) if row.flags and row.taken_by(command)
    ]
