"""Bad local input (issue 9) through the real CLI: exit 2, one line, nothing fetched.

Policy files, snapshot files and output paths are the user's own; every mistake in them
is found before the first API request (the sandbox counts requests), named in exactly
one stderr line with the file and what to do, and leaves the baseline and any report
exactly as they were. A full disk while writing leaves the previous file intact and no
temporary file behind. A baseline from another source URL is a warning, not an error.
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.model import Listing
from auditor.policy.loader import display_path
from auditor.sandbox.server import RunningSandbox
from auditor.snapshot import write_snapshot

DATA = Path(__file__).resolve().parent.parent / "data" / "policies"
STALE_REPORT = b"yesterday's report\n"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def one_error_line(result: Result, pattern: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]


def snapshot_of(sandbox: RunningSandbox, path: Path, source: str | None = None) -> bytes:
    fleet = {r["uuid"]: r for r in sandbox.fleet}
    write_snapshot(Listing(source or sandbox.base_url, "2026-11-25T03:00:00Z", fleet), path)
    return path.read_bytes()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder holding a baseline and yesterday's report, both to be left alone."""
    (tmp_path / "report.json").write_bytes(STALE_REPORT)
    return tmp_path


def audit(sandbox: RunningSandbox, workdir: Path, *args: str) -> Result:
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    return invoke("audit", *api, "--format", "json", "-o", str(workdir / "report.json"), *args)


# -- policies -----------------------------------------------------------------------------------

POLICIES = [
    ("broken-yaml", "version: 1\nrules: [\n  - id: x\n", r":3: invalid YAML"),
    ("rules-not-a-list", "version: 1\nrules: {id: x}\n", r":2: rules must be a list of rules"),
    (
        "wrong-operand-type",
        "version: 1\nrules:\n  - id: x\n    require: {max_duration: {lte: [1, 2]}}\n",
        r":4: max_duration: lte takes a number .*not a list \[1, 2\]",
    ),
    (
        "wrong-severity-type",
        "version: 1\nrules:\n  - id: x\n    severity: [high]\n    require: {record: true}\n",
        r":4: unknown severity a list \[\"high\"\]; use one of: info, low",
    ),
    (
        "unknown-operator",
        "version: 1\nrules:\n  - id: x\n    require: {record: {equal: true}}\n",
        r":4: record: unknown operator 'equal' \(did you mean 'equals'\?\)",
    ),
    (
        "bad-regex",
        "version: 1\nrules:\n  - id: x\n    require: {name: {matches: '(unclosed'}}\n",
        r":4: name: matches: bad regular expression '\(unclosed': missing \)",
    ),
    (
        "wrong-version",
        "version: 2\nrules: []\n",
        r":1: version is the number 2, but this auditor reads version 1",
    ),
]


@pytest.mark.parametrize(
    ("text", "message"), [p[1:] for p in POLICIES], ids=[p[0] for p in POLICIES]
)
def test_a_bad_policy_is_exit_2_before_any_request(
    sandbox: RunningSandbox, workdir: Path, text: str, message: str
) -> None:
    policy = workdir / "team.yaml"
    policy.write_text(text, encoding="utf-8")
    baseline = workdir / "baseline.json"
    approved = snapshot_of(sandbox, baseline)
    result = audit(sandbox, workdir, "--policy", str(policy), "--baseline", str(baseline))
    line = one_error_line(result, message)
    assert line.startswith(f"error: {display_path(policy)}:")
    assert sandbox.request_count == 0
    assert baseline.read_bytes() == approved
    assert (workdir / "report.json").read_bytes() == STALE_REPORT
    assert result.stdout == ""
    # policy validate says the same
    assert invoke("policy", "validate", str(policy)).stderr == result.stderr


def test_an_include_loop_is_exit_2_and_shows_the_chain(
    sandbox: RunningSandbox, workdir: Path
) -> None:
    a, b = DATA / "cycle" / "a.yaml", DATA / "cycle" / "b.yaml"
    result = audit(sandbox, workdir, "--policy", str(a))
    chain = f"{display_path(a)} → {display_path(b)} → {display_path(a)}"
    one_error_line(result, re.escape(f"{display_path(b)}:3: include cycle: {chain}"))
    assert sandbox.request_count == 0
    assert (workdir / "report.json").read_bytes() == STALE_REPORT


# -- snapshots ----------------------------------------------------------------------------------


