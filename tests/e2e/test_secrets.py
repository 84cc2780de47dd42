"""No secret anywhere: every command and format, with -v, on success and on failure.

The API key and the SMTP password are recognisable strings; after each run, stdout,
stderr and every file written are searched for them. Secrets planted in assistant
prompts by the sample data must only ever appear as ``<redacted:sha256:…>`` markers.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import smtplib
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, AuthResult
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.email import deliver_report
from auditor.errors import DeliveryError
from auditor.redact import redact
from auditor.sandbox.server import RunningSandbox
from auditor.secretscan import find_secrets
from tests.e2e.test_email_smtp import FreePortController, Inbox, make, settings

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


# -- every other command --------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent.parent


def test_diff_every_format_and_a_dry_run_email(keyed: RunningSandbox, tmp_path: Path) -> None:
    base, tonight = tmp_path / "base.json", tmp_path / "tonight.json"
    assert invoke(["fetch", "--base-url", keyed.base_url, "-o", str(base)]).exit_code == 0
    keyed.update(1, name="Renamed overnight")
    assert invoke(["fetch", "--base-url", keyed.base_url, "-o", str(tonight)]).exit_code == 0
    args = ["-vv", "diff", str(base), str(tonight)]
    for fmt in FORMATS[1:]:
        args += ["--format", fmt, "-o", str(tmp_path / f"diff.{fmt}")]
    args += ["--email-to", "ops@example.com", "--smtp-user", "auditor"]
    args += ["--email-dry-run", str(tmp_path / "diff.eml")]
    result = invoke(args, GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "diff.eml").exists()
    assert_clean(result, tmp_path)


@pytest.mark.parametrize(
    "args",
    [
        ["-v", "policy", "validate", str(ROOT / "auditor" / "policies" / "default.yaml")],
        ["-v", "policy", "test"],
        ["-v", "policy", "list", "--format", "json"],
        ["-v", "config", "show"],
        ["sandbox", "--help"],
        ["--help"],
        ["--version"],
    ],
    ids=lambda args: " ".join(a for a in args if "/" not in a),
)
def test_commands_that_need_no_api(tmp_path: Path, args: list[str]) -> None:
    result = invoke(args)
    assert result.exit_code == 0, result.output
    assert_clean(result, tmp_path)


def test_demo(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = invoke(["-v", "demo", "--output-dir", str(out), "--count", "12"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {"report.html", "report.json", "report.md"}
    assert_clean(result, tmp_path)


def test_audit_of_a_snapshot_file_and_a_config_file(keyed: RunningSandbox, tmp_path: Path) -> None:
    snapshot = tmp_path / "snap.json"
    assert invoke(["fetch", "--base-url", keyed.base_url, "-o", str(snapshot)]).exit_code == 0
    config = tmp_path / "auditor.yaml"
    config.write_text(
        f"baseline: {snapshot}\n"
        "email: {to: [ops@example.com], user: auditor, on: always}\n"
        f"reports: [{{format: html, output: {tmp_path / 'r.html'}}}]\n",
        encoding="utf-8",
    )
    args = ["-vv", "--config", str(config), "audit", "--input", str(snapshot)]
    result = invoke([*args, "--email-dry-run", str(tmp_path / "m.eml")])
    assert result.exit_code == 0, result.output
    assert_clean(result, tmp_path)


def test_the_sandbox_never_shows_the_key_from_the_environment(tmp_path: Path) -> None:
    """``auditor sandbox`` prints the key it accepts; INTELLIXENT_API_KEY in the
    environment is a real account's key and must not become the sandbox's."""
    env = {**os.environ, "INTELLIXENT_API_KEY": API_KEY, "AUDITOR_SMTP_PASSWORD": SMTP_PASSWORD}
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", "sandbox", "--port", "0", "-v"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(4)]
    finally:
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=30)
    text = "".join(banner) + rest + errors
    assert "API key:   sandbox-key" in text
    assert API_KEY not in text
    assert SMTP_PASSWORD not in text


# -- a crash with -v: the traceback is redacted too ------------------------------------------


@pytest.mark.parametrize("verbosity", [[], ["-v"]])
def test_an_internal_error_is_redacted_in_the_line_and_the_traceback(
    keyed: RunningSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    verbosity: list[str],
) -> None:
    import auditor.policy

    def explode(*args: object, **kwargs: object) -> None:
        try:
            raise ValueError(f"the cause mentions {API_KEY}")
        except ValueError as cause:
            raise RuntimeError(f"boom with {API_KEY} and {SMTP_PASSWORD}") from cause

    monkeypatch.setattr(auditor.policy.Evaluator, "result", explode)
    report = tmp_path / "r.json"
    result = invoke([*verbosity, "audit", "--base-url", keyed.base_url, "-o", str(report)])
    assert result.exit_code == 2, result.output
    last = result.stderr.splitlines()[-1]
    assert last.startswith("internal error: RuntimeError: boom with *** and ***")
    if verbosity:
        assert "Traceback (most recent call last)" in result.stderr
        assert "ValueError: the cause mentions ***" in result.stderr
    else:
        assert result.stderr.count("\n") == 1
    assert not report.exists()
    assert_clean(result, tmp_path)


# -- secrets in variables, found by their key's name -----------------------------------------

KEYED = {
    "password": "Var-Pw-0001",
    "apiKey": "var-apikey-0002",
    "crm_password": "crm-0003",
    "smtp": {"host": "mail.example", "pass": "smtp-pass-0004"},
    "token_limit": 500,
}


def test_secrets_in_variables_are_masked_and_reported(
    keyed: RunningSandbox, tmp_path: Path
) -> None:
    keyed.update(1, variables=KEYED)
    snap, report = tmp_path / "snap.json", tmp_path / "report.json"
    assert invoke(["fetch", "--base-url", keyed.base_url, "-o", str(snap)]).exit_code == 0
    result = invoke(["audit", "--base-url", keyed.base_url, "--format", "json", "-o", str(report)])
    assert result.exit_code == 0, result.output
    for path in (snap, report):
        text = path.read_text(encoding="utf-8")
        for secret in ("Var-Pw-0001", "var-apikey-0002", "crm-0003", "smtp-pass-0004"):
            assert secret not in text, f"{secret} written in clear to {path.name}"
    variables = json.loads(snap.read_text(encoding="utf-8"))["assistants"]
    [record] = [r for r in variables.values() if r["id"] == 1]
    assert record["variables"]["token_limit"] == 500
    assert record["variables"]["smtp"]["host"] == "mail.example"
    assert record["variables"]["smtp"]["pass"].startswith("<redacted:sha256:")
    found = json.loads(report.read_text(encoding="utf-8"))["violations"]
    assert any(
        v["rule"] == "no-secrets-in-prompt"
        and v["assistant"]["id"] == 1
        and v["path"] == "variables"
        for v in found
    ), [v for v in found if v["assistant"]["id"] == 1]
    # a masked secret keeps drift working: a rotated password is a change
    keyed.update(1, variables={**KEYED, "password": "Var-Pw-rotated"})
    rotated = tmp_path / "rotated.json"
    assert invoke(["fetch", "--base-url", keyed.base_url, "-o", str(rotated)]).exit_code == 0
    diff = invoke(["diff", str(snap), str(rotated), "--format", "json"])
    assert "variables.password" in diff.stdout
    assert "Var-Pw" not in diff.stdout


# -- an SMTP relay that echoes the AUTH line in its 535 reply ------------------------------


class _EchoingSMTP(SMTP):
    """Rejects every login with a reply that quotes what the client sent: the AUTH
    PLAIN line (base64 of ``\\0user\\0password``), the password's own base64 and its repr."""

    async def smtp_AUTH(self, arg: str) -> None:
        encoded = arg.split()[-1]
        password = base64.b64decode(encoded).split(b"\0")[-1]
        alone = base64.b64encode(password).decode()
        await self.push(f"535 5.7.8 AUTH {arg} rejected (password {alone} = {password!r})")


