"""The ledger in one process: sharing through refresh, idempotence, monotonic merges,
compaction, file modes and schema versions."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from roo_usage.ledger import Ledger, LedgerError, snapshot, store
from roo_usage.ledger.codec import SCHEMA_VERSION, RecordError, migrate_snapshot_header
from roo_usage.ledger.rows import StoredRow
from roo_usage.records import Totals
from roo_usage.summary import Query
from roo_usage.tracker import Tracker
from tests.unit.helpers import aside_files, ledger_figures, ledger_requests, meta, pico, req


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ----------------------------------------------------------------- sharing and idempotence


def test_two_ledgers_see_each_others_commits_after_refresh(tmp_path: Path) -> None:
    a = Ledger.open(tmp_path / "home")
    b = Ledger.open(tmp_path / "home")
    a.commit([meta("t1", workspace="/w")], [req("t1", 1, cost=10, tokens_in=5)])
    assert ("roo-code", "t1") not in b.state.tasks
    changed = b.refresh()
    assert changed == {("roo-code", "t1")}
    assert b.state.tasks[("roo-code", "t1")].requests[1].cost == 10
    assert b.revision == a.revision

    b.commit(requests=[req("t2", 2, cost=7)])
    assert a.refresh() == {("roo-code", "t2")}
    assert ledger_requests(a) == ledger_requests(b)
    assert a.revision == b.revision == 2


def test_refresh_without_news_reports_nothing(tmp_path: Path) -> None:
    a = Ledger.open(tmp_path)
    a.commit(requests=[req("t1", 1, cost=1)])
    b = Ledger.open(tmp_path)
    assert b.refresh() == set()
    assert b.revision == 1


def test_commit_through_a_stale_ledger_does_not_write_back_a_stale_copy(tmp_path: Path) -> None:
    a = Ledger.open(tmp_path)
    b = Ledger.open(tmp_path)
    a.commit(requests=[req("t1", 1, cost=100)])
    # b has not refreshed; it commits a lower figure for the same request and a new one
    result = b.commit(requests=[req("t1", 1, cost=50), req("t1", 2, cost=3)])
    assert result.revision == 2
    assert result.requests_added == 1 and result.requests_updated == 0
    fresh = Ledger.open(tmp_path)
    assert fresh.state.tasks[("roo-code", "t1")].requests[1].cost == 100
    assert len(ledger_requests(fresh)) == 2


def test_repeating_a_commit_changes_nothing_and_keeps_the_revision(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    records = ([meta("t1", mode="code")], [req("t1", 1, cost=5, tokens_in=3)], {"code": "Code"})
    first = ledger.commit(*records)
    size = ledger.journal_path.stat().st_size
    again = ledger.commit(*records)
    assert again.revision == first.revision == 1
    assert again.requests_added == again.requests_updated == again.tasks_added == 0
    assert ledger.journal_path.stat().st_size == size  # nothing appended
    assert Ledger.open(tmp_path).commit(*records).revision == 1


def test_commit_reports_added_and_updated_requests(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    r1 = ledger.commit(requests=[req("t", 1, cost=1), req("t", 2, cost=2)])
    assert (r1.tasks_added, r1.requests_added, r1.requests_updated) == (1, 2, 0)
    r2 = ledger.commit(requests=[req("t", 1, cost=9), req("t", 3)])
    assert (r2.tasks_added, r2.requests_added, r2.requests_updated) == (0, 1, 1)


def test_commits_and_mode_names_persist_across_reopen(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    ledger.commit(
        [meta("t1", workspace="/w", reported=Totals(cost=9, tokens_in=1))],
        [req("t1", 1, cost=5, mode="code", model="m")],
        {"code": "💻 Code"},
    )
    again = Ledger.open(tmp_path)
    assert again.state.mode_names == {"code": "💻 Code"}
    task = again.state.tasks[("roo-code", "t1")]
    assert task.meta.workspace == "/w"
    assert task.meta.reported == Totals(cost=9, tokens_in=1)
    assert task.requests[1] == req("t1", 1, cost=5, mode="code", model="m")
    assert again.revision == 1
    assert again.warnings == []


# ----------------------------------------------------------------- monotonic merges


def test_a_request_whose_numbers_grow_is_updated_not_counted_twice(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    ledger.commit(requests=[req("t", 1, cost=10, tokens_in=100, tokens_out=0)])
    ledger.commit(requests=[req("t", 1, cost=25, tokens_in=100, tokens_out=40)])
    fresh = Ledger.open(tmp_path)
    assert ledger_figures(fresh) == (25, 100, 40, 0, 0, 1)


def test_lower_figures_never_lower_a_recorded_request(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    ledger.commit(requests=[req("t", 1, cost=30, tokens_in=10, tokens_out=5, cache_reads=4)])
    result = ledger.commit(requests=[req("t", 1, cost=20, tokens_in=12, tokens_out=1)])
    assert result.requests_updated == 1
    merged = Ledger.open(tmp_path).state.tasks[("roo-code", "t")].requests[1]
    assert (merged.cost, merged.tokens_in, merged.tokens_out, merged.cache_reads) == (30, 12, 5, 4)


def test_known_usage_beats_unknown_in_either_order(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    ledger.commit(requests=[req("a", 1, known=False)])
    ledger.commit(requests=[req("a", 1, cost=3, tokens_in=2)])
    ledger.commit(requests=[req("b", 1, cost=3, tokens_in=2)])
    unchanged = ledger.commit(requests=[req("b", 1, known=False)])
    assert unchanged.revision == 3  # an unknown version adds nothing to a known one
    fresh = Ledger.open(tmp_path)
    for task in ("a", "b"):
        r = fresh.state.tasks[("roo-code", task)].requests[1]
        assert r.known and (r.cost, r.tokens_in) == (3, 2)


def test_metadata_is_never_erased_and_reported_totals_never_lowered(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    ledger.commit(
        [
            meta(
                "t",
                workspace="/w",
                mode="code",
                first_ts=5,
                last_ts=9,
                reported=Totals(cost=100, tokens_in=50),
            )
        ]
    )
    ledger.commit([meta("t", first_ts=7, last_ts=8, reported=Totals(cost=40, tokens_out=3))])
    m = Ledger.open(tmp_path).state.tasks[("roo-code", "t")].meta
    assert (m.workspace, m.mode, m.first_ts, m.last_ts) == ("/w", "code", 5, 9)
    assert m.reported == Totals(cost=100, tokens_in=50, tokens_out=3)


def test_a_deleted_task_keeps_its_usage(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    ledger.commit([meta("t", exists=True)], [req("t", 1, cost=8)])
    ledger.commit([meta("t", exists=False)])
    task = Ledger.open(tmp_path).state.tasks[("roo-code", "t")]
    assert task.meta.exists is False
    assert task.requests[1].cost == 8


# ----------------------------------------------------------------- compaction


def _fill(ledger: Ledger, tasks: int = 5, per_task: int = 20) -> None:
    for t in range(tasks):
        ledger.commit(
            [meta(f"t{t}", workspace=f"/w/{t}")],
            [req(f"t{t}", ts, cost=ts + 1, tokens_in=t) for ts in range(per_task)],
            {f"m{t}": f"Mode {t}"},
        )


def test_compaction_keeps_every_record_and_the_revision(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    _fill(ledger)
    before = (ledger_requests(ledger), ledger.revision, dict(ledger.state.mode_names))
    generation = orjson.loads(ledger.journal_path.read_bytes().split(b"\n")[0])["generation"]
    ledger.compact()
    header = orjson.loads(ledger.journal_path.read_bytes().split(b"\n")[0])
    assert header["generation"] == generation + 1
    assert ledger.journal_path.read_bytes().count(b"\n") == 1  # only the header is left
    fresh = Ledger.open(tmp_path)
    assert (ledger_requests(fresh), fresh.revision, fresh.state.mode_names) == before
    assert fresh.state.tasks[("roo-code", "t3")].meta.workspace == "/w/3"
    assert fresh.warnings == []


def test_a_reader_that_was_up_to_date_adopts_the_new_generation_cheaply(tmp_path: Path) -> None:
    writer = Ledger.open(tmp_path)
    _fill(writer)
    reader = Ledger.open(tmp_path)
    state = reader.state
    writer.compact()
    writer.commit(requests=[req("t9", 1, cost=99)])
    assert reader.refresh() == {("roo-code", "t9")}
    assert reader.state is state  # followed the new journal, no full reload
    assert ledger_requests(reader) == ledger_requests(writer)
    assert reader.warnings == []


def test_a_reader_that_was_behind_a_compaction_gets_everything(tmp_path: Path) -> None:
    writer = Ledger.open(tmp_path)
    reader = Ledger.open(tmp_path)
    _fill(writer)  # the reader has not seen these
    writer.compact()
    writer.commit(requests=[req("t9", 1, cost=99)])
    changed = reader.refresh()
    assert ("roo-code", "t0") in changed and ("roo-code", "t9") in changed
    assert ledger_requests(reader) == ledger_requests(writer)
    assert reader.revision == writer.revision
    # and it can write on top of the new generation without losing anything
    reader.commit(requests=[req("t10", 1, cost=1)])
    assert len(ledger_requests(Ledger.open(tmp_path))) == 5 * 20 + 2


def test_several_compactions_in_a_row_are_followed(tmp_path: Path) -> None:
    writer = Ledger.open(tmp_path)
    reader = Ledger.open(tmp_path)
    for i in range(4):
        writer.commit(requests=[req("t", i, cost=i + 1)])
        writer.compact()
    reader.refresh()
    assert ledger_requests(reader) == ledger_requests(writer)


def test_automatic_compaction_when_the_journal_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "COMPACT_MIN_BYTES", 2000)
    ledger = Ledger.open(tmp_path)
    reader = Ledger.open(tmp_path)
    for i in range(200):
        ledger.commit(requests=[req("t", i, cost=i + 1, tokens_in=i)])
        if i % 37 == 0:
            reader.refresh()
    assert ledger.journal_path.stat().st_size < 4000
    generation = orjson.loads(ledger.journal_path.read_bytes().split(b"\n")[0])["generation"]
    assert generation > 2
    reader.refresh()
    fresh = Ledger.open(tmp_path)
    for seen in (reader, fresh):
        assert ledger_figures(seen) == (sum(range(1, 201)), sum(range(200)), 0, 0, 0, 200)
        assert seen.revision == 200


def _entries_left_on_disk(ledger: Ledger) -> int:
    return sum(isinstance(t._raw, StoredRow) for t in ledger.state.tasks.values())


def test_a_loaded_ledger_reads_a_task_s_entries_only_when_needed(tmp_path: Path) -> None:
    writer = Ledger.open(tmp_path)
    _fill(writer)
    writer.compact()
    assert _entries_left_on_disk(writer) == 5  # even the writer does not keep them in memory
    expected = ledger_requests(writer)
    reader = Ledger.open(tmp_path)
    assert _entries_left_on_disk(reader) == 5
    assert ledger_requests(reader) == expected  # read from the snapshot on demand
    assert reader.warnings == []


def test_where_open_files_cannot_be_replaced_entries_are_loaded_into_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot, "KEEP_OPEN", False)  # as on Windows
    writer = Ledger.open(tmp_path)
    _fill(writer)
    writer.compact()
    writer.commit(requests=[req("t0", 700, cost=3)])
    reader = Ledger.open(tmp_path)
    assert _entries_left_on_disk(writer) == _entries_left_on_disk(reader) == 0
    assert ledger_requests(reader) == ledger_requests(writer)
    assert len(ledger_requests(reader)) == 5 * 20 + 1


def test_entries_left_on_disk_survive_another_process_compacting(tmp_path: Path) -> None:
    writer = Ledger.open(tmp_path)
    _fill(writer)
    writer.compact()
    reader = Ledger.open(tmp_path)
    task = reader.state.tasks[("roo-code", "t2")]
    writer.commit(requests=[req("t2", 500, cost=1)])
    writer.compact()  # ledger.json is replaced while the reader still points into the old one
    assert len(task.requests) == 20  # the file it loaded, exactly as it was
    reader.refresh()
    assert ledger_requests(reader) == ledger_requests(writer)


def _reopens_whole_after(tmp_path: Path, edit: Callable[[bytes], bytes]) -> Ledger:
    """A compacted ledger whose snapshot ``edit`` changed (and still means the same) opens
    with every request and no warning."""
    ledger = Ledger.open(tmp_path)
    _fill(ledger)
    ledger.compact()
    expected = ledger_requests(ledger)
    data = ledger.snapshot_path.read_bytes()
    edited = edit(data)
    assert edited != data
    ledger.snapshot_path.write_bytes(edited)
    reopened = Ledger.open(tmp_path)
    assert reopened.warnings == []
    assert ledger_requests(reopened) == expected
    return reopened


def test_a_snapshot_of_the_first_schema_still_loads(tmp_path: Path) -> None:
    def as_schema_1(data: bytes) -> bytes:
        lines = data.split(b"\n")
        header = orjson.loads(lines[0][len(b'{"header":') :].rstrip(b","))
        header["schema"] = 1
        lines[0] = b'{"header":' + orjson.dumps(header) + b","
        for i, line in enumerate(lines):
            if line.startswith(b"[["):  # task rows lose the length of their entries
                row = orjson.loads(line.rstrip(b","))
                lines[i] = orjson.dumps(row[:2]) + (b"," if line.endswith(b",") else b"")
        return b"\n".join(lines)

    _reopens_whole_after(tmp_path, as_schema_1)


def test_entries_whose_recorded_lengths_are_wrong_are_still_found(tmp_path: Path) -> None:
    # an entry row edited by hand to a different length (same figures, one more space)
    _reopens_whole_after(
        tmp_path, lambda data: data.replace(b'["roo-code","t1",[', b'["roo-code","t1", [')
    )


def test_task_lines_in_another_order_still_find_their_entries(tmp_path: Path) -> None:
    def reordered(data: bytes) -> bytes:  # the same document
        lines = data.split(b"\n")
        first = lines.index(b'"tasks":[') + 1
        lines[first], lines[first + 1] = lines[first + 1], lines[first]
        return b"\n".join(lines)

    reopened = _reopens_whole_after(tmp_path, reordered)
    expected = ledger_requests(reopened)
    reopened.compact()
    assert ledger_requests(Ledger.open(tmp_path)) == expected


def test_a_snapshot_written_into_in_place_is_read_again_not_trusted(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    _fill(ledger)
    ledger.compact()
    size = ledger.snapshot_path.stat().st_size
    os.truncate(ledger.snapshot_path, size // 2)  # another program, writing into the same file
    ledger.commit(requests=[req("t9", 1, cost=7)])
    assert any("changed in place" in w for w in ledger.warnings)
    assert aside_files(tmp_path, "damaged")  # the damaged file is kept
    fresh = Ledger.open(tmp_path)
    assert ledger_requests(fresh) == ledger_requests(ledger)
    assert ledger_requests(fresh)[("roo-code", "t9", 1)].cost == 7


def test_a_damaged_entries_row_keeps_its_task_s_totals_and_is_kept_aside(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    for t in range(3):
        ledger.commit([meta(f"t{t}")], [req(f"t{t}", ts, cost=10**9, tokens_in=5) for ts in (1, 2)])
    ledger.compact()
    before = ledger_figures(ledger)
    data = ledger.snapshot_path.read_bytes()
    row = data.index(b'["roo-code","t2",[')
    damaged = data[:row] + data[row:].replace(b",1,", b",x,", 1)  # same length, not JSON
    assert damaged != data
    ledger.snapshot_path.write_bytes(damaged)
    reader = Ledger.open(tmp_path)  # entries are not read at load: nothing to see yet
    assert reader.warnings == []
    reader.commit(requests=[req("t2", 900, cost=4 * 10**9)])  # its entries are needed now
    assert any("unreadable" in w for w in reader.warnings)
    assert [p.read_bytes() for p in aside_files(tmp_path, "damaged")] == [damaged]
    reader.compact()
    fresh = Ledger.open(tmp_path)
    summary = Tracker(tmp_path, [], "UTC").summary(Query())
    # The lost entries' totals are a floor under the task, not added to what comes after:
    # re-importing the task's file brings them back, and must not count them twice.
    assert pico(summary["totals"]) == before[0] - 2 * 10**9 + max(2 * 10**9, 4 * 10**9)
    assert summary["totals"]["tokensIn"] == before[1]
    assert fresh.warnings == []


# ----------------------------------------------------------------- files on disk


def test_ledger_files_are_private(tmp_path: Path) -> None:
    home = tmp_path / "a" / "home"
    ledger = Ledger.open(home)
    ledger.commit(requests=[req("t", 1, cost=1)])
    ledger.compact()
    ledger.commit(requests=[req("t", 2, cost=1)])
    assert mode_of(home) == 0o700
    names = {p.name for p in home.iterdir()}
    assert {"ledger.json", "journal.jsonl", "ledger.lock"} <= names
    for path in home.iterdir():
        assert mode_of(path) == 0o600, path.name
    assert not [n for n in names if n.endswith(".tmp")]  # no temp file left behind


def test_an_existing_open_folder_is_made_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    os.chmod(home, 0o755)
    Ledger.open(home)
    assert mode_of(home) == 0o700


def test_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ledger = Ledger.open(tmp_path / "home")
        ledger.commit(requests=[req("t", 1, cost=1)])
        ledger.compact()
    finally:
        os.umask(old)
    for path in ledger.home.iterdir():
        assert mode_of(path) == 0o600, path.name


def test_a_set_aside_copy_is_private(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    ledger.commit(requests=[req("t", 1, cost=1)])
    with open(ledger.journal_path, "ab") as f:
        f.write(b'{"rev":2,"r":[["roo-code","t",[[2,0,1')
    ledger.commit(requests=[req("t", 3, cost=1)])
    kept = aside_files(tmp_path, "torn")
    assert kept and all(mode_of(p) == 0o600 for p in kept)


# ----------------------------------------------------------------- schema versions


def _write_snapshot_with_schema(home: Path, schema: object) -> None:
    ledger = Ledger.open(home)
    ledger.commit(requests=[req("t", 1, cost=1)])
    ledger.compact()
    lines = ledger.snapshot_path.read_bytes().split(b"\n")
    header = orjson.loads(lines[0][len(b'{"header":') :].rstrip(b","))
    header["schema"] = schema
    lines[0] = b'{"header":' + orjson.dumps(header) + b","
    ledger.snapshot_path.write_bytes(b"\n".join(lines))


def test_a_ledger_from_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    _write_snapshot_with_schema(tmp_path, SCHEMA_VERSION + 1)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(LedgerError, match="newer"):
        Ledger.open(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_a_newer_ledger_in_the_plain_document_layout_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    document = {
        "header": {"format": "roo-usage-ledger", "schema": SCHEMA_VERSION + 5, "generation": 1},
        "tasks": [],
    }
    (home / "ledger.json").write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    (home / "journal.jsonl").write_bytes(b'{"generation":1}\n')
    with pytest.raises(LedgerError, match="newer"):
        Ledger.open(home)
    assert (home / "ledger.json").exists()


def test_a_snapshot_reformatted_by_hand_still_loads(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    ledger.commit([meta("t", workspace="/w")], [req("t", 1, cost=5, tokens_in=1, mode="code")])
    ledger.commit(requests=[req("u", 2, cost=7, known=False)])
    ledger.compact()
    expected = (ledger_requests(ledger), ledger.revision)
    document = orjson.loads(ledger.snapshot_path.read_bytes())
    ledger.snapshot_path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    reopened = Ledger.open(tmp_path)
    assert reopened.warnings == []
    assert (ledger_requests(reopened), reopened.revision) == expected
    assert reopened.state.tasks[("roo-code", "t")].meta.workspace == "/w"


def test_migration_accepts_the_current_schema() -> None:
    header = {"schema": SCHEMA_VERSION, "generation": 2}
    assert migrate_snapshot_header(dict(header)) == header


@pytest.mark.parametrize("header", [{}, {"schema": "1"}, {"schema": None}, {"schema": 1.0}])
def test_migration_rejects_a_header_without_an_integer_schema(header: dict[str, object]) -> None:
    with pytest.raises(RecordError, match="no schema"):
        migrate_snapshot_header(header)


def test_migration_rejects_a_newer_schema() -> None:
    with pytest.raises(RecordError, match="newer"):
        migrate_snapshot_header({"schema": SCHEMA_VERSION + 1})


def test_a_snapshot_without_schema_is_treated_as_damage_and_recovered(tmp_path: Path) -> None:
    _write_snapshot_with_schema(tmp_path, None)
    ledger = Ledger.open(tmp_path)
    assert ledger.warnings
    assert aside_files(tmp_path, "damaged")
    assert ledger_figures(ledger) == (1, 0, 0, 0, 0, 1)  # the task row was salvaged


def test_a_batch_that_moves_a_label_away_and_back_commits_once(tmp_path: Path) -> None:
    ledger = Ledger.open(tmp_path)
    metas = [meta("t", mode="code"), meta("t", mode="ask")]
    requests = [req("t", 1, cost=1, mode="code"), req("t", 1, cost=1, mode="ask")]
    first = ledger.commit(metas, requests)
    size = ledger.journal_path.stat().st_size
    for _ in range(3):  # bumped the revision (and grew the journal) every time before
        again = ledger.commit(metas, requests)
        assert again.revision == first.revision
        assert (again.tasks_added, again.requests_added, again.requests_updated) == (0, 0, 0)
    assert ledger.journal_path.stat().st_size == size
