"""The snapshot file ``ledger.json``: one JSON document, laid out one task per line.

```
{"header":{"format":"roo-usage-ledger","schema":2,"generation":7,"revision":42,"modeNames":{}},
"summaries":{"Europe/Berlin":{"revision":42,"overall":{…}}},
"tasks":[
[["roo-code","019b…",{"ws":"/home/dev/acme",…}],[["code","anthropic/…",1965882,58584000000,…]],913],
…
],
"requests":[
["roo-code","019b…",[[1768294803400,0,1,58584000000,12458,812,0,12040,"architect","…"],…]],
…
]}
```

``tasks`` holds each task's metadata, cells (``cells.py``) and the byte length of its row in
``requests``, which holds its entries in the same order. Loading parses only ``tasks``: from the
lengths it knows where every entries row lies without reading one (``rows.py``), so a ledger of
a million requests opens in about a second. ``summaries`` is optional and opaque here: what the
summary layer keeps to start faster (it is only a head start; a damaged one is ignored).
Snapshots of schema 1 (no lengths), or edited by hand, have their rows found by reading the
section; any other valid JSON layout of the same document (say, re-indented) still loads, more
slowly.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from roo_usage import cells as cells_codec
from roo_usage.ledger import codec
from roo_usage.ledger.files import write_atomic
from roo_usage.ledger.rows import KEEP_OPEN, SnapshotFile, StoredRow
from roo_usage.ledger.state import TaskState

_HEADER_PREFIX = b'{"header":'
_SUMMARIES_PREFIX = b'"summaries":'
_TASKS_LINE = b'"tasks":[\n'
_REQUESTS_LINE = b'"requests":[\n'
_END = b"]}\n"


@dataclass
class Snapshot:
    header: dict[str, Any]
    tasks: list[TaskState] = field(default_factory=list)
    bad_rows: int = 0
    size: int = 0
    summaries: Any = None  # what the summary layer keeps beside the tasks (opaque here)
    file: SnapshotFile | None = None  # the open file the tasks' entries are read from


def write_snapshot(
    path: Path, header: dict[str, Any], tasks: Iterable[TaskState], summaries: bytes | None
) -> tuple[int, SnapshotFile | None]:
    """Write the snapshot atomically (``summaries``: JSON kept beside the tasks), then point
    each task's entries at the new file rather than keep them in memory. Returns the file's
    size and the file, open."""
    tasks = list(tasks)
    rows = [t.raw_requests() for t in tasks]  # folds the cells of changed tasks on the way
    lines = [
        orjson.dumps([codec.encode_meta(t.meta), cells_codec.encode(t.cells), len(row)])
        for t, row in zip(tasks, rows, strict=True)
    ]
    summaries_line = _SUMMARIES_PREFIX + summaries + b",\n" if summaries is not None else b""
    tasks_section = b",\n".join(lines) + b"\n" if lines else b""
    header = header | {"digest": zlib.crc32(tasks_section, zlib.crc32(summaries_line))}
    head = b"".join(
        [
            _HEADER_PREFIX + orjson.dumps(header) + b",\n",
            summaries_line,
            _TASKS_LINE,
            tasks_section,
            b"],\n",
            _REQUESTS_LINE,
        ]
    )
    size = write_atomic(path, [head, b",\n".join(rows) + b"\n" if rows else b"", _END])
    file = _reopen(path)
    offset = len(head)
    for task, row in zip(tasks, rows, strict=True):
        task.stored(StoredRow(file, offset, len(row)) if file else row)
        offset += len(row) + 2
    return size, file


def _reopen(path: Path) -> SnapshotFile | None:
    """The snapshot just written (under the writers' lock: still ours), to read rows from."""
    if not KEEP_OPEN:
        return None
    try:
        return SnapshotFile.open(path)
    except OSError:
        return None  # then rows stay in memory


def read_snapshot(path: Path) -> Snapshot:
    """Read ``path``. Raises ``codec.RecordError`` (or ``OSError``) when it cannot be used."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        first = f.readline()
        if first.startswith(_HEADER_PREFIX):
            line = f.readline()
            summaries_line = b""
            if line.startswith(_SUMMARIES_PREFIX):
                summaries_line, line = line, f.readline()
            if line == _TASKS_LINE:
                return _read_lines(first, summaries_line, f, size)
    return _read_document(path.read_bytes())


def _parse_summaries(line: bytes) -> Any:
    try:
        return orjson.loads(line[len(_SUMMARIES_PREFIX) :].rstrip().rstrip(b","))
    except orjson.JSONDecodeError:
        return None  # only a head start for summaries: they are computed without it


def _header(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise codec.RecordError("snapshot has no header")
    return codec.migrate_snapshot_header(raw)


def _task(row: Any) -> TaskState:
    """A task from its row ``[meta, cells]`` (schema 2 adds the length of its entries row)."""
    meta_row, cell_rows = row[:2]
    return TaskState.pending(codec.decode_meta(meta_row), cells_codec.decode(cell_rows))


def _parse_header_line(first: bytes) -> dict[str, Any]:
    try:
        return _header(orjson.loads(first[len(_HEADER_PREFIX) :].rstrip().rstrip(b",")))
    except orjson.JSONDecodeError as exc:
        raise codec.RecordError(f"snapshot header unreadable: {exc}") from exc


def read_header(path: Path) -> dict[str, Any]:
    """Only the header of the snapshot at ``path`` (its generation and revision), cheaply.
    Raises ``codec.RecordError`` or ``OSError``."""
    with open(path, "rb") as f:
        return _parse_header_line(f.readline())


def _read_lines(first: bytes, summaries_line: bytes, f: BinaryIO, size: int) -> Snapshot:
    header = _parse_header_line(first)
    snapshot = Snapshot(header, size=size)
    tasks = snapshot.tasks
    lengths: list[int] = []
    digest = zlib.crc32(summaries_line)
    ended = False
    for line in f:
        if line == b"],\n":
            ended = True
            break
        digest = zlib.crc32(line, digest)
        try:
            row = orjson.loads(line.rstrip(b",\n"))
            tasks.append(_task(row))
        except (orjson.JSONDecodeError, codec.RecordError, ValueError, TypeError):
            snapshot.bad_rows += 1
            continue
        length = row[2] if len(row) > 2 else -1
        lengths.append(length if length.__class__ is int else -1)
    if not ended or f.readline() != _REQUESTS_LINE:
        raise codec.RecordError("snapshot is truncated")
    start = f.tell()
    # Only what this code wrote, untouched, is taken at its word: the summary totals (they
    # describe exactly these tasks) and the row lengths (they place every entries row).
    as_written = header.get("digest") == digest and not snapshot.bad_rows
    if as_written:
        snapshot.summaries = _parse_summaries(summaries_line) if summaries_line else None
    if as_written and _rows_end(start, lengths) == size and _ends_cleanly(f, size):
        snapshot.file = _point_at_rows(tasks, lengths, f, start)  # without reading a row
    else:
        snapshot.file = _scan_rows(snapshot, f, start)  # older, or edited: find each row
    return snapshot


def _rows_end(start: int, lengths: list[int]) -> int:
    """Where the file ends if the rows have these lengths (-1: a length is not recorded)."""
    if any(n < 0 for n in lengths):
        return -1
    rows = sum(lengths) + 2 * len(lengths) - 1 if lengths else 0
    return start + rows + len(_END)


def _ends_cleanly(f: BinaryIO, size: int) -> bool:
    f.seek(size - len(_END))
    return f.read() == _END


def _point_at_rows(
    tasks: list[TaskState], lengths: list[int], f: BinaryIO, start: int
) -> SnapshotFile | None:
    if KEEP_OPEN:
        file = SnapshotFile.of(f)
        offset = start
        for task, length in zip(tasks, lengths, strict=True):
            task.set_raw(StoredRow(file, offset, length))
            offset += length + 2
        return file
    f.seek(start)
    data = f.read()
    offset = 0
    for task, length in zip(tasks, lengths, strict=True):
        task.set_raw(data[offset : offset + length])
        offset += length + 2
    return None


def _scan_rows(snapshot: Snapshot, f: BinaryIO, start: int) -> SnapshotFile | None:
    """Find each task's entries row by reading the section line by line."""
    tasks = snapshot.tasks
    by_key = {t.meta.key: t for t in tasks}
    file = SnapshotFile.of(f) if KEEP_OPEN else None
    f.seek(start)
    offset = start
    position = 0
    ended = False
    for line in f:
        if line == _END or line == _END.rstrip():
            ended = True
            break
        raw = line.rstrip(b",\n")
        row_offset = offset
        offset += len(line)
        # Entries normally follow the tasks' order: check that cheaply, parse only if not.
        task = tasks[position] if position < len(tasks) else None
        if task is None or not raw.startswith(_requests_prefix(task)):
            task = _task_of_requests(raw, by_key)
        position += 1
        if task is None:
            snapshot.bad_rows += 1
            continue
        task.set_raw(StoredRow(file, row_offset, len(raw)) if file else raw)
    if not ended:
        raise codec.RecordError("snapshot is truncated")
    snapshot.bad_rows += sum(1 for t in tasks if t.missing_requests)
    return file


def _requests_prefix(task: TaskState) -> bytes:
    # how orjson writes it for ids without characters to escape; otherwise the row is parsed
    return b'["%s","%s",' % (task.meta.source.encode(), task.meta.task_id.encode())


def _task_of_requests(raw: bytes, by_key: dict[tuple[str, str], TaskState]) -> TaskState | None:
    try:
        source, task_id, _rows = orjson.loads(raw)
    except (orjson.JSONDecodeError, ValueError, TypeError):
        return None
    return by_key.get((source, task_id))


def _read_document(data: bytes) -> Snapshot:
    document = orjson.loads(data)
    if not isinstance(document, dict):
        raise codec.RecordError("snapshot is not a JSON object")
    snapshot = Snapshot(_header(document.get("header")), size=len(data))
    by_key: dict[tuple[str, str], TaskState] = {}
    for row in document.get("tasks") or []:
        try:
            task = _task(row)
        except (codec.RecordError, ValueError, TypeError):
            snapshot.bad_rows += 1
            continue
        snapshot.tasks.append(task)
        by_key[task.meta.key] = task
    for row in document.get("requests") or []:
        try:
            source, task_id, _rows = row
            task = by_key[(source, task_id)]
        except (KeyError, ValueError, TypeError):
            snapshot.bad_rows += 1
            continue
        task.set_raw(orjson.dumps(row))
    snapshot.bad_rows += sum(1 for t in snapshot.tasks if t.missing_requests)
    return snapshot


def salvage(data: bytes) -> list[TaskState]:
    """Every task that can still be read from a damaged snapshot.

    A task whose entries are lost keeps its totals: what its cells held becomes a floor under
    its figures (as the extension's own totals would), so recovery never lowers a total.
    """
    tasks: dict[tuple[str, str], TaskState] = {}
    entries: dict[tuple[str, str], bytes] = {}
    for line in data.split(b"\n"):
        line = line.strip().rstrip(b",")
        if not line.startswith(b"["):
            continue
        try:
            row = orjson.loads(line)
            if isinstance(row[0], list):
                task = _task(row)
                tasks[task.meta.key] = task
            else:
                entries[(row[0], row[1])] = line
        except (orjson.JSONDecodeError, codec.RecordError, ValueError, TypeError, IndexError):
            continue
    salvaged = []
    for key, task in tasks.items():
        if key in entries:
            task.set_raw(entries[key])
            salvaged.append(task)
        else:
            task.lose_entries()
            salvaged.append(task)
    return salvaged
