"""A task's usage folded into *cells*: sums keyed by mode, model and quarter-hour.

Cells are what every summary is computed from; the requests themselves are only read again when
a task changes. Quarter-hours (UTC) map exactly onto days in every time zone (all UTC offsets
are multiples of 15 minutes), so the same cells serve any zone, and the ledger can keep them in
its snapshot for a fast start. A cell is a plain tuple:
``(mode, model, quarter, cost, tokens_in, tokens_out, cache_reads, cache_writes, requests,
unknown_requests)`` with cost in pico-USD and ``tokens_in`` including cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from sys import intern
from typing import Any

from roo_usage.records import UNKNOWN_MODE, UNKNOWN_MODEL, Kind, RequestUsage, TaskMeta, Totals

QUARTER_MS = 15 * 60 * 1000
COST_TOLERANCE_PICO = 1000  # 1e-9 USD: float artefacts between an extension's sum and ours

Cell = tuple[str, str, int, int, int, int, int, int, int, int]
# positions of the figures inside a cell
MODE, MODEL, QUARTER = 0, 1, 2
FIRST_FIGURE = 3
FIGURES = 7  # cost, tokens in, tokens out, cache reads, cache writes, requests, unknown


def unattributed_usage(requests: Iterable[RequestUsage], meta: TaskMeta) -> list[int]:
    """What the extension reported for the task beyond its entries (cost, in, out, cr, cw).

    A task never shows less than its extension showed: a task known only from its history
    item, or whose requests were never all seen, keeps the difference here.
    """
    if meta.reported is None:
        return [0, 0, 0, 0, 0]
    sums = [0, 0, 0, 0, 0]
    for r in requests:
        sums[0] += r.cost
        sums[1] += r.tokens_in
        sums[2] += r.tokens_out
        sums[3] += r.cache_reads
        sums[4] += r.cache_writes
    return _beyond(meta, sums)


def _beyond(meta: TaskMeta, sums: list[int]) -> list[int]:
    """:func:`unattributed_usage` given the sums of the task's entries."""
    reported = meta.reported
    if reported is None:
        return [0, 0, 0, 0, 0]
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


def fold(requests: Iterable[RequestUsage], meta: TaskMeta) -> list[Cell]:
    """The task's cells, including usage it reported beyond its entries.

    Runs for every task a scan changes and every task a snapshot writes: one pass over the
    entries, and their sums for :func:`unattributed_usage` come from the cells."""
    requests = list(requests)
    sums: dict[tuple[str, str, int], list[int]] = {}
    task_model = meta.model or UNKNOWN_MODEL
    request = Kind.REQUEST.value
    for r in requests:
        key = (r.mode or UNKNOWN_MODE, r.model or task_model, r.ts // QUARTER_MS)
        f = sums.get(key)
        if f is None:
            f = sums[key] = [0] * FIGURES
        f[0] += r.cost
        f[1] += r.tokens_in
        f[2] += r.tokens_out
        f[3] += r.cache_reads
        f[4] += r.cache_writes
        if r.kind == request:
            f[5] += 1
            if not r.known:
                f[6] += 1
    if meta.reported is not None:
        totals = [sum(f[i] for f in sums.values()) for i in range(5)]
        extra = _beyond(meta, totals)
        if any(extra):
            when = meta.last_ts or meta.first_ts or max((r.ts for r in requests), default=0)
            key = (meta.mode or UNKNOWN_MODE, meta.model or UNKNOWN_MODEL, when // QUARTER_MS)
            f = sums.setdefault(key, [0] * FIGURES)
            for i, value in enumerate(extra):
                f[i] += value
    return [
        (mode, model, quarter, *f)  # type: ignore[misc]
        for (mode, model, quarter), f in sums.items()
        if f[5] or any(f[:5])
    ]


def total(cells: Iterable[Cell]) -> Totals:
    """What the cells count, as a task's totals."""
    cost = tokens_in = tokens_out = cache_reads = cache_writes = 0
    for _mode, _model, _quarter, c, tin, tout, cr, cw, _requests, _unknown in cells:
        cost += c
        tokens_in += tin
        tokens_out += tout
        cache_reads += cr
        cache_writes += cw
    return Totals(cost, tokens_in, tokens_out, cache_reads, cache_writes)


def encode(cells: list[Cell]) -> list[list[Any]]:
    return [list(cell) for cell in cells]


def decode(rows: Any) -> list[Cell]:
    """Cells from their JSON form; raises ``ValueError`` on a malformed row."""
    cells: list[Cell] = []
    for row in rows:
        if len(row) != 10:
            raise ValueError(f"bad cell {row!r}")
        # a few distinct names shared by many cells (intern also checks they are strings)
        cells.append((intern(row[0]), intern(row[1]), *row[2:]))
    return cells
