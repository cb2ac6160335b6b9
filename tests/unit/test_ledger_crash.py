"""A writer killed at any moment loses at most the update in flight."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from roo_usage.ledger import Ledger
from roo_usage.summary import Query
from roo_usage.tracker import Tracker
from tests.unit.helpers import (
    EXPECTED,
    aside_files,
    assert_totals,
    copy_sample,
    ledger_requests,
    pico,
    req,
    storages,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL")

# Commits update i (requests ts = i*10 .. i*10+9 of task "crash") and says so once commit()
# returned. A small compaction threshold makes some kills land in a compaction.
WRITER = r"""
import sys
from pathlib import Path
from roo_usage.ledger import Ledger, store
from roo_usage.records import RequestUsage, TaskMeta

home, start, compact_bytes = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
if compact_bytes:
    store.COMPACT_MIN_BYTES = compact_bytes
ledger = Ledger.open(home)
print("ready", flush=True)
i = start
while True:
    requests = [
        RequestUsage("kilo-code", "crash", i * 10 + k, cost=i + 1, tokens_in=k + 1, mode="code")
        for k in range(10)
    ]
    task = TaskMeta("kilo-code", "crash", workspace="/crash", last_ts=i * 10 + 9)
    ledger.commit([task], requests)
    print(i, flush=True)
    i += 1
