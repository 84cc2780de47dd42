"""``json``: the report as SPEC §5 defines it; the source of every other format.

Key order is fixed by ``Report.to_dict`` so the same findings give the same bytes; the
document is described by ``report.schema.json`` next to this module. The module is not
called ``json`` so that it never shadows the standard library inside this package.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.model import Report
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import json_text


class JsonFormat(ReportFormat):
    """``Report.to_dict()`` as indented UTF-8 JSON, parseable by any strict parser."""

    name = "json"

    def render(self, report: Report, *, color: bool = False) -> str:
        return "".join(self.chunks(report))

    def chunks(self, report: Report, *, color: bool = False) -> Iterator[str]:
        """The text of ``json_text(report.to_dict())``, one field or list item at a time.

        A report of 100,000 assistants is a few hundred thousand small dicts as one
        document, and its text tens of megabytes more: written item by item it never
        exists whole. The pieces are exactly ``json.dumps(…, indent=2)``'s (JSON text
        holds no raw newline, so an item is indented by prefixing its lines).
        """
        yield "{"
        for number, (key, value) in enumerate(report.json_fields().items()):
            yield f"{',' if number else ''}\n  {_nested(key, 2)}: "
            if not isinstance(value, Iterator):
                yield _nested(value, 2)
                continue
            empty = True
            for item in value:
                yield f"{'[' if empty else ','}\n    {_nested(item, 4)}"
                empty = False
            yield "[]" if empty else "\n  ]"
        yield "\n}\n"


def _nested(value: Any, depth: int) -> str:
    """``value`` as ``json_text`` writes it, for a place ``depth`` spaces in."""
    return json_text(value)[:-1].replace("\n", "\n" + " " * depth)
