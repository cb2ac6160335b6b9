"""Aggregation: totals by scope and date range, broken down by mode, workspace, model and day.

Money stays in integer pico-USD until the JSON is built, so every breakdown sums exactly to the
totals. The index is built from each task's cells (``cells.py``) and kept current from the
ledger's change sets: a changed task's old contribution is subtracted and its new one added.
It keeps running totals for ``all`` (overall; per day and per workspace-day, built once
date-range queries repeat), and the tasks of each workspace for ``current``, so a summary never
walks every request of the ledger.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from roo_usage.cells import FIGURES, FIRST_FIGURE, QUARTER_MS, Cell
from roo_usage.ledger import LedgerState, TaskKey, TaskState
from roo_usage.memory import no_gc
from roo_usage.money import pico_to_text, pico_to_usd
from roo_usage.paths import folder_name, normalize_path, path_key, within
from roo_usage.records import UNKNOWN_MODE, TaskMeta

COST, TOKENS_IN, TOKENS_OUT, CACHE_READS, CACHE_WRITES, REQUESTS, UNKNOWN = range(FIGURES)
# what the saved running totals mean: bumped whenever the sums are counted differently, so a
# ledger shared with another version counts afresh rather than resume from other sums
CHECKPOINT_VERSION = 1

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


@dataclass
class Query:
    """What a summary covers. ``workspaces`` are paths or URIs (``scope == "current"``)."""

    scope: str = "all"
    workspaces: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None


@dataclass(slots=True)
class _Entry:
    """What the index remembers of a task: enough to take its contribution back out."""

    workspace_key: str | None
    workspace: str | None  # normalized display path
    deleted: bool
    cells: list[Cell]


class _Breakdowns:
    """Totals, and figures per mode and per model."""

    def __init__(self) -> None:
        self.totals = [0] * FIGURES
        self.by_mode: dict[str, list[int]] = {}
        self.by_model: dict[str, list[int]] = {}


class _Overall(_Breakdowns):
    """Running totals of every task, all time."""

    def __init__(self) -> None:
        super().__init__()
        self.tasks = 0
        self.deleted = 0
        self.by_workspace: dict[str | None, list[int]] = {}
        self.by_day: dict[str, list[int]] = {}
        self.mode_tasks: dict[str, int] = {}
        self.model_tasks: dict[str, int] = {}
        self.workspace_tasks: dict[str | None, int] = {}
        self.day_tasks: dict[str, int] = {}
        self.day_deleted: dict[str, int] = {}  # deleted tasks with usage that day

    def to_json(self) -> dict[str, Any]:
        """What ``from_json`` reads back (kept beside the ledger's snapshot)."""
        return {
            "tasks": self.tasks,
            "deleted": self.deleted,
            "totals": self.totals,
            "byMode": _rows_json(self.by_mode, self.mode_tasks),
            "byModel": _rows_json(self.by_model, self.model_tasks),
            "byWorkspace": _rows_json(self.by_workspace, self.workspace_tasks),
            "byDay": [
                [k, *f, self.day_tasks.get(k, 0), self.day_deleted.get(k, 0)]
                for k, f in self.by_day.items()
            ],
        }

    def consistent(self) -> bool:
        """Do the tables add up? Every cell counts once in each table, every task once per
        workspace, and no figure or count is below zero: what a count from the cells gives."""
        if min(self.tasks, self.deleted, *self.totals) < 0 or self.deleted > self.tasks:
            return False
        tables: list[tuple[dict[Any, list[int]], dict[Any, int]]] = [
            (self.by_mode, self.mode_tasks),
            (self.by_model, self.model_tasks),
            (self.by_workspace, self.workspace_tasks),
            (self.by_day, self.day_tasks),
        ]
        for table, counts in tables:
            if table.keys() != counts.keys():
                return False
            if any(not 0 < n <= self.tasks for n in counts.values()):
                return False
            sums = [0] * FIGURES
            for figures in table.values():
                if min(figures) < 0:
                    return False
                _plus(sums, figures)
            if sums != self.totals:
                return False
        return sum(self.workspace_tasks.values()) == self.tasks and all(
            0 < n <= self.day_tasks.get(day, 0) for day, n in self.day_deleted.items()
        )

    @classmethod
    def from_json(cls, saved: Any) -> _Overall | None:
        """The totals ``to_json`` saved, or ``None`` when they are not in that shape."""
        try:
            o = cls()
            o.tasks, o.deleted = _count_of(saved["tasks"]), _count_of(saved["deleted"])
            o.totals = _figures_of(saved["totals"])
            tables: list[tuple[Any, dict[Any, list[int]], dict[Any, int]]] = [
                (saved["byMode"], o.by_mode, o.mode_tasks),
                (saved["byModel"], o.by_model, o.model_tasks),
                (saved["byWorkspace"], o.by_workspace, o.workspace_tasks),
            ]
            for rows, table, counts in tables:
                for key, *figures, n in rows:
                    if not (key is None or key.__class__ is str):
                        return None
                    table[key] = _figures_of(figures)
                    counts[key] = _count_of(n)
            for day, *figures, n, deleted in saved["byDay"]:
                date.fromisoformat(day)  # a day, or ValueError
                o.by_day[str(day)] = _figures_of(figures)
                o.day_tasks[str(day)] = _count_of(n)
                if deleted:
                    o.day_deleted[str(day)] = _count_of(deleted)
        except (KeyError, TypeError, ValueError):
            return None
        return o


def _rows_json(table: dict[Any, list[int]], counts: dict[Any, int]) -> list[list[Any]]:
    return [[key, *figures, counts.get(key, 0)] for key, figures in table.items()]


def _figures_of(values: Any) -> list[int]:
    if len(values) != FIGURES or any(v.__class__ is not int or v < 0 for v in values):
        raise ValueError("not figures")
    return list(values)


def _count_of(value: Any) -> int:
    if value.__class__ is not int or value < 0:
        raise ValueError("not a count")
    return int(value)


class _Day(_Breakdowns):
    """Running totals of one day; its tasks (with their workspace) and task sets so that ranges
    of days count each task once. Workspace figures live in ``_WorkspaceDays`` instead."""

    def __init__(self) -> None:
        super().__init__()
        self.tasks: dict[TaskKey, str | None] = {}  # task -> its workspace
        self.mode_tasks: dict[str, set[TaskKey]] = {}
        self.model_tasks: dict[str, set[TaskKey]] = {}


class _WorkspaceDays:
    """One workspace's figures per day, with running sums over its days (rebuilt after a
    change), so a date range costs two binary searches instead of a sum over its days."""

    def __init__(self) -> None:
        self.by_day: dict[str, list[int]] = {}
        self._days: list[str] | None = None
        self._running: list[list[int]] = []

    def changed(self) -> None:
        self._days = None

    def between(self, since: str | None, until: str | None) -> list[int] | None:
        if self._days is None:
            self._days = sorted(self.by_day)
            total = [0] * FIGURES
            self._running = [total]
            for day in self._days:
                total = [a + b for a, b in zip(total, self.by_day[day], strict=True)]
                self._running.append(total)
        lo = bisect_left(self._days, since) if since else 0
        hi = bisect_right(self._days, until) if until else len(self._days)
        if hi <= lo:
            return None
        end, start = self._running[hi], self._running[lo]
        return [a - b for a, b in zip(end, start, strict=True)]


def _add(table: dict[Any, list[int]], key: Any, figures: list[int], sign: int = 1) -> None:
    row = table.get(key)
    if row is None:
        if sign > 0:
            table[key] = figures.copy()
            return
        row = table[key] = [0] * FIGURES
    if sign > 0:
        _plus(row, figures)
    else:
        _minus(row, figures)


def _plus(row: list[int], f: list[int]) -> None:
    row[0] += f[0]
    row[1] += f[1]
    row[2] += f[2]
    row[3] += f[3]
    row[4] += f[4]
    row[5] += f[5]
    row[6] += f[6]


def _minus(row: list[int], f: list[int]) -> None:
    row[0] -= f[0]
    row[1] -= f[1]
    row[2] -= f[2]
    row[3] -= f[3]
    row[4] -= f[4]
    row[5] -= f[5]
    row[6] -= f[6]


def _count(table: dict[Any, int], key: Any, sign: int) -> None:
    n = table.get(key, 0) + sign
    if n:
        table[key] = n
    else:
        del table[key]


def _member(table: dict[Any, set[TaskKey]], key: Any, task: TaskKey, sign: int) -> None:
    members = table.setdefault(key, set())
    if sign > 0:
        members.add(task)
    else:
        members.discard(task)
        if not members:
            del table[key]


def _prune(table: dict[Any, list[int]], keep: Iterable[Any]) -> None:
    """Drop rows whose last task left (their figures are back to zero)."""
    keep = set(keep)
    for key in [k for k in table if k not in keep]:
        del table[key]


class UsageIndex:
    """Summaries for one time zone over a ledger state, updated task by task."""

    def __init__(self, state: LedgerState, tz: ZoneInfo) -> None:
        self.state = state
        self.tz = tz
        self._days_of_quarter: dict[int, str] = {}
        self._workspaces: dict[str, tuple[str, str]] = {}  # as recorded -> (display, key)
        self._reset()
        self._build()

    def _reset(self) -> None:
        self.entries: dict[TaskKey, _Entry] = {}
        self.workspace_tasks: dict[str | None, set[TaskKey]] = {}
        self.overall = _Overall()
        self.days: dict[str, _Day] = {}
        self.workspace_days: dict[str | None, _WorkspaceDays] = {}
        self.deleted: set[TaskKey] = set()
        self._days_built = False
        self._ranges_asked = 0

    def day_of(self, quarter: int) -> str:
        day = self._days_of_quarter.get(quarter)
        if day is None:
            moment = datetime.fromtimestamp(quarter * QUARTER_MS / 1000, self.tz)
            day = self._days_of_quarter[quarter] = moment.date().isoformat()
        return day

    # ------------------------------------------------------------------ maintenance

    def update(self, keys: Iterable[TaskKey]) -> None:
        """Re-count the given tasks (after the ledger reported them changed)."""
        for key in keys:
            old = self.entries.pop(key, None)
            if old is not None:
                self._account(key, old, -1)
            task = self.state.tasks.get(key)
            if task is None:
                continue
            entry = self._entry(task)
            self.entries[key] = entry
            self._account(key, entry, 1)

    def _entry(self, task: TaskState) -> _Entry:
        return self._entry_of(task.meta, task.cells)

    def _entry_of(self, meta: TaskMeta, cells: list[Cell]) -> _Entry:
        recorded = meta.workspace
        workspace = key = None
        if recorded:
            known = self._workspaces.get(recorded)
            if known is None:
                display = normalize_path(recorded)
                known = self._workspaces[recorded] = (display, path_key(display))
            workspace, key = known
        return _Entry(key, workspace, meta.exists is False, cells)

    def _build(self) -> None:
        with no_gc(keep=True):
            if not self._resume():
                self._count_all()

    def checkpoint(self) -> dict[str, Any]:
        """The running totals, to keep beside a snapshot of the state they describe."""
        return {
            "version": CHECKPOINT_VERSION,
            "revision": self.state.revision,
            "midnights": self._midnights(self.overall.by_day),
            "overall": self.overall.to_json(),
        }

    def _midnights(self, days: Iterable[str]) -> int:
        """A fingerprint of this zone's rules where the totals use them: when each of these
        days begins and ends. Processes with other time-zone data (an update while one ran)
        would put usage in other days, so they do not share saved totals."""
        digest = 0
        for day in sorted(days):
            start = date.fromisoformat(day)
            for moment in (start, start + timedelta(days=1)):
                midnight = datetime(moment.year, moment.month, moment.day, tzinfo=self.tz)
                digest = zlib.crc32(b"%d," % midnight.timestamp(), digest)
        return digest

    def _resume(self) -> bool:
        """Start from the totals saved with the last snapshot, corrected by the tasks that
        changed since (their old contribution out, the new one in), instead of counting every
        cell. False when nothing usable was saved for this time zone."""
        state = self.state
        saved = state.summaries.get(self.tz.key) if isinstance(state.summaries, dict) else None
        if (
            not isinstance(saved, dict)
            or saved.get("version") != CHECKPOINT_VERSION
            or saved.get("revision") != state.base_revision
        ):
            return False
        overall = _Overall.from_json(saved.get("overall"))
        if overall is None or saved.get("midnights") != self._midnights(overall.by_day):
            return False
        self.overall = overall
        counted = 0
        for key, task in state.tasks.items():
            entry = self.entries[key] = self._entry(task)
            members = self.workspace_tasks.get(entry.workspace_key)
            if members is None:
                members = self.workspace_tasks[entry.workspace_key] = set()
            members.add(key)
            counted += bool(entry.cells)
        for key, before in state.before.items():
            if before is not None:
                old = self._entry_of(*before)
                if old.cells:
                    self._account_overall(key, old, self._by_day(old.cells), -1)
            now = self.entries.get(key)
            if now is not None and now.cells:
                self._account_overall(key, now, self._by_day(now.cells), 1)
        if overall.tasks != counted or not overall.consistent():
            self._reset()  # not what this state holds after all: count afresh
            return False
        return True

    def _count_all(self) -> None:
        """Count every task at once: the same sums as ``update``, in one tight pass."""
        o = self.overall
        by_mode, by_model, by_day = o.by_mode, o.by_model, o.by_day
        mode_tasks, model_tasks, day_tasks = o.mode_tasks, o.model_tasks, o.day_tasks
        days_of_quarter = self._days_of_quarter
        day_of = self.day_of
        totals = o.totals
        for key, task in self.state.tasks.items():
            entry = self.entries[key] = self._entry(task)
            members = self.workspace_tasks.get(entry.workspace_key)
            if members is None:
                members = self.workspace_tasks[entry.workspace_key] = set()
            members.add(key)
            cells = entry.cells
            if not cells:
                continue
            t0 = t1 = t2 = t3 = t4 = t5 = t6 = 0
            modes = set()
            models = set()
            days = set()
            for mode, model, quarter, c0, c1, c2, c3, c4, c5, c6 in cells:
                day = days_of_quarter.get(quarter) or day_of(quarter)
                t0 += c0
                t1 += c1
                t2 += c2
                t3 += c3
                t4 += c4
                t5 += c5
                t6 += c6
                # unrolled for the three tables: this loop runs once per cell of the ledger
                row = by_mode.get(mode)
                if row is None:
                    by_mode[mode] = [c0, c1, c2, c3, c4, c5, c6]
                else:
                    row[0] += c0
                    row[1] += c1
                    row[2] += c2
                    row[3] += c3
                    row[4] += c4
                    row[5] += c5
                    row[6] += c6
                row = by_model.get(model)
                if row is None:
                    by_model[model] = [c0, c1, c2, c3, c4, c5, c6]
                else:
                    row[0] += c0
                    row[1] += c1
                    row[2] += c2
                    row[3] += c3
                    row[4] += c4
                    row[5] += c5
                    row[6] += c6
                row = by_day.get(day)
                if row is None:
                    by_day[day] = [c0, c1, c2, c3, c4, c5, c6]
                else:
                    row[0] += c0
                    row[1] += c1
                    row[2] += c2
                    row[3] += c3
                    row[4] += c4
                    row[5] += c5
                    row[6] += c6
                modes.add(mode)
                models.add(model)
                days.add(day)
            total = [t0, t1, t2, t3, t4, t5, t6]
            _plus(totals, total)
            _add(o.by_workspace, entry.workspace, total)
            o.tasks += 1
            o.deleted += entry.deleted
            ws = entry.workspace
            o.workspace_tasks[ws] = o.workspace_tasks.get(ws, 0) + 1
            for mode in modes:
                mode_tasks[mode] = mode_tasks.get(mode, 0) + 1
            for model in models:
                model_tasks[model] = model_tasks.get(model, 0) + 1
            for day in days:
                day_tasks[day] = day_tasks.get(day, 0) + 1
                if entry.deleted:
                    o.day_deleted[day] = o.day_deleted.get(day, 0) + 1

    def rebind(self, state: LedgerState) -> None:
        """Follow a ledger that reloaded its state object."""
        if state is not self.state:
            self.state = state
            self._reset()
            self._build()

    def _by_day(self, cells: list[Cell]) -> dict[tuple[str, str, str], list[int]]:
        per: dict[tuple[str, str, str], list[int]] = {}
        day_of = self.day_of
        for cell in cells:
            key = (cell[0], cell[1], day_of(cell[2]))
            row = per.get(key)
            if row is None:
                per[key] = list(cell[FIRST_FIGURE:])  # type: ignore[arg-type]
            else:
                _plus(row, cell[FIRST_FIGURE:])  # type: ignore[arg-type]
        return per

    def _account(self, key: TaskKey, entry: _Entry, sign: int) -> None:
        """Add (sign 1) or take back (sign -1) one task's contribution."""
        members = self.workspace_tasks.get(entry.workspace_key)
        if sign > 0:
            if members is None:
                members = self.workspace_tasks[entry.workspace_key] = set()
            members.add(key)
        elif members is not None:
            members.discard(key)
            if not members:
                del self.workspace_tasks[entry.workspace_key]
        if not entry.cells:
            return
        per = self._by_day(entry.cells)
        self._account_overall(key, entry, per, sign)
        if self._days_built:
            self._account_days(key, entry, per, sign)

    def _account_overall(
        self, key: TaskKey, entry: _Entry, per: dict[tuple[str, str, str], list[int]], sign: int
    ) -> None:
        o = self.overall
        total = [0] * FIGURES
        modes: set[str] = set()
        models: set[str] = set()
        days: set[str] = set()
        for (mode, model, day), figures in per.items():
            _plus(total, figures)
            _add(o.by_mode, mode, figures, sign)
            _add(o.by_model, model, figures, sign)
            _add(o.by_day, day, figures, sign)
            modes.add(mode)
            models.add(model)
            days.add(day)
        if sign > 0:
            _plus(o.totals, total)
        else:
            _minus(o.totals, total)
        _add(o.by_workspace, entry.workspace, total, sign)
        o.tasks += sign
        o.deleted += sign * entry.deleted
        _count(o.workspace_tasks, entry.workspace, sign)
        for mode in modes:
            _count(o.mode_tasks, mode, sign)
        for model in models:
            _count(o.model_tasks, model, sign)
        for day in days:
            _count(o.day_tasks, day, sign)
            if entry.deleted:
                _count(o.day_deleted, day, sign)
        if sign < 0:
            _prune(o.by_mode, o.mode_tasks)
            _prune(o.by_model, o.model_tasks)
            _prune(o.by_day, o.day_tasks)
            _prune(o.by_workspace, o.workspace_tasks)

    def _account_days(
        self, key: TaskKey, entry: _Entry, per: dict[tuple[str, str, str], list[int]], sign: int
    ) -> None:
        ws = entry.workspace
        day_totals: dict[str, list[int]] = {}
        for (mode, model, day), figures in per.items():
            d = self.days.get(day)
            if d is None:
                d = self.days[day] = _Day()
            _add(d.by_mode, mode, figures, sign)
            _add(d.by_model, model, figures, sign)
            _member(d.mode_tasks, mode, key, sign)
            _member(d.model_tasks, model, key, sign)
            _add(day_totals, day, figures)
        if not day_totals:
            return
        if entry.deleted:
            if sign > 0:
                self.deleted.add(key)
            else:
                self.deleted.discard(key)
        ws_days = self.workspace_days.get(ws)
        if ws_days is None:
            ws_days = self.workspace_days[ws] = _WorkspaceDays()
        ws_days.changed()
        for day, figures in day_totals.items():
            d = self.days[day]
            _add(ws_days.by_day, day, figures, sign)
            if sign > 0:
                _plus(d.totals, figures)
                d.tasks[key] = ws
            else:
                _minus(d.totals, figures)
                d.tasks.pop(key, None)
                if not any(ws_days.by_day[day]):  # figures never go below zero
                    del ws_days.by_day[day]
                if not d.tasks:
                    del self.days[day]
                    continue
                _prune(d.by_mode, d.mode_tasks)
                _prune(d.by_model, d.model_tasks)
        if not ws_days.by_day:
            del self.workspace_days[ws]

    def _build_days(self) -> None:
        """Per-day running totals, built on the first date-range query, then kept current."""
        if self._days_built:
            return
        self._days_built = True
        with no_gc(keep=True):
            for key, entry in self.entries.items():
                if entry.cells:
                    self._account_days(key, entry, self._by_day(entry.cells), 1)

    # ------------------------------------------------------------------ queries

    def summarize(self, query: Query) -> dict[str, Any]:
        """The summary object of protocol.md for ``query``."""
        folders = [normalize_path(w) for w in query.workspaces] if query.scope == "current" else []
        since = query.since.isoformat() if query.since else None
        until = query.until.isoformat() if query.until else None
        if query.scope == "current":
            result = self._from_tasks(self._tasks_in(folders), since, until)
        elif since or until:
            result = self._from_range(since, until)
        else:
            result = self._from_overall()
        totals, tasks, deleted, breakdowns = result
        names = self.state.mode_names
        summary_totals = _figures_json(totals, tasks)
        summary_totals["deletedTasks"] = deleted
        by_mode, by_workspace, by_model, by_day = breakdowns
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
                {"mode": mode, "name": mode_name(mode, names)} | _figures_json(f, n)
                for mode, (f, n) in _by_cost(by_mode)
            ],
            "byWorkspace": [
                {"workspace": ws, "name": folder_name(ws) if ws else "(no workspace)"}
                | _figures_json(f, n)
                for ws, (f, n) in _by_cost(by_workspace)
            ],
            "byModel": [
                {"model": model} | _figures_json(f, n) for model, (f, n) in _by_cost(by_model)
            ],
            "byDay": [{"day": day} | _figures_json(*by_day[day]) for day in sorted(by_day)],
        }

    def _from_range(self, since: str | None, until: str | None) -> _Result:
        """A date range over every workspace. The first is answered by walking the tasks with
        usage near the range (about 0.1 s for 30 days of 100,000 tasks); from the second on, the
        per-day tables answer (1.3-1.5 s to build on that ledger, then milliseconds, kept
        current). So a one-off report, such as the CLI's, never waits for tables it will not use
        again. (An editor's "today" is ``day_totals``, which needs no tables.)"""
        self._ranges_asked += 1
        if self._ranges_asked > 1:
            self._build_days()
            return self._from_days(since, until)
        return self._from_tasks(self._tasks_near(since, until), since, until)

    def _tasks_near(self, since: str | None, until: str | None) -> list[TaskKey]:
        """Tasks with a cell from a day before ``since`` to a day after ``until`` (in UTC
        quarters: wider than the range in any zone, whose offsets stay within a day), for
        ``_from_tasks`` to filter by this zone's days."""
        lo = _epoch_quarter(since, -1) if since else None
        hi = _epoch_quarter(until, 2) if until else None
        keys: list[TaskKey] = []
        for key, entry in self.entries.items():
            for cell in entry.cells:
                quarter = cell[2]
                if (lo is None or quarter >= lo) and (hi is None or quarter < hi):
                    keys.append(key)
                    break
        return keys

    def day_totals(self, day: date) -> dict[str, Any]:
        """One day's totals over all workspaces (for a status bar), without per-day indexes."""
        key = day.isoformat()
        o = self.overall
        totals = _figures_json(o.by_day.get(key, [0] * FIGURES), o.day_tasks.get(key, 0))
        totals["deletedTasks"] = o.day_deleted.get(key, 0)
        return totals

    def _tasks_in(self, folders: list[str]) -> list[TaskKey]:
        folder_keys = [path_key(f) for f in folders]
        keys: list[TaskKey] = []
        for ws_key, members in self.workspace_tasks.items():
            if ws_key is not None and any(within(ws_key, f) for f in folder_keys):
                keys.extend(members)
        return keys

    def _from_overall(self) -> _Result:
        o = self.overall
        return (
            o.totals,
            o.tasks,
            o.deleted,
            (
                _with_counts(o.by_mode, o.mode_tasks),
                _with_counts(o.by_workspace, o.workspace_tasks),
                _with_counts(o.by_model, o.model_tasks),
                _with_counts(o.by_day, o.day_tasks),
            ),
        )

    def _from_days(self, since: str | None, until: str | None) -> _Result:
        totals = [0] * FIGURES
        tasks: dict[TaskKey, str | None] = {}
        by_mode: dict[str, list[int]] = {}
        by_model: dict[str, list[int]] = {}
        mode_tasks: dict[Any, set[TaskKey]] = {}
        model_tasks: dict[Any, set[TaskKey]] = {}
        by_day: dict[str, tuple[list[int], int]] = {}
        for day, d in self.days.items():
            if (since and day < since) or (until and day > until):
                continue
            _plus(totals, d.totals)
            tasks.update(d.tasks)
            by_day[day] = (d.totals, len(d.tasks))
            for table, source in ((by_mode, d.by_mode), (by_model, d.by_model)):
                for key, figures in source.items():
                    _add(table, key, figures)
            for sets, source_sets in ((mode_tasks, d.mode_tasks), (model_tasks, d.model_tasks)):
                for key, members in source_sets.items():
                    sets.setdefault(key, set()).update(members)
        by_workspace: dict[str | None, list[int]] = {}
        for ws, ws_days in self.workspace_days.items():
            in_range = ws_days.between(since, until)
            if in_range is not None and any(in_range):
                by_workspace[ws] = in_range
        return (
            totals,
            len(tasks),
            len(self.deleted & tasks.keys()),
            (
                _with_counts(by_mode, mode_tasks),
                _with_counts(by_workspace, Counter(tasks.values())),
                _with_counts(by_model, model_tasks),
                by_day,
            ),
        )

    def _from_tasks(self, keys: list[TaskKey], since: str | None, until: str | None) -> _Result:
        """Walk the given tasks' cells (the tasks of a few workspaces)."""
        totals = [0] * FIGURES
        task_count = deleted = 0
        by_mode: dict[str, list[int]] = {}
        by_model: dict[str, list[int]] = {}
        by_day: dict[str, list[int]] = {}
        by_workspace: dict[str | None, list[int]] = {}
        mode_tasks: dict[str, int] = {}
        model_tasks: dict[str, int] = {}
        day_tasks: dict[str, int] = {}
        workspace_tasks: dict[str | None, int] = {}
        for key in keys:
            entry = self.entries[key]
            if not entry.cells:
                continue
            task_total: list[int] | None = None
            modes: set[str] = set()
            models: set[str] = set()
            days: set[str] = set()
            for (mode, model, day), figures in self._by_day(entry.cells).items():
                if (since and day < since) or (until and day > until):
                    continue
                if task_total is None:
                    task_total = figures.copy()
                else:
                    _plus(task_total, figures)
                _add(by_mode, mode, figures)
                _add(by_model, model, figures)
                _add(by_day, day, figures)
                modes.add(mode)
                models.add(model)
                days.add(day)
            if task_total is None:
                continue
            task_count += 1
            deleted += entry.deleted
            _plus(totals, task_total)
            _add(by_workspace, entry.workspace, task_total)
            _count(workspace_tasks, entry.workspace, 1)
            for mode in modes:
                _count(mode_tasks, mode, 1)
            for model in models:
                _count(model_tasks, model, 1)
            for day in days:
                _count(day_tasks, day, 1)
        return (
            totals,
            task_count,
            deleted,
            (
                _with_counts(by_mode, mode_tasks),
                _with_counts(by_workspace, workspace_tasks),
                _with_counts(by_model, model_tasks),
                _with_counts(by_day, day_tasks),
            ),
        )