"""


def run_and_kill(script: Path, home: Path, start: int, commits: int, compact_bytes: int) -> int:
    """Start a writer at update ``start``, SIGKILL it once it reported ``commits`` more updates
    (plus a random few ms); returns the number of the last update it reported done."""
    proc = subprocess.Popen(
        [sys.executable, str(script), str(home), str(start), str(compact_bytes)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    last = start - 1
    for line in proc.stdout:
        last = int(line)
        if last >= start + commits:
            break
    time.sleep(random.uniform(0, 0.004))
    proc.send_signal(signal.SIGKILL)
    # read the rest through the same stream: lines it has buffered already are in it (the
    # pipe alone, as communicate() reads it, would lose them)
    for line in proc.stdout.read().split():
        last = int(line)
    proc.wait(timeout=30)
    proc.stdout.close()
    if proc.stderr:
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return last


def committed_updates(ledger: Ledger) -> list[int]:
    return sorted({ts // 10 for (_, task, ts) in ledger_requests(ledger) if task == "crash"})


def test_a_killed_writer_leaves_a_loadable_prefix_and_writing_goes_on(tmp_path: Path) -> None:
    random.seed(1234)
    home = tmp_path / "home"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    start = 0
    for round_ in range(6):
        compact_bytes = 6000 if round_ % 2 else 0
        last_done = run_and_kill(script, home, start, random.randint(5, 60), compact_bytes)
        ledger = Ledger.open(home)  # must not raise
        updates = committed_updates(ledger)
        # a prefix: every update reported done is there, at most one more (the one in flight)
        assert updates == list(range(len(updates)))
        assert last_done + 1 <= len(updates) <= last_done + 2
        entries = [r for r in ledger_requests(ledger).values() if r.task_id == "crash"]
        assert len(entries) == 10 * len(updates)  # an update is there whole or not at all
        assert all(r.cost == r.ts // 10 + 1 for r in entries)
        # the next commit works and lands after what is there
        result = ledger.commit(requests=[req("after", round_, source="kilo-code", cost=1)])
        assert result.revision == ledger.revision
        start = len(updates)
    final = Ledger.open(home)
    assert len(ledger_requests(final)) == 10 * start + 6
    assert final.revision >= start  # each update was its own revision (plus ours)


def _append_torn_line(ledger: Ledger) -> bytes:
    torn = b'{"rev":%d,"r":[["roo-code","torn",[[1,0,1,999,9' % (ledger.revision + 1)
    with open(ledger.journal_path, "ab") as f:
        f.write(torn)
    return torn


def test_a_torn_last_journal_line_is_set_aside_and_the_ledger_continues(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ledger = Ledger.open(home)
    ledger.commit(requests=[req("t", 1, cost=5)])
    torn = _append_torn_line(ledger)

    reader = Ledger.open(home)  # loads, ignoring the partial line
    assert ledger_requests(reader) == ledger_requests(ledger)
    result = reader.commit(requests=[req("t", 2, cost=6)])
    assert result.revision == 2
    assert any("interrupted" in w for w in reader.warnings)
    kept = aside_files(home, "torn")
    assert len(kept) == 1 and kept[0].read_bytes() == torn
    assert torn not in reader.journal_path.read_bytes()

    fresh = Ledger.open(home)
    assert fresh.warnings == []
    assert sorted(k[2] for k in ledger_requests(fresh)) == [1, 2]
    assert ("roo-code", "torn") not in fresh.state.tasks
    # the writer that was already open also follows (its offset is still at a line boundary)
    ledger.refresh()
    assert ledger_requests(ledger) == ledger_requests(fresh)


def test_a_torn_line_right_after_the_header_is_set_aside(tmp_path: Path) -> None:
    home = tmp_path / "home"
    Ledger.open(home)
    with open(home / "journal.jsonl", "ab") as f:
        f.write(b'{"rev":1,"r":[')
    ledger = Ledger.open(home)
    ledger.commit(requests=[req("t", 1, cost=5)])
    assert aside_files(home, "torn")
    assert ledger_requests(Ledger.open(home)) == ledger_requests(ledger)


def test_after_crashes_and_a_torn_line_a_reimport_gives_the_exact_sample_totals(
    tmp_path: Path,
) -> None:
    random.seed(99)
    home = tmp_path / "home"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    sample = copy_sample("roo", tmp_path)

    # a first import, then a writer killed twice and a torn line
    tracker = Tracker(home, storages(sample), "UTC")
    tracker.scan()
    last = run_and_kill(script, home, 0, 20, 0)
    last = run_and_kill(script, home, last + 2, 20, 5000)
    _append_torn_line(Ledger.open(home))

    tracker = Tracker(home, storages(sample), "UTC")
    (home / "scan-state.json").unlink()  # force a full re-read of the sample
    tracker.scan()
    summary = tracker.summary(Query())
    crash = [r for r in ledger_requests(tracker.ledger).values() if r.task_id == "crash"]
    expected = dict(EXPECTED["roo"])
    expected["cost"] += sum(r.cost for r in crash)
    expected["tokensIn"] += sum(r.tokens_in for r in crash)
    expected["tasks"] += 1
    expected["requests"] += len(crash)
    assert_totals(summary["totals"], expected)

    roo_only = tracker.summary(
        Query(scope="current", workspaces=["/home/dev/projects/acme-billing"])
    )
    assert_totals(roo_only["totals"], EXPECTED["roo"])
    by_mode = {row["mode"]: pico(row) for row in roo_only["byMode"]}
    assert by_mode == {"architect": 82798500000, "code": 60850500000, "debug": 22338000000}

    # and the ledger keeps going: a commit persists across reopen
    tracker.record(requests=[req("later", 1, cost=1)])
    assert ("roo-code", "later") in Ledger.open(home).state.tasks


def _ledger_with_commits(home: Path, commits: int) -> bytes:
    ledger = Ledger.open(home)
    for i in range(commits):
        ledger.commit(requests=[req("t", i * 10 + k, cost=i + 1) for k in range(3)])
    return ledger.journal_path.read_bytes()


def test_a_journal_cut_at_any_byte_loads_a_prefix_and_accepts_commits(tmp_path: Path) -> None:
    template = tmp_path / "template"
    journal = _ledger_with_commits(template, 3)
    snapshot = (template / "ledger.json").read_bytes()
    line_ends = [i + 1 for i, b in enumerate(journal) if b == ord("\n")]
    for cut in range(len(journal) + 1):
        home = tmp_path / f"cut{cut}"
        home.mkdir(mode=0o700)
        (home / "ledger.json").write_bytes(snapshot)
        (home / "journal.jsonl").write_bytes(journal[:cut])
        ledger = Ledger.open(home)
        complete = sum(1 for end in line_ends[1:] if end <= cut)  # whole update lines kept
        updates = sorted({ts // 10 for (_, _, ts) in ledger_requests(ledger)})
        assert updates == list(range(complete)), f"cut at byte {cut}"
        ledger.commit(requests=[req("after", 1, cost=1)])
        reopened = Ledger.open(home)
        assert len(ledger_requests(reopened)) == 3 * complete + 1, f"cut at byte {cut}"
        assert reopened.warnings == [], f"cut at byte {cut}"
        # no update that was on disk is thrown away: a cut-off update line is kept aside
        if cut > line_ends[0] and cut not in line_ends:
            assert aside_files(home), f"cut at byte {cut}"


def test_a_crash_between_snapshot_and_journal_of_a_compaction_loses_nothing(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    _ledger_with_commits(home, 4)
    ledger = Ledger.open(home)
    old_journal = ledger.journal_path.read_bytes()
    ledger.compact()
    ledger.journal_path.write_bytes(old_journal)  # the new journal never got written
    expected = ledger_requests(ledger)

    reopened = Ledger.open(home)
    assert ledger_requests(reopened) == expected
    assert reopened.revision == 4
    reopened.commit(requests=[req("after", 1, cost=1)])
    assert len(ledger_requests(Ledger.open(home))) == len(expected) + 1


def test_a_temp_file_left_by_a_killed_compaction_is_harmless(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _ledger_with_commits(home, 2)
    (home / ".ledger.json.4242.tmp").write_bytes(b'{"header":{"schema":1,"gen')
    ledger = Ledger.open(home)
    assert ledger.warnings == []
    assert len(ledger_requests(ledger)) == 6
    ledger.compact()
    assert len(ledger_requests(Ledger.open(home))) == 6


SCANNER = r"""
import sys
from pathlib import Path
from roo_usage.sources.discovery import storage_folders_from
from roo_usage.tracker import Tracker

