"""No secret anywhere: every command and format, with -v, on success and on failure.

The API key and the SMTP password are recognisable strings; after each run, stdout,
stderr and every file written are searched for them. Secrets planted in assistant
prompts by the sample data must only ever appear as ``<redacted:sha256:…>`` markers.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox
from auditor.secretscan import find_secrets

API_KEY = "ak-SECRET-0123456789-canary"
SMTP_PASSWORD = "pw-SECRET-9876543210-canary"
FORMATS = ("text", "json", "markdown", "html", "junit", "sarif", "github")


@pytest.fixture
def keyed(make_sandbox: Callable[..., RunningSandbox]) -> RunningSandbox:
    return make_sandbox(api_key=API_KEY)


def invoke(args: list[str], **env: str) -> Result:
    environment = {"INTELLIXENT_API_KEY": API_KEY, "AUDITOR_SMTP_PASSWORD": SMTP_PASSWORD, **env}
    return CliRunner().invoke(cli, args, env=environment)


def assert_clean(result: Result, folder: Path) -> None:
    texts = {"stdout": result.stdout, "stderr": result.stderr}
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        texts["exception"] = repr(result.exception)
    for path in folder.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    for where, text in texts.items():
        assert API_KEY not in text, f"API key leaked into {where}"
        assert SMTP_PASSWORD not in text, f"SMTP password leaked into {where}"
        raw = [m for m in find_secrets(text) if not text[m.start :].startswith("<redacted:")]
        assert not raw, f"a secret from an assistant leaked into {where}: {raw}"


def test_audit_every_format_verbose(keyed: RunningSandbox, tmp_path: Path) -> None:
    args = ["-vv", "audit", "--base-url", keyed.base_url]
    for fmt in FORMATS[1:]:
        args += ["--format", fmt, "-o", str(tmp_path / f"report.{fmt}")]
    args += [
        "--email-to",
        "ops@example.com",
        "--smtp-user",
        "auditor",
        "--email-dry-run",
        str(tmp_path / "mail.eml"),
    ]
    summary = tmp_path / "summary.md"
    result = invoke(args, GITHUB_STEP_SUMMARY=str(summary))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mail.eml").exists()
    assert_clean(result, tmp_path)


def test_fetch_approve_diff_and_config_show(keyed: RunningSandbox, tmp_path: Path) -> None:
    snap = tmp_path / "snap.json"
    base = tmp_path / "base.json"
    for args in (
        ["fetch", "--base-url", keyed.base_url, "-o", str(snap), "-v"],
        ["snapshot", "approve", "--base-url", keyed.base_url, "-o", str(base), "-v"],
        ["snapshot", "approve", "--from", str(snap), "-o", str(base), "-v"],
        ["diff", str(base), str(snap), "--format", "html", "-o", str(tmp_path / "d.html")],
        ["config", "show", "-v", "--base-url", keyed.base_url],
        ["policy", "list", "-v"],
    ):
        result = invoke(args)
        assert result.exit_code == 0, (args, result.output)
        assert_clean(result, tmp_path)


@pytest.mark.parametrize("verbosity", [[], ["-vv"]])
def test_failures_and_tracebacks_are_redacted(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, verbosity: list[str]
) -> None:
    other = make_sandbox(api_key="the-right-key-000000")
    result = invoke([*verbosity, "audit", "--base-url", other.base_url])
    assert result.exit_code == 3
    assert_clean(result, tmp_path)
    result = invoke([*verbosity, "fetch", "--base-url", "http://127.0.0.1:9/api", "-o", "x.json"])
    assert result.exit_code == 3
    assert_clean(result, tmp_path)


def test_mail_failure_is_redacted(keyed: RunningSandbox, tmp_path: Path) -> None:
    result = invoke(
        [
            "-vv",
            "audit",
            "--base-url",
            keyed.base_url,
            "--email-to",
            "ops@example.com",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            "9",
            "--smtp-user",
            "auditor",
            "-o",
            str(tmp_path / "r.json"),
        ]
    )
    assert result.exit_code == 4, result.output
    assert (tmp_path / "r.json").exists()
    assert_clean(result, tmp_path)
