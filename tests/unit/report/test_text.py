"""``text``: grouping, sections, the summary line, colour, and inert hostile text."""

from __future__ import annotations

import dataclasses
import re

import pytest

from auditor.model import AssistantRef, Gate, Report
from auditor.report import render
from auditor.report.text import render_text, summary_line
from tests.unit.report.conftest import GREETING, NASTY, RECORDING, SECRETS, violation
from tests.unit.report.golden import assert_golden

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("name", ["clean", "full", "drift"])
def test_golden(name: str, request: pytest.FixtureRequest) -> None:
    report: Report = request.getfixturevalue(f"{name}_report")
    assert_golden(f"{name}.text", render(report, "text"))


def test_findings_grouped_by_severity_then_rule(full_report: Report) -> None:
    lines = render(full_report, "text").splitlines()
    headings = [line for line in lines if re.match(r"^(CRITICAL|HIGH|MEDIUM|LOW|INFO) ", line)]
    assert [h.split()[:2] for h in headings] == [
        ["CRITICAL", "no-secrets-in-prompt"],
        ["HIGH", "recording-enabled"],
        ["MEDIUM", "max-duration"],
        ["LOW", "initial-message-length"],
        ["INFO", "timezone-set"],
    ]
    assert "HIGH     recording-enabled  Calls must be recorded  (2)" in lines
    at = lines.index("HIGH     recording-enabled  Calls must be recorded  (2)")
    assert lines[at + 1] == "  fix: Turn on call recording in the assistant settings."
    assert lines[at + 2] == "  [north] Acme – Reception (id 1)  record must be true, is false"
    assert lines[at + 3].startswith("  [south] <script>alert(1)</script>\\x1b[2J\\n::error::pwned")


def test_one_heading_per_rule_even_when_findings_arrive_interleaved(full_report: Report) -> None:
    a, b = full_report.assistants[0], full_report.assistants[1]
    shuffled = (
        violation(RECORDING, a, "record", False, "true"),
        violation(GREETING, a, "initial_message", "x", "short"),
        violation(RECORDING, b, "record", False, "true"),
        violation(SECRETS, b, "system_prompt", "k", "clean"),
    )
    text = render(dataclasses.replace(full_report, violations=shuffled), "text")
    assert text.count("recording-enabled  Calls must be recorded") == 1
    assert text.index("CRITICAL") < text.index("HIGH") < text.index("LOW ")


def test_waivers_and_expired_waivers(full_report: Report) -> None:
    text = render(full_report, "text")
    assert "Waived (2)" in text
    assert "approved by ops, OPS-42 until 2099-01-31 (team.yaml:3)" in text
    assert "test line, never live (team.yaml:15)" in text
    assert "max_duration must be ≤ 1800, is 3600 (waiver expired 2020-01-01)" in text


def test_drift_section(full_report: Report) -> None:
    lines = render(full_report, "text").splitlines()
    assert "Drift since the baseline: 1 added, 1 removed, 2 changed" in lines
    assert "  + [north] New line (id 4)" in lines
    assert "  - [south] Old line (id 5)" in lines
    assert "      record: 1 → true (type changed)" in lines
    assert '      variables.region: added "eu"' in lines
    assert '      tools[1]: removed (was {"name": "transfer"})' in lines
    assert "      max_duration: 900 → 2400" in lines
    at = lines.index("      system_prompt:")
    assert lines[at + 1 : at + 4] == [
        "        --- before",
        "        +++ after",
        "        @@ -1,3 +1,3 @@",
    ]
    assert "        +Be brief and kind." in lines


def test_no_drift_section_without_a_baseline(clean_report: Report) -> None:
    assert "Drift" not in render(clean_report, "text")


def test_summary_line_is_last(full_report: Report, clean_report: Report) -> None:
    last = render(full_report, "text").rstrip("\n").splitlines()[-1]
    assert last == (
        "6 violations (1 critical, 2 high, 1 medium, 1 low, 1 info) in 3 assistants, 2 waived"
        " · drift: 1 added, 1 removed, 2 changed · 1 account could not be read"
        " · gate: failed (6 violations at or above low)"
    )
    clean_last = render(clean_report, "text").rstrip("\n").splitlines()[-1]
    assert (
        clean_last
        == "no violations in 1 assistant (5 rules) · gate: passed (no violations at or above low)"
    )


def test_summary_line_without_a_gate(clean_report: Report) -> None:
    report = dataclasses.replace(clean_report, gate=Gate(False, "no gate requested"))
    assert summary_line(report) == "no violations in 1 assistant (5 rules)"


def test_counts_come_from_the_report_summary(full_report: Report) -> None:
    summary = full_report.summary()
    line = summary_line(full_report)
    assert line.startswith(f"{summary['violations']} violations")
    assert f"{summary['waived']} waived" in line


def test_colour_only_when_asked(full_report: Report) -> None:
    plain = render(full_report, "text")
    coloured = render(full_report, "text", color=True)
    assert "\x1b" not in plain
    assert "\x1b[" in coloured
    assert ANSI.sub("", coloured) == plain


def test_hostile_text_cannot_move_the_cursor_or_fake_a_line(hostile_report: Report) -> None:
    text = render(hostile_report, "text")
    text.encode("utf-8")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert "\\x1b[2J\\n::error::pwned" in text
    # every line is one we wrote: a heading, an indented entry, or blank
    for line in text.splitlines():
        assert not line.startswith("::"), line
    coloured = render(hostile_report, "text", color=True)
    assert ANSI.sub("", coloured) == text


def test_nasty_fixture_is_really_nasty() -> None:
    assert "\x1b" in NASTY
    assert "\n" in NASTY
    assert "<script>" in NASTY


def _many(base: Report, count: int, *, new_every: int = 0) -> Report:
    refs = [AssistantRef(i, f"u{i}", f"Assistant number {i}") for i in range(count)]
    findings = tuple(
        violation(RECORDING, ref, "record", False, "true")._replace(
            status=("new" if new_every and i % new_every == 0 else "standing")
        )
        for i, ref in enumerate(refs)
    )
    return dataclasses.replace(base, violations=findings, fixed=() if new_every else None)


def test_overview_first_and_long_groups_capped(clean_report: Report) -> None:
    report = _many(clean_report, 1_400, new_every=10)
    text = render_text(report)
    lines = text.splitlines()
    assert lines[2] == "Overview"
    assert lines[3].split() == ["HIGH", "recording-enabled", "1400", "(140", "new)"]
    assert lines.index("New violations (140)") < lines.index("Standing violations (1260)")
    assert "  … and 135 more (see --format json or -v)" in lines
    assert "  … and 1255 more (see --format json or -v)" in lines
    assert len(lines) < 40  # 1,400 findings in a screenful
    everything = render_text(report, everything=True).splitlines()
    assert sum("record must be true" in line for line in everything) == 1_400
    assert not any("more (see" in line for line in everything)


def test_lines_are_wrapped_to_the_width(clean_report: Report) -> None:
    long = dataclasses.replace(RECORDING, remediation="Turn recording on. " * 20)
    report = dataclasses.replace(_many(clean_report, 3), rules=(long,))
    wrapped = render_text(report, width=60).splitlines()
    assert max(len(line) for line in wrapped) <= 60
    fix = [line for line in wrapped if line.startswith(("  fix:", "      Turn"))]
    assert len(fix) >= 3
    assert max(len(line) for line in render_text(report).splitlines()) > 60  # a file: unwrapped
