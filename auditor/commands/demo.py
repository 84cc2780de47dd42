"""`auditor demo`: the whole nightly audit against a built-in sandbox, in seconds.

Starts the sandbox API in-process on a free port, approves its fleet as the baseline,
simulates a night of edits (a rename, recording switched off, a prompt rewrite, one
assistant added and one removed, plus noise drift must ignore), then runs the real
audit — real HTTP, the bundled policy pack, the drift engine, every report — and stops
the sandbox. No key and no setup: what a new user should see first.
"""

from __future__ import annotations

import click

from auditor.audit import run_audit
from auditor.commands.deliver import finish
from auditor.errors import ConfigError
from auditor.settings import (
    ApiSettings,
    AuditSettings,
    DemoSettings,
    OutputSpec,
    SandboxSettings,
)

REPORTS = (("html", "report.html"), ("json", "report.json"), ("markdown", "report.md"))


def run(settings: DemoSettings) -> int:
    """Run the demo; 0 when it ran (the findings it shows are the point, not a failure)."""
    from auditor.livesnapshot import fetch_snapshot
    from auditor.sandbox.data import simulate_drift
    from auditor.sandbox.server import start_sandbox

    out = settings.output_dir
    say = _Say(settings.output.quiet)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create {out}: {exc.strerror or exc}; pick --output-dir"
        ) from None
    with start_sandbox(SandboxSettings(port=0, count=settings.count)) as sandbox:
        say(
            f"1. started a sandbox API at {sandbox.base_url} "
            f"with {settings.count} sample assistants (no key needed)"
        )
        api = ApiSettings(base_url=sandbox.base_url, api_key=sandbox.api_key)
        baseline = out / "baseline.json"
        approved = fetch_snapshot(api)
        with approved.spill:
            approved.write(baseline)
        say(f"2. approved today's fleet as the baseline: {baseline}")
        sandbox.set_fleet(simulate_drift(sandbox.fleet))
        say("3. simulated a night of edits in the sandbox (renames, settings, prompts)")
        say("4. auditing the fleet against the bundled policy pack and the baseline:\n")
        audit = AuditSettings(
            accounts=(api,),
            baseline=baseline,
            outputs=(
                OutputSpec("text"),
                *(OutputSpec(fmt, out / name) for fmt, name in REPORTS),
            ),
            output=settings.output,
        )
        outcome = run_audit(audit)
    finish(
        outcome.report,
        outcome.exit_code,
        outputs=audit.outputs,
        email=audit.email,
        output=settings.output,
    )
    say(
        "\nNext: open the HTML report in a browser; in CI add --fail-on-violation to fail "
        "the job on findings like these, and --baseline to catch drift. See the README."
    )
    return 0


class _Say:
    """Narration on stderr (stdout carries the report), silenced by -q."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, line: str) -> None:
        if not self.quiet:
            click.echo(line, err=True)
