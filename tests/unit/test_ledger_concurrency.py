"""Several processes writing one ledger at once: nothing lost, nothing doubled."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from roo_usage.ledger import Ledger
from tests.unit.helpers import ledger_requests

WORKERS = 4
COMMITS = 500
SHARED_KEYS = 40

# Each worker commits COMMITS updates. Update i writes one request of its own
# (task "w<w>", ts i) and one request on a key every worker writes (task "shared",
# ts i % SHARED_KEYS) with figures that differ per worker, sometimes unknown usage.
WORKER = r"""
import json, sys, time
from pathlib import Path
from roo_usage.ledger import Ledger, store
from roo_usage.records import RequestUsage, TaskMeta

home = Path(sys.argv[1])
w, n, shared, compact_bytes = (int(a) for a in sys.argv[2:6])
if compact_bytes:
    store.COMPACT_MIN_BYTES = compact_bytes
go = home.parent / "go"
while not go.exists():
    time.sleep(0.001)
ledger = Ledger.open(home)
revisions = []
seen = 0
for i in range(n):
    own = RequestUsage("roo-code", f"w{w}", i, cost=w * 1_000_000 + i, tokens_in=i, tokens_out=w,
                       mode=f"mode{w}")
    known = (i + w) % 7 != 0
    shared_req = RequestUsage("roo-code", "shared", i % shared, known=known,
                              cost=((i * 31 + w * 17) % 101) if known else 0,
                              tokens_in=((i * 13 + w * 7) % 53) if known else 0,
                              cache_reads=((i * 5 + w) % 11) if known else 0)
    metas = [TaskMeta("roo-code", f"w{w}", workspace=f"/ws/{w}", last_ts=i)]
    result = ledger.commit(metas, [own, shared_req], {f"mode{w}": f"Mode {w}"})
    if result.revision <= seen:
        sys.exit(f"revision went back: {result.revision} after {seen}")
    seen = result.revision
    revisions.append(result.revision)
print(json.dumps({"revisions": revisions, "warnings": ledger.warnings}))
"""

# A reader following the ledger while the writers work: its view only ever grows.
READER = r"""
import json, sys, time
from pathlib import Path
from roo_usage.ledger import Ledger

home, total = Path(sys.argv[1]), int(sys.argv[2])
go = home.parent / "go"
while not go.exists():
    time.sleep(0.001)
ledger = Ledger.open(home)
deadline = time.monotonic() + 100
last_revision, last_count, refreshes = 0, 0, 0
while ledger.revision < total and time.monotonic() < deadline:
    ledger.refresh()
    refreshes += 1
    count = sum(len(t.requests) for t in ledger.state.tasks.values())
    if ledger.revision < last_revision or count < last_count:
        sys.exit(f"view went back: {ledger.revision}/{count} after {last_revision}/{last_count}")
    last_revision, last_count = ledger.revision, count
    time.sleep(0.002)
print(json.dumps({"revision": ledger.revision, "requests": last_count, "refreshes": refreshes,
                  "warnings": ledger.warnings}))
"""


def expected_shared(workers: int, commits: int) -> dict[int, tuple[bool, int, int, int]]:
    """The merged figures of each shared key: per-field max over known versions."""
    merged: dict[int, tuple[bool, int, int, int]] = {}
    for w in range(workers):
        for i in range(commits):
            ts = i % SHARED_KEYS
            if (i + w) % 7 == 0:
                merged.setdefault(ts, (False, 0, 0, 0))
                continue
            figures = ((i * 31 + w * 17) % 101, (i * 13 + w * 7) % 53, (i * 5 + w) % 11)
            old = merged.get(ts)
            if old is None or not old[0]:
                merged[ts] = (True, *figures)
            else:
                merged[ts] = (True, *(max(a, b) for a, b in zip(old[1:], figures, strict=True)))
    return merged


@pytest.mark.parametrize("compact_bytes", [0, 30_000], ids=["no-compaction", "compacting"])
def test_concurrent_writers_lose_and_double_nothing(tmp_path: Path, compact_bytes: int) -> None:
    home = tmp_path / "home"
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    reader_script = tmp_path / "reader.py"
    reader_script.write_text(READER)
    Ledger.open(home)  # created once, as a first process would
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(script),
                str(home),
                str(w),
                str(COMMITS),
                str(SHARED_KEYS),
                str(compact_bytes),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    reader = subprocess.Popen(
        [sys.executable, str(reader_script), str(home), str(WORKERS * COMMITS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=120) for p in procs]
    reader_out, reader_err = reader.communicate(timeout=120)
    elapsed = time.perf_counter() - started
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err
    reports = [json.loads(out) for out, _ in outputs]
    assert reader.returncode == 0, reader_err
    followed = json.loads(reader_out)
    assert followed["revision"] == WORKERS * COMMITS
    assert followed["requests"] == WORKERS * COMMITS + SHARED_KEYS
    assert followed["warnings"] == []

    # every commit changed something, so each got its own revision: 1..N with no gap or repeat
    revisions = sorted(r for report in reports for r in report["revisions"])
    assert revisions == list(range(1, WORKERS * COMMITS + 1))
    assert all(report["warnings"] == [] for report in reports)

    ledger = Ledger.open(home)
    assert ledger.warnings == []
    assert ledger.revision == WORKERS * COMMITS
    requests = ledger_requests(ledger)
    for w in range(WORKERS):
        own = {k: r for k, r in requests.items() if k[1] == f"w{w}"}
        assert sorted(k[2] for k in own) == list(range(COMMITS))
        assert all(r.cost == w * 1_000_000 + r.ts and r.tokens_in == r.ts for r in own.values())
        task_meta = ledger.state.tasks[("roo-code", f"w{w}")].meta
        assert (task_meta.workspace, task_meta.last_ts) == (f"/ws/{w}", COMMITS - 1)
        assert ledger.state.mode_names[f"mode{w}"] == f"Mode {w}"
    shared = {k[2]: r for k, r in requests.items() if k[1] == "shared"}
    actual = {ts: (r.known, r.cost, r.tokens_in, r.cache_reads) for ts, r in shared.items()}
    assert actual == expected_shared(WORKERS, COMMITS)
    assert len(requests) == WORKERS * COMMITS + SHARED_KEYS
    generation = json.loads(ledger.journal_path.read_bytes().split(b"\n")[0])["generation"]
    assert generation > 3 if compact_bytes else generation == 1
    assert elapsed < 60, f"{WORKERS} x {COMMITS} commits took {elapsed:.1f} s"
