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
from auditor.report.sanitize import json_list, json_text


class JsonFormat(ReportFormat):
    """``Report.to_dict()`` as indented UTF-8 JSON, parseable by any strict parser."""

    name = "json"

    def render(self, report: Report, *, color: bool = False) -> str:
        return "".join(self.chunks(report))

    def chunks(self, report: Report, *, color: bool = False) -> Iterator[str]:
        """The text of ``json_text(report.to_dict())``, one field at a time, the lists
        that grow with the fleet (violations, waivers, assistants) a batch at a time.

        JSON text holds no raw newline, so a value is placed at its depth by indenting
        its lines.
        """
        yield "{"
        for number, (key, value) in enumerate(report.json_fields().items()):
            yield f"{',' if number else ''}\n  {_nested(key, 2)}: "
            if isinstance(value, Iterator):
                yield from json_list(value, 2)
            else:
                yield _nested(value, 2)
        yield "\n}\n"


def _nested(value: Any, depth: int) -> str:
    """``value`` as ``json_text`` writes it, for a place ``depth`` spaces in."""
    return json_text(value)[:-1].replace("\n", "\n" + " " * depth)
