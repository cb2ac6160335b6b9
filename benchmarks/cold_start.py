"""Child process of figure 1: open the ledger and answer the first summary, then report.

Run as ``python cold_start.py LEDGER_DIR [--profile FILE]``; prints one JSON line with the time
spent from the first import to the answer and the process's peak RSS.
"""

from __future__ import annotations

import sys
import time

started = time.perf_counter()

import json  # noqa: E402
import resource  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def peak_rss_mb() -> float:
    """This process's peak resident memory. ``ru_maxrss`` is not enough on Linux: a child
    forked from a big parent keeps the parent's high-water mark through exec, so read the new
    address space's own mark (``VmHWM``) where the kernel offers it."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    home = Path(sys.argv[1])
    profile = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--profile" else None

    def work() -> dict[str, Any]:
        from roo_usage.summary import Query
        from roo_usage.tracker import Tracker

        imported = time.perf_counter()
        tracker = Tracker(home, [], "UTC")
        opened = time.perf_counter()
        summary = tracker.summary(Query("all"))
        answered = time.perf_counter()
        return {
            "imports_s": imported - started,
            "open_s": opened - imported,
            "first_summary_s": answered - opened,
            "in_process_s": answered - started,
            "tasks": summary["totals"]["tasks"],
            "requests": summary["totals"]["requests"],
        }

    if profile:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(work)
        profiler.dump_stats(profile)
    else:
        result = work()
    result["max_rss_mb"] = peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
