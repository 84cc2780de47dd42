"""The GitHub Action's audit step: inputs from the environment, outputs for the workflow.

``action.yml`` runs ``python -m auditor.ci_action`` with each input in an ``INPUT_*``
environment variable. Inputs are never pasted into a shell script (a workflow input or
a pull request title in ``${{ }}`` inside ``run:`` is script injection); here they are
split like a shell would (``shlex``, no expansion) into the argument list of one
``auditor audit`` process. The JSON report it writes gives the step's outputs
(``violations``, ``new``, ``drifted``, ``gate``, ``exit-code``), appended to
``$GITHUB_OUTPUT``; the step exits with the audit's own exit code.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off", ""}


class InputError(ValueError):
    """An action input that cannot be used; its message names the input."""


def audit_argv(env: Mapping[str, str], report_json: Path) -> list[str]:
    """The ``auditor audit …`` argument list the inputs in ``env`` ask for."""
    argv = [sys.executable, "-m", "auditor", "audit"]
    config = env.get("INPUT_CONFIG", "").strip()
    if config:  # a missing file is auditor's own exit 2, with its usual line
        argv += ["--config", config]
    if _flag(env, "INPUT_ANNOTATIONS", default=True):
        argv += ["--format", "github", "-o", "-"]
    for name, fmt in (("INPUT_SARIF", "sarif"), ("INPUT_JUNIT", "junit"), ("INPUT_HTML", "html")):
        path = env.get(name, "").strip()
        if path:
            argv += ["--format", fmt, "-o", path]
    argv += ["--format", "json", "-o", str(report_json)]
    if _flag(env, "INPUT_FAIL_ON_NEW", default=False):
        argv.append("--fail-on-new")
    if _flag(env, "INPUT_FAIL_ON_VIOLATION", default=False):
        argv.append("--fail-on-violation")
    try:
        argv += shlex.split(env.get("INPUT_ARGS", ""))
    except ValueError as exc:
        raise InputError(f"input args: {exc} (quote it as a shell would)") from None
    return argv


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False if word else default
    label = name.removeprefix("INPUT_").lower().replace("_", "-")
    raise InputError(f"input {label}: {raw!r} is not true or false")


def outputs_of(report: Mapping[str, Any], exit_code: int) -> dict[str, str]:
    """The step outputs from a JSON report (``new`` is empty when nothing was compared)."""
    summary = report.get("summary", {})
    drift = summary.get("drift") or {}
    drifted = sum(int(drift.get(kind) or 0) for kind in ("added", "removed", "changed"))
    new = summary.get("new")
    gate = summary.get("gate") or {}
    return {
        "violations": str(int(summary.get("violations") or 0)),
        "new": "" if new is None else str(int(new)),
        "drifted": str(drifted),
        "gate": "failed" if gate.get("failed") else "passed",
        "exit-code": str(exit_code),
    }


def write_outputs(path: str, outputs: Mapping[str, str]) -> None:
    """Append ``name=value`` lines to ``$GITHUB_OUTPUT`` (values here are single-line)."""
    with open(path, "a", encoding="utf-8") as stream:
        for name, value in outputs.items():
            stream.write(f"{name}={value}\n")


def main() -> int:
    """Run the audit the inputs ask for; the audit's exit code (2 for a bad input)."""
    env = os.environ
    report_json = Path(env.get("RUNNER_TEMP") or ".") / "auditor-action-report.json"
    try:
        argv = audit_argv(env, report_json)
    except InputError as exc:
        print(f"::error title=auditor action::{exc}", flush=True)
        return 2
    exit_code = subprocess.run(argv, check=False).returncode
    github_output = env.get("GITHUB_OUTPUT")
    if github_output:
        try:
            report = json.loads(report_json.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            report = {}  # no report (exit 2/3 before one was written): outputs say so
        outputs = outputs_of(report, exit_code) if report else {"exit-code": str(exit_code)}
        write_outputs(github_output, outputs)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
