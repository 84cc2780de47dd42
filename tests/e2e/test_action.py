"""The GitHub Action (action.yml) run the way the runner runs a composite action.

The runner evaluates ``${{ inputs.* }}`` and ``${{ github.* }}`` in each step's ``env``
and runs its ``run`` script with ``bash --noprofile --norc -eo pipefail``; ``uses``
steps (actions/setup-python) are other actions and are left out here, the machine's
Python standing in for the one it sets up. The install step really installs auditor
from the action's checkout into a fresh virtual environment, and the audit step runs
against the sandbox over HTTP.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

import pytest
import yaml

from auditor import ci_action
from auditor.sandbox.server import RunningSandbox

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
_EXPRESSION = re.compile(r"\$\{\{\s*(inputs|github)\.([\w-]+)\s*\}\}")


def _evaluate(value: str, inputs: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        scope, name = match.groups()
        if scope == "github":
            assert name == "action_path", f"the test runner knows only github.action_path: {name}"
            return str(ROOT)
        return inputs[name]

    return _EXPRESSION.sub(one, value)


def _inputs(given: dict[str, str]) -> dict[str, str]:
    unknown = set(given) - set(ACTION["inputs"])
    assert not unknown, f"not inputs of action.yml: {unknown}"
    return {
        name: given.get(name, spec.get("default", "")) for name, spec in ACTION["inputs"].items()
    }


def run_action(
    given: dict[str, str], workspace: Path, base_env: dict[str, str], bin_dir: Path
) -> tuple[dict[str, str], list[subprocess.CompletedProcess[str]]]:
    """Run every ``run`` step of action.yml; the step outputs of ``audit`` and each result."""
    inputs = _inputs(given)
    output_file = workspace / "github_output"
    output_file.write_text("")
    done: list[subprocess.CompletedProcess[str]] = []
    for step in ACTION["runs"]["steps"]:
        if "run" not in step:
            continue
        env = dict(base_env)
        env.update({k: _evaluate(str(v), inputs) for k, v in step.get("env", {}).items()})
        env.update(
            GITHUB_OUTPUT=str(output_file),
            GITHUB_STEP_SUMMARY=str(workspace / "step_summary.md"),
            GITHUB_ACTIONS="true",
            RUNNER_TEMP=str(workspace / "runner_temp"),
            PATH=f"{bin_dir}{os.pathsep}{base_env.get('PATH', '')}",
        )
        (workspace / "runner_temp").mkdir(exist_ok=True)
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        done.append(result)
        if result.returncode != 0:
            break
    lines = output_file.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line), done


def test_the_action_is_composite_and_pastes_no_input_into_a_script() -> None:
    assert ACTION["runs"]["using"] == "composite"
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), f"an expression in a run script: {step}"
    for name in ("violations", "new", "drifted", "gate"):
        assert "steps.audit.outputs" in ACTION["outputs"][name]["value"]
    install = next(s for s in ACTION["runs"]["steps"] if "pip install" in s.get("run", ""))
    assert "$AUDITOR_ACTION_PATH" in install["run"]
    assert install["env"]["AUDITOR_ACTION_PATH"] == "${{ github.action_path }}"


@pytest.fixture(scope="module")
def action_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment (seeing this machine's packages, so only auditor
    itself is installed into it by the action's install step)."""
    folder = tmp_path_factory.mktemp("action-venv")
    venv.EnvBuilder(with_pip=True, system_site_packages=True).create(folder)
    return folder / "bin"


def test_the_action_installs_from_its_checkout_and_audits_the_sandbox(
    action_venv: Path, make_sandbox: Any, tmp_path: Path
) -> None:
    sandbox: RunningSandbox = make_sandbox()
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    base_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "INTELLIXENT_BASE_URL": sandbox.base_url,
        "INTELLIXENT_API_KEY": sandbox.api_key,
    }
    hostile = "out/r.html; touch PWNED $(touch PWNED2)"
    outputs, steps = run_action(
        {
            "sarif": "out/auditor.sarif",
            "junit": "out/junit.xml",
            "html": hostile,
            "fail-on-violation": "true",
            "args": "--severity-threshold critical",
        },
        workspace,
        base_env,
        action_venv,
    )
    install, audit = steps
    assert install.returncode == 0, install.stderr
    installed = subprocess.run(
        [str(action_venv / "python"), "-c", "import auditor; print(auditor.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert installed.stdout.startswith(str(action_venv.parent)), "not installed into the venv"

    # the sandbox fleet has a critical finding (a secret in a prompt): the gate trips
    assert audit.returncode == 1, audit.stderr
    assert outputs["gate"] == "failed"
    assert outputs["exit-code"] == "1"
    assert int(outputs["violations"]) > 0
    assert outputs["drifted"] == "0"
    assert outputs["new"] == ""  # no baseline, no history: nothing to compare with
    assert "::error " in audit.stdout
    assert (workspace / "out/auditor.sarif").is_file()
    assert (workspace / "out/junit.xml").is_file()
    assert (workspace / hostile).is_file(), "the input is a file name, not shell code"
    assert not (workspace / "PWNED").exists()
    assert not (workspace / "PWNED2").exists()
    assert (workspace / "step_summary.md").read_text().strip()
    assert sandbox.api_key not in audit.stdout + audit.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"INPUT_FAIL_ON_NEW": "maybe"}, "input fail-on-new: 'maybe' is not true or false"),
        ({"INPUT_ARGS": "--select 'unclosed"}, "input args: No closing quotation"),
    ],
)
def test_a_bad_input_is_named(env: dict[str, str], message: str, tmp_path: Path) -> None:
    with pytest.raises(ci_action.InputError, match=re.escape(message)):
        ci_action.audit_argv(env, tmp_path / "r.json")


def test_inputs_become_one_argument_list() -> None:
    argv = ci_action.audit_argv(
        {
            "INPUT_ANNOTATIONS": "false",
            "INPUT_SARIF": "a b.sarif",
            "INPUT_ARGS": "--filter 'name=A B'",
        },
        Path("r.json"),
    )
    assert argv[:4] == [sys.executable, "-m", "auditor", "audit"]
    sarif = ["--format", "sarif", "-o", "a b.sarif"]
    assert argv[4:] == [*sarif, "--format", "json", "-o", "r.json", "--filter", "name=A B"]


def test_outputs_of_a_report() -> None:
    report = {
        "summary": {
            "violations": 5,
            "new": 2,
            "drift": {"added": 1, "removed": 0, "changed": 3},
            "gate": {"failed": False, "reason": ""},
        }
    }
    assert ci_action.outputs_of(report, 0) == {
        "violations": "5",
        "new": "2",
        "drifted": "4",
        "gate": "passed",
        "exit-code": "0",
    }
