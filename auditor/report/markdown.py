"""``markdown``: for CI step summaries, pull requests and the ops email.

Summary first, as in text and HTML: the counts, an overview table of every rule with
findings, then what changed (new violations, drift with before/after and fenced unified
diffs), then the standing findings grouped by rule (its remediation once, at most
``MAX_GROUP`` assistants each), then the waivers. Every API value is escaped
(``sanitize.markdown``) so a name
cannot inject HTML, links, emphasis, table cells or new lines, and every diff sits in
a fence longer than any backtick run inside it. Long reports are capped (GitHub keeps
at most 1 MiB of step summary); the JSON report always has everything.
"""

from __future__ import annotations

from typing import Any

from auditor.model import AssistantRef, Change, Report, Violation
from auditor.report.html import rule_groups
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import code_fence, markdown, value_text
from auditor.report.sanitize import lines as safe_lines
from auditor.report.text import change_words, summary_line
from auditor.report.trend import open_for

MAX_ROWS = 500
"""Findings (and waived findings) shown in a table."""
MAX_DRIFT = 200
"""Drifted assistants shown in full."""
MAX_GROUP = 50
"""Findings shown per rule (and new ones): the step summary is a summary."""


def _cell(value: object) -> str:
    """Any value, escaped for a table cell or list item (non-strings as short JSON)."""
    return markdown(value if isinstance(value, str) else value_text(value))


def _who(ref: AssistantRef) -> str:
    return _cell((f"[{ref.account}] " if ref.account else "") + ref.label)


def _more(shown: int, total: int, what: str) -> list[str]:
    if total <= shown:
        return []
    return ["", f"… and {total - shown} more{' ' + what if what else ''}; see the JSON report."]


class MarkdownFormat(ReportFormat):
    """GitHub-flavoured Markdown, safe to paste anywhere Markdown is rendered."""

    name = "markdown"

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
        out += _overview(report)
        compared = report.fixed is not None
        if compared or report.drift is not None:
            out += ["", "## What changed"]
        if compared:
            new = [v for v in report.violations if v.status == "new"]
            out += ["", f"### New violations ({len(new)}), fixed {len(report.fixed or ())}", ""]
            if new:
                out += [
                    "| severity | rule | assistant | path | actual | expected |",
                    "|---|---|---|---|---|---|",
                ]
                out += [_violation_row(v) for v in new[:MAX_GROUP]]
                out += _more(MAX_GROUP, len(new), "new violations")
            else:
                out.append("None.")
        if report.drift is not None:
            out += ["", "### Drift since the baseline", ""]
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
        standing = [v for v in report.violations if not compared or v.status != "new"]
        if standing:
            title = "Standing violations" if compared else "Violations"
            out += ["", f"## {title} by rule ({len(standing)})"]
            for group in rule_groups(report, standing):
                rule = group.rule
                out += [
                    "",
                    f"### {str(rule.severity).upper()} `{_cell(rule.id)}` "
                    f"{_cell(rule.title)} ({group.total})",
                ]
                out += ["", f"**Remediation:** {_cell(rule.remediation or '–')}"]
                out += ["", "| assistant | path | actual | expected |", "|---|---|---|---|"]
                out += [
                    f"| {_who(v.assistant)}{_opened(v, report.generated_at)} | {_cell(v.path)} | "
                    f"{_cell(value_text(v.actual))} | {_cell(v.expected)} |"
                    for v in group.findings[:MAX_GROUP]
                ]
                out += _more(min(MAX_GROUP, len(group.findings)), group.total, "")
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
        out += _scorecard(report)
        if report.warnings:
            out += ["", "## Warnings", ""] + [f"- {_cell(w)}" for w in report.warnings]
        if report.errors:
            out += ["", "## Errors", ""] + [
                f"- {_cell((e.account + ': ') if e.account else '')}{_cell(e.message)}"
                for e in report.errors
            ]
        return "\n".join(out) + "\n"


def _overview(report: Report) -> list[str]:
    """Every rule with findings: severity, count, and new ones when known."""
    groups = rule_groups(report, report.violations)
    if not groups:
        return []
    compared = report.fixed is not None
    out = [
        "",
        "## Overview",
        "",
        "| rule | severity | violations |" + (" new |" if compared else ""),
    ]
    out.append("|---|---|---:|" + ("---:|" if compared else ""))
    for g in groups:
        new = f" {g.new} |" if compared else ""
        out.append(
            f"| `{_cell(g.rule.id)}` {_cell(g.rule.title)} | {g.rule.severity} | {g.total} |{new}"
        )
    return out


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


def _opened(v: Violation, now: str) -> str:
    """`` (open 12 nights)`` after an assistant, from the history; empty without one."""
    opened = open_for(v, now)
    return f" ({opened})" if opened else ""


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
    return [f"  - {path}: {change_words(change, _cell)}"]


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
