"""The command line: parse options, build one settings object, call one function.

No business logic lives here. Every option is a row of ``auditor.settings_table``,
turned into a click option below; a command hands what click parsed, with its origin,
to ``auditor.resolve`` (which adds the env-only settings, the config file and the
defaults) and calls ``auditor.commands.<name>.run(settings)``, which returns the exit
code. Errors raised anywhere below become one stderr line and their exit code in
``AuditorGroup.invoke``.

Only click, the table and the option words are imported at start-up; everything else
is imported inside the command that needs it, so ``--help`` and ``--version`` start
about as fast as click itself.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, TypeVar

import click
from click.core import ParameterSource

from auditor._version import __version__
from auditor.errors import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_USAGE, AuditorError
from auditor.settings_table import EVERY_COMMAND, SETTINGS, Setting, Sourced, rows_for

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
_GLOBALS_KEY = "auditor.globals"


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
    _blame_the_environment(exc)
    message = " ".join(exc.format_message().split())
    click.echo(terminal(f"error: {message} (see '{where} --help')"), err=True)
    raise click.exceptions.Exit(EXIT_USAGE)


def _blame_the_environment(exc: click.UsageError) -> None:
    """A bad value that came from an environment variable is named by that variable, not
    by an option the user never typed: ``Invalid value for AUDITOR_JOBS (from the
    environment): …``."""
    if not isinstance(exc, click.BadParameter) or exc.ctx is None or exc.param is None:
        return
    param = exc.param
    if param.name is None or not param.envvar:
        return
    if exc.ctx.get_parameter_source(param.name) is not ParameterSource.ENVIRONMENT:
        return
    names = [param.envvar] if isinstance(param.envvar, str) else list(param.envvar)
    given = [name for name in names if os.environ.get(name)] or names
    exc.param_hint = f"{given[0]} (from the environment)"


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
    assert param.name is not None
    store: dict[str, Sourced] = ctx.find_root().meta.setdefault(_GLOBALS_KEY, {})
    origin = _origin(ctx, param.name)
    new = Sourced(value, origin, _where(param, origin), _IS_SECRET.get(param.name, False))
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


def _click_type(row: Setting) -> Any:
    """The click type of a setting's values (``None``: text)."""
    if row.type == "seconds":
        return _Seconds(minimum=row.low or 0)
    if row.type == "int":
        if row.low is None and row.high is None:
            return int
        low, high = (None if end is None else int(end) for end in (row.low, row.high))
        return click.IntRange(low, high)
    if row.type == "float":
        return click.FloatRange(row.low, row.high)
    if row.type == "choice":
        return click.Choice(row.choices)
    if row.type == "addresses":
        return _Addresses()
    return None


def _click_option(row: Setting, command: str) -> click.Option:
    """The click option of one setting in one command, as the table declares it."""
    attrs: dict[str, Any] = {
        "help": row.help_for(command) or None,
        "metavar": row.metavar,
        "envvar": row.env,
        "required": row.required,
        "show_default": row.click_shows_default,
        "multiple": row.many,
    }
    if row.type == "count":
        attrs["count"] = True
    elif row.type == "bool" and "/" not in row.flags[-1]:
        attrs["is_flag"] = True
    else:
        attrs["type"] = _click_type(row)
    if row.default is not None:
        attrs["default"] = row.default
    if row.taken_by(EVERY_COMMAND):  # global: accepted before and after the command
        return _SourcedOption(
            [*row.flags, row.name], expose_value=False, callback=_remember_global, **attrs
        )
    return click.Option([*row.flags, row.name], **attrs)


def table_options(command: str, table: tuple[Setting, ...] = SETTINGS) -> Callable[[F], F]:
    """Give a click command the options of every setting it takes, in table order."""

    def decorate(func: F) -> F:
        params = getattr(func, "__click_params__", [])
        # click reverses the decorator order: the last one appended is listed first
        params.extend(_click_option(row, command) for row in reversed(rows_for(command, table)))
        func.__click_params__ = params  # type: ignore[attr-defined]
        return func

    return decorate


class TableCommand(click.Command):
    """A command whose options come from the table, built the first time they are read.

    ``auditor --help`` and a run of one command then never build the other commands'
    options. The parameters click is given (the arguments) follow the table's options.
    """

    def __init__(self, *args: Any, table_path: str, **kwargs: Any) -> None:
        self.table_path = table_path
        self._table_params: list[click.Parameter] | None = None
        super().__init__(*args, **kwargs)

    @property
    def params(self) -> list[click.Parameter]:
        if self._table_params is None:
            rows = rows_for(self.table_path)
            self._table_params = [_click_option(row, self.table_path) for row in rows]
            self._table_params += self._declared_params
        return self._table_params

    @params.setter
    def params(self, value: list[click.Parameter]) -> None:
        self._declared_params = value
        self._table_params = None


