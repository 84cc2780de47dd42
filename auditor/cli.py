"""The command line: parse options, build one settings object, call one function.

No business logic lives here. Every command turns its options into a typed settings
object (``auditor.config`` merges flags, env vars and the config file) and calls
``auditor.commands.<name>.run(settings)``, which returns the exit code. Errors raised
anywhere below become one stderr line and their exit code in ``AuditorGroup.invoke``.

Only click is imported at start-up; everything else is imported inside the command
that needs it, so ``auditor --version`` starts as fast as Python itself.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from auditor._version import __version__
from auditor.choices import COLOR_MODES, EMAIL_ON, FORMATS, NOTIFY_ON, SEVERITY_CHOICES
from auditor.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_USAGE, AuditorError

if TYPE_CHECKING:
    from auditor.settings import Sourced

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_GLOBALS_KEY = "auditor.globals"
_log = logging.getLogger("auditor")


class AuditorGroup(click.Group):
    """A click group that turns every expected error into one line and an exit code."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:  # a mistake in the options before the command
            _usage_error(exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a mistake in the command's options or name
            _usage_error(exc)
        except AuditorError as exc:
            _fail(ctx, f"error: {exc.message}", exc.exit_code, exc)
        except KeyboardInterrupt as exc:
            _fail(
                ctx,
                "interrupted: nothing was written; run the command again",
                EXIT_INTERRUPTED,
                exc,
            )
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # `auditor … | head`: the reader has all it wanted
            _stdout_closed(ctx)
        except OSError as exc:  # a path the system refuses: name too long, no permission, …
            where = f" {exc.filename}" if exc.filename else ""
            reason = exc.strerror or str(exc)
            _fail(ctx, f"error: cannot use{where}: {reason}; check the path", EXIT_USAGE, exc)
        except Exception as exc:  # a bug: still one line, and never a green exit
            _fail(
                ctx,
                f"internal error: {type(exc).__name__}: {exc} "
                "(re-run with -v for the traceback and report it)",
                EXIT_USAGE,
                exc,
            )


_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _usage_error(exc: click.UsageError) -> NoReturn:
    """click's four-line usage message as the one line every exit 2 gets."""
    if isinstance(exc, _NO_ARGS_IS_HELP):  # a bare ``auditor``: the help, as click shows it
        raise exc
    from auditor.report.sanitize import terminal

    where = exc.ctx.command_path if exc.ctx is not None else "auditor"
    message = " ".join(exc.format_message().split())
    click.echo(terminal(f"error: {message} (see '{where} --help')"), err=True)
    raise click.exceptions.Exit(EXIT_USAGE)


def _stdout_closed(ctx: click.Context) -> NoReturn:
    """Stop quietly with 141, as ``yes | head`` does: no error line, never a green exit.

    stdout is pointed at /dev/null first, so the flush at exit cannot fail again.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file behind stdout (click's test runner)
        pass
    ctx.exit(EXIT_BROKEN_PIPE)


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM (a cancelled CI job) stops the run like Ctrl-C: nothing partial is left."""
    raise KeyboardInterrupt


def _fail(ctx: click.Context, line: str, code: int, exc: BaseException) -> NoReturn:
    from auditor.redact import redact

    if _verbosity(ctx) > 0:
        import traceback

        click.echo(redact("".join(traceback.format_exception(exc))), err=True, nl=False)
        line = line.replace(
            " (re-run with -v for the traceback and report it)", " (please report it)"
        )
    from auditor.report.sanitize import terminal

    problems = list(getattr(exc, "problems", ()))
    if len(problems) > 1:
        for problem in problems:
            click.echo(terminal(redact(f"error: {problem}")), err=True)
        line = f"error: {len(problems)} problems found; fix them and run again"
    # one line, inert: an API's error message or a file name may hold escape sequences
    click.echo(terminal(redact(" ".join(line.split()))), err=True)
    ctx.exit(code)


# -- global options: accepted before and after the command ---------------------------------


def _origin(ctx: click.Context, name: str) -> str:
    source = ctx.get_parameter_source(name)
    if source is ParameterSource.COMMANDLINE:
        return "flag"
    if source is ParameterSource.ENVIRONMENT:
        return "env"
    return "default"


def _where(param: click.Parameter, origin: str, value: Any = None) -> str:
    if origin == "env":
        return str(getattr(param, "envvar", "") or "")
    if origin == "flag":
        if value is False and param.secondary_opts:  # --no-smtp-starttls
            return "/".join(param.secondary_opts)
        return "/".join(param.opts)
    return ""


class _SourcedOption(click.Option):
    """An option whose source is known inside its callback.

    click 8.4 records a parameter's source only after its callback has run, so a
    callback asking ``ctx.get_parameter_source`` would see none; record it as soon as
    the value is consumed, as earlier versions did.
    """

    def consume_value(self, ctx: click.Context, opts: Mapping[str, Any]) -> tuple[Any, Any]:
        value, source = super().consume_value(ctx, opts)
        if self.name is not None:
            ctx.set_parameter_source(self.name, source)
        return value, source


def _remember_global(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep the strongest value of a global option given before and/or after the command."""
    from auditor.settings import Sourced

    assert param.name is not None
    store: dict[str, Sourced] = ctx.find_root().meta.setdefault(_GLOBALS_KEY, {})
    origin = _origin(ctx, param.name)
    new = Sourced(value, origin, _where(param, origin), secret=param.name == "api_key")
    old = store.get(param.name)
    if param.name == "verbose" and old is not None:
        new = Sourced(old.value + value, max(old, new, key=lambda s: s.rank).origin)
    if old is None or new.rank >= old.rank:
        store[param.name] = new
    return value


class _Seconds(click.ParamType):
    """A finite number of seconds, at least ``minimum``: nan, inf and 1e309 are usage
    errors before any request, not a failure after some were sent."""

    name = "seconds"

    def __init__(self, minimum: float) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        import math

        try:
            seconds = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value} is not a number of seconds", param, ctx)
        if not math.isfinite(seconds) or seconds < self.minimum:
            self.fail(
                f"{value} is not a finite number of seconds of at least {self.minimum:g}",
                param,
                ctx,
            )
        return seconds


def _global_option(*names: str, **attrs: Any) -> Callable[[F], F]:
    return click.option(*names, cls=_SourcedOption, **attrs)


def _global_options(func: F) -> F:
    options = [
        _global_option(
            "--base-url",
            envvar="INTELLIXENT_BASE_URL",
            metavar="URL",
            help="API base URL  [env INTELLIXENT_BASE_URL; default https://portal.intellixent.ai/api]",
        ),
        _global_option(
            "--api-key",
            envvar="INTELLIXENT_API_KEY",
            metavar="KEY",
            help="API key, sent as a Bearer token; never printed or stored  "
            "[env INTELLIXENT_API_KEY]",
        ),
        _global_option(
            "--timeout",
            type=_Seconds(minimum=0.1),
            envvar="AUDITOR_TIMEOUT",
            metavar="SECONDS",
            help="The most one API request may take, from connecting to the last byte of "
            "the answer (connect: at most 10 s)  [env AUDITOR_TIMEOUT; default 30]",
        ),
        _global_option(
            "--retry-budget",
            type=_Seconds(minimum=0),
            envvar="AUDITOR_RETRY_BUDGET",
            metavar="SECONDS",
            help="The most time a run spends retrying failed requests (429, 5xx, timeouts), "
            "per account, from the first failed request; then exit 3. 0: no retries  "
            "[env AUDITOR_RETRY_BUDGET; default 120]",
        ),
        _global_option(
            "--concurrency",
            type=click.IntRange(1, 64),
            envvar="AUDITOR_CONCURRENCY",
            metavar="N",
            help="Pages fetched at once  [default 8]",
        ),
        _global_option("-v", "--verbose", count=True, help="More detail on stderr (-vv: debug)."),
        _global_option("-q", "--quiet", is_flag=True, help="Only errors on stderr; no progress."),
        _global_option(
            "--config",
            "config_path",
            envvar="AUDITOR_CONFIG",
            metavar="PATH",
            help="Config file  [default ./auditor.yaml, else [tool.auditor] in ./pyproject.toml]",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    for param in func.__click_params__:  # type: ignore[attr-defined]
        if param.name in {
            "base_url",
            "api_key",
            "timeout",
            "retry_budget",
            "concurrency",
            "verbose",
            "quiet",
            "config_path",
        }:
            param.expose_value = False
            param.callback = _remember_global
    return func


def _globals(ctx: click.Context) -> dict[str, Sourced]:
    return dict(ctx.find_root().meta.get(_GLOBALS_KEY, {}))


def _verbosity(ctx: click.Context) -> int:
    verbose = _globals(ctx).get("verbose")
    return int(verbose.value) if verbose is not None and verbose.value else 0


def _options(ctx: click.Context, values: dict[str, Any]) -> dict[str, Sourced]:
    """This command's own options as ``Sourced`` values, plus the global ones."""
    from auditor.settings import Sourced

    collected = _globals(ctx)
    by_name = {p.name: p for p in ctx.command.params}
    for name, value in values.items():
        origin = _origin(ctx, name)
        param = by_name.get(name)
        where = _where(param, origin, value) if param is not None else ""
        collected[name] = Sourced(value, origin, where, secret=name in _SECRET_OPTIONS)
    _configure_logging(collected)
    return collected


def _configure_logging(options: dict[str, Sourced]) -> None:
    from auditor.redact import RedactingFilter, register_secret

    for name in ("api_key", "smtp_password"):
        if name in options:
            register_secret(options[name].value)
    for name in _SECRET_OPTIONS & options.keys():
        value = options[name].value
        for url in value if isinstance(value, (tuple, list)) else ():
            register_secret(url)
    verbose = int(options["verbose"].value or 0) if "verbose" in options else 0
    quiet = bool(options["quiet"].value) if "quiet" in options else False
    level = (
        logging.ERROR
        if quiet
        else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    )
    _log.setLevel(level)
    if not any(getattr(h, "_auditor", False) for h in _log.handlers):
        handler: logging.StreamHandler[Any] = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._auditor = True  # type: ignore[attr-defined]
        _log.addHandler(handler)
    for existing in _log.handlers:
        if getattr(existing, "_auditor", False) and isinstance(existing, logging.StreamHandler):
            existing.setStream(sys.stderr)  # click's test runner swaps sys.stderr per run
    _log.propagate = False


# -- option groups shared by several commands -----------------------------------------------


def _report_options(func: F) -> F:
    options = [
        click.option(
            "--format",
            "formats",
            type=click.Choice(FORMATS),
            multiple=True,
            help="Report format; repeat with --output to write several  [default text]",
        ),
        click.option(
            "-o",
            "--output",
            "outputs",
            multiple=True,
            metavar="PATH",
            help="Where the matching --format goes (by position); '-' is stdout. "
            "Without --format the format follows the extension (.json .html .md .xml .sarif).",
        ),
        click.option(
            "--color",
            type=click.Choice(COLOR_MODES),
            default="auto",
            show_default=True,
            help="Colour in text output; auto means a TTY without NO_COLOR.",
        ),
        click.option(
            "--ignore-field",
            "ignore_fields",
            multiple=True,
            metavar="PATH",
            help="Field left out of drift (repeatable)  [default updated_at]",
        ),
        click.option(
            "--unordered-list",
            "unordered_lists",
            multiple=True,
            metavar="PATH",
            help="List whose order carries no meaning in drift (repeatable)  [default tools]",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


class _Addresses(click.ParamType):
    """Mail addresses; in the environment a list like a ``To:`` header.

    Click splits a repeatable option's env var on whitespace, which would cut
    ``Zoë <zoe@example.org>`` in two: here commas separate addresses, and whitespace
    only separates bare ones (``a@x.example b@y.example``).
    """

    name = "address"

    def split_envvar_value(self, rv: str) -> list[str]:
        addresses: list[str] = []
        for part in rv.split(","):
            if "<" in part or '"' in part:
                addresses.append(part.strip())
            else:
                addresses.extend(part.split())
        return [a for a in addresses if a]


def _email_options(func: F) -> F:
    options = [
        click.option(
            "--email-to",
            multiple=True,
            type=_Addresses(),
            metavar="ADDR",
            envvar="AUDITOR_EMAIL_TO",
            help="Mail the report to ADDR (repeatable)  [env AUDITOR_EMAIL_TO: comma separated]",
        ),
        click.option(
            "--email-from",
            metavar="ADDR",
            envvar="AUDITOR_EMAIL_FROM",
            help="Sender address  [env AUDITOR_EMAIL_FROM]",
        ),
        click.option(
            "--smtp-host",
            metavar="HOST",
            envvar="AUDITOR_SMTP_HOST",
            help="SMTP server  [env AUDITOR_SMTP_HOST; default localhost]",
        ),
        click.option(
            "--smtp-port",
            type=click.IntRange(1, 65535),
            envvar="AUDITOR_SMTP_PORT",
            help="SMTP port  [env AUDITOR_SMTP_PORT; default 25, 587 with --smtp-starttls, "
            "465 with --smtp-ssl]",
        ),
        click.option(
            "--smtp-user",
            metavar="USER",
            envvar="AUDITOR_SMTP_USER",
            help="SMTP login; the password comes from AUDITOR_SMTP_PASSWORD only  "
            "[env AUDITOR_SMTP_USER]",
        ),
        click.option(
            "--smtp-starttls/--no-smtp-starttls",
            default=None,
            envvar="AUDITOR_SMTP_STARTTLS",
            help="Upgrade the connection with STARTTLS  [env AUDITOR_SMTP_STARTTLS]",
        ),
        click.option(
            "--smtp-ssl/--no-smtp-ssl",
            default=None,
            envvar="AUDITOR_SMTP_SSL",
            help="Connect with implicit TLS (SMTPS)  [env AUDITOR_SMTP_SSL]",
        ),
        click.option(
            "--email-on",
            type=click.Choice(EMAIL_ON),
            envvar="AUDITOR_EMAIL_ON",
            help="When to send  [env AUDITOR_EMAIL_ON; default findings]",
        ),
        click.option(
            "--email-dry-run",
            metavar="FILE.eml",
            envvar="AUDITOR_EMAIL_DRY_RUN",
            help="Write the message to FILE.eml instead of sending it  [env AUDITOR_EMAIL_DRY_RUN]",
        ),
    ]
    for kind, service, env in _NOTIFY_KINDS:
        flag = "--webhook" if kind == "webhook" else f"--{kind}-webhook"
        options.append(
            click.option(
                flag,
                "webhooks" if kind == "webhook" else f"{kind}_webhooks",
                multiple=True,
                metavar="URL",
                envvar=env,
                help=f"Post a summary to this {service} incoming-webhook URL (repeatable; "
                f"a secret: only its host is shown)  [env {env}]",
            )
        )
        options.append(
            click.option(
                f"--{kind}-on",
                type=click.Choice(NOTIFY_ON),
                help=f"When to post to {flag}  [default findings]",
            )
        )
    for option in reversed(options):
        func = option(func)
    return func


_NOTIFY_KINDS = (
    ("slack", "Slack", "AUDITOR_SLACK_WEBHOOK"),
    ("teams", "Teams (Workflows)", "AUDITOR_TEAMS_WEBHOOK"),
    ("webhook", "JSON", "AUDITOR_WEBHOOK_URL"),
)
_SECRET_OPTIONS = {"smtp_password", "slack_webhooks", "teams_webhooks", "webhooks"}


def _smtp_password() -> Sourced:
    from auditor.settings import Sourced

    value = os.environ.get("AUDITOR_SMTP_PASSWORD") or None
    return Sourced(value, "env" if value else "default", "AUDITOR_SMTP_PASSWORD", secret=True)


def _audit_options(func: F) -> F:
    """Every option of ``audit``; ``config show`` takes them too, to show their effect."""
    options = [
        click.option(
            "--input",
            "input_path",
            metavar="SNAPSHOT",
            help="Audit this snapshot file instead of the live API.",
        ),
        click.option(
            "--policy",
            "policies",
            multiple=True,
            metavar="PATH",
            help="Policy file or folder (repeatable)  [default the bundled pack]",
        ),
        click.option(
            "--baseline",
            metavar="FILE",
            help="Approved snapshot (or folder of per-account snapshots) to diff against.",
        ),
        click.option(
            "--history",
            metavar="FILE",
            envvar="AUDITOR_HISTORY",
            help="SQLite file every run is recorded in: new/standing/fixed against the "
            "last run, first_seen, trends (`auditor history`).",
        ),
        _report_options,
        click.option(
            "--fail-on-violation/--no-fail-on-violation",
            default=False,
            help="Exit 1 when violations at or above --severity-threshold remain "
            "(exit 2 if no rule, or no assistant after --filter, was checked).",
        ),
        click.option(
            "--severity-threshold",
            type=click.Choice(SEVERITY_CHOICES),
            default="low",
            show_default=True,
            help="Lowest severity that trips --fail-on-violation.",
        ),
        click.option(
            "--fail-on-drift/--no-fail-on-drift",
            default=False,
            help="Exit 1 when anything drifted from --baseline.",
        ),
        click.option(
            "--fail-on-new/--no-fail-on-new",
            default=False,
            help="Exit 1 when violations at or above --severity-threshold are new (not on "
            "--baseline, or not in the last run of --history); standing ones pass.",
        ),
        click.option(
            "--select",
            multiple=True,
            metavar="RULE_ID",
            help="Check only these rules (repeatable or comma separated).",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="RULE_ID",
            help="Skip these rules (repeatable or comma separated).",
        ),
        click.option(
            "--framework",
            "frameworks",
            multiple=True,
            metavar="ID",
            help="Check only the rules mapped to this compliance framework (repeatable: "
            "eu-ai-act, tcpa, two-party-consent, hipaa, gdpr, pci-dss; auditor framework "
            "list) and report its scorecard; without --policy it loads "
            "builtin:voice-compliance.",
        ),
        click.option(
            "--filter",
            "filters",
            multiple=True,
            metavar="FIELD=VALUE",
            help="Audit only assistants matching FIELD=VALUE or FIELD!=VALUE (repeatable: all).",
        ),
        click.option(
            "--account",
            "account_names",
            multiple=True,
            metavar="NAME",
            help="With accounts in the config file: audit only these (repeatable).",
        ),
        _email_options,
    ]
    for option in reversed(options):
        func = option(func)
    return func


# -- commands --------------------------------------------------------------------------------


@click.group(cls=AuditorGroup, context_settings=CONTEXT_SETTINGS)
@_global_options
@click.version_option(__version__, "--version", prog_name="auditor", message="%(prog)s %(version)s")
def cli() -> None:
    """Audit Intellixent voice assistants against policies and an approved baseline.

    \b
    Start here:   auditor demo              (no key, no setup)
    Nightly gate: auditor audit --baseline baseline.json --fail-on-violation
    Exit codes:   0 ok · 1 gate tripped · 2 usage/config/policy error
                  3 the API could not be read completely · 4 report written, email failed
    """


@cli.command(context_settings=CONTEXT_SETTINGS)
@_global_options
@_audit_options
@click.pass_context
def audit(ctx: click.Context, **values: Any) -> None:
    """Fetch every assistant, check the policies, diff the baseline, report.

    Options left out come from the config file (./auditor.yaml, --config, or
    [tool.auditor] in pyproject.toml), then from the defaults; `auditor config show`
    prints what a run will use and where each value comes from.

    \b
    Examples:
      auditor audit                                   text report of the live fleet
      auditor audit --baseline baseline.json --fail-on-violation --severity-threshold high
      auditor audit --format html -o report.html --format json -o report.json
      auditor audit --input snapshot.json --format sarif -o auditor.sarif
      auditor audit --email-to ops@example.com --smtp-host smtp.example.com --smtp-starttls

    \b
    Exit codes: 0 ok · 1 gate tripped · 2 usage, config or policy error
                3 an account could not be read completely (the others are reported)
                4 reports written, the email could not be sent
    """
    from auditor.commands import audit as command
    from auditor.config import build_audit_settings

    options = _options(ctx, values)
    options["smtp_password"] = _smtp_password()
    ctx.exit(command.run(build_audit_settings(options)))


@cli.command(context_settings=CONTEXT_SETTINGS)
@_global_options
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    help="Snapshot file to write (atomically; left untouched on any error).",
)
@click.option(
    "--account",
    "account_name",
    metavar="NAME",
    help="With accounts in the config file: the account to fetch.",
)
@click.pass_context
def fetch(ctx: click.Context, **values: Any) -> None:
    """Write the complete live listing as a snapshot file.

    \b
    Examples:
      auditor fetch -o tonight.json
      auditor fetch -o north.json --account north      one account of the config file
      auditor audit --input tonight.json               audit the file later, offline
    """
    from auditor.commands import fetch as command
    from auditor.config import build_fetch_settings

    ctx.exit(command.run(build_fetch_settings(_options(ctx, values))))


@cli.group(cls=AuditorGroup, context_settings=CONTEXT_SETTINGS)
def snapshot() -> None:
    """Manage the approved baseline snapshot.

    \b
    Example:
      auditor snapshot approve -o baselines/fleet.json
    """


@snapshot.command(context_settings=CONTEXT_SETTINGS)
@_global_options
@click.option(
    "--from",
    "source_file",
    metavar="SNAPSHOT",
    help="Approve this snapshot file instead of the live listing.",
)
@click.option(
    "-o",
    "--output",
    metavar="BASELINE",
    help="Baseline file to write  [default: baseline from the config file]",
)
@click.option(
    "--account",
    "account_name",
    metavar="NAME",
    help="With accounts in the config file: the account to approve.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Say what the new baseline changes against the one it replaces; write nothing.",
)
@click.pass_context
def approve(ctx: click.Context, **values: Any) -> None:
    """Make the current listing (or --from FILE) the approved baseline.

    The write is atomic and the previous baseline is kept as BASELINE.prev, so an
    approval can be undone by renaming it back. An incomplete listing is never approved.

    \b
    Examples:
      auditor snapshot approve -o baselines/fleet.json
      auditor snapshot approve                      to the config file's baseline
      auditor snapshot approve --from tonight.json -o baselines/fleet.json
      auditor snapshot approve -o baselines/        every account of the config file
      auditor snapshot approve -o baselines/fleet.json --dry-run -v   what would change
    """
    from auditor.commands import approve as command
    from auditor.config import build_approve_settings

    ctx.exit(command.run(build_approve_settings(_options(ctx, values))))


@cli.command(context_settings=CONTEXT_SETTINGS)
@_global_options
@click.argument("before", metavar="BEFORE")
@click.argument("after", metavar="AFTER")
@_report_options
@click.option(
    "--fail-on-drift/--no-fail-on-drift", default=False, help="Exit 1 when anything drifted."
)
@_email_options
@click.pass_context
def diff(ctx: click.Context, **values: Any) -> None:
    """Show the drift between two snapshot files (no network).

    Of the config file only ignore_fields and unordered_lists apply: its reports, gate
    and email are the nightly audit's, so give --email-to etc. here to mail a diff.

    \b
    Example:
      auditor diff baseline.json tonight.json --format markdown -o drift.md
    """
    from auditor.commands import diff as command
    from auditor.config import build_diff_settings

    options = _options(ctx, values)
    options["smtp_password"] = _smtp_password()
    ctx.exit(command.run(build_diff_settings(options)))


@cli.group(cls=AuditorGroup, context_settings=CONTEXT_SETTINGS)
def framework() -> None:
    """Compliance frameworks: their requirements, the rules that check them, the manual
    controls. Not legal advice (docs/frameworks.md).

    \b
    Examples:
      auditor framework list
      auditor framework show eu-ai-act
      auditor audit --framework eu-ai-act --format json
    """


_FRAMEWORK_FORMAT = click.option(
    "--format", type=click.Choice(("table", "json")), default="table", show_default=True
)


@framework.command(name="list", context_settings=CONTEXT_SETTINGS)
@_global_options
@_FRAMEWORK_FORMAT
@click.pass_context
def framework_list(ctx: click.Context, **values: Any) -> None:
    """The bundled frameworks: id, requirements checked by rules and manual, title.

    \b
    Examples:
      auditor framework list
      auditor framework list --format json
    """
    from auditor.commands import framework as command

    _options(ctx, values)
    ctx.exit(command.run_list(values["format"]))


@framework.command(name="show", context_settings=CONTEXT_SETTINGS)
@_global_options
@click.argument("framework_id", metavar="ID")
@_FRAMEWORK_FORMAT
@click.pass_context
def framework_show(ctx: click.Context, **values: Any) -> None:
    """One framework: each requirement, its source, the rules that check it, and what a
    person must verify.

    \b
    Examples:
      auditor framework show eu-ai-act
      auditor framework show tcpa --format json
    """
    from auditor.commands import framework as command

    _options(ctx, values)
    ctx.exit(command.run_show(values["framework_id"], values["format"]))


@cli.command(name="history", context_settings=CONTEXT_SETTINGS)
@_global_options
@click.option(
    "--history",
    metavar="FILE",
    envvar="AUDITOR_HISTORY",
    help="The history file (as given to audit --history)  [default: the config file's]",
)
@click.option("--last", type=click.IntRange(min=1), metavar="N", help="Only the last N runs.")
@click.option(
    "--format",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help='A table with a trend line, or {"runs": [...]}, oldest first.',
)
@click.pass_context
def history_command(ctx: click.Context, **values: Any) -> None:
    """List the audits a history holds: one row per run, oldest first.

    Each row: date, assistants, violations, new, fixed, counts by severity, drift and
    the gate verdict; a line of bars shows the trend of violations.

    \b
    Examples:
      auditor history --history audits.db
      auditor history --history audits.db --last 14 --format json
    """
    from auditor.commands import history as command
    from auditor.config import build_history_settings

    ctx.exit(command.run(build_history_settings(_options(ctx, values))))


@cli.group(cls=AuditorGroup, context_settings=CONTEXT_SETTINGS)
def policy() -> None:
    """Validate, test and list policy rules.

    \b
    Examples:
      auditor policy validate policies/
      auditor policy test
      auditor policy list --format markdown
    """


@policy.command(context_settings=CONTEXT_SETTINGS)
@_global_options
@click.argument("paths", nargs=-1, metavar="PATH...")
@click.pass_context
def validate(ctx: click.Context, **values: Any) -> None:
    """Check policy files; print every problem as file:line: message (exit 0 or 2).

    Without PATH, checks the policies from the config file or the bundled pack.

    \b
    Examples:
      auditor policy validate                     the config file's policies (or the pack)
      auditor policy validate policies/team.yaml extra/
    """
    from auditor.commands import policy as command
    from auditor.config import build_policy_settings

    ctx.exit(command.run_validate(build_policy_settings(_options(ctx, values))))


@policy.command(name="test", context_settings=CONTEXT_SETTINGS)
@_global_options
@click.argument("paths", nargs=-1, metavar="TESTFILE...")
@click.pass_context
def test_(ctx: click.Context, **values: Any) -> None:
    """Run policy test files: example assistants with the outcomes they must get.

    Without TESTFILE, runs the bundled pack's own tests. Exit 1 on any failure.

    \b
    Examples:
      auditor policy test                           the bundled pack's default_test.yaml
      auditor policy test policies/team_test.yaml
    """
    from auditor.commands import policy as command
    from auditor.config import build_policy_settings

    ctx.exit(command.run_test(build_policy_settings(_options(ctx, values))))


@policy.command(name="list", context_settings=CONTEXT_SETTINGS)
@_global_options
@click.option(
    "--policy",
    "paths",
    multiple=True,
    metavar="PATH",
    help="Policy file or folder (repeatable)  [default the bundled pack]",
)
@click.option(
    "--format",
    "format",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="markdown is what docs/policies.md is generated from.",
)
@click.option("--select", multiple=True, metavar="RULE_ID", help="Only these rules.")
@click.option("--ignore", multiple=True, metavar="RULE_ID", help="Not these rules.")
@click.option(
    "--framework",
    "frameworks",
    multiple=True,
    metavar="ID",
    help="Only the rules mapped to this framework (without --policy: the bundled "
    "compliance pack); then the framework's requirements and manual controls.",
)
@click.pass_context
def list_(ctx: click.Context, **values: Any) -> None:
    """The rules in force: id, severity, title and what each checks.

    \b
    Examples:
      auditor policy list
      auditor policy list --policy policies/ --format json
      auditor policy list --format markdown > docs/policies.md
    """
    from auditor.commands import policy as command
    from auditor.config import build_policy_settings

    ctx.exit(command.run_list(build_policy_settings(_options(ctx, values))))


@cli.command(context_settings=CONTEXT_SETTINGS)
@_global_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="Port (0: any free port).",
)
@click.option(
    "--count",
    type=click.IntRange(0),
    default=47,
    show_default=True,
    help="Assistants in the seeded fleet.",
)
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the sample data.")
@click.option("--latency-ms", type=click.FloatRange(0), default=0, help="Delay every response.")
@click.option(
    "--rate-limit-every",
    type=click.IntRange(0),
    default=0,
    metavar="N",
    help="Answer every Nth request with 429 and Retry-After.",
)
@click.option(
    "--retry-after",
    type=click.FloatRange(0),
    default=1,
    show_default=True,
    metavar="SECONDS",
    help="Retry-After sent with 429.",
)
@click.option(
    "--fail-pages", metavar="P,Q", default="", help="Pages that always answer --fail-status."
)
@click.option(
    "--fail-rate",
    type=click.FloatRange(0, 1),
    default=0,
    help="Fraction of requests that answer --fail-status.",
)
@click.option(
    "--fail-status",
    type=click.IntRange(500, 599),
    default=503,
    show_default=True,
    help="Status of injected server errors.",
)
@click.option(
    "--lie-about-total",
    type=int,
    default=0,
    metavar="N",
    help="Report total as the true count + N (N may be negative).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME[=ARG]",
    help="More faults for testing clients; see the list below.",
)
@click.pass_context
def sandbox(ctx: click.Context, **values: Any) -> None:
    """Run a local Intellixent-compatible API with a seeded sample fleet.

    \b
    Examples:
      auditor sandbox --port 8080                   then: auditor audit --base-url
                                                    http://127.0.0.1:8080/api --api-key sandbox-key
      auditor sandbox --count 10000 --latency-ms 50
      auditor sandbox --fault hang-page=2:30 --fault auth-401

    It prints its URL and the key to use, and serves until Ctrl-C. The key is
    sandbox-key, or what --api-key says (INTELLIXENT_API_KEY is never adopted, so a real
    key is not printed). Faults for --fault:
    auth-401, auth-403, malformed-json=PAGE, data-not-list=PAGE, missing-uuid=PAGE,
    duplicate-uuid[=PAGE], last-page-changes, hang=SECONDS, hang-page=PAGE:SECONDS
    (only PAGE is slow), empty-account, transient-5xx=PAGE:TIMES (fails PAGE TIMES times,
    then answers), max-per-page=N (422 for per_page above N), repeated-key=PAGE (a key
    twice in PAGE's first record), nested-deep=PAGE (a field 500 levels deep),
    shift-after-page=PAGE[:TIMES] (after PAGE is served, one assistant deleted and one
    created: later pages shift), drip=PAGE:SECONDS (PAGE's
    body a byte every SECONDS), retry-after-forever=SECONDS (503 with Retry-After, always),
    gzip-bomb=PAGE[:MIB] (a small gzip body inflating to MIB MiB, default 100),
    content-length=PAGE:BYTES (PAGE claims BYTES, sends its body, hangs up),
    redirect=ORIGIN (302 to ORIGIN plus the path asked for, e.g. another sandbox),
    redirect-same-origin (307 to the same URL with &moved=1). --retry-after 0 sends 429
    without Retry-After.
    """
    from auditor.commands import sandbox as command
    from auditor.config import build_sandbox_settings

    ctx.exit(command.run(build_sandbox_settings(_options(ctx, values))))


@cli.command(context_settings=CONTEXT_SETTINGS)
@_global_options
@click.option(
    "--output-dir",
    default="auditor-demo",
    show_default=True,
    metavar="DIR",
    help="Where the demo writes its baseline and reports.",
)
@click.option(
    "--count",
    type=click.IntRange(1),
    default=47,
    show_default=True,
    help="Assistants in the demo fleet.",
)
@click.pass_context
def demo(ctx: click.Context, **values: Any) -> None:
    """Run the whole audit end to end against a built-in sandbox: no key, no setup.

    \b
    Examples:
      auditor demo                                  reports in ./auditor-demo/
      auditor demo --count 500 --output-dir /tmp/demo
    """
    from auditor.commands import demo as command
    from auditor.config import build_demo_settings

    ctx.exit(command.run(build_demo_settings(_options(ctx, values))))


@cli.group(cls=AuditorGroup, context_settings=CONTEXT_SETTINGS)
def config() -> None:
    """Inspect the effective configuration.

    \b
    Example:
      auditor config show
    """


@config.command(context_settings=CONTEXT_SETTINGS)
@_global_options
@_audit_options
@click.pass_context
def show(ctx: click.Context, **values: Any) -> None:
    """Print every setting of a nightly audit and where it came from, secrets masked.

    Takes every option of `auditor audit`, so `auditor config show OPTIONS` shows what
    `auditor audit OPTIONS` would run with. Origins: default, file (file:line), env
    (the variable) or flag. Exit 2 with file:line for a broken config file.

    \b
    Examples:
      auditor config show
      auditor config show --config ci/auditor.yaml --no-fail-on-violation
    """
    from auditor.commands import config as command

    options = _options(ctx, values)
    options["smtp_password"] = _smtp_password()
    ctx.exit(command.run_show(options))


@cli.command(name="init", context_settings=CONTEXT_SETTINGS)
@_global_options
@click.option(
    "--dir",
    "directory",
    default=".",
    show_default=True,
    metavar="DIR",
    help="Repository folder to write into.",
)
@click.option(
    "--ci",
    type=click.Choice(("github", "gitlab", "none")),
    default="github",
    show_default=True,
    help="Which CI workflow to write.",
)
@click.pass_context
def init(ctx: click.Context, **values: Any) -> None:
    """Write auditor.yaml, policies/team.yaml, baselines/ and a CI workflow; never overwrites.

    Prints the next three commands. When any of the files exists, says which, writes
    nothing and exits 2.

    \b
    Examples:
      auditor init                        GitHub Actions workflow through the auditor Action
      auditor init --ci gitlab            .gitlab-ci.yml instead
      auditor init --dir fleet-audit --base-url https://voice.example/api
    """
    from pathlib import Path

    from auditor.commands import init as command

    options = _options(ctx, values)
    base_url = options.get("base_url")
    quiet = options.get("quiet")
    settings = command.InitSettings(
        directory=Path(values["directory"]),
        ci=values["ci"],
        base_url=str(base_url.value)
        if base_url and base_url.value
        else "https://portal.intellixent.ai/api",
        quiet=bool(quiet and quiet.value),
    )
    ctx.exit(command.run(settings))


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("shell", type=click.Choice(("bash", "zsh", "fish")))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL (click's own completion).

    \b
    Examples:
      auditor completion bash > ~/.local/share/bash-completion/completions/auditor
      auditor completion zsh > "${fpath[1]}/_auditor"
      auditor completion fish > ~/.config/fish/completions/auditor.fish
      eval "$(auditor completion bash)"        just for this shell
    """
    from click.shell_completion import get_completion_class

    completer = get_completion_class(shell)
    assert completer is not None  # the three choices are click's built-in shells
    click.echo(completer(cli, {}, "auditor", "_AUDITOR_COMPLETE").source())


def main() -> None:
    """The ``auditor`` console script."""
    _on_sigterm_stop()
    cli.main(prog_name="auditor")


def audit_main() -> None:
    """The ``audit`` console script: ``auditor audit`` under a shorter name."""
    _on_sigterm_stop()
    cli.main(args=["audit", *sys.argv[1:]], prog_name="auditor")


def _on_sigterm_stop() -> None:
    import signal

    signal.signal(signal.SIGTERM, _terminated)
