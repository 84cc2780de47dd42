"""Findings over time (SPEC §8): new, standing and fixed against a baseline or the
history, --fail-on-new, the SQLite history (concurrent writers, damaged files) and
``auditor history``, through the real CLI."""

from __future__ import annotations

import copy
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor.cli import cli
from auditor.sandbox.server import RunningSandbox

POLICY = """\
version: 1
rules:
  - id: rec
    title: Calls are recorded
    severity: high
    require: {record: true}
  - id: dur
    title: Calls have a time limit
    severity: medium
    require: {max_duration: {lte: 1800}}
exceptions:
  - rule: dur
    assistants: ["name:Waived *"]
    reason: approved, OPS-1
    expires: 2099-01-31
  - rule: dur
    assistants: ["name:Expired *"]
    reason: was approved, OPS-2
    expires: 2020-01-31
"""


def _assistant(
    ident: int, name: str, *, record: bool = True, duration: int = 600
) -> dict[str, Any]:
    return {
        "id": ident,
        "uuid": f"u-{ident}",
        "name": name,
        "record": record,
        "max_duration": duration,
    }


BASELINE = [
    _assistant(1, "A", record=False, duration=3600),  # rec and dur
    _assistant(2, "B"),  # clean
    _assistant(3, "C", record=False),  # rec; removed tonight
    _assistant(4, "Waived one", duration=3600),  # dur, waived both nights
    _assistant(5, "Expired one", duration=3600),  # dur, its waiver expired: counts
]
TONIGHT = [
    _assistant(1, "A", record=True, duration=3600),  # rec fixed, dur standing
    _assistant(2, "B", record=False),  # rec new (a changed setting)
    _assistant(4, "Waived one", duration=3600),
    _assistant(5, "Expired one", duration=3600),  # dur standing
    _assistant(6, "D", record=False),  # rec new (an added assistant)
]
# worked out by hand from the two lists above
EXPECTED_STATUS = {
    ("u-2", "rec"): "new",
    ("u-6", "rec"): "new",
    ("u-1", "dur"): "standing",
    ("u-5", "dur"): "standing",
}
EXPECTED_FIXED = {("u-1", "rec", "fixed"), ("u-3", "rec", "removed")}


