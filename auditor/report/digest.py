"""The email's body: a digest of the report that stays small whatever the fleet.

Gmail clips an HTML body over about 102 KB, and a mail of thousands of rows is read by
nobody, so the body is the summary (verdict, counts by severity, one row per rule),
what changed (new findings, drift), the top findings, and "the full report is
attached". The full HTML and JSON reports are attachments (``auditor.email``). Lists
are cut to ``TOP`` items; if the body is still over ``BODY_LIMIT`` bytes (very long
names), the lists are halved until it fits. Values are made one-line and safe with
``sanitize.terminal`` and HTML-escaped.
"""

from __future__ import annotations

import html
from collections import Counter

from auditor.model import AssistantRef, Report, Severity, Violation
from auditor.report import scorecard
from auditor.report.sanitize import terminal
from auditor.report.text import plural, summary_line
from auditor.report.trend import trend_svg

BODY_LIMIT = 100_000
"""Bytes (UTF-8) the HTML body may take: under Gmail's clipping size (about 102 KB)."""
TOP = 50
"""Findings, new findings and drift entries listed in the body, each at most."""
RULE_ROWS = 100
"""Rules listed in the body's overview, worst first."""
ATTACHED = (
    "The full report is attached: auditor-report.html (open it in a browser) and "
    "auditor-report.json."
)


def verdict(report: Report) -> str | None:
    """``FAILED`` or ``passed`` when a gate was asked for, else ``None``."""
    if report.gate.failed:
        return "FAILED"
    return "passed" if report.gate.reason != "no gate requested" else None


def _h(text: str) -> str:
    return html.escape(terminal(text), quote=True)


def _who(v: Violation) -> str:
    return _ref(v.assistant)


def _ordered(report: Report) -> tuple[list[Violation], list[Violation]]:
    """(new findings, the others), each worst first (the report's order)."""
    new = [v for v in report.violations if v.status == "new"]
    rest = [v for v in report.violations if v.status != "new"]
    return new, rest


def _rule_rows(report: Report) -> list[tuple[str, str, Severity, int, int]]:
    """(rule id, title, severity, findings, new) per rule with findings, worst first."""
    counts = Counter(v.rule for v in report.violations)
    new = Counter(v.rule for v in report.violations if v.status == "new")
    info = {r.id: r for r in report.rules}
    rows = []
    for rule_id, count in counts.items():
        rule = info.get(rule_id)
        first = next(v for v in report.violations if v.rule == rule_id)
        title = rule.title if rule is not None else first.title
        severity = rule.severity if rule is not None else first.severity
        rows.append((rule_id, title, severity, count, new.get(rule_id, 0)))
    rows.sort(key=lambda row: (-int(row[2]), -row[3], row[0]))
    return rows


def _finding_row(v: Violation) -> str:
    return (
        f"<tr><td>{_h(str(v.severity))}</td><td><code>{_h(v.rule)}</code></td>"
        f"<td>{_h(_who(v))}</td><td>{_h(v.message)}</td></tr>"
    )


def _more(shown: int, total: int) -> str:
    if total <= shown:
        return ""
    return f"<p>… and {total - shown} more: see the attached report.</p>"


def render_html(report: Report, *, top: int = TOP) -> str:
    """The HTML body; at most ``BODY_LIMIT`` bytes (lists shortened until it fits)."""
    while True:
        body = _html(report, top)
        if len(body.encode("utf-8", "replace")) <= BODY_LIMIT or top == 0:
            return body
        top //= 2


