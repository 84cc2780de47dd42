"""``text``: for people at a terminal, like ruff or pip-audit.

Findings grouped by severity (worst first) and rule, one line per finding; then waived
findings, drift, warnings and errors; the summary line last. Colour only when asked
(the caller decides: a TTY without ``NO_COLOR``, or ``--color always``). Every value
from the API goes through ``sanitize.terminal`` so it cannot move the cursor or fake a
line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import click

from auditor.model import Change, ChangeKind, Report, Severity, Violation
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import lines as safe_lines
from auditor.report.sanitize import terminal, value_text

_COLORS = {
    Severity.CRITICAL: "magenta",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "blue",
}


def plural(count: int, noun: str) -> str:
    """``1 violation``, ``3 violations``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary_line(report: Report) -> str:
    """The one-line verdict: counts, waived, drift, gate (counts from ``report.summary()``)."""
    summary = report.summary()
    count = summary["violations"]
    assistants = plural(summary["assistants"], "assistant")
    if count:
        severities = ", ".join(f"{n} {s}" for s, n in summary["by_severity"].items() if n)
        parts = [f"{plural(count, 'violation')} ({severities}) in {assistants}"]
    elif summary["rules"]:
        parts = [f"no violations in {assistants} ({plural(summary['rules'], 'rule')})"]
    else:
        parts = [assistants]
    if summary["waived"]:
        parts[0] += f", {summary['waived']} waived"
    drift = summary["drift"]
    if drift is not None:
        parts.append(
            f"drift: {drift['added']} added, {drift['removed']} removed, {drift['changed']} changed"
        )
    if report.errors:
        parts.append(f"{plural(len(report.errors), 'account')} could not be read")
    gate = report.gate
    if gate.reason != "no gate requested":
        parts.append(f"gate: {'failed' if gate.failed else 'passed'} ({terminal(gate.reason)})")
    return " · ".join(parts)


class TextFormat(ReportFormat):
    name = "text"
    extension = "txt"

    def render(self, report: Report, *, color: bool = False) -> str:
        style: Callable[..., str] = click.style if color else _plain
        lines: list[str] = []
        who = f"{report.source}" + (f" · baseline {report.baseline}" if report.baseline else "")
        lines.append(
            style(
                f"auditor {report.tool_version} · {terminal(who)} · "
                f"{plural(len(report.assistants), 'assistant')} · "
                f"{plural(len(report.rules), 'rule')}",
                bold=True,
            )
        )
        for (severity, rule), items in _grouped(report.violations):
            lines.append("")
            heading = f"{str(severity).upper():<8} {terminal(rule)}  {terminal(items[0].title)}"
            lines.append(style(heading, fg=_COLORS[severity], bold=True))
            lines.extend(f"  {_finding(v)}" for v in items)
        if report.waived:
            lines += ["", style(f"Waived ({len(report.waived)})", bold=True)]
            lines.extend(
                f"  {terminal(v.rule)}  {_finding(v)}  — {_waiver(v)}" for v in report.waived
            )
        if report.drift is not None:
            lines += ["", *_drift(report, style)]
        if report.warnings:
            lines += ["", style("Warnings", bold=True)]
            lines.extend(f"  ! {terminal(w)}" for w in report.warnings)
        if len(report.accounts) > 1:
            lines += ["", style("Accounts", bold=True), *_accounts(report)]
        if report.errors:
            lines += ["", style("Errors", fg="red", bold=True)]
            for error in report.errors:
                name = f"account {error.account}: " if error.account else ""
                lines.append(f"  x {terminal(name + error.message)}")
        lines += ["", style(summary_line(report), bold=True)]
        return "\n".join(lines) + "\n"


def _accounts(report: Report) -> list[str]:
    """One line per account: its own counts, or that it could not be read."""
    by_account = report.summary()["by_account"]
    width = max(len(terminal(name)) for name in by_account)
    out = []
    for name, data in by_account.items():
        if data["error"]:
            counts = "could not be read (see Errors)"
        else:
            counts = (
                f"{plural(data['assistants'], 'assistant')}, "
                f"{plural(data['violations'], 'violation')}"
            )
            if data["waived"]:
                counts += f", {data['waived']} waived"
            if data["drift"] is not None:
                counts += ", drift: {added} added, {removed} removed, {changed} changed".format(
                    **data["drift"]
                )
        out.append(f"  {terminal(name):<{width}}  {counts}")
    return out


def _plain(text: str, **_: object) -> str:
    return text


def _grouped(
    violations: Sequence[Violation],
) -> list[tuple[tuple[Severity, str], list[Violation]]]:
    """Findings by (severity, rule): worst first, rules in the order the report has them."""
    groups: dict[tuple[Severity, str], list[Violation]] = {}
    for v in violations:
        groups.setdefault((v.severity, v.rule), []).append(v)
    return sorted(groups.items(), key=lambda item: -item[0][0])


def _who(v: Violation) -> str:
    account = f"[{v.assistant.account}] " if v.assistant.account else ""
    return terminal(account + v.assistant.label)


def _finding(v: Violation) -> str:
    expired = ""
    if v.waiver is not None and v.waiver.expired:
        expired = (
            f" (waiver expired {v.waiver.expires})" if v.waiver.expires else " (waiver expired)"
        )
    return f"{_who(v)}  {terminal(v.message)}{expired}"


def _waiver(v: Violation) -> str:
    assert v.waiver is not None
    until = f" until {v.waiver.expires}" if v.waiver.expires else ""
    return f"{terminal(v.waiver.reason)}{until} ({terminal(v.waiver.source)})"


def _drift(report: Report, style: Callable[..., str]) -> list[str]:
    drift = report.drift
    assert drift is not None
    counts = drift.counts
    head = (
        f"Drift since the baseline: {counts['added']} added, {counts['removed']} removed, "
        f"{counts['changed']} changed"
    )
    lines = [style(head if not drift.empty else "No drift since the baseline", bold=True)]
    for ref in drift.added:
        lines.append(style(f"  + {terminal(_account(ref.account) + ref.label)}", fg="green"))
    for ref in drift.removed:
        lines.append(style(f"  - {terminal(_account(ref.account) + ref.label)}", fg="red"))
    for entry in drift.changed:
        ref = entry.assistant
        lines.append(style(f"  ~ {terminal(_account(ref.account) + ref.label)}", fg="yellow"))
        for change in entry.changes:
            lines.extend(_change(change))
    return lines


def _account(name: str | None) -> str:
    return f"[{name}] " if name else ""


def _change(change: Change) -> list[str]:
    path = terminal(change.path)
    if change.diff:
        return [
            f"      {path}:",
            *(f"        {line}" for line in safe_lines(change.diff.rstrip("\n"))),
        ]
    if change.kind is ChangeKind.ADDED:
        return [f"      {path}: added {value_text(change.after)}"]
    if change.kind is ChangeKind.REMOVED:
        return [f"      {path}: removed (was {value_text(change.before)})"]
    note = " (type changed)" if change.kind is ChangeKind.TYPE_CHANGED else ""
    return [f"      {path}: {value_text(change.before)} → {value_text(change.after)}{note}"]
