"""The trend chart (inline SVG) and the "open N nights" wording of report/trend.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from auditor.commands.history import sparkline
from auditor.model import AssistantRef, RunSummary, Severity, Violation
from auditor.report.trend import open_for, trend_svg


def run(when: str, **counts: int) -> RunSummary:
    by_severity = {s: counts.get(s, 0) for s in ("critical", "high", "medium", "low", "info")}
    return RunSummary(when, 10, sum(by_severity.values()), None, None, by_severity, None, False)


def test_no_chart_below_two_runs() -> None:
    assert trend_svg([]) == ""
    assert trend_svg([run("2026-11-01T03:00:00Z", high=2)]) == ""


def test_one_bar_segment_per_severity_present_and_no_script_or_external_asset() -> None:
    runs = [
        run("2026-11-01T03:00:00Z", high=2, low=1),
        run("2026-11-02T03:00:00Z", critical=1),
        run("2026-11-03T03:00:00Z"),
    ]
    svg = trend_svg(runs)
    root = ET.fromstring(svg)  # noqa: S314 -- our own output: well-formed XML
    rects = root.findall("{http://www.w3.org/2000/svg}rect")
    assert len(rects) == 3  # high + low, critical, nothing
    titles = [r.find("{http://www.w3.org/2000/svg}title").text for r in rects]  # type: ignore[union-attr]
    assert titles == [
        "2026-11-01T03:00:00Z: 1 low",
        "2026-11-01T03:00:00Z: 2 high",
        "2026-11-02T03:00:00Z: 1 critical",
    ]
    lowered = svg.lower()
    assert "<script" not in lowered
    assert "href" not in lowered
    assert "url(" not in lowered
    # the tallest run fills the plot: 2 high + 1 low is the top of the scale
    heights = [float(r.get("height", "0")) for r in rects]
    assert abs(heights[0] + heights[1] - 3 * heights[2]) < 0.5


def test_text_from_the_history_is_escaped() -> None:
    svg = trend_svg([run("<b>&", high=1), run("x", high=1)])
    assert "<b>" not in svg
    assert "&lt;b&gt;&amp;" in svg


def violation(first_seen: str | None) -> Violation:
    ref = AssistantRef(1, "u-1", "A")
    return Violation(
        "rec", Severity.HIGH, "t", ref, "record", False, "true", "m", first_seen=first_seen
    )


def test_open_for_counts_nights_since_first_seen() -> None:
    now = "2026-11-13T03:00:00Z"
    assert open_for(violation("2026-11-01T03:00:00Z"), now) == "open 12 nights"
    assert open_for(violation("2026-11-12T03:05:00Z"), now) == "open 1 night"
    assert open_for(violation(now), now) == "new tonight"
    assert open_for(violation(None), now) == ""


def test_sparkline_scales_to_the_largest() -> None:
    assert sparkline([0, 4, 8]) == "_▄█"
    assert sparkline([0, 0]) == "▁▁"
