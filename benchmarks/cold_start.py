"""Child process of figure 1: open the ledger and answer the first summary, then report.

Run as ``python cold_start.py LEDGER_DIR QUERIES_JSON [--profile FILE]``; prints one JSON line
with the time spent from the first import to the answer and the process's peak RSS, and then how
long the process's first ``current`` and first date-range summaries take (``QUERIES_JSON``: the
``roo/usageSummary`` params of figure 2).
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


def query_of(params: dict[str, Any]) -> Any:
    """The ``Query`` that ``roo/usageSummary`` params stand for."""
    from roo_usage.summary import Query
    from roo_usage.timezone import parse_day

    return Query(
        params["scope"],
        params.get("workspaces", []),
        parse_day(params["since"]) if "since" in params else None,
        parse_day(params["until"]) if "until" in params else None,
    )


def main() -> None:
    home = Path(sys.argv[1])
    queries = json.loads(sys.argv[2])
    profile = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--profile" else None

    def work() -> dict[str, Any]:
        from roo_usage.summary import Query
        from roo_usage.tracker import Tracker

        imported = time.perf_counter()
        tracker = Tracker(home, [], "UTC")
        opened = time.perf_counter()
        summary = tracker.summary(Query("all"))
        answered = time.perf_counter()
        result = {
            "imports_s": imported - started,
            "open_s": opened - imported,
            "first_summary_s": answered - opened,
            "in_process_s": answered - started,
            "tasks": summary["totals"]["tasks"],
            "requests": summary["totals"]["requests"],
        }
        for key in ("current", "days"):  # after the answer: not part of the figure
            t = time.perf_counter()
            tracker.summary(query_of(queries[key]))
            result[f"then_first_{key}_s"] = time.perf_counter() - t
        return result

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
