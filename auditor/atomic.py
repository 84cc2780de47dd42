"""Write files so that a reader sees the old content or the new, never half of either.

Snapshots, baselines and reports are all written through ``atomic_write``: a temporary
file in the same folder, flushed and fsynced, then renamed over the target. A full disk,
a missing folder or Ctrl-C leaves the previous file exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from auditor.errors import ConfigError


def atomic_write(path: Path, data: bytes | str, *, backup: Path | None = None) -> None:
    """Replace ``path`` with ``data`` atomically.

    With ``backup``, the current content of ``path`` (if any) is first kept there, also
    atomically, so the previous version can be restored by renaming it back.
    Raises ``ConfigError`` naming the path and the reason (exit 2) on any OS error.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"cannot write {path}: folder {folder} does not exist; create it first")
    fd, tmp_name = -1, ""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if backup is not None and path.exists():
            atomic_write(backup, path.read_bytes())
        os.replace(tmp_name, path)
        tmp_name = ""
        _fsync_folder(folder)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(
            f"cannot write {path}: {reason}; the previous file (if any) is unchanged"
        ) from None
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


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
