"""Reading task folders in worker processes gives what reading them here gives, in order."""

from __future__ import annotations

from pathlib import Path

from roo_usage.reads import PARALLEL_MIN_JOBS, read_job, workers_for
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


def test_a_large_import_gets_two_workers_per_core_and_a_small_one_two() -> None:
    assert workers_for(2, 10_000) == 4
    assert workers_for(16, 10_000) == 8  # never more than 8 interpreters
    # each worker has enough folders to earn its start-up
    assert workers_for(8, PARALLEL_MIN_JOBS) == 2
    assert workers_for(8, 3 * PARALLEL_MIN_JOBS) == 3


def test_task_folders_parse_the_same_in_workers(tmp_path: Path) -> None:
    roo = copy_sample("roo", tmp_path / "storage")
    folders = [f for f in sorted((roo / "tasks").iterdir()) if not f.name.startswith("_")]
    jobs = [(str(folder), Source.ROO.value, None, None) for folder in folders] * 3
    here = [read_job(job) for job in jobs]
    there = list(run_in_workers(jobs, "roo_usage.reads:read_job", 2, read_job))
    assert there == here


def test_a_read_task_travels_whole_as_tuples() -> None:
    """Every field of a task and its entries survives the trip from a worker."""
    from dataclasses import fields

    from roo_usage.reads import TaskRead, _meta, _meta_fields, _pack, _unpack
    from roo_usage.records import Kind, ParsedTask, RequestUsage, TaskMeta, Totals

    meta = TaskMeta(
        "roo-code", "t1", "/ws", "code", "p", "r", "profile", "m/1", 1, 9, True, "/s",
        Totals(1, 2, 3, 4, 5),
    )  # fmt: skip
    for spec in fields(TaskMeta):  # a new field must be given a value above (and be packed)
        assert getattr(meta, spec.name) is not None, spec.name
    assert _meta(_meta_fields(meta)) == meta
    requests = [
        RequestUsage("roo-code", "t1", ts, kind, ts % 2 == 0, ts, ts + 1, ts + 2, ts + 3, ts + 4,
                     None if ts == 3 else f"mode{ts}", None if ts == 4 else f"model{ts}")
        for ts, kind in enumerate(Kind, start=1)
    ]  # fmt: skip
    parsed = ParsedTask(meta, requests, {"code": "Code"}, [1, 2, 3, 4, 5])
    read = _unpack(_pack(parsed, 2, [1, 2]))
    assert read == TaskRead(parsed, [1, 2], 2)
    assert all(type(r.kind) is str for r in read.task.requests)

    # without a deletion marker, the message times are not needed and not sent
    parsed.requests = [r for r in requests if r.kind != Kind.DELETED]
    read = _unpack(_pack(parsed, 0, []))
    assert read.task.requests == parsed.requests and read.task.message_ts == []
    empty = ParsedTask(TaskMeta("cline", "t2"))
    assert _unpack(_pack(empty, 0, [])) == TaskRead(empty, [], 0)


def test_a_folder_is_signed_before_it_is_read_unless_the_scan_signed_it(tmp_path: Path) -> None:
    from roo_usage.reads import read_changed, signature

    roo = copy_sample("roo", tmp_path / "storage")
    folder = str(next(f for f in sorted((roo / "tasks").iterdir()) if f.is_dir()))
    first, second = read_changed(
        [(folder, Source.ROO, None, None), (folder, Source.ROO, None, [7] * 8)]
    )
    assert not isinstance(first, tuple) and not isinstance(second, tuple)
    assert first.signature == signature(folder) and second.signature == [7] * 8
