"""The ledger's in-memory state and its merge rules.

Every change to the ledger is an upsert merged by the rules here, and the rules are monotonic and
idempotent: applying the same record twice, or an older record after a newer one, changes nothing,
and no figure once recorded is ever lowered. That is what lets several processes replay one
journal, and a crash replay part of it again, without losing or doubling usage.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from roo_usage.records import RequestUsage, TaskMeta, Totals

TaskKey = tuple[str, str]


@dataclass(slots=True)
class TaskState:
    """One task: its metadata and its usage entries by `ts`."""

    meta: TaskMeta
    requests: dict[int, RequestUsage] = field(default_factory=dict)


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


def _max_totals(old: Totals | None, new: Totals | None) -> Totals | None:
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
        reported=_max_totals(old.reported, new.reported),
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


class LedgerState:
    """All tasks and their usage, plus mode display names and the revision."""

    def __init__(self) -> None:
        self.tasks: dict[TaskKey, TaskState] = {}
        self.mode_names: dict[str, str] = {}
        self.revision = 0

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
                if base is None:
                    changes.tasks_added += 1
                pending_meta[meta.key] = merged
        pending_req: dict[tuple[str, str, int], RequestUsage] = {}
        for request in requests:
            key = request.key
            state = self.tasks.get((request.source, request.task_id))
            existing = state.requests.get(request.ts) if state else None
            base_req = pending_req.get(key) or existing
            merged_req = merge_request(base_req, request)
            if merged_req is not None:
                if base_req is None:
                    changes.requests_added += 1
                elif existing is not None and key not in pending_req:
                    changes.requests_updated += 1
                pending_req[key] = merged_req
            if state is None and (request.source, request.task_id) not in pending_meta:
                # every request belongs to a task the ledger knows
                pending_meta[(request.source, request.task_id)] = TaskMeta(
                    request.source, request.task_id
                )
                changes.tasks_added += 1
        changes.tasks = list(pending_meta.values())
        changes.requests = list(pending_req.values())
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
                self.tasks[meta.key] = TaskState(meta)
                changed.add(meta.key)
            else:
                merged = merge_meta(state.meta, meta)
                if merged is not None:
                    state.meta = merged
                    changed.add(meta.key)
        for request in requests:
            key = (request.source, request.task_id)
            state = self.tasks.get(key)
            if state is None:
                state = self.tasks[key] = TaskState(TaskMeta(request.source, request.task_id))
            merged_req = merge_request(state.requests.get(request.ts), request)
            if merged_req is not None:
                state.requests[request.ts] = merged_req
                changed.add(key)
        if mode_names:
            self.mode_names.update(mode_names)
        self.revision = max(self.revision, revision)
        return changed
