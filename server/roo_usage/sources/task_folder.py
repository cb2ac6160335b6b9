"""Reading one task folder (``tasks/<id>/``) into ledger entries.

``ui_messages.json`` holds the usage (one entry per usage-bearing message, identified by its
``ts``); ``api_conversation_history.json`` (Roo family) and ``task_metadata.json`` (Cline) tell
each request's mode and model; ``history_item.json`` (Roo >= 3.49) holds the task's metadata.
Only ids, timestamps, numbers, modes and model names are kept: never prompts or message text.
"""

from __future__ import annotations

import bisect
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter
from pathlib import Path
from typing import Any

import orjson

from roo_usage.accounting import (
    RecordedUsage,
    condense_usage,
    normalize_usage,
    parse_usage_text,
    recorded_usage,
)
from roo_usage.records import Kind, ParsedTask, RequestUsage, Source, TaskMeta
from roo_usage.sources.history import history_item_meta, merge_meta
from roo_usage.sources.modes import ModeSignal, mode_names, read_mode_signals

UI_MESSAGES = "ui_messages.json"
API_HISTORY = "api_conversation_history.json"
HISTORY_ITEM = "history_item.json"
TASK_METADATA = "task_metadata.json"

# `say` values that carry usage JSON in `text`, and the entry kind each becomes
_USAGE_SAYS = {
    "api_req_started": Kind.REQUEST,
    "api_req_deleted": Kind.DELETED,
    "deleted_api_reqs": Kind.DELETED,
    "subagent_usage": Kind.SUBAGENT,
}


class UnreadableFile(Exception):
    """A file that exists but does not parse (usually caught mid-write): skip it, retry later."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """Cline's per-message ``modelInfo`` (or a ``task_metadata.json`` ``model_usage`` entry)."""

    mode: str | None = None
    model: str | None = None
    provider: str | None = None


