"""Incremental import of editor storage into the ledger.

A scan reads each storage folder's task history, then every task folder whose files changed
since the last scan (size and mtime, remembered in ``scan-state.json`` beside the ledger), and
commits what changes in batches. Unchanged folders cost one ``stat`` per file. Tasks that vanished
from both the folder and the history are marked deleted; their usage stays. Only one process
imports at a time (``import.lock``); the others learn the result from the ledger's journal.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout

from roo_usage.accounting import settle_deletions
from roo_usage.ledger import Ledger, TaskKey
from roo_usage.ledger.files import write_atomic
from roo_usage.memory import no_gc
from roo_usage.reads import ReadJob, Signature, read_changed, signature, storable
from roo_usage.records import Kind, ParsedTask, RequestUsage, TaskMeta
from roo_usage.sources.discovery import StorageFolder
from roo_usage.sources.history import read_history

log = logging.getLogger("roo_usage.importer")

SCAN_STATE_NAME = "scan-state.json"
IMPORT_LOCK_NAME = "import.lock"
BATCH_TASKS = 250
BATCH_REQUESTS = 20_000

Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    revision: int = 0
    tasks_added: int = 0
    tasks_updated: int = 0
    requests_added: int = 0
    requests_updated: int = 0
    tasks_deleted: int = 0
    files_scanned: int = 0
    files_unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str, int]] = field(default_factory=list)  # (source, path, tasks)
    busy: bool = False  # another process was importing; nothing was done here
    changed: set[TaskKey] = field(default_factory=set)  # tasks whose ledger entry changed

    def to_json(self) -> dict[str, Any]:
        return {
            "revision": self.revision,
            "tasksAdded": self.tasks_added,
            "tasksUpdated": self.tasks_updated,
            "requestsAdded": self.requests_added,
            "requestsUpdated": self.requests_updated,
            "tasksDeleted": self.tasks_deleted,
            "filesScanned": self.files_scanned,
            "filesUnchanged": self.files_unchanged,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "sources": [{"source": s, "path": p, "tasks": n} for s, p, n in self.sources],
            "busy": self.busy,
        }


class Importer:
    """Imports storage folders into a ledger, skipping what has not changed."""

    def __init__(
        self,
        ledger: Ledger,
        storages: Iterable[StorageFolder],
        *,
        guard: AbstractContextManager[Any] | None = None,
        on_commit: Callable[[set[TaskKey]], None] | None = None,
    ) -> None:
        """``guard`` is held around every use of the ledger (parsing runs outside it), and
        ``on_commit`` is called inside it after each committed batch."""
        self.ledger = ledger
        self.storages = list(storages)
        self.guard = guard or nullcontext()
        self.on_commit = on_commit
        self._state_path = ledger.home / SCAN_STATE_NAME
        self._lock = FileLock(str(ledger.home / IMPORT_LOCK_NAME), mode=0o600)

    def scan(
        self,
        *,
        wait: bool = True,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        only: set[Path] | None = None,
    ) -> ImportReport:
        """Scan every storage folder, or only the task folders in ``only``. With
        ``wait=False``, return at once if another process is importing (``report.busy``)."""
        try:
            self._lock.acquire(timeout=-1 if wait else 0)
        except Timeout:
            return ImportReport(revision=self.ledger.revision, busy=True)
        try:
            with no_gc():  # parsing makes many short-lived containers and no cycles
                return self._scan_locked(progress, cancelled, only)
        finally:
            self._lock.release()

    def _load_scan_state(self) -> dict[str, dict[str, Signature]]:
        try:
            data = orjson.loads(self._state_path.read_bytes())
            if isinstance(data, dict) and data.get("version") == 1:
                return dict(data["storages"])
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
            pass  # a lost or damaged scan state only costs a full re-read
        return {}

    def _scan_locked(
        self,
        progress: Progress | None,
        cancelled: Callable[[], bool] | None,
        only: set[Path] | None,
    ) -> ImportReport:
        report = ImportReport()
        with self.guard:  # start from everything other processes have committed
            report.changed = self.ledger.refresh()
            if self.on_commit:
                self.on_commit(report.changed)
        scan_state = self._load_scan_state()
        batch = _Batch(self, report)
        stopped = cancelled or (lambda: False)

        # 1. What changed: one stat per task file (a folder the last scan did not know is read
        # anyway: its signature is taken as it is read).
        scans: list[_StorageScan] = []
        jobs: list[_Job] = []
        reads: list[ReadJob] = []
        for storage in self.storages:
            # A partial scan follows a task file that changed; the history lists are read by
            # full scans (a change to them triggers one), and the ledger keeps what they said.
            history = read_history(storage) if only is None else {}
            for meta in history.values():
                if meta.reported is not None and not storable(meta.reported):
                    meta.reported = None  # an impossible total (damaged file) is not kept
            folders = _task_folders(storage.tasks_dir)
            if only is not None:
                wanted = {str(path) for path in only}
                folders = [f for f in folders if f.path in wanted]
            scan = _StorageScan(storage, history, scan_state.get(str(storage.path), {}))
            scans.append(scan)
            for folder in folders:
                if stopped():
                    break
                name = folder.name
                scan.seen.add(name)
                last = scan.previous.get(name)
                sig = signature(folder.path) if last is not None else None
                if sig is not None and last == sig:
                    scan.current[name] = sig
                    report.files_unchanged += 1
                else:
                    jobs.append((len(scans) - 1, name, folder.path))
                    reads.append((folder.path, storage.source, history.get(name), sig))

        # 2. Read what changed (in parallel when there is a lot), commit in batches.
        for done, ((index, name, path), read) in enumerate(
            zip(jobs, read_changed(reads), strict=True), start=1
        ):
            if stopped():
                break
            scan = scans[index]
            if isinstance(read, tuple):
                report.skipped.append(read)
                continue  # no signature kept: retried at the next scan
            if read.dropped:
                reason = f"{read.dropped} entries with impossible figures"
                report.skipped.append((path, reason))
            report.files_scanned += 1
            result = read.task
            result.meta.storage = scan.key  # the folder we scan is what "deleted" is judged by
            scan.current[name] = read.signature
            batch.add_task(result)
            if progress and done % 50 == 0:
                progress(report.files_unchanged + done, report.files_unchanged + len(jobs))

        # 3. Tasks gone from their folders.
        for scan in scans:
            storage, history, key, seen = scan.storage, scan.history, scan.key, scan.seen
            previous, current = scan.previous, scan.current
            if only is not None or stopped():  # keep what this scan did not look at
                scan_state[key] = previous | current
                continue
            # A task whose folder is gone was deleted in the extension (a history entry may
            # outlive it); its usage still counts, with the totals the history reported.
            listed = [meta for task_id, meta in history.items() if task_id not in seen]
            with self.guard:
                for meta in listed:
                    meta.exists = False
                    meta.storage = key
                    known = self.ledger.state.tasks.get(meta.key)
                    if known is None or known.meta.exists is not False:
                        report.tasks_deleted += 1
            batch.add_metas(listed)
            seen.update(history)
            if storage.tasks_dir.is_dir():
                with self.guard:
                    gone = self._vanished(storage, key, seen, report)
                batch.add_metas(gone)
            scan_state[key] = current
            report.sources.append((storage.source.value, key, len(seen)))
        batch.flush()
        with self.guard:
            self.ledger.compact_if_due()  # once, not after every batch of a large import
        if progress:
            total = report.files_unchanged + len(jobs)
            progress(total, total)
        write_atomic(self._state_path, orjson.dumps({"version": 1, "storages": scan_state}))
        with self.guard:
            report.revision = self.ledger.revision
        return report

    def _vanished(
        self, storage: StorageFolder, key: str, seen: set[str], report: ImportReport
    ) -> list[TaskMeta]:
        gone = []
        for (source, task_id), task in self.ledger.state.tasks.items():
            meta = task.meta
            in_this_folder = source == storage.source and meta.storage == key
            if in_this_folder and task_id not in seen and meta.exists is not False:
                gone.append(TaskMeta(source, task_id, exists=False))
                report.tasks_deleted += 1
        return gone


@dataclass
class _StorageScan:
    """One storage folder during a scan."""

    storage: StorageFolder
    history: dict[str, TaskMeta]
    previous: dict[str, Signature]  # task id -> signature at the last scan
    current: dict[str, Signature] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return str(self.storage.path)


_Job = tuple[int, str, str]  # (index of its storage scan, task folder name, folder path)


def _task_folders(tasks_dir: Path) -> list[os.DirEntry[str]]:
    """The task folders in ``tasks_dir`` (names starting with ``_`` or ``.`` are not tasks)."""
    try:
        with os.scandir(tasks_dir) as entries:
            folders = [e for e in entries if not e.name.startswith(("_", ".")) and e.is_dir()]
    except OSError:
        return []
    folders.sort(key=lambda e: e.name)
    return folders


class _Batch:
    """Collects parsed tasks and commits them in bounded batches."""

    def __init__(self, importer: Importer, report: ImportReport) -> None:
        self.importer = importer
        self.ledger = importer.ledger
        self.report = report
        self.metas: list[TaskMeta] = []
        self.requests: list[RequestUsage] = []
        self.mode_names: dict[str, str] = {}
        self.tasks = 0

    def add_task(self, parsed: ParsedTask) -> None:
        # (a read task only carries its message times when it has a deletion marker)
        if parsed.message_ts and any(r.kind == Kind.DELETED for r in parsed.requests):
            with self.importer.guard:
                known = self.ledger.state.tasks.get(parsed.meta.key)
                seen = list(known.requests.values()) if known else []
            # a marker sums every entry it removed, condense calls included
            ledger_requests = {r.ts: r for r in seen if r.kind != Kind.DELETED}
            settle_deletions(parsed.requests, ledger_requests, parsed.message_ts)
        self.metas.append(parsed.meta)
        self.requests.extend(parsed.requests)
        self.mode_names.update(parsed.mode_names)
        self.tasks += 1
        if self.tasks >= BATCH_TASKS or len(self.requests) >= BATCH_REQUESTS:
            self.flush()

    def add_metas(self, metas: list[TaskMeta]) -> None:
        self.metas.extend(metas)
        self.tasks += len(metas)
        if self.tasks >= BATCH_TASKS:
            self.flush()

    def flush(self) -> None:
        if not (self.metas or self.requests or self.mode_names):
            return
        started = time.perf_counter()
        with self.importer.guard:
            before = {m.key for m in self.metas if m.key in self.ledger.state.tasks}
            result = self.ledger.commit(self.metas, self.requests, self.mode_names, compact=False)
            if self.importer.on_commit:
                self.importer.on_commit(result.changed)
        self.report.tasks_added += result.tasks_added
        self.report.requests_added += result.requests_added
        self.report.requests_updated += result.requests_updated
        self.report.tasks_updated += len(before & result.changed)
        self.report.changed |= result.changed
        log.debug(
            "committed %d tasks in %.1f ms", self.tasks, (time.perf_counter() - started) * 1000
        )
        self.metas, self.requests, self.mode_names, self.tasks = [], [], {}, 0
