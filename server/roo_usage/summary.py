"""Aggregation: totals by scope and date range, broken down by mode, workspace, model and day.

Money stays in integer pico-USD until the JSON is built, so every breakdown sums exactly to the
totals. Each task's usage is first folded into *cells* keyed ``(mode, model, day)``; the index
keeps those cells per task and refreshes only the tasks the ledger reports as changed, so a
summary costs a pass over cells, never a re-read of the requests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from roo_usage.ledger import LedgerState, TaskKey, TaskState
from roo_usage.money import pico_to_text, pico_to_usd
from roo_usage.paths import folder_name, normalize_path, path_key, within
from roo_usage.records import UNKNOWN_MODE, UNKNOWN_MODEL, Kind

# Figures are plain lists on the hot path:
COST, TOKENS_IN, TOKENS_OUT, CACHE_READS, CACHE_WRITES, REQUESTS, UNKNOWN = range(7)
FIGURES = 7
COST_TOLERANCE_PICO = 1000  # 1e-9 USD: float artefacts between an extension's sum and ours

BUILTIN_MODE_NAMES = {
    "code": "Code",
    "architect": "Architect",
    "ask": "Ask",
    "debug": "Debug",
    "orchestrator": "Orchestrator",
    "plan": "Plan",
    "act": "Act",
    UNKNOWN_MODE: "Unknown",
}

CellKey = tuple[str, str, str]  # (mode, model, day)
K = TypeVar("K", str, str | None)


@dataclass(slots=True)
class TaskCells:
    """One task's usage folded into cells, with what the filters need."""

    workspace: str | None  # normalized display path
    workspace_key: str | None
    deleted: bool
    cells: dict[CellKey, list[int]]


def _day(ts_ms: int, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz).date().isoformat()


def fold_task(task: TaskState, tz: ZoneInfo) -> TaskCells:
    """Fold a task's entries, plus usage its extension reported beyond them, into cells."""
    meta = task.meta
    cells: dict[CellKey, list[int]] = {}
    sums = [0, 0, 0, 0, 0]
    day_cache: dict[int, str] = {}
    for r in task.requests.values():
        day_bucket = r.ts // 60_000  # days change on minute boundaries in every zone
        day = day_cache.get(day_bucket)
        if day is None:
            day = day_cache[day_bucket] = _day(r.ts, tz)
        key = (r.mode or UNKNOWN_MODE, r.model or meta.model or UNKNOWN_MODEL, day)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = [0] * FIGURES
        cell[COST] += r.cost
        cell[TOKENS_IN] += r.tokens_in
        cell[TOKENS_OUT] += r.tokens_out
        cell[CACHE_READS] += r.cache_reads
        cell[CACHE_WRITES] += r.cache_writes
        if r.kind == Kind.REQUEST:
            cell[REQUESTS] += 1
            if not r.known:
                cell[UNKNOWN] += 1
        sums[0] += r.cost
        sums[1] += r.tokens_in
        sums[2] += r.tokens_out
        sums[3] += r.cache_reads
        sums[4] += r.cache_writes
    extra = unattributed_usage(task, sums)
    if any(extra):
        when = meta.last_ts or meta.first_ts or max(task.requests, default=0)
        key = (meta.mode or UNKNOWN_MODE, meta.model or UNKNOWN_MODEL, _day(when, tz))
        cell = cells.setdefault(key, [0] * FIGURES)
        for i, value in enumerate(extra):
            cell[i] += value
    workspace = normalize_path(meta.workspace) if meta.workspace else None
    return TaskCells(
        workspace=workspace,
        workspace_key=path_key(workspace) if workspace else None,
        deleted=meta.exists is False,
        cells=cells,
    )


def unattributed_usage(task: TaskState, sums: list[int] | None = None) -> list[int]:
    """What the extension reported for the task beyond its entries (cost, in, out, cr, cw).

    A task never shows less than its extension showed: a task known only from its history
    item, or whose requests were never all seen, keeps the difference here.
    """
    reported = task.meta.reported
    if reported is None:
        return [0, 0, 0, 0, 0]
    if sums is None:
        sums = [0, 0, 0, 0, 0]
        for r in task.requests.values():
            sums[0] += r.cost
            sums[1] += r.tokens_in
            sums[2] += r.tokens_out
            sums[3] += r.cache_reads
            sums[4] += r.cache_writes
    extra = [
        max(0, reported.cost - sums[0]),
        max(0, reported.tokens_in - sums[1]),
        max(0, reported.tokens_out - sums[2]),
        max(0, reported.cache_reads - sums[3]),
        max(0, reported.cache_writes - sums[4]),
    ]
    if extra[0] <= COST_TOLERANCE_PICO:
        extra[0] = 0
    return extra


def _has_usage(figures: list[int]) -> bool:
    return figures[REQUESTS] > 0 or any(figures[:REQUESTS])


@dataclass
class Query:
    """What a summary covers. ``workspaces`` are paths or URIs (``scope == "current"``)."""

    scope: str = "all"
    workspaces: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None


