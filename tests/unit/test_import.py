"""Importing the sample storage folders through the Tracker: exact totals, idempotent re-imports,
deleted tasks, growing requests, damaged inputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from roo_usage.importer import IMPORT_LOCK_NAME, SCAN_STATE_NAME
from roo_usage.ledger import Ledger
from roo_usage.summary import Query
from roo_usage.tracker import Tracker
from tests.unit.helpers import (
    CLINE_TASK,
    EXPECTED,
    ROO_CHILD,
    ROO_PARENT,
    assert_totals,
    copy_sample,
    pico,
    storages,
)

REAL_CLINE = "saoudrizwan.claude-dev/tasks/1770482470358"
REAL_ROO = "rooveterinaryinc.roo-cline/tasks/6a716972-c33f-444f-a8f2-613f03410ace"


def tracker_for(tmp_path: Path, sample: str) -> tuple[Tracker, Path]:
    folder = copy_sample(sample, tmp_path / "storage")
    return Tracker(tmp_path / "home", storages(folder), "UTC"), folder


def totals(tracker: Tracker, query: Query | None = None) -> dict[str, Any]:
    return tracker.summary(query or Query())["totals"]


@pytest.mark.parametrize("sample", ["roo", "cline", "real"])
def test_each_sample_imports_to_the_totals_its_readme_states(tmp_path: Path, sample: str) -> None:
    tracker, _ = tracker_for(tmp_path, sample)
    report = tracker.scan()
    assert report.skipped == []
    assert_totals(totals(tracker), EXPECTED[sample])


def test_roo_sample_modes_and_workspace(tmp_path: Path) -> None:
    tracker, _ = tracker_for(tmp_path, "roo")
    tracker.scan()
    summary = tracker.summary(Query())
    assert {row["mode"]: pico(row) for row in summary["byMode"]} == {
        "architect": 82798500000,
        "code": 60850500000,
        "debug": 22338000000,
    }
    assert [row["workspace"] for row in summary["byWorkspace"]] == [
        "/home/dev/projects/acme-billing"
    ]
    current = tracker.summary(
        Query(scope="current", workspaces=["file:///home/dev/projects/acme-billing/"])
    )
    assert_totals(current["totals"], EXPECTED["roo"])


def test_samples_of_several_extensions_import_together(tmp_path: Path) -> None:
    root = tmp_path / "storage"
    copy_sample("roo", root)
    copy_sample("cline", root)
    tracker = Tracker(tmp_path / "home", storages(root), "UTC")
    tracker.scan()
    got = totals(tracker)
    assert pico(got) == EXPECTED["roo"]["cost"] + EXPECTED["cline"]["cost"]
    assert got["tasks"] == 3
    for name in ("tokensIn", "tokensOut", "cacheReads", "cacheWrites"):
        assert got[name] == EXPECTED["roo"][name] + EXPECTED["cline"][name]


@pytest.mark.parametrize("sample", ["roo", "cline", "real"])
def test_scanning_unchanged_data_again_changes_nothing(tmp_path: Path, sample: str) -> None:
    tracker, _ = tracker_for(tmp_path, sample)
    first = tracker.scan()
    summary = tracker.summary(Query())
    again = tracker.scan()
    assert again.revision == first.revision
    assert again.files_scanned == 0 and again.files_unchanged == first.files_scanned
    (tmp_path / "home" / SCAN_STATE_NAME).unlink()  # forget what was scanned: read all again
    full = tracker.scan()
    assert full.files_scanned == first.files_scanned
    assert full.revision == first.revision
    assert (full.requests_added, full.requests_updated, full.tasks_added) == (0, 0, 0)
    assert tracker.summary(Query()) == summary


def test_a_damaged_scan_state_only_costs_a_full_read(tmp_path: Path) -> None:
    tracker, _ = tracker_for(tmp_path, "roo")
    first = tracker.scan()
    (tmp_path / "home" / SCAN_STATE_NAME).write_bytes(b"\x00garbage")
    again = tracker.scan()
    assert again.files_scanned == first.files_scanned
    assert again.revision == first.revision
    assert_totals(totals(tracker), EXPECTED["roo"])


def test_a_deleted_task_still_counts_and_is_counted_as_deleted(tmp_path: Path) -> None:
    tracker, folder = tracker_for(tmp_path, "roo")
    tracker.scan()
    # the user deletes the child task: its folder and its history entry go
    shutil.rmtree(folder / "tasks" / ROO_CHILD)
    index = json.loads((folder / "tasks" / "_index.json").read_text())
    index["entries"] = [e for e in index["entries"] if e["id"] != ROO_CHILD]
    (folder / "tasks" / "_index.json").write_text(json.dumps(index))
    report = tracker.scan()
    assert report.tasks_deleted == 1
    got = totals(tracker)
    assert_totals(got, EXPECTED["roo"])
    assert got["deletedTasks"] == 1
    assert tracker.scan().revision == report.revision  # and it is marked once only
    # a new process sees the same
    assert totals(Tracker(tmp_path / "home", storages(folder), "UTC")) == got


def test_a_deleted_task_without_history_still_counts(tmp_path: Path) -> None:
    tracker, folder = tracker_for(tmp_path, "real")
    tracker.scan()
    shutil.rmtree(folder / REAL_ROO)
    tracker.scan()
    got = totals(tracker)
    assert_totals(got, EXPECTED["real"])
    assert got["deletedTasks"] == 1


def test_a_task_folder_gone_but_still_listed_keeps_its_usage(tmp_path: Path) -> None:
    tracker, folder = tracker_for(tmp_path, "roo")
    tracker.scan()
    shutil.rmtree(folder / "tasks" / ROO_PARENT)
    report = tracker.scan()
    got = totals(tracker)
    assert_totals(got, EXPECTED["roo"])
    assert report.tasks_deleted == 1  # its data is gone, whatever the history list still says
    assert got["deletedTasks"] == 1


def test_a_task_known_only_from_its_history_counts_with_its_reported_totals(
    tmp_path: Path,
) -> None:
    tracker, folder = tracker_for(tmp_path, "roo")
    shutil.rmtree(folder / "tasks" / ROO_PARENT)  # gone before the ledger ever saw it
    tracker.scan()
    got = totals(tracker)
    # the parent's HistoryItem totals (cost 0.143649) plus the child's requests
    assert got["costExact"] == "0.165987"
    assert got["tokensIn"] == 68974
    assert got["tasks"] == 2
    assert got["requests"] == 4  # only the child's requests were ever seen
    assert got["deletedTasks"] == 1


def test_a_whole_storage_folder_gone_keeps_its_usage(tmp_path: Path) -> None:
    tracker, folder = tracker_for(tmp_path, "cline")
    tracker.scan()
    shutil.rmtree(folder)
    tracker.scan()
    assert_totals(totals(tracker), EXPECTED["cline"])


def _scale_usage(path: Path, factor: float) -> None:
    """Rewrite every api_req_started's usage numbers, as if they had not fully arrived yet."""
    messages = json.loads(path.read_text())
    for m in messages:
        if m.get("say") == "api_req_started" and m.get("text"):
            usage = json.loads(m["text"])
            for name in ("tokensIn", "tokensOut", "cacheWrites", "cacheReads", "cost"):
                if isinstance(usage.get(name), int | float):
                    usage[name] = type(usage[name])(usage[name] * factor)
            m["text"] = json.dumps(usage)
    path.write_text(json.dumps(messages))


