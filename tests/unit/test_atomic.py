"""atomic_write and check_writable: the permissions a file ends up with, early path checks."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from auditor.atomic import _in_place, atomic_write, check_writable
from auditor.errors import ConfigError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_usual_permissions_not_the_temp_files(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write(tmp_path / "report.html", "<p>hi</p>")
    finally:
        os.umask(old)
    assert mode(tmp_path / "report.html") == 0o640  # 0666 less the umask, not 0600


def test_a_replaced_file_keeps_its_permissions_and_so_does_the_backup(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text("old\n")
    path.chmod(0o664)
    atomic_write(path, "new\n", backup=tmp_path / "baseline.json.prev")
    assert path.read_text() == "new\n"
    assert mode(path) == 0o664
    assert (tmp_path / "baseline.json.prev").read_text() == "old\n"


@pytest.mark.parametrize(
    ("relative", "create", "message"),
    [
        ("folder", False, r"it is a folder; give a file name"),
        ("file/out.json", False, r"file is a file, not a folder"),
        ("file/sub/out.json", True, r"file is a file, not a folder"),
        ("missing/out.json", False, r"folder \S+missing does not exist; create it first"),
    ],
)
def test_check_writable_names_the_problem(
    tmp_path: Path, relative: str, create: bool, message: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match=message):
        check_writable(tmp_path / relative, create_folders=create)


def test_check_writable_accepts_folders_still_to_be_made(tmp_path: Path) -> None:
    check_writable(tmp_path / "out" / "deeper" / "report.html", create_folders=True)
    check_writable(tmp_path / "fleet.json")


# -- targets that are not regular files ------------------------------------------------------


def test_a_fifo_is_written_in_place_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    atomic_write(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO, not a regular file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/stdout", "/dev/stderr"])
def test_devices_are_written_in_place(device: str) -> None:
    """``-o /dev/null`` once replaced /dev/null with a regular file when run as root."""
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    assert _in_place(Path(device))
    check_writable(Path(device))  # and not "no write access to folder /dev"


def test_a_symlink_stays_a_link_to_the_replaced_file(tmp_path: Path) -> None:
    real = tmp_path / "baselines" / "2026-11.json"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "baseline.json"
    link.symlink_to(real)
    atomic_write(link, "new\n", backup=tmp_path / "baseline.json.prev")
    assert link.is_symlink()
    assert real.read_text() == "new\n"
    assert (tmp_path / "baseline.json.prev").read_text() == "old\n"
