"""The config file: discovery, validation with file:line, precedence, `config show`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.config import find_config, load_config
from auditor.errors import ConfigFileError
from auditor.model import Severity
from auditor.resolve import build_audit_settings
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
    assert "did you mean 'timeout'?" in result.output
    assert "Traceback" not in result.output


# -- every key that has a flag, an env var, a file key and a default ------------------------

# row in `config show`, file snippet, env var, flag(s), and the value shown for each origin
PRECEDENCE = [
    ("base_url", "base_url: http://file.example/api", "INTELLIXENT_BASE_URL",
     ("--base-url", "http://flag.example/api"),
     ("https://portal.intellixent.ai/api", "http://file.example/api",
      "http://env.example/api", "http://flag.example/api")),
    ("timeout", "timeout: 7", "AUDITOR_TIMEOUT", ("--timeout", "9"),
     ("30.0", "7.0", "8.0", "9.0")),
    ("concurrency", "concurrency: 3", "AUDITOR_CONCURRENCY", ("--concurrency", "5"),
     ("8", "3", "4", "5")),
    ("email.to", "email: {to: [file@example.com]}", "AUDITOR_EMAIL_TO",
     ("--email-to", "flag@example.com"),
     ("-", "file@example.com", "env@example.com", "flag@example.com")),
    ("email.from", "email: {from: file@example.com}", "AUDITOR_EMAIL_FROM",
     ("--email-from", "flag@example.com"),
     ("-", "file@example.com", "env@example.com", "flag@example.com")),
    ("email.smtp_host", "email: {smtp_host: file.smtp}", "AUDITOR_SMTP_HOST",
     ("--smtp-host", "flag.smtp"), ("-", "file.smtp", "env.smtp", "flag.smtp")),
    ("email.smtp_port", "email: {smtp_port: 2525}", "AUDITOR_SMTP_PORT",
     ("--smtp-port", "2727"), ("-", "2525", "2626", "2727")),
    ("email.user", "email: {user: fileuser}", "AUDITOR_SMTP_USER",
     ("--smtp-user", "flaguser"), ("-", "fileuser", "envuser", "flaguser")),
    ("email.starttls", "email: {starttls: true}", "AUDITOR_SMTP_STARTTLS",
     ("--no-smtp-starttls",), ("false", "true", "false", "false")),
    ("email.ssl", "email: {ssl: true}", "AUDITOR_SMTP_SSL",
     ("--no-smtp-ssl",), ("false", "true", "false", "false")),
    ("email.on", "email: {on: drift}", "AUDITOR_EMAIL_ON",
     ("--email-on", "violations"), ("findings", "drift", "always", "violations")),
]  # fmt: skip
_ENV_VALUES = {
    "INTELLIXENT_BASE_URL": "http://env.example/api",
    "AUDITOR_TIMEOUT": "8",
    "AUDITOR_CONCURRENCY": "4",
    "AUDITOR_EMAIL_TO": "env@example.com",
    "AUDITOR_EMAIL_FROM": "env@example.com",
    "AUDITOR_SMTP_HOST": "env.smtp",
    "AUDITOR_SMTP_PORT": "2626",
    "AUDITOR_SMTP_USER": "envuser",
    "AUDITOR_SMTP_STARTTLS": "false",
    "AUDITOR_SMTP_SSL": "false",
    "AUDITOR_EMAIL_ON": "always",
}
# nothing from the developer's own environment may leak into these runs
_NO_ENV: dict[str, str | None] = dict.fromkeys(_ENV_VALUES)


def _show(*args: str, env: Mapping[str, str | None] | None = None) -> dict[str, tuple[str, str]]:
    """``config show`` as {row: (value, origin)}."""
    result = CliRunner().invoke(cli, ["config", "show", *args], env={**_NO_ENV, **(env or {})})
    assert result.exit_code == 0, result.output
    rows = {}
    for line in result.stdout.splitlines()[1:]:
        parts = [part.strip() for part in line.split("  ") if part.strip()]
        rows[parts[0]] = (parts[1], parts[-1])
    return rows


@pytest.mark.parametrize(
    ("row", "snippet", "variable", "flag", "shown"),
    PRECEDENCE,
    ids=[case[0] for case in PRECEDENCE],
)
def test_each_key_flag_beats_env_beats_file_beats_default(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    row: str,
    snippet: str,
    variable: str,
    flag: tuple[str, ...],
    shown: tuple[str, str, str, str],
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {variable: _ENV_VALUES[variable]}
    assert _show()[row] == (shown[0], "default")
    _write(tmp_path, snippet + "\n")
    assert _show()[row] == (shown[1], "file (auditor.yaml:1)")
    assert _show(env=env)[row] == (shown[2], f"env ({variable})")
    assert _show(*flag, env=env)[row] == (shown[3], f"flag ({flag[0]})")


def test_env_and_flags_reach_the_audit_settings_not_only_config_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "email: {to: [file@example.com], starttls: true, smtp_port: 2525}\n")
    for name in _ENV_VALUES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUDITOR_EMAIL_TO", "env@example.com")
    options = {
        "email_to": Sourced(("env@example.com",), "env", "AUDITOR_EMAIL_TO"),
        "smtp_starttls": Sourced(False, "flag", "--no-smtp-starttls"),
    }
    settings = build_audit_settings(options)
    assert settings.email.to == ("env@example.com",)
    assert settings.email.starttls is False
    assert settings.email.smtp_port == 2525


# -- errors with file:line --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            "accounts:\n  - {name: a, base_url: 'http://x/api', api_key_env: A}\n"
            "  - {name: b, base_url: 'http://y/api', api_key_env: B}\n"
            "  - {name: a, base_url: 'http://z/api', api_key_env: C}\n",
            4,
            "account 'a' is already listed (accounts.0)",
        ),
        (
            "reports:\n  - {format: html}\n  - {format: json, output: '-'}\n",
            3,
            "only one report can go to stdout",
        ),
        (
            "reports:\n  - {format: html, output: out/report.json}\n",
            2,
            "the html report would go to out/report.json, but .json is for json",
        ),
        ("email:\n  starttls: true\n  ssl: true\n", 3, "exclude each other"),
    ],
)
def test_mistakes_the_schema_cannot_see_have_lines_too(
    tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    assert any(p.startswith(f"{path}:{line}:") and fragment in p for p in caught.value.problems), (
        caught.value.problems
    )


PYPROJECT = """\
[project]
name = "fleet"

