"""`auditor audit`: run the audit, write every report, mail ops, return the exit code."""

from __future__ import annotations

from auditor.audit import run_audit
from auditor.commands.deliver import finish
from auditor.settings import AuditSettings


def run(settings: AuditSettings) -> int:
    """Audit, hand the report to the reports and the mailer (``finish``), then record
    the run in ``--history``."""
    from auditor.report import check_outputs

    check_outputs(settings.outputs)  # before any request: a bad -o costs no fetch
    outcome = run_audit(settings)
    code = finish(
        outcome.report,
        outcome.exit_code,
        outputs=settings.outputs,
        email=settings.email,
        notify=settings.notify,
        output=settings.output,
    )
    outcome.record_history()  # after the reports, one transaction per run
    return code
