"""``markdown``: for CI step summaries, pull requests and the ops email.

Tables for the summary, the findings and the waivers; drift with before/after and
fenced unified diffs. Every API value is escaped (``sanitize.markdown``) so a name
cannot inject HTML, links, emphasis, table cells or new lines, and every diff sits in
a fence longer than any backtick run inside it. Long reports are capped (GitHub keeps
at most 1 MiB of step summary); the JSON report always has everything.
"""

from __future__ import annotations

from typing import Any

from auditor.model import AssistantRef, Change, ChangeKind, Report, Violation
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import code_fence, markdown, value_text
from auditor.report.sanitize import lines as safe_lines
from auditor.report.text import summary_line

MAX_ROWS = 500
"""Findings (and waived findings) shown in a table."""
MAX_DRIFT = 200
"""Drifted assistants shown in full."""


def _cell(value: object) -> str:
    """Any value, escaped for a table cell or list item (non-strings as short JSON)."""
    return markdown(value if isinstance(value, str) else value_text(value))


def _who(ref: AssistantRef) -> str:
    return _cell((f"[{ref.account}] " if ref.account else "") + ref.label)


def _more(shown: int, total: int, what: str) -> list[str]:
    if total <= shown:
        return []
    return ["", f"… and {total - shown} more {what}; see the JSON report."]


class MarkdownFormat(ReportFormat):
    """GitHub-flavoured Markdown, safe to paste anywhere Markdown is rendered."""

    name = "markdown"
    extension = "md"

    def render(self, report: Report, *, color: bool = False) -> str:
        summary = report.summary()
        baseline = f" · baseline {_cell(report.baseline)}" if report.baseline else ""
        out = [
            "# auditor report",
            "",
            f"{_cell(report.source)} · {_cell(report.generated_at)} · "
            f"auditor {_cell(report.tool_version)}{baseline}",
            "",
            f"**{markdown(summary_line(report))}**",
            "",
            *_summary_table(report, summary),
        ]
        if summary.get("by_account"):
            out += [
                "",
                "| account | assistants | violations | waived | drift | error |",
                "|---|---:|---:|---:|---|---|",
            ]
            for name, data in summary["by_account"].items():
                out.append(
                    f"| {_cell(name)} | {data['assistants']} | {data['violations']} | "
                    f"{data['waived']} | "
                    f"{'not read' if data['error'] else _drift_counts(data['drift'])} | "
                    f"{_cell(data['error'] or '')} |"
                )
        if report.violations:
            out += ["", f"## Violations ({len(report.violations)})", ""]
            out += [
                "| severity | rule | assistant | path | actual | expected |",
                "|---|---|---|---|---|---|",
            ]
            out += [_violation_row(v) for v in report.violations[:MAX_ROWS]]
            out += _more(MAX_ROWS, len(report.violations), "violations")
        if report.waived:
            out += ["", f"## Waived ({len(report.waived)})", ""]
            out += [
                "| rule | assistant | path | reason | expires | waiver |",
                "|---|---|---|---|---|---|",
            ]
            for v in report.waived[:MAX_ROWS]:
                reason = v.waiver.reason if v.waiver else ""
                expires = v.waiver.expires if v.waiver and v.waiver.expires else "never"
                where = v.waiver.source if v.waiver else ""
                out.append(
                    f"| {_cell(v.rule)} | {_who(v.assistant)} | {_cell(v.path)} | "
                    f"{_cell(reason)} | {expires} | {_cell(where)} |"
                )
            out += _more(MAX_ROWS, len(report.waived), "waived findings")
        if report.drift is not None:
            out += ["", "## Drift", ""]
            drift = report.drift
            if drift.empty:
                out.append("Nothing changed since the baseline.")
            out += [f"- added: {_who(ref)}" for ref in drift.added[:MAX_DRIFT]]
            out += [f"- removed: {_who(ref)}" for ref in drift.removed[:MAX_DRIFT]]
            for entry in drift.changed[:MAX_DRIFT]:
                out.append(f"- changed: {_who(entry.assistant)}")
                for change in entry.changes:
                    out += _change(change)
            shown = sum(min(len(part), MAX_DRIFT) for part in (drift.added, drift.removed))
            shown += min(len(drift.changed), MAX_DRIFT)
            out += _more(shown, drift.total, "drifted assistants")
        out += _scorecard(report)
        if report.warnings:
            out += ["", "## Warnings", ""] + [f"- {_cell(w)}" for w in report.warnings]
        if report.errors:
            out += ["", "## Errors", ""] + [
                f"- {_cell((e.account + ': ') if e.account else '')}{_cell(e.message)}"
                for e in report.errors
            ]
        return "\n".join(out) + "\n"


def _summary_table(report: Report, summary: dict[str, Any]) -> list[str]:
    severities = list(summary["by_severity"])
    gate = f"{'**failed**' if report.gate.failed else 'passed'}: {markdown(report.gate.reason)}"
    return [
        "| assistants | rules | violations | "
        + " | ".join(severities)
        + " | waived | drift | gate |",
        "|" + "---:|" * (4 + len(severities)) + "---|---|",
        f"| {summary['assistants']} | {summary['rules']} | {summary['violations']} | "
        + " | ".join(str(n) for n in summary["by_severity"].values())
        + f" | {summary['waived']} | {_drift_counts(summary['drift'])} | {gate} |",
    ]


def _drift_counts(counts: dict[str, int] | None) -> str:
    if counts is None:
        return "no baseline"
    return "{added} added, {removed} removed, {changed} changed".format(**counts)


def _violation_row(v: Violation) -> str:
    rule = _cell(v.rule)
    if v.waiver is not None and v.waiver.expired:
        rule += f" (waiver expired {v.waiver.expires})" if v.waiver.expires else " (waiver expired)"
    return (
        f"| {v.severity} | {rule} | {_who(v.assistant)} | {_cell(v.path)} | "
        f"{_cell(value_text(v.actual))} | {_cell(v.expected)} |"
    )


def _change(change: Change) -> list[str]:
    path = _cell(change.path)
    if change.diff:
        body = safe_lines(change.diff.rstrip("\n"))
        opening, closing = code_fence("\n".join(body), "diff")
        return [
            f"  - {path}:",
            f"    {opening}",
            *(f"    {line}" for line in body),
            f"    {closing}",
        ]
    if change.kind is ChangeKind.ADDED:
        return [f"  - {path}: added {_cell(value_text(change.after))}"]
    if change.kind is ChangeKind.REMOVED:
        return [f"  - {path}: removed (was {_cell(value_text(change.before))})"]
    note = " (type changed)" if change.kind is ChangeKind.TYPE_CHANGED else ""
    return [
        f"  - {path}: {_cell(value_text(change.before))} → {_cell(value_text(change.after))}{note}"
    ]


def _scorecard(report: Report) -> list[str]:
    """The frameworks' scorecard and the waivers to renew or remove (report.scorecard)."""
    from auditor.report import scorecard

    out: list[str] = []
    if report.frameworks:
        out += ["", "## Frameworks", *scorecard.markdown_lines(report)]
    for kind, title in (("expiring_soon", "Waivers expiring soon"), ("stale", "Stale waivers")):
        notes = scorecard.waiver_lines(report, kind=kind)
        if notes:
            out += ["", f"## {title}", ""] + [f"- {_cell(n)}" for n in notes]
    return out
