"""Ctrl-C in the middle of a fetch: exit 130, one line, nothing partial left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from auditor.sandbox.server import RunningSandbox

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends SIGINT like a terminal does")


def _interrupt(
    args: list[str], sandbox: RunningSandbox, cwd: Path
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "auditor", *args, "--base-url", sandbox.base_url]
    env = {**os.environ, "INTELLIXENT_API_KEY": sandbox.api_key}
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while sandbox.request_count < 2 and time.monotonic() < deadline:  # inside the fetch
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.mark.parametrize("command", ["fetch", "approve", "audit"])
def test_ctrl_c_during_fetch(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, command: str
) -> None:
    sandbox = make_sandbox(count=3000, latency_ms=400)
    target = tmp_path / "target.json"
    target.write_text('{"previous": true}\n')
    before = target.read_bytes()
    args = {
        "fetch": ["fetch", "-o", str(target)],
        "approve": ["snapshot", "approve", "-o", str(target)],
        "audit": ["audit", "--format", "json", "-o", str(target)],
    }[command]
    done = _interrupt(args, sandbox, tmp_path)
    assert done.returncode == 130, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("interrupted")
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target.json"]