def _snapshot(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "tool_version": "test",
                "source": "http://fleet.example/api",
                "fetched_at": "2026-11-01T03:00:00Z",
                "count": len(records),
                "assistants": {r["uuid"]: r for r in records},
            },
            sort_keys=True,
        )
    )
    return path


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pol.yaml").write_text(POLICY)
    _snapshot(tmp_path / "base.json", BASELINE)
    _snapshot(tmp_path / "tonight.json", TONIGHT)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def report_of(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def statuses(report: dict[str, Any]) -> dict[tuple[str, str], str | None]:
    return {(v["assistant"]["uuid"], v["rule"]): v["status"] for v in report["violations"]}


def fixed_of(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(f["assistant"]["uuid"], f["rule"], f["why"]) for f in report["fixed"]}


def audit_input(snapshot: str, *extra: str) -> Result:
    return invoke("audit", "--policy", "pol.yaml", "--input", snapshot, "--format", "json", *extra)


# -- against the baseline ------------------------------------------------------------------


def test_status_and_fixed_against_the_baseline_match_the_hand_computed_truth(
    files: Path,
) -> None:
    result = audit_input("tonight.json", "--baseline", "base.json")
    assert result.exit_code == 0, result.output
    report = report_of(result)
    assert statuses(report) == EXPECTED_STATUS
    assert fixed_of(report) == EXPECTED_FIXED
    summary = report["summary"]
    assert (summary["new"], summary["standing"], summary["fixed"]) == (2, 2, 2)
    assert summary["waived"] == 1  # the waived finding is neither new nor fixed
    # no history: first_seen is unknown
    assert {v["first_seen"] for v in report["violations"]} == {None}


def test_without_a_baseline_or_history_status_and_counts_are_null(files: Path) -> None:
    report = report_of(audit_input("tonight.json"))
    assert set(statuses(report).values()) == {None}
    assert report["fixed"] is None
    summary = report["summary"]
    assert (summary["new"], summary["standing"], summary["fixed"]) == (None, None, None)


def test_an_unchanged_fleet_is_all_standing_and_nothing_is_fixed(files: Path) -> None:
    report = report_of(audit_input("base.json", "--baseline", "base.json"))
    assert set(statuses(report).values()) == {"standing"}
    assert report["fixed"] == []
    assert report["summary"]["new"] == 0


def test_the_report_validates_against_its_schema(files: Path) -> None:
    import jsonschema

    from auditor.report import SCHEMA_PATH

    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.validate(report_of(audit_input("tonight.json", "--baseline", "base.json")), schema)
    jsonschema.validate(report_of(audit_input("tonight.json")), schema)


def test_sarif_baseline_state_and_fingerprints_follow_the_identity(files: Path) -> None:
    result = invoke(
        "audit", "--policy", "pol.yaml", "--input", "tonight.json", "--baseline", "base.json",
        "--format", "sarif",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["runs"][0]["results"]
    state = {
        (r["properties"]["assistant"]["uuid"], r["ruleId"]): r.get("baselineState") for r in results
    }
    assert state[("u-2", "rec")] == "new"
    assert state[("u-1", "dur")] == "unchanged"
    assert state[("u-3", "rec")] == "absent"  # removed with its assistant
    assert state[("u-1", "rec")] == "absent"  # the setting was fixed
    again = invoke("audit", "--policy", "pol.yaml", "--input", "base.json", "--format", "sarif")
    before = {
        (r["properties"]["assistant"]["uuid"], r["ruleId"]): r["partialFingerprints"]
        for r in json.loads(again.stdout)["runs"][0]["results"]
    }
    tonight = {
        (r["properties"]["assistant"]["uuid"], r["ruleId"]): r["partialFingerprints"]
        for r in results
    }
    # the same finding keeps its fingerprint from night to night, fixed or not
    assert before[("u-1", "dur")] == tonight[("u-1", "dur")]
    assert before[("u-3", "rec")] == tonight[("u-3", "rec")]
    kinds = {(r["properties"]["assistant"]["uuid"], r["ruleId"]): r.get("kind") for r in results}
    assert kinds[("u-1", "rec")] == "pass"  # fixed: checked tonight and passed


def test_sarif_never_calls_a_finding_it_did_not_check_a_pass(files: Path) -> None:
    first = audit_input("tonight.json", "--history", "h.db")  # dur of u-1 and u-5 open
    assert first.exit_code == 0, first.output
    narrowed = invoke(
        "audit", "--policy", "pol.yaml", "--input", "tonight.json", "--format", "sarif",
        "--select", "rec", "--history", "h.db",
    )  # fmt: skip
    results = json.loads(narrowed.stdout)["runs"][0]["results"]
    unchecked = [r for r in results if r["properties"].get("why") == "not_checked"]
    assert {r["properties"]["assistant"]["uuid"] for r in unchecked} == {"u-1", "u-5"}  # dur
    for r in unchecked:
        assert (r["kind"], r["baselineState"], r["level"]) == ("notApplicable", "absent", "none")
        assert "was not checked this run" in r["message"]["text"]


# -- the gate on new violations ------------------------------------------------------------


def test_fail_on_new_passes_over_standing_ones_and_trips_on_one_new(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTELLIXENT_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("INTELLIXENT_API_KEY", sandbox.api_key)
    assert invoke("snapshot", "approve", "-o", "base.json").exit_code == 0
    standing = invoke("audit", "--baseline", "base.json", "--fail-on-new", "--format", "json")
    assert standing.exit_code == 0, standing.output
    report = report_of(standing)
    assert report["summary"]["violations"] > 5  # a fleet full of standing findings
    assert report["summary"]["new"] == 0
    assert "standing" in report["summary"]["gate"]["reason"]
    # one more finding: an assistant that was fine gets a call limit of two hours
    fleet = copy.deepcopy(sandbox.fleet)
    clean = {v["assistant"]["uuid"] for v in report["violations"] if v["rule"] == "max-duration"}
    target = next(r for r in fleet if r["uuid"] not in clean and r.get("status") == "active")
    target["max_duration"] = 7200
    sandbox.set_fleet(fleet)
    tripped = invoke("audit", "--baseline", "base.json", "--fail-on-new", "--format", "json")
    assert tripped.exit_code == 1, tripped.output
    report = report_of(tripped)
    new = [v for v in report["violations"] if v["status"] == "new"]
    assert [(v["assistant"]["uuid"], v["rule"]) for v in new] == [(target["uuid"], "max-duration")]
    assert report["summary"]["gate"]["reason"] == "1 new violation at or above low"
    # above the threshold only: a medium finding does not trip a high gate
    high = invoke(
        "audit", "--baseline", "base.json", "--fail-on-new", "--severity-threshold", "high"
    )
    assert high.exit_code == 0, high.output
    # with --fail-on-violation too, the reason names both parts
    both = invoke(
        "audit", "--baseline", "base.json", "--fail-on-new", "--fail-on-violation",
        "--format", "json",
    )  # fmt: skip
    assert both.exit_code == 1
    reason = report_of(both)["summary"]["gate"]["reason"]
    assert "violations at or above low" in reason
    assert "1 new violation" in reason


def test_fail_on_new_from_the_config_file_and_with_nothing_to_compare_fails_closed(
    files: Path,
) -> None:
    Path("auditor.yaml").write_text("gate: {fail_on_new: true}\npolicies: [pol.yaml]\n")
    result = invoke("audit", "--input", "tonight.json", "--format", "json")
    assert result.exit_code == 1, result.output
    reason = report_of(result)["summary"]["gate"]["reason"]
    assert (
        reason
        == "4 new violations at or above low (4 with no baseline or earlier run to compare with)"
    )
    assert invoke("audit", "--input", "tonight.json", "--baseline", "tonight.json").exit_code == 0


# -- the history -----------------------------------------------------------------------------


def test_history_gives_status_first_seen_and_fixed_run_after_run(files: Path) -> None:
    first = audit_input("base.json", "--history", "h.db")
    assert first.exit_code == 0, first.output
    one = report_of(first)
    assert one["summary"]["new"] is None  # an empty history: nothing to compare with
    assert {v["first_seen"] for v in one["violations"]} == {one["generated_at"]}
    time.sleep(1.1)  # report times are to the second
    two = report_of(audit_input("tonight.json", "--history", "h.db"))
    assert statuses(two) == EXPECTED_STATUS  # the last run plays the baseline
    assert fixed_of(two) == EXPECTED_FIXED
    time.sleep(1.1)
    three = report_of(audit_input("tonight.json", "--history", "h.db"))
    assert set(statuses(three).values()) == {"standing"}
    assert three["fixed"] == []
    since = {(v["assistant"]["uuid"], v["rule"]): v["first_seen"] for v in three["violations"]}
    assert since == {
        ("u-1", "dur"): one["generated_at"],  # open since the first run
        ("u-5", "dur"): one["generated_at"],
        ("u-2", "rec"): two["generated_at"],  # its streak began with the second
        ("u-6", "rec"): two["generated_at"],
    }
    listed = invoke("history", "--history", "h.db", "--format", "json")
    assert listed.exit_code == 0, listed.output
    runs = json.loads(listed.stdout)["runs"]
    assert [r["generated_at"] for r in runs] == [
        one["generated_at"],
        two["generated_at"],
        three["generated_at"],
    ]
    assert [(r["violations"], r["new"], r["fixed"]) for r in runs] == [
        (4, None, None),  # A rec, A dur, C rec, Expired dur
        (4, 2, 2),
        (4, 0, 0),
    ]
    assert runs[1]["by_severity"] == {"critical": 0, "high": 2, "medium": 2, "low": 0, "info": 0}
    last = json.loads(
        invoke("history", "--history", "h.db", "--last", "1", "--format", "json").stdout
    )
    assert [r["generated_at"] for r in last["runs"]] == [three["generated_at"]]
    table = invoke("history", "--history", "h.db")
    assert table.exit_code == 0
    assert len([line for line in table.stdout.splitlines() if line[:2] == "20"]) == 3
    # a real SQLite file: another program reads it
    with sqlite3.connect("h.db") as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (3,)
        assert db.execute("SELECT count(*) FROM finding_keys").fetchone() == (6,)  # 4 + B, D


def test_a_narrower_run_fixes_nothing_it_did_not_check_and_breaks_no_streak(
    files: Path,
) -> None:
    """``--select`` and ``--filter`` check part of the fleet: what they leave out is
    ``not_checked`` (not fixed, not removed), and the next full run finds it standing,
    open since the first night, not new."""
    one = report_of(audit_input("base.json", "--history", "h.db"))
    time.sleep(1.1)  # report times are to the second
    selected = report_of(audit_input("base.json", "--history", "h.db", "--select", "rec"))
    assert set(statuses(selected).values()) == {"standing"}
    assert fixed_of(selected) == {("u-1", "dur", "not_checked"), ("u-5", "dur", "not_checked")}
    time.sleep(1.1)
    filtered = report_of(audit_input("base.json", "--history", "h.db", "--filter", "name=A"))
    assert statuses(filtered) == {("u-1", "rec"): "standing", ("u-1", "dur"): "standing"}
    assert fixed_of(filtered) == {("u-3", "rec", "not_checked"), ("u-5", "dur", "not_checked")}
    time.sleep(1.1)
    both = report_of(
        audit_input("base.json", "--history", "h.db", "--filter", "name=C", "--select", "dur")
    )
    assert both["violations"] == []
    time.sleep(1.1)
    full = report_of(audit_input("base.json", "--history", "h.db"))
    assert set(statuses(full).values()) == {"standing"}
    assert full["summary"]["new"] == 0
    assert full["fixed"] == []
    assert {v["first_seen"] for v in full["violations"]} == {one["generated_at"]}
    # against a baseline the status is the baseline's; the streaks are still the history's
    time.sleep(1.1)
    audit_input("base.json", "--history", "h.db", "--baseline", "base.json", "--select", "rec")
    time.sleep(1.1)
    last = report_of(audit_input("base.json", "--history", "h.db", "--baseline", "base.json"))
    assert {v["first_seen"] for v in last["violations"]} == {one["generated_at"]}
    with sqlite3.connect("h.db") as db:  # what each run itself found, not what it carried
        assert [n for (n,) in db.execute("SELECT violations FROM runs ORDER BY id")] == [
            4, 2, 2, 0, 4, 2, 4,
        ]  # fmt: skip


def test_an_assistant_gone_from_a_filtered_run_is_not_checked_not_removed(files: Path) -> None:
    """Against a baseline: A matched the filter on the baseline and, renamed, no longer
    does tonight. It was not checked; it was not removed."""
    renamed = [{**r, "name": "Z"} if r["uuid"] == "u-1" else r for r in BASELINE]
    _snapshot(files / "renamed.json", renamed)
    report = report_of(audit_input("renamed.json", "--baseline", "base.json", "--filter", "name=A"))
    assert fixed_of(report) == {("u-1", "rec", "not_checked"), ("u-1", "dur", "not_checked")}
    plain = report_of(audit_input("tonight.json", "--baseline", "base.json"))
    assert ("u-3", "rec", "removed") in fixed_of(plain)  # without a filter, gone is removed


def test_the_history_comes_from_the_environment_and_the_config_file(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUDITOR_HISTORY", "env.db")
    assert audit_input("base.json").exit_code == 0
    monkeypatch.delenv("AUDITOR_HISTORY")
    Path("auditor.yaml").write_text("history: file.db\n")
    assert audit_input("base.json").exit_code == 0
    assert Path("env.db").is_file()
    assert Path("file.db").is_file()
    runs = json.loads(invoke("history", "--format", "json").stdout)["runs"]
    assert len(runs) == 1


@pytest.fixture
def two(
    make_sandbox: Callable[..., RunningSandbox], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[RunningSandbox, RunningSandbox]:
    north = make_sandbox(count=12, seed=1, api_key="north-key-0001")
    south = make_sandbox(count=9, seed=2, api_key="south-key-0002")
    (tmp_path / "auditor.yaml").write_text(
        "accounts:\n"
        f"  - {{name: north, base_url: '{north.base_url}', api_key_env: NORTH_KEY}}\n"
        f"  - {{name: south, base_url: '{south.base_url}', api_key_env: SOUTH_KEY}}\n"
        "history: h.db\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NORTH_KEY", "north-key-0001")
    monkeypatch.setenv("SOUTH_KEY", "south-key-0002")
    return north, south


def test_an_account_that_could_not_be_read_is_recorded_failed_and_nothing_of_it_is_fixed(
    two: tuple[RunningSandbox, RunningSandbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = invoke("audit", "--format", "json")
    assert first.exit_code == 0, first.output
    one = report_of(first)
    south_findings = {
        (v["assistant"]["uuid"], v["rule"], v["path"])
        for v in one["violations"]
        if v["assistant"]["account"] == "south"
    }
    assert south_findings
    assert any(v["assistant"]["account"] == "north" for v in one["violations"])
    time.sleep(1.1)
    monkeypatch.setenv("SOUTH_KEY", "wrong-key-99999")
    second = invoke("audit", "--format", "json")
    assert second.exit_code == 3, second.output
    two_report = report_of(second)
    assert two_report["fixed"] == []  # south's findings are unknown tonight, not fixed
    assert {v["status"] for v in two_report["violations"]} == {"standing"}
    with sqlite3.connect("h.db") as db:
        rows = db.execute(
            "SELECT run, account, error IS NOT NULL FROM run_accounts ORDER BY run, account"
        )
        assert rows.fetchall() == [
            (1, "north", 0),
            (1, "south", 0),
            (2, "north", 0),
            (2, "south", 1),
        ]
        assert db.execute(
            "SELECT count(*) FROM findings f JOIN finding_keys k ON k.id = f.finding "
            "WHERE f.run = 2 AND k.account = 'south'"
        ).fetchone() == (0,)
    time.sleep(1.1)
    monkeypatch.setenv("SOUTH_KEY", "south-key-0002")
    three = report_of(invoke("audit", "--format", "json"))
    south = [v for v in three["violations"] if v["assistant"]["account"] == "south"]
    # compared with the last run that read south (the first): standing, open since then
    assert {(v["assistant"]["uuid"], v["rule"], v["path"]) for v in south} == south_findings
    assert {v["status"] for v in south} == {"standing"}
    assert {v["first_seen"] for v in south} == {one["generated_at"]}


def test_two_audits_writing_one_history_at_the_same_moment_both_land(files: Path) -> None:
    command = [
        sys.executable, "-m", "auditor", "audit", "--policy", "pol.yaml",
        "--input", "tonight.json", "--history", "h.db", "--format", "json", "-o", "{}.json",
    ]  # fmt: skip
    processes = [
        subprocess.Popen(
            [part.format(n) for part in command], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for n in range(2)
    ]
    outcomes = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outcomes
    with sqlite3.connect("h.db") as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (2,)
        assert db.execute("SELECT count(*) FROM findings").fetchone() == (8,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize("kind", ["garbage", "foreign", "newer", "folder"])
def test_a_damaged_foreign_or_newer_history_is_exit_2_before_any_request_and_untouched(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    monkeypatch.chdir(tmp_path)
    history = tmp_path / "h.db"
    if kind == "garbage":
        history.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    elif kind == "foreign":
        with sqlite3.connect(history) as db:
            db.execute("CREATE TABLE notes (text TEXT)")
        db.close()
    elif kind == "newer":
        (tmp_path / "pol.yaml").write_text(POLICY)
        _snapshot(tmp_path / "base.json", BASELINE)
        assert audit_input("base.json", "--history", str(history)).exit_code == 0
        with sqlite3.connect(history) as db:
            db.execute("PRAGMA user_version = 99")
        db.close()
    else:
        history.mkdir()
    before = history.read_bytes() if history.is_file() else None
    served = sandbox.request_count
    result = invoke(
        "audit", "--base-url", sandbox.base_url, "--api-key", sandbox.api_key,
        "--history", str(history),
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert sandbox.request_count == served  # not one request
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(history) in lines[0]
    assert "Traceback" not in result.output
    expected = {
        "garbage": "is not an auditor history",
        "foreign": "another program",
        "newer": "newer auditor",
        "folder": "not a regular file",
    }
    assert expected[kind] in lines[0]
    if before is not None:
        assert history.read_bytes() == before
    listed = invoke("history", "--history", str(history))
    assert listed.exit_code == 2


def test_a_single_account_that_could_not_be_read_is_recorded_failed(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTELLIXENT_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("INTELLIXENT_API_KEY", sandbox.api_key)
    first = invoke("audit", "--history", "h.db", "--format", "json")
    assert first.exit_code == 0, first.output
    one = report_of(first)
    failed = invoke("audit", "--history", "h.db", "--api-key", "wrong-key-0000000")
    assert failed.exit_code == 3, failed.output
    with sqlite3.connect("h.db") as db:
        rows = db.execute("SELECT run, account, error IS NOT NULL FROM run_accounts ORDER BY run")
        assert rows.fetchall() == [(1, "", 0), (2, "", 1)]
        assert db.execute("SELECT count(*) FROM findings WHERE run = 2").fetchone() == (0,)
    runs = json.loads(invoke("history", "--history", "h.db", "--format", "json").stdout)["runs"]
    assert [(r["assistants"], r["violations"]) for r in runs] == [
        (47, one["summary"]["violations"]),
        (0, 0),
    ]
    third = report_of(invoke("audit", "--history", "h.db", "--format", "json"))
    assert third["fixed"] == []  # compared with the first run, the last that read it
    assert {v["status"] for v in third["violations"]} == {"standing"}
    assert {v["first_seen"] for v in third["violations"]} == {one["generated_at"]}


# -- drift ignores scoped to assistants -------------------------------------------------------


def test_ignore_drift_scoped_to_assistants_is_counted_not_dropped(files: Path) -> None:
    Path("auditor.yaml").write_text(
        "policies: [pol.yaml]\n"
        "ignore_drift:\n"
        "  - {assistants: ['name:A*'], paths: ['max_*', record], reason: 'tuning, OPS-9'}\n"
    )
    # A's record changed (ignored for A); B's record changed too (not ignored: not A*)
    for command in (
        ["audit", "--input", "tonight.json", "--baseline", "base.json", "--format", "json"],
        ["diff", "base.json", "tonight.json", "--format", "json"],
    ):
        result = invoke(*command)
        report = report_of(result)
        assert [c["assistant"]["name"] for c in report["drift"]["changed"]] == ["B"], command
        assert report["summary"]["drift"] == {"added": 1, "removed": 1, "changed": 1}
        assert report["summary"]["drift_ignored"] == 1
    # without the entry, A's change is drift again
    Path("auditor.yaml").write_text("policies: [pol.yaml]\n")
    report = report_of(invoke("diff", "base.json", "tonight.json", "--format", "json"))
    assert [c["assistant"]["name"] for c in report["drift"]["changed"]] == ["A", "B"]
    assert "drift_ignored" not in report["summary"]


def test_ignore_drift_with_a_bad_selector_is_exit_2_at_its_line(files: Path) -> None:
    Path("auditor.yaml").write_text("ignore_drift:\n  - {assistants: ['nope:x'], paths: [a]}\n")
    result = invoke("audit", "--input", "tonight.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: auditor.yaml:1: ignore_drift[0]: assistant selector")


def test_ignore_drift_in_a_policy_file_scopes_like_the_config_file(files: Path) -> None:
    policy = Path("pol.yaml").read_text()
    Path("pol.yaml").write_text(
        policy + "ignore_drift:\n  - {assistants: ['name:A*'], paths: ['max_*', record]}\n"
    )
    result = invoke(
        "audit",
        "--policy",
        "pol.yaml",
        "--input",
        "tonight.json",
        "--baseline",
        "base.json",
        "--format",
        "json",
    )
    report = report_of(result)
    assert [c["assistant"]["name"] for c in report["drift"]["changed"]] == ["B"]
    assert report["summary"]["drift_ignored"] == 1


def test_a_bad_ignore_drift_entry_in_a_policy_file_is_file_line(files: Path) -> None:
    Path("bad.yaml").write_text(
        "version: 1\nrules: []\nignore_drift:\n  - {assistants: ['nope:x'], paths: [a]}\n"
        "  - {paths: []}\n"
    )
    result = invoke("policy", "validate", "bad.yaml")
    assert result.exit_code == 2
    assert "bad.yaml:4: ignore_drift: " in result.stderr
    assert "bad.yaml:5: ignore_drift paths must be a list of field paths" in result.stderr
