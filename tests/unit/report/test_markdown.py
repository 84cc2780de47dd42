"""``markdown``: golden files, and the rendered Markdown parsed back (markdown-it, GFM tables)."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from auditor.model import AssistantRef, Report
from auditor.report import render
from auditor.report.markdown import MAX_GROUP, MAX_ROWS
from tests.unit.report.conftest import HOSTILE, NASTY, RECORDING, violation
from tests.unit.report.golden import assert_golden


class _Html(HTMLParser):
    """What a Markdown renderer made of the report: tags, links, table rows, text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.rows: list[list[str]] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [v or "" for k, v in attrs if k in ("href", "src")]
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def rendered(markdown: str) -> _Html:
    parser = _Html()
    parser.feed(MarkdownIt("commonmark").enable("table").render(markdown))
    return parser


@pytest.mark.parametrize("name", ["clean", "full", "drift"])
def test_golden(name: str, request: pytest.FixtureRequest) -> None:
    report: Report = request.getfixturevalue(f"{name}_report")
    assert_golden(f"{name}.markdown", render(report, "markdown"))


def test_tables_keep_their_shape_and_show_the_text(full_report: Report) -> None:
    html = rendered(render(full_report, "markdown"))
    widths = {len(row) for row in html.rows}
    # summary (11 columns); accounts, waived (6); the rules overview (3); a rule's findings (4)
    assert widths == {11, 6, 4, 3}
    assert "HIGH recording-enabled Calls must be recorded (2)" in "".join(html.text)
    findings = [row for row in html.rows if len(row) == 4 and row[1] == "record"]
    assert findings[1][0] == (
        "[south] " + NASTY.replace("\x1b", "\\x1b").replace("\n", "\\n") + " (id 2)"
    )
    assert "script" not in html.tags
    assert html.links == []


def test_hostile_text_stays_text(hostile_report: Report) -> None:
    markdown = render(hostile_report, "markdown")
    markdown.encode("utf-8")
    html = rendered(markdown)
    assert set(html.tags) <= {
        "h1", "h2", "h3", "p", "strong", "table", "thead", "tbody", "tr", "th", "td",
        "ul", "li", "pre", "code", "br",
    }  # fmt: skip
    assert html.links == []
    assert "<script>alert(1)</script>" in "".join(html.text)
    assert len({len(row) for row in html.rows if len(row) not in (11, 6, 4, 3)}) == 0
    # the diff's fence is longer than the ``` inside the hostile text
    assert "````diff" in markdown


def test_diffs_are_fenced_and_inert(full_report: Report) -> None:
    html = rendered(render(full_report, "markdown"))
    assert "+Be brief and kind." in "".join(html.text)
    assert "pre" in html.tags


def test_long_reports_are_capped(full_report: Report) -> None:
    many = tuple(
        violation(RECORDING, AssistantRef(i, f"u{i}", f"line {i}"), "record", False, "true")
        for i in range(MAX_ROWS + 7)
    )
    markdown = render(dataclasses.replace(full_report, violations=many), "markdown")
    # summary first: the overview has the rule with its full count, the group is capped
    assert "| `recording-enabled` Calls must be recorded | high | 507 |" in markdown
    assert f"… and {MAX_ROWS + 7 - MAX_GROUP} more; see the JSON report." in markdown
    assert markdown.count("| record | false | true |") == MAX_GROUP


def test_hostile_fixture_contains_the_issue_9_name() -> None:
    assert NASTY in HOSTILE
