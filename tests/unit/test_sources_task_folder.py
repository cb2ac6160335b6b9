"""Reading one task folder: what goes wrong in real use, modes per request, the cache rule."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roo_usage.accounting import ROO_INCLUSIVE_SINCE_MS, settle_deletions
from roo_usage.money import usd_to_pico
from roo_usage.records import Kind, RequestUsage, Source, TaskMeta
from roo_usage.sources import UnreadableFile, read_task

T0 = 1_768_000_000_000  # January 2026: Roo's inclusive era
OLD = 1_758_000_000_000  # September 2025


def say(ts: int, kind: str, text: object = None, **extra: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"ts": ts, "type": "say", "say": kind, **extra}
    if text is not None:
        message["text"] = text if isinstance(text, str) else json.dumps(text)
    return message


def started(ts: int, **usage: Any) -> dict[str, Any]:
    return say(ts, "api_req_started", usage)


def switch_mode(ts: int, slug: str) -> dict[str, Any]:
    text = json.dumps({"tool": "switchMode", "mode": slug, "reason": "r"})
    return {"ts": ts, "type": "ask", "ask": "tool", "text": text}


def user_turn(ts: int, slug: str, model: str = "m/1", name: str | None = None) -> dict[str, Any]:
    details = (
        "<environment_details>\n# Current Time\nnow\n\n# Current Mode\n"
        f"<slug>{slug}</slug>\n<name>{name or slug.title()}</name>\n<model>{model}</model>\n"
        "</environment_details>"
    )
    content = [{"type": "text", "text": "[user]"}, {"type": "text", "text": details}]
    return {"role": "user", "content": content, "ts": ts}


def make_task(
    root: Path,
    messages: list[dict[str, Any]],
    *,
    task_id: str = "019b0000-0000-7000-8000-000000000001",
    api_history: list[dict[str, Any]] | None = None,
    history_item: dict[str, Any] | None = None,
    indent: int | str | None = None,
) -> Path:
    folder = root / "tasks" / task_id
    folder.mkdir(parents=True)
    (folder / "ui_messages.json").write_text(json.dumps(messages, indent=indent))
    if api_history is not None:
        (folder / "api_conversation_history.json").write_text(json.dumps(api_history))
    if history_item is not None:
        (folder / "history_item.json").write_text(json.dumps(history_item))
    return folder


def read(folder: Path, source: Source = Source.ROO, history: TaskMeta | None = None) -> list[Any]:
    return read_task(folder, source, history).requests


TASK = say(T0, "text", "the task")


# -- files caught mid-write or re-saved ------------------------------------------------------


def test_truncated_file_is_reported_unreadable(tmp_path: Path) -> None:
    folder = make_task(tmp_path, [TASK, started(T0 + 1, apiProtocol="openai", tokensIn=5)])
    path = folder / "ui_messages.json"
    path.write_text(path.read_text()[:-40] + ',{"ts":1768000000009,"type":"say","say":"api_req_sta')
    with pytest.raises(UnreadableFile) as caught:
        read_task(folder, Source.ROO, None)
    assert caught.value.path == path


def test_empty_file_is_reported_unreadable(tmp_path: Path) -> None:
    folder = make_task(tmp_path, [])
    (folder / "ui_messages.json").write_bytes(b"")
    with pytest.raises(UnreadableFile):
        read_task(folder, Source.ROO, None)


@pytest.mark.parametrize("indent", [4, "\t"])
def test_pretty_printed_file_reads_like_a_compact_one(tmp_path: Path, indent: int | str) -> None:
    messages = [TASK, started(T0 + 1, apiProtocol="openai", tokensIn=50, cost=0.25)]
    compact = read(make_task(tmp_path / "a", messages))
    pretty_folder = make_task(tmp_path / "b", messages, indent=indent)
    path = pretty_folder / "ui_messages.json"
    path.write_text(path.read_text() + "\n")
    assert read(pretty_folder) == compact


def test_folder_with_history_item_but_no_messages_has_no_entries(tmp_path: Path) -> None:
    folder = tmp_path / "tasks" / "t1"
    folder.mkdir(parents=True)
    history = TaskMeta(source=Source.ROO, task_id="t1", workspace="/w", mode="ask")
    task = read_task(folder, Source.ROO, history)
    assert task.requests == [] and task.message_ts == []
    assert (task.meta.workspace, task.meta.mode, task.meta.exists) == ("/w", "ask", True)


def test_unknown_fields_and_message_kinds_are_ignored(tmp_path: Path) -> None:
    messages = [
        {**TASK, "isProtected": True, "conversationHistoryIndex": -1},
        say(T0 + 1, "task_progress", "- [x] step"),
        say(T0 + 2, "mistake_limit_reached", None, progressStatus={"icon": "x"}),
        {"ts": T0 + 3, "type": "ask", "ask": "something_new", "isAnswered": True},
        {"type": "say", "say": "api_req_started", "text": "{}"},  # no ts: not a message we can key
        "not even an object",
        started(T0 + 4, apiProtocol="openai", tokensIn=7, newField={"x": 1}),
    ]
    entries = read(make_task(tmp_path, messages))
    assert [(e.ts, e.tokens_in) for e in entries] == [(T0 + 4, 7)]


def test_odd_messages_are_read_as_before(tmp_path: Path) -> None:
    """Messages whose fields have unexpected types: each is skipped or read by the same rules."""
    messages = [
        TASK,
        {**started(T0 + 1, tokensIn=1), "ts": True},  # a bool is no time
        {**started(T0 + 2, tokensIn=1), "ts": "12"},
        {**started(T0 + 3, tokensIn=1), "ts": float(T0 + 3) + 0.75},  # a float time is truncated
        {**started(T0 + 4, tokensIn=1), "type": "ask"},  # an ask never carries usage
        {"ts": T0 + 5, "ask": "tool", "text": json.dumps({"tool": "switchMode", "mode": "ask"})},
        {**started(T0 + 6, tokensIn=1), "say": ["api_req_started"]},
        say(T0 + 7, "api_req_started", {"tokensIn": 2.5, "cacheReads": True, "cost": "1"}),
        say(T0 + 8, "text", "chat", modelInfo={"mode": "plan"}),  # no usage: its model info unused
        started(T0 + 9, tokensIn=-3, tokensOut=4),
        say(T0 + 10, "api_req_started", {"tokensIn": 2}, modelInfo={"modelId": "m/2"}),
        {"ts": T0 + 11, "type": "say", "say": "api_req_started", "text": {"tokensIn": 9}},
    ]
    task = read_task(make_task(tmp_path, messages), Source.ROO, None)
    assert [(e.ts, e.known, e.tokens_in, e.tokens_out, e.mode, e.model) for e in task.requests] == [
        (T0 + 3, True, 1, 0, None, None),
        (T0 + 7, True, 2, 0, "ask", None),
        (T0 + 9, True, 0, 4, "ask", None),
        (T0 + 10, True, 2, 0, "ask", "m/2"),
        (T0 + 11, True, 9, 0, "ask", None),
    ]
    assert task.message_ts == [T0, *(T0 + n for n in range(3, 12))]


def test_no_message_text_is_kept(tmp_path: Path) -> None:
    secret = "SECRET-PROMPT-TEXT"
    messages = [
        say(T0, "text", secret),
        started(T0 + 1, apiProtocol="openai", request=secret, tokensIn=1),
    ]
    task = read_task(make_task(tmp_path, messages), Source.ROO, None)
    assert secret not in repr(task)


# -- usage records ---------------------------------------------------------------------------


def test_cost_zero_with_tokens_is_a_real_free_request(tmp_path: Path) -> None:
    messages = [TASK, started(T0 + 1, apiProtocol="openai", tokensIn=1200, tokensOut=80, cost=0)]
    (entry,) = read(make_task(tmp_path, messages))
    assert entry.known and entry.cost == 0 and entry.tokens_in == 1200


def test_cancelled_request_with_usage_counts_its_usage(tmp_path: Path) -> None:
    messages = [
        TASK,
        started(
            T0 + 1,
            apiProtocol="anthropic",
            tokensIn=32000,
            tokensOut=0,
            cacheWrites=32000,
            cacheReads=0,
            cost=0.12,
            cancelReason="streaming_failed",
        ),
        started(
            T0 + 2,
            apiProtocol="anthropic",
            tokensIn=100,
            tokensOut=9,
            cost=0.001,
            cancelReason="user_cancelled",
        ),
    ]
    first, second = read(make_task(tmp_path, messages))
    assert (first.known, first.cost, first.cache_writes) == (True, usd_to_pico("0.12"), 32000)
    assert (second.known, second.tokens_out) == (True, 9)


def test_cancelled_request_with_all_zero_usage_is_a_known_zero_request(tmp_path: Path) -> None:
    messages = [
        TASK,
        started(
            T0 + 1,
            apiProtocol="openai",
            tokensIn=0,
            tokensOut=0,
            cost=0,
            cancelReason="streaming_failed",
        ),
    ]
    (entry,) = read(make_task(tmp_path, messages))
    assert entry.kind == Kind.REQUEST and entry.known and entry.cost == 0


def test_request_whose_usage_was_never_written_has_unknown_usage(tmp_path: Path) -> None:
    messages = [
        TASK,
        started(T0 + 1, apiProtocol="openai"),
        started(T0 + 2, apiProtocol="openai", tokensIn=10, cost=0.01),
        started(T0 + 3, apiProtocol="openai"),
    ]
    entries = read(make_task(tmp_path, messages))
    assert [e.known for e in entries] == [False, True, False]
    assert all(e.kind == Kind.REQUEST for e in entries)
    assert entries[0].cost == 0 and entries[2].tokens_in == 0


def test_api_req_finished_is_merged_into_the_latest_started_without_usage(tmp_path: Path) -> None:
    messages = [
        TASK,
        started(T0 + 1, request="[request]"),
        say(T0 + 2, "api_req_finished", {"tokensIn": 10, "tokensOut": 20, "cost": 0.005}),
        started(T0 + 3, request="[request]"),
        started(T0 + 4, request="[request]", tokensIn=1, cost=0.5),
        say(T0 + 5, "api_req_finished", {"tokensIn": 30, "tokensOut": 40, "cost": 0.007}),
    ]
    entries = read(make_task(tmp_path, messages))
    assert [(e.ts, e.tokens_in, e.tokens_out, e.cost) for e in entries] == [
        (T0 + 1, 10, 20, usd_to_pico("0.005")),
        (T0 + 3, 30, 40, usd_to_pico("0.007")),
        (T0 + 4, 1, 0, usd_to_pico("0.5")),
    ]


def test_api_req_finished_brings_its_protocol_unless_it_has_none(tmp_path: Path) -> None:
    """The protocol decides whether input includes cache: the merged record's counts."""
    usage = {"tokensIn": 100, "cacheReads": 30, "cost": 0.001}
    messages = [
        TASK,
        started(OLD + 1, apiProtocol="anthropic", tokensIn="12"),  # no usable number
        say(OLD + 2, "api_req_finished", {**usage, "apiProtocol": "openai"}),
        started(OLD + 3, apiProtocol="openai"),
        say(OLD + 4, "api_req_finished", usage),
        started(OLD + 5, apiProtocol="openai"),
        say(OLD + 6, "api_req_finished", {**usage, "apiProtocol": 7}),  # not a protocol
    ]
    entries = read(make_task(tmp_path, messages))
    assert [(e.ts, e.tokens_in) for e in entries] == [
        (OLD + 1, 100),  # openai: input includes the cache reads
        (OLD + 3, 100),
        (OLD + 5, 130),  # no protocol: Anthropic-style input before November 2025
    ]