def _command(group: click.Group, path: str, **attrs: Any) -> Callable[[F], click.Command]:
    """A command of ``group`` with the options the table gives ``path``; its function
    takes the click context and every option's value."""

    def decorate(func: F) -> click.Command:
        return group.command(
            cls=TableCommand, table_path=path, context_settings=CONTEXT_SETTINGS, **attrs
        )(click.pass_context(func))

    return decorate


_IS_SECRET = {row.name: row.secret for row in SETTINGS}


def _given_globals(ctx: click.Context) -> dict[str, Sourced]:
    return dict(ctx.find_root().meta.get(_GLOBALS_KEY, {}))


def _verbosity(ctx: click.Context) -> int:
    verbose = _given_globals(ctx).get("verbose")
    return int(verbose.value) if verbose is not None and verbose.value else 0


def given_options(ctx: click.Context, values: dict[str, Any]) -> dict[str, Sourced]:
    """What the command line gave a command, its own options and the global ones, each
    as a ``Sourced`` value (flag, env or click's default); sets up logging from them."""
    collected = _given_globals(ctx)
    by_name = {p.name: p for p in ctx.command.params}
    for name, value in values.items():
        origin = _origin(ctx, name)
        param = by_name.get(name)
        where = _where(param, origin, value) if param is not None else ""
        collected[name] = Sourced(value, origin, where, _IS_SECRET.get(name, False))
    _configure_logging(collected)
    return collected


def _configure_logging(options: dict[str, Sourced]) -> None:
    import logging

    from auditor.redact import RedactingFilter, register_secret

    for item in options.values():
        if not item.secret:
            continue
        for value in item.value if isinstance(item.value, (tuple, list)) else (item.value,):
            register_secret(value)
    verbose = int(options["verbose"].value or 0) if "verbose" in options else 0
    quiet = bool(options["quiet"].value) if "quiet" in options else False
    level = (
        logging.ERROR
        if quiet
        else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    )
    log = logging.getLogger("auditor")
    log.setLevel(level)
    if not any(getattr(h, "_auditor", False) for h in log.handlers):
        handler: logging.StreamHandler[Any] = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._auditor = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    for existing in log.handlers:
        if getattr(existing, "_auditor", False) and isinstance(existing, logging.StreamHandler):
            existing.setStream(sys.stderr)  # click's test runner swaps sys.stderr per run
    log.propagate = False


# -- commands --------------------------------------------------------------------------------


@click.group(cls=AuditorGroup, context_settings=CONTEXT_SETTINGS)
@table_options("")
@click.version_option(__version__, "--version", prog_name="auditor", message="%(prog)s %(version)s")
def cli() -> None:
    """Audit Intellixent voice assistants against policies and an approved baseline.

    \b
    Start here:   auditor demo              (no key, no setup)
    Nightly gate: auditor audit --baseline baseline.json --fail-on-violation
    Exit codes:   0 ok · 1 gate tripped · 2 usage/config/policy error
                  3 the API could not be read completely · 4 report written, email failed
    """


@_command(cli, "audit")
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
    from auditor.resolve import build_audit_settings

    options = given_options(ctx, values)
    ctx.exit(command.run(build_audit_settings(options)))


@_command(cli, "fetch")
def fetch(ctx: click.Context, **values: Any) -> None:
    """Write the complete live listing as a snapshot file.

    \b
    Examples:
      auditor fetch -o tonight.json
      auditor fetch -o north.json --account north      one account of the config file
      auditor audit --input tonight.json               audit the file later, offline
    """
    from auditor.commands import fetch as command
    from auditor.resolve import build_fetch_settings

    ctx.exit(command.run(build_fetch_settings(given_options(ctx, values))))


@cli.group(cls=AuditorGroup, context_settings=CONTEXT_SETTINGS)
def snapshot() -> None:
    """Manage the approved baseline snapshot.

    \b
    Example:
      auditor snapshot approve -o baselines/fleet.json
    """


@_command(snapshot, "snapshot approve")
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
    from auditor.resolve import build_approve_settings

    ctx.exit(command.run(build_approve_settings(given_options(ctx, values))))


@_command(cli, "diff")
@click.argument("before", metavar="BEFORE")
@click.argument("after", metavar="AFTER")
def diff(ctx: click.Context, **values: Any) -> None:
    """Show the drift between two snapshot files (no network).

    Of the config file only ignore_fields and unordered_lists apply: its reports, gate
    and email are the nightly audit's, so give --email-to etc. here to mail a diff.

    \b
    Example:
      auditor diff baseline.json tonight.json --format markdown -o drift.md
    """
    from auditor.commands import diff as command
    from auditor.resolve import build_diff_settings

    options = given_options(ctx, values)
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


