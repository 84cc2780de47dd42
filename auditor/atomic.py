"""Write files so that a reader sees the old content or the new, never half of either.

Snapshots, baselines and reports are all written through ``atomic_write``: a temporary
file in the same folder, flushed and fsynced, then renamed over the target. A full disk,
a missing folder or Ctrl-C leaves the previous file exactly as it was.

Only regular files are replaced that way. A device, a FIFO or a ``/dev``/``/proc`` path
(``-o /dev/null``, ``-o /dev/stdout``) is written in place: renaming over it would put a
regular file where the device was (and, run as root, break ``/dev/null`` for every
program on the machine). A symlink to a regular file is followed, so the link stays a
link and the file it names is replaced.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from auditor.errors import ConfigError

_SPECIAL_ROOTS = ("/dev/", "/proc/")


def check_writable(path: Path, *, create_folders: bool = False) -> None:
    """Fail early (``ConfigError``, exit 2) when ``path`` plainly cannot be written.

    Commands call this before any API request, so a typo in ``-o`` costs no fetch. With
    ``create_folders`` (reports), missing folders are fine as long as the nearest existing
    one is a writable folder. A full disk can still fail the write later; that is
    ``atomic_write``'s to report.
    """
    if path.is_dir():
        raise ConfigError(f"cannot write {path}: it is a folder; give a file name")
    if _in_place(path):
        if not os.access(path, os.W_OK):
            raise ConfigError(f"cannot write {path}: Permission denied")
        return
    folder = existing = _folder_of(path)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        raise ConfigError(f"cannot write {path}: {existing} is a file, not a folder")
    if existing != folder and not create_folders:
        raise ConfigError(f"cannot write {path}: folder {folder} does not exist; create it first")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(
            f"cannot write {path}: Permission denied (no write access to folder {existing})"
        )


def atomic_write(
    path: Path, data: bytes | str | Iterable[bytes], *, backup: Path | None = None
) -> None:
    """Replace ``path`` with ``data`` (or the chunks it yields) atomically.

    With ``backup``, the current content of ``path`` (if any) is first kept there, also
    atomically, so the previous version can be restored by renaming it back. The new
    file keeps the permissions of the one it replaces; a new file gets the usual ones
    (0666 less the umask), not the 0600 of a temporary file.
    Raises ``ConfigError`` naming the path and the reason (exit 2) on any OS error.
    """
    payload = _chunks(data)
    if _in_place(path):
        _write_in_place(path, payload)
        return
    shown = path
    if path.is_symlink():  # replace the file the link names, keep the link
        path = Path(os.path.realpath(path))
    folder = _folder_of(path)
    if folder.exists() and not folder.is_dir():
        raise ConfigError(f"cannot write {shown}: {folder} is a file, not a folder")
    if not folder.is_dir():
        raise ConfigError(f"cannot write {shown}: folder {folder} does not exist; create it first")
    fd, tmp_name = -1, ""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, _mode_for(path))
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            for chunk in payload:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if backup is not None and path.exists():
            _keep_previous(path, backup)
        os.replace(tmp_name, path)
        tmp_name = ""
        _fsync_folder(folder)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(
            f"cannot write {shown}: {reason}; the previous file (if any) is unchanged"
        ) from None
    finally:
        _drop(fd, tmp_name)


def _keep_previous(path: Path, backup: Path) -> None:
    """Keep ``path``'s current content as ``backup`` by a rename over it, never by
    writing through it: a ``backup`` planted as a symlink (to ``~/.bashrc``, to
    ``/dev/sda``) or a FIFO is replaced by a regular file, its target left alone.

    A hard link to the current file costs nothing (the rename that follows gives
    ``path`` a new file and leaves the old one to ``backup``); where links are not
    possible the content is copied to a temporary file first.
    """
    folder = _folder_of(backup)
    if backup.is_dir() and not backup.is_symlink():
        raise IsADirectoryError(errno.EISDIR, f"{backup} is a folder")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{backup.name}.", suffix=".tmp", dir=folder)
    try:
        try:
            os.close(fd)
            fd = -1
            os.unlink(tmp_name)
            os.link(path, tmp_name)
        except OSError:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            with os.fdopen(os.open(tmp_name, flags, _mode_for(path)), "wb") as handle:
                for chunk in _read_chunks(path):
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp_name, backup)  # replaces a symlink itself, not what it names
        tmp_name = ""
    finally:
        _drop(fd, tmp_name)


def _drop(fd: int, tmp_name: str) -> None:
    """Close ``fd`` and remove the temporary file ``tmp_name``, where there is one."""
    if fd >= 0:
        os.close(fd)
    if tmp_name:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)


def _in_place(path: Path) -> bool:
    """An existing target that must be opened and written, never renamed over."""
    try:
        mode = path.stat().st_mode  # follows symlinks
    except OSError:
        return False
    if stat.S_ISDIR(mode):
        return False
    return not stat.S_ISREG(mode) or str(path.absolute()).startswith(_SPECIAL_ROOTS)


def utf8_chunks(
    pieces: Iterable[str], size: int = 1 << 20, fix: Callable[[str], str] | None = None
) -> Iterator[bytes]:
    """``pieces`` joined and encoded as UTF-8 about ``size`` characters at a time: a big
    document written without ever being one string (``fix`` is applied to each batch)."""
    batch: list[str] = []
    held = 0
    for piece in pieces:
        batch.append(piece)
        held += len(piece)
        if held >= size:
            text = "".join(batch)
            yield (fix(text) if fix else text).encode("utf-8")
            batch, held = [], 0
    if batch:
        text = "".join(batch)
        yield (fix(text) if fix else text).encode("utf-8")


def _chunks(data: bytes | str | Iterable[bytes]) -> Iterable[bytes]:
    if isinstance(data, str):
        return (data.encode("utf-8"),)
    if isinstance(data, (bytes, bytearray)):
        return (data,)
    return data


def _read_chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    """``path``'s content a megabyte at a time (a 300 MB baseline is never all in memory)."""
    with open(path, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def _write_in_place(path: Path, payload: Iterable[bytes]) -> None:
    try:
        with open(path, "wb") as handle:
            for chunk in payload:
                handle.write(chunk)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None


def _folder_of(path: Path) -> Path:
    return path.parent if str(path.parent) else Path(".")


def _mode_for(path: Path) -> int:
    """The permission bits for the new ``path``: the old file's, else 0666 less the umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it
    os.umask(mask)
    return mask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
