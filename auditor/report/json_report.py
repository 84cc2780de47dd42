"""``json``: the report as SPEC §5 defines it; the source of every other format.

Key order is fixed by ``Report.to_dict`` so the same findings give the same bytes; the
document is described by ``report.schema.json`` next to this module.
"""

from __future__ import annotations

import json

from auditor.model import Report
from auditor.report.interface import ReportFormat


class JsonFormat(ReportFormat):
    name = "json"
    extension = "json"

    def render(self, report: Report, *, color: bool = False) -> str:
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n"