def test_rewritten_request_keeps_its_identity_and_takes_the_new_numbers(tmp_path: Path) -> None:
    before = [TASK, started(T0 + 1, apiProtocol="openai")]
    after = [TASK, started(T0 + 1, apiProtocol="openai", tokensIn=40, cost=0.02), say(T0 + 2, "x")]
    (first,) = read(make_task(tmp_path / "a", before))
    (second,) = read(make_task(tmp_path / "b", after))
    assert first.key == second.key
    assert (first.known, second.known, second.cost) == (False, True, usd_to_pico("0.02"))


def test_condense_entry_counts_cost_only_and_is_not_a_request(tmp_path: Path) -> None:
    messages = [
        TASK,
        started(T0 + 1, apiProtocol="openai", tokensIn=10),
        say(T0 + 2, "condense_context", None, contextCondense={"cost": 0.03, "summary": "s"}),
    ]
    _, condense = read(make_task(tmp_path, messages))
    assert condense.kind == Kind.CONDENSE and condense.cost == usd_to_pico("0.03")
    assert condense.tokens_in == 0


def test_cline_subagent_usage_becomes_a_subagent_entry(tmp_path: Path) -> None:
    info = {"providerId": "anthropic", "modelId": "claude", "mode": "act"}
    usage = {
        "source": "subagents",
        "tokensIn": 4,
        "tokensOut": 7,
        "cacheWrites": 1,
        "cacheReads": 2,
        "cost": 0.04,
    }
    messages = [
        say(T0, "task", "t", modelInfo=info),
        say(T0 + 1, "api_req_started", {"tokensIn": 10, "cost": 0.1}, modelInfo=info),
        say(T0 + 2, "subagent_usage", usage, modelInfo=info),
    ]
    _, sub = read(make_task(tmp_path, messages, task_id="1768000000000"), Source.CLINE)
    assert (sub.kind, sub.cost, sub.tokens_in, sub.mode) == (
        Kind.SUBAGENT,
        usd_to_pico("0.04"),
        7,
        "act",
    )


