"""`auditor history`: the runs a history holds, one row each, with a trend at a glance."""

from __future__ import annotations

import json

import click

from auditor.model import RunSummary
from auditor.settings import HistorySettings

_BARS = "_▁▂▃▄▅▆▇█"
"""Zero, then eight heights."""


def run(settings: HistorySettings) -> int:
    """Print the runs (oldest first) as a table or as ``{"runs": [...]}``; exit 0.

    A missing history is an empty one; a damaged or foreign file is exit 2.
    """
    from auditor.history import open_history

    runs = open_history(settings.path).runs(last=settings.last)
    if settings.format == "json":
        click.echo(json.dumps({"runs": [r.to_dict() for r in runs]}, indent=2))
        return 0
    click.echo(render_table(runs), nl=False)
    return 0


def render_table(runs: list[RunSummary]) -> str:
    """One row per run and a sparkline of the violations, for a terminal."""
    if not runs:
        return "no runs in the history yet (audit with --history FILE to add one)\n"
    head = (
        "date",
        "assistants",
        "violations",
        "new",
        "fixed",
        "crit/high/med/low/info",
        "drift",
        "gate",
    )
    rows: list[tuple[str, ...]] = [head]
    for r in runs:
        severities = "/".join(str(r.by_severity.get(s, 0)) for s in _SEVERITIES)
        drift = "-" if r.drift is None else str(sum(r.drift.values()))
        rows.append(
            (
                r.generated_at,
                str(r.assistants),
                str(r.violations),
                _count(r.new),
                _count(r.fixed),
                severities,
                drift,
                "FAILED" if r.gate_failed else "passed",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    lines.append("")
    lines.append(f"violations, oldest to newest: {sparkline([r.violations for r in runs])}")
    return "\n".join(lines) + "\n"


_SEVERITIES = ("critical", "high", "medium", "low", "info")


def sparkline(values: list[int]) -> str:
    """``[3, 5, 1]`` → ``▅█▂``: each value as a bar, scaled to the largest."""
    top = max(values, default=0)
    if top == 0:
        return _BARS[1] * len(values)
    steps = len(_BARS) - 1
    return "".join(_BARS[max(1, round(v / top * steps))] if v else "_" for v in values)


def _count(value: int | None) -> str:
    return "-" if value is None else str(value)