_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_QUARTERS_A_DAY = 24 * 3600 * 1000 // QUARTER_MS


def _epoch_quarter(day: str, days_later: int) -> int:
    """The first UTC quarter-hour of ``day`` plus ``days_later`` days."""
    ordinal = date.fromisoformat(day).toordinal() + days_later
    return (ordinal - _EPOCH_ORDINAL) * _QUARTERS_A_DAY


_Rows = dict[Any, tuple[list[int], int]]
_Result = tuple[list[int], int, int, tuple[_Rows, _Rows, _Rows, _Rows]]


def _with_counts(table: dict[Any, list[int]], counts: dict[Any, Any]) -> _Rows:
    rows: _Rows = {}
    for key, figures in table.items():
        n = counts.get(key, 0)
        rows[key] = (figures, n if isinstance(n, int) else len(n))
    return rows


def _by_cost(rows: _Rows) -> list[tuple[Any, tuple[list[int], int]]]:
    return sorted(
        rows.items(), key=lambda item: (-item[1][0][COST], -item[1][0][TOKENS_IN], str(item[0]))
    )


def _figures_json(f: list[int], tasks: int) -> dict[str, Any]:
    return {
        "cost": pico_to_usd(f[COST]),
        "costExact": pico_to_text(f[COST]),
        "tokens": f[TOKENS_IN] + f[TOKENS_OUT],
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
