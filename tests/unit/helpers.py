"""Shared helpers for the ledger, import and summary tests (sample copies, record builders)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

from roo_usage.ledger import Ledger
from roo_usage.money import usd_to_pico
from roo_usage.records import RequestUsage, TaskMeta
from roo_usage.sources.discovery import StorageFolder, storage_folders_from

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "samples"

ROO_PARENT = "019bb695-5a80-73a1-8c2e-4f9b07d15a6c"
ROO_CHILD = "019bb69b-07a0-71c5-a8e2-b4d6f80917e3"
CLINE_TASK = "1768381200000"

# Totals stated in the samples' READMEs (cost in pico-USD; tokensIn includes cache).
EXPECTED = {
    "roo": {
        "cost": usd_to_pico("0.165987"),
        "tokensIn": 68974,
        "tokensOut": 3635,
        "cacheWrites": 17780,
        "cacheReads": 44850,
        "tasks": 2,
        "requests": 8,
    },
    "cline": {
        "cost": usd_to_pico("0.1210125"),
        "tokensIn": 14 + 17610 + 46360,
        "tokensOut": 2735,
        "cacheWrites": 17610,
        "cacheReads": 46360,
        "tasks": 1,
    },
    "real": {
        "cost": usd_to_pico("4.268052913"),
        "tokensIn": 1111219 + 191206 + 16044 + 15794 + 2293053,
        "tokensOut": 11035 + 824 + 384 + 160 + 32273,
        "tasks": 5,
        "requests": 62,
        "unknownRequests": 1,
    },
}

FIGURE_FIELDS = (
    "tokensIn",
    "tokensOut",
    "cacheReads",
    "cacheWrites",
    "requests",
    "unknownRequests",
)


def copy_sample(name: str, dest: Path) -> Path:
    """A private copy of ``tests/fixtures/samples/<name>`` (tests may damage it freely)."""
    target = dest / name
    shutil.copytree(SAMPLES / name, target)
    return target


def storages(path: Path) -> list[StorageFolder]:
    found = storage_folders_from(path)
    assert found, f"no storage folder in {path}"
    return found


def pico(summary_row: dict[str, Any]) -> int:
    """A summary row's exact cost in pico-USD."""
    return int(Decimal(summary_row["costExact"]).scaleb(12))


def assert_totals(totals: dict[str, Any], expected: dict[str, int]) -> None:
    for name, value in expected.items():
        actual = pico(totals) if name == "cost" else totals[name]
        assert actual == value, f"{name}: {actual} != {value}"


def req(
    task: str,
    ts: int,
    *,
    source: str = "roo-code",
    known: bool = True,
    cost: int = 0,
    tokens_in: int = 0,
    tokens_out: int = 0,
    cache_reads: int = 0,
    cache_writes: int = 0,
    mode: str | None = None,
    model: str | None = None,
    kind: str = "request",
) -> RequestUsage:
    return RequestUsage(
        source,
        task,
        ts,
        kind,
        known,
        cost,
        tokens_in,
        tokens_out,
        cache_reads,
        cache_writes,
        mode,
        model,
    )


def meta(task: str, source: str = "roo-code", **fields: Any) -> TaskMeta:
    return TaskMeta(source, task, **fields)


def ledger_requests(ledger: Ledger) -> dict[tuple[str, str, int], RequestUsage]:
    """Every request in the ledger by key."""
    return {r.key: r for task in ledger.state.tasks.values() for r in task.requests.values()}


def ledger_figures(ledger: Ledger) -> tuple[int, int, int, int, int, int]:
    """(cost, in, out, cache reads, cache writes, entries) over every ledger entry."""
    rows = list(ledger_requests(ledger).values())
    return (
        sum(r.cost for r in rows),
        sum(r.tokens_in for r in rows),
        sum(r.tokens_out for r in rows),
        sum(r.cache_reads for r in rows),
        sum(r.cache_writes for r in rows),
        len(rows),
    )


def aside_files(home: Path, label: str = "") -> list[Path]:
    """Files set aside in the ledger folder (``<name>.<label>-<timestamp>``)."""
    return sorted(
        p
        for p in home.iterdir()
        if (".damaged-" in p.name or ".torn-" in p.name) and label in p.name
    )
