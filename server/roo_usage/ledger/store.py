"""The durable ledger: a JSON snapshot plus an append-only JSON Lines journal, shared by processes.

Files in the ledger folder (0700; files 0600):

- ``ledger.json``  the snapshot: a header, then one task per line (tasks with their requests).
- ``journal.jsonl`` the journal: a header line naming the snapshot generation it extends, then
  one line per committed update. A line is on disk (fsync'd) before the update is reported done.
- ``ledger.lock``  the writers' lock.

A writer takes the lock, first reads what others appended since it last looked (so it never
writes back a stale copy), appends only what actually changes, and fsyncs. Readers follow the
journal from their last offset, so picking up another process's update costs that update only.
When the journal grows large it is compacted into a new snapshot generation. Every record merges
monotonically and idempotently (see ``state``), so a replayed or duplicated line is harmless.

A crash at any moment leaves files that load: a torn last journal line is the lost in-flight
update (kept aside, then cut off); damaged files are set aside under a timestamped name, what can
be read is recovered, and a warning is logged.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock

from roo_usage.ledger import codec
from roo_usage.ledger.files import (
    append_durably,
    aside_name,
    ensure_private_dir,
    set_aside,
    write_atomic,
)
from roo_usage.ledger.rows import SnapshotFile
from roo_usage.ledger.snapshot import (
    Snapshot,
    read_header,
    read_snapshot,
    salvage,
    write_snapshot,
)
from roo_usage.ledger.state import LedgerState, TaskKey
from roo_usage.memory import no_gc
from roo_usage.records import RequestUsage, TaskMeta

log = logging.getLogger("roo_usage.ledger")

SNAPSHOT_NAME = "ledger.json"
JOURNAL_NAME = "journal.jsonl"
LOCK_NAME = "ledger.lock"
LOCK_TIMEOUT_S = 60.0
COMPACT_MIN_BYTES = 4 * 1024 * 1024


class LedgerError(RuntimeError):
    """The ledger cannot be used (e.g. written by a newer version, or not writable)."""


@dataclass
class CommitResult:
    revision: int
    changed: set[TaskKey] = field(default_factory=set)
    tasks_added: int = 0
    requests_added: int = 0
    requests_updated: int = 0


@dataclass
class _Journal:
    generation: int = 0
    inode: int = 0
    offset: int = 0  # bytes consumed (always at a line boundary)


STALE = -1  # `_follow_journal`: the file at the journal path is another generation


def _generation_of(header_line: bytes) -> int:
    """The generation named by a journal's header line (``ValueError`` if it has none)."""
    try:
        header = orjson.loads(header_line)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"journal header unreadable: {exc}") from exc
    if not isinstance(header, dict) or not isinstance(header.get("generation"), int):
        raise ValueError("no journal header")
    return int(header["generation"])


