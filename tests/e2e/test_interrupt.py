"""Ctrl-C in the middle of a fetch: exit 130, one line, nothing partial left behind.

A real SIGINT, as a terminal sends it, to ``python -m auditor`` in a subprocess against a
slow sandbox: while pages are in flight, while the client waits to retry a failing page,
and while a request hangs. Each time the process stops promptly with exit 130 and one
``interrupted`` line (no traceback), the snapshot, baseline or report it was going to
write is byte for byte what it was, and no temporary file is left in the folder.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.sandbox.server import RunningSandbox

pytestmark = pytest.mark.skipif(os.name != "posix", reason="sends SIGINT like a terminal does")

PREVIOUS = b'{"previous": true}\n'


def _interrupt(
    args: list[str],
    sandbox: RunningSandbox,
    cwd: Path,
    *,
    after_requests: int,
    signum: int = signal.SIGINT,
    **env: str,
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run auditor, send ``signum`` once the sandbox has seen ``after_requests`` requests;
    the finished process and how long it took to stop after the signal."""
    command = [sys.executable, "-m", "auditor", *args, "--base-url", sandbox.base_url]
    environment = {**os.environ, "INTELLIXENT_API_KEY": sandbox.api_key, **env}
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while sandbox.request_count < after_requests and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the command ended before it could be interrupted"
    time.sleep(0.1)  # inside the request, the retry wait or the hang
    sent = time.monotonic()
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=30)
    stopped = time.monotonic() - sent
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr), stopped


COMMANDS: dict[str, list[str]] = {
    "fetch": ["fetch", "-o", "target.json"],
    "approve": ["snapshot", "approve", "-o", "target.json"],
    "audit": [
        *("audit", "--baseline", "baseline.json"),
        *("--format", "json", "-o", "target.json", "--format", "html", "-o", "report.html"),
    ],
}
SITUATIONS: dict[str, tuple[dict[str, Any], int, dict[str, str]]] = {
    # sandbox settings, requests seen before the signal, environment
    "pages in flight": ({"count": 3000, "latency_ms": 400}, 2, {}),
    "waiting to retry": ({"fail_pages": (1,)}, 1, {"AUDITOR_RETRY_BASE": "30"}),
    "a request hanging": ({"faults": ("hang=60",)}, 1, {}),
    # the worker threads of pages 2+ are stuck in a request: Ctrl-C must not wait for them
    "later pages hanging": ({"count": 250, "faults": ("hang-page=2:60", "hang-page=3:60")}, 3, {}),
}


@pytest.mark.parametrize("situation", list(SITUATIONS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_ctrl_c_during_fetch(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, command: str, situation: str
) -> None:
    overrides, after_requests, env = SITUATIONS[situation]
    _stops_cleanly(make_sandbox(**overrides), tmp_path, command, after_requests, env)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_sigterm_of_a_cancelled_ci_job_stops_like_ctrl_c(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, command: str
) -> None:
    sandbox = make_sandbox(count=3000, latency_ms=400)
    _stops_cleanly(sandbox, tmp_path, command, 2, {}, signum=signal.SIGTERM)


def _stops_cleanly(
    sandbox: RunningSandbox,
    tmp_path: Path,
    command: str,
    after_requests: int,
    env: dict[str, str],
    signum: int = signal.SIGINT,
) -> None:
    target = tmp_path / "target.json"
    target.write_bytes(PREVIOUS)
    baseline = tmp_path / "baseline.json"
    document = {"schema_version": 1, "tool_version": "0", "source": sandbox.base_url}
    document |= {"fetched_at": "t", "count": 0, "assistants": {}}
    baseline.write_text(json.dumps(document) + "\n")
    approved = baseline.read_bytes()

    done, stopped = _interrupt(
        COMMANDS[command], sandbox, tmp_path, after_requests=after_requests, signum=signum, **env
    )

    assert done.returncode == 130, done.stderr
    assert done.stderr.splitlines() == ["interrupted: nothing was written; run the command again"]
    assert done.stdout == ""
    assert stopped < 3, f"took {stopped:.1f} s to stop after the signal"
    assert target.read_bytes() == PREVIOUS
    assert baseline.read_bytes() == approved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json", "target.json"]


@pytest.mark.parametrize(
    "args",
    [["fetch", "-o", "-"], ["audit"], ["audit", "--format", "json"], ["policy", "list"]],
    ids=" ".join,
)
def test_a_reader_that_goes_away_stops_the_run_quietly_with_141(
    sandbox: RunningSandbox, args: list[str]
) -> None:
    """``auditor … | head``: no traceback, no error line, and never a green exit."""
    command = [sys.executable, "-m", "auditor", *args]
    env = {**os.environ, "INTELLIXENT_BASE_URL": sandbox.base_url}
    env["INTELLIXENT_API_KEY"] = sandbox.api_key
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # the reader is gone before the first byte is written
    with process.stderr:
        stderr = process.stderr.read()
    assert process.wait(timeout=30) == 141
    assert stderr == b""


def test_ctrl_c_with_several_accounts_does_not_wait_for_a_hung_one(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path
) -> None:
    north = make_sandbox(faults=("hang=60",))
    south = make_sandbox(count=250, faults=("hang-page=2:60",))
    (tmp_path / "auditor.yaml").write_text(
        "accounts:\n"
        f"  - {{name: north, base_url: '{north.base_url}', api_key_env: NORTH_KEY}}\n"
        f"  - {{name: south, base_url: '{south.base_url}', api_key_env: SOUTH_KEY}}\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "auditor", "audit", "--format", "json", "-o", "r.json"]
    env = {**os.environ, "NORTH_KEY": north.api_key, "SOUTH_KEY": south.api_key}
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 20
    while (north.request_count < 1 or south.request_count < 2) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    stopped = time.monotonic() - sent
    assert process.returncode == 130, stderr
    assert stdout == ""
    assert stderr.splitlines() == ["interrupted: nothing was written; run the command again"]
    assert stopped < 3, f"took {stopped:.1f} s to stop after Ctrl-C"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["auditor.yaml"]