class _EchoingController(FreePortController):
    def factory(self) -> SMTP:
        return _EchoingSMTP(self.handler, **self.SMTP_kwargs)


def _echoing_relay() -> _EchoingController:
    controller = _EchoingController(
        Inbox(),
        hostname="127.0.0.1",
        port=0,
        authenticator=lambda *args: AuthResult(success=False),
        auth_require_tls=False,
        auth_exclude_mechanism=["LOGIN"],  # PLAIN is the last one tried: its reply is shown
    )
    controller.start()
    return controller


@pytest.mark.parametrize("verbosity", [[], ["-vv"]])
def test_a_relay_echoing_auth_plain_never_shows_the_password(
    keyed: RunningSandbox, tmp_path: Path, verbosity: list[str]
) -> None:
    controller = _echoing_relay()
    try:
        args = [*verbosity, "audit", "--base-url", keyed.base_url, "-o", str(tmp_path / "r.json")]
        args += ["--email-to", "ops@example.com", "--smtp-host", "127.0.0.1"]
        args += ["--smtp-port", str(controller.port), "--smtp-user", "auditor"]
        result = invoke(args)
    finally:
        controller.stop()
    assert result.exit_code == 4, result.output
    line = result.stderr.splitlines()[-1]
    assert "rejected the login for auditor (535" in line
    assert "AUTH PLAIN" in line  # the reply is shown, its secret parts masked
    for form in (
        SMTP_PASSWORD,
        base64.b64encode(SMTP_PASSWORD.encode()).decode(),
        base64.b64encode(f"\0auditor\0{SMTP_PASSWORD}".encode()).decode(),
    ):
        assert form not in result.stderr
    assert "-SECRET-" not in result.stderr
    assert ("INFO: " in result.stderr) == bool(verbosity)
    assert_clean(result, tmp_path)