def _html(report: Report, top: int) -> str:
    summary = report.summary()
    gate = verdict(report)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>auditor report</title></head>',
        '<body style="font-family:sans-serif;max-width:60em">',
    ]
    heading = f"auditor: {gate}" if gate else "auditor report"
    out.append(f"<h1>{_h(heading)}</h1>")
    out.append(f"<p>{_h(report.source)} · {_h(report.generated_at)}</p>")
    if gate:
        out.append(f"<p><strong>Gate {_h(gate)}</strong>: {_h(report.gate.reason)}</p>")
    out.append(f"<p>{_h(summary_line(report))}</p>")
    for error in report.errors:
        where = f"account {error.account}: " if error.account else ""
        out.append(f"<p><strong>Could not be read</strong>: {_h(where + error.message)}</p>")
    out.append("<h2>Overview</h2>")
    out.append('<table border="1" cellpadding="4" style="border-collapse:collapse">')
    out.append("<tr>" + "".join(f"<th>{_h(s)}</th>" for s in summary["by_severity"]) + "</tr>")
    out.append("<tr>" + "".join(f"<td>{n}</td>" for n in summary["by_severity"].values()) + "</tr>")
    out.append("</table>")
    trend = trend_svg(report.trend)  # inline SVG: no script, no external asset
    if trend:
        out += ["<h3>Violations per run</h3>", trend]
    counts = [("assistants", summary["assistants"]), ("violations", summary["violations"])]
    for key in ("new", "standing", "fixed"):
        if summary.get(key) is not None:
            counts.append((key, summary[key]))
    counts.append(("waived", summary["waived"]))
    out.append("<p>" + " · ".join(f"{_h(k)}: {v}" for k, v in counts) + "</p>")
    rows = _rule_rows(report)
    if rows:
        out.append('<table border="1" cellpadding="4" style="border-collapse:collapse">')
        out.append("<tr><th>rule</th><th>severity</th><th>findings</th><th>new</th></tr>")
        for rule_id, title, severity, count, fresh in rows[:RULE_ROWS]:
            out.append(
                f"<tr><td><code>{_h(rule_id)}</code> {_h(title)}</td><td>{_h(str(severity))}"
                f"</td><td>{count}</td><td>{fresh if report.fixed is not None else '–'}</td></tr>"
            )
        out.append("</table>")
        out.append(_more(RULE_ROWS, len(rows)))
    new, rest = _ordered(report)
    out.append("<h2>What changed</h2>")
    if report.fixed is None and report.drift is None:
        out.append("<p>Nothing to compare with (no baseline or history).</p>")
    if report.fixed is not None:
        out.append(f"<h3>New violations ({len(new)})</h3>")
        out.append(_table(new[:top]))
        out.append(_more(min(top, len(new)), len(new)))
    if report.drift is not None:
        entries = [_h(e) for e in _drift_lines(report)]
        out.append(f"<h3>Drift since the baseline ({len(entries)})</h3>")
        if entries:
            out.append("<ul>" + "".join(f"<li>{e}</li>" for e in entries[:top]) + "</ul>")
            out.append(_more(min(top, len(entries)), len(entries)))
        else:
            out.append("<p>No drift.</p>")
    out += scorecard.html_lines(report)
    listed = rest if report.fixed is not None else report.violations
    out.append(f"<h2>Top findings ({len(listed)})</h2>")
    out.append(_table(list(listed[:top])))
    out.append(_more(min(top, len(listed)), len(listed)))
    if report.warnings:
        out.append("<h2>Warnings</h2>")
        out.append("<ul>" + "".join(f"<li>{_h(w)}</li>" for w in report.warnings[:top]) + "</ul>")
    out.append(f"<p><strong>{_h(ATTACHED)}</strong></p>")
    out.append("</body></html>")
    return "\n".join(line for line in out if line) + "\n"


def _ref(ref: AssistantRef) -> str:
    return (f"[{ref.account}] " if ref.account else "") + ref.label


def _drift_lines(report: Report) -> list[str]:
    """One line per drifted assistant: added, removed, then changed with its paths."""
    if report.drift is None:
        return []
    entries = [f"added: {_ref(r)}" for r in report.drift.added]
    entries += [f"removed: {_ref(r)}" for r in report.drift.removed]
    for entry in report.drift.changed:
        paths = ", ".join(c.path for c in entry.changes)
        entries.append(f"changed: {_ref(entry.assistant)}: {paths}")
    return entries


def _table(findings: list[Violation]) -> str:
    if not findings:
        return "<p>None.</p>"
    head = "<tr><th>severity</th><th>rule</th><th>assistant</th><th>finding</th></tr>"
    rows = "".join(_finding_row(v) for v in findings)
    return (
        f'<table border="1" cellpadding="4" style="border-collapse:collapse">{head}{rows}</table>'
    )


def render_text(report: Report, *, top: int = TOP) -> str:
    """The plain-text alternative: the same digest as lines."""
    gate = verdict(report)
    out = [
        f"auditor: {gate}" if gate else "auditor report",
        terminal(f"{report.source} · {report.generated_at}"),
    ]
    out.append(terminal(summary_line(report)))
    rows = _rule_rows(report)
    if rows:
        out += ["", "Overview by rule:"]
        out += [
            f"  {terminal(rule_id)} ({severity}): {plural(count, 'finding')}"
            + (f", {new} new" if new else "")
            for rule_id, _, severity, count, new in rows[:RULE_ROWS]
        ]
    new, rest = _ordered(report)

    def line(v: Violation) -> str:
        return f"  {v.severity} {terminal(v.rule)} {terminal(_who(v))}: {terminal(v.message)}"

    if report.fixed is not None:
        out += ["", f"New violations ({len(new)}):", *map(line, new[:top])]
        if len(new) > top:
            out.append(f"  … and {len(new) - top} more")
    if report.drift is not None:
        entries = _drift_lines(report)
        out += ["", f"Drift since the baseline ({len(entries)}):"]
        out += [f"  {terminal(e)}" for e in entries[:top]] or ["  none"]
        if len(entries) > top:
            out.append(f"  … and {len(entries) - top} more")
    out += scorecard.digest_text_lines(report)
    listed = rest if report.fixed is not None else list(report.violations)
    out += ["", f"Top findings ({len(listed)}):", *map(line, listed[:top])]
    if len(listed) > top:
        out.append(f"  … and {len(listed) - top} more")
    if report.warnings:
        out += ["", "Warnings:", *(f"  {terminal(w)}" for w in report.warnings[:top])]
    out += ["", ATTACHED]
    return "\n".join(out) + "\n"
