"""``github``: GitHub Actions workflow commands, one annotation per finding.

Levels: critical/high → ``::error``, medium → ``::warning``, low/info → ``::notice``;
drift entries and warnings are ``::warning``, unreadable accounts ``::error``, and a
``::notice`` with the summary line comes last. Assistants are not files, so only
``title=`` is set. Every value is first made one-line (``sanitize.terminal``: no ANSI
escapes, no newlines) and then escaped as actions/toolkit's ``escapeData`` /
``escapeProperty`` do, so a name holding ``::set-output`` or a newline cannot start a
command of its own. The Markdown step summary is written by ``write_reports`` into
``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

from auditor.model import AssistantRef, Report, Severity
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import github_data, github_property, terminal
from auditor.report.text import summary_line

COMMANDS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}
"""The workflow command per severity."""


def command(name: str, title: str, message: str) -> str:
    """``::name title=…::message`` with both values neutralised."""
    return f"::{name} title={github_property(terminal(title))}::{github_data(terminal(message))}"


def _who(ref: AssistantRef) -> str:
    return (f"[{ref.account}] " if ref.account else "") + ref.label


class GithubFormat(ReportFormat):
    """Workflow commands that GitHub Actions turns into annotations on the run."""

    name = "github"
    extension = "txt"

    def render(self, report: Report, *, color: bool = False) -> str:
        lines = [
            command(
                COMMANDS[v.severity],
                f"{v.rule} ({v.severity})",
                f"{_who(v.assistant)}: {v.message}",
            )
            for v in report.violations
        ]
        if report.drift is not None:
            lines += [command("warning", "drift", f"added: {_who(r)}") for r in report.drift.added]
            lines += [
                command("warning", "drift", f"removed: {_who(r)}") for r in report.drift.removed
            ]
            for entry in report.drift.changed:
                paths = ", ".join(c.path for c in entry.changes)
                lines.append(
                    command("warning", "drift", f"changed: {_who(entry.assistant)}: {paths}")
                )
        for error in report.errors:
            where = f"account {error.account}: " if error.account else ""
            lines.append(command("error", "auditor fetch", where + error.message))
        lines += [command("warning", "auditor", warning) for warning in report.warnings]
        lines.append(command("notice", "auditor", summary_line(report)))
        return "\n".join(lines) + "\n"
