"""``json``: the report as SPEC §5 defines it; the source of every other format.

Key order is fixed by ``Report.to_dict`` so the same findings give the same bytes; the
document is described by ``report.schema.json`` next to this module. The module is not
called ``json`` so that it never shadows the standard library inside this package.
"""

from __future__ import annotations

from auditor.model import Report
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import json_text


class JsonFormat(ReportFormat):
    """``Report.to_dict()`` as indented UTF-8 JSON, parseable by any strict parser."""

    name = "json"
    extension = "json"

    def render(self, report: Report, *, color: bool = False) -> str:
        return json_text(report.to_dict())
