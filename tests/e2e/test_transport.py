"""Every API request is bounded and read only from the origin named (issue 15).

The real CLI against the real sandbox over HTTP (and HTTPS): a body dripped byte by byte,
a 503 that asks to wait forever, a gzip bomb, redirects to another origin or from https to
plain http, a timeout that is not a finite number, and an API key with a line break.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.errors import EXIT_FETCH, EXIT_USAGE
from auditor.sandbox.server import RunningSandbox, Sandbox
from auditor.settings import SandboxSettings

AUDITOR = Path(sys.executable).with_name("auditor")


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, args, env=env)


def one_line(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def fetch_args(sandbox: RunningSandbox, tmp_path: Path) -> list[str]:
    out = tmp_path / "fleet.json"
    return ["fetch", "-o", str(out), "--base-url", sandbox.base_url, "--api-key", sandbox.api_key]


# -- time ---------------------------------------------------------------------------------


def test_a_dripped_body_is_cut_off_at_the_timeout(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    # ~2,500 bytes at a byte per 0.05 s is two minutes; each read is quick, so only a
    # deadline on the whole request stops it
    sandbox = make_sandbox(count=1, faults=("drip=1:0.05",))
    began = time.monotonic()
    result = run([*fetch_args(sandbox, tmp_path), "--timeout", "0.5", "--retry-budget", "0"])
    elapsed = time.monotonic() - began
    line = one_line(result, EXIT_FETCH)
    assert line.endswith(
        "failed, and retries are off (--retry-budget 0; last: no complete answer within "
        "0.5 s); try again later or raise --retry-budget"
    ), line
    assert elapsed < 3, elapsed
    assert not (tmp_path / "fleet.json").exists()


def test_retry_after_forever_gives_up_within_the_retry_budget(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(faults=("retry-after-forever=0.4",))
    began = time.monotonic()
    result = run(fetch_args(sandbox, tmp_path), env={"AUDITOR_RETRY_BUDGET": "1"})
    elapsed = time.monotonic() - began
    line = one_line(result, EXIT_FETCH)
    assert "the retry budget of 1 s (last: 503 Service Unavailable)" in line, line
    assert "raise --retry-budget" in line
    assert 0.7 < elapsed < 2.5, elapsed
    assert [r.status for r in sandbox.requests] == [503, 503, 503]  # waits 0.4 + 0.4, no third


def test_the_retry_budget_comes_from_the_config_file_too(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox = make_sandbox(faults=("retry-after-forever=0.3",))
    (tmp_path / "auditor.yaml").write_text("retry_budget: 0.5\n")
    monkeypatch.chdir(tmp_path)
    line = one_line(run(fetch_args(sandbox, tmp_path)), EXIT_FETCH)
    assert "the retry budget of 0.5 s" in line, line
    shown = run(["config", "show"])
    assert any(
        row.split()[:2] == ["retry_budget", "0.5"] and "auditor.yaml:1" in row
        for row in shown.stdout.splitlines()
    ), shown.stdout


@pytest.mark.parametrize("value", ["nan", "inf", "1e309", "-inf"])
@pytest.mark.parametrize("source", ["flag", "env", "yaml", "toml"])
def test_a_timeout_that_is_not_a_finite_number_is_a_usage_error_before_any_request(
    make_sandbox: Callable[..., RunningSandbox],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    source: str,
) -> None:
    sandbox = make_sandbox()
    monkeypatch.chdir(tmp_path)
    args, env = fetch_args(sandbox, tmp_path), None
    if source == "flag":
        args += ["--timeout", value]
    elif source == "env":
        env = {"AUDITOR_TIMEOUT": value}
    elif source == "yaml":
        written = {"nan": ".nan", "inf": ".inf", "-inf": "-.inf", "1e309": "1.0e+309"}[value]
        (tmp_path / "auditor.yaml").write_text(f"concurrency: 2\ntimeout: {written}\n")
    else:
        written = value
        (tmp_path / "pyproject.toml").write_text(f"[tool.auditor]\ntimeout = {written}\n")
    line = one_line(run(args, env), EXIT_USAGE)
    assert "timeout" in line.lower(), line
    if source == "env":  # named by the variable, not by a flag never given
        assert line.startswith("error: Invalid value for AUDITOR_TIMEOUT (from the environment)")
    elif source == "yaml":
        assert line.startswith("error: auditor.yaml:2: timeout:"), line
    elif source == "toml":
        assert line.startswith("error: pyproject.toml:2: timeout:"), line
    if value != "-inf" or source in ("flag", "env"):  # in a file, below the minimum of 0
        assert "finite number of seconds" in line, line
    assert sandbox.request_count == 0


# -- memory -------------------------------------------------------------------------------


def test_a_gzip_bomb_is_refused_in_bounded_memory(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    """300 MiB inflated from ~300 KB: the fetch stops at 64 MiB, its RSS far below 300 MB."""
    sandbox = make_sandbox(count=3, faults=("gzip-bomb=1:300",))
    out = tmp_path / "fleet.json"
    measure = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(done.stderr)\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    command = [str(AUDITOR), "fetch", "-o", str(out), "--base-url", sandbox.base_url]
    done = subprocess.run(
        [sys.executable, "-c", measure, *command, "--api-key", sandbox.api_key],
        capture_output=True,
        text=True,
        timeout=120,
    )
    code, max_rss_kb = map(int, done.stdout.split())
    assert code == EXIT_FETCH, done.stderr
    assert done.stderr.splitlines() == [
        f"error: page 1 of {sandbox.base_url}/user/assistants/get: the answer is more than "
        "the 64 MiB a page may hold decompressed; check --base-url"
    ]
    assert max_rss_kb < 220_000, max_rss_kb
    assert not out.exists()


# -- redirects ----------------------------------------------------------------------------


def test_a_redirect_to_another_origin_is_not_followed(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    other = make_sandbox(count=5)
    sandbox = make_sandbox(faults=(f"redirect={other.root_url}",))
    for command in (["fetch", "-o", str(tmp_path / "f.json")], ["audit"]):
        result = run(
            [*command, "--base-url", sandbox.base_url, "--api-key", sandbox.api_key],
        )
        line = one_line(result, EXIT_FETCH)
        assert line == (
            f"error: page 1: the API at http://127.0.0.1:{sandbox.port} redirected to another "
            f"origin, http://127.0.0.1:{other.port}; not followed, as a compliance read must "
            "come from the API it names: set --base-url to the API's own https address"
        )
        assert "/user/assistants" not in line
        assert "per_page" not in line
        assert result.stdout == ""
    assert other.request_count == 0
    assert not (tmp_path / "f.json").exists()


def test_a_same_origin_redirect_is_followed(sandbox: RunningSandbox, tmp_path: Path) -> None:
    moving = Sandbox(SandboxSettings(port=0), faults=("redirect-same-origin",)).start()
    try:
        out = tmp_path / "f.json"
        args = ["fetch", "-o", str(out), "--base-url", moving.base_url]
        result = run([*args, "--api-key", moving.api_key])
        assert result.exit_code == 0, result.output
        assert json.loads(out.read_text())["count"] == 47
        assert [r.status for r in moving.requests] == [307, 200]
    finally:
        moving.stop()


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_a_redirect_from_https_to_http_is_not_followed(
    tls_files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = tls_files
    plain = Sandbox(SandboxSettings(port=0)).start()
    secure = Sandbox(SandboxSettings(port=0), faults=(f"redirect={plain.root_url}",))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = secure._server
    server.socket = context.wrap_socket(server.socket, server_side=True)
    secure.start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    try:
        base = f"https://127.0.0.1:{secure.port}/api"
        out = str(tmp_path / "f.json")
        result = run(["fetch", "-o", out, "--base-url", base, "--api-key", secure.api_key])
        line = one_line(result, EXIT_FETCH)
        assert line == (
            f"error: page 1: the API at https://127.0.0.1:{secure.port} redirected from "
            f"https to plain http, http://127.0.0.1:{plain.port}; not followed, as a "
            "compliance read must come from the API it names: set --base-url to the API's "
            "own https address"
        )
        assert secure.request_count == 1
        assert plain.request_count == 0
    finally:
        secure.stop()
        plain.stop()


# -- the API key --------------------------------------------------------------------------

KEY = "sk-live-5f0c2e9a71"


@pytest.mark.parametrize("bad", [KEY + "\n", KEY + "\r\n", " " + KEY, KEY[:6] + "\n" + KEY[6:]])
@pytest.mark.parametrize("verbose", [False, True])
def test_a_key_that_cannot_go_in_a_header_is_refused_before_any_request(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, bad: str, verbose: bool
) -> None:
    sandbox = make_sandbox(api_key=KEY)
    out = str(tmp_path / "f.json")
    flags = ["-v"] if verbose else []
    cases = [
        (["fetch", "-o", out, "--base-url", sandbox.base_url, "--api-key", bad], None, "--api-key"),
        (
            ["audit", "--base-url", sandbox.base_url],
            {"INTELLIXENT_API_KEY": bad},
            "INTELLIXENT_API_KEY",
        ),
    ]
    for args, env, where in cases:
        result = run([*flags, *args], env)
        assert result.exit_code == EXIT_USAGE, result.output
        assert KEY not in result.output
        assert KEY[6:] not in result.output
        assert "Invalid header value" not in result.output
        assert "internal error" not in result.output
        line = result.stderr.splitlines()[-1]
        assert line.startswith(f"error: the API key from {where} "), line
        assert "line break" in line or "whitespace" in line, line
        if not verbose:
            assert len(result.stderr.splitlines()) == 1, result.stderr
    assert sandbox.request_count == 0


def test_an_account_key_with_a_newline_is_refused_before_any_account_is_read(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    north, south = make_sandbox(api_key=KEY), make_sandbox(api_key=KEY)
    (tmp_path / "auditor.yaml").write_text(
        "accounts:\n"
        f"  - {{name: north, base_url: '{north.base_url}', api_key_env: NORTH_KEY}}\n"
        f"  - {{name: south, base_url: '{south.base_url}', api_key_env: SOUTH_KEY}}\n"
    )
    monkeypatch.chdir(tmp_path)
    result = run(["audit"], env={"NORTH_KEY": KEY, "SOUTH_KEY": KEY + "\n"})
    line = one_line(result, EXIT_USAGE)
    assert line.startswith(
        "error: the API key from SOUTH_KEY (the api_key_env of account south) "
    ), line
    assert KEY not in result.output
    assert north.request_count == 0
    assert south.request_count == 0
