"""`auditor audit`: run the audit, write every report, mail ops, return the exit code."""

from __future__ import annotations

from auditor.audit import run_audit
from auditor.commands.deliver import finish
from auditor.settings import AuditSettings


def run(settings: AuditSettings) -> int:
    """Audit, then hand the report to the reports and the mailer (``finish``)."""
    from auditor.report import check_outputs

    check_outputs(settings.outputs)  # before any request: a bad -o costs no fetch
    outcome = run_audit(settings)
    return finish(
        outcome.report,
        outcome.exit_code,
        outputs=settings.outputs,
        email=settings.email,
        notify=settings.notify,
        output=settings.output,
    )