class UsageIndex:
    """Per-task cells for one time zone, kept current from the ledger's change sets."""

    def __init__(self, state: LedgerState, tz: ZoneInfo) -> None:
        self.state = state
        self.tz = tz
        self.tasks: dict[TaskKey, TaskCells] = {}
        self.update(state.tasks.keys())

    def update(self, keys: Iterable[TaskKey]) -> None:
        """Re-fold the given tasks (after the ledger reported them changed)."""
        for key in keys:
            task = self.state.tasks.get(key)
            if task is None:
                self.tasks.pop(key, None)
            else:
                self.tasks[key] = fold_task(task, self.tz)

    def rebind(self, state: LedgerState) -> None:
        """Follow a ledger that reloaded its state object."""
        if state is not self.state:
            self.state = state
            self.tasks.clear()
            self.update(state.tasks.keys())

    def summarize(self, query: Query) -> dict[str, Any]:
        """The summary object of protocol.md for ``query``."""
        folders = [normalize_path(w) for w in query.workspaces] if query.scope == "current" else []
        folder_keys = [path_key(f) for f in folders]
        since = query.since.isoformat() if query.since else None
        until = query.until.isoformat() if query.until else None

        totals = [0] * FIGURES
        task_count = deleted_count = 0
        by_mode: dict[str, list[int]] = {}
        by_workspace: dict[str | None, list[int]] = {}
        by_model: dict[str, list[int]] = {}
        by_day: dict[str, list[int]] = {}
        mode_tasks: dict[str, int] = {}
        model_tasks: dict[str, int] = {}
        day_tasks: dict[str, int] = {}
        workspace_tasks: dict[str | None, int] = {}

        for task in self.tasks.values():
            if query.scope == "current":
                key = task.workspace_key
                if key is None or not any(within(key, f) for f in folder_keys):
                    continue
            task_total = [0] * FIGURES
            modes: set[str] = set()
            models: set[str] = set()
            days: set[str] = set()
            for (mode, model, day), cell in task.cells.items():
                if (since and day < since) or (until and day > until):
                    continue
                if not _has_usage(cell):
                    continue
                for i in range(FIGURES):
                    task_total[i] += cell[i]
                _add(by_mode, mode, cell)
                _add(by_model, model, cell)
                _add(by_day, day, cell)
                modes.add(mode)
                models.add(model)
                days.add(day)
            if not _has_usage(task_total):
                continue
            task_count += 1
            deleted_count += task.deleted
            for i in range(FIGURES):
                totals[i] += task_total[i]
            _add(by_workspace, task.workspace, task_total)
            workspace_tasks[task.workspace] = workspace_tasks.get(task.workspace, 0) + 1
            for mode in modes:
                mode_tasks[mode] = mode_tasks.get(mode, 0) + 1
            for model in models:
                model_tasks[model] = model_tasks.get(model, 0) + 1
            for day in days:
                day_tasks[day] = day_tasks.get(day, 0) + 1

        names = self.state.mode_names
        summary_totals = _figures_json(totals, task_count)
        summary_totals["deletedTasks"] = deleted_count
        return {
            "scope": query.scope,
            "workspaces": folders,
            "since": since,
            "until": until,
            "timeZone": self.tz.key,
            "revision": self.state.revision,
            "currency": "USD",
            "totals": summary_totals,
            "byMode": [
                {"mode": mode, "name": mode_name(mode, names)}
                | _figures_json(f, mode_tasks[mode])
                for mode, f in _by_cost(by_mode)
            ],
            "byWorkspace": [
                {"workspace": ws, "name": folder_name(ws) if ws else "(no workspace)"}
                | _figures_json(f, workspace_tasks[ws])
                for ws, f in _by_cost(by_workspace)
            ],
            "byModel": [
                {"model": model} | _figures_json(f, model_tasks[model])
                for model, f in _by_cost(by_model)
            ],
            "byDay": [
                {"day": day} | _figures_json(by_day[day], day_tasks[day]) for day in sorted(by_day)
            ],
        }


def _add(table: dict[K, list[int]], key: K, figures: list[int]) -> None:
    row = table.get(key)
    if row is None:
        table[key] = figures.copy()
    else:
        for i in range(FIGURES):
            row[i] += figures[i]


def _by_cost(table: dict[K, list[int]]) -> list[tuple[K, list[int]]]:
    return sorted(table.items(), key=lambda item: (-item[1][COST], -item[1][TOKENS_IN], str(item[0])))


def _figures_json(f: list[int], tasks: int) -> dict[str, Any]:
    return {
        "cost": pico_to_usd(f[COST]),
        "costExact": pico_to_text(f[COST]),
        "tokensIn": f[TOKENS_IN],
        "tokensOut": f[TOKENS_OUT],
        "cacheReads": f[CACHE_READS],
        "cacheWrites": f[CACHE_WRITES],
        "tasks": tasks,
        "requests": f[REQUESTS],
        "unknownRequests": f[UNKNOWN],
    }


def mode_name(slug: str, names: dict[str, str]) -> str:
    """A mode's display name: as the extension showed it, else the built-in name, else the slug."""
    return names.get(slug) or BUILTIN_MODE_NAMES.get(slug) or slug.replace("-", " ").title()