# -- deletion markers, settled against what the ledger saw -----------------------------------

CHECKPOINT = T0 + 10
MARKER = T0 + 90
REMOVED = [
    started(T0 + 20, apiProtocol="openai", tokensIn=100, tokensOut=10, cost=0.02),
    started(T0 + 30, apiProtocol="openai", tokensIn=300, tokensOut=30, cost=0.03),
]
DELETED = {"tokensIn": 400, "tokensOut": 40, "cacheWrites": 0, "cacheReads": 0, "cost": 0.05}


def restored_task(root: Path) -> Path:
    """A task whose two requests after the checkpoint were removed by a restore."""
    messages = [
        TASK,
        started(T0 + 1, apiProtocol="openai", tokensIn=50, cost=0.01),
        say(CHECKPOINT, "checkpoint_saved", "abc"),
        say(MARKER, "api_req_deleted", DELETED),
    ]
    return make_task(root, messages)


def ledger_from(root: Path, messages: list[dict[str, Any]]) -> dict[int, RequestUsage]:
    return {e.ts: e for e in read(make_task(root, messages)) if e.kind == Kind.REQUEST}


def settled_marker(folder: Path, ledger: dict[int, RequestUsage]) -> RequestUsage:
    task = read_task(folder, Source.ROO, None)
    settle_deletions(task.requests, ledger, task.message_ts)
    (marker,) = [e for e in task.requests if e.kind == Kind.DELETED]
    return marker


