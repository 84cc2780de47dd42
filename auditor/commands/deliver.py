"""The common tail of `audit` and `diff`: write the reports, mail them, say what happened.

Order matters for a nightly job: the reports are written first (so CI can upload them
whatever happens next), then the mail is sent, then the verdict goes to stderr. A mail
failure never hides the audit result: when the gate or the fetch already failed, their
exit code wins and the mail error is printed beside it; otherwise the run exits 4.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from auditor.errors import EXIT_DELIVERY, EXIT_OK, DeliveryError
from auditor.model import Report
from auditor.redact import redact
from auditor.settings import EmailSettings, NotifySettings, OutputSettings, OutputSpec


def finish(
    report: Report,
    exit_code: int,
    *,
    outputs: Sequence[OutputSpec],
    email: EmailSettings,
    output: OutputSettings,
    notify: NotifySettings | None = None,
) -> int:
    """Write ``outputs``, deliver the email and notices if asked, print the verdict; the
    exit code (4 when a delivery failed and nothing worse happened)."""
    from auditor.report import write_reports

    written = write_reports(report, outputs, color=output.color)
    if not output.quiet:
        for path in written:
            _say(f"wrote {path}")
        if not any(spec.path is None and spec.format == "text" for spec in outputs):
            for warning in report.warnings:  # the text report shows them; files alone do not
                _say(f"warning: {warning}")
    for error in report.errors:
        name = f"account {error.account}: " if error.account else ""
        _say(f"error: {name}{error.message}")
    if report.gate.failed:
        _say(f"gate failed: {report.gate.reason}")
    delivered = True
    if email.enabled:
        from auditor.email import deliver_report

        try:
            sent = deliver_report(report, email)
        except DeliveryError as exc:
            _say(f"error: {exc.message}")
            delivered = False
        else:
            if sent and not output.quiet:
                _say(sent)
    if notify is not None and notify.enabled:
        from auditor.notify import notify as post_notices

        try:
            post_notices(report, notify, say=_say if not output.quiet else _silent)
        except DeliveryError as exc:
            _say(f"error: {exc.message}")
            delivered = False
    if not delivered and exit_code == EXIT_OK:
        return EXIT_DELIVERY
    return exit_code


def _silent(line: str) -> None:
    """Where progress lines go under ``-q``."""


def _say(line: str) -> None:
    """One line on stderr: secrets redacted, control characters from the API made visible."""
    from auditor.report.sanitize import terminal

    click.echo(terminal(redact(line)), err=True)
