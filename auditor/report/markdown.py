"""``markdown``: for CI step summaries, pull requests and the ops email.

Tables for the summary, the findings and the waivers; drift with before/after and
fenced unified diffs. Every API value is escaped (``sanitize.markdown``) so a name
cannot inject HTML, links, emphasis, table cells or new lines.
"""

from __future__ import annotations

from auditor.model import ChangeKind, Report
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import markdown, value_text
from auditor.report.text import summary_line

MAX_ROWS = 500
"""Findings shown in the table; the JSON report always has all of them."""


def _cell(value: object) -> str:
    return markdown(value if isinstance(value, str) else value_text(value))


class MarkdownFormat(ReportFormat):
    name = "markdown"
    extension = "md"

    def render(self, report: Report, *, color: bool = False) -> str:
        summary = report.summary()
        out = [
            "# auditor report",
            "",
            f"{_cell(report.source)} · {report.generated_at} · auditor {report.tool_version}",
            "",
            f"**{markdown(summary_line(report))}**",
            "",
            "| assistants | rules | violations | "
            + " | ".join(summary["by_severity"])
            + " | waived | drift | gate |",
            "|" + "---:|" * (6 + len(summary["by_severity"])),
        ]
        drift = summary["drift"]
        drift_text = (
            "no baseline"
            if drift is None
            else "{added} added, {removed} removed, {changed} changed".format(**drift)
        )
        gate = f"{'**failed**' if report.gate.failed else 'passed'}: {markdown(report.gate.reason)}"
        out.append(
            f"| {summary['assistants']} | {summary['rules']} | {summary['violations']} | "
            + " | ".join(str(n) for n in summary["by_severity"].values())
            + f" | {summary['waived']} | {drift_text} | {gate} |"
        )
        if summary.get("by_account"):
            out += [
                "",
                "| account | assistants | violations | waived | error |",
                "|---|---:|---:|---:|---|",
            ]
            for name, data in summary["by_account"].items():
                out.append(
                    f"| {_cell(name)} | {data['assistants']} | {data['violations']} | "
                    f"{data['waived']} | {_cell(data['error'] or '')} |"
                )
        if report.violations:
            out += ["", f"## Violations ({len(report.violations)})", ""]
            out += [
                "| severity | rule | assistant | path | actual | expected |",
                "|---|---|---|---|---|---|",
            ]
            for v in report.violations[:MAX_ROWS]:
                who = (
                    f"[{v.assistant.account}] " if v.assistant.account else ""
                ) + v.assistant.label
                out.append(
                    f"| {v.severity} | {_cell(v.rule)} | {_cell(who)} | {_cell(v.path)} | "
                    f"{_cell(value_text(v.actual))} | {_cell(v.expected)} |"
                )
            if len(report.violations) > MAX_ROWS:
                out.append(
                    f"\n… and {len(report.violations) - MAX_ROWS} more; see the JSON report."
                )
        if report.waived:
            out += ["", f"## Waived ({len(report.waived)})", ""]
            out += ["| rule | assistant | reason | expires |", "|---|---|---|---|"]
            for v in report.waived[:MAX_ROWS]:
                assert v.waiver is not None
                out.append(
                    f"| {_cell(v.rule)} | {_cell(v.assistant.label)} | {_cell(v.waiver.reason)} | "
                    f"{v.waiver.expires or '-'} |"
                )
        if report.drift is not None:
            out += ["", "## Drift", ""]
            if report.drift.empty:
                out.append("Nothing changed since the baseline.")
            for ref in report.drift.added:
                out.append(f"- added: {_cell(ref.label)}")
            for ref in report.drift.removed:
                out.append(f"- removed: {_cell(ref.label)}")
            for entry in report.drift.changed:
                out.append(f"- changed: {_cell(entry.assistant.label)}")
                for change in entry.changes:
                    if change.diff:
                        fence = "~~~~" if "~~~" in change.diff or "```" in change.diff else "```"
                        out += [f"  - `{change.path}`:", "", f"    {fence}diff"]
                        out += [f"    {line}" for line in change.diff.splitlines()]
                        out += [f"    {fence}", ""]
                        continue
                    note = " (type changed)" if change.kind is ChangeKind.TYPE_CHANGED else ""
                    out.append(
                        f"  - {_cell(change.path)}: {_cell(value_text(change.before))} → "
                        f"{_cell(value_text(change.after))}{note}"
                    )
        if report.warnings:
            out += ["", "## Warnings", ""] + [f"- {_cell(w)}" for w in report.warnings]
        if report.errors:
            out += ["", "## Errors", ""] + [
                f"- {_cell((e.account + ': ') if e.account else '')}{_cell(e.message)}"
                for e in report.errors
            ]
        return "\n".join(out) + "\n"
