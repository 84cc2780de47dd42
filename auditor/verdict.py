"""What ``audit`` and ``diff`` share at the end of a run: the gate and the report.

Both commands end the same way: the findings and the drift are weighed against the
gates the user asked for (``decide_gate``), and everything goes into one ``Report``
(``new_report``), stamped with the tool's version and the time, for the renderers, the
mailer and the notices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from auditor._version import __version__
from auditor.model import Drift, Gate, Report, Violation
from auditor.settings import GateSettings


def decide_gate(
    settings: GateSettings, violations: Sequence[Violation], drift: Drift | None
) -> Gate:
    """The verdict of ``--fail-on-violation``, ``--fail-on-new`` and ``--fail-on-drift``,
    with its reason (each part that tripped is named).

    ``violations`` are the findings that count: waived ones are not among them, findings
    whose waiver expired are.
    """
    threshold = settings.severity_threshold
    counted = [v for v in violations if v.severity >= threshold]
    # a violation with nothing to compare with (status None) counts as new: fail closed
    new = [v for v in counted if v.status != "standing"]
    reasons: list[str] = []
    if settings.fail_on_violation and counted:
        reasons.append(f"{plural(len(counted), 'violation')} at or above {threshold}")
    if settings.fail_on_new and new:
        unknown = sum(1 for v in new if v.status is None)
        why = f" ({unknown} with no baseline or earlier run to compare with)" if unknown else ""
        reasons.append(f"{plural(len(new), 'new violation')} at or above {threshold}{why}")
    if settings.fail_on_drift and drift is not None and not drift.empty:
        reasons.append(f"{plural(drift.total, 'assistant')} drifted from the baseline")
    if reasons:
        return Gate(True, "; ".join(reasons))
    if not (settings.fail_on_violation or settings.fail_on_drift or settings.fail_on_new):
        return Gate(False, "no gate requested")
    passed: list[str] = []
    if settings.fail_on_violation:
        passed.append(f"no violations at or above {threshold}")
    if settings.fail_on_new:
        standing = len(counted) - len(new)
        passed.append(
            f"no new violations at or above {threshold}"
            + (f", {plural(standing, 'standing one')} reported" if standing else "")
        )
    if settings.fail_on_drift:
        passed.append("no drift" if drift is not None else "no baseline to drift from")
    return Gate(False, "; ".join(passed))


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def utc_now() -> str:
    """The current time as ``2026-11-24T03:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_report(**fields: Any) -> Report:
    """A ``Report`` of this version of auditor, generated now unless ``generated_at``
    is given (``fields`` are the rest of ``Report``'s)."""
    fields.setdefault("generated_at", utc_now())
    return Report(tool_version=__version__, **fields)