@pytest.mark.parametrize("task", [REAL_CLINE, REAL_ROO])
def test_requests_whose_usage_grows_are_updated_not_counted_twice(
    tmp_path: Path, task: str
) -> None:
    tracker, folder = tracker_for(tmp_path, "real")
    original = (folder / task / "ui_messages.json").read_bytes()
    _scale_usage(folder / task / "ui_messages.json", 0.5)
    tracker.scan()
    partial = totals(tracker)
    (folder / task / "ui_messages.json").write_bytes(original)
    report = tracker.scan()
    assert report.requests_updated > 0
    assert report.requests_added == 0
    got = totals(tracker)
    assert_totals(got, EXPECTED["real"])
    assert pico(got) > pico(partial)


def test_an_unparsable_task_file_is_skipped_and_retried(tmp_path: Path) -> None:
    tracker, folder = tracker_for(tmp_path, "cline")
    tracker.scan()
    path = folder / "tasks" / CLINE_TASK / "ui_messages.json"
    original = path.read_bytes()
    path.write_bytes(original[: len(original) // 3])
    report = tracker.scan()
    assert [p for p, _ in report.skipped] == [str(path)]
    assert_totals(totals(tracker), EXPECTED["cline"])
    path.write_bytes(original)
    again = tracker.scan()
    assert again.skipped == [] and again.files_scanned == 1
    assert_totals(totals(tracker), EXPECTED["cline"])


def test_another_tracker_on_the_same_ledger_follows_a_scan(tmp_path: Path) -> None:
    tracker, folder = tracker_for(tmp_path, "roo")
    other = Tracker(tmp_path / "home", storages(folder), "Asia/Kolkata")
    other.summary(Query())  # build its index before the scan
    tracker.scan()
    assert other.refresh() is True
    assert other.summary(Query(), "UTC") == tracker.summary(Query())
    assert_totals(totals(other), EXPECTED["roo"])
    assert other.refresh() is False


def test_a_scan_while_another_process_imports_returns_busy(tmp_path: Path) -> None:
    tracker, _ = tracker_for(tmp_path, "roo")
    with FileLock(str(tmp_path / "home" / IMPORT_LOCK_NAME)):
        report = tracker.scan(wait=False)
    assert report.busy
    assert tracker.revision == 0
    assert tracker.scan(wait=False).busy is False


def test_import_files_in_the_ledger_folder_are_private(tmp_path: Path) -> None:
    tracker, _ = tracker_for(tmp_path, "roo")
    tracker.scan()
    home = tmp_path / "home"
    for path in home.iterdir():
        assert (path.stat().st_mode & 0o777) == 0o600, path.name
    assert (home.stat().st_mode & 0o777) == 0o700


def test_usage_recorded_directly_and_imported_is_not_doubled(tmp_path: Path) -> None:
    """A request reported by the extension and later read from its file is one request."""
    tracker, folder = tracker_for(tmp_path, "real")
    tracker.scan()
    ledger = Ledger.open(tmp_path / "home")
    some = next(t for t in ledger.state.tasks.values() if len(t.requests) > 3)
    tracker.record([some.meta], list(some.requests.values()))
    (tmp_path / "home" / SCAN_STATE_NAME).unlink()
    tracker.scan()
    assert_totals(totals(tracker), EXPECTED["real"])


def test_a_storage_folder_without_tasks_imports_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "storage" / "rooveterinaryinc.roo-cline"
    (empty / "tasks").mkdir(parents=True)
    tracker = Tracker(tmp_path / "home", storages(empty), "UTC")
    report = tracker.scan()
    assert report.revision == 0
    assert totals(tracker)["tasks"] == 0


def _set_usage(path: Path, field: str, value: float, nth: int = 0) -> None:
    messages = json.loads(path.read_text())
    started = [m for m in messages if m.get("say") == "api_req_started" and m.get("text")]
    usage = json.loads(started[nth]["text"])
    usage[field] = value
    started[nth]["text"] = json.dumps(usage)
    path.write_text(json.dumps(messages))


@pytest.mark.parametrize(("field", "value"), [("cost", 1e16), ("cost", 1e8), ("tokensIn", 1e20)])
def test_an_impossible_figure_in_one_file_does_not_stop_the_import(
    tmp_path: Path, field: str, value: float
) -> None:
    tracker, folder = tracker_for(tmp_path, "real")
    path = folder / REAL_CLINE / "ui_messages.json"
    _set_usage(path, field, value)
    report = tracker.scan()  # raised (InvalidOperation / orjson 64-bit overflow) before
    assert [p for p, _ in report.skipped] == [str(folder / REAL_CLINE)]
    got = totals(tracker)
    assert got["tasks"] == 5
    assert got["requests"] == EXPECTED["real"]["requests"] - 1  # only that entry is left out
    assert Ledger.open(tmp_path / "home").warnings == []


def test_an_impossible_total_in_the_history_does_not_stop_the_import(tmp_path: Path) -> None:
    tracker, folder = tracker_for(tmp_path, "cline")
    path = folder / "state" / "taskHistory.json"
    history = json.loads(path.read_text())
    history[0]["totalCost"] = 1e17
    path.write_text(json.dumps(history))
    tracker.scan()
    got = totals(tracker)
    assert got["tasks"] == 1
    assert pico(got) >= EXPECTED["cline"]["cost"] - 10**6


SCAN_AND_RECORD = r"""
import sys, time
from pathlib import Path
from roo_usage.sources.discovery import storage_folders_from
from roo_usage.tracker import Tracker

home, storage = Path(sys.argv[1]), Path(sys.argv[2])
go = home.parent / "go"
while not go.exists():
    time.sleep(0.001)
tracker = Tracker(home, storage_folders_from(storage), "UTC")
report = tracker.scan()
print(report.revision, report.requests_added, flush=True)
"""


def test_processes_importing_the_same_storage_at_once_count_it_once(tmp_path: Path) -> None:
    folder = copy_sample("real", tmp_path / "storage")
    script = tmp_path / "scan.py"
    script.write_text(SCAN_AND_RECORD)
    home = tmp_path / "home"
    Ledger.open(home)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(home), str(folder)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    (tmp_path / "go").touch()
    results = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results]
    added = sorted(int(out.split()[1]) for out, _ in results)
    assert added == [0, 0, 62]  # one process imported; the others found it all there
    tracker = Tracker(home, storages(folder), "UTC")
    assert tracker.revision == 1
    assert_totals(totals(tracker), EXPECTED["real"])


def _restore_checkpoint(task: Path, keep: int) -> None:
    """What a Roo checkpoint restore does: drop the messages after ``keep`` and append an
    ``api_req_deleted`` carrying the summed usage of what was removed (condense cost included,
    as Roo's getApiMetrics sums it)."""
    path = task / "ui_messages.json"
    messages = json.loads(path.read_text())
    kept, removed = messages[:keep], messages[keep:]
    totals = {"tokensIn": 0, "tokensOut": 0, "cacheWrites": 0, "cacheReads": 0, "cost": 0.0}
    for m in removed:
        if m.get("say") == "api_req_started":
            usage = json.loads(m["text"])
            for name in totals:
                totals[name] += usage.get(name, 0)
        elif m.get("say") == "condense_context":
            totals["cost"] += m["contextCondense"]["cost"]
    marker = {"ts": messages[-1]["ts"] + 5000, "type": "say", "say": "api_req_deleted",
              "text": json.dumps(totals)}  # fmt: skip
    path.write_text(json.dumps([*kept, marker]))


def test_a_checkpoint_restore_after_import_is_not_counted_twice(tmp_path: Path) -> None:
    tracker, folder = tracker_for(tmp_path, "roo")
    tracker.scan()
    # keep r1, r2 and what comes before r3: r3, the condense and r4 are removed
    _restore_checkpoint(folder / "tasks" / ROO_PARENT, keep=7)
    tracker.scan()
    assert_totals(totals(tracker), EXPECTED["roo"])


def test_a_checkpoint_restore_never_seen_before_counts_the_removed_usage(tmp_path: Path) -> None:
    tracker, folder = tracker_for(tmp_path, "roo")
    _restore_checkpoint(folder / "tasks" / ROO_PARENT, keep=7)
    tracker.scan()
    got = totals(tracker)
    assert got["costExact"] == "0.165987"  # the removed requests' usage still counts
    assert got["requests"] == 6  # r3 and r4 were never seen as requests