tracker = Tracker(Path(sys.argv[1]), storage_folders_from(Path(sys.argv[2])), "UTC")
print("scanning", flush=True)
tracker.scan()
print("done", flush=True)
"""
REAL_ROO_TASK = "0199a0c4-5b1e-7000-8000-00000000c0de"  # 32 requests + 1 condense


def test_an_import_killed_at_any_moment_then_rerun_gives_exact_totals(tmp_path: Path) -> None:
    random.seed(7)
    copies = 600
    source = copy_sample("real", tmp_path / "sample") / "rooveterinaryinc.roo-cline"
    storage = tmp_path / "storage" / "rooveterinaryinc.roo-cline"
    (storage / "tasks").mkdir(parents=True)
    for i in range(copies):
        shutil.copytree(source / "tasks" / REAL_ROO_TASK, storage / "tasks" / f"task-{i:04d}")
    script = tmp_path / "scanner.py"
    script.write_text(SCANNER)
    home = tmp_path / "home"
    for _ in range(3):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(home), str(storage)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "scanning"
        time.sleep(random.uniform(0.1, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        ledger = Ledger.open(home)  # loads after every kill
        for task in ledger.state.tasks.values():
            assert len(task.requests) == 33  # a task is in whole or not at all (no doubling)

    tracker = Tracker(home, storages(storage), "UTC")
    tracker.scan()
    summary = tracker.summary(Query())
    assert_totals(
        summary["totals"],
        {
            "cost": copies * 2_324_234_913_000,
            "tokensIn": copies * 2293053,
            "tokensOut": copies * 32273,
            "cacheReads": copies * 1654231,
            "tasks": copies,
            "requests": copies * 32,
            "unknownRequests": copies,
        },
    )
    assert tracker.scan().revision == tracker.revision
