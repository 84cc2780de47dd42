"""``html``: parsed back with html.parser: no script, no external anything, inline styles."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser

from auditor.model import (
    AssistantChanges,
    AssistantRef,
    Change,
    Drift,
    FixedFinding,
    FrameworkScore,
    Report,
    RequirementScore,
    Severity,
    WaiverNote,
)
from auditor.report import render
from auditor.report.html import MAX_DIFF_LINES, MAX_DRIFT, MAX_ROWS
from tests.unit.report.conftest import NASTY, RECORDING, violation

MAIL_SAFE_TAGS = {
    "html", "head", "meta", "title", "body", "table", "tr", "th", "td", "h1", "h2", "p",
    "span", "code", "br", "em", "ul", "li", "div", "b", "a", "nav", "details", "summary",
    "svg", "rect", "text",
}  # fmt: skip
"""Static markup only: no script, style, form, image or frame."""


def _links(page: _Page) -> list[str]:
    """Every URL-bearing attribute that is not a link within the page (``#…``)."""
    return [v for k, v in page.attrs if k in ("src", "href", "action") and not v.startswith("#")]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def test_full_report_is_a_mail_safe_page(full_report: Report) -> None:
    html = render(full_report, "html")
    page = parse(html)
    assert html.startswith("<!DOCTYPE html>")
    assert set(page.tags) <= MAIL_SAFE_TAGS
    assert {"script", "style", "link", "img", "iframe", "object"}.isdisjoint(page.tags)
    assert _links(page) == []
    assert not [k for k, _ in page.attrs if k.startswith("on")]
    assert "url(" not in html
    assert "@import" not in html
    text = "".join(page.text)
    for expected in (
        "6 violations (1 critical, 2 high, 1 medium, 1 low, 1 info)",
        "Calls must be recorded",
        "approved by ops, OPS-42",
        "(waiver expired 2020-01-01)",
        "+Be brief and kind.",
        "the API rejected the key (401); check WEST_KEY",
    ):
        assert expected in text


def test_api_text_is_escaped_not_run(full_report: Report) -> None:
    html = render(full_report, "html")
    page = parse(html)
    assert "script" not in page.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>\\x1b[2J\\n::error::pwned | x" in "".join(page.text)
    assert "\x1b" not in html


def test_hostile_report(hostile_report: Report) -> None:
    html = render(hostile_report, "html")
    html.encode("utf-8")
    page = parse(html)
    assert set(page.tags) <= MAIL_SAFE_TAGS
    assert _links(page) == []
    assert not any(0 < ord(c) < 32 and c not in "\n" for c in html)


def test_clean_report_says_so(clean_report: Report) -> None:
    text = "".join(parse(render(clean_report, "html")).text)
    assert "no violations in 1 assistant (5 rules)" in text
    assert "Violations (" not in text
    assert "no baseline" in text


def test_huge_reports_are_capped_for_email(full_report: Report) -> None:
    many = tuple(
        violation(RECORDING, AssistantRef(i, f"u{i}", f"Assistant {i}"), "record", False, "true")
        for i in range(MAX_ROWS + 250)
    )
    long_diff = "\n".join(f"+line {i}" for i in range(MAX_DIFF_LINES + 30))
    drift = Drift(
        changed=(
            AssistantChanges(
                many[0].assistant, (Change("system_prompt", "a", "b", diff=long_diff),)
            ),
        )
    )
    html = render(dataclasses.replace(full_report, violations=many, drift=drift), "html")
    text = "".join(parse(html).text)
    assert "… and 250 more; see the JSON report." in text
    assert "… 30 more lines; see the JSON report." in text
    assert f"Assistant {MAX_ROWS - 1} (id" in text
    assert f"Assistant {MAX_ROWS} (id" not in text
    assert len(html.encode("utf-8")) < 2_000_000


def test_nasty_name_is_the_issue_9_one() -> None:
    assert NASTY.startswith("<script>alert(1)</script>\x1b[2J\n::error::pwned")


def test_long_drift_is_capped(full_report: Report) -> None:
    added = tuple(AssistantRef(i, f"u{i}", f"New {i}") for i in range(MAX_DRIFT + 10))
    html = render(dataclasses.replace(full_report, drift=Drift(added=added)), "html")
    text = "".join(parse(html).text)
    assert "… and 10 more drifted assistants; see the JSON report." in text
    assert f"New {MAX_DRIFT - 1} (id" in text
    assert f"New {MAX_DRIFT} (id" not in text


def test_summary_first_then_drift_then_groups_by_rule(full_report: Report) -> None:
    html = render(full_report, "html")
    order = [
        html.index(marker)
        for marker in (
            'id="contents"',
            'id="overview"',
            'id="severity-chart"',
            'id="changed"',
            'id="drift"',
            'id="findings"',
            'id="waived"',
        )
    ]
    assert order == sorted(order)
    page = parse(html)
    # every in-page link has its target
    targets = {v for k, v in page.attrs if k == "id"}
    assert {v[1:] for k, v in page.attrs if k == "href"} <= targets
    # one group per rule, its remediation once, its assistants under it
    assert html.count('class="rule-group"') == len({v.rule for v in full_report.violations})
    assert html.count("Turn on call recording in the assistant settings.") == 1
    assert "<svg" in html
    assert "&lt;svg" not in html


def test_ten_thousand_findings_stay_a_readable_page(full_report: Report) -> None:
    refs = [AssistantRef(i, f"u{i}", f"Assistant {i}") for i in range(10_000)]
    many = tuple(violation(RECORDING, ref, "record", False, "true") for ref in refs)
    html = render(dataclasses.replace(full_report, violations=many), "html")
    page = parse(html)
    assert page.tags.count("details") == 1 + 1  # the drift section and the one rule group
    assert ' open style="margin' not in html  # big reports start with groups closed
    assert "… and 9000 more; see the JSON report." in "".join(page.text)
    assert len(html.encode("utf-8")) < 1_000_000


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.contents: list[str] = []
        self._in_contents = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        self._in_contents = self._in_contents or found.get("id") == "contents"
        if self._in_contents and tag == "a":
            self.contents.append((found.get("href") or "").removeprefix("#"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_contents = False


def _anchors(report: Report) -> _Anchors:
    page = _Anchors()
    page.feed(render(report, "html"))
    return page


def test_every_contents_link_lands_on_its_section(any_report: Report) -> None:
    page = _anchors(any_report)
    assert page.contents
    assert set(page.contents) <= page.ids


def test_the_contents_name_frameworks_and_waiver_notes_when_there_are_some(
    full_report: Report,
) -> None:
    scored = dataclasses.replace(
        full_report,
        frameworks=(
            FrameworkScore(
                "eu-ai-act",
                "EU AI Act",
                (RequirementScore("Art. 50(1)", "Told it is an AI", "fail", (RECORDING.id,), 1),),
            ),
        ),
        waiver_notes=(WaiverNote("stale", "waivers.yaml:3", RECORDING.id, "ops", None, "old"),),
    )
    page = _anchors(scored)
    assert {"frameworks", "waiver-notes"} <= set(page.contents) <= page.ids
    assert "frameworks" not in _anchors(dataclasses.replace(scored, frameworks=())).contents


def test_the_what_changed_line_counts_fixed_apart_from_not_checked(full_report: Report) -> None:
    """A narrower run (``--select``) did not fix what it did not look at: the line says
    so instead of adding those to "fixed"."""
    who = AssistantRef(7, "u-7", "Seven")
    gone = tuple(
        FixedFinding(RECORDING.id, Severity.HIGH, who, f"p{i}", why)
        for i, why in enumerate(["fixed", "not_checked", "not_checked", "removed"])
    )
    text = "".join(parse(render(dataclasses.replace(full_report, fixed=gone), "html")).text)
    assert "· fixed 1 · not checked 2 · removed 1" in text
    nothing = "".join(parse(render(dataclasses.replace(full_report, fixed=()), "html")).text)
    assert "· fixed 0" in nothing
