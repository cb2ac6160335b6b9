"""The ledger's in-memory state and its merge rules.

Every change to the ledger is an upsert merged by the rules here, and the rules are monotonic and
idempotent: applying the same record twice changes nothing, figures merge by their largest value
whatever the order, and no figure once recorded is ever lowered (labels such as mode, model or
workspace take the newest known value). That is what lets several processes replay one
journal, and a crash replay part of it again, without losing or doubling usage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from roo_usage.cells import Cell, fold, total
from roo_usage.ledger.codec import RecordError, decode_request, encode_request
from roo_usage.ledger.rows import StoredRow
from roo_usage.records import Kind, RequestUsage, TaskMeta, Totals

TaskKey = tuple[str, str]


class TaskState:
    """One task: its metadata, its usage entries by ``ts``, and their cells.

    A task loaded from the snapshot leaves its entries in the snapshot file (``rows``) until
    something needs them (a change to the task, an export), and keeps its cells as the snapshot
    stored them: a large ledger loads without building, or even reading, a million requests.
    """

    __slots__ = ("meta", "_requests", "_raw", "_cells")

    def __init__(self, meta: TaskMeta, requests: dict[int, RequestUsage] | None = None) -> None:
        self.meta = meta
        self._requests: dict[int, RequestUsage] | None = requests if requests is not None else {}
        self._raw: bytes | StoredRow | None = None
        self._cells: list[Cell] | None = None

    @classmethod
    def pending(cls, meta: TaskMeta, cells: list[Cell]) -> TaskState:
        """A task read from a snapshot whose entries arrive later (``set_raw``)."""
        task = cls.__new__(cls)
        task.meta = meta
        task._requests = None
        task._raw = None
        task._cells = cells
        return task

    def set_raw(self, raw: bytes | StoredRow) -> None:
        """The entries as the snapshot row ``[source, task_id, [row, ...]]`` (or where it lies
        in the snapshot file), decoded when first needed."""
        if self._requests is None:
            self._raw = raw

    def stored(self, row: bytes | StoredRow) -> None:
        """The entries were just written to the snapshot (at ``row``): forget the decoded copy."""
        self._requests = None
        self._raw = row

    @property
    def missing_requests(self) -> bool:
        return self._requests is None and self._raw is None

    @property
    def requests(self) -> dict[int, RequestUsage]:
        if self._requests is None:
            decoded = {}
            try:
                for row in self._read_rows():
                    r = decode_request(self.meta.source, self.meta.task_id, row)
                    decoded[r.ts] = r
            except RecordError:
                if isinstance(self._raw, StoredRow):
                    self._raw.file.lost.append(self.meta.key)  # the ledger reports it
                self.lose_entries()
                decoded = {}
            self._requests = decoded
            self._raw = None
        return self._requests

    def lose_entries(self) -> None:
        """The entries cannot be read (a damaged snapshot): the task keeps what its cells
        counted as a floor under its figures, as an extension's own totals would be, so the
        loss never lowers a total. The cells stay until the task changes."""
        floor = total(self._cells or [])
        self.meta = replace(self.meta, reported=max_totals(self.meta.reported, floor))
        self._requests = {}
        self._raw = None

    def _read_rows(self) -> list[Any]:
        raw = self._raw
        if raw is None:
            return []
        if isinstance(raw, StoredRow):
            raw = raw.read()
        try:
            source, task_id, rows = orjson.loads(raw)
        except (orjson.JSONDecodeError, ValueError, TypeError) as exc:
            raise RecordError(f"entries of task {self.meta.task_id} unreadable: {exc}") from exc
        if (source, task_id) != self.meta.key or not isinstance(rows, list):
            raise RecordError(f"entries of task {self.meta.task_id} are not where expected")
        return rows

    @property
    def cells(self) -> list[Cell]:
        """The task's usage folded for summaries (recomputed after any change)."""
        if self._cells is None:
            self._cells = fold(self.requests.values(), self.meta)
        return self._cells

    def changed(self) -> None:
        self._cells = None

    def raw_requests(self) -> bytes:
        """The snapshot row of the entries (as loaded when nothing touched them)."""
        raw = self._raw
        if isinstance(raw, StoredRow):
            data = raw.read()
            if data.startswith(self._row_prefix()) and data.endswith(b"]"):
                return data  # as this code wrote it: copied, not decoded
        if raw is not None and raw.__class__ is bytes:
            return raw
        self.cells  # noqa: B018 - fold while the entries are decoded
        rows = [encode_request(r) for r in self.requests.values()]  # checks what was read
        return orjson.dumps([self.meta.source, self.meta.task_id, rows])

    def _row_prefix(self) -> bytes:
        return orjson.dumps([self.meta.source, self.meta.task_id])[:-1] + b","

    def __repr__(self) -> str:
        return f"TaskState({self.meta!r}, {len(self.requests)} entries)"