def test_the_smtp_error_and_its_traceback_are_redacted() -> None:
    """What ``-v`` prints for an exception: smtplib's own error (the reply as bytes) and
    the ``DeliveryError`` it became, as ``traceback`` formats them."""
    controller = _echoing_relay()
    mail = settings(controller.port, smtp_user="auditor", smtp_password=SMTP_PASSWORD, on="always")
    try:
        with pytest.raises(DeliveryError) as caught:
            deliver_report(make(), mail)
    finally:
        controller.stop()
    cause = caught.value.__context__
    assert isinstance(cause, smtplib.SMTPAuthenticationError)
    for exc in (caught.value, cause):
        shown = redact("".join(traceback.format_exception(exc)))
        assert "AUTH PLAIN" in shown
        for form in (SMTP_PASSWORD, base64.b64encode(SMTP_PASSWORD.encode()).decode()):
            assert form not in shown
        assert "-SECRET-" not in shown


# -- config mistakes that would print a secret ----------------------------------------------

PASTED = "sk-live-abc123def456ghi789jkl012"
PASTED_NAME = "sk_live_Abc123Def456Ghi789Jkl012"  # a valid variable name, but a key


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            f"api_key_env: {PASTED}\n",
            "auditor.yaml:1: api_key_env must name an environment variable (e.g. NORTH_KEY), "
            "not hold the key",
        ),
        (
            f"api_key_env: {PASTED_NAME}\n",
            "auditor.yaml:1: api_key_env must name an environment variable (e.g. NORTH_KEY), "
            "not hold the key",
        ),
        (
            "accounts:\n  - name: north\n    base_url: https://north.example/api\n"
            f"    api_key_env: {PASTED}\n",
            "auditor.yaml:4: accounts.0.api_key_env must name an environment variable "
            "(e.g. NORTH_KEY), not hold the key",
        ),
        (
            f"email:\n  to: [ops@example.com]\n  password_env: {PASTED_NAME}\n",
            "auditor.yaml:3: email.password_env must name an environment variable "
            "(e.g. SMTP_PASSWORD), not hold the password",
        ),
        (
            f"base_url: https://bot:{PASTED}@portal.example/api\n",
            "auditor.yaml:1: base_url: the base URL must not hold a user name or password",
        ),
        (
            "accounts:\n  - name: north\n"
            f"    base_url: https://bot:{PASTED}@north.example/api\n    api_key_env: NORTH_KEY\n",
            "auditor.yaml:3: accounts.0.base_url: the base URL must not hold a user name",
        ),
    ],
    ids=["key-as-env", "key-as-valid-name", "account-key", "smtp-password", "url", "account-url"],
)
@pytest.mark.parametrize("command", [["config", "show"], ["fetch", "-o", "snap.json"], ["audit"]])
def test_a_secret_where_the_config_names_one_is_refused_unseen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: str, message: str, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "auditor.yaml").write_text(config, encoding="utf-8")
    result = invoke(["-v", *command])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-1].startswith(f"error: {message}")
    for shown in (PASTED, PASTED_NAME, "abc123", "Abc123"):
        assert shown not in result.output
    assert not (tmp_path / "snap.json").exists()
    written = tmp_path / "written"  # nothing is written; the config itself holds the key
    written.mkdir()
    assert_clean(result, written)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_base_url_with_a_password_is_refused_unseen(tmp_path: Path, how: str) -> None:
    url = "https://bot:Pa55-w0rd-canary@portal.example/api"
    env = {"INTELLIXENT_BASE_URL": url} if how == "env" else {}
    flag = ["--base-url", url] if how == "flag" else []
    for command in (["config", "show"], ["fetch", "-o", str(tmp_path / "s.json")]):
        result = invoke([*flag, "-v", *command], **env)
        assert result.exit_code == 2, result.output
        where = "--base-url" if how == "flag" else "INTELLIXENT_BASE_URL"
        assert result.stderr.splitlines()[-1].startswith(
            f"error: {where}: the base URL must not hold a user name or password"
        )
        assert "Pa55-w0rd-canary" not in result.output
        assert "bot:" not in result.output
    assert not (tmp_path / "s.json").exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://portal.example/api?token=Qu3ry-t0ken-canary",
        "https://portal.example/api?a=1&key=Qu3ry-t0ken-canary",
        "https://portal.example/api#Qu3ry-t0ken-canary",
        "https://portal.example/api?",
    ],
    ids=["query", "second-parameter", "fragment", "bare-question-mark"],
)
@pytest.mark.parametrize("how", ["flag", "env", "config"])
def test_a_base_url_with_a_query_or_fragment_is_refused_unseen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, how: str
) -> None:
    """``…/api?token=…`` would be joined into nonsense (``api?token=…/user/…``) and shown
    back in every error: it is refused before any request, and never shown."""
    monkeypatch.chdir(tmp_path)
    env = {"INTELLIXENT_BASE_URL": url} if how == "env" else {}
    flag = ["--base-url", url] if how == "flag" else []
    if how == "config":
        (tmp_path / "auditor.yaml").write_text(f'base_url: "{url}"\n', encoding="utf-8")
    where = {
        "flag": "--base-url",
        "env": "INTELLIXENT_BASE_URL",
        "config": "auditor.yaml:1: base_url",
    }
    for command in (["config", "show"], ["fetch", "-o", str(tmp_path / "s.json")], ["audit"]):
        result = invoke([*flag, "-v", *command], **env)
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines()[-1].startswith(
            f"error: {where[how]}: the base URL must not have a query or fragment"
        )
        assert "Qu3ry-t0ken-canary" not in result.output
    assert not (tmp_path / "s.json").exists()


# -- secret scanning stays linear on what the API sends --------------------------------------


def test_a_400_kb_prompt_of_jwt_near_misses_is_fetched_and_audited(
    keyed: RunningSandbox, tmp_path: Path
) -> None:
    """``eyJ-`` repeated: the old JWT pattern took 60–130 s here (no timing asserted:
    on that code this test hangs the suite visibly)."""
    keyed.update(1, system_prompt="eyJ-" * 100_000)
    snap = tmp_path / "snap.json"
    assert invoke(["fetch", "--base-url", keyed.base_url, "-o", str(snap)]).exit_code == 0
    [record] = [
        r
        for r in json.loads(snap.read_text(encoding="utf-8"))["assistants"].values()
        if r["id"] == 1
    ]
    assert record["system_prompt"] == "eyJ-" * 100_000  # a near miss is not a secret
    result = invoke(["audit", "--input", str(snap), "--format", "json"])
    assert result.exit_code == 0, result.output
