"""``html``: one self-contained file for browsers and mail clients.

Inline styles only (mail clients drop ``<style>`` blocks and never load external
assets), table layout, no JavaScript. jinja2 autoescapes every value, so an assistant
named ``<script>…`` is shown, not run. Long reports are capped (the JSON has it all).
"""

from __future__ import annotations

from auditor.model import Report
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import value_text
from auditor.report.text import summary_line

MAX_ROWS = 1000
COLORS = {
    "critical": "#8250df",
    "high": "#cf222e",
    "medium": "#bf8700",
    "low": "#0969da",
    "info": "#57606a",
}


class HtmlFormat(ReportFormat):
    name = "html"
    extension = "html"

    def render(self, report: Report, *, color: bool = False) -> str:
        import jinja2

        environment = jinja2.Environment(
            loader=jinja2.PackageLoader("auditor.report", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        template = environment.get_template("report.html.j2")
        return template.render(
            report=report,
            summary=report.summary(),
            headline=summary_line(report),
            violations=report.violations[:MAX_ROWS],
            hidden=max(0, len(report.violations) - MAX_ROWS),
            limit=MAX_ROWS,
            colors=COLORS,
            short=lambda value: value_text(value, 300),
        )
