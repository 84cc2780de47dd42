"""``github``: workflow commands parsed back the way the Actions runner reads them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.model import Report
from auditor.report import render

COMMAND = re.compile(r"^::(?P<name>[a-z]+)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


@dataclass
class Command:
    name: str
    properties: dict[str, str]
    data: str


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def parse(output: str) -> list[Command]:
    """Each line as the runner's ActionCommand.TryParse sees it; every line must be one."""
    assert output.endswith("\n")
    commands = []
    for line in output[:-1].split("\n"):
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = {}
        for pair in filter(None, (match["props"] or "").split(",")):
            key, _, value = pair.partition("=")
            props[key] = _unescape_property(value)
        commands.append(Command(match["name"], props, _unescape_data(match["data"])))
    return commands


def test_one_annotation_per_finding_and_drift_entry(full_report: Report) -> None:
    commands = parse(render(full_report, "github"))
    drift = full_report.drift
    assert drift is not None
    expected = (
        len(full_report.violations)
        + drift.total
        + len(full_report.errors)
        + len(full_report.warnings)
        + 1  # the summary notice
    )
    assert len(commands) == expected
    # An account that could not be read comes first: the run is incomplete.
    assert [c.properties["title"] for c in commands[: len(full_report.errors)]] == [
        "auditor fetch"
    ] * len(full_report.errors)
    commands = commands[len(full_report.errors) :]
    levels = [(c.name, c.properties["title"]) for c in commands[: len(full_report.violations)]]
    assert levels == [
        ("error", "no-secrets-in-prompt (critical)"),
        ("error", "recording-enabled (high)"),
        ("error", "recording-enabled (high)"),
        ("warning", "max-duration (medium)"),
        ("notice", "initial-message-length (low)"),
        ("notice", "timezone-set (info)"),
    ]
    assert commands[1].data == "[north] Acme – Reception (id 1): record must be true, is false"
    drift_commands = [c for c in commands if c.properties.get("title") == "drift"]
    assert [c.name for c in drift_commands] == ["warning"] * 4
    assert drift_commands[0].data == "added: [north] New line (id 4)"
    assert commands[-1].name == "notice"
    assert commands[-1].data.startswith("6 violations (1 critical")
    assert all("file" not in c.properties for c in commands)


def test_names_cannot_start_a_command_of_their_own(full_report: Report) -> None:
    output = render(full_report, "github")
    lines = output.splitlines()
    assert all(
        line.startswith(("::error title=", "::warning title=", "::notice title=")) for line in lines
    )
    assert not any(line.startswith("::error::pwned") for line in lines)
    commands = [c for c in parse(output) if c.properties["title"] != "auditor fetch"]
    hit = commands[2]
    assert hit.data.startswith(
        "[south] <script>alert(1)</script>\\x1b[2J\\n::error::pwned | x (id 2)"
    )
    assert "\n" not in hit.data
    assert "\x1b" not in hit.data


def test_hostile_report(hostile_report: Report) -> None:
    output = render(hostile_report, "github")
    output.encode("utf-8")
    commands = parse(output)
    assert {c.name for c in commands} <= {"error", "warning", "notice"}
    for command in commands:
        for value in [command.data, *command.properties.values()]:
            assert not re.search(r"[\x00-\x1f\x7f-\x9f]", value), value
    assert next(
        c.properties["title"]
        for c in commands
        if c.name == "error" and c.properties["title"] != "auditor fetch"
    ).startswith("<script>")


def _fleet_report(base: Report, count: int) -> Report:
    """``base`` with ``count`` findings per severity level (critical … info), some new."""
    from dataclasses import replace

    from auditor.model import AssistantRef, Severity, Violation

    violations = []
    for severity in sorted(Severity, reverse=True):
        for i in range(count):
            violations.append(
                Violation(
                    rule=f"rule-{severity}",
                    severity=severity,
                    title="t",
                    assistant=AssistantRef(i, f"u-{severity}-{i}", f"bot {i}"),
                    path="record",
                    actual=False,
                    expected="true",
                    message=f"finding {severity} {i}",
                    status="new" if i == count - 1 else "standing",
                )
            )
    return replace(base, violations=tuple(violations), errors=(), warnings=())


def test_at_most_ten_per_level_then_one_that_says_how_many_more(drift_report: Report) -> None:
    report = _fleet_report(drift_report, 30)
    commands = parse(render(report, "github"))
    by_level = {name: [c for c in commands if c.name == name] for name in ("error", "warning")}
    assert len(by_level["error"]) == 10
    assert len(by_level["warning"]) == 10
    # Newest first: the new critical and the new high lead, then the rest, worst first.
    assert [c.data for c in by_level["error"][:3]] == [
        "bot 29 (id 29): finding critical 29",
        "bot 29 (id 29): finding high 29",
        "bot 0 (id 0): finding critical 0",
    ]
    notices = [c for c in commands if c.name == "notice"]
    assert len(notices) == 10  # 8 findings, the "more" notice, the summary
    more = next(c for c in notices if c.properties["title"] == "auditor: more findings")
    assert drift_report.drift is not None
    hidden_warnings = 30 + drift_report.drift.total - 10
    assert more.data.startswith(
        f"{50 + hidden_warnings + 52} more annotations not shown "
        f"(50 errors, {hidden_warnings} warnings, 52 notices)"
    )
    assert commands[-1].data.startswith("150 violations")


def test_percent_and_separators_round_trip(clean_report: Report) -> None:
    from auditor.report.github import command

    line = command("warning", "a:b,c 100%", "50% done\r\nnext")
    (parsed,) = parse(line + "\n")
    assert parsed.properties == {"title": "a:b,c 100%"}
    assert parsed.data == "50% done\\r\\nnext"