def test_deletion_marker_counts_when_the_removed_requests_were_never_seen(tmp_path: Path) -> None:
    marker = settled_marker(restored_task(tmp_path / "now"), ledger={})
    assert (marker.cost, marker.tokens_in, marker.tokens_out) == (usd_to_pico("0.05"), 400, 40)


def test_deletion_marker_does_not_count_when_the_requests_were_seen(tmp_path: Path) -> None:
    seen = ledger_from(tmp_path / "before", [TASK, *REMOVED])
    marker = settled_marker(restored_task(tmp_path / "now"), seen)
    assert (marker.cost, marker.tokens_in, marker.tokens_out) == (0, 0, 0)


def test_deletion_marker_counts_only_the_requests_never_seen(tmp_path: Path) -> None:
    seen = ledger_from(tmp_path / "before", [TASK, REMOVED[0]])
    marker = settled_marker(restored_task(tmp_path / "now"), seen)
    assert (marker.cost, marker.tokens_in, marker.tokens_out) == (usd_to_pico("0.03"), 300, 30)


def test_deletion_marker_takes_the_mode_of_the_request_before_it(tmp_path: Path) -> None:
    folder = restored_task(tmp_path)
    (folder / "api_conversation_history.json").write_text(json.dumps([user_turn(T0 + 2, "ask")]))
    marker = [e for e in read(folder) if e.kind == Kind.DELETED][0]
    assert marker.mode == "ask"


# -- mode and model of each request ----------------------------------------------------------


def test_each_request_takes_the_mode_of_its_own_user_message(tmp_path: Path) -> None:
    messages = [
        TASK,
        started(T0 + 100, apiProtocol="openai", tokensIn=1),
        started(T0 + 200, apiProtocol="openai", tokensIn=1),
    ]
    history = [user_turn(T0 + 105, "architect", "m/a"), user_turn(T0 + 203, "code", "m/c")]
    entries = read(make_task(tmp_path, messages, api_history=history))
    assert [(e.mode, e.model) for e in entries] == [("architect", "m/a"), ("code", "m/c")]


