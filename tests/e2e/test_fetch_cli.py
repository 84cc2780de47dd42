"""`auditor fetch` end to end: the real CLI (in-process and as a subprocess), real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.data import PLANTED_SECRET, generate_fleet
from auditor.sandbox.server import RunningSandbox
from auditor.secretscan import mask_secrets
from auditor.snapshot import read_snapshot

KEY = "intellixent-test-key-8d1f77c0"
AUDITOR = Path(sys.executable).with_name("auditor")


def fetch(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["fetch", *args], env=env)


def test_fetch_writes_a_complete_snapshot_without_secrets(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(api_key=KEY)
    target = tmp_path / "fleet.json"
    result = fetch("-o", str(target), "--base-url", sandbox.base_url, "--api-key", KEY)
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote 47 assistants from {sandbox.base_url} to {target}\n"
    listing = read_snapshot(target)
    assert listing.source == sandbox.base_url
    assert dict(listing.assistants) == {r["uuid"]: mask_secrets(r) for r in generate_fleet()}
    text = target.read_text()
    assert PLANTED_SECRET not in text
    assert "<redacted:sha256:" in text
    assert KEY not in text
    assert KEY not in result.output
    document = json.loads(text)
    assert list(document) == sorted(document)
    assert document["count"] == 47


def test_same_fleet_gives_the_same_bytes(sandbox: RunningSandbox, tmp_path: Path) -> None:
    def snapshot(name: str) -> list[str]:
        target = tmp_path / name
        args = ["-o", str(target), "--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
        assert fetch(*args).exit_code == 0
        return [line for line in target.read_text().splitlines() if "fetched_at" not in line]

    assert snapshot("a.json") == snapshot("b.json")


def test_env_vars_quiet_and_options_before_the_command(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    target = tmp_path / "fleet.json"
    env = {"INTELLIXENT_BASE_URL": sandbox.base_url, "INTELLIXENT_API_KEY": sandbox.api_key}
    result = CliRunner().invoke(cli, ["-q", "fetch", "-o", str(target)], env=env)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    assert len(read_snapshot(target).assistants) == 47


def test_dash_writes_the_snapshot_to_stdout(sandbox: RunningSandbox) -> None:
    result = fetch("-o", "-", "--base-url", sandbox.base_url, "--api-key", sandbox.api_key)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["count"] == 47
    assert result.stderr.endswith(" to stdout\n")


def test_verbose_logs_every_page_but_never_the_key(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    sandbox = make_sandbox(count=250, api_key=KEY)
    target = tmp_path / "fleet.json"
    result = fetch("-v", "-o", str(target), "--base-url", sandbox.base_url, "--api-key", KEY)
    assert result.exit_code == 0, result.output
    for page in (1, 2, 3):
        assert f"INFO: page {page}: " in result.stderr
    assert "read 250 assistants on 3 pages" in result.stderr
    assert KEY not in result.output


def test_a_missing_folder_is_exit_2_before_any_request(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    target = tmp_path / "nope" / "fleet.json"
    result = fetch("-o", str(target), "--base-url", sandbox.base_url, "--api-key", "k" * 8)
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: cannot write {target}: folder {target.parent} does not exist; create it first\n"
    )
    assert sandbox.request_count == 0


def test_the_console_script_in_a_subprocess(sandbox: RunningSandbox, tmp_path: Path) -> None:
    target = tmp_path / "fleet.json"
    env = {**os.environ, "INTELLIXENT_API_KEY": sandbox.api_key}
    env.pop("INTELLIXENT_BASE_URL", None)
    done = subprocess.run(
        [str(AUDITOR), "fetch", "--base-url", sandbox.base_url, "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"wrote 47 assistants from {sandbox.base_url} to {target}\n"
    assert read_snapshot(target).source == sandbox.base_url

    before = target.read_bytes()
    env["INTELLIXENT_API_KEY"] = "rejected-key-4242"
    done = subprocess.run(
        [str(AUDITOR), "fetch", "--base-url", sandbox.base_url, "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3
    assert done.stderr.splitlines() == [
        f"error: the API rejected the key (401 Unauthenticated) for {sandbox.base_url}; "
        "set INTELLIXENT_API_KEY or pass --api-key"
    ]
    assert "rejected-key-4242" not in done.stderr
    assert target.read_bytes() == before
