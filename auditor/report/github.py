"""``github``: GitHub Actions workflow commands, one annotation per finding.

Levels: critical/high → ``::error``, medium → ``::warning``, low/info → ``::notice``;
drift entries are warnings. Every value is escaped as actions/toolkit's
``escapeData`` / ``escapeProperty`` do, so a name holding ``::set-output`` or a newline
cannot start a command of its own. The Markdown step summary is written by
``write_reports`` into ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

from auditor.model import Report, Severity
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import github_data, github_property
from auditor.report.text import summary_line

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}


class GithubFormat(ReportFormat):
    name = "github"
    extension = "txt"

    def render(self, report: Report, *, color: bool = False) -> str:
        lines: list[str] = []
        for v in report.violations:
            title = github_property(f"{v.rule} ({v.severity})")
            who = (f"[{v.assistant.account}] " if v.assistant.account else "") + v.assistant.label
            lines.append(
                f"::{COMMANDS[v.severity]} title={title}::{github_data(f'{who}: {v.message}')}"
            )
        if report.drift is not None:
            for ref in report.drift.added:
                lines.append(f"::warning title=drift::{github_data(f'added: {ref.label}')}")
            for ref in report.drift.removed:
                lines.append(f"::warning title=drift::{github_data(f'removed: {ref.label}')}")
            for entry in report.drift.changed:
                paths = ", ".join(c.path for c in entry.changes)
                text = f"changed: {entry.assistant.label}: {paths}"
                lines.append(f"::warning title=drift::{github_data(text)}")
        for error in report.errors:
            lines.append(f"::error title=auditor fetch::{github_data(error.message)}")
        for warning in report.warnings:
            lines.append(f"::warning title=auditor::{github_data(warning)}")
        lines.append(f"::notice title=auditor::{github_data(summary_line(report))}")
        return "\n".join(lines) + "\n"
