"""The naive design from the original proposal, implemented minimally, as the baseline.

One JSON array of per-task snapshots (a HistoryItem-like object with the task's totals) in one
file. An update reads the whole file, modifies the task, and rewrites the whole file (durably:
temp file, fsync, rename, like ours). A summary reads the file and scans every task linearly.
"""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

PICO = 10**12


def snapshots_from_state(state: Any) -> list[dict[str, Any]]:
    """Per-task snapshots of the same synthetic tasks our ledger holds."""
    rows = []
    for task in state.tasks.values():
        meta = task.meta
        reqs = task.requests.values()
        last = next(reversed(task.requests.values()), None)
        rows.append(
            {
                "id": meta.task_id,
                "ts": meta.last_ts,
                "workspace": meta.workspace,
                "mode": meta.mode,
                "model": last.model if last else None,
                "tokensIn": sum(r.tokens_in for r in reqs),
                "tokensOut": sum(r.tokens_out for r in reqs),
                "cacheReads": sum(r.cache_reads for r in reqs),
                "cacheWrites": sum(r.cache_writes for r in reqs),
                "totalCost": sum(r.cost for r in reqs) / PICO,
                "requests": len(task.requests),
            }
        )
    return rows


class NaiveStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def write_all(self, rows: list[dict[str, Any]]) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, orjson.dumps(rows))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)

    def update(self, task_id: str, cost: float, tokens_in: int, tokens_out: int, ts: int) -> None:
        """A request of ``task_id`` finished: read, modify, rewrite the whole file."""
        rows = orjson.loads(self.path.read_bytes())
        for row in rows:
            if row["id"] == task_id:
                row["totalCost"] += cost
                row["tokensIn"] += tokens_in
                row["tokensOut"] += tokens_out
                row["requests"] += 1
                row["ts"] = ts
                break
        self.write_all(rows)

    def summary(self, workspace: str | None = None) -> dict[str, Any]:
        """Totals by mode, workspace, model and day: read the file, scan every task."""
        rows = orjson.loads(self.path.read_bytes())
        totals = [0.0, 0, 0, 0, 0, 0]
        tables: dict[str, dict[Any, list[float]]] = {
            "mode": defaultdict(lambda: [0.0, 0, 0]),
            "workspace": defaultdict(lambda: [0.0, 0, 0]),
            "model": defaultdict(lambda: [0.0, 0, 0]),
            "day": defaultdict(lambda: [0.0, 0, 0]),
        }
        for row in rows:
            if workspace is not None and row["workspace"] != workspace:
                continue
            totals[0] += row["totalCost"]
            totals[1] += row["tokensIn"]
            totals[2] += row["tokensOut"]
            totals[3] += row["cacheReads"]
            totals[4] += row["cacheWrites"]
            totals[5] += row["requests"]
            day = datetime.fromtimestamp(row["ts"] / 1000, UTC).date().isoformat()
            for name, key in (
                ("mode", row["mode"]),
                ("workspace", row["workspace"]),
                ("model", row["model"]),
                ("day", day),
            ):
                cell = tables[name][key]
                cell[0] += row["totalCost"]
                cell[1] += row["tokensIn"]
                cell[2] += row["requests"]
        return {"totals": totals, **{k: dict(v) for k, v in tables.items()}}
