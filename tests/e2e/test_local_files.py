"""Local files and names auditor is handed (issue 15): format characters in reports,
account names, snapshots and baselines that are not regular files, nesting, strict JSON.

Each test drives the real CLI against the sandbox over HTTP, or against files on disk.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox
from tests.unit.report.test_github import parse as parse_commands

INVISIBLE = "\u200b\ufeff\u00ad\U000e0041\U000e007f\u202a\u202e\u2066\u2069\u2060"
"""Zero-width space, BOM, soft hyphen, two tag characters, bidi embedding/override and
isolates, word joiner: every one Unicode category Cf."""


def invoke(*args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def _format_characters(text: str) -> list[str]:
    return [char for char in text if unicodedata.category(char) == "Cf"]


def test_format_characters_are_escaped_in_text_and_github_output(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    fleet = sandbox.fleet
    fleet[0] = {
        **fleet[0],
        "name": f"Sa{INVISIBLE}les",
        "type": "outbound",
        "status": "active",
        "initial_message": f"Hi{INVISIBLE} there",  # no AI disclosure: a finding
    }
    sandbox.set_fleet(fleet)
    github = tmp_path / "r.github"
    result = invoke("audit", *api, "--format", "github", "-o", str(github))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "outbound-ai-disclosure" in text
    assert _format_characters(text) == []
    assert (
        "Sa\\u200b\\ufeff\\xad\\U000e0041\\U000e007f\\u202a\\u202e\\u2066\\u2069\\u2060les" in text
    )
    output = github.read_text(encoding="utf-8")
    assert _format_characters(output) == []
    commands = parse_commands(output)
    assert any("Sa\\u200b\\ufeff" in command.data for command in commands)
