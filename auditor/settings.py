"""Typed settings for each command, and where each value came from.

The CLI hands every option over as a ``Sourced`` value (flag, env or default). A config
file (``auditor.yaml``, ``--config`` or ``[tool.auditor]``) fills in what was left at its
default. Precedence: flag > env > file > default. ``config show`` prints the result with
the origin of every value, secrets masked.

Nothing here imports anything heavy: the CLI builds these objects before any work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.model import Severity

DEFAULT_BASE_URL = "https://portal.intellixent.ai/api"
DEFAULT_TIMEOUT = 30.0
"""``--timeout``: the most one API request may take, from connecting to the last byte."""
DEFAULT_RETRY_BUDGET = 120.0
"""``--retry-budget``: the most time a run spends retrying failed requests, per account."""
DEFAULT_CONCURRENCY = 8
DEFAULT_IGNORE_FIELDS = ("updated_at",)
DEFAULT_UNORDERED_LISTS = ("tools",)

ORIGINS = ("default", "file", "env", "flag")
"""Where a value came from, weakest first."""


@dataclass(frozen=True)
class Sourced:
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


@dataclass(frozen=True)
class ApiSettings:
    """How to reach one account's API."""

    base_url: str = DEFAULT_BASE_URL
    api_key: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT
    concurrency: int = DEFAULT_CONCURRENCY
    retry_budget: float = DEFAULT_RETRY_BUDGET
    """Seconds from the first failed request after which no retry is made (0: none)."""
    account: str | None = None
    """The account's name from the config file, or ``None`` for the single default."""
    api_key_env: str = "INTELLIXENT_API_KEY"
    """Where the key is read from, to name it in error messages."""
    progress: bool = False
    """Show a progress bar on stderr (a TTY and not ``-q``)."""
    defined_at: str = ""
    """``file:line`` of the account in the config file (empty for the default account)."""


@dataclass(frozen=True)
class OutputSpec:
    """One report to write: a format and a file (``None`` means stdout)."""

    format: str
    path: Path | None = None


@dataclass(frozen=True)
class GateSettings:
    fail_on_violation: bool = False
    severity_threshold: Severity = Severity.LOW
    fail_on_drift: bool = False
    fail_on_new: bool = False
    """Fail on violations at or above the threshold that are new (SPEC §8)."""


@dataclass(frozen=True)
class DriftIgnore:
    """One ``ignore_drift:`` entry: changes at these paths of these assistants are not
    drift (they are counted as ignored)."""

    paths: tuple[str, ...]
    """Change paths or globs: ``max_duration``, ``variables.*`` (a path covers what is
    under it)."""
    assistants: tuple[str, ...] = ()
    """Selectors as waivers take them (``id:12``, ``uuid:…``, ``name:Support *``);
    empty means every assistant."""
    reason: str = ""
    where: str = ""
    """``file:line`` it is written at."""


@dataclass(frozen=True)
class DriftSettings:
    ignore_fields: tuple[str, ...] = DEFAULT_IGNORE_FIELDS
    unordered_lists: tuple[str, ...] = DEFAULT_UNORDERED_LISTS
    scoped: tuple[DriftIgnore, ...] = ()
    """``ignore_drift:``: paths ignored for some assistants only."""


@dataclass(frozen=True)
class EmailSettings:
    to: tuple[str, ...] = ()
    sender: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    starttls: bool = False
    ssl: bool = False
    on: str = "findings"
    dry_run: Path | None = None
    """Write the message to this .eml file instead of sending it."""

    @property
    def enabled(self) -> bool:
        return bool(self.to)


@dataclass(frozen=True)
class NotifyTarget:
    """One incoming webhook: ``kind`` slack, teams or webhook; the URL is a secret."""

    kind: str
    url: str = field(repr=False)
    on: str = "findings"
    """When to post: as ``--email-on``, plus ``new``."""


@dataclass(frozen=True)
class NotifySettings:
    """Where ``--slack-webhook``, ``--teams-webhook`` and ``--webhook`` post, and when."""

    targets: tuple[NotifyTarget, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.targets)


@dataclass(frozen=True)
class OutputSettings:
    """How the run talks to people: verbosity and colour."""

    verbosity: int = 0
    quiet: bool = False
    color: str = "auto"


