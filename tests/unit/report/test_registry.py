"""The registry and ``write_reports``: files, stdout, colour, step summary, errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from auditor.errors import ConfigError
from auditor.model import Report
from auditor.report import FORMATS, get, render, use_color, write_reports
from auditor.report.interface import ReportFormat
from auditor.settings import OutputSpec


def test_every_format_of_the_cli_is_registered() -> None:
    from auditor.choices import FORMATS as CLI_FORMATS

    assert FORMATS == CLI_FORMATS
    for name in FORMATS:
        assert isinstance(get(name), ReportFormat)
        assert get(name).name == name


def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match=r"no such report format: 'pdf' \(choose from text, json"):
        get("pdf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_every_report(fmt: str, any_report: Report) -> None:
    document = render(any_report, fmt)
    assert document.endswith("\n")
    document.encode("utf-8")  # lone surrogates and all
    assert render(any_report, fmt) == document  # deterministic


def test_files_written_atomically_with_parent_folders(full_report: Report, tmp_path: Path) -> None:
    outputs = [
        OutputSpec("json", tmp_path / "out" / "deep" / "report.json"),
        OutputSpec("html", tmp_path / "out" / "report.html"),
    ]
    written = write_reports(full_report, outputs, color="never")
    assert written == [o.path for o in outputs]
    assert (
        json.loads((tmp_path / "out" / "deep" / "report.json").read_text()) == full_report.to_dict()
    )
    assert (tmp_path / "out" / "report.html").read_text(encoding="utf-8") == render(
        full_report, "html"
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["deep", "report.html"]


def test_stdout_gets_the_report(full_report: Report, capsys: pytest.CaptureFixture[str]) -> None:
    assert write_reports(full_report, [OutputSpec("json")], color="never") == []
    assert json.loads(capsys.readouterr().out) == full_report.to_dict()


def test_hostile_report_to_stdout_and_file(
    hostile_report: Report, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in FORMATS:
        write_reports(hostile_report, [OutputSpec(fmt), OutputSpec(fmt, tmp_path / f"r.{fmt}")])
        assert capsys.readouterr().out == (tmp_path / f"r.{fmt}").read_text(encoding="utf-8")


def _stdout(report: Report, color: str, env: dict[str, str] | None = None) -> str:
    """``write_reports`` to stdout under click's runner (not a TTY)."""

    @click.command()
    def command() -> None:
        write_reports(report, [OutputSpec("text")], color=color)

    return CliRunner().invoke(command, env=env, catch_exceptions=False).output


def test_colour_modes(full_report: Report) -> None:
    assert "\x1b[" not in _stdout(full_report, "auto")  # not a TTY
    assert "\x1b[" not in _stdout(full_report, "never")
    assert "\x1b[" in _stdout(full_report, "always")  # even into a pipe
    assert _stdout(full_report, "never") == render(full_report, "text")


def test_auto_colour_follows_the_tty_and_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    read, write = os.openpty()
    try:
        with open(write, "w", closefd=False) as tty:
            monkeypatch.setattr("sys.stdout", tty)
            monkeypatch.delenv("NO_COLOR", raising=False)
            assert use_color("auto") is True
            monkeypatch.setenv("NO_COLOR", "1")
            assert use_color("auto") is False
            assert use_color("always") is True
            monkeypatch.setenv("NO_COLOR", "")  # empty means unset (no-color.org)
            assert use_color("auto") is True
            assert use_color("never") is False
    finally:
        os.close(read)
        os.close(write)


def test_github_step_summary(
    full_report: Report,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    outputs = [OutputSpec("github"), OutputSpec("github", tmp_path / "annotations.txt")]
    assert write_reports(full_report, outputs) == [tmp_path / "annotations.txt"]
    assert capsys.readouterr().out.startswith("::error title=")
    assert summary.read_text(encoding="utf-8") == "earlier step\n" + render(full_report, "markdown")


def test_step_summary_stays_under_githubs_one_mib() -> None:
    from auditor.report import STEP_SUMMARY_LIMIT, fit_step_summary

    small = "# auditor report\n\n- one finding\n"
    assert fit_step_summary(small) == small
    huge = "# auditor report\n\n" + "".join(f"- finding é {i}\n" for i in range(200_000))
    assert len(huge.encode()) > 1_048_576
    cut = fit_step_summary(huge)
    assert len(cut.encode()) <= STEP_SUMMARY_LIMIT < 1_048_576
    body, _, note = cut.rpartition("\n\n_The summary is cut here")
    assert huge.startswith(body + "\n")  # cut at a line end, nothing altered
    assert note.endswith("The full list is in the JSON, HTML or SARIF report._\n")


def test_no_step_summary_outside_actions_or_for_other_formats(
    full_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    write_reports(full_report, [OutputSpec("json", tmp_path / "r.json")])
    assert not summary.exists()
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    write_reports(full_report, [OutputSpec("github", tmp_path / "a.txt")])
    assert not summary.exists()


def test_unwritable_step_summary_is_a_config_error(
    full_report: Report, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing" / "summary.md"))
    with pytest.raises(
        ConfigError, match=r"cannot write the step summary to .*GITHUB_STEP_SUMMARY"
    ):
        write_reports(full_report, [OutputSpec("github", tmp_path / "a.txt")])


def test_path_under_a_file_is_a_config_error(full_report: Report, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match=rf"^cannot write report to {blocker / 'r.json'}: "):
        write_reports(full_report, [OutputSpec("json", blocker / "r.json")])


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into a read-only folder")
def test_read_only_folder_is_a_config_error_and_keeps_the_old_file(
    full_report: Report, tmp_path: Path
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    old = folder / "r.json"
    old.write_text("old")
    folder.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match=r"cannot write report to .*Permission denied"):
            write_reports(full_report, [OutputSpec("json", old)])
        assert old.read_text() == "old"
    finally:
        folder.chmod(0o700)


def test_a_directory_as_target_is_a_config_error(full_report: Report, tmp_path: Path) -> None:
    target = tmp_path / "adir"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(ConfigError, match=rf"^cannot write report to {target}: "):
        write_reports(full_report, [OutputSpec("json", target)])
    assert (target / "keep").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]  # no temp file left behind
