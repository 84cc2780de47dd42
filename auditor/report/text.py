"""``text``: for people at a terminal, like ruff or pip-audit.

Summary first: an overview with every rule that has findings and its count (and how
many are new, when a baseline or history says), then what changed (new violations, drift
since the baseline), then the standing findings grouped by severity (worst first) and
rule, the rule's remediation once per group. Each group shows at most ``GROUP_LIMIT``
findings, then "… and N more (see --format json or -v)"; ``-v`` shows every one. Lines
are wrapped to the terminal's width (``COLUMNS``, else the terminal, else 100). Then
waived findings, warnings and errors; the summary line last. Colour only when asked
(the caller decides: a TTY without ``NO_COLOR``, or ``--color always``). Every value
from the API goes through ``sanitize.terminal`` so it cannot move the cursor or fake a
line.
"""

from __future__ import annotations

import logging
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence

import click

from auditor.model import Change, ChangeKind, Report, Severity, Violation
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import lines as safe_lines
from auditor.report.sanitize import terminal, value_text
from auditor.report.trend import open_for

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

    def render(self, report: Report, *, color: bool = False) -> str:
        return render_text(report, color=color, width=_width(), everything=_everything())


def render_text(
    report: Report, *, color: bool = False, width: int | None = None, everything: bool = False
) -> str:
    """The text report; lines wrapped at ``width`` (``None``: not wrapped), every finding
    listed with ``everything``, else at most ``GROUP_LIMIT`` per group."""
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
    limit = None if everything else GROUP_LIMIT
    lines += _overview(report, style)
    new = [v for v in report.violations if v.status == "new"]
    if report.fixed is not None:
        lines += ["", style(f"New violations ({len(new)})", bold=True)]
        lines += _capped(
            [_finding_lines(v, width, report.generated_at, rule=True) for v in new], limit
        )
    if report.drift is not None:
        lines += ["", *_drift(report, style, limit)]
    standing = [v for v in report.violations if v.status != "new"]
    if standing and report.fixed is not None:
        lines += ["", style(f"Standing violations ({len(standing)})", bold=True)]
    rules = {r.id: r for r in report.rules}
    for (severity, rule), items in _grouped(standing):
        lines.append("")
        heading = (
            f"{str(severity).upper():<8} {terminal(rule)}  {terminal(items[0].title)}"
            f"  ({len(items)})"
        )
        lines.append(style(heading, fg=_COLORS[severity], bold=True))
        info = rules.get(rule)
        fix = (info.remediation if info is not None else items[0].remediation) or "–"
        lines += _wrap(f"  fix: {terminal(fix)}", width)
        lines += _capped([_finding_lines(v, width, report.generated_at) for v in items], limit)
    if report.waived:
        lines += ["", style(f"Waived ({len(report.waived)})", bold=True)]
        lines.extend(f"  {terminal(v.rule)}  {_finding(v)}  — {_waiver(v)}" for v in report.waived)
    lines += _scorecard(report, style)
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
    if width is not None:  # what the sections did not wrap themselves (styled lines stay)
        lines = [part for line in lines for part in _wrap(line, width, "    ")]
    return "\n".join(lines) + "\n"


GROUP_LIMIT = 5
"""Findings shown per group (a rule, the new ones, drift) unless ``-v`` asks for all."""
MORE = "see --format json or -v"


def _everything() -> bool:
    """``-v`` (or more): every finding, no group cut short."""
    return logging.getLogger("auditor").isEnabledFor(logging.INFO)


def _width() -> int | None:
    """The terminal's width (``COLUMNS`` first, at least 60) when stdout is a terminal;
    ``None`` (no wrapping) for a file or a pipe, whose reader has no width."""
    if not sys.stdout.isatty():
        return None
    return max(60, shutil.get_terminal_size((100, 24)).columns)


def _wrap(line: str, width: int | None, indent: str = "      ") -> list[str]:
    if width is None or len(click.unstyle(line)) <= width or "\x1b" in line:
        return [line]
    return textwrap.wrap(
        line, width, subsequent_indent=indent, break_on_hyphens=False, drop_whitespace=True
    ) or [line]


def _capped(entries: list[list[str]], limit: int | None) -> list[str]:
    """Each entry's lines, at most ``limit`` entries, then how many more there are."""
    shown = entries if limit is None else entries[:limit]
    out = [line for entry in shown for line in entry]
    if len(entries) > len(shown):
        out.append(f"  … and {len(entries) - len(shown)} more ({MORE})")
    return out