def test_retry_without_its_own_user_message_reuses_the_previous_mode(tmp_path: Path) -> None:
    messages = [
        TASK,
        started(T0 + 100, apiProtocol="openai", tokensIn=1),
        switch_mode(T0 + 150, "code"),  # weaker than the retried user message
        started(T0 + 200, apiProtocol="openai", tokensIn=1),
    ]
    history = [user_turn(T0 + 105, "debug", "m/d")]
    entries = read(make_task(tmp_path, messages, api_history=history))
    assert [(e.mode, e.model) for e in entries] == [("debug", "m/d"), ("debug", "m/d")]


def test_without_conversation_history_switch_mode_asks_tell_the_mode(tmp_path: Path) -> None:
    messages = [
        TASK,
        started(T0 + 100, apiProtocol="openai", tokensIn=1),
        switch_mode(T0 + 150, "code"),
        started(T0 + 200, apiProtocol="openai", tokensIn=1),
    ]
    item = {
        "id": "x",
        "ts": T0 + 300,
        "tokensIn": 2,
        "tokensOut": 0,
        "totalCost": 0,
        "mode": "code",
    }
    entries = read(make_task(tmp_path, messages, history_item=item))
    # the first request has no signal of its own: the task's last mode is the best guess
    assert [e.mode for e in entries] == ["code", "code"]
    entries = read(make_task(tmp_path / "b", messages))
    assert [e.mode for e in entries] == [None, "code"]


def test_history_mode_is_the_last_resort(tmp_path: Path) -> None:
    messages = [TASK, started(T0 + 100, apiProtocol="openai", tokensIn=1)]
    history = TaskMeta(source=Source.ROO, task_id="t", mode="orchestrator")
    (entry,) = read(make_task(tmp_path, messages), history=history)
    assert entry.mode == "orchestrator"


def test_older_bare_slug_mode_lines_are_understood(tmp_path: Path) -> None:
    messages = [TASK, started(T0 + 100, apiProtocol="openai", tokensIn=1)]
    turn = {
        "role": "user",
        "ts": T0 + 101,
        "content": [
            {
                "type": "text",
                "text": "<environment_details>\n# Current Mode\nask\n</environment_details>",
            }
        ],
    }
    (entry,) = read(make_task(tmp_path, messages, api_history=[turn]))
    assert (entry.mode, entry.model) == ("ask", None)


def test_mode_names_drop_the_emoji(tmp_path: Path) -> None:
    messages = [TASK, started(T0 + 100, apiProtocol="openai", tokensIn=1)]
    history = [user_turn(T0 + 101, "architect", name="🏗️ Architect")]
    task = read_task(make_task(tmp_path, messages, api_history=history), Source.ROO, None)
    assert task.mode_names == {"architect": "Architect"}


def test_unreadable_conversation_history_only_loses_the_mode(tmp_path: Path) -> None:
    folder = make_task(tmp_path, [TASK, started(T0 + 100, apiProtocol="openai", tokensIn=1)])
    (folder / "api_conversation_history.json").write_text('[{"role":"user","# Current Mode')
    (entry,) = read(folder)
    assert entry.mode is None and entry.tokens_in == 1


def test_cline_mode_comes_from_model_info_then_task_metadata(tmp_path: Path) -> None:
    messages = [
        say(T0, "task", "t"),
        say(T0 + 1, "api_req_started", {"tokensIn": 1}),
        say(
            T0 + 2,
            "api_req_started",
            {"tokensIn": 1},
            modelInfo={"providerId": "openai", "modelId": "gpt-x", "mode": "act"},
        ),
    ]
    folder = make_task(tmp_path, messages, task_id="1768000000000")
    usage = [{"ts": T0 + 1, "model_id": "claude", "model_provider_id": "anthropic", "mode": "plan"}]
    (folder / "task_metadata.json").write_text(json.dumps({"model_usage": usage}, indent=2))
    entries = read(folder, Source.CLINE)
    assert [(e.mode, e.model) for e in entries] == [("plan", "claude"), ("act", "gpt-x")]


# -- input tokens with or without cache, decided per request ---------------------------------


def test_one_task_can_switch_protocol_halfway(tmp_path: Path) -> None:
    usage = {"tokensIn": 1000, "cacheReads": 600, "cacheWrites": 100, "cost": 0.01}
    messages = [
        say(OLD, "text", "t"),
        started(OLD + 1, apiProtocol="openai", **usage),
        started(OLD + 2, apiProtocol="anthropic", **usage),
    ]
    entries = read(make_task(tmp_path, messages))
    assert [e.tokens_in for e in entries] == [1000, 1700]