def merge_request(old: RequestUsage | None, new: RequestUsage) -> RequestUsage | None:
    """The merged entry, or ``None`` when ``new`` adds nothing to ``old``.

    Known figures win over unknown ones; between two known versions each figure keeps its
    largest value (an extension rewrites a request in place as its usage arrives). Mode and model
    take the newest non-empty value.
    """
    if old is None:
        return new
    if old.known and not new.known:
        figures = old
    elif new.known and not old.known:
        figures = new
    else:
        figures = None
    merged = RequestUsage(
        source=old.source,
        task_id=old.task_id,
        ts=old.ts,
        kind=new.kind,
        known=old.known or new.known,
        cost=figures.cost if figures else max(old.cost, new.cost),
        tokens_in=figures.tokens_in if figures else max(old.tokens_in, new.tokens_in),
        tokens_out=figures.tokens_out if figures else max(old.tokens_out, new.tokens_out),
        cache_reads=figures.cache_reads if figures else max(old.cache_reads, new.cache_reads),
        cache_writes=figures.cache_writes if figures else max(old.cache_writes, new.cache_writes),
        mode=new.mode if new.mode is not None else old.mode,
        model=new.model if new.model is not None else old.model,
    )
    return None if merged == old else merged


def max_totals(old: Totals | None, new: Totals | None) -> Totals | None:
    if old is None or new is None:
        return old if new is None else new
    return Totals(
        cost=max(old.cost, new.cost),
        tokens_in=max(old.tokens_in, new.tokens_in),
        tokens_out=max(old.tokens_out, new.tokens_out),
        cache_reads=max(old.cache_reads, new.cache_reads),
        cache_writes=max(old.cache_writes, new.cache_writes),
    )


