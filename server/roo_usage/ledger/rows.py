"""Tasks' entries left in the snapshot file until something needs them.

A ledger of a million requests holds about 100 MB of entry rows, and a summary never reads them
(it works from cells). So a loaded task only remembers where its row lies in the snapshot, and
the row is read when the task changes or is exported. The snapshot is never modified in place:
a new generation is written to another file and renamed over it, and on POSIX a file that is
still open stays readable after that, so what we opened is exactly what we loaded. Where that
does not hold (Windows cannot rename over an open file), rows are read into memory at load.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from roo_usage.ledger.codec import RecordError

KEEP_OPEN = hasattr(os, "pread")


class SnapshotFile:
    """An open snapshot, read by offset. Closed when the last task referring to it is gone."""

    __slots__ = ("fd", "_seen", "lost")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self._seen = self._identity()
        self.lost: list[tuple[str, str]] = []  # tasks whose row could not be read from here

    @classmethod
    def open(cls, path: Path) -> SnapshotFile:
        return cls(os.open(path, os.O_RDONLY))

    @classmethod
    def of(cls, f: BinaryIO) -> SnapshotFile:
        """The file ``f`` has open (not whatever is at its path by now)."""
        return cls(os.dup(f.fileno()))

    def _identity(self) -> tuple[int, int]:
        stat = os.fstat(self.fd)
        return (stat.st_size, stat.st_mtime_ns)

    def changed_in_place(self) -> bool:
        """Did another program write into this very file (rather than replace it)?"""
        return self._identity() != self._seen

    def read_all(self) -> bytes:
        return self.read(0, os.fstat(self.fd).st_size)

    def read(self, offset: int, length: int) -> bytes:
        data = os.pread(self.fd, length, offset)
        while 0 < len(data) < length:  # a short read (signals)
            more = os.pread(self.fd, length - len(data), offset + len(data))
            if not more:
                break
            data += more
        if len(data) != length:
            raise RecordError("the snapshot was cut short by another program")
        return data

    def __del__(self) -> None:
        fd = getattr(self, "fd", None)
        if fd is not None:
            os.close(fd)


class StoredRow:
    """Where one task's entry row lies in an open snapshot."""

    __slots__ = ("file", "offset", "length")

    def __init__(self, file: SnapshotFile, offset: int, length: int) -> None:
        self.file = file
        self.offset = offset
        self.length = length

    def read(self) -> bytes:
        return self.file.read(self.offset, self.length)
