"""Open a local file auditor is told to read, only if it is a regular file of bounded size.

A snapshot, a baseline or a history file comes from a path on the command line or in a
config file. ``/dev/zero`` or ``/dev/urandom`` (or a symlink to one) would be read without
end; a FIFO would block the run until someone writes to it; a ``/proc`` file claims a size
of 0 whatever it holds. So the file is opened non-blocking (a FIFO opens at once), checked
with ``fstat`` on the open descriptor (no race with a rename: the checked file is the one
read) and read through a handle that stops at the bound.

A symlink to a regular file is followed: a baseline kept elsewhere and linked in is fine.

The bound is ``MAX_FILE_BYTES`` (2 GiB, about 700,000 assistants in a snapshot), or the
environment variable ``AUDITOR_MAX_FILE_BYTES`` (a whole number of bytes).
"""

from __future__ import annotations

import os
import stat
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

from auditor.errors import ConfigError

MAX_FILE_BYTES = 2 << 30
"""The largest local file auditor reads (2 GiB) unless AUDITOR_MAX_FILE_BYTES says otherwise."""
MAX_FILE_BYTES_ENV = "AUDITOR_MAX_FILE_BYTES"


def max_file_bytes() -> int:
    """The bound in force: ``AUDITOR_MAX_FILE_BYTES`` if set, else ``MAX_FILE_BYTES``."""
    raw = os.environ.get(MAX_FILE_BYTES_ENV, "").strip()
    if not raw:
        return MAX_FILE_BYTES
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(
            f"{MAX_FILE_BYTES_ENV} must be a whole number of bytes above 0 (it is {raw[:40]!r})"
        )
    return value


def open_regular(
    path: Path,
    what: str = "file",
    max_bytes: int | None = None,
    error: type[ConfigError] = ConfigError,
) -> BoundedFile:
    """``path`` opened for binary reading; ``error`` (exit 2) when it is not a regular
    file of at most ``max_bytes`` (default: ``max_file_bytes()``).

    ``what`` names the file in messages ("snapshot", "baseline"). Reading the returned
    handle to its end gives at most ``max_bytes`` + 1 bytes: callers that read it all use
    ``read_bounded``, which says so when a file grew past the bound after the check.
    """
    limit = max_file_bytes() if max_bytes is None else max_bytes
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist; check the path") from None
    except IsADirectoryError:
        raise error(f"{what} {path} is a folder, not a file") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{what} {path} is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise error(
                f"{what} {path} is not a regular file (a device, FIFO or socket); "
                "give the path of a file"
            )
        if info.st_size > limit:
            raise error(_too_big(what, path, limit))
        os.set_blocking(fd, True)
        return BoundedFile(os.fdopen(fd, "rb"), limit)
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: Path, what: str = "file", error: type[ConfigError] = ConfigError) -> bytes:
    """The whole content of ``path``, checked as ``open_regular`` does."""
    limit = max_file_bytes()
    with open_regular(path, what, limit, error) as handle:
        try:
            raw = handle.read(limit + 1)
        except OSError as exc:
            raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise error(_too_big(what, path, limit))
    return raw


def _too_big(what: str, path: Path, limit: int) -> str:
    return (
        f"{what} {path} is larger than {limit:,} bytes, the most auditor reads; "
        f"raise {MAX_FILE_BYTES_ENV} to read it"
    )


class BoundedFile(AbstractContextManager["BoundedFile"]):
    """A binary file whose reads stop after ``limit`` + 1 bytes in all."""

    def __init__(self, handle: BinaryIO, limit: int) -> None:
        self._handle = handle
        self._left = limit + 1

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._handle.read(size)
        self._left -= len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._handle.seek(offset, whence)

    def fileno(self) -> int:
        return self._handle.fileno()

    def close(self) -> None:
        self._handle.close()

    def __exit__(self, *exc: object) -> None:
        self._handle.close()