class Ledger:
    """A ledger folder opened by this process. Not thread-safe: use it from one thread."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.snapshot_path = home / SNAPSHOT_NAME
        self.journal_path = home / JOURNAL_NAME
        self.state = LedgerState()
        self.warnings: list[str] = []
        self._generation = 0
        self._snapshot_bytes = 0
        self._journal = _Journal()
        self._last_changed: set[TaskKey] = set()
        self._snapshot_file: SnapshotFile | None = None  # what the loaded tasks read from
        self._lock = FileLock(str(home / LOCK_NAME), timeout=LOCK_TIMEOUT_S, mode=0o600)
        # Told the keys of changed tasks as soon as the state changes (before any compaction).
        self.on_change: Callable[[set[TaskKey]], None] | None = None
        # Asked, when a snapshot is written, for what to keep beside it (see `LedgerState`).
        self.summaries: Callable[[], Any] | None = None

    # ----------------------------------------------------------------- opening and reading

    @classmethod
    def open(cls, home: Path) -> Ledger:
        """Open (creating if needed) the ledger in ``home`` and load it."""
        ensure_private_dir(home)
        ledger = cls(home)
        if not ledger.snapshot_path.exists() and not ledger.journal_path.exists():
            with ledger._lock:
                if not ledger.snapshot_path.exists() and not ledger.journal_path.exists():
                    ledger._write_generation(1)
        ledger._load()
        return ledger

    @property
    def revision(self) -> int:
        return self.state.revision

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning("%s", message)

    def _load(self) -> None:
        """Load snapshot and journal; recover (under the lock) from damage or a torn generation."""
        with no_gc(keep=True):  # a big ledger is long-lived: kept out of later GC passes
            self._load_once()
        self._report_lost(self._snapshot_file)

    def _load_once(self) -> None:
        for _ in range(3):
            damage = self._try_load()
            if damage is None:
                return
            if damage == "race":  # compaction happened between our two reads: read again
                continue
            with self._lock:
                damage = self._try_load()
                if damage is None:
                    return
                self._recover()
                return
        with self._lock:
            if self._try_load() is not None:
                self._recover()

    def _try_load(self) -> str | None:
        """Load into a fresh state. Returns None when clean, else what was wrong."""
        self.state = LedgerState()
        try:
            snap = read_snapshot(self.snapshot_path)
        except FileNotFoundError:
            return "missing snapshot"
        except (codec.RecordError, orjson.JSONDecodeError, OSError) as exc:
            if isinstance(exc, codec.RecordError) and "newer" in str(exc):
                raise LedgerError(str(exc)) from exc
            return f"snapshot unreadable: {exc}"
        self._use_snapshot(snap)
        if snap.bad_rows:
            return f"{snap.bad_rows} unreadable task rows in the snapshot"
        try:
            generation = self._journal_generation()
        except FileNotFoundError:
            return "missing journal"
        except (orjson.JSONDecodeError, ValueError, OSError) as exc:
            return f"journal header unreadable: {exc}"
        if generation != self._generation:
            return "race" if generation > self._generation else "stale journal"
        self._journal = _Journal(generation=generation)
        bad_lines = self._follow_journal()
        if bad_lines:
            return f"{bad_lines} unreadable journal lines"
        return None

    def _use_snapshot(self, snap: Snapshot) -> None:
        header = snap.header
        self._snapshot_bytes = snap.size
        self._snapshot_file = snap.file
        self._generation = int(header.get("generation", 0))
        self.state.mode_names.update(header.get("modeNames") or {})
        self.state.revision = int(header.get("revision", 0))
        duplicates = False
        for task in snap.tasks:
            key = task.meta.key
            if key in self.state.tasks:  # a duplicate row (hand-edited file): merge it
                self.state.apply([task.meta], task.requests.values(), None, self.state.revision)
                duplicates = True
            else:
                self.state.tasks[key] = task
        # what was kept beside the tasks describes them only if the file held them as written
        self.state.since_snapshot(None if duplicates else snap.summaries)

    def _journal_generation(self) -> int:
        with open(self.journal_path, "rb") as f:
            return _generation_of(f.readline())

    def _follow_journal(self) -> int:
        """Apply complete journal lines past our offset. Returns how many lines were unreadable,
        or ``STALE`` when the file is no longer the journal we were following."""
        with open(self.journal_path, "rb") as f:
            stat = os.fstat(f.fileno())
            if self._journal.offset:
                # The same path and even the same inode number can be a newer journal (a
                # compaction replaced it and the number was reused): its header tells.
                try:
                    if _generation_of(f.readline()) != self._journal.generation:
                        return STALE
                except ValueError:
                    return STALE
            self._journal.inode = stat.st_ino
            f.seek(self._journal.offset)
            data = f.read()
        end = data.rfind(b"\n") + 1  # a partial last line is left for later (or is torn)
        bad = 0
        changed: set[TaskKey] = set()
        lines = data[:end].split(b"\n")[:-1]
        if self._journal.offset == 0:
            lines = lines[1:]  # the header line
        for line in lines:
            try:
                entry = orjson.loads(line)
                tasks = [codec.decode_meta(m) for m in entry.get("t", ())]
                requests = codec.decode_request_groups(entry.get("r", ()))
                changed |= self.state.apply(tasks, requests, entry.get("n"), int(entry["rev"]))
            except (codec.RecordError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                bad += 1
        self._journal.offset += end
        self._last_changed = changed
        return bad

    def refresh(self) -> set[TaskKey]:
        """Pick up what other processes committed since we last looked; returns changed tasks."""
        changed = self._refresh()
        self._notify(changed)
        self._report_lost(self._snapshot_file)
        return changed

    def _notify(self, changed: set[TaskKey]) -> None:
        if changed and self.on_change:
            self.on_change(changed)

    def _refresh(self) -> set[TaskKey]:
        if self._snapshot_file is not None and self._snapshot_file.changed_in_place():
            # Another program wrote into ledger.json (the ledger itself only ever replaces it):
            # what our tasks would read from it is no longer what we loaded.
            self._warn("ledger.json was changed in place by another program; reading it again")
            return self._reload()
        try:
            stat = os.stat(self.journal_path)
        except FileNotFoundError:
            return self._reload()
        if stat.st_ino != self._journal.inode or stat.st_size < self._journal.offset:
            return self._adopt_new_generation()
        bad = self._follow_journal()
        if bad == STALE:
            return self._adopt_new_generation()
        if bad:
            self._warn("the ledger journal has unreadable lines; recovering")
            return self._reload()
        return self._last_changed

    def _adopt_new_generation(self) -> set[TaskKey]:
        """The journal was replaced (compaction). Cheap when we had read all of the old one."""
        try:
            header = read_header(self.snapshot_path)
            generation = self._journal_generation()
        except (OSError, ValueError):  # RecordError is a ValueError
            return self._reload()
        if (
            generation == int(header.get("generation", -1))
            and int(header.get("revision", -1)) == self.state.revision
        ):
            self._generation = generation
            self._journal = _Journal(generation=generation)
            if self._follow_journal():
                return self._reload()
            return self._last_changed
        return self._reload()

    def _reload(self) -> set[TaskKey]:
        before = set(self.state.tasks)
        self._load()
        return before | set(self.state.tasks)

    # ----------------------------------------------------------------- writing

    def commit(
        self,
        tasks: Iterable[TaskMeta] = (),
        requests: Iterable[RequestUsage] = (),
        mode_names: dict[str, str] | None = None,
        *,
        compact: bool = True,
    ) -> CommitResult:
        """Merge records into the ledger durably. Only what changes anything is written.

        ``compact=False`` leaves folding a grown journal into the snapshot to a later
        ``compact_if_due`` (an import does it once at its end, not after every batch)."""
        with self._lock:
            changed = self.refresh()
            self._prepare_journal_for_append()
            changes = self.state.diff(tasks, requests, mode_names)
            result = CommitResult(revision=self.state.revision, changed=changed)
            if not changes:
                return result
            revision = self.state.revision + 1
            entry: dict[str, Any] = {"rev": revision}
            if changes.tasks:
                entry["t"] = [codec.encode_meta(m) for m in changes.tasks]
            if changes.requests:
                entry["r"] = codec.encode_request_groups(changes.requests)
            if changes.mode_names:
                entry["n"] = changes.mode_names
            line = orjson.dumps(entry) + b"\n"
            append_durably(self.journal_path, line)
            self._journal.offset += len(line)
            applied = self.state.apply(
                changes.tasks, changes.requests, changes.mode_names, revision
            )
            self._notify(applied)
            result.changed |= applied
            result.revision = revision
            result.tasks_added = changes.tasks_added
            result.requests_added = changes.requests_added
            result.requests_updated = changes.requests_updated
            if compact and self._compaction_due():
                self._compact()
            self._report_lost(self._snapshot_file)
            return result

    def _compaction_due(self) -> bool:
        return self._journal.offset > max(COMPACT_MIN_BYTES, self._snapshot_bytes // 4)

    def compact_if_due(self) -> None:
        """Compact when the journal has grown large against the snapshot."""
        with self._lock:
            self.refresh()
            if self._compaction_due():
                self._compact()

    def _prepare_journal_for_append(self) -> None:
        """Under the lock: make sure appending continues a clean journal of our generation."""
        try:
            size = os.stat(self.journal_path).st_size
            generation = self._journal_generation()
        except (FileNotFoundError, orjson.JSONDecodeError, ValueError):
            size, generation = 0, -1
        if generation != self._generation or self._journal.offset == 0:
            # the journal is stale, gone, or its header line is incomplete (appending after a
            # header without its newline would hide the update): start a clean generation
            self._compact()
            return
        if size > self._journal.offset:
            # A writer died mid-line while holding the lock: that update never completed.
            with open(self.journal_path, "rb") as f:
                f.seek(self._journal.offset)
                tail = f.read()
            aside = set_aside(self.journal_path, "torn", copy=True)
            aside.write_bytes(tail)
            with open(self.journal_path, "r+b") as f:
                f.truncate(self._journal.offset)
                os.fsync(f.fileno())
            self._warn(f"an interrupted ledger update was discarded (kept in {aside.name})")

    def compact(self) -> None:
        """Fold the journal into a new snapshot generation (normally automatic)."""
        with self._lock:
            self.refresh()
            self._compact()

    def _compact(self) -> None:
        self._write_generation(self._generation + 1)
        self._journal = _Journal(generation=self._generation)
        self._follow_journal()  # consume the new header line

    def _write_generation(self, generation: int) -> None:
        """Write snapshot ``generation`` from the state, then an empty journal extending it."""
        header = {
            "format": codec.FORMAT_NAME,
            "schema": codec.SCHEMA_VERSION,
            "generation": generation,
            "revision": self.state.revision,
            "modeNames": self.state.mode_names,
        }
        summaries, encoded = self._summaries_to_keep()
        previous = self._snapshot_file
        self._snapshot_bytes, self._snapshot_file = write_snapshot(
            self.snapshot_path, header, self.state.tasks.values(), encoded
        )
        self._report_lost(previous)  # rows found damaged while writing this one
        self.state.since_snapshot(summaries)
        journal_header = {"format": "roo-usage-journal", "generation": generation}
        write_atomic(self.journal_path, orjson.dumps(journal_header) + b"\n")
        self._generation = generation

    def _report_lost(self, file: SnapshotFile | None) -> None:
        """Tasks found unable to read their entries from ``file`` (damaged in it): keep a copy
        of the file aside and say so. Those tasks kept their totals (``TaskState``)."""
        if file is None or not file.lost:
            return
        tasks = len(set(file.lost))
        file.lost.clear()
        aside = aside_name(self.snapshot_path, "damaged")
        write_atomic(aside, file.read_all())
        self._warn(
            f"the entries of {tasks} task(s) in ledger.json were unreadable; the file was kept"
            f" as {aside.name}, and those tasks keep their totals"
        )

    def _summaries_to_keep(self) -> tuple[Any, bytes | None]:
        """What the summary layer wants kept beside the snapshot, and its JSON."""
        if self.summaries is None:
            return None, None
        try:
            summaries = self.summaries()
            return summaries, orjson.dumps(summaries)
        except Exception as exc:  # noqa: BLE001 - only a head start: never worth a compaction
            log.warning("summary totals not kept with the snapshot: %s", exc)
            return None, None

    def _recover(self) -> None:
        """Under the lock: keep damaged files aside, keep all that can be read, start clean."""
        self.state = LedgerState()
        generation = 0
        recovered_from: list[str] = []
        try:
            snap = read_snapshot(self.snapshot_path)
            self._use_snapshot(snap)
            generation = self._generation
            if snap.bad_rows:
                raise codec.RecordError("unreadable rows")
        except FileNotFoundError:
            pass
        except codec.RecordError as exc:
            if "newer" in str(exc):
                raise LedgerError(str(exc)) from exc
            recovered_from.append(self._salvage_snapshot())
        except (orjson.JSONDecodeError, OSError, ValueError, TypeError):
            recovered_from.append(self._salvage_snapshot())
        if self.journal_path.exists():
            try:
                journal_generation = self._journal_generation()
                header_damaged = False
            except (orjson.JSONDecodeError, ValueError, OSError):
                journal_generation = generation
                header_damaged = True  # empty, or a garbage first line: keep it and say so
            if journal_generation >= generation:
                self._journal = _Journal(generation=journal_generation)
                if (
                    self._follow_journal()
                    or self._journal.offset < os.path.getsize(self.journal_path)
                    or header_damaged
                ):
                    recovered_from.append(set_aside(self.journal_path, "damaged", copy=True).name)
        self._generation = max(generation, self._journal.generation)
        self._compact()
        if recovered_from:
            self._warn(
                "the ledger had damaged files; they were kept as "
                + ", ".join(recovered_from)
                + f" and everything readable was recovered ({len(self.state.tasks)} tasks)"
            )

    def _salvage_snapshot(self) -> str:
        """Move a damaged snapshot aside and keep every task that can still be read."""
        aside = set_aside(self.snapshot_path, "damaged")
        self.state = LedgerState()
        self.state.revision = self._salvaged_revision(aside)
        for task in salvage(aside.read_bytes()):
            self.state.tasks.setdefault(task.meta.key, task)
        return aside.name

    @staticmethod
    def _salvaged_revision(path: Path) -> int:
        """The damaged snapshot's revision when its header still reads (revisions never drop)."""
        try:
            return int(read_header(path).get("revision", 0))
        except (OSError, ValueError, TypeError):
            return 0
