"""Reading many task folders on every core, for a first import of a large storage.

Parsing is pure CPU work on independent folders, so it spreads over worker processes. They
are fresh interpreters (``python -m roo_usage.workers FUNCTION``) rather than forks: a fork
would inherit the importer's lock files, and "spawn" would re-run the caller's main module. Job k
goes to worker k mod n. All workers are started before any is sent its jobs (a pickled list on
its stdin), so their start-up overlaps; each writes its results, in order, as length-prefixed
pickles on stdout, and the parent reads them back in job order, so results stream while the
workers run ahead.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import struct
import subprocess
import sys
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
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(workers):
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "roo_usage.workers", worker_function],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=_env(),
                )
            )
        # pickled while the workers start up; each reads all its jobs before it works
        payloads = [
            pickle.dumps(list(jobs[index::workers]), pickle.HIGHEST_PROTOCOL)
            for index in range(workers)
        ]
        broken: set[int] = set()
        for index, (process, payload) in enumerate(zip(processes, payloads, strict=True)):
            try:
                _send(process, payload)
            except OSError:  # it did not start, or died
                broken.add(index)
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
            for stream in (process.stdin, process.stdout):
                if stream:
                    with contextlib.suppress(OSError):
                        stream.close()


def _send(process: subprocess.Popen[bytes], payload: bytes) -> None:
    if process.stdin is None:
        raise OSError("no pipe to the worker")
    process.stdin.write(payload)
    process.stdin.close()


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


def _work(function_name: str) -> None:
    import importlib

    from roo_usage.memory import no_gc

    module_name, _, attribute = function_name.partition(":")
    function = getattr(importlib.import_module(module_name), attribute)
    jobs = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    with no_gc():
        for job in jobs:
            payload = pickle.dumps(function(job), protocol=pickle.HIGHEST_PROTOCOL)
            out.write(_LENGTH.pack(len(payload)) + payload)
            out.flush()


if __name__ == "__main__":
    _work(sys.argv[1])
