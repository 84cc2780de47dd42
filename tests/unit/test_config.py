"""The config file: discovery, validation with file:line, precedence, `config show`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.config import build_audit_settings, find_config, load_config
from auditor.errors import ConfigFileError
from auditor.model import Severity
from auditor.settings import Sourced


def _write(folder: Path, text: str, name: str = "auditor.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_found_in_the_working_directory_or_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert find_config(None) is None
    _write(tmp_path, "[tool.auditor]\ntimeout = 5\n", "pyproject.toml")
    assert find_config(None) == Path("pyproject.toml")
    _write(tmp_path, "timeout: 5\n")
    assert find_config(None) == Path("auditor.yaml")


def test_paths_are_relative_to_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    folder.mkdir()
    config = load_config(_write(folder, "baseline: base/fleet.json\npolicies: [rules/]\n"))
    assert config.values["baseline"].value == str(folder / "base/fleet.json")
    assert config.values["policies"].value == [str(folder / "rules")]
    assert config.values["baseline"].where == f"{folder / 'auditor.yaml'}:1"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("timeout: 5\nbasline: x.json\n", 2, "unknown key 'basline'"),
        ("gate:\n  fail_on_violation: yes-please\n", 2, "expected boolean"),
        ("gate:\n  severity_threshold: severe\n", 2, "'severe' is not one of"),
        ("concurrency: 500\n", 1, "concurrency"),
        ("email:\n  to: [ops@example.com]\n  password: hunter22\n", 3, "AUDITOR_SMTP_PASSWORD"),
        ("accounts:\n  - {name: north, base_url: ftp://x}\n", 2, "api_key_env"),
        ("reports:\n  - {format: pdf, output: r.pdf}\n", 2, "'pdf' is not one of"),
        ("timeout: 5\ntimeout: 6\n", 2, "duplicate"),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert any(p.startswith(f"{path}:{line}:") and fragment in p for p in problems), problems


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, "timout: 5\ngate:\n  fail_on_drift: 3\nreports: nope\n")
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    assert [p.split(":")[1] for p in caught.value.problems] == ["1", "3", "4"]


def test_toml_errors_have_lines_too(tmp_path: Path) -> None:
    path = _write(tmp_path, "[project]\nname='x'\n\n[tool.auditor]\ntimeout = -1\n", "p.toml")
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    assert caught.value.problems[0].startswith(f"{path}:5:")


def _options(**flags: object) -> dict[str, Sourced]:
    return {name: Sourced(value, "flag", f"--{name}") for name, value in flags.items()}


def test_precedence_flag_over_env_over_file_over_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "timeout: 7\nconcurrency: 3\ngate: {severity_threshold: high}\n")

    def show(*args: str, env: dict[str, str] | None = None) -> dict[str, str]:
        result = CliRunner().invoke(cli, ["config", "show", *args], env=env)
        assert result.exit_code == 0, result.output
        rows = {}
        for line in result.output.splitlines()[1:]:
            name, rest = line.split(None, 1)
            rows[name] = rest
        return rows

    rows = show()
    assert rows["timeout"].split()[:2] == ["7.0", "file"]
    assert rows["gate.severity_threshold"].split()[:2] == ["high", "file"]
    assert rows["base_url"].endswith("default")
    rows = show(env={"AUDITOR_TIMEOUT": "9"})
    assert rows["timeout"].split()[:3] == ["9.0", "env", "(AUDITOR_TIMEOUT)"]
    rows = show("--timeout", "11", env={"AUDITOR_TIMEOUT": "9"})
    assert rows["timeout"].split()[:3] == ["11.0", "flag", "(--timeout)"]
    assert rows["concurrency"].split()[:2] == ["3", "file"]


def test_flags_beat_the_file_in_the_audit_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "gate: {fail_on_violation: true, severity_threshold: high}\n")
    settings = build_audit_settings(_options(severity_threshold="critical"))
    assert settings.gate.fail_on_violation is True
    assert settings.gate.severity_threshold is Severity.CRITICAL


def test_config_show_masks_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "email: {to: [ops@example.com], user: bot, password_env: MAIL_PW}\n")
    env = {"INTELLIXENT_API_KEY": "key-AAAA-1234-secret", "MAIL_PW": "pw-BBBB-5678-secret"}
    result = CliRunner().invoke(cli, ["config", "show", "-v"], env=env)
    assert result.exit_code == 0, result.output
    assert "key-AAAA" not in result.output
    assert "pw-BBBB" not in result.output
    assert "***" in result.output


def test_a_broken_config_is_exit_2_with_one_line_per_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "timout: 5\n")
    result = CliRunner().invoke(cli, ["config", "show"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: auditor.yaml:1: unknown key 'timout'")
    assert "Traceback" not in result.output
