"""Local files and names auditor is handed (issue 15): format characters in reports,
account names, snapshots and baselines that are not regular files, nesting, strict JSON.

Each test drives the real CLI against the sandbox over HTTP, or against files on disk.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.model import Listing
from auditor.sandbox.server import RunningSandbox
from auditor.snapshot import read_snapshot, write_snapshot
from tests.snapshot_stream import stream_snapshot
from tests.unit.report.test_github import parse as parse_commands

INVISIBLE = "\u200b\ufeff\u00ad\U000e0041\U000e007f\u202a\u202e\u2066\u2069\u2060"
"""Zero-width space, BOM, soft hyphen, two tag characters, bidi embedding/override and
isolates, word joiner: every one Unicode category Cf."""


def invoke(*args: str, **env: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def _format_characters(text: str) -> list[str]:
    return [char for char in text if unicodedata.category(char) == "Cf"]


def test_format_characters_are_escaped_in_text_and_github_output(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    fleet = sandbox.fleet
    fleet[0] = {
        **fleet[0],
        "name": f"Sa{INVISIBLE}les",
        "type": "outbound",
        "status": "active",
        "initial_message": f"Hi{INVISIBLE} there",  # no AI disclosure: a finding
    }
    sandbox.set_fleet(fleet)
    github = tmp_path / "r.github"
    result = invoke("audit", *api, "--format", "github", "-o", str(github))
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "outbound-ai-disclosure" in text
    assert _format_characters(text) == []
    assert (
        "Sa\\u200b\\ufeff\\xad\\U000e0041\\U000e007f\\u202a\\u202e\\u2066\\u2069\\u2060les" in text
    )
    output = github.read_text(encoding="utf-8")
    assert _format_characters(output) == []
    commands = parse_commands(output)
    assert any("Sa\\u200b\\ufeff" in command.data for command in commands)


# -- snapshots and baselines that are not regular files ------------------------------------


def one_error_line(result: Result | subprocess.CompletedProcess[str], pattern: str) -> str:
    code = result.exit_code if isinstance(result, Result) else result.returncode
    assert code == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]


def snapshot_of(sandbox: RunningSandbox, path: Path) -> Path:
    fleet = {r["uuid"]: r for r in sandbox.fleet}
    write_snapshot(Listing(sandbox.base_url, "2026-11-25T03:00:00Z", fleet), path)
    return path


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_baseline_linked_to_a_device_is_refused_at_once(
    sandbox: RunningSandbox, tmp_path: Path, device: str
) -> None:
    linked = tmp_path / "baseline.json"
    linked.symlink_to(device)
    good = snapshot_of(sandbox, tmp_path / "good.json")
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    started = time.monotonic()
    not_regular = r"is not a regular file \(a device, FIFO or socket\)"
    one_error_line(invoke("audit", *api, "--baseline", str(linked)), not_regular)
    one_error_line(invoke("audit", "--input", str(linked)), not_regular)
    one_error_line(invoke("diff", str(good), str(linked)), not_regular)
    assert time.monotonic() - started < 30


def test_a_fifo_as_a_snapshot_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "snapshot.json"
    os.mkfifo(fifo)
    for args in (["audit", "--input", str(fifo)], ["diff", str(fifo), str(fifo)]):
        result = subprocess.run(
            [sys.executable, "-m", "auditor", *args],
            capture_output=True,
            text=True,
            timeout=60,  # the old code blocked in open() until a writer came
        )
        one_error_line(result, r"snapshot \S+snapshot\.json is not a regular file")


def test_a_symlink_to_a_regular_file_is_read(sandbox: RunningSandbox, tmp_path: Path) -> None:
    (tmp_path / "kept").mkdir()
    real = snapshot_of(sandbox, tmp_path / "kept" / "fleet.json")
    linked = tmp_path / "fleet.json"
    linked.symlink_to(real)
    result = invoke("diff", str(real), str(linked))
    assert result.exit_code == 0, result.output


def test_a_snapshot_over_the_size_bound_is_refused(sandbox: RunningSandbox, tmp_path: Path) -> None:
    good = snapshot_of(sandbox, tmp_path / "fleet.json")
    size = good.stat().st_size
    result = invoke("diff", str(good), str(good), AUDITOR_MAX_FILE_BYTES=str(size - 1))
    one_error_line(result, rf"larger than {size - 1:,} bytes.*raise AUDITOR_MAX_FILE_BYTES")
    result = invoke("audit", "--input", str(good), AUDITOR_MAX_FILE_BYTES=str(size - 1))
    one_error_line(result, "raise AUDITOR_MAX_FILE_BYTES")
    assert invoke("diff", str(good), str(good), AUDITOR_MAX_FILE_BYTES=str(size)).exit_code == 0
    bad = invoke("diff", str(good), str(good), AUDITOR_MAX_FILE_BYTES="lots")
    one_error_line(bad, "AUDITOR_MAX_FILE_BYTES must be a whole number of bytes")


def test_approve_replaces_a_planted_prev_symlink_never_writes_through_it(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    baseline = snapshot_of(sandbox, tmp_path / "baseline.json")
    old = baseline.read_bytes()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    prev = tmp_path / "baseline.json.prev"
    prev.symlink_to(victim)
    sandbox.remove(47)
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    result = invoke("snapshot", "approve", "-o", str(baseline), *api)
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious\n"
    assert not prev.is_symlink()
    assert prev.read_bytes() == old


# -- nesting --------------------------------------------------------------------------------


def deep_snapshot(sandbox: RunningSandbox, path: Path, levels: int) -> Path:
    """A snapshot whose first assistant holds a field nested ``levels`` deep, written by
    hand (auditor itself would not write it)."""
    snapshot_of(sandbox, path)
    text = path.read_text(encoding="utf-8")
    first = sandbox.fleet[0]["uuid"]
    deep = "[" * levels + "]" * levels
    marker = f'"{first}": {{'
    assert marker in text
    path.write_text(text.replace(marker, f'{marker}"deep": {deep}, ', 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("levels", [100_000, 70])
def test_a_deeply_nested_local_snapshot_is_exit_2(
    sandbox: RunningSandbox, tmp_path: Path, levels: int
) -> None:
    deep = deep_snapshot(sandbox, tmp_path / "deep.json", levels)
    good = snapshot_of(sandbox, tmp_path / "good.json")
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    too_deep = r"nests deeper than 64 levels"
    one_error_line(invoke("audit", "--input", str(deep)), too_deep)
    one_error_line(invoke("audit", *api, "--baseline", str(deep)), too_deep)
    one_error_line(invoke("diff", str(good), str(deep)), too_deep)
    one_error_line(invoke("diff", str(deep), str(good)), too_deep)


def test_nesting_within_the_bound_is_read(sandbox: RunningSandbox, tmp_path: Path) -> None:
    deep = deep_snapshot(sandbox, tmp_path / "deep.json", 60)
    result = invoke("audit", "--input", str(deep))
    assert result.exit_code == 0, result.output


# -- account names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["north\n", "north\nerror: fake", "../north", ".north", "nor th", "a" * 65, "nørth"]
)
def test_an_unsafe_account_name_is_exit_2_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.chdir(tmp_path)
    quoted = json.dumps(name)
    (tmp_path / "auditor.yaml").write_text(
        "timeout: 5\naccounts:\n  - {name: north-2, base_url: 'https://a.example/api', "
        f"api_key_env: A}}\n  - {{name: {quoted}, base_url: 'https://b.example/api', "
        "api_key_env: B}\n",
        encoding="utf-8",
    )
    for args in (["config", "show"], ["fetch", "-o", str(tmp_path / "out.json")]):
        line = one_error_line(invoke(*args, A="k1", B="k2"), r"is not a valid account name")
        assert line.startswith(f"error: auditor.yaml:4: accounts.1.name: {name!r} ")
    assert not (tmp_path / "out.json").exists()


def test_a_safe_account_name_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "auditor.yaml").write_text(
        "accounts:\n  - {name: North_2.eu-west, base_url: 'https://a.example/api', "
        "api_key_env: A}\n",
        encoding="utf-8",
    )
    result = invoke("config", "show", A="k1")
    assert result.exit_code == 0, result.output
    assert "account North_2.eu-west" in result.stdout


# -- strict JSON snapshots ------------------------------------------------------------------


def _no_constants(token: str) -> None:
    raise AssertionError(f"not strict JSON: {token}")


def test_snapshots_are_strict_json_that_round_trips_non_finite_numbers(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    fleet = sandbox.fleet
    first = fleet[0]["uuid"]
    strings = ["NaN", "Infinity", "\x00NaN", "\x00\x00x", "\x00", 'q"\x00NaN', "\x01NaN\x01"]
    fleet[0] = {**fleet[0], "temperature": math.nan, "limits": [math.inf, -math.inf, *strings]}
    fleet[0]["\x00NaN"] = "a key that looks like the tag"
    sandbox.set_fleet(fleet)
    before = tmp_path / "before.json"
    assert invoke("fetch", "-o", str(before), *api).exit_code == 0
    raw = before.read_bytes()
    document = json.loads(raw, parse_constant=_no_constants)  # RFC 8259: no bare NaN
    assert document["assistants"][first]["temperature"] == "\x00NaN"
    record = read_snapshot(before).assistants[first]
    assert math.isnan(record["temperature"])
    assert record["limits"][:2] == [math.inf, -math.inf]
    assert record["limits"][2:] == strings  # real strings stay strings, whatever they hold
    assert record["\x00NaN"] == "a key that looks like the tag"
    streamed: dict[str, Any] = {}
    stream_snapshot(before, lambda header: lambda uuid, rec, span: streamed.update({uuid: rec}))
    assert streamed[first]["limits"] == record["limits"]
    assert math.isnan(streamed[first]["temperature"])

    # drift still sees the value change, both ways: diff and audit --baseline
    sandbox.update(fleet[0]["id"], temperature=0.7)
    after = tmp_path / "after.json"
    assert invoke("fetch", "-o", str(after), *api).exit_code == 0
    diff = invoke("diff", str(before), str(after), "--fail-on-drift")
    assert diff.exit_code == 1, diff.output
    assert "temperature" in diff.stdout
    assert "0.7" in diff.stdout
    audit = invoke("audit", *api, "--baseline", str(before), "--format", "json", "-o", "-")
    assert audit.exit_code == 0, audit.output
    drift = json.loads(audit.stdout)["drift"]
    assert "temperature" in json.dumps(drift)


# -- drift of an unordered list -------------------------------------------------------------


def test_unordered_list_drift_names_elements_not_sorted_positions(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    fleet = sandbox.fleet
    book, transfer = {"name": "book", "type": "function"}, {"name": "transfer", "type": "x"}
    fleet[0] = {**fleet[0], "tools": [transfer, book, book]}
    sandbox.set_fleet(fleet)
    before = tmp_path / "before.json"
    assert invoke("fetch", "-o", str(before), *api).exit_code == 0
    crm = {"name": "crm", "type": "function"}
    sandbox.update(fleet[0]["id"], tools=[book, crm, transfer])  # one book gone, crm new
    after = tmp_path / "after.json"
    assert invoke("fetch", "-o", str(after), *api).exit_code == 0

    diff = invoke("diff", str(before), str(after))
    audit = invoke("audit", *api, "--baseline", str(before))
    for result in (diff, audit):
        assert result.exit_code == 0, result.output
        text = result.stdout
        assert 'tools: added {"name": "crm", "type": "function"}' in text, text
        assert 'tools: removed (was {"name": "book", "type": "function"})' in text, text
        assert "tools[" not in text
    report = invoke("diff", str(before), str(after), "--format", "json", "-o", "-")
    changes = [
        c for entry in json.loads(report.stdout)["drift"]["changed"] for c in entry["changes"]
    ]
    assert {(c["path"], c["kind"], json.dumps(c["before"] or c["after"])) for c in changes} == {
        ("tools", "added", json.dumps(crm)),
        ("tools", "removed", json.dumps(book)),
    }
