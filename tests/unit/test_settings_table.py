"""The table of settings: one row reaches click, the config file and ``config show``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from auditor.cli import given_options, table_options
from auditor.commands.config import run_show, shown_rows
from auditor.configcheck import CONFIG_SCHEMA
from auditor.errors import ConfigFileError
from auditor.resolve import resolve
from auditor.settings_table import SETTINGS, Setting, default_of

THROWAWAY = Setting(
    "max_widgets", ("--max-widgets",), "AUDITOR_MAX_WIDGETS", ("gate", "max_widgets")
)
THROWAWAY = THROWAWAY._replace(type="int", low=1, high=99, default=5, metavar="N")
THROWAWAY = THROWAWAY._replace(commands=("audit",), shown="gate.max_widgets", help_default=True)
THROWAWAY = THROWAWAY._replace(help="The most widgets a run may meet")
"""A setting the product does not have: one row, and nothing else touched."""
TABLE = (*SETTINGS, THROWAWAY)


def _command() -> click.Command:
    """An ``audit``-like command built from the table with the throwaway row."""

    @click.command()
    @table_options("audit", TABLE)
    @click.pass_context
    def audit(ctx: click.Context, **values: Any) -> None:
        resolved = resolve(given_options(ctx, values), table=TABLE)["max_widgets"]
        click.echo(f"{resolved.value} {resolved.origin} {resolved.where}")

    return audit


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("AUDITOR_MAX_WIDGETS", "AUDITOR_CONFIG", "INTELLIXENT_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_a_new_row_is_a_click_option_with_its_help(in_tmp: Path) -> None:
    shown = CliRunner().invoke(_command(), ["--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "--max-widgets N" in shown.output
    assert "The most widgets a run may meet  [env AUDITOR_MAX_WIDGETS; default 5]" in shown.output
    assert "1<=x<=99" in shown.output


@pytest.mark.parametrize(
    ("args", "env", "file", "expected"),
    [
        ([], None, None, "5 default "),
        ([], None, "gate: {max_widgets: 9}\n", "9 file auditor.yaml:1"),
        ([], "7", "gate: {max_widgets: 9}\n", "7 env AUDITOR_MAX_WIDGETS"),
        (["--max-widgets", "3"], "7", "gate: {max_widgets: 9}\n", "3 flag --max-widgets"),
    ],
)
def test_a_new_row_takes_flag_over_env_over_file_over_default(
    in_tmp: Path, args: list[str], env: str | None, file: str | None, expected: str
) -> None:
    if file is not None:
        (in_tmp / "auditor.yaml").write_text(file)
    environment = {"AUDITOR_MAX_WIDGETS": env} if env is not None else {}
    result = CliRunner().invoke(_command(), args, env=environment)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected.strip()


def test_a_new_row_is_checked_in_the_config_file_at_its_line(in_tmp: Path) -> None:
    (in_tmp / "auditor.yaml").write_text("timeout: 10\ngate:\n  max_widgets: 500\n")
    with pytest.raises(ConfigFileError) as caught:
        resolve({}, table=TABLE)
    assert caught.value.problems == [
        "auditor.yaml:3: gate.max_widgets: 500 is greater than the maximum of 99"
    ]


def test_the_real_table_does_not_know_the_throwaway_key(in_tmp: Path) -> None:
    assert "max_widgets" not in CONFIG_SCHEMA["properties"]["gate"]["properties"]
    (in_tmp / "auditor.yaml").write_text("gate: {max_widgets: 9}\n")
    with pytest.raises(ConfigFileError, match=r"unknown key 'gate\.max_widgets'"):
        resolve({})


def test_a_new_row_is_a_line_of_config_show(
    in_tmp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (in_tmp / "auditor.yaml").write_text("gate:\n  max_widgets: 9\n")
    assert run_show({}, TABLE) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("gate.max_widgets"))
    assert line.split() == ["gate.max_widgets", "9", "file", "(auditor.yaml:2)"]
    assert [row.name for row in shown_rows(TABLE)].index("max_widgets") > [
        row.name for row in shown_rows(TABLE)
    ].index("fail_on_new")


def test_every_default_is_the_tables() -> None:
    from auditor.settings import (
        ApiSettings,
        DemoSettings,
        DriftSettings,
        EmailSettings,
        GateSettings,
        SandboxSettings,
    )

    api, sandbox, demo = ApiSettings(), SandboxSettings(), DemoSettings()
    assert (api.base_url, api.timeout, api.retry_budget, api.concurrency) == tuple(
        default_of(n) for n in ("base_url", "timeout", "retry_budget", "concurrency")
    )
    assert (sandbox.port, sandbox.count, sandbox.seed, sandbox.host) == tuple(
        default_of(n) for n in ("port", "sandbox_count", "seed", "host")
    )
    assert demo.count == default_of("demo_count")
    assert str(GateSettings().severity_threshold) == default_of("severity_threshold")
    assert DriftSettings().ignore_fields == default_of("ignore_fields")
    assert EmailSettings().on == default_of("email_on")


def test_names_are_unique_and_every_flagged_row_is_taken_by_a_command() -> None:
    names = [row.name for row in SETTINGS]
    assert len(names) == len(set(names))
    for row in SETTINGS:
        assert not row.flags or row.commands, row.name
        assert row.help or not row.flags or row.name == "framework_format", row.name
