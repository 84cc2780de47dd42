"""The per-framework scorecard and the waivers to renew, as fragments for the human
renderers (text, Markdown; the HTML template reads the same ``Report`` fields).

Data comes from ``Report.frameworks`` and ``Report.waiver_notes``; nothing is
recomputed here. Framework text comes from the bundled files and rule ids, but it is
escaped like everything else.
"""

from __future__ import annotations

import html

from auditor.model import FrameworkScore, Report, WaiverNote
from auditor.report.sanitize import markdown, terminal

STATUS_MARK = {"pass": "PASS", "fail": "FAIL", "manual": "MANUAL"}


def counts_text(framework: FrameworkScore) -> str:
    """``1 fail, 0 pass, 1 manual``."""
    counts = framework.counts()
    return f"{counts['fail']} fail, {counts['pass']} pass, {counts['manual']} manual"


def _violations(count: int) -> str:
    return f"{count} violation{'' if count == 1 else 's'}"


def text_lines(report: Report) -> list[str]:
    """The scorecard for a terminal: one heading per framework, one line per requirement."""
    lines: list[str] = []
    for framework in report.frameworks:
        lines.append(f"Framework {terminal(framework.id)}: {counts_text(framework)}")
        for req in framework.requirements:
            mark = STATUS_MARK.get(req.status, req.status.upper())
            if req.status == "manual":
                detail = "check by hand"
            else:
                detail = f"{_violations(req.violations)} ({terminal(', '.join(req.rules))})"
            lines.append(f"  {mark:<7}{terminal(req.ref)}  {terminal(req.title)} — {detail}")
    return lines


def markdown_lines(report: Report) -> list[str]:
    """The scorecard as Markdown tables, one per framework."""
    out: list[str] = []
    for framework in report.frameworks:
        out += [
            "",
            f"### {markdown(framework.id)}: {counts_text(framework)}",
            "",
            "| status | requirement | rules | violations |",
            "|---|---|---|---|",
        ]
        for req in framework.requirements:
            rules = ", ".join(f"`{markdown(r)}`" for r in req.rules) or "manual control"
            out.append(
                f"| {STATUS_MARK.get(req.status, req.status)} | {markdown(req.ref)} "
                f"{markdown(req.title)} | {rules} | {req.violations} |"
            )
    return out


def note_text(note: WaiverNote) -> str:
    """One waiver to look at, in words."""
    owner = f"owner {note.owner}" if note.owner else "no owner"
    if note.kind == "expiring_soon":
        what = f"expires {note.expires.isoformat() if note.expires else '?'}"
    else:
        what = "matches no assistant any more (stale): remove it"
    return f"{note.source} for rule {note.rules}: {what}; {owner}"


def waiver_lines(report: Report, *, kind: str) -> list[str]:
    """The notes of one kind (``expiring_soon`` or ``stale``), as plain sentences."""
    return [note_text(n) for n in report.waiver_notes if n.kind == kind]


def _h(text: str) -> str:
    return html.escape(terminal(text), quote=True)


def html_lines(report: Report) -> list[str]:
    """The scorecard and the waivers to renew or remove as HTML (the email digest)."""
    out: list[str] = []
    if report.frameworks:
        out.append("<h2>Frameworks</h2><ul>")
        for framework in report.frameworks:
            out.append(f"<li><b>{_h(framework.id)}</b>: {counts_text(framework)}<ul>")
            for req in framework.requirements:
                mark = STATUS_MARK.get(req.status, req.status.upper())
                what = (
                    "check by hand"
                    if req.status == "manual"
                    else f"{_violations(req.violations)} ({_h(', '.join(req.rules))})"
                )
                out.append(f"<li>{mark} {_h(req.ref)} {_h(req.title)}: {what}</li>")
            out.append("</ul></li>")
        out.append("</ul>")
    for kind, title in (("expiring_soon", "Waivers expiring soon"), ("stale", "Stale waivers")):
        notes = waiver_lines(report, kind=kind)
        if notes:
            out.append(f"<h2>{title}</h2><ul>")
            out += [f"<li>{_h(n)}</li>" for n in notes]
            out.append("</ul>")
    return out


def digest_text_lines(report: Report) -> list[str]:
    """The scorecard and the waivers to renew or remove, for the email's plain text."""
    out: list[str] = []
    if report.frameworks:
        out += ["", "Frameworks:", *(f"  {line}" for line in text_lines(report))]
    for kind, title in (("expiring_soon", "Waivers expiring soon"), ("stale", "Stale waivers")):
        notes = waiver_lines(report, kind=kind)
        if notes:
            out += ["", f"{title}:", *(f"  {terminal(n)}" for n in notes)]
    return out
