"""`auditor init` end to end: what it writes validates, audits, and is never overwritten."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox

WRITTEN = {"auditor.yaml", "policies/team.yaml", "baselines/README.md"}


def run_in(folder: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    here = Path.cwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(cli, list(args), env=env)
    finally:
        os.chdir(here)


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_init_then_approve_and_audit_with_what_it_wrote(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    written = run_in(tmp_path, "init")
    assert written.exit_code == 0, written.output
    assert files_under(tmp_path) == WRITTEN | {".github/workflows/auditor-nightly.yml"}
    assert written.stdout.splitlines()[1:4] == [
        "  export INTELLIXENT_API_KEY=...   # the key, from your secret store",
        "  auditor snapshot approve         # approve tonight's fleet as the baseline",
        "  auditor audit                    # check it against the policies and the baseline",
    ]
    assert run_in(tmp_path, "policy", "validate").exit_code == 0
    shown = run_in(tmp_path, "config", "show")
    assert shown.exit_code == 0, shown.output
    assert "baselines/fleet.json" in shown.stdout

    env = {"INTELLIXENT_API_KEY": sandbox.api_key}
    approved = run_in(tmp_path, "snapshot", "approve", "--base-url", sandbox.base_url, env=env)
    assert approved.exit_code == 0, approved.output
    assert (tmp_path / "baselines/fleet.json").is_file()

    audited = run_in(tmp_path, "audit", "--base-url", sandbox.base_url, env=env)
    # the starter gate fails on high findings, and the sandbox fleet has some
    assert audited.exit_code == 1, audited.output
    assert (tmp_path / "out/report.html").is_file()
    assert (tmp_path / "out/report.json").is_file()
    assert "gate failed" in audited.stderr


def test_workflow_uses_the_action_and_no_package_index_name(tmp_path: Path) -> None:
    assert run_in(tmp_path, "init").exit_code == 0
    workflow = yaml.safe_load((tmp_path / ".github/workflows/auditor-nightly.yml").read_text())
    steps = workflow["jobs"]["audit"]["steps"]
    action = next(step for step in steps if step.get("id") == "auditor")
    assert action["uses"].startswith("YOUR-ORG/auditor@v")
    assert action["with"]["config"] == "auditor.yaml"
    assert not any("pip install auditor" in str(step.get("run", "")) for step in steps)


def test_gitlab_writes_gitlab_ci_from_the_repository(tmp_path: Path) -> None:
    written = run_in(tmp_path, "init", "--ci", "gitlab")
    assert written.exit_code == 0, written.output
    assert files_under(tmp_path) == WRITTEN | {".gitlab-ci.yml"}
    script = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())["auditor-nightly"]
    assert any("git+https://github.com/YOUR-ORG/auditor@v" in line for line in script["script"])


@pytest.mark.parametrize("existing", ["auditor.yaml", "policies/team.yaml"])
def test_init_never_overwrites_and_writes_nothing(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("mine\n")
    refused = run_in(tmp_path, "init")
    assert refused.exit_code == 2
    assert refused.stderr.startswith(f"error: nothing written: {existing} already exist")
    assert files_under(tmp_path) == {existing}
    assert (tmp_path / existing).read_text() == "mine\n"


def test_init_into_a_folder_with_a_base_url(tmp_path: Path) -> None:
    written = CliRunner().invoke(
        cli, ["init", "--dir", str(tmp_path), "--ci", "none", "--base-url", "https://v.example/api"]
    )
    assert written.exit_code == 0, written.output
    assert files_under(tmp_path) == WRITTEN
    assert 'base_url: "https://v.example/api"' in (tmp_path / "auditor.yaml").read_text()
    assert written.stdout.splitlines()[1].startswith(f"  cd {tmp_path}")


def test_init_into_a_missing_folder_is_exit_2(tmp_path: Path) -> None:
    refused = CliRunner().invoke(cli, ["init", "--dir", str(tmp_path / "nope")])
    assert refused.exit_code == 2
    assert "is not a folder" in refused.stderr


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_clicks_script(shell: str) -> None:
    printed = CliRunner().invoke(cli, ["completion", shell])
    assert printed.exit_code == 0, printed.output
    assert "_AUDITOR_COMPLETE" in printed.stdout


def test_completion_completes_commands_and_options() -> None:
    env = {"_AUDITOR_COMPLETE": "bash_complete", "COMP_WORDS": "auditor audit --fail-on-v"}
    env["COMP_CWORD"] = "2"
    completed = CliRunner().invoke(cli, [], env=env, prog_name="auditor")
    assert completed.stdout.splitlines() == ["plain,--fail-on-violation"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://ops:hunter2-pass@v.example/api", "must not hold a user name or password"),
        ("ftp://v.example/api", "--base-url must start with https://"),
        ("https://v.example/api\ngate: {}", "--base-url holds whitespace or control"),
    ],
)
def test_init_refuses_a_base_url_it_could_not_use(tmp_path: Path, url: str, message: str) -> None:
    refused = CliRunner().invoke(cli, ["init", "--dir", str(tmp_path), "--base-url", url])
    assert refused.exit_code == 2
    assert message in refused.stderr
    assert "hunter2" not in refused.output
    assert files_under(tmp_path) == set()


def test_a_hostile_base_url_cannot_add_keys_to_the_config(tmp_path: Path) -> None:
    url = "https://v.example/api/x:{gate:{fail_on_violation:false}}"
    written = CliRunner().invoke(cli, ["init", "--dir", str(tmp_path), "--base-url", url])
    assert written.exit_code == 0, written.output
    document = yaml.safe_load((tmp_path / "auditor.yaml").read_text())
    assert document["base_url"] == url
    assert document["gate"]["fail_on_violation"] is True


def test_init_refuses_a_base_url_with_a_fragment_and_writes_nothing(tmp_path: Path) -> None:
    url = "https://v.example/api#x:{gate:{fail_on_violation:false}}"
    written = CliRunner().invoke(cli, ["init", "--dir", str(tmp_path), "--base-url", url])
    assert written.exit_code == 2, written.output
    assert "must not have a query or fragment" in written.stderr
    assert not (tmp_path / "auditor.yaml").exists()
