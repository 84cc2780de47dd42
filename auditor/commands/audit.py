"""`auditor audit`: run the audit, write every report, mail ops, return the exit code."""

from __future__ import annotations

import logging

from auditor.audit import run_audit
from auditor.commands.deliver import finish
from auditor.errors import ConfigError, FetchError
from auditor.settings import AuditSettings

_log = logging.getLogger("auditor")


def run(settings: AuditSettings) -> int:
    """Audit, hand the report to the reports and the mailer (``finish``), then record
    the run in ``--history``."""
    from auditor.report import check_outputs

    check_outputs(settings.outputs)  # before any request: a bad -o costs no fetch
    try:
        outcome = run_audit(settings)
    except FetchError as exc:
        if settings.history is not None and settings.input is None:
            try:
                _record_failure(settings, exc)
            except ConfigError as problem:  # the fetch error stays the run's exit code
                _log.warning("the failed run is not in the history: %s", problem.message)
        raise
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


def _record_failure(settings: AuditSettings, error: FetchError) -> None:
    """The only account could not be read: the history records the run as failed for
    it, without findings, so none of its findings is later taken for fixed."""
    from auditor.history import open_history
    from auditor.model import AccountError, Gate
    from auditor.verdict import new_report

    account = settings.accounts[0]
    gate = settings.gate
    requested = gate.fail_on_violation or gate.fail_on_drift or gate.fail_on_new
    report = new_report(
        source=account.base_url,
        assistants=(),
        rules=(),
        violations=(),
        gate=Gate(requested, "the account could not be read"),
        errors=(AccountError(account.account, error.message),),
    )
    assert settings.history is not None
    open_history(settings.history).record(report, ())
