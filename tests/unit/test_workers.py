"""Reading task folders in worker processes gives what reading them here gives, in order."""

from __future__ import annotations

from pathlib import Path

from roo_usage.importer import read_job
from roo_usage.records import Source
from roo_usage.workers import run_in_workers
from tests.unit.helpers import copy_sample


def square(n: int) -> int:
    return n * n


def test_results_come_back_in_job_order() -> None:
    jobs = list(range(25))
    got = list(run_in_workers(jobs, "tests.unit.test_workers:square", 3, square))
    assert got == [n * n for n in jobs]


def test_a_worker_that_cannot_start_falls_back_to_reading_here() -> None:
    jobs = list(range(7))
    got = list(run_in_workers(jobs, "no_such_module:nothing", 2, square))
    assert got == [n * n for n in jobs]


def test_task_folders_parse_the_same_in_workers(tmp_path: Path) -> None:
    roo = copy_sample("roo", tmp_path / "storage")
    jobs = [(folder, Source.ROO, None) for folder in sorted((roo / "tasks").iterdir())]
    jobs = [job for job in jobs if not job[0].name.startswith("_")] * 3
    here = [read_job(job) for job in jobs]
    there = list(run_in_workers(jobs, "roo_usage.importer:read_job", 2, read_job))
    assert there == here


def test_a_read_task_travels_whole_as_tuples() -> None:
    """Every field of a task and its entries survives the trip from a worker."""
    from dataclasses import fields

    from roo_usage.importer import _pack, _unpack
    from roo_usage.records import Kind, ParsedTask, RequestUsage, TaskMeta, Totals

    meta = TaskMeta(
        "roo-code", "t1", "/ws", "code", "p", "r", "profile", "m/1", 1, 9, True, "/s",
        Totals(1, 2, 3, 4, 5),
    )  # fmt: skip
    for spec in fields(TaskMeta):  # a new field must be given a value above (and be packed)
        assert getattr(meta, spec.name) is not None, spec.name
    requests = [
        RequestUsage("roo-code", "t1", ts, kind, ts % 2 == 0, ts, ts + 1, ts + 2, ts + 3, ts + 4,
                     None if ts == 3 else f"mode{ts}", None if ts == 4 else f"model{ts}")
        for ts, kind in enumerate(Kind, start=1)
    ]  # fmt: skip
    parsed = ParsedTask(meta, requests, {"code": "Code"}, [1, 2, 3, 4, 5])
    task, dropped = _unpack(_pack(parsed, 2))
    assert (task, dropped) == (parsed, 2)
    assert all(type(r.kind) is str for r in task.requests)

    # without a deletion marker, the message times are not needed and not sent
    parsed.requests = [r for r in requests if r.kind != Kind.DELETED]
    task, _ = _unpack(_pack(parsed, 0))
    assert task.requests == parsed.requests and task.message_ts == []
    assert _unpack(_pack(ParsedTask(TaskMeta("cline", "t2")), 0)) == (
        ParsedTask(TaskMeta("cline", "t2")),
        0,
    )
