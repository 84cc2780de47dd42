"""The trend of a history: violations per run by severity, as inline SVG.

For the HTML report and the ops email, from ``Report.trend`` (two runs or more): one
stacked bar per run, worst severity on top, no script and no external asset (mail
clients block both), and every text escaped. ``open_for`` words how long a finding has
been open ("open 12 nights"), for the human reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from auditor.choices import SEVERITY_CHOICES
from auditor.model import RunSummary, Violation

COLOURS = {
    "critical": "#7b1fa2",
    "high": "#c62828",
    "medium": "#ef6c00",
    "low": "#f9a825",
    "info": "#78909c",
}
"""Bar colour per severity (the HTML report's palette)."""
_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 640, 180, 36, 24, 12


def trend_svg(runs: Sequence[RunSummary]) -> str:
    """An ``<svg>`` element of violations per run, stacked by severity; ``""`` with
    fewer than two runs (a trend needs two points)."""
    if len(runs) < 2:
        return ""
    top = max((r.violations for r in runs), default=0) or 1
    plot_w = _WIDTH - _LEFT - 8
    plot_h = _HEIGHT - _BOTTOM - _TOP
    step = plot_w / len(runs)
    bar = max(step * 0.7, 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" '
        f'aria-label="Violations per run, by severity, oldest to newest">',
        f"<title>Violations per run by severity ({len(runs)} runs)</title>",
        f'<line x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{_WIDTH - 8}" y2="{_TOP + plot_h}" '
        'stroke="#999" stroke-width="1"/>',
        f'<text x="{_LEFT - 4}" y="{_TOP + 4}" font-size="10" text-anchor="end" '
        f'font-family="sans-serif" fill="#555">{top}</text>',
        f'<text x="{_LEFT - 4}" y="{_TOP + plot_h}" font-size="10" text-anchor="end" '
        'font-family="sans-serif" fill="#555">0</text>',
    ]
    for number, run in enumerate(runs):
        x = _LEFT + number * step + (step - bar) / 2
        y = float(_TOP + plot_h)
        for severity in SEVERITY_CHOICES:  # mildest at the bottom, critical on top
            count = int(run.by_severity.get(severity, 0))
            if not count:
                continue
            height = count / top * plot_h
            y -= height
            label = escape(f"{run.generated_at}: {count} {severity}")
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                f'fill="{COLOURS[severity]}"><title>{label}</title></rect>'
            )
    first, last = escape(runs[0].generated_at[:10]), escape(runs[-1].generated_at[:10])
    parts.append(
        f'<text x="{_LEFT}" y="{_HEIGHT - 6}" font-size="10" font-family="sans-serif" '
        f'fill="#555">{first}</text>'
    )
    parts.append(
        f'<text x="{_WIDTH - 8}" y="{_HEIGHT - 6}" font-size="10" text-anchor="end" '
        f'font-family="sans-serif" fill="#555">{last}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def open_for(violation: Violation, now: str) -> str:
    """``open 12 nights`` (since ``first_seen``), ``new tonight``, or ``""`` when the
    finding has no ``first_seen`` (no history)."""
    if not violation.first_seen:
        return ""
    try:
        since = datetime.fromisoformat(violation.first_seen.replace("Z", "+00:00"))
        until = datetime.fromisoformat(now.replace("Z", "+00:00"))
    except ValueError:
        return ""
    nights = (until.date() - since.date()).days
    if nights <= 0:
        return "new tonight" if violation.first_seen == now else "open since today"
    return f"open {nights} night{'' if nights == 1 else 's'}"
