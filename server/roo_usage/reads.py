"""Reading the task folders a scan found changed: here, or on every core when there are many.

What goes to a worker and what comes back are plain tuples: unpickling slotted dataclasses costs
the parent several times more, and the parent is the one process of an import that cannot be
spread over cores. So the workers also do what needs no ledger: they drop entries whose figures
the ledger cannot store, and take the signature of a folder the last scan did not know just
before reading it (the parent would otherwise stat every file of a first import before any
reading starts).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from sys import intern
from typing import Any

from roo_usage.records import Kind, ParsedTask, RequestUsage, Source, TaskMeta, Totals
from roo_usage.sources.task_folder import UnreadableFile, read_task
from roo_usage.workers import run_in_workers

TASK_FILES = (
    "ui_messages.json",
    "api_conversation_history.json",
    "history_item.json",
    "task_metadata.json",
)
MAX_FIGURE = 2**63 - 1  # figures are stored as 64-bit JSON integers
PARALLEL_MIN_JOBS = 400  # below this, starting worker processes costs more than it saves

Signature = list[int]
# a folder to read: its path, source, listed metadata, and signature (None: take it on reading)
ReadJob = tuple[str, Source, TaskMeta | None, Signature | None]
Skipped = tuple[str, str]  # (path, reason): a folder that could not be read


@dataclass(slots=True)
class TaskRead:
    """One folder read: the task, the signature of its files as read, and how many entries
    were left out because their figures cannot be stored."""

    task: ParsedTask
    signature: Signature
    dropped: int


def signature(folder: str) -> Signature:
    """Size and mtime of each task file (missing files count as -1). Runs once per task per
    scan, so plain strings rather than ``Path`` objects."""
    sig: Signature = []
    for name in TASK_FILES:
        try:
            st = os.stat(folder + os.sep + name)
            sig += [st.st_size, st.st_mtime_ns]
        except FileNotFoundError:
            sig += [-1, -1]
    return sig


def storable(figures: RequestUsage | Totals) -> bool:
    """Do the figures fit the ledger (64-bit integers)? A damaged file can hold anything."""
    return (
        0 <= figures.cost <= MAX_FIGURE
        and 0 <= figures.tokens_in <= MAX_FIGURE
        and 0 <= figures.tokens_out <= MAX_FIGURE
        and 0 <= figures.cache_reads <= MAX_FIGURE
        and 0 <= figures.cache_writes <= MAX_FIGURE
    )


def read_changed(jobs: Sequence[ReadJob]) -> Iterator[TaskRead | Skipped]:
    """Read the folders, in order; with many, on every core."""
    work = [
        (folder, source.value, _meta_fields(history) if history else None, sig)
        for folder, source, history, sig in jobs
    ]
    cores = os.cpu_count() or 1
    if len(work) < PARALLEL_MIN_JOBS or cores < 2:
        reads: Iterator[_Read] = (read_job(item) for item in work)
    else:
        reads = run_in_workers(
            work, "roo_usage.reads:read_job", workers_for(cores, len(work)), read_job
        )
    return (_unpack(read) if len(read) == 6 else read for read in reads)


def workers_for(cores: int, jobs: int) -> int:
    """Up to two workers per core, each with at least ``PARALLEL_MIN_JOBS`` folders to read (a
    worker's start-up costs about 0.1 s of CPU). Two per core because a worker waiting for a file
    the disk has not delivered yet leaves its core to another: single first imports of 10,000
    folders on 2 cores with nothing in the page cache ran at 126-143 MB/s with 2 workers and at
    134-177 MB/s with 4 (the host's speed varies), the same with the files cached. Each worker
    holds one task's files at a time (about 60 MB at most in the benchmark)."""
    return max(2, min(2 * cores, 8, jobs // PARALLEL_MIN_JOBS))


# The wire forms: a job, a read task (``_pack``), an entry row.
_Job = tuple[str, str, tuple[Any, ...] | None, Signature | None]
_Row = tuple[int, int, bool, int, int, int, int, int, str | None, str | None]
_Packed = tuple[tuple[Any, ...], list[_Row], dict[str, str], list[int], int, Signature]
_Read = _Packed | Skipped
_KINDS = tuple(kind.value for kind in Kind)  # an entry's kind travels as its index here
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}
_DELETED = _KIND_CODE[Kind.DELETED.value]


def read_job(job: _Job) -> _Read:
    """One task folder, as a worker process reads it (see ``workers.py``)."""
    folder, source, history, sig = job
    if sig is None:
        sig = signature(folder)
    path = Path(folder)
    try:
        parsed = read_task(path, Source(source), _meta(history) if history else None)
    except UnreadableFile as exc:
        return (str(exc.path), exc.reason)
    except OSError as exc:
        return (str(path), f"unreadable: {exc.strerror or exc}")
    kept = [r for r in parsed.requests if storable(r)]
    dropped = len(parsed.requests) - len(kept)
    parsed.requests = kept
    return _pack(parsed, dropped, sig)


def _pack(parsed: ParsedTask, dropped: int, sig: Signature) -> _Packed:
    """``parsed`` as tuples. Labels are interned, so the pickle sends each distinct one once.
    ``message_ts`` is only needed (and only sent) to settle deletion markers."""
    rows: list[_Row] = []
    for e in parsed.requests:
        rows.append(
            (e.ts, _KIND_CODE[e.kind], e.known, e.cost, e.tokens_in, e.tokens_out, e.cache_reads,
             e.cache_writes, intern(e.mode) if e.mode else e.mode,
             intern(e.model) if e.model else e.model)
        )  # fmt: skip
    deletions = any(row[1] == _DELETED for row in rows)
    message_ts = parsed.message_ts if deletions else []
    return (_meta_fields(parsed.meta), rows, parsed.mode_names, message_ts, dropped, sig)


def _unpack(packed: _Packed) -> TaskRead:
    meta_fields, rows, mode_names, message_ts, dropped, sig = packed
    meta = _meta(meta_fields)
    source, task_id, kinds = meta.source, meta.task_id, _KINDS
    requests = [
        RequestUsage(source, task_id, ts, kinds[kind], known, cost, tin, tout, cr, cw, mode, model)
        for ts, kind, known, cost, tin, tout, cr, cw, mode, model in rows
    ]
    return TaskRead(ParsedTask(meta, requests, mode_names, message_ts), sig, dropped)


def _meta_fields(m: TaskMeta) -> tuple[Any, ...]:
    r = m.reported
    reported = (r.cost, r.tokens_in, r.tokens_out, r.cache_reads, r.cache_writes) if r else None
    return (m.source, m.task_id, m.workspace, m.mode, m.parent_id, m.root_id, m.profile,
            m.model, m.first_ts, m.last_ts, m.exists, m.storage, reported)  # fmt: skip


def _meta(fields: tuple[Any, ...]) -> TaskMeta:
    (source, task_id, workspace, mode, parent_id, root_id, profile, model, first_ts, last_ts,
     exists, storage, reported) = fields  # fmt: skip
    return TaskMeta(
        source, task_id, workspace, mode, parent_id, root_id, profile, model, first_ts, last_ts,
        exists, storage, Totals(*reported) if reported else None,
    )  # fmt: skip