@dataclass(frozen=True)
class AuditSettings:
    accounts: tuple[ApiSettings, ...]
    """One unnamed account from the flags/env, or the config file's accounts."""
    input: Path | None = None
    """Audit this snapshot file instead of the live API."""
    policies: tuple[Path, ...] = ()
    """Empty means the bundled pack."""
    baseline: Path | None = None
    history: Path | None = None
    """The SQLite history every run is recorded in (``--history``)."""
    outputs: tuple[OutputSpec, ...] = (OutputSpec("text"),)
    gate: GateSettings = GateSettings()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    """``--framework``: check only the rules mapped to these (and score them)."""
    filters: tuple[str, ...] = ()
    drift: DriftSettings = DriftSettings()
    email: EmailSettings = EmailSettings()
    notify: NotifySettings = NotifySettings()
    output: OutputSettings = OutputSettings()
    provenance: Mapping[str, Sourced] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class FetchSettings:
    api: ApiSettings
    output: Path
    output_settings: OutputSettings = OutputSettings()


@dataclass(frozen=True)
class ApproveSettings:
    api: ApiSettings
    output: Path
    """The baseline file to (re)write; the old one is kept as ``<output>.prev``."""
    source_file: Path | None = None
    """Approve this snapshot file instead of fetching the live listing."""
    output_settings: OutputSettings = OutputSettings()
    accounts: tuple[ApiSettings, ...] = ()
    """With several accounts in the config file and no ``--account``: all of them, each
    approved into ``<output>/<account>.json`` (``output`` is then a folder)."""
    dry_run: bool = False
    """Say what the new baseline changes against the one it replaces, write nothing."""
    drift: DriftSettings = DriftSettings()
    """How that change is counted (the audit's ignore_fields and unordered_lists)."""


@dataclass(frozen=True)
class DiffSettings:
    before: Path
    after: Path
    outputs: tuple[OutputSpec, ...] = (OutputSpec("text"),)
    fail_on_drift: bool = False
    drift: DriftSettings = DriftSettings()
    email: EmailSettings = EmailSettings()
    notify: NotifySettings = NotifySettings()
    output: OutputSettings = OutputSettings()


@dataclass(frozen=True)
class PolicySettings:
    """For ``policy validate / test / list``."""

    paths: tuple[Path, ...] = ()
    """Empty means the bundled pack (and, for ``test``, its bundled tests)."""
    format: str = "table"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    """``policy list --framework``: only the rules mapped to these."""
    output: OutputSettings = OutputSettings()


@dataclass(frozen=True)
class HistorySettings:
    """For ``auditor history``."""

    path: Path
    last: int | None = None
    """Only the last N runs (all of them by default)."""
    format: str = "text"
    output: OutputSettings = OutputSettings()


@dataclass(frozen=True)
class SandboxSettings:
    host: str = "127.0.0.1"
    port: int = 8765
    count: int = 47
    seed: int = 7
    api_key: str = field(default="sandbox-key", repr=False)
    latency_ms: float = 0.0
    rate_limit_every: int = 0
    retry_after: float = 1.0
    fail_pages: tuple[int, ...] = ()
    fail_rate: float = 0.0
    fail_status: int = 503
    lie_about_total: int = 0
    faults: tuple[str, ...] = ()
    """Extra named faults, ``NAME`` or ``NAME=ARG`` (see ``auditor sandbox --help``)."""
    output: OutputSettings = OutputSettings()


@dataclass(frozen=True)
class DemoSettings:
    output_dir: Path = Path("auditor-demo")
    count: int = 47
    output: OutputSettings = OutputSettings()


def api_key_problem(key: str) -> str | None:
    """What makes ``key`` unusable in an ``Authorization`` header, or ``None``.

    A key pasted from a secret store often ends in a line break. It is refused, not
    trimmed: the message says what is wrong and never shows the key.
    """
    if key != key.strip():
        return (
            "starts or ends with whitespace or a line break; remove it (copy the key "
            "without the newline, e.g. printf '%s' instead of echo)"
        )
    for char in key:
        if not " " <= char <= "~":
            kind = "a line break" if char in "\r\n" else "a character not allowed in an HTTP header"
            return f"contains {kind} (U+{ord(char):04X}); set it to the key alone, on one line"
    return None


def split_list(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``("a,b", "c")`` → ``("a", "b", "c")``: repeated flags and comma lists alike."""
    out: list[str] = []
    for value in values:
        out.extend(part.strip() for part in str(value).split(",") if part.strip())
    return tuple(out)
