"""`auditor policy validate | test | list` end to end: the real CLI on real files."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.policy.loader import display_path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "policies"
FIVE = DATA / "broken" / "five_mistakes.yaml"
TEAM = DATA / "team" / "team.yaml"


@pytest.fixture(autouse=True)
def _no_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def auditor(*args: str) -> Result:
    return CliRunner().invoke(cli, ["policy", *args])


# -- validate -------------------------------------------------------------------------------


def test_validate_the_bundled_pack() -> None:
    result = auditor("validate")
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 22 rules in 1 file\n"
    assert result.stderr == ""


def test_validate_quietly() -> None:
    result = CliRunner().invoke(cli, ["-q", "policy", "validate", str(TEAM)])
    assert result.exit_code == 0
    assert result.stdout == ""


def test_validate_names_every_mistake_with_file_and_line() -> None:
    result = auditor("validate", str(FIVE))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    name = display_path(FIVE)
    assert [line.split(": ", 2)[1].rsplit(":", 1)[1] for line in lines[:5]] == [
        "6",
        "7",
        "9",
        "10",
        "11",
    ]
    assert all(line.startswith(f"error: {name}:") for line in lines[:5])
    assert lines[5] == "error: 5 problems found; fix them and run again"
    assert "Traceback" not in result.output


def test_validate_a_single_problem_is_one_line() -> None:
    result = auditor("validate", str(DATA / "cycle" / "a.yaml"))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {display_path(DATA / 'cycle' / 'b.yaml')}:3: include cycle: ")


def test_validate_several_files_and_includes() -> None:
    result = auditor("validate", str(TEAM), str(ROOT / "policies" / "default.yaml"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "ok: 23 rules in 2 files\n"
    assert result.stderr.startswith("warning: ")
    assert "expired on 2024-01-31" in result.stderr


def test_validate_a_missing_file() -> None:
    result = auditor("validate", "nope.yaml")
    assert result.exit_code == 2
    assert result.stderr == "error: nope.yaml: no such file or folder\n"


def test_validate_as_a_pre_commit_hook(tmp_path: Path) -> None:
    """pre-commit runs the hook's entry with the changed files as arguments."""
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry = {h["id"]: h["entry"] for h in hooks}["auditor-policy-validate"]
    assert entry == "auditor policy validate"
    good = tmp_path / "policies" / "team.yaml"
    good.parent.mkdir()
    good.write_text("include: [builtin:default]\nrules:\n  - {id: mine, require: {x: 1}}\n")
    bad = tmp_path / "policies" / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    require: {x: {lt: high}}\n    severity: urgent\n")
    command = [sys.executable, "-m", "auditor", *entry.split()[1:]]
    ok = subprocess.run(
        [*command, "policies/team.yaml"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "ok: 23 rules in 2 files\n"
    failed = subprocess.run(
        [*command, "policies/team.yaml", "policies/bad.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert failed.returncode == 2
    assert (
        failed.stderr == "error: policies/bad.yaml:4: unknown severity 'urgent'; "
        "use one of: info, low, medium, high, critical\n"
    )


# -- test ---------------------------------------------------------------------------------------


def test_test_runs_the_bundled_tests() -> None:
    result = auditor("test")
    assert result.exit_code == 0, result.output
    passed = result.stdout.strip().splitlines()[-1]
    assert passed.endswith(" passed, 0 failed")
    assert int(passed.split()[0]) >= 42


def test_test_a_folder_verbosely() -> None:
    result = CliRunner().invoke(cli, ["-v", "policy", "test", str(DATA / "team")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"ok   {display_path(DATA / 'team' / 'team_test.yaml')}:")
    assert lines[-1] == "3 passed, 0 failed"


def test_a_failing_case_exits_1_and_says_why(tmp_path: Path) -> None:
    test_file = tmp_path / "team_test.yaml"
    test_file.write_text(
        f"""policy: {TEAM}
today: 2026-06-01
base: {{id: 5, uuid: a, name: Sales, status: active, record: true, max_duration: 600,
        phone_number_id: 1, mode: pipeline, llm_model_id: 2}}
cases:
  - name: passes
    expect: {{violations: []}}
  - name: wrong expectation
    assistant: {{max_duration: 7200}}
    expect:
      violations: [recording-enabled]
      messages: {{max-duration: "must be ≤ 1800"}}
""",
        encoding="utf-8",
    )
    result = auditor("test", str(test_file))
    assert result.exit_code == 1
    name = display_path(test_file)
    assert result.stdout.splitlines() == [
        f"FAIL {name}:8: wrong expectation",
        "  - recording-enabled: expected a violation, got none",
        "  + max-duration: unexpected violation: max_duration must be ≤ 3600, is 7200",
        "  ~ max-duration: expected 'must be ≤ 1800' in the message, "
        "got 'max_duration must be ≤ 3600, is 7200'",
        "1 passed, 1 failed",
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("policy: nope.yaml\ncases: [{expect: {violations: []}}]\n", 1, "policy: "),
        (f"policy: {TEAM}\ncases: []\n", 2, "cases must be a non-empty list"),
        (
            f"policy: {TEAM}\ncases:\n  - name: x\n    expect: {{violations: [max-duraton]}}\n",
            4,
            "names rule 'max-duraton', which the policy does not define "
            "(did you mean 'max-duration'?)",
        ),
        (
            f"policy: {TEAM}\ncases:\n  - name: x\n    expect: {{violatons: []}}\n",
            4,
            "unknown expect key 'violatons' (did you mean 'violations'?)",
        ),
        (
            f"policy: {TEAM}\ncases:\n  - name: x\n    assistent: {{}}\n"
            "    expect: {violations: []}\n",
            4,
            "unknown case key 'assistent'",
        ),
        (f"policy: {TEAM}\ncases:\n  - name: x\n", 3, "expect must say what happens"),
        (
            f"policy: {TEAM}\ntoday: soon\ncases: [{{expect: {{violations: []}}}}]\n",
            2,
            "today takes a date",
        ),
        ("cases: [\n", 2, "invalid YAML"),
    ],
)
def test_a_broken_test_file_exits_2(tmp_path: Path, text: str, line: int, message: str) -> None:
    test_file = tmp_path / "x_test.yaml"
    test_file.write_text(text, encoding="utf-8")
    result = auditor("test", str(test_file))
    assert result.exit_code == 2, result.output
    assert f"{display_path(test_file)}:{line}: " in result.stderr
    assert message in result.stderr


def test_a_test_file_without_a_policy_tests_its_sibling(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text("rules:\n  - {id: r, require: {x: 1}}\n", encoding="utf-8")
    (tmp_path / "mine_test.yaml").write_text(
        "cases:\n"
        "  - {assistant: {x: 2}, expect: {violations: [r]}}\n"
        "  - {assistant: {x: 1}, expect: {pass: [r]}}\n",
        encoding="utf-8",
    )
    result = auditor("test", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "2 passed, 0 failed\n"


def test_a_broken_policy_under_test_exits_2() -> None:
    result = auditor("test", str(ROOT / "tests" / "data" / "policies" / "broken"))
    assert result.exit_code == 2
    assert "no policy test files" in result.stderr


# -- list -------------------------------------------------------------------------------------


def test_list_is_an_aligned_table() -> None:
    result = auditor("list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["ID", "SEVERITY", "TITLE"]
    assert len(lines) == 23
    column = lines[0].index("SEVERITY")
    assert all(line[column - 2 : column] == "  " for line in lines)
    assert any(line.startswith("max-duration ") and " medium " in line for line in lines)


def test_list_with_select_and_ignore() -> None:
    result = auditor("list", "--select", "*-range", "--ignore", "temperature-range")
    assert result.exit_code == 0
    ids = [line.split()[0] for line in result.stdout.splitlines()[1:]]
    assert len(ids) == 7
    assert all(i.endswith("-range") for i in ids)
    assert "temperature-range" not in ids


def test_list_with_an_unknown_rule_id_exits_2_with_a_suggestion() -> None:
    result = auditor("list", "--select", "max-duraton")
    assert result.exit_code == 2
    assert "unknown rule id 'max-duraton' (did you mean 'max-duration'?)" in result.stderr


def test_list_json() -> None:
    result = auditor("list", "--format", "json", "--policy", str(TEAM))
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    rules = {r["id"]: r for r in data["rules"]}
    assert rules["eu-language"]["severity"] == "high"
    assert rules["eu-language"]["checks"] == (
        "when variables.region is 'eu': language_id is one of 'de', 'fr', 'it', 'es' or 'nl'"
    )
    assert rules["max-duration"]["params"] == ["max_duration_seconds"]
    assert data["params"]["max_duration_seconds"]["value"] == 3600
    assert data["params"]["max_duration_seconds"]["source"].endswith("team.yaml:6")


def test_list_markdown_for_a_team_pack() -> None:
    result = auditor(
        "list", "--format", "markdown", "--policy", str(TEAM), "--select", "eu-language"
    )
    assert result.exit_code == 0
    text = result.stdout
    assert "1 rule from `default.yaml`, `team.yaml`. Each" in text
    assert "### `eu-language`" in text
    assert "**Checks:** when `variables.region` is 'eu'" in text
    assert "| `max_duration_seconds` | `3600` | (no rule in force) |" in text


# -- bounded YAML -------------------------------------------------------------------------------


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "command", ["policy validate", "policy list", "policy test", "audit --policy", "config show"]
)
def test_an_alias_bomb_is_exit_2_with_one_line_at_once(tmp_path: Path, command: str) -> None:
    bomb = _bomb()
    policy = tmp_path / "bomb.yaml"
    policy.write_text(
        f"version: 1\n{bomb}rules:\n  - {{id: r, require: {{x: {{in: *a8}}}}}}\n",
        encoding="utf-8",
    )
    test_file = tmp_path / "bomb_test.yaml"
    test_file.write_text(f"{bomb}cases: *a8\n", encoding="utf-8")
    config = tmp_path / "team-config.yaml"
    config.write_text(f"{bomb}ignore_fields: *a8\n", encoding="utf-8")
    args, bad, line = {
        "policy validate": (["policy", "validate", str(policy)], policy, 12),
        "policy list": (["policy", "list", "--policy", str(policy)], policy, 12),
        "policy test": (["policy", "test", str(test_file)], test_file, 10),
        "audit --policy": (
            ["--base-url", "http://127.0.0.1:9", "audit", "--policy", str(policy)],
            policy,
            12,
        ),
        "config show": (["--config", str(config), "config", "show"], config, 10),
    }[command]
    started = time.monotonic()
    result = CliRunner().invoke(cli, args)
    assert time.monotonic() - started < 10
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"{display_path(bad)}:{line}: invalid YAML: its aliases (*name) expand" in result.stderr