def damaged(kind: str, good: bytes) -> bytes:
    if kind == "truncated":
        return good[: len(good) // 2]
    if kind == "not-json":
        return b"<html>this is not a snapshot</html>\n"
    if kind == "empty":
        return b""
    if kind == "uuid-twice":  # a second copy of the first record, changed: which is meant?
        start = good.index(b'\n    "', good.index(b'"assistants": {'))
        end = good.index(b"\n    },", start) + len(b"\n    },")
        copy = good[start:end].replace(b'"max_duration": ', b'"max_duration": 9', 1)
        return good[:start] + copy + good[start:]
    document = json.loads(good)
    document["schema_version"] = 2
    return json.dumps(document).encode()


DAMAGE = {
    "truncated": r"is truncated \(line \d+, column \d+: it ends early\); restore it",
    "not-json": r"is not valid JSON \(line 1, column 1: expecting value\); restore it",
    "empty": r"is empty; restore it",
    "uuid-twice": r"gives the assistant uuid '[0-9a-f-]{36}' twice, and JSON gives no way to "
    r"tell which is meant; restore it",
    "wrong-schema": r"has schema_version 2; this auditor \(\S+\) reads schema_version 1; "
    r"upgrade auditor to read it$",
}


@pytest.mark.parametrize("kind", list(DAMAGE))
@pytest.mark.parametrize(
    "command",
    ["audit --baseline", "audit --input", "audit --input --baseline", "diff", "approve --from"],
)
def test_a_damaged_snapshot_is_exit_2_and_touches_nothing(
    sandbox: RunningSandbox, workdir: Path, kind: str, command: str
) -> None:
    good = workdir / "good.json"
    approved = snapshot_of(sandbox, good)
    bad = workdir / "bad.json"
    bad.write_bytes(damaged(kind, approved))
    report = str(workdir / "report.json")
    args = {
        "audit --baseline": ["audit", "--baseline", str(bad), "--format", "json", "-o", report],
        "audit --input": ["audit", "--input", str(bad), "--format", "json", "-o", report],
        "audit --input --baseline": [
            *("audit", "--input", str(good), "--baseline", str(bad)),
            *("--format", "json", "-o", report),
        ],
        "diff": ["diff", str(good), str(bad), "--format", "json", "-o", report],
        "approve --from": ["snapshot", "approve", "--from", str(bad), "-o", str(good)],
    }[command]
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    result = invoke(*args, *api)
    one_error_line(result, rf"^error: snapshot {re.escape(str(bad))} " + DAMAGE[kind])
    assert sandbox.request_count == 0
    assert good.read_bytes() == approved
    assert (workdir / "report.json").read_bytes() == STALE_REPORT
    assert sorted(p.name for p in workdir.iterdir()) == ["bad.json", "good.json", "report.json"]


def test_a_baseline_record_broken_in_place_is_exit_2_with_where(
    sandbox: RunningSandbox, workdir: Path
) -> None:
    """``audit --input --baseline`` walks the baseline beside the input and decodes only
    the records whose text differs: one that does not decode is said as precisely as
    when the whole baseline is read first."""
    good = workdir / "good.json"
    text = snapshot_of(sandbox, good).decode()
    last = text.rindex('"max_duration": ')
    bad = workdir / "bad.json"
    bad.write_text(text[:last] + '"max_duration": 6 00' + text[last + 19 :], encoding="utf-8")
    report = str(workdir / "report.json")
    result = invoke("audit", "--input", str(good), "--baseline", str(bad), "-o", report)
    line = text[:last].count("\n") + 1
    one_error_line(result, rf"snapshot {re.escape(str(bad))} is not valid JSON \(line {line}, ")
    assert (workdir / "report.json").read_bytes() == STALE_REPORT


def test_a_baseline_in_another_order_gives_the_same_drift(
    sandbox: RunningSandbox, workdir: Path
) -> None:
    """A baseline edited by hand (records in another order, other spacing) cannot be
    walked beside the input: it is indexed instead, with the same answer."""
    good = workdir / "good.json"
    document = json.loads(snapshot_of(sandbox, good))
    records = document["assistants"]
    changed = next(iter(records))
    records[changed]["max_duration"] = 4321
    document["assistants"] = dict(reversed(records.items()))
    edited = workdir / "edited.json"
    edited.write_text(json.dumps(document, indent=4), encoding="utf-8")
    for baseline in (edited, good):
        result = invoke(
            *("audit", "--input", str(good), "--baseline", str(baseline)),
            *("--format", "json", "-o", str(workdir / "report.json")),
        )
        assert result.exit_code == 0, result.output
        drift = json.loads((workdir / "report.json").read_text(encoding="utf-8"))["drift"]
        if baseline == edited:
            assert [c["assistant"]["uuid"] for c in drift["changed"]] == [changed]
        else:
            assert drift["changed"] == []


def test_an_empty_baseline_has_every_assistant_added(
    sandbox: RunningSandbox, workdir: Path
) -> None:
    good = workdir / "good.json"
    snapshot_of(sandbox, good)
    empty = workdir / "empty.json"
    write_snapshot(Listing(sandbox.base_url, "2026-11-24T03:00:00Z", {}), empty)
    report = workdir / "report.json"
    for how in ([], ["--filter", "type!=nothing"]):  # walked beside the input; indexed
        result = invoke(
            *("audit", "--input", str(good), "--baseline", str(empty), *how),
            *("--format", "json", "-o", str(report)),
        )
        assert result.exit_code == 0, result.output
        drift = json.loads(report.read_text(encoding="utf-8"))["summary"]["drift"]
        assert drift == {"added": len(sandbox.fleet), "removed": 0, "changed": 0}


def test_a_baseline_from_another_source_is_a_warning_not_an_error(
    sandbox: RunningSandbox, workdir: Path
) -> None:
    baseline = workdir / "baseline.json"
    snapshot_of(sandbox, baseline, source="https://portal.intellixent.ai/api")
    result = audit(sandbox, workdir, "--baseline", str(baseline))
    assert result.exit_code == 0, result.output
    warning = (
        f"the baseline was fetched from https://portal.intellixent.ai/api, the fleet from "
        f"{sandbox.base_url}: drift compares different sources"
    )
    report = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
    assert report["warnings"] == [warning]
    assert f"! {warning}" in result.stdout  # the text report on the terminal
    assert report["summary"]["drift"] == {"added": 0, "removed": 0, "changed": 0}


def test_the_warning_goes_to_stderr_when_stdout_carries_another_format(
    sandbox: RunningSandbox, workdir: Path
) -> None:
    baseline = workdir / "baseline.json"
    snapshot_of(sandbox, baseline, source="https://portal.intellixent.ai/api")
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    result = invoke("audit", *api, "--baseline", str(baseline), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["warnings"]
    assert result.stderr.splitlines() == [
        f"warning: the baseline was fetched from https://portal.intellixent.ai/api, the fleet "
        f"from {sandbox.base_url}: drift compares different sources"
    ]


def test_diff_of_two_sources_warns_too(sandbox: RunningSandbox, tmp_path: Path) -> None:
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    snapshot_of(sandbox, one)
    snapshot_of(sandbox, two, source="https://portal.intellixent.ai/api")
    result = invoke("diff", str(one), str(two))
    assert result.exit_code == 0, result.output
    assert "the drift compares different sources" in result.stdout


# -- output paths -------------------------------------------------------------------------------


def output_cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "a-folder").mkdir()
    return {
        "a folder": (tmp_path / "a-folder", r"it is a folder; give a file name"),
        "under a file": (tmp_path / "a-file" / "out.json", r"a-file is a file, not a folder"),
        "under a file, deeper": (
            tmp_path / "a-file" / "sub" / "out.json",
            r"a-file is a file, not a folder",
        ),
    }


@pytest.mark.parametrize("where", ["a folder", "under a file", "under a file, deeper"])
@pytest.mark.parametrize("command", ["fetch", "approve", "audit", "audit (2nd report)", "diff"])
def test_an_unwritable_output_is_exit_2_before_any_request(
    sandbox: RunningSandbox, tmp_path: Path, command: str, where: str
) -> None:
    target, message = output_cases(tmp_path)[where]
    if command == "approve" and where == "a folder":
        message = r"is a folder; give the baseline file"
    snapshot = tmp_path / "snap.json"
    snapshot_of(sandbox, snapshot)
    first = tmp_path / "first.json"
    args = {
        "fetch": ["fetch", "-o", str(target)],
        "approve": ["snapshot", "approve", "-o", str(target)],
        "audit": ["audit", "--format", "json", "-o", str(target)],
        "audit (2nd report)": [
            *("audit", "--format", "json", "-o", str(first)),
            *("--format", "json", "-o", str(target)),
        ],
        "diff": ["diff", str(snapshot), str(snapshot), "--format", "json", "-o", str(target)],
    }[command]
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = invoke(*args, "--base-url", sandbox.base_url, "--api-key", sandbox.api_key)
    one_error_line(result, message)
    assert sandbox.request_count == 0  # found before the fetch, not after it
    assert result.stdout == ""
    assert not first.exists()  # no report written when another cannot be
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anywhere")
@pytest.mark.parametrize("command", ["fetch", "audit"])
def test_a_read_only_folder_is_exit_2_before_any_request(
    sandbox: RunningSandbox, tmp_path: Path, command: str
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        target = folder / "out.json"
        args = ["fetch", "-o", str(target)] if command == "fetch" else ["audit", "-o", str(target)]
        result = invoke(*args, "--base-url", sandbox.base_url, "--api-key", sandbox.api_key)
        one_error_line(result, r"Permission denied \(no write access to folder \S+locked\)$")
        assert sandbox.request_count == 0
    finally:
        folder.chmod(0o700)


# -- a full disk --------------------------------------------------------------------------------


def fill_disk(monkeypatch: pytest.MonkeyPatch, *, on_call: int = 1) -> None:
    """From the ``on_call``-th ``fsync`` on, the disk is full (ENOSPC), as NFS, ext4 with
    delayed allocation and quotas report it."""
    calls = {"n": 0}
    real_fsync = os.fsync

    def fsync(fd: Any) -> None:
        calls["n"] += 1
        if calls["n"] >= on_call:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)


NO_SPACE = r"No space left on device; the previous file \(if any\) is unchanged$"


def test_disk_full_during_fetch_keeps_the_old_snapshot(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "fleet.json"
    old = snapshot_of(sandbox, target)
    fill_disk(monkeypatch)
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    result = invoke("fetch", "-o", str(target), *api)
    monkeypatch.undo()
    one_error_line(result, rf"^error: cannot write {re.escape(str(target))}: " + NO_SPACE)
    assert target.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.json"]


@pytest.mark.parametrize("on_call", [1, 2], ids=["the new baseline", "the .prev copy"])
def test_disk_full_during_approve_keeps_the_old_baseline(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_call: int
) -> None:
    baseline = tmp_path / "baseline.json"
    old = snapshot_of(sandbox, baseline, source="https://portal.intellixent.ai/api")
    sandbox.remove(47)
    fill_disk(monkeypatch, on_call=on_call)
    if on_call == 2:  # the .prev is a hard link where it can be; here it has to be a copy

        def no_links(src: object, dst: object) -> None:
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))

        monkeypatch.setattr(os, "link", no_links)
    api = ["--base-url", sandbox.base_url, "--api-key", sandbox.api_key]
    result = invoke("snapshot", "approve", "-o", str(baseline), *api)
    monkeypatch.undo()
    one_error_line(result, NO_SPACE)
    assert baseline.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline.json"]