@dataclass(slots=True)
class _UsageMessage:
    """A usage-bearing message while the task is being read (no text kept)."""

    ts: int
    kind: Kind
    protocol: str | None  # the record's apiProtocol
    usage: RecordedUsage
    info: ModelInfo | None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _ts(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return int(value)
    except (OverflowError, ValueError):
        return None


def _model_info(value: object) -> ModelInfo | None:
    if value is None or not isinstance(value, Mapping):  # Roo messages have none
        return None
    info = ModelInfo(
        mode=_text(value.get("mode")),
        model=_text(value.get("modelId")),
        provider=_text(value.get("providerId")),
    )
    return info if info != ModelInfo() else None


def _protocol(record: dict[str, Any]) -> str | None:
    protocol = record.get("apiProtocol")
    return protocol if isinstance(protocol, str) else None


def load_ui_messages(path: Path) -> list[Any] | None:
    """The parsed message array of a ``ui_messages.json``; ``None`` when the file is absent.

    Raises :class:`UnreadableFile` when it exists but is not a complete JSON array.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise UnreadableFile(path, f"cannot read: {error}") from error
    data = data.removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        raise UnreadableFile(path, "empty file")
    try:
        messages = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise UnreadableFile(path, f"not valid JSON ({error})") from error
    if not isinstance(messages, list):
        raise UnreadableFile(path, "not a JSON array")
    return messages


def _load_optional_json(path: Path) -> Any:
    """A metadata file's JSON, or ``None`` when missing or unreadable (it is only a hint)."""
    try:
        return orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None


def _cline_model_usage(folder: Path) -> list[tuple[int, ModelInfo]]:
    metadata = _load_optional_json(folder / TASK_METADATA)
    if not isinstance(metadata, dict) or not isinstance(metadata.get("model_usage"), list):
        return []
    usage = []
    for entry in metadata["model_usage"]:
        if not isinstance(entry, dict) or (ts := _ts(entry.get("ts"))) is None:
            continue
        info = ModelInfo(
            mode=_text(entry.get("mode")),
            model=_text(entry.get("model_id")),
            provider=_text(entry.get("model_provider_id")),
        )
        usage.append((ts, info))
    usage.sort(key=lambda pair: pair[0])
    return usage


def _latest_before(
    pairs: Sequence[tuple[int, Any]], keys: Sequence[int], ts: int, inclusive: bool
) -> Any:
    """The value of the last ``(ts, value)`` pair before ``ts`` (pairs sorted by ts, ``keys``
    their ts)."""
    index = bisect.bisect_right(keys, ts) if inclusive else bisect.bisect_left(keys, ts)
    return pairs[index - 1][1] if index > 0 else None


def _scan_messages(
    messages: list[Any],
) -> tuple[list[_UsageMessage], list[int], list[tuple[int, str]]]:
    """Usage messages, every message ts, and ``switchMode`` tool asks ``(ts, slug)``.

    Runs once per message of every task read: most messages are chat text and only give their
    ts, so everything else is looked at only for the few kinds of message that matter."""
    found: list[_UsageMessage] = []
    all_ts: list[int] = []
    switches: list[tuple[int, str]] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        get = message.get
        ts = get("ts")
        if ts.__class__ is not int and (ts := _ts(ts)) is None:
            continue
        all_ts.append(ts)
        say = get("say")
        if get("type") == "ask" or say is None and "ask" in message:
            if get("ask") == "tool":
                tool = parse_usage_text(get("text"))
                if tool.get("tool") == "switchMode" and (slug := _text(tool.get("mode"))):
                    switches.append((ts, slug))
            continue
        if not isinstance(say, str):
            continue
        kind = _USAGE_SAYS.get(say)
        if kind is not None:
            record = parse_usage_text(get("text"))
            info = _model_info(get("modelInfo"))
            usage = recorded_usage(record)
            found.append(_UsageMessage(ts, kind, _protocol(record), usage, info))
        elif say == "condense_context":
            usage = condense_usage(get("contextCondense"))
            info = _model_info(get("modelInfo"))
            found.append(_UsageMessage(ts, Kind.CONDENSE, None, usage, info))
        elif say == "api_req_finished":
            _merge_finished(found, parse_usage_text(get("text")))
    all_ts.sort()
    switches.sort(key=itemgetter(0))
    return found, all_ts, switches


def _merge_finished(found: list[_UsageMessage], finished: dict[str, Any]) -> None:
    """Old (2024) usage arrived in a separate ``api_req_finished``: merge it into the most
    recent ``api_req_started`` that has no usage yet. The merged record is the started one
    with the finished one's fields over it; as the started one has no usage number, its usage
    is the finished one's."""
    usage = recorded_usage(finished)
    if not usage.known:
        return
    for entry in reversed(found):
        if entry.kind == Kind.REQUEST and not entry.usage.known:
            entry.usage = usage
            if "apiProtocol" in finished:
                entry.protocol = _protocol(finished)
            return


# mode, model, provider and protocol of one usage message
_Attribution = tuple[str | None, str | None, str | None, str | None]


def _attribute(
    found: list[_UsageMessage],
    signals: list[ModeSignal],
    switches: list[tuple[int, str]],
    model_usage: list[tuple[int, ModelInfo]],
    meta: TaskMeta,
) -> list[_Attribution]:
    """Mode, model, provider and protocol of each usage message (section 5 of the format doc).

    Requests: the message's own ``modelInfo`` (Cline); Cline ``model_usage`` by ts; the Roo
    user message sent in ``[request ts, next request ts)`` or, for a retry without one, the
    previous request's; the latest ``switchMode`` before it; the task's last mode. Other
    entries take what the request before them had.
    """
    request_ts = [entry.ts for entry in found if entry.kind == Kind.REQUEST]
    signal_ts = [signal.ts for signal in signals]
    switch_ts = [ts for ts, _ in switches]
    usage_ts = [ts for ts, _ in model_usage]
    result: list[_Attribution] = []
    previous_request: _Attribution | None = None
    strong: ModeSignal | None = None  # the latest request's own or inherited Roo signal
    for entry in found:
        info, protocol = entry.info, entry.protocol
        is_request = entry.kind == Kind.REQUEST
        if not is_request and previous_request is not None:
            mode, model, provider, previous_protocol = previous_request
            if info and info.provider:
                provider = info.provider
            result.append((mode, model, provider, protocol or previous_protocol))
            continue
        if is_request:
            index = bisect.bisect_right(request_ts, entry.ts)
            window_end = request_ts[index] if index < len(request_ts) else None
            start = bisect.bisect_left(signal_ts, entry.ts)
            if start < len(signals) and (window_end is None or signals[start].ts < window_end):
                strong = signals[start]
        usage_info: ModelInfo | None = (
            _latest_before(model_usage, usage_ts, entry.ts, True) if model_usage else None
        )
        mode = (
            (info.mode if info else None)
            or (usage_info.mode if usage_info else None)
            or (strong.slug if strong else None)
            or _latest_before(switches, switch_ts, entry.ts, False)
            or meta.mode
        )
        model = (
            (info.model if info else None)
            or (usage_info.model if usage_info else None)
            or (strong.model if strong else None)
            or meta.model
        )
        provider = (info.provider if info else None) or (
            usage_info.provider if usage_info else None
        )
        attribution = (mode, model, provider, protocol)
        if is_request:
            previous_request = attribution
        result.append(attribution)
    return result


def _unique_entries(entries: list[RequestUsage]) -> list[RequestUsage]:
    """Entries with distinct ts: same-kind entries sharing a ts are summed (one identity);
    an entry of another kind moves to the next free millisecond so no key collides."""
    by_ts: dict[int, RequestUsage] = {}
    for entry in entries:
        same = by_ts.get(entry.ts)
        if same is not None and same.kind == entry.kind:
            same.known = same.known or entry.known
            same.cost += entry.cost
            same.tokens_in += entry.tokens_in
            same.tokens_out += entry.tokens_out
            same.cache_reads += entry.cache_reads
            same.cache_writes += entry.cache_writes
            continue
        while entry.ts in by_ts:
            entry.ts += 1
        by_ts[entry.ts] = entry
    return sorted(by_ts.values(), key=lambda entry: entry.ts)


def _folder_meta(folder: Path, source: Source, history: TaskMeta | None) -> TaskMeta:
    task_id = folder.name
    meta = (
        replace(history, source=str(source), task_id=task_id)
        if history is not None
        else TaskMeta(source=str(source), task_id=task_id)
    )
    item = _load_optional_json(folder / HISTORY_ITEM)
    if isinstance(item, dict):
        with contextlib.suppress(ValueError):  # an item without id tells nothing
            meta = merge_meta(meta, history_item_meta(item, source))
        meta.task_id = task_id
    meta.storage = str(folder.parent.parent)
    meta.exists = folder.is_dir()
    return meta


def read_task(folder: Path, source: Source, history: TaskMeta | None) -> ParsedTask:
    """Read one task folder into its ledger entries and metadata.

    Entries: one ``REQUEST`` per ``api_req_started`` (identity: its ts; a 2024-style
    ``api_req_finished`` is merged into the latest started without usage), ``CONDENSE`` per
    ``condense_context``, ``DELETED`` per ``api_req_deleted``/``deleted_api_reqs`` (raw marker
    figures: the caller settles them with :func:`accounting.settle_deletions`), ``SUBAGENT``
    per Cline ``subagent_usage``. ``meta`` is ``history`` merged with ``history_item.json`` and
    the folder's own facts. A folder without ``ui_messages.json`` yields no entries.

    Raises :class:`UnreadableFile` when ``ui_messages.json`` exists but does not parse.
    """
    meta = _folder_meta(folder, source, history)
    messages = load_ui_messages(folder / UI_MESSAGES)
    if messages is None:
        return ParsedTask(meta=meta)
    found, message_ts, switches = _scan_messages(messages)
    if message_ts:
        meta.first_ts = message_ts[0]
        meta.last_ts = max(message_ts[-1], meta.last_ts or 0)

    signals: list[ModeSignal] = []
    model_usage: list[tuple[int, ModelInfo]] = []
    if source == Source.CLINE:
        model_usage = _cline_model_usage(folder)
    elif found:
        signals = read_mode_signals(folder / API_HISTORY)

    entries = [
        normalize_usage(
            source,
            meta.task_id,
            entry.ts,
            entry.usage,
            kind=entry.kind,
            api_protocol=protocol,
            provider_id=provider,
            mode=mode,
            model=model,
        )
        for entry, (mode, model, provider, protocol) in zip(
            found, _attribute(found, signals, switches, model_usage, meta), strict=True
        )
    ]
    return ParsedTask(
        meta=meta,
        requests=_unique_entries(entries),
        mode_names=mode_names(signals),
        message_ts=message_ts,
    )
