"""`auditor diff A B` through the CLI: reports, --fail-on-drift, damaged files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli
from auditor.model import Listing
from auditor.sandbox.data import generate_fleet, simulate_drift
from auditor.snapshot import write_snapshot


def snapshots(tmp_path: Path) -> tuple[Path, Path]:
    fleet = generate_fleet(20)
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_snapshot(Listing("http://x/api", "t1", {r["uuid"]: r for r in fleet}), a)
    drifted = simulate_drift(fleet)
    write_snapshot(Listing("http://x/api", "t2", {r["uuid"]: r for r in drifted}), b)
    return a, b


def test_diff_text_and_json(tmp_path: Path) -> None:
    a, b = snapshots(tmp_path)
    result = CliRunner().invoke(cli, ["diff", str(a), str(b)])
    assert result.exit_code == 0, result.output
    assert "Drift since the baseline: 1 added, 1 removed" in result.stdout
    result = CliRunner().invoke(cli, ["diff", str(a), str(b), "--format", "json"])
    drift = json.loads(result.stdout)["drift"]
    changed = {c["assistant"]["id"] for c in drift["changed"]}
    assert changed == {1, 2, 3, 4}  # 5 only reordered tools, 6 and 7 only touched updated_at
    assert CliRunner().invoke(cli, ["diff", str(a), str(a), "--fail-on-drift"]).exit_code == 0


def test_fail_on_drift(tmp_path: Path) -> None:
    a, b = snapshots(tmp_path)
    result = CliRunner().invoke(cli, ["diff", str(a), str(b), "--fail-on-drift"])
    assert result.exit_code == 1
    assert "gate failed" in result.stderr


def test_damaged_snapshot_is_exit_2(tmp_path: Path) -> None:
    a, b = snapshots(tmp_path)
    b.write_bytes(b.read_bytes()[:200])
    result = CliRunner().invoke(cli, ["diff", str(a), str(b)])
    assert result.exit_code == 2
    assert str(b) in result.stderr
    assert "truncated" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_hand_edited_files_in_any_order_and_layout_give_the_same_drift(tmp_path: Path) -> None:
    """Records out of uuid order, and a layout the record reader does not follow (the
    header after the records), are diffed exactly as the files ``auditor`` wrote."""
    a, b = snapshots(tmp_path)
    want = CliRunner().invoke(cli, ["diff", str(a), str(b), "--format", "json"])
    for path in (a, b):
        document = json.loads(path.read_text(encoding="utf-8"))
        records = dict(reversed(list(document.pop("assistants").items())))
        path.write_text(json.dumps({"assistants": records, **document}), encoding="utf-8")
    got = CliRunner().invoke(cli, ["diff", str(a), str(b), "--format", "json"])
    assert got.exit_code == want.exit_code == 0, got.output
    assert json.loads(got.stdout)["drift"] == json.loads(want.stdout)["drift"]
    listed = json.loads(got.stdout)["assistants"]  # in the order of the file, as before
    assert listed == list(reversed(json.loads(want.stdout)["assistants"]))


def test_a_file_that_must_be_read_whole_diffs_as_the_same_file_laid_out_plainly(
    tmp_path: Path,
) -> None:
    """``account`` after the records: the reader finds out late, reads the file whole,
    and the drift (with the account on every assistant) is what the plain layout gives."""
    a, b = snapshots(tmp_path)
    document = json.loads(b.read_text(encoding="utf-8"))
    plain, late = tmp_path / "plain.json", tmp_path / "late.json"
    plain.write_text(json.dumps({"account": "north", **document}), encoding="utf-8")
    records = document.pop("assistants")
    late.write_text(json.dumps({"assistants": records, **document, "account": "north"}))
    want = CliRunner().invoke(cli, ["diff", str(a), str(plain), "--format", "json"])
    got = CliRunner().invoke(cli, ["diff", str(a), str(late), "--format", "json"])
    assert got.exit_code == want.exit_code == 0, got.output
    assert json.loads(got.stdout)["drift"] == json.loads(want.stdout)["drift"]
    assert json.loads(got.stdout)["assistants"] == json.loads(want.stdout)["assistants"]
    assert {a["account"] for a in json.loads(got.stdout)["assistants"]} == {"north"}