def test_disk_full_while_writing_reports_leaves_no_partial_report(
    sandbox: RunningSandbox, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = workdir / "baseline.json"
    approved = snapshot_of(sandbox, baseline)
    fill_disk(monkeypatch)
    result = audit(sandbox, workdir, "--baseline", str(baseline), "--format", "html", "-o", "-")
    monkeypatch.undo()
    one_error_line(result, r"^error: cannot write report to \S+report\.json: " + NO_SPACE)
    assert (workdir / "report.json").read_bytes() == STALE_REPORT
    assert baseline.read_bytes() == approved
    assert sorted(p.name for p in workdir.iterdir()) == ["baseline.json", "report.json"]


def test_a_real_full_disk_if_one_is_mounted(make_sandbox: Callable[..., RunningSandbox]) -> None:
    """Set AUDITOR_TEST_FULL_DISK to a folder on a tiny filesystem (e.g. a 64 KiB tmpfs)
    to run the fetch against a disk that really fills up."""
    folder = os.environ.get("AUDITOR_TEST_FULL_DISK")
    if not folder:
        pytest.skip("AUDITOR_TEST_FULL_DISK is not set")
    target = Path(folder) / "fleet.json"
    target.write_bytes(b"{}\n")
    big = make_sandbox(count=2000)
    result = invoke(
        "fetch", "-o", str(target), "--base-url", big.base_url, "--api-key", big.api_key
    )
    one_error_line(result, r"No space left on device")
    assert target.read_bytes() == b"{}\n"
    assert sorted(p.name for p in Path(folder).iterdir()) == ["fleet.json"]


# -- paths the system refuses -----------------------------------------------------------------

TOO_LONG = "n" * 300  # one path component longer than any filesystem allows


@pytest.mark.parametrize(
    "args",
    [
        ["fetch", "-o", f"{TOO_LONG}.json"],
        ["snapshot", "approve", "-o", f"{TOO_LONG}.json"],
        ["audit", "--baseline", f"{TOO_LONG}.json"],
        ["audit", "--input", f"{TOO_LONG}.json"],
        ["audit", "--format", "json", "-o", f"{TOO_LONG}.json"],
        ["audit", "--policy", f"{TOO_LONG}.yaml"],
        ["--config", f"{TOO_LONG}.yaml", "audit"],
        ["diff", f"{TOO_LONG}.json", "b.json"],
        ["policy", "validate", f"{TOO_LONG}.yaml"],
    ],
    ids=lambda args: " ".join(a for a in args if TOO_LONG not in a),
)
def test_a_file_name_too_long_is_exit_2_not_an_internal_error(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke(*args, "--base-url", sandbox.base_url, "--api-key", sandbox.api_key)
    one_error_line(result, r"[Ff]ile name too long")
    assert "internal error" not in result.stderr
    assert sandbox.request_count == 0


def test_an_include_with_a_name_too_long_names_the_file_and_line(tmp_path: Path) -> None:
    policy = tmp_path / "team.yaml"
    policy.write_text(f"version: 1\ninclude: [{TOO_LONG}.yaml]\nrules: []\n", encoding="utf-8")
    result = invoke("policy", "validate", str(policy))
    one_error_line(result, rf"^error: {re.escape(display_path(policy))}:2: include '.*': file name")


# -- command-line mistakes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["audit", "--timeout", "0"],
            "error: Invalid value for '--timeout': 0 is not a finite number of seconds of "
            "at least 0.1 (see 'auditor audit --help')",
        ),
        (
            ["fetch"],
            "error: Missing option '-o' / '--output'. (see 'auditor fetch --help')",
        ),
        (
            ["audti"],
            "error: No such command 'audti'. Did you mean 'audit'? (see 'auditor --help')",
        ),
        (
            ["--concurrency", "0", "audit"],
            "error: Invalid value for '--concurrency': 0 is not in the range 1<=x<=64. "
            "(see 'auditor --help')",
        ),
        (
            ["snapshot", "approve", "--form", "x.json"],
            "error: No such option '--form'. Did you mean '--from'? "
            "(see 'auditor snapshot approve --help')",
        ),
    ],
)
def test_a_usage_mistake_is_one_line_and_exit_2(
    sandbox: RunningSandbox, args: list[str], line: str
) -> None:
    result = CliRunner().invoke(cli, args, prog_name="auditor")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("env", "args", "line"),
    [
        (
            {"AUDITOR_JOBS": "abc"},
            ["audit", "--input", "fleet.json"],
            "error: Invalid value for AUDITOR_JOBS (from the environment): 'abc' is not a "
            "valid integer range. (see 'auditor audit --help')",
        ),
        (
            {"AUDITOR_CONCURRENCY": "0"},
            ["audit"],
            "error: Invalid value for AUDITOR_CONCURRENCY (from the environment): 0 is not "
            "in the range 1<=x<=64. (see 'auditor --help')",
        ),
        (
            {"AUDITOR_TIMEOUT": "soon"},
            ["audit"],
            "error: Invalid value for AUDITOR_TIMEOUT (from the environment): soon is not a "
            "number of seconds (see 'auditor --help')",
        ),
    ],
)
def test_a_bad_value_from_the_environment_names_the_variable(
    env: dict[str, str], args: list[str], line: str
) -> None:
    """The user never typed ``--jobs``: the line names what to fix, the variable."""
    result = CliRunner().invoke(cli, args, prog_name="auditor", env=env)
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [line]


