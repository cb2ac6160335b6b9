"""Child process of figure 1: open the ledger and answer the first summary, then report.

Run as ``python cold_start.py LEDGER_DIR QUERIES_JSON [--profile FILE]``; prints a JSON line
with the time spent from the first import to the answer and the process's peak RSS so far, then
a second one with how long the process's first ``current`` and first date-range summaries take
(``QUERIES_JSON``: the ``roo/usageSummary`` params of figure 2), which are not part of figure 1.
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
    """The ``Query`` that ``roo/usageSummary`` params stand for, read as the server reads them."""
    from roo_usage.lsp.protocol import SummaryParams, parse_params
    from roo_usage.summary import Query

    parsed = parse_params(SummaryParams, params)
    return Query(parsed.scope, parsed.workspaces or [], parsed.since, parsed.until)


def main() -> None:
    home = Path(sys.argv[1])
    queries = json.loads(sys.argv[2])
    profile = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--profile" else None

    def work() -> tuple[Any, dict[str, Any]]:
        from roo_usage.summary import Query
        from roo_usage.tracker import Tracker

        imported = time.perf_counter()
        tracker = Tracker(home, [], "UTC")
        opened = time.perf_counter()
        summary = tracker.summary(Query("all"))
        answered = time.perf_counter()
        return tracker, {
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
        tracker, result = profiler.runcall(work)
        profiler.dump_stats(profile)
    else:
        tracker, result = work()
    result["max_rss_mb"] = peak_rss_mb()
    print(json.dumps(result), flush=True)  # the parent stops its clock on this line
    after: dict[str, float] = {}
    for key in ("current", "days"):
        t = time.perf_counter()
        tracker.summary(query_of(queries[key]))
        after[f"then_first_{key}_s"] = time.perf_counter() - t
    print(json.dumps(after))


if __name__ == "__main__":
    main()
