"""HistoryItem lists: _index.json, Cline's taskHistory.json and VS Code's state.vscdb."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from roo_usage.money import usd_to_pico
from roo_usage.records import Source, Totals
from roo_usage.sources import StorageFolder, history_item_meta, read_history

ROO_ID = "RooVeterinaryInc.roo-cline"


def storage(path: Path, source: Source = Source.ROO, state_db: Path | None = None) -> StorageFolder:
    return StorageFolder(path, source, None, path / "tasks", state_db)


def make_state_db(path: Path, rows: dict[str, Any]) -> Path:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
    for key, value in rows.items():
        connection.execute("INSERT INTO ItemTable VALUES (?, ?)", (key, json.dumps(value)))
    connection.commit()
    connection.close()
    return path


def item(task_id: str, ts: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": task_id,
        "number": 1,
        "ts": ts,
        "task": "secret prompt",
        "tokensIn": 10,
        "tokensOut": 2,
        "totalCost": 0.25,
        **extra,
    }


def test_roo_history_item_becomes_task_meta() -> None:
    meta = history_item_meta(
        item(
            "a",
            5,
            workspace="/w",
            mode="code",
            parentTaskId="p",
            rootTaskId="r",
            apiConfigName="prof",
            cacheReads=4,
            cacheWrites=3,
        ),
        Source.ROO,
    )
    assert (meta.task_id, meta.workspace, meta.mode, meta.parent_id, meta.root_id) == (
        "a",
        "/w",
        "code",
        "p",
        "r",
    )
    assert (meta.profile, meta.last_ts, meta.exists) == ("prof", 5, None)
    assert meta.reported == Totals(usd_to_pico("0.25"), 10, 2, 4, 3)


def test_cline_history_item_uses_cwd_and_model_and_excludes_cache() -> None:
    raw = item("1700", 9, cwdOnTaskInitialization="/proj", modelId="claude", cacheReads=40)
    meta = history_item_meta(raw, Source.CLINE)
    assert (meta.workspace, meta.model, meta.mode) == ("/proj", "claude", None)
    assert meta.reported is not None and meta.reported.tokens_in == 50


def test_roo_history_total_below_its_cache_tokens_excludes_cache() -> None:
    meta = history_item_meta(item("a", 1, cacheWrites=16042), Source.ROO)
    assert meta.reported is not None and meta.reported.tokens_in == 16052


def test_history_item_without_id_is_rejected() -> None:
    with pytest.raises(ValueError):
        history_item_meta({"ts": 1, "totalCost": 1}, Source.ROO)


def test_sample_index_and_cline_task_history_are_read(samples: Path) -> None:
    roo = read_history(storage(samples / "roo"))
    assert set(roo) == {
        "019bb695-5a80-73a1-8c2e-4f9b07d15a6c",
        "019bb69b-07a0-71c5-a8e2-b4d6f80917e3",
    }
    assert roo["019bb695-5a80-73a1-8c2e-4f9b07d15a6c"].reported == Totals(
        usd_to_pico("0.143649"), 48864, 2827, 26290, 17780
    )
    assert roo["019bb695-5a80-73a1-8c2e-4f9b07d15a6c"].storage == str(samples / "roo")
    cline = read_history(storage(samples / "cline", Source.CLINE))
    assert cline["1768381200000"].reported == Totals(
        usd_to_pico("0.1210125"), 14 + 17610 + 46360, 2735, 46360, 17610
    )


def test_state_vscdb_task_history_is_read_with_case_insensitive_key(tmp_path: Path) -> None:
    db = make_state_db(
        tmp_path / "state.vscdb",
        {
            ROO_ID: {"taskHistory": [item("a", 1, mode="ask")], "other": 1},
            "saoudrizwan.claude-dev": {"taskHistory": [item("b", 1)]},
        },
    )
    folder = tmp_path / "rooveterinaryinc.roo-cline"
    folder.mkdir()
    metas = read_history(storage(folder, state_db=db))
    assert set(metas) == {"a"} and metas["a"].mode == "ask"


def test_newest_history_item_wins_and_fills_gaps_from_older_lists(tmp_path: Path) -> None:
    folder = tmp_path / "rooveterinaryinc.roo-cline"
    (folder / "tasks").mkdir(parents=True)
    db = make_state_db(
        tmp_path / "state.vscdb",
        {ROO_ID: {"taskHistory": [item("a", 1, mode="ask", workspace="/w"), item("b", 1)]}},
    )
    index = {"version": 1, "updatedAt": 3, "entries": [item("a", 2, mode="code"), item("c", 1)]}
    (folder / "tasks" / "_index.json").write_text(json.dumps(index))
    metas = read_history(storage(folder, state_db=db))
    assert set(metas) == {"a", "b", "c"}
    assert (metas["a"].mode, metas["a"].workspace, metas["a"].last_ts) == ("code", "/w", 2)


@pytest.mark.parametrize("content", [b"", b"not a database at all", b"SQLite format 3\x00junk"])
def test_corrupt_state_db_is_tolerated(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "state.vscdb"
    db.write_bytes(content)
    assert read_history(storage(tmp_path / "x", state_db=db)) == {}


def test_missing_state_db_and_files_give_no_history(tmp_path: Path) -> None:
    assert read_history(storage(tmp_path / "x", state_db=tmp_path / "gone.vscdb")) == {}


def test_locked_state_db_is_tolerated_or_read(tmp_path: Path) -> None:
    db = make_state_db(tmp_path / "state.vscdb", {ROO_ID: {"taskHistory": [item("a", 1)]}})
    writer = sqlite3.connect(db)
    writer.execute("BEGIN EXCLUSIVE")
    try:
        metas = read_history(storage(tmp_path / "rooveterinaryinc.roo-cline", state_db=db))
    finally:
        writer.rollback()
        writer.close()
    assert metas in ({}, {"a": metas.get("a")})


def test_half_written_history_files_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "saoudrizwan.claude-dev"
    (folder / "state").mkdir(parents=True)
    (folder / "tasks").mkdir()
    (folder / "state" / "taskHistory.json").write_text('[{"id":"17","ts":1,"totalCost":0.')
    (folder / "tasks" / "_index.json").write_text(json.dumps({"entries": [item("18", 2), 7]}))
    assert set(read_history(storage(folder, Source.CLINE))) == {"18"}


def test_history_keeps_no_prompt_text(samples: Path) -> None:
    metas = read_history(storage(samples / "roo"))
    assert "rounding bug" not in repr(metas)


def test_a_stale_index_does_not_override_a_newer_global_state_item(tmp_path: Path) -> None:
    folder = tmp_path / "rooveterinaryinc.roo-cline"
    (folder / "tasks").mkdir(parents=True)
    db = make_state_db(
        tmp_path / "state.vscdb", {ROO_ID: {"taskHistory": [item("a", 5, mode="debug")]}}
    )
    index = {"version": 1, "entries": [item("a", 2, mode="code", workspace="/w")]}
    (folder / "tasks" / "_index.json").write_text(json.dumps(index))
    meta = read_history(storage(folder, state_db=db))["a"]
    assert (meta.mode, meta.last_ts, meta.workspace) == ("debug", 5, "/w")
