"""The typed settings each command receives: one frozen dataclass per command and part.

``auditor.resolve`` builds them from the resolved options (flag > env > file >
default, see ``auditor.settings_table``); commands and the code below them read only
these objects, never click or the config file. Their defaults are the table's, so a
default is written once. ``Sourced`` lives in the table and is re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from auditor.model import Severity
from auditor.settings_table import ORIGINS as ORIGINS
from auditor.settings_table import SANDBOX_API_KEY, default_of
from auditor.settings_table import Sourced as Sourced

DEFAULT_BASE_URL: str = default_of("base_url")
DEFAULT_TIMEOUT: float = default_of("timeout")
"""``--timeout``: the most one API request may take, from connecting to the last byte."""
DEFAULT_RETRY_BUDGET: float = default_of("retry_budget")
"""``--retry-budget``: the most time a run spends retrying failed requests, per account."""
DEFAULT_CONCURRENCY: int = default_of("concurrency")
DEFAULT_IGNORE_FIELDS: tuple[str, ...] = default_of("ignore_fields")
DEFAULT_UNORDERED_LISTS: tuple[str, ...] = default_of("unordered_lists")
DEFAULT_SEVERITY_THRESHOLD = Severity.parse(default_of("severity_threshold"))


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
    api_key_env: str = default_of("api_key_env")
    """Where the key is read from, to name it in error messages."""
    progress: bool = False
    """Show a progress bar on stderr (a TTY and not ``-q``)."""
    defined_at: str = ""
    """``file:line`` of the account in the config file (empty for the default account)."""
    base_url_from: str = "--base-url"
    """Where the base URL was given (the flag, the env var or ``file:line``), for messages
    that ask to check it."""


@dataclass(frozen=True)
class OutputSpec:
    """One report to write: a format and a file (``None`` means stdout)."""

    format: str
    path: Path | None = None


@dataclass(frozen=True)
class GateSettings:
    fail_on_violation: bool = False
    severity_threshold: Severity = DEFAULT_SEVERITY_THRESHOLD
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
    on: str = default_of("email_on")
    dry_run: Path | None = None
    """Write the message to this .eml file instead of sending it."""
    given_at: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Setting name (``smtp_host``, ``email_to``…) → where it was given: the flag, the env
    var or ``file:line``, for messages that ask to check it."""

    @property
    def enabled(self) -> bool:
        return bool(self.to)


@dataclass(frozen=True)
class NotifyTarget:
    """One incoming webhook: ``kind`` slack, teams or webhook; the URL is a secret."""

    kind: str
    url: str = field(repr=False)
    on: str = default_of("webhook_on")
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
    color: str = default_of("color")


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
    jobs: int = default_of("jobs")
    """Worker processes for a large ``--input`` file (0: one per core)."""
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
    format: str = default_of("policy_format")
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
    format: str = default_of("history_format")
    output: OutputSettings = OutputSettings()


@dataclass(frozen=True)
class SandboxSettings:
    host: str = default_of("host")
    port: int = default_of("port")
    count: int = default_of("sandbox_count")
    seed: int = default_of("seed")
    api_key: str = field(default=SANDBOX_API_KEY, repr=False)
    latency_ms: float = default_of("latency_ms")
    rate_limit_every: int = default_of("rate_limit_every")
    retry_after: float = default_of("retry_after")
    fail_pages: tuple[int, ...] = ()
    fail_rate: float = default_of("fail_rate")
    fail_status: int = default_of("fail_status")
    lie_about_total: int = default_of("lie_about_total")
    faults: tuple[str, ...] = default_of("faults")
    """Extra named faults, ``NAME`` or ``NAME=ARG`` (see ``auditor sandbox --help``)."""
    output: OutputSettings = OutputSettings()


@dataclass(frozen=True)
class DemoSettings:
    output_dir: Path = Path(default_of("output_dir"))
    count: int = default_of("demo_count")
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
