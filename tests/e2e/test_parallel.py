"""``audit --input --jobs N``: a big snapshot checked by worker processes gives the very
report one process gives, and anything the workers cannot take is read in one process.

The threshold (``auditor.parallel.PARALLEL_BYTES``) and the batch are made small here,
so a few hundred assistants go through real spawned workers in many batches.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from auditor import audit as audit_module
from auditor import parallel, slices
from auditor.cli import cli
from auditor.model import Listing
from auditor.sandbox.data import generate_fleet, simulate_drift
from auditor.snapshot import mask_listing, write_snapshot

SECRET = "sk-proj-" + "A1b2C3d4" * 4


@pytest.fixture(params=["stretches", "read by the main process"])
def checked_in_workers(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> list[int]:
    """Any input is worth workers, which read stretches of about 4 KB of each file
    themselves, or (the second run) are handed 40 records at a time by the main process,
    as for a file laid out in another way; the batches they checked."""
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(audit_module, "_PARALLEL_BATCH", 40)
    monkeypatch.setattr(audit_module, "_STRETCH_BYTES", 4096)
    if request.param != "stretches":

        def unsliced(path: Path) -> None:
            raise slices.Unsliced("laid out in another way")

        monkeypatch.setattr(slices, "layout", unsliced)
    batches: list[int] = []
    add_checked, add_walked = (
        audit_module.AccountAudit.add_checked,
        audit_module.AccountAudit.add_walked,
    )

    def counted(self: Any, checked: parallel.Checked, matched: Any) -> None:
        batches.append(checked.seen)
        add_checked(self, checked, matched)

    def walked(self: Any, stretch: parallel.Walked) -> None:
        batches.append(stretch.checked.seen)
        add_walked(self, stretch)

    monkeypatch.setattr(audit_module.AccountAudit, "add_checked", counted)
    monkeypatch.setattr(audit_module.AccountAudit, "add_walked", walked)
    return batches


def _write(path: Path, fleet: list[dict[str, Any]], *, masked: bool = True) -> Path:
    listing = Listing("http://api.example", "2026-12-01T03:00:00Z", {r["uuid"]: r for r in fleet})
    write_snapshot(mask_listing(listing) if masked else listing, path)
    return path


def _audit(*args: str) -> Result:
    return CliRunner().invoke(cli, ["audit", "-q", "--format", "json", *args])


def _report(result: Result, path: Path) -> dict[str, Any]:
    assert result.exit_code in (0, 1), result.output
    report = json.loads(path.read_text(encoding="utf-8"))
    del report["generated_at"]
    return report


@pytest.fixture
def night(tmp_path: Path) -> tuple[Path, Path]:
    """A baseline of 300 assistants and tonight's file: edits, one added, one removed,
    and a key pasted into a prompt (the file is not masked: the workers mask it)."""
    fleet = generate_fleet(300)
    baseline = _write(tmp_path / "baseline.json", fleet)
    tonight = [dict(r) for r in simulate_drift(fleet)]
    tonight[5]["system_prompt"] = f"Use the key {SECRET} for the CRM."
    return baseline, _write(tmp_path / "tonight.json", tonight, masked=False)


@pytest.mark.parametrize("with_baseline", [True, False])
def test_workers_give_the_report_one_process_gives(
    tmp_path: Path, night: tuple[Path, Path], checked_in_workers: list[int], with_baseline: bool
) -> None:
    baseline, tonight = night
    against = ("--baseline", str(baseline)) if with_baseline else ()
    reports = []
    for jobs in ("1", "2"):
        out = tmp_path / f"report-{jobs}.json"
        result = _audit("--input", str(tonight), *against, "--jobs", jobs, "-o", str(out))
        reports.append(_report(result, out))
    assert sum(checked_in_workers) == reports[0]["summary"]["assistants"]  # all by workers
    assert len(checked_in_workers) > 2  # in many batches, taken back in order
    assert reports[1] == reports[0]
    text = json.dumps(reports[1])
    assert SECRET not in text
    if with_baseline:
        drift = reports[1]["summary"]["drift"]
        assert all(drift[kind] for kind in ("changed", "added", "removed"))
        prompts = [
            change["after"]
            for changed in reports[1]["drift"]["changed"]
            for change in changed["changes"]
            if change["path"] == "system_prompt"
        ]
        assert any("<redacted:sha256:" in str(after) for after in prompts)  # masked, then diffed


def test_a_record_the_reader_refuses_is_said_as_one_process_says_it(
    tmp_path: Path, night: tuple[Path, Path], checked_in_workers: list[int]
) -> None:
    """A worker that cannot take a record gives up; the file is read again in one
    process, which names the record."""
    _, tonight = night
    document = json.loads(tonight.read_text(encoding="utf-8"))
    uuid = sorted(document["assistants"])[100]
    text = tonight.read_text(encoding="utf-8")
    start = text.index(f'"uuid": "{uuid}"')
    broken = tmp_path / "broken.json"
    broken.write_text(text[:start] + '"uuid": "someone-else"' + text[start + len(uuid) + 10 :])
    results = [
        _audit("--input", str(broken), "--jobs", jobs, "-o", str(tmp_path / "r.json"))
        for jobs in ("1", "2")
    ]
    assert checked_in_workers  # the workers took the batches before it
    assert results[0].exit_code == results[1].exit_code == 2
    assert results[1].stderr == results[0].stderr
    assert "someone-else" in results[1].stderr
    assert "Traceback" not in results[1].output


def test_a_uuid_given_twice_in_the_middle_is_refused_with_workers_too(
    tmp_path: Path, night: tuple[Path, Path], checked_in_workers: list[int]
) -> None:
    """A second, different copy of a record in the middle of a big input (or baseline):
    no stretch takes it, and the file read whole names the uuid."""
    _, tonight = night
    text = tonight.read_text(encoding="utf-8")
    uuid = sorted(json.loads(text)["assistants"])[100]
    start = text.index(f'\n    "{uuid}": {{')
    end = text.index("\n    },", start) + len("\n    },")
    twice = tmp_path / "twice.json"
    copy = text[start:end].replace('"max_duration": ', '"max_duration": 9', 1)
    twice.write_text(text[:end] + copy + text[end:], encoding="utf-8")
    for args in (["--input", str(twice)], ["--input", str(tonight), "--baseline", str(twice)]):
        for jobs in ("1", "2"):
            result = _audit(*args, "--jobs", jobs, "-o", str(tmp_path / "r.json"))
            assert result.exit_code == 2, result.output
            assert f"gives the assistant uuid '{uuid}' twice" in result.stderr
            assert "Traceback" not in result.output


@pytest.mark.skipif(os.name != "posix", reason="sends SIGINT like a terminal does")
def test_ctrl_c_stops_the_workers_too(tmp_path: Path) -> None:
    """A real file over the threshold, a real SIGINT while the workers check it: exit
    130 and one line, no report, and no worker left running."""
    big = _write(tmp_path / "big.json", generate_fleet(11_000))
    assert big.stat().st_size >= parallel.PARALLEL_BYTES
    report = tmp_path / "report.json"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "auditor", "audit", "--input", str(big), "--jobs", "2"),
            *("--format", "json", "-o", str(report)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _children(process.pid)
    assert len(workers) >= 2, "no workers were started"
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines() == [stderr.strip()]
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    assert not report.exists()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def test_workers_that_cannot_start_leave_the_audit_to_one_process(
    tmp_path: Path,
    night: tuple[Path, Path],
    checked_in_workers: list[int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each worker dies as it starts (as it would, say, run out of memory): the pool
    breaks, and the file is read in one process, to the same report."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    def dying(self: parallel.CheckPool, spec: parallel.CheckSpec, jobs: int) -> None:
        self._jobs = jobs
        spawn = multiprocessing.get_context("spawn")
        self._pool = ProcessPoolExecutor(jobs, spawn, initializer=os._exit, initargs=(3,))

    monkeypatch.setattr(parallel.CheckPool, "__init__", dying)
    baseline, tonight = night
    reports = []
    for jobs in ("1", "2"):
        out = tmp_path / f"report-{jobs}.json"
        result = _audit(
            *("--input", str(tonight), "--baseline", str(baseline), "--jobs", jobs),
            *("-o", str(out)),
        )
        assert "internal error" not in result.output
        reports.append(_report(result, out))
    assert not checked_in_workers
    assert reports[1] == reports[0]