def _min_opt(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _max_opt(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def merge_meta(old: TaskMeta | None, new: TaskMeta) -> TaskMeta | None:
    """The merged metadata, or ``None`` when ``new`` adds nothing.

    Known values replace unknown ones (``None`` never erases), activity times widen, and the
    extension's reported totals keep their largest figures.
    """
    if old is None:
        return new

    def pick(a: str | None, b: str | None) -> str | None:
        return a if b is None else b

    merged = replace(
        old,
        workspace=pick(old.workspace, new.workspace),
        mode=pick(old.mode, new.mode),
        parent_id=pick(old.parent_id, new.parent_id),
        root_id=pick(old.root_id, new.root_id),
        profile=pick(old.profile, new.profile),
        model=pick(old.model, new.model),
        first_ts=_min_opt(old.first_ts, new.first_ts),
        last_ts=_max_opt(old.last_ts, new.last_ts),
        exists=old.exists if new.exists is None else new.exists,
        storage=pick(old.storage, new.storage),
        reported=max_totals(old.reported, new.reported),
    )
    return None if merged == old else merged


@dataclass
class Changes:
    """The effective part of an update: only what changes the state."""

    tasks: list[TaskMeta] = field(default_factory=list)
    requests: list[RequestUsage] = field(default_factory=list)
    mode_names: dict[str, str] = field(default_factory=dict)
    tasks_added: int = 0
    requests_added: int = 0
    requests_updated: int = 0

    def __bool__(self) -> bool:
        return bool(self.tasks or self.requests or self.mode_names)


TaskImage = tuple[TaskMeta, list[Cell]]


class LedgerState:
    """All tasks and their usage, plus mode display names and the revision.

    It also remembers what the summary layer kept beside the last snapshot read or written
    (``summaries``, opaque here), and each task as it was in that snapshot before it first
    changed (``before``: ``None`` for a task the snapshot did not have). Together they let
    summaries start from what was saved instead of counting every task again.
    """

    def __init__(self) -> None:
        self.tasks: dict[TaskKey, TaskState] = {}
        self.mode_names: dict[str, str] = {}
        self.revision = 0
        self.summaries: Any = None
        self.base_revision = 0  # the revision of that snapshot
        self.before: dict[TaskKey, TaskImage | None] = {}

    def since_snapshot(self, summaries: Any) -> None:
        """The state now equals a snapshot that kept ``summaries``: count changes from here."""
        self.summaries = summaries
        self.base_revision = self.revision
        self.before = {}

    def _changing(self, key: TaskKey, task: TaskState | None) -> None:
        if key not in self.before:
            self.before[key] = (task.meta, task.cells) if task is not None else None

    def diff(
        self,
        tasks: Iterable[TaskMeta] = (),
        requests: Iterable[RequestUsage] = (),
        mode_names: dict[str, str] | None = None,
    ) -> Changes:
        """What applying these records would change, as merged records (state untouched)."""
        changes = Changes()
        pending_meta: dict[TaskKey, TaskMeta] = {}
        for meta in tasks:
            state = self.tasks.get(meta.key)
            base = pending_meta.get(meta.key) or (state.meta if state else None)
            merged = merge_meta(base, meta)
            if merged is not None:
                pending_meta[meta.key] = merged
        pending_req: dict[tuple[str, str, int], RequestUsage] = {}
        for request in requests:
            key = request.key
            state = self.tasks.get((request.source, request.task_id))
            base_req = pending_req.get(key) or (state.requests.get(request.ts) if state else None)
            merged_req = merge_request(base_req, request)
            if merged_req is not None:
                pending_req[key] = merged_req
            if state is None and (request.source, request.task_id) not in pending_meta:
                # every request belongs to a task the ledger knows
                pending_meta[(request.source, request.task_id)] = TaskMeta(
                    request.source, request.task_id
                )
        # Several records for one key in a batch can move a label away and back (labels take
        # the newest value): only what differs from the state in the end is a change.
        for task_key, merged in pending_meta.items():
            state = self.tasks.get(task_key)
            if state is None:
                changes.tasks_added += 1
            elif state.meta == merged:
                continue
            changes.tasks.append(merged)
        for (source, task_id, ts), merged_req in pending_req.items():
            state = self.tasks.get((source, task_id))
            existing = state.requests.get(ts) if state else None
            if existing is not None and existing == merged_req:
                continue
            if merged_req.kind == Kind.REQUEST:  # condense and deletion entries are not requests
                if existing is None:
                    changes.requests_added += 1
                else:
                    changes.requests_updated += 1
            changes.requests.append(merged_req)
        if mode_names:
            changes.mode_names = {
                slug: name for slug, name in mode_names.items() if self.mode_names.get(slug) != name
            }
        return changes

    def apply(
        self,
        tasks: Iterable[TaskMeta],
        requests: Iterable[RequestUsage],
        mode_names: dict[str, str] | None,
        revision: int,
    ) -> set[TaskKey]:
        """Merge records into the state (idempotent); returns the keys of tasks that changed."""
        changed: set[TaskKey] = set()
        for meta in tasks:
            state = self.tasks.get(meta.key)
            if state is None:
                self._changing(meta.key, None)
                self.tasks[meta.key] = TaskState(meta)
                changed.add(meta.key)
            else:
                merged = merge_meta(state.meta, meta)
                if merged is not None:
                    self._changing(meta.key, state)
                    state.meta = merged
                    state.changed()
                    changed.add(meta.key)
        for request in requests:
            key = (request.source, request.task_id)
            state = self.tasks.get(key)
            if state is None:
                self._changing(key, None)
                state = self.tasks[key] = TaskState(TaskMeta(request.source, request.task_id))
            merged_req = merge_request(state.requests.get(request.ts), request)
            if merged_req is not None:
                self._changing(key, state)
                state.requests[request.ts] = merged_req
                state.changed()
                changed.add(key)
        if mode_names:
            self.mode_names.update(mode_names)
        self.revision = max(self.revision, revision)
        return changed
