"""Damaged ledger files: kept aside under a timestamped name, what can be read is recovered,
a warning is recorded, and tracking goes on."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from roo_usage.ledger import Ledger
from roo_usage.summary import Query, UsageIndex
from tests.unit.helpers import ledger_requests, meta, pico, req

SNAPSHOT_TASKS = [f"s{i}" for i in range(8)]  # compacted into the snapshot
JOURNAL_TASKS = [f"j{i}" for i in range(4)]  # one journal line each
ASIDE = re.compile(r"^(ledger\.json|journal\.jsonl)\.(damaged|torn)-\d{8}T\d{6}(-\d+)?$")


def build(home: Path) -> Ledger:
    ledger = Ledger.open(home)
    for task in SNAPSHOT_TASKS:
        ledger.commit(
            [meta(task, workspace=f"/w/{task}")],
            [req(task, ts, cost=(ts + 1) * 10**9, tokens_in=10) for ts in range(3)],
            {"code": "Code"},
        )
    ledger.compact()
    for task in JOURNAL_TASKS:
        ledger.commit([meta(task, workspace="/w/j")], [req(task, 1, cost=5, tokens_out=2)])
    return ledger


def tasks_of(ledger: Ledger) -> set[str]:
    return {task_id for (_, task_id) in ledger.state.tasks}


def kept_aside(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in home.iterdir() if ASIDE.match(p.name)}


def check_recovered_and_usable(home: Path, damaged: dict[str, bytes], expect: set[str]) -> Ledger:
    """Open the damaged ledger and check the whole contract; returns the opened ledger."""
    ledger = Ledger.open(home)
    # a warning names what was kept
    assert ledger.warnings, "no warning recorded"
    aside = kept_aside(home)
    # every damaged file is kept, byte for byte, under a timestamped name
    for name, content in damaged.items():
        copies = [n for n, data in aside.items() if n.startswith(name + ".") and data == content]
        assert copies, f"{name} was not kept aside (kept: {sorted(aside)})"
        assert any(c in " ".join(ledger.warnings) for c in copies)
    # what was readable is there, whole
    assert tasks_of(ledger) >= expect
    for task in expect & set(SNAPSHOT_TASKS):
        assert sorted(ledger.state.tasks[("roo-code", task)].requests) == [0, 1, 2]
        assert ledger.state.tasks[("roo-code", task)].meta.workspace == f"/w/{task}"
    for task in expect & set(JOURNAL_TASKS):
        assert ledger.state.tasks[("roo-code", task)].requests[1].cost == 5
    # tracking goes on and persists; the next opening is clean
    ledger.commit([meta("new")], [req("new", 7, cost=3)])
    reopened = Ledger.open(home)
    assert reopened.warnings == []
    assert ledger_requests(reopened) == ledger_requests(ledger)
    assert tasks_of(reopened) >= expect | {"new"}
    reopened.commit(requests=[req("newer", 1, cost=1)])
    assert "newer" in tasks_of(Ledger.open(home))
    return ledger


Damage = Callable[[Path], dict[str, bytes]]


def _replace(path: Path, content: bytes) -> dict[str, bytes]:
    path.write_bytes(content)
    return {path.name: content}


def garbage_snapshot(home: Path) -> dict[str, bytes]:
    return _replace(home / "ledger.json", b"this is not a ledger {]\n")


def binary_snapshot(home: Path) -> dict[str, bytes]:
    return _replace(home / "ledger.json", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)


def empty_snapshot(home: Path) -> dict[str, bytes]:
    return _replace(home / "ledger.json", b"")


def truncated_snapshot(home: Path) -> dict[str, bytes]:
    data = (home / "ledger.json").read_bytes()
    return _replace(home / "ledger.json", data[: len(data) // 2])


def garbage_journal_line(home: Path) -> dict[str, bytes]:
    lines = (home / "journal.jsonl").read_bytes().split(b"\n")
    lines.insert(3, b"\x00\x01garbage{")
    return _replace(home / "journal.jsonl", b"\n".join(lines))


def empty_journal(home: Path) -> dict[str, bytes]:
    return _replace(home / "journal.jsonl", b"")


def garbage_journal_header(home: Path) -> dict[str, bytes]:
    lines = (home / "journal.jsonl").read_bytes().split(b"\n")
    lines[0] = b"#!garbage"
    return _replace(home / "journal.jsonl", b"\n".join(lines))


def binary_journal(home: Path) -> dict[str, bytes]:
    return _replace(home / "journal.jsonl", bytes(range(256)) * 4)


def both_empty(home: Path) -> dict[str, bytes]:
    return empty_snapshot(home) | empty_journal(home)


ALL = set(SNAPSHOT_TASKS) | set(JOURNAL_TASKS)
CASES: list[tuple[Damage, set[str]]] = [
    (garbage_snapshot, set(JOURNAL_TASKS)),
    (binary_snapshot, set(JOURNAL_TASKS)),
    (empty_snapshot, set(JOURNAL_TASKS)),
    (garbage_journal_line, ALL),  # inserted between j1's and j2's lines
    (empty_journal, set(SNAPSHOT_TASKS)),
    (garbage_journal_header, ALL),
    (binary_journal, set(SNAPSHOT_TASKS)),
    (both_empty, set()),
]


@pytest.mark.parametrize(("damage", "expect"), CASES, ids=[c[0].__name__ for c in CASES])
def test_damaged_files_are_kept_recovered_and_tracking_goes_on(
    tmp_path: Path, damage: Damage, expect: set[str]
) -> None:
    home = tmp_path / "home"
    build(home)
    damaged = damage(home)
    ledger = check_recovered_and_usable(home, damaged, expect)
    if damage is garbage_journal_line:
        assert tasks_of(ledger) == ALL | {"new"}  # nothing but the garbage was lost


def task_figures(ledger: Ledger, task: str) -> tuple[int, int, int]:
    """(cost, tokens in, tokens out) the summary shows for one snapshot task (own workspace)."""
    query = Query(scope="current", workspaces=[f"/w/{task}"])
    totals = UsageIndex(ledger.state, ZoneInfo("UTC")).summarize(query)["totals"]
    return (pico(totals), totals["tokensIn"], totals["tokensOut"])


@pytest.mark.parametrize("where", [0.3, 0.5, 0.7, 0.9])
def test_a_snapshot_cut_in_the_middle_keeps_every_readable_task_and_its_totals(
    tmp_path: Path, where: float
) -> None:
    home = tmp_path / "home"
    original = build(home)
    before = {task: task_figures(original, task) for task in SNAPSHOT_TASKS}
    data = (home / "ledger.json").read_bytes()
    cut = int(len(data) * where)
    damaged = _replace(home / "ledger.json", data[:cut])
    # a task whose metadata line is whole before the cut can be recovered
    whole = {t for t in SNAPSHOT_TASKS if data.find(b"\n", data.find(b'"%s"' % t.encode())) < cut}
    ledger = Ledger.open(home)
    assert ledger.warnings
    assert damaged["ledger.json"] in kept_aside(home).values()
    assert set(JOURNAL_TASKS) | whole <= tasks_of(ledger)
    for task in tasks_of(ledger) & set(SNAPSHOT_TASKS):
        assert task_figures(ledger, task) == before[task], task  # never lowered
    ledger.commit([meta("new")], [req("new", 7, cost=3)])
    reopened = Ledger.open(home)
    assert reopened.warnings == []
    assert tasks_of(reopened) == tasks_of(ledger)
    for task in tasks_of(reopened) & set(SNAPSHOT_TASKS):
        assert task_figures(reopened, task) == before[task], task


def test_a_bad_task_row_in_the_snapshot_loses_only_that_task(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build(home)
    lines = (home / "ledger.json").read_bytes().split(b"\n")
    lines[4] = b'[["roo-code","s2",{}],"not a list of requests"],'
    damaged = _replace(home / "ledger.json", b"\n".join(lines))
    ledger = check_recovered_and_usable(home, damaged, ALL - {"s2"})
    assert "s2" not in tasks_of(ledger) or not ledger.state.tasks[("roo-code", "s2")].requests


def test_a_process_meeting_a_garbage_journal_line_recovers_and_others_follow(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    writer = build(home)
    reader = Ledger.open(home)
    with open(home / "journal.jsonl", "ab") as f:
        f.write(b"garbage\n")
    reader.refresh()
    assert reader.warnings
    assert tasks_of(reader) == ALL
    assert kept_aside(home)
    writer.commit(requests=[req("after", 1, cost=4)])  # the writer follows the recovery
    assert tasks_of(writer) == ALL | {"after"}
    reader.refresh()
    assert tasks_of(reader) == ALL | {"after"}
    reader.commit(requests=[req("later", 1, cost=1)])
    assert tasks_of(Ledger.open(home)) == ALL | {"after", "later"}


def test_a_writer_meeting_a_garbage_journal_line_keeps_the_updates_after_it(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    first = build(home)
    second = Ledger.open(home)
    with open(home / "journal.jsonl", "ab") as f:
        f.write(b"garbage\n")
    second.commit(requests=[req("after", 1, cost=4)])
    assert second.warnings
    first.commit(requests=[req("later", 1, cost=1)])
    assert tasks_of(first) == tasks_of(second) | {"later"}
    assert tasks_of(Ledger.open(home)) == ALL | {"after", "later"}


def test_repeated_damage_never_overwrites_an_earlier_kept_copy(tmp_path: Path) -> None:
    home = tmp_path / "home"
    build(home)
    contents = [b"first damage", b"second damage", b"third damage"]
    for content in contents:
        (home / "ledger.json").write_bytes(content)
        Ledger.open(home)
    kept = sorted(data for name, data in kept_aside(home).items() if name.startswith("ledger"))
    assert kept == sorted(contents)