def _finding_lines(v: Violation, width: int | None, now: str, *, rule: bool = False) -> list[str]:
    prefix = f"{str(v.severity).upper():<8} {terminal(v.rule)}  " if rule else ""
    opened = open_for(v, now)
    return _wrap(f"  {prefix}{_finding(v)}{f'  ({opened})' if opened else ''}", width)


def _overview(report: Report, style: Callable[..., str]) -> list[str]:
    """Every rule with findings and its count (new ones too, when known), worst first."""
    if not report.violations:
        return []
    counts: dict[str, list[int]] = {}
    severity: dict[str, Severity] = {}
    for v in report.violations:
        entry = counts.setdefault(v.rule, [0, 0])
        entry[0] += 1
        entry[1] += v.status == "new"
        severity.setdefault(v.rule, v.severity)
    order = sorted(counts, key=lambda r: (-severity[r], -counts[r][0], r))
    width = max(len(terminal(r)) for r in order)
    out = ["", style("Overview", bold=True)]
    for rule in order:
        total, fresh = counts[rule]
        new = f"  ({fresh} new)" if report.fixed is not None else ""
        line = f"  {str(severity[rule]).upper():<8} {terminal(rule):<{width}}  {total:>6}{new}"
        out.append(style(line, fg=_COLORS[severity[rule]]))
    return out


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
    owner = f", owner {terminal(v.waiver.owner)}" if v.waiver.owner else ""
    return f"{terminal(v.waiver.reason)}{until} ({terminal(v.waiver.source)}{owner})"


def _scorecard(report: Report, style: Callable[..., str]) -> list[str]:
    """The frameworks' scorecard and the waivers to renew or remove (report.scorecard)."""
    from auditor.report import scorecard

    lines: list[str] = []
    if report.frameworks:
        lines += ["", style("Frameworks", bold=True), *scorecard.text_lines(report)]
    for kind, title in (("expiring_soon", "Waivers expiring soon"), ("stale", "Stale waivers")):
        notes = scorecard.waiver_lines(report, kind=kind)
        if notes:
            lines += ["", style(title, bold=True), *(f"  ! {terminal(n)}" for n in notes)]
    return lines


def _drift(report: Report, style: Callable[..., str], limit: int | None = None) -> list[str]:
    drift = report.drift
    assert drift is not None
    counts = drift.counts
    head = (
        f"Drift since the baseline: {counts['added']} added, {counts['removed']} removed, "
        f"{counts['changed']} changed"
    )
    lines = [style(head if not drift.empty else "No drift since the baseline", bold=True)]
    entries: list[list[str]] = []
    for ref in drift.added:
        entries.append([style(f"  + {terminal(_account(ref.account) + ref.label)}", fg="green")])
    for ref in drift.removed:
        entries.append([style(f"  - {terminal(_account(ref.account) + ref.label)}", fg="red")])
    for entry in drift.changed:
        ref = entry.assistant
        block = [style(f"  ~ {terminal(_account(ref.account) + ref.label)}", fg="yellow")]
        for change in entry.changes:
            block.extend(_change(change))
        entries.append(block)
    return lines + _capped(entries, limit)


def _account(name: str | None) -> str:
    return f"[{name}] " if name else ""


def _change(change: Change) -> list[str]:
    path = terminal(change.path)
    if change.diff:
        return [
            f"      {path}:",
            *(f"        {line}" for line in safe_lines(change.diff.rstrip("\n"))),
        ]
    return [f"      {path}: {change_words(change)}"]


def change_words(change: Change, cell: Callable[[str], str] = str) -> str:
    """A change without its path, as the text and Markdown reports say it: ``added X``,
    ``removed (was X)`` or ``X → Y`` (``(type changed)`` when the JSON type did); each
    value is ``value_text``, then ``cell`` (Markdown escapes it for a list item)."""
    if change.kind is ChangeKind.ADDED:
        return f"added {cell(value_text(change.after))}"
    if change.kind is ChangeKind.REMOVED:
        return f"removed (was {cell(value_text(change.before))})"
    note = " (type changed)" if change.kind is ChangeKind.TYPE_CHANGED else ""
    return f"{cell(value_text(change.before))} → {cell(value_text(change.after))}{note}"