def test_the_option_given_beside_a_bad_variable_wins_and_is_used(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["audit", "--jobs", "1", "--input", str(tmp_path / "none.json")],
        prog_name="auditor",
        env={"AUDITOR_JOBS": "abc"},
    )
    assert result.exit_code == 2
    assert "AUDITOR_JOBS" not in result.stderr
    assert "none.json does not exist" in result.stderr


def test_a_bare_command_group_still_shows_its_help() -> None:
    result = CliRunner().invoke(cli, [], prog_name="auditor")
    assert "Commands:" in result.output
    assert "error:" not in result.output


def test_a_wrong_base_url_from_the_config_file_is_named_by_its_line(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 404 says where to fix the address: the config file's line, not a flag the user
    never gave."""
    config = tmp_path / "auditor.yaml"
    config.write_text(f"base_url: {sandbox.root_url}\n", encoding="utf-8")
    monkeypatch.setenv("INTELLIXENT_API_KEY", sandbox.api_key)
    result = invoke("--config", str(config), "fetch", "-o", str(tmp_path / "snap.json"))
    assert result.exit_code == 3, result.output
    assert f"check the base URL ({config}:1)" in result.stderr, result.stderr
    assert "--base-url" not in result.stderr
    assert not (tmp_path / "snap.json").exists()
