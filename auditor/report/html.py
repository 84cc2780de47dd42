"""``html``: one self-contained file for a person in a browser (and the email's attachment).

Summary first: a table of contents, an overview (an inline SVG bar chart of violations
by severity, and a table of every rule with findings: severity, count, new), then what
changed (drift since the baseline, new violations), then the standing findings grouped
by rule in collapsible ``<details>``: the rule's title, why it exists, its remediation
and where it is defined once, its assistants listed under it. It stays readable at
10,000 findings (groups are closed unless the report is small) and works with scripts
off: there is no JavaScript at all. Inline styles only, no external assets. jinja2
autoescapes every value, and a ``finalize`` hook first turns control characters into
visible escapes, so an assistant named ``<script>…\\x1b[2J`` is shown, not run. Each group
shows at most ``MAX_ROWS`` findings with a note (the JSON report has everything).
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import Markup

from auditor.model import Report, RuleInfo, Violation
from auditor.report.interface import ReportFormat
from auditor.report.sanitize import lines, terminal, value_text
from auditor.report.text import summary_line
from auditor.report.trend import open_for, trend_svg

if TYPE_CHECKING:
    import jinja2

MAX_ROWS = 1000
"""Findings shown per rule group (and waived findings, and new ones) in a table."""
OPEN_BELOW = 50
"""Reports with fewer findings than this show every group open."""
SEVERITIES = ("critical", "high", "medium", "low", "info")
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
    if isinstance(value, Markup):  # the SVG chart: built here from severity names and counts
        return value
    return terminal(value) if isinstance(value, str) else value


def _diff_lines(diff: str) -> tuple[list[tuple[str, str]], int]:
    """A unified diff as (line, background) pairs, capped; and how many lines were cut."""
    body = lines(diff.rstrip("\n"))
    shown = [
        (line, "" if line.startswith(("+++", "---")) else _DIFF_COLORS.get(line[:1], ""))
        for line in body[:MAX_DIFF_LINES]
    ]
    return shown, max(0, len(body) - MAX_DIFF_LINES)


class RuleGroup(NamedTuple):
    """One rule's findings as the page shows them."""

    rule: RuleInfo
    total: int
    """Its findings, shown or not."""
    new: int
    """Of those, how many are new."""
    findings: tuple[Violation, ...]
    """At most ``MAX_ROWS``."""

    @property
    def hidden(self) -> int:
        return self.total - len(self.findings)

    @property
    def anchor(self) -> str:
        """A fragment id for the table of contents (ids can hold any text but spaces)."""
        return "rule-" + re.sub(r"[^A-Za-z0-9_.-]", "_", self.rule.id)


def rule_groups(report: Report, findings: Sequence[Violation]) -> list[RuleGroup]:
    """``findings`` by rule, worst severity first, then most findings, then id."""
    rules = {r.id: r for r in report.rules}
    by_rule: dict[str, list[Violation]] = {}
    for v in findings:
        by_rule.setdefault(v.rule, []).append(v)
    groups = []
    for rule_id, items in by_rule.items():
        rule = rules.get(rule_id) or RuleInfo(
            rule_id, items[0].title, items[0].severity, remediation=items[0].remediation
        )
        new = sum(1 for v in items if v.status == "new")
        groups.append(RuleGroup(rule, len(items), new, tuple(items[:MAX_ROWS])))
    groups.sort(key=lambda g: (-int(g.rule.severity), -g.total, g.rule.id))
    return groups


def severity_chart(by_severity: dict[str, int]) -> str:
    """An inline SVG bar chart of violations per severity (no script, no external font)."""
    top = max(by_severity.values(), default=0) or 1
    rows = []
    for i, name in enumerate(SEVERITIES):
        count = by_severity.get(name, 0)
        width = round(300 * count / top)
        y = 6 + i * 24
        rows.append(
            f'<text x="0" y="{y + 13}" font-size="12">{name}</text>'
            f'<rect x="70" y="{y}" width="{max(width, 1)}" height="16" fill="{COLORS[name]}">'
            f"<title>{count} {name}</title></rect>"
            f'<text x="{76 + width}" y="{y + 13}" font-size="12">{count}</text>'
        )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" width="440" height="128" '
        'aria-label="violations by severity" font-family="Helvetica,Arial,sans-serif">'
        + "".join(rows)
        + "</svg>"
    )


class HtmlFormat(ReportFormat):
    """A single HTML page: summary, findings, waivers, drift, warnings and errors."""

    name = "html"

    def render(self, report: Report, *, color: bool = False) -> str:
        drift = report.drift
        parts = (drift.added, drift.removed, drift.changed) if drift else ((), (), ())
        summary = report.summary()
        compared = report.fixed is not None
        new = [v for v in report.violations if v.status == "new"] if compared else []
        standing = [v for v in report.violations if v.status != "new"] if compared else None
        return _template().render(
            report=report,
            summary=summary,
            headline=summary_line(report),
            chart=Markup(severity_chart(summary["by_severity"])),  # noqa: S704 - names and counts only
            trend=Markup(trend_svg(report.trend)),  # noqa: S704 - escaped by trend_svg
            opened=lambda v: open_for(v, report.generated_at),
            overview=rule_groups(report, report.violations),
            new_violations=new[:MAX_ROWS],
            hidden_new=max(0, len(new) - MAX_ROWS),
            gone=_gone(report),
            groups=rule_groups(report, report.violations if standing is None else standing),
            open_groups=len(report.violations) < OPEN_BELOW,
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


_GONE_WORDS = {
    "fixed": "fixed",
    "removed": "removed",
    "waived": "waived now",
    "not_checked": "not checked",
}


def _gone(report: Report) -> str:
    """What became of the earlier findings not found tonight, by why: ``fixed 2 · not
    checked 8`` (``fixed 0`` when nothing is gone, so the line always says it)."""
    counts = Counter(f.why for f in report.fixed or ())
    parts = [
        f"{_GONE_WORDS.get(why, why)} {n}" for why, n in sorted(counts.items()) if why != "fixed"
    ]
    return " · ".join([f"fixed {counts.get('fixed', 0)}", *parts])


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
