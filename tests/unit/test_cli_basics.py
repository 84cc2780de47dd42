"""The CLI's frame: version, help, global options before and after the command."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from auditor._version import __version__
from auditor.cli import cli


def test_version_prints_the_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"auditor {__version__}"


def test_version_imports_nothing_heavy() -> None:
    code = (
        "import sys; from auditor.cli import cli\n"
        "try:\n    cli.main(['--version'], standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('requests', 'yaml', 'deepdiff', 'jinja2', 'jsonschema', 'urllib3')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out.splitlines()[-1] == "HEAVY="


@pytest.mark.parametrize(
    "args", [["--help"], ["audit", "--help"], ["config", "show", "--help"], ["sandbox", "--help"]]
)
def test_help_imports_no_settings_model_or_parser(args: list[str]) -> None:
    """``--help`` loads click, the table of settings and the option words: nothing else
    (the settings dataclasses and the domain model cost more than click itself)."""
    code = (
        "import sys; from auditor.cli import cli\n"
        f"try:\n    cli.main({args!r}, standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        "loaded = [m for m in ('auditor.settings', 'auditor.model', 'auditor.resolve', "
        "'auditor.config', 'yaml', 'jsonschema', 'requests', 'logging') if m in sys.modules]\n"
        "print('LOADED=' + ','.join(loaded))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out.splitlines()[-1] == "LOADED="


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("audit", "fetch", "snapshot", "diff", "policy", "sandbox", "demo", "config"):
        assert command in result.output


def test_severity_words_are_the_enum_names_mildest_first() -> None:
    from auditor.choices import SEVERITY_CHOICES
    from auditor.model import Severity

    assert tuple(str(s) for s in sorted(Severity)) == SEVERITY_CHOICES
