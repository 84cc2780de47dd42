"""``github``: GitHub Actions workflow commands: the findings that matter most, annotated.

Levels: critical/high → ``::error``, medium → ``::warning``, low/info → ``::notice``;
drift entries and warnings are ``::warning``, unreadable accounts ``::error``, and a
``::notice`` with the summary line comes last. GitHub shows at most 10 error and 10
warning annotations per step (and 10 notices), so at most ``LIMIT`` errors and warnings
and 8 finding notices are written, worst first (unreadable accounts, then new findings
when the report knows which are new, then by severity), followed by one ``::notice``
that says how many more there are; the full list is in the step summary. Assistants are
not files, so only ``title=`` is set. Every value is first made one-line
(``sanitize.terminal``: no ANSI escapes, no newlines) and then escaped as
actions/toolkit's ``escapeData`` / ``escapeProperty`` do, so a name holding
``::set-output`` or a newline cannot start a command of its own. The Markdown step
summary is written by ``write_reports`` into ``$GITHUB_STEP_SUMMARY``.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model import AssistantRef, Report, Severity, Violation
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

    def render(self, report: Report, *, color: bool = False) -> str:
        return "".join(self.chunks(report))

    def chunks(self, report: Report, *, color: bool = False) -> Iterator[str]:
        shown = dict.fromkeys(COUNTED, 0)
        hidden = dict.fromkeys(COUNTED, 0)
        # Notices share their 10 with the "more" notice and the summary notice.
        limits = {"error": LIMIT, "warning": LIMIT, "notice": LIMIT - 2}
        for level, title, message in _annotations(report):
            if shown[level] < limits[level]:
                shown[level] += 1
                yield command(level, title, message) + "\n"
            else:
                hidden[level] += 1
        if any(hidden.values()):
            parts = [f"{n} {level}{'s' if n != 1 else ''}" for level, n in hidden.items() if n]
            yield (
                command(
                    "notice",
                    "auditor: more findings",
                    f"{sum(hidden.values())} more annotations not shown ({', '.join(parts)}): "
                    "GitHub shows 10 per level and step; see the step summary or the JSON report",
                )
                + "\n"
            )
        yield command("notice", "auditor", summary_line(report)) + "\n"


LIMIT = 10
"""Annotations per level (error, warning, notice) GitHub shows per step: 10 errors and
10 warnings; findings take at most 8 notices, so the "more" and summary notices fit."""
COUNTED = ("error", "warning", "notice")


def _annotations(report: Report) -> Iterator[tuple[str, str, str]]:
    """(level, title, message) for everything worth an annotation, most important first."""
    for error in report.errors:
        where = f"account {error.account}: " if error.account else ""
        yield "error", "auditor fetch", where + error.message
    # Violations arrive worst first; a stable sort keeps that within new and the rest.
    for v in sorted(report.violations, key=lambda v: not _is_new(v)):
        yield COMMANDS[v.severity], f"{v.rule} ({v.severity})", f"{_who(v.assistant)}: {v.message}"
    if report.drift is not None:
        for ref in report.drift.added:
            yield "warning", "drift", f"added: {_who(ref)}"
        for ref in report.drift.removed:
            yield "warning", "drift", f"removed: {_who(ref)}"
        for entry in report.drift.changed:
            paths = ", ".join(c.path for c in entry.changes)
            yield "warning", "drift", f"changed: {_who(entry.assistant)}: {paths}"
    for warning in report.warnings:
        yield "warning", "auditor", warning


def _is_new(v: Violation) -> bool:
    return v.status == "new"
