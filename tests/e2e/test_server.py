"""The language server as a real process over stdio: every message of protocol.md."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException

from roo_usage.ledger import Ledger
from roo_usage.money import usd_to_pico
from roo_usage.records import RequestUsage, TaskMeta
from tests.e2e.conftest import Launch

SUMMARY = "roo/usageSummary"
RECORD = "roo/recordUsage"
RESCAN = "roo/rescan"
BILLING = Path("/home/dev/projects/acme-billing")
SAMPLE_COST = "0.165987"
PARENT = "019bb695-5a80-73a1-8c2e-4f9b07d15a6c"


def imported(payload: dict) -> bool:
    return payload["all"]["requests"] == 8


async def test_summary_of_the_sample_storage(launch: Launch, storage: Path, ledger_home: Path):
    session = await launch(home=ledger_home, sources=[storage])
    pushed = await session.push_matching(imported)
    assert pushed["all"]["costExact"] == SAMPLE_COST
    summary = await session.request(SUMMARY, {"scope": "all"})
    assert summary["totals"]["cost"] == pytest.approx(0.165987, abs=1e-12)
    assert summary["totals"]["tokensIn"] == 68974
    assert summary["totals"]["tasks"] == 2
    assert {m["mode"]: m["costExact"] for m in summary["byMode"]} == {
        "architect": "0.0827985",
        "code": "0.0608505",
        "debug": "0.022338",
    }


async def test_current_scope_follows_the_workspace_folders(
    launch: Launch, storage: Path, ledger_home: Path, tmp_path: Path
):
    other = tmp_path / "elsewhere"
    session = await launch(home=ledger_home, sources=[storage], folders=[other, BILLING])
    pushed = await session.push_matching(imported)
    assert pushed["current"]["costExact"] == SAMPLE_COST  # multi-root: billing is one root

    current = await session.request(SUMMARY, {"scope": "current"})
    assert current["workspaces"] == [str(other), str(BILLING)]
    assert current["totals"]["costExact"] == SAMPLE_COST

    only_other = await session.request(
        SUMMARY, {"scope": "current", "workspaces": [other.as_uri() + "/"]}
    )
    assert only_other["totals"]["tasks"] == 0
    assert only_other["byMode"] == []

    session.client.workspace_did_change_workspace_folders(
        _folders_change(added=[], removed=[BILLING])
    )
    pushed = await session.push_matching(lambda p: p["workspaces"] == [str(other)])
    assert pushed["current"]["costExact"] == "0"
    assert pushed["all"]["costExact"] == SAMPLE_COST


def _folders_change(added: list[Path], removed: list[Path]):
    from lsprotocol import types

    def folders(paths: list[Path]) -> list[types.WorkspaceFolder]:
        return [types.WorkspaceFolder(uri=p.as_uri(), name=p.name) for p in paths]

    return types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=folders(added), removed=folders(removed))
    )


async def test_record_usage_is_pushed_and_never_counted_twice(
    launch: Launch, storage: Path, ledger_home: Path
):
    session = await launch(home=ledger_home, sources=[storage])
    await session.push_matching(imported)
    # r1 of the parent task, as the import already saw it: nothing changes
    same = {
        "source": "roo-code",
        "taskId": PARENT,
        "requests": [
            {"ts": 1768294803400, "tokensIn": 12458, "tokensOut": 812, "cacheWrites": 12040,
             "cacheReads": 0, "cost": 0.058584}
        ],
    }  # fmt: skip
    result = await session.request(RECORD, same)
    assert (result["requestsAdded"], result["requestsUpdated"]) == (0, 0)

    now_ms = int(time.time() * 1000)
    new = {
        "source": "roo-code",
        "taskId": "direct-task",
        "workspace": str(BILLING),
        "requests": [{"ts": now_ms, "tokensIn": 1000, "tokensOut": 10, "cost": 0.5}],
    }
    result = await session.request(RECORD, new)
    assert result["requestsAdded"] == 1
    pushed = await session.push_matching(lambda p: p["revision"] >= result["revision"])
    assert pushed["all"]["costExact"] == "0.665987"
    assert pushed["today"]["costExact"] == "0.5"  # the samples are from January 2026
    assert pushed["today"]["tasks"] == 1
    again = await session.request(RECORD, new)
    assert again["revision"] == result["revision"]  # idempotent


async def test_record_usage_task_snapshot_raises_the_floor(
    launch: Launch, storage: Path, ledger_home: Path
):
    session = await launch(home=ledger_home, sources=[storage])
    await session.push_matching(imported)
    snapshot = {
        "source": "roo-code",
        "task": {"id": "known-only-by-snapshot", "ts": 1768300000000, "tokensIn": 500,
                 "tokensOut": 50, "totalCost": 0.25, "workspace": str(BILLING), "mode": "ask"},
    }  # fmt: skip
    result = await session.request(RECORD, snapshot)
    assert result["tasks"] == 1
    summary = await session.request(SUMMARY, {})
    assert summary["totals"]["costExact"] == "0.415987"
    assert any(m["mode"] == "ask" and m["costExact"] == "0.25" for m in summary["byMode"])


async def test_another_process_writing_the_ledger_is_pushed(
    launch: Launch, storage: Path, ledger_home: Path
):
    session = await launch(home=ledger_home, sources=[storage])
    await session.push_matching(imported)
    script = (
        "import sys; from pathlib import Path; from roo_usage.ledger import Ledger;"
        "from roo_usage.records import RequestUsage, TaskMeta;"
        "l = Ledger.open(Path(sys.argv[1]));"
        "l.commit([TaskMeta('cline', 'cli-task', workspace='/tmp/x')],"
        " [RequestUsage('cline', 'cli-task', 1768400000000, cost=2_000_000_000_000)])"
    )
    subprocess.run([sys.executable, "-c", script, str(ledger_home)], check=True)
    pushed = await session.push_matching(lambda p: p["all"]["costExact"] == "2.165987")
    assert pushed["all"]["tasks"] == 3


async def test_a_task_file_appearing_and_growing_is_pushed(
    launch: Launch, storage: Path, ledger_home: Path
):
    session = await launch(home=ledger_home, sources=[storage])
    await session.push_matching(imported)
    task = storage / "tasks" / "019c0000-0000-7000-8000-000000000001"
    task.mkdir()
    messages = [
        {"ts": 1768500000000, "type": "say", "say": "text", "text": "new task"},
        _request(1768500001000, cost=0.1),
    ]
    _write_messages(task, messages)
    pushed = await session.push_matching(lambda p: p["all"]["requests"] == 9)
    assert pushed["all"]["costExact"] == "0.265987"

    messages[1] = _request(1768500001000, cost=0.2)  # rewritten in place: usage arrived
    messages.append(_request(1768500002000, cost=0.3))
    _write_messages(task, messages)
    pushed = await session.push_matching(lambda p: p["all"]["requests"] == 10)
    assert pushed["all"]["costExact"] == "0.665987"


def _request(ts: int, cost: float) -> dict:
    usage = {"apiProtocol": "anthropic", "tokensIn": 100, "tokensOut": 10, "cacheWrites": 0,
             "cacheReads": 0, "cost": cost}  # fmt: skip
    return {"ts": ts, "type": "say", "say": "api_req_started", "text": json.dumps(usage)}


def _write_messages(task: Path, messages: list[dict]) -> None:
    tmp = task / "ui_messages.json.tmp"
    tmp.write_text(json.dumps(messages))
    tmp.replace(task / "ui_messages.json")


async def test_a_deleted_task_folder_still_counts(launch: Launch, storage: Path, ledger_home: Path):
    session = await launch(home=ledger_home, sources=[storage])
    await session.push_matching(imported)
    # the extension deletes the task: its folder and its history entries go
    shutil.rmtree(storage / "tasks" / PARENT)
    index = json.loads((storage / "tasks" / "_index.json").read_text())
    index["entries"] = [e for e in index["entries"] if e["id"] != PARENT]
    (storage / "tasks" / "_index.json").write_text(json.dumps(index))

    pushed = await session.push_matching(lambda p: p["all"]["deletedTasks"] == 1)
    assert pushed["all"]["costExact"] == SAMPLE_COST
    assert pushed["all"]["tasks"] == 2


async def test_invalid_params_get_an_error_naming_the_field(
    launch: Launch, storage: Path, ledger_home: Path
):
    session = await launch(home=ledger_home, sources=[storage])
    cases = [
        (SUMMARY, {"scope": "everything"}, "scope"),
        (SUMMARY, {"since": "last tuesday"}, "since"),
        (SUMMARY, {"timeZone": "Mars/Olympus"}, "timeZone"),
        (SUMMARY, {"workspaces": "not-a-list"}, "workspaces"),
        (SUMMARY, {"since": "2026-02-01", "until": "2026-01-01"}, "after until"),
        (RECORD, {"source": "copilot", "task": {"id": "x"}}, "source"),
        (RECORD, {"source": "roo-code", "taskId": "t", "requests": [{"ts": -1}]}, "requests.0.ts"),
        (RECORD, {"source": "roo-code"}, "task or requests"),
    ]
    for method, params, field in cases:
        with pytest.raises(JsonRpcException) as error:
            await session.request(method, params)
        assert error.value.code == -32602, (method, params)
        assert field in str(error.value), (field, str(error.value))
    summary = await session.request(SUMMARY, {})
    assert summary["scope"] == "all"  # still serving


async def test_rescan_reports_with_work_done_progress(
    launch: Launch, storage: Path, ledger_home: Path
):
    session = await launch(home=ledger_home, sources=[storage])
    await session.push_matching(imported)
    report = await session.request(RESCAN, {})
    assert report["filesUnchanged"] == 2
    assert report["requestsAdded"] == 0
    assert report["sources"][0]["source"] == "roo-code"
    progress = session.client.progress_reports
    assert progress, "no $/progress was reported"
    kinds = [getattr(v, "kind", None) for values in progress.values() for v in values]
    assert kinds[0] == "begin" and kinds[-1] == "end"


async def test_bad_initialization_options_are_shown_once_and_defaults_used(
    launch: Launch, storage: Path, ledger_home: Path
):
    session = await launch(
        home=ledger_home,
        sources=[storage],
        options={"timeZone": "Nowhere/Land", "scanDefaultSources": "yes"},
    )
    await session.push_matching(imported)
    shown = [m.message for m in session.client.messages]
    assert sum("timeZone" in m for m in shown) == 1
    assert sum("scanDefaultSources" in m for m in shown) == 1


async def test_an_unusable_storage_dir_falls_back_to_the_default_folder(
    launch: Launch, storage: Path, tmp_path: Path
):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    session = await launch(home=not_a_folder, sources=[storage])  # HOME is a temporary folder
    pushed = await session.push_matching(imported)
    assert pushed["all"]["costExact"] == SAMPLE_COST
    assert sum("storageDir" in m.message for m in session.client.messages) == 1


async def test_several_windows_over_one_ledger_give_the_totals_of_one(
    launch: Launch, storage: Path, ledger_home: Path
):
    windows = await asyncio.gather(
        *[launch(home=ledger_home, sources=[storage], folders=[BILLING]) for _ in range(3)]
    )
    for window in windows:
        pushed = await window.push_matching(imported)
        assert pushed["all"]["costExact"] == SAMPLE_COST
    summaries = [await w.request(SUMMARY, {}) for w in windows]
    assert {s["totals"]["costExact"] for s in summaries} == {SAMPLE_COST}
    assert {s["totals"]["requests"] for s in summaries} == {8}
    ledger = Ledger.open(ledger_home)
    assert sum(len(t.requests) for t in ledger.state.tasks.values()) == 9  # 8 + 1 condense


async def test_a_damaged_ledger_is_set_aside_and_the_server_keeps_serving(
    launch: Launch, storage: Path, ledger_home: Path
):
    ledger = Ledger.open(ledger_home)
    ledger.commit([TaskMeta("cline", "old", workspace="/w")],
                  [RequestUsage("cline", "old", 1, cost=usd_to_pico(1))])  # fmt: skip
    ledger.compact()
    snapshot = ledger_home / "ledger.json"
    damaged = snapshot.read_bytes().replace(b"\n]}\n", b"\n\x00garbage")
    snapshot.write_bytes(damaged)
    session = await launch(home=ledger_home, sources=[storage])
    pushed = await session.push_matching(lambda p: p["all"]["requests"] == 9)
    assert pushed["all"]["costExact"] == "1.165987"  # the recovered task plus the samples
    assert any(p.name.startswith("ledger.json.damaged-") for p in ledger_home.iterdir())
    assert any("damaged" in m.message for m in session.client.messages)


async def test_shutdown_and_exit_are_clean(launch: Launch, storage: Path, ledger_home: Path):
    session = await launch(home=ledger_home, sources=[storage])
    await session.push_matching(imported)
    await session.client.shutdown_session()
    server = session.client._server  # the subprocess
    assert server is not None
    code = await asyncio.wait_for(server.wait(), 10)
    assert code == 0


def test_serve_help_mentions_tcp():
    out = subprocess.run(
        [sys.executable, "-m", "roo_usage", "serve", "--help"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "--tcp" in out.stdout
