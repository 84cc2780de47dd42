"""``html``: one self-contained file for browsers and mail clients (the ops email's body).

Inline styles only (mail clients drop ``<style>`` blocks and never load external
assets), table layout within a 980px container, no JavaScript. jinja2 autoescapes
every value, and a ``finalize`` hook first turns control characters into visible
escapes, so an assistant named ``<script>…\\x1b[2J`` is shown, not run. Long reports
are capped with a note (the JSON report has everything), so the email stays readable.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from auditor.model import Report
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import lines, terminal, value_text
from auditor.report.text import summary_line

if TYPE_CHECKING:
    import jinja2

MAX_ROWS = 1000
"""Findings (and waived findings) shown in a table."""
MAX_DRIFT = 300
"""Drifted assistants shown in full."""
MAX_DIFF_LINES = 400
"""Lines of one unified diff shown."""
COLORS = {
    "critical": "#8250df",
    "high": "#cf222e",
    "medium": "#9a6700",
    "low": "#0969da",
    "info": "#57606a",
}
"""Severity badge colours (white text on them keeps WCAG AA contrast)."""
_DIFF_COLORS = {"+": "#e6ffec", "-": "#ffebe9", "@": "#ddf4ff"}


def _finalize(value: Any) -> Any:
    """Every ``{{ value }}`` in the template: strings made one-line and inert, then escaped."""
    return terminal(value) if isinstance(value, str) else value


def _diff_lines(diff: str) -> tuple[list[tuple[str, str]], int]:
    """A unified diff as (line, background) pairs, capped; and how many lines were cut."""
    body = lines(diff.rstrip("\n"))
    shown = [
        (line, "" if line.startswith(("+++", "---")) else _DIFF_COLORS.get(line[:1], ""))
        for line in body[:MAX_DIFF_LINES]
    ]
    return shown, max(0, len(body) - MAX_DIFF_LINES)


class HtmlFormat(ReportFormat):
    """A single HTML page: summary, findings, waivers, drift, warnings and errors."""

    name = "html"
    extension = "html"

    def render(self, report: Report, *, color: bool = False) -> str:
        drift = report.drift
        parts = (drift.added, drift.removed, drift.changed) if drift else ((), (), ())
        return _template().render(
            report=report,
            summary=report.summary(),
            headline=summary_line(report),
            violations=report.violations[:MAX_ROWS],
            hidden=max(0, len(report.violations) - MAX_ROWS),
            waived=report.waived[:MAX_ROWS],
            hidden_waived=max(0, len(report.waived) - MAX_ROWS),
            added=parts[0][:MAX_DRIFT],
            removed=parts[1][:MAX_DRIFT],
            changed=parts[2][:MAX_DRIFT],
            hidden_drift=sum(max(0, len(part) - MAX_DRIFT) for part in parts),
            colors=COLORS,
            short=lambda value: value_text(value, 300),
            diff_lines=_diff_lines,
        )


@functools.lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    """The compiled page template (jinja2 is imported on first use only)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("auditor.report", "templates"),
        autoescape=True,
        finalize=_finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return environment.get_template("report.html.j2")