def test_anthropic_protocol_switches_to_inclusive_in_november_2025(tmp_path: Path) -> None:
    usage = {"apiProtocol": "anthropic", "tokensIn": 1000, "cacheReads": 600, "cost": 0.01}
    cutoff = ROO_INCLUSIVE_SINCE_MS
    messages = [
        say(cutoff - 10, "text", "t"),
        started(cutoff - 1, **usage),
        started(cutoff, **usage),
    ]
    entries = read(make_task(tmp_path, messages))
    assert [e.tokens_in for e in entries] == [1600, 1000]


def test_cline_openai_provider_requests_include_cache(tmp_path: Path) -> None:
    usage = {"tokensIn": 1000, "cacheReads": 600, "cost": 0.01}
    messages = [
        say(T0, "task", "t"),
        say(T0 + 1, "api_req_started", usage, modelInfo={"providerId": "openai"}),
        say(T0 + 2, "api_req_started", usage, modelInfo={"providerId": "anthropic"}),
    ]
    entries = read(make_task(tmp_path, messages, task_id="1768000000000"), Source.CLINE)
    assert [e.tokens_in for e in entries] == [1000, 1600]


def test_old_roo_deletion_marker_follows_the_protocol_of_the_request_before(
    tmp_path: Path,
) -> None:
    marker = {"tokensIn": 1000, "cacheReads": 600, "cost": 0.01}
    messages = [
        say(OLD, "text", "t"),
        started(OLD + 1, apiProtocol="openai", tokensIn=5, cacheReads=1),
        say(OLD + 9, "api_req_deleted", marker),
        started(OLD + 20, apiProtocol="anthropic", tokensIn=5, cacheReads=1),
        say(OLD + 29, "api_req_deleted", marker),
    ]
    entries = read(make_task(tmp_path, messages))
    assert [e.tokens_in for e in entries if e.kind == Kind.DELETED] == [1000, 1600]


def test_entries_sharing_a_ts_keep_distinct_identities(tmp_path: Path) -> None:
    messages = [
        TASK,
        started(T0 + 1, apiProtocol="openai", tokensIn=10, cost=0.01),
        started(T0 + 1, apiProtocol="openai", tokensIn=5, cost=0.02),
        say(T0 + 1, "condense_context", None, contextCondense={"cost": 0.03}),
    ]
    entries = read(make_task(tmp_path, messages))
    assert [(e.ts, e.kind, e.tokens_in, e.cost) for e in entries] == [
        (T0 + 1, Kind.REQUEST, 15, usd_to_pico("0.03")),
        (T0 + 2, Kind.CONDENSE, 0, usd_to_pico("0.03")),
    ]


# -- task metadata ---------------------------------------------------------------------------


def test_history_item_file_overrides_the_listed_metadata(tmp_path: Path) -> None:
    item = {
        "id": "ignored",
        "ts": T0 + 500,
        "workspace": "/new",
        "mode": "code",
        "parentTaskId": "p",
        "rootTaskId": "r",
        "apiConfigName": "prof",
        "tokensIn": 5,
        "tokensOut": 1,
        "totalCost": 0.5,
    }
    folder = make_task(tmp_path, [TASK, say(T0 + 9, "text", "x")], history_item=item)
    listed = TaskMeta(source=Source.ROO, task_id="old", workspace="/old", mode="ask", model="m")
    meta = read_task(folder, Source.ROO, listed).meta
    assert meta.task_id == folder.name
    assert (meta.workspace, meta.mode, meta.parent_id, meta.root_id) == ("/new", "code", "p", "r")
    assert (meta.profile, meta.model) == ("prof", "m")
    assert (meta.first_ts, meta.last_ts) == (T0, T0 + 500)
    assert meta.reported is not None and meta.reported.cost == usd_to_pico("0.5")
    assert listed.workspace == "/old"  # the caller's object is not modified


def test_message_ts_lists_every_message_sorted(tmp_path: Path) -> None:
    messages = [TASK, say(T0 + 5, "text", "a"), say(T0 + 2, "text", "b"), started(T0 + 7)]
    assert read_task(make_task(tmp_path, messages), Source.ROO, None).message_ts == [
        T0,
        T0 + 2,
        T0 + 5,
        T0 + 7,
    ]