@_command(framework, "framework list", name="list")
def framework_list(ctx: click.Context, **values: Any) -> None:
    """The bundled frameworks: id, requirements checked by rules and manual, title.

    \b
    Examples:
      auditor framework list
      auditor framework list --format json
    """
    from auditor.commands import framework as command

    given_options(ctx, values)
    ctx.exit(command.run_list(values["framework_format"]))


@_command(framework, "framework show", name="show")
@click.argument("framework_id", metavar="ID")
def framework_show(ctx: click.Context, **values: Any) -> None:
    """One framework: each requirement, its source, the rules that check it, and what a
    person must verify.

    \b
    Examples:
      auditor framework show eu-ai-act
      auditor framework show tcpa --format json
    """
    from auditor.commands import framework as command

    given_options(ctx, values)
    ctx.exit(command.run_show(values["framework_id"], values["framework_format"]))


@_command(cli, "history", name="history")
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
    from auditor.resolve import build_history_settings

    ctx.exit(command.run(build_history_settings(given_options(ctx, values))))


@cli.group(cls=AuditorGroup, context_settings=CONTEXT_SETTINGS)
def policy() -> None:
    """Validate, test and list policy rules.

    \b
    Examples:
      auditor policy validate policies/
      auditor policy test
      auditor policy list --format markdown
    """


@_command(policy, "policy validate")
@click.argument("paths", nargs=-1, metavar="PATH...")
def validate(ctx: click.Context, **values: Any) -> None:
    """Check policy files; print every problem as file:line: message (exit 0 or 2).

    Without PATH, checks the policies from the config file or the bundled pack.

    \b
    Examples:
      auditor policy validate                     the config file's policies (or the pack)
      auditor policy validate policies/team.yaml extra/
    """
    from auditor.commands import policy as command
    from auditor.resolve import build_policy_settings

    ctx.exit(command.run_validate(build_policy_settings(given_options(ctx, values))))


@_command(policy, "policy test", name="test")
@click.argument("paths", nargs=-1, metavar="TESTFILE...")
def test_(ctx: click.Context, **values: Any) -> None:
    """Run policy test files: example assistants with the outcomes they must get.

    Without TESTFILE, runs the bundled pack's own tests. Exit 1 on any failure.

    \b
    Examples:
      auditor policy test                           the bundled pack's default_test.yaml
      auditor policy test policies/team_test.yaml
    """
    from auditor.commands import policy as command
    from auditor.resolve import build_policy_settings

    ctx.exit(command.run_test(build_policy_settings(given_options(ctx, values))))


@_command(policy, "policy list", name="list")
def list_(ctx: click.Context, **values: Any) -> None:
    """The rules in force: id, severity, title and what each checks.

    \b
    Examples:
      auditor policy list
      auditor policy list --policy policies/ --format json
      auditor policy list --format markdown > docs/policies.md
    """
    from auditor.commands import policy as command
    from auditor.resolve import build_policy_settings

    ctx.exit(command.run_list(build_policy_settings(given_options(ctx, values))))


@_command(cli, "sandbox")
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
    from auditor.resolve import build_sandbox_settings

    ctx.exit(command.run(build_sandbox_settings(given_options(ctx, values))))


@_command(cli, "demo")
def demo(ctx: click.Context, **values: Any) -> None:
    """Run the whole audit end to end against a built-in sandbox: no key, no setup.

    \b
    Examples:
      auditor demo                                  reports in ./auditor-demo/
      auditor demo --count 500 --output-dir /tmp/demo
    """
    from auditor.commands import demo as command
    from auditor.resolve import build_demo_settings

    ctx.exit(command.run(build_demo_settings(given_options(ctx, values))))


@cli.group(cls=AuditorGroup, context_settings=CONTEXT_SETTINGS)
def config() -> None:
    """Inspect the effective configuration.

    \b
    Example:
      auditor config show
    """


@_command(config, "config show")
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

    options = given_options(ctx, values)
    ctx.exit(command.run_show(options))


@_command(cli, "init", name="init")
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
    from auditor.resolve import resolve

    options = resolve(given_options(ctx, values), read_file=False)
    settings = command.InitSettings(
        directory=Path(options["directory"].value),
        ci=options["ci"].value,
        base_url=str(options["base_url"].value),
        quiet=bool(options["quiet"].value),
        base_url_from=options["base_url"].where or "--base-url",
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
