"""Small durable-file primitives: private modes, fsync'd atomic replace, setting damage aside."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) and make it private to the user (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if os.name == "posix" and (path.stat().st_mode & 0o777) != DIR_MODE:
        os.chmod(path, DIR_MODE)


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, chunks: Iterable[bytes] | bytes) -> int:
    """Write ``path`` as a whole: temp file, fsync, rename, fsync the folder. Returns its size."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    size = 0
    try:
        for chunk in [chunks] if isinstance(chunks, bytes) else chunks:
            os.write(fd, chunk)
            size += len(chunk)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)
    return size


def append_durably(path: Path, data: bytes) -> None:
    """Append ``data`` in one write and fsync it before returning."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        written = os.write(fd, data)
        while written < len(data):  # a short write (rare: full disk, signals)
            written += os.write(fd, data[written:])
        os.fsync(fd)
    finally:
        os.close(fd)


def aside_name(path: Path, label: str) -> Path:
    """A free, timestamped name next to ``path`` for keeping a damaged copy."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.localtime())
    candidate = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    return candidate


def set_aside(path: Path, label: str = "damaged", *, copy: bool = False) -> Path:
    """Keep ``path`` under a timestamped name (moved, or copied when it stays live)."""
    target = aside_name(path, label)
    if copy:
        write_atomic(target, path.read_bytes())
    else:
        os.replace(path, target)
        fsync_dir(path.parent)
    return target
