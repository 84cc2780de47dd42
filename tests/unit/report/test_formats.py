"""Every format parsed back: JSON against its schema, XML, SARIF structure, HTML escaping,
GitHub command escaping, and golden files for text and markdown."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

from auditor.model import Report
from auditor.report import FORMATS, SCHEMA_PATH, render, write_reports
from auditor.settings import OutputSpec
from tests.unit.report.conftest import NASTY

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "golden"


def test_every_format_of_the_cli_is_registered() -> None:
    from auditor.settings import FORMATS as CLI_FORMATS

    assert set(FORMATS) == set(CLI_FORMATS)


@pytest.mark.parametrize("fixture", ["clean_report", "full_report"])
def test_json_matches_its_schema(fixture: str, request: pytest.FixtureRequest) -> None:
    report: Report = request.getfixturevalue(fixture)
    document = json.loads(render(report, "json"))
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert list(document)[:3] == ["schema_version", "tool_version", "generated_at"]
    assert Report.from_dict(document).to_dict() == document


def test_junit_counts_and_xml(full_report: Report) -> None:
    root = ET.fromstring(render(full_report, "junit").encode())  # noqa: S314 - our own output
    assert root.get("tests") == "4"  # 2 assistants × 2 rules
    assert root.get("failures") == "3"
    assert root.get("skipped") == "1"
    names = [case.get("name") for case in root.iter("testcase")]
    assert all("\x1b" not in (n or "") for n in names)
    assert any(s.get("name") == "fetch" for s in root.iter("testsuite"))


def test_sarif_structure(full_report: Report) -> None:
    sarif = json.loads(render(full_report, "sarif"))
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["recording-enabled", "max-duration"]
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules)
    levels = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert ("recording-enabled", "error") in levels
    assert ("max-duration", "warning") in levels
    suppressed = [r for r in run["results"] if r.get("suppressions")]
    assert suppressed[0]["suppressions"][0]["justification"] == "approved, OPS-42"
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.urls += [v or "" for k, v in attrs if k in ("src", "href")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_escapes_everything_from_the_api(full_report: Report) -> None:
    html = render(full_report, "html")
    parser = _Collector()
    parser.feed(html)
    assert "script" not in parser.tags
    assert "style" not in parser.tags  # inline styles only: mail clients drop <style>
    assert parser.urls == []
    assert "<script>alert(1)</script>" in "".join(parser.text)
    assert "&lt;script&gt;" in html


def test_markdown_neutralises_names(full_report: Report) -> None:
    text = render(full_report, "markdown")
    assert "<script>" not in text
    assert "](http://evil)" not in text
    assert "\x1b" not in text
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.count("|") - line.count("\\|") >= 2


def test_github_annotations_cannot_be_injected(full_report: Report) -> None:
    lines = render(full_report, "github").splitlines()
    assert all(line.startswith("::") for line in lines)
    commands = [re.match(r"::(\w+)", line).group(1) for line in lines]  # type: ignore[union-attr]
    assert set(commands) <= {"error", "warning", "notice"}
    assert not any(line.startswith("::error::pwned") for line in lines)
    assert any("%0A::error::pwned" in line for line in lines)


def test_text_shows_control_characters_instead_of_running_them(full_report: Report) -> None:
    text = render(full_report, "text")
    assert "\x1b" not in text
    assert "\\x1b[2J\\n::error::pwned" in text
    assert text.strip().splitlines()[-1].startswith("3 violations (2 high, 1 medium)")


def test_text_colour_only_when_asked(full_report: Report) -> None:
    assert "\x1b[" not in render(full_report, "text")
    assert "\x1b[" in render(full_report, "text", color=True)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_golden(fmt: str, full_report: Report) -> None:
    path = GOLDEN / f"full.{fmt}"
    got = render(full_report, fmt)
    if os.environ.get("AUDITOR_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"re-run with AUDITOR_UPDATE_GOLDEN=1 ({path})"


def test_write_reports_files_stdout_and_step_summary(
    full_report: Report,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    outputs = [OutputSpec("json", tmp_path / "out" / "r.json"), OutputSpec("github")]
    written = write_reports(full_report, outputs, color="never")
    assert written == [tmp_path / "out" / "r.json"]
    assert capsys.readouterr().out.startswith("::")
    assert summary.read_text().startswith("# auditor report")


def test_unwritable_report_path_is_a_config_error(full_report: Report, tmp_path: Path) -> None:
    from auditor.errors import ConfigError

    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot write report"):
        write_reports(full_report, [OutputSpec("json", blocker / "r.json")])


def test_nasty_fixture_is_really_nasty() -> None:
    assert "\x1b" in NASTY
    assert "\n" in NASTY
