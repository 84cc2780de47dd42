"""The README's "Exit codes" table is what the CLI does.

The table is parsed from README.md and must list exactly the ``EXIT_*`` constants of
``auditor.errors``; for each row a real run through the CLI produces that code (130:
Ctrl-C, simulated here in-process; ``test_interrupt.py`` sends a real SIGINT), with the
one stderr line the README promises for 2 and 3. ``auditor --help`` lists the same codes,
and SECURITY.md names only test files that exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import auditor.errors as errors
from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox

README = Path(__file__).resolve().parent.parent.parent / "README.md"


def readme_exit_codes() -> dict[int, str]:
    """``{code: meaning}`` from the table under ``## Exit codes``."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Exit codes\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, flags=re.MULTILINE)
    assert rows, "no table under ## Exit codes in README.md"
    return {int(code): meaning for code, meaning in rows}


CONSTANTS = {name: value for name, value in vars(errors).items() if name.startswith("EXIT_")}


def test_the_readme_table_lists_exactly_the_codes_in_errors_py() -> None:
    table = readme_exit_codes()
    assert sorted(table) == sorted(CONSTANTS.values())
    assert len(set(CONSTANTS.values())) == len(CONSTANTS)


def test_each_error_type_has_its_documented_code() -> None:
    assert errors.ConfigError("x").exit_code == errors.EXIT_USAGE
    assert errors.PolicyError(["x"]).exit_code == errors.EXIT_USAGE
    assert errors.SnapshotError("x").exit_code == errors.EXIT_USAGE
    assert errors.FetchError("x").exit_code == errors.EXIT_FETCH
    assert errors.AuthError("x").exit_code == errors.EXIT_FETCH
    assert errors.IncompleteListingError("x").exit_code == errors.EXIT_FETCH
    assert errors.DeliveryError("x").exit_code == errors.EXIT_DELIVERY


def test_help_lists_the_same_codes() -> None:
    text = " ".join(CliRunner().invoke(cli, ["--help"]).stdout.split())
    listed = {int(code) for code in re.findall(r"(\d+) (?:ok|gate|usage|the API|report)", text)}
    assert listed == set(readme_exit_codes()) - {errors.EXIT_INTERRUPTED, errors.EXIT_BROKEN_PIPE}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def api(sandbox: RunningSandbox, key: str | None = None) -> list[str]:
    return ["--base-url", sandbox.base_url, "--api-key", key or sandbox.api_key]


def run_0(sandbox: RunningSandbox, tmp_path: Path) -> Result:
    """No gate requested: findings are reported, the run passes."""
    result = invoke("audit", *api(sandbox))
    assert "violations" in result.stdout
    return result


def run_1(sandbox: RunningSandbox, tmp_path: Path) -> Result:
    """The sample fleet has violations at or above the threshold."""
    result = invoke("audit", *api(sandbox), "--fail-on-violation", "--severity-threshold", "high")
    assert result.stderr.startswith("gate failed: ")
    return result


def run_2(sandbox: RunningSandbox, tmp_path: Path) -> Result:
    """A policy error: found before anything is fetched or written."""
    policy = tmp_path / "bad.yaml"
    policy.write_text("version: 1\nrules:\n  - id: x\n    require: {record: {equal: 1}}\n")
    result = invoke("audit", *api(sandbox), "--policy", str(policy), "-o", str(tmp_path / "r.json"))
    assert sandbox.request_count == 0
    assert not (tmp_path / "r.json").exists()
    return result


def run_3(sandbox: RunningSandbox, tmp_path: Path) -> Result:
    """The API rejects the key."""
    result = invoke("audit", *api(sandbox, "wrong-key-0000"), "-o", str(tmp_path / "r.json"))
    assert not (tmp_path / "r.json").exists()
    return result


def run_4(sandbox: RunningSandbox, tmp_path: Path) -> Result:
    """The reports are written, then the mail cannot be delivered (nobody on port 9)."""
    report = tmp_path / "r.json"
    mail = ["--email-to", "ops@example.com", "--smtp-host", "127.0.0.1", "--smtp-port", "9"]
    result = invoke("audit", *api(sandbox), "-o", str(report), *mail)
    assert report.exists()
    return result


def run_130(sandbox: RunningSandbox, tmp_path: Path) -> Result:
    """Ctrl-C during the fetch (a real SIGINT: tests/e2e/test_interrupt.py)."""
    import auditor.api

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    target = tmp_path / "fleet.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auditor.api.ApiClient, "pages", interrupted)
        result = invoke("fetch", *api(sandbox), "-o", str(target))
    assert result.stderr == "interrupted: nothing was written; run the command again\n"
    assert not target.exists()
    return result


def run_141(sandbox: RunningSandbox, tmp_path: Path) -> Result:
    """The reader of stdout went away (a real closed pipe: tests/e2e/test_interrupt.py)."""

    def closed(*args: object, **kwargs: object) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(click, "echo", closed)
        result = invoke("policy", "validate")
    assert result.stderr == ""
    return result


SCENARIOS: dict[int, Callable[[RunningSandbox, Path], Result]] = {
    errors.EXIT_OK: run_0,
    errors.EXIT_GATE: run_1,
    errors.EXIT_USAGE: run_2,
    errors.EXIT_FETCH: run_3,
    errors.EXIT_DELIVERY: run_4,
    errors.EXIT_INTERRUPTED: run_130,
    errors.EXIT_BROKEN_PIPE: run_141,
}


def test_every_documented_code_has_a_scenario() -> None:
    assert set(SCENARIOS) == set(readme_exit_codes())


@pytest.mark.parametrize("code", sorted(readme_exit_codes()))
def test_the_cli_gives_each_documented_code(
    code: int, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    result = SCENARIOS[code](sandbox, tmp_path)
    assert result.exit_code == code, (readme_exit_codes()[code], result.output)
    assert "Traceback" not in result.output
    if code in (errors.EXIT_USAGE, errors.EXIT_FETCH):  # "always print one line on stderr"
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ")


def test_security_md_names_only_tests_that_exist() -> None:
    """SECURITY.md says how each promise is tested; the files it names must be there."""
    root = README.parent
    named = re.findall(r"`(tests/[\w/.]+)`", (root / "SECURITY.md").read_text(encoding="utf-8"))
    assert len(named) >= 10
    for path in named:
        assert (root / path).exists(), f"SECURITY.md names {path}, which does not exist"
