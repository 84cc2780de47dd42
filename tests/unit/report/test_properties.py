"""Properties (hypothesis): any text the API can send leaves every format well-formed.

Whatever the names, values, field paths and reasons hold, each format renders, encodes
as UTF-8 and parses with its standard parser, and the document's *shape* (its lines,
commands, table rows, test cases) is the shape of the same report with plain text in it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from auditor.model import (
    AccountError,
    AssistantChanges,
    AssistantRef,
    Change,
    ChangeKind,
    Drift,
    Gate,
    Report,
    RuleInfo,
    Severity,
    Violation,
    WaiverInfo,
)
from auditor.report import SCHEMA_PATH, render
from auditor.report.sanitize import json_text
from tests.report_json import report_from_json
from tests.unit.report.test_github import parse as parse_commands

TRICKS = [
    "<script>",
    "</td>",
    "\x1b[2J",
    "\x1b]8;;http://e\x07",
    "\n",
    "\r",
    "::error::",
    "%0A",
    "|",
    "`",
    "```",
    "[a](http://e)",
    "\\",
    "&amp;",
    "\u202e",
    "\ud800",
    "\x00",
    ":",
    ",",
    "*",
    "# ",
]
TEXT = st.lists(
    st.one_of(st.sampled_from(TRICKS), st.text(st.characters(exclude_categories=()), max_size=8)),
    max_size=6,
).map("".join)
VALUE: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
SCHEMA = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@st.composite
def reports(draw: st.DrawFn) -> Report:
    text = draw(st.lists(TEXT, min_size=12, max_size=12))
    who = AssistantRef(draw(VALUE), text[0], text[1], text[2])
    other = AssistantRef(7, "uuid-7", text[3])
    rule = RuleInfo(text[4], text[5], draw(st.sampled_from(Severity)), text[6], text[7])
    finding = Violation(
        rule.id, rule.severity, rule.title, who, text[8], draw(VALUE), text[9], text[10], text[11]
    )
    waived = Violation(
        rule.id,
        rule.severity,
        rule.title,
        other,
        text[8],
        draw(VALUE),
        text[9],
        text[10],
        "",
        WaiverInfo(text[11], date(2099, 1, 1), text[0]),
    )
    change = Change(text[8], draw(VALUE), draw(VALUE), draw(st.sampled_from(ChangeKind)))
    return Report(
        tool_version="0.1.0",
        generated_at="2026-11-25T03:00:00Z",
        source=text[9],
        assistants=(who, other),
        rules=(rule,),
        violations=(finding,),
        waived=(waived,),
        drift=Drift(added=(who,), removed=(other,), changed=(AssistantChanges(who, (change,)),)),
        gate=Gate(True, text[10]),
        warnings=(text[11],),
        errors=(AccountError(text[2], text[3]),),
        baseline=text[4],
    )


def _plain(report: Report) -> Report:
    """The same report with every text replaced by a harmless word."""
    data = json.loads(render(report, "json"))

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return value if value in _KEEP else "x"
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    plain = walk(data)
    return report_from_json(plain)


_KEEP = {*(str(s) for s in Severity), *(str(k) for k in ChangeKind), "2099-01-01"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.urls += [v or "" for k, v in attrs if k in ("href", "src")]


def _tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    return parser


SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(reports())
def test_every_format_stays_well_formed(report: Report) -> None:
    plain = _plain(report)
    documents = {fmt: render(report, fmt) for fmt in ("text", "markdown", "github", "junit")}
    for document in documents.values():
        document.encode("utf-8")

    # text and github: exactly the lines the plain report has, none of them forged
    for fmt in ("text", "github"):
        assert len(documents[fmt].splitlines()) == len(render(plain, fmt).splitlines())
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", documents["text"])
    commands = parse_commands(documents["github"])  # every line is one command…
    assert all(list(c.properties) == ["title"] for c in commands)  # …with one property

    # markdown: same lines and table rows, no links or raw HTML
    md = MarkdownIt("commonmark").enable("table")
    assert len(documents["markdown"].splitlines()) == len(render(plain, "markdown").splitlines())
    rendered = md.render(documents["markdown"])
    plain_rendered = md.render(render(plain, "markdown"))
    assert rendered.count("<tr>") == plain_rendered.count("<tr>")
    assert rendered.count("<td") == plain_rendered.count("<td")
    tags = _tags(rendered)
    assert tags.urls == []
    assert "script" not in tags.tags

    # junit: parses, same test cases and counts
    root = ET.fromstring(documents["junit"].encode("utf-8"))  # noqa: S314 - our own output
    plain_root = ET.fromstring(render(plain, "junit").encode("utf-8"))  # noqa: S314
    assert root.attrib == plain_root.attrib


@SLOW
@given(reports())
def test_json_sarif_and_html_parse(report: Report) -> None:
    text = render(report, "json")
    assert text == json_text(report.to_dict())  # streamed piece by piece, same bytes
    document = json.loads(text, parse_constant=_not_json)
    assert list(SCHEMA.iter_errors(document)) == []
    assert report_from_json(document).assistants[1] == report.assistants[1]
    sarif = json.loads(render(report, "sarif"), parse_constant=_not_json)
    assert len(sarif["runs"][0]["results"]) == 2
    html = render(report, "html")
    html.encode("utf-8")
    page = _tags(html)
    assert [url for url in page.urls if not url.startswith("#")] == []  # in-page links only
    assert {"script", "style", "img", "iframe", "link"}.isdisjoint(page.tags)
    assert page.tags == _tags(render(_plain(report), "html")).tags


def _not_json(name: str) -> None:
    raise AssertionError(f"{name} is not JSON")
