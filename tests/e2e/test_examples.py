"""The files in examples/ work as shipped: the config samples load, and the CI workflows'
commands run the README's nightly walk-through against the sandbox."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from auditor import ci_action
from auditor.cli import cli
from auditor.config import load_config
from auditor.sandbox.server import RunningSandbox

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GITHUB = EXAMPLES / "github" / "auditor-nightly.yml"
GITLAB = EXAMPLES / "gitlab" / "auditor-nightly.gitlab-ci.yml"


@pytest.mark.parametrize("name", ["auditor.yaml", "auditor-accounts.yaml"])
def test_the_sample_configs_are_valid(name: str) -> None:
    config = load_config(EXAMPLES / name)
    assert "reports" in config.values
    assert config.values["fail_on_violation"].value is True


def _commands(workflow: Path) -> list[list[str]]:
    """Every ``auditor ...`` command line in a workflow's run/script steps; for GitHub,
    the command the auditor Action runs for the ``with:`` inputs of its step."""
    document: Any = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    scripts: list[str] = []
    if workflow == GITHUB:
        commands = []
        for job in document["jobs"].values():
            scripts += [step["run"] for step in job["steps"] if "run" in step]
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("YOUR-ORG/auditor@"):
                    env = {
                        f"INPUT_{name.upper().replace('-', '_')}": str(value)
                        for name, value in step.get("with", {}).items()
                    }
                    argv = ci_action.audit_argv(env, Path("out/action-report.json"))
                    commands.append(["auditor", *argv[3:]])
        assert not any("auditor " in script for script in scripts), "use the Action"
        return commands
    for job in document.values():
        scripts += job["script"]
    return [shlex.split(s) for s in scripts if s.strip().startswith("auditor ")]


def test_the_workflows_are_valid_and_run_auditor_with_the_config_file() -> None:
    github = yaml.safe_load(GITHUB.read_text(encoding="utf-8"))
    assert github["jobs"]["audit"]["steps"]
    assert yaml.safe_load(GITLAB.read_text(encoding="utf-8"))["auditor-nightly"]["artifacts"]
    for workflow in (GITHUB, GITLAB):
        (command,) = _commands(workflow)
        assert command[:4] == ["auditor", "audit", "--config", "auditor.yaml"]


@pytest.fixture
def nightly_repo(sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository laid out as the README says: auditor.yaml, policies/, baselines/."""
    text = (EXAMPLES / "auditor.yaml").read_text(encoding="utf-8")
    text = text.replace("https://portal.intellixent.ai/api", sandbox.base_url)
    (tmp_path / "auditor.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "team.yaml").write_text(
        "version: 1\ninclude: [builtin:default]\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTELLIXENT_API_KEY", sandbox.api_key)
    monkeypatch.setenv("AUDITOR_SMTP_PASSWORD", "smtp-pw-CANARY-77")
    monkeypatch.setenv("AUDITOR_EMAIL_DRY_RUN", str(tmp_path / "mail.eml"))
    return tmp_path


def _run(args: list[str]) -> Result:
    return CliRunner().invoke(cli, args)


@pytest.mark.parametrize("workflow", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_the_walk_through_with_each_workflows_command(
    nightly_repo: Path, workflow: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    approved = _run(["snapshot", "approve", "-o", "baselines/fleet.json"])
    assert approved.exit_code == 0, approved.output
    shown = _run(["config", "show"])
    assert shown.exit_code == 0, shown.output
    assert "baselines/fleet.json" in shown.stdout
    assert "smtp-pw-CANARY-77" not in shown.stdout
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(nightly_repo / "summary.md"))
    (command,) = _commands(workflow)
    result = _run(command[1:])
    # the sample fleet has high-severity findings; the gate comes from auditor.yaml
    assert result.exit_code == 1, result.output
    assert "gate failed: " in result.stderr
    report = json.loads((nightly_repo / "out/report.json").read_text(encoding="utf-8"))
    assert report["summary"]["gate"]["failed"] is True
    assert report["summary"]["drift"] == {"added": 0, "removed": 0, "changed": 0}
    assert "<html" in (nightly_repo / "out/report.html").read_text(encoding="utf-8")
    assert (nightly_repo / "out/junit.xml").read_text(encoding="utf-8").startswith("<?xml")
    if workflow == GITHUB:
        assert result.stdout.startswith("::")
        sarif = json.loads((nightly_repo / "out/auditor.sarif").read_text(encoding="utf-8"))
        assert sarif["version"] == "2.1.0"
    assert (nightly_repo / "mail.eml").read_bytes().startswith(b"Subject: [auditor] ")
