"""Reading many task folders on every core, for a first import of a large storage.

Parsing is pure CPU work on independent folders, so it spreads over worker processes. They
are fresh interpreters (``python -m roo_usage.workers JOBS``) rather than forks: a fork would
inherit the importer's lock files, and "spawn" would re-run the caller's main module. Job k goes
to worker k mod n; each writes its results, in order, as length-prefixed pickles on stdout, and
the parent reads them back in job order, so results stream while the workers run ahead.
"""

from __future__ import annotations

import os
import pickle
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")
_LENGTH = struct.Struct("<Q")


def run_in_workers(
    jobs: Sequence[Job], worker_function: str, workers: int, fallback: Callable[[Job], Result]
) -> Iterator[Result]:
    """``fallback(job)`` for every job, computed by ``workers`` processes that call the
    function named ``module:function``; yielded in job order. A job whose worker failed is
    done here with ``fallback``."""
    with tempfile.TemporaryDirectory(prefix="roo-usage-") as tmp:
        processes: list[subprocess.Popen[bytes]] = []
        try:
            for index in range(workers):
                job_file = Path(tmp) / f"jobs-{index}.pickle"
                job_file.write_bytes(pickle.dumps(list(jobs[index::workers])))
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "roo_usage.workers", worker_function, str(job_file)],
                        stdout=subprocess.PIPE,
                        env=_env(),
                    )
                )
            broken: set[int] = set()
            for k, job in enumerate(jobs):
                index = k % workers
                result = None if index in broken else _receive(processes[index].stdout)
                if result is None:
                    broken.add(index)
                    yield fallback(job)
                else:
                    yield result
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                process.wait()
                if process.stdout:
                    process.stdout.close()


def _env() -> dict[str, str]:
    """The workers import this very package, wherever it was imported from here."""
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return env


def _receive(stream: IO[bytes] | None) -> Any:
    if stream is None:
        return None
    header = stream.read(_LENGTH.size)
    if len(header) < _LENGTH.size:
        return None
    (length,) = _LENGTH.unpack(header)
    payload = stream.read(length)
    return pickle.loads(payload) if len(payload) == length else None


def _work(function_name: str, job_file: str) -> None:
    import importlib

    from roo_usage.memory import no_gc

    module_name, _, attribute = function_name.partition(":")
    function = getattr(importlib.import_module(module_name), attribute)
    jobs = pickle.loads(Path(job_file).read_bytes())
    out = sys.stdout.buffer
    with no_gc():
        for job in jobs:
            payload = pickle.dumps(function(job), protocol=pickle.HIGHEST_PROTOCOL)
            out.write(_LENGTH.pack(len(payload)) + payload)
            out.flush()


if __name__ == "__main__":
    _work(sys.argv[1], sys.argv[2])
