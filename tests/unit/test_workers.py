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