[tool.auditor]
policies = ["policies/"]
reports = [
    {format = "html", output = "out/report.html"},
    {format = "pdf", output = "out/report.pdf"},
]

[tool.auditor.email]
to = ["ops@example.com"]
smtp_port = "587"

[[tool.auditor.accounts]]
name = "north"
base_url = "https://a.example/api"
api_key_env = "NORTH_KEY"

[[tool.auditor.accounts]]
name = "south"
base_url = "https://b.example/api"
api_key_env = "SOUTH-KEY"
"""


def test_toml_errors_point_at_the_line_of_the_nested_key(tmp_path: Path) -> None:
    path = _write(tmp_path, PYPROJECT, "pyproject.toml")
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    assert [p.split(": ", 1)[0] for p in caught.value.problems] == [
        f"{path}:8",  # the second element of reports
        f"{path}:13",  # smtp_port under [tool.auditor.email]
        f"{path}:23",  # api_key_env of the second [[tool.auditor.accounts]]
    ]


def test_invalid_toml_is_file_line_too(tmp_path: Path) -> None:
    path = _write(tmp_path, "[tool.auditor]\ntimeout = 5\ngate = {fail_on_drift = }\n", "p.toml")
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}:3: invalid TOML: ")
    assert "(at line" not in problem


def test_invalid_yaml_is_exit_2_with_file_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "timeout: 5\ngate: {fail_on_violation: true\nbaseline: x\n")
    result = CliRunner().invoke(cli, ["audit"], env=_NO_ENV)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: auditor.yaml:3: invalid YAML: ")
    assert len(result.stderr.splitlines()) == 1


# -- `config show`: origins of accounts and keys ----------------------------------------------


def test_config_show_names_where_each_account_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path,
        "timeout: 5\naccounts:\n"
        "  - {name: north, base_url: 'https://a.example/api', api_key_env: NORTH_KEY}\n"
        "  - name: south\n    base_url: https://b.example/api\n    api_key_env: SOUTH_KEY\n",
    )
    rows = _show(env={"NORTH_KEY": "north-key-SECRET-1", "SOUTH_KEY": None})
    assert rows["base_url"] == ("(per account, below)", "file (auditor.yaml:2)")
    assert rows["account north"] == (
        "https://a.example/api (key from $NORTH_KEY: set)",
        "file (auditor.yaml:3)",
    )
    assert rows["account south"] == (
        "https://b.example/api (key from $SOUTH_KEY: NOT SET)",
        "file (auditor.yaml:4)",
    )


def test_config_show_says_which_variable_a_file_named_key_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "timeout: 5\napi_key_env: FLEET_KEY\n")
    rows = _show(env={"FLEET_KEY": "fleet-key-SECRET-2"})
    assert rows["api_key"] == ("***", "env (FLEET_KEY, named at auditor.yaml:2)")
    _write(tmp_path, "email: {user: bot, password_env: MAIL_PW}\n")
    assert _show(env={"MAIL_PW": None})["email.password"] == (
        "(not set)",
        "env (MAIL_PW, named at auditor.yaml:1)",
    )
    rows = _show(env={"MAIL_PW": "mail-pw-SECRET-3", "AUDITOR_SMTP_PASSWORD": None})
    assert rows["email.password"] == ("***", "env (MAIL_PW, named at auditor.yaml:1)")
    rows = _show(env={"MAIL_PW": "mail-pw-SECRET-3", "AUDITOR_SMTP_PASSWORD": "pw-SECRET-4"})
    assert rows["email.password"] == ("***", "env (AUDITOR_SMTP_PASSWORD)")


def test_config_show_takes_the_audit_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "gate: {fail_on_violation: true}\nreports: [{format: json, output: r.json}]\n")
    rows = _show("--no-fail-on-violation", "--format", "html", "-o", "r.html", "--filter", "a=b")
    assert rows["gate.fail_on_violation"] == ("false", "flag (--no-fail-on-violation)")
    assert rows["reports"][0] == "html:r.html, text:stdout"
    assert rows["filters"] == ("a=b", "flag (--filter)")


# -- --format and --output pair by position ------------------------------------------------


def test_a_format_paired_with_another_formats_file_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli,
        ["audit", "--format", "github", "--format", "html", "-o", "out/report.html",
         "--format", "json", "-o", "out/report.json"],
        env=_NO_ENV,
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr == (
        "error: the github report would go to out/report.html, but .html is for html: "
        "--format and --output pair by position; give every --format its own --output in "
        "the same order (-o - for stdout)\n"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--email-to", "ops"], "error: 'ops' is not an email address; check --email-to\n"),
        (
            ["--email-to", "ops@example.com", "--email-from", "auditor at example"],
            "error: 'auditor at example' is not an email address; check --email-from\n",
        ),
    ],
)
def test_a_bad_address_is_exit_2_before_any_request(args: list[str], line: str) -> None:
    # The base URL is a closed port: a request would be exit 3, not 2.
    env = {**_NO_ENV, "INTELLIXENT_BASE_URL": "http://127.0.0.1:9/api", "INTELLIXENT_API_KEY": "k"}
    result = CliRunner().invoke(cli, ["audit", *args], env=env)
    assert result.exit_code == 2
    assert result.stderr == line


@pytest.mark.parametrize(
    ("fmt", "output"),
    [("sarif", "scan.json"), ("github", "notes.txt"), ("json", "r.json"), ("html", "r.weird")],
)
def test_fitting_pairs_are_accepted(fmt: str, output: str) -> None:
    from auditor.configcheck import format_mismatch

    assert format_mismatch(fmt, output) is None


def test_pyproject_tool_auditor_is_read_like_auditor_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(
        tmp_path,
        '[project]\nname = "fleet"\n\n[tool.auditor]\nbaseline = "baselines/"\n\n'
        '[tool.auditor.gate]\nseverity_threshold = "high"\n\n'
        '[[tool.auditor.accounts]]\nname = "north"\nbase_url = "https://a.example/api"\n'
        'api_key_env = "NORTH_KEY"\n',
        "pyproject.toml",
    )
    rows = _show(env={"NORTH_KEY": "north-key-SECRET-5"})
    assert rows["baseline"] == (str(Path("baselines")), "file (pyproject.toml:5)")
    assert rows["gate.severity_threshold"] == ("high", "file (pyproject.toml:8)")
    assert rows["account north"] == (
        "https://a.example/api (key from $NORTH_KEY: set)",
        "file (pyproject.toml:10)",
    )


@pytest.mark.parametrize(
    ("name", "refused"),
    [
        ("NORTH_KEY", False),
        ("INTELLIXENT_API_KEY", False),
        ("MyCompany_Production_Key2", False),  # mixed case and digits, but a name
        ("north_key", False),
        ("sk_live_Abc123Def456Ghi789Jkl012", True),
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", True),
        ("AKIAABCDEFGHIJKLMNOP", True),
        ("Abc123Def456Ghi789Jkl012xyz", True),  # random-looking: 24+ mixed, no underscore
    ],
)
def test_api_key_env_that_looks_like_a_key_is_refused_unseen(
    tmp_path: Path, name: str, refused: bool
) -> None:
    path = _write(tmp_path, f"api_key_env: {name}\nemail: {{password_env: {name}}}\n")
    if not refused:
        assert load_config(path).values["api_key_env"].value == name
        return
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    problems = caught.value.problems
    assert problems == [
        f"{path}:1: api_key_env must name an environment variable (e.g. NORTH_KEY), "
        "not hold the key",
        f"{path}:2: email.password_env must name an environment variable (e.g. SMTP_PASSWORD), "
        "not hold the password",
    ]


def test_a_variable_name_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    # "$" in the name pattern matched before a final newline: "FLEET_KEY\n" got through
    path = _write(tmp_path, 'api_key_env: "FLEET_KEY\\n"\n')
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    assert [p.split(": ", 1)[0] for p in caught.value.problems] == [f"{path}:1"]


@pytest.mark.parametrize(
    ("file", "env", "line"),
    [
        (
            "email:\n  from: auditor@example.com\n  to: ops\n",
            {},
            "error: 'ops' is not an email address; check auditor.yaml:3\n",
        ),
        (
            "email: {to: ops@example.com}\n",
            {"AUDITOR_EMAIL_FROM": "auditor at example"},
            "error: 'auditor at example' is not an email address; check AUDITOR_EMAIL_FROM\n",
        ),
        (
            "email: {to: ops@example.com, ssl: true}\n",
            {"AUDITOR_SMTP_STARTTLS": "1"},
            "error: auditor.yaml:1 and AUDITOR_SMTP_STARTTLS exclude each other; choose one\n",
        ),
        (
            "notify:\n  slack: not-a-url\n",
            {},
            "error: auditor.yaml:2: not an http(s) URL (the value is a secret and is not "
            "shown); give the incoming-webhook URL the service made for you\n",
        ),
        (
            "base_url: https://user:pw@portal.example/api\n",
            {},
            None,  # refused by the file's own check, at its line
        ),
        ("", {"AUDITOR_CONFIG": "missing.yaml"}, None),
    ],
)
def test_a_message_names_where_the_value_was_given(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    file: str,
    env: dict[str, str],
    line: str | None,
) -> None:
    """Not the flag when the value came from the config file or an env var (issue 21)."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, file)
    environment = {**_NO_ENV, "INTELLIXENT_BASE_URL": "http://127.0.0.1:9/api", **env}
    result = CliRunner().invoke(cli, ["audit"], env={"INTELLIXENT_API_KEY": "k", **environment})
    assert result.exit_code == 2
    if line is not None:
        assert result.stderr == line
    elif "AUDITOR_CONFIG" in env:
        assert result.stderr == "error: config file missing.yaml not found; check AUDITOR_CONFIG\n"
    else:
        assert "must not hold a user name or password" in result.stderr
        assert "pw" not in result.stderr


def test_the_base_url_says_where_it_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from auditor.resolve import build_fetch_settings
    from auditor.settings import Sourced as Given

    monkeypatch.delenv("AUDITOR_CONFIG", raising=False)
    flag = build_fetch_settings({"snapshot_output": Given("s.json", "flag", "-o/--output")})
    assert flag.api.base_url_from == "--base-url"
    env = build_fetch_settings(
        {
            "snapshot_output": Given("s.json", "flag", "-o/--output"),
            "base_url": Given("https://x.example/api", "env", "INTELLIXENT_BASE_URL"),
        }
    )
    assert env.api.base_url_from == "INTELLIXENT_BASE_URL"
