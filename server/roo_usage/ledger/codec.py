"""How ledger records look on disk (journal lines and snapshot rows), and schema migrations.

Requests are compact arrays grouped by task, so a ledger of a million requests stays small:
``[ts, kind, known, cost_pico, tokens_in, tokens_out, cache_reads, cache_writes, mode, model]``.
Task metadata is an object with short keys, unknown values omitted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from sys import intern
from typing import Any

from roo_usage.records import Kind, RequestUsage, TaskMeta, Totals

SCHEMA_VERSION = 2  # 2: task rows record the length of their entries row
FORMAT_NAME = "roo-usage-ledger"

_KINDS = [Kind.REQUEST, Kind.CONDENSE, Kind.DELETED, Kind.SUBAGENT]
_KIND_CODE = {kind.value: code for code, kind in enumerate(_KINDS)}

_META_FIELDS = {
    "ws": "workspace",
    "mode": "mode",
    "parent": "parent_id",
    "root": "root_id",
    "profile": "profile",
    "model": "model",
    "first": "first_ts",
    "last": "last_ts",
    "exists": "exists",
    "storage": "storage",
}


class RecordError(ValueError):
    """A journal line or snapshot row that does not have the expected shape."""


def encode_meta(meta: TaskMeta) -> list[Any]:
    fields: dict[str, Any] = {}
    for short, attr in _META_FIELDS.items():
        value = getattr(meta, attr)
        if value is not None:
            fields[short] = value
    if meta.reported is not None:
        r = meta.reported
        fields["rep"] = [r.cost, r.tokens_in, r.tokens_out, r.cache_reads, r.cache_writes]
    return [meta.source, meta.task_id, fields]


def decode_meta(row: Any) -> TaskMeta:
    """Task metadata from its row. Hot at start-up (one call per task): kept lean."""
    try:
        source, task_id, f = row
        if task_id.__class__ is not str:
            raise TypeError("task id is not a string")
        get = f.get
        ws, mode, profile, model, storage = (
            get("ws"), get("mode"), get("profile"), get("model"), get("storage")
        )  # fmt: skip
        rep = get("rep")
        return TaskMeta(
            intern(source),
            task_id,
            # workspaces, modes, profiles and storage folders repeat across many tasks
            intern(ws) if ws.__class__ is str else ws,
            intern(mode) if mode.__class__ is str else mode,
            get("parent"),
            get("root"),
            intern(profile) if profile.__class__ is str else profile,
            intern(model) if model.__class__ is str else model,
            get("first"),
            get("last"),
            get("exists"),
            intern(storage) if storage.__class__ is str else storage,
            Totals(*rep) if rep is not None else None,
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise RecordError(f"bad task row: {exc}") from exc


def encode_request(r: RequestUsage) -> list[Any]:
    return [
        r.ts,
        _KIND_CODE[r.kind],
        1 if r.known else 0,
        r.cost,
        r.tokens_in,
        r.tokens_out,
        r.cache_reads,
        r.cache_writes,
        r.mode,
        r.model,
    ]


def decode_request(source: str, task_id: str, row: Any) -> RequestUsage:
    try:
        ts, kind, known, cost, tin, tout, cr, cw, mode, model = row
        return RequestUsage(
            source, task_id, int(ts), _KINDS[kind].value, bool(known),
            int(cost), int(tin), int(tout), int(cr), int(cw), mode, model,
        )  # fmt: skip
    except (TypeError, ValueError, IndexError) as exc:
        raise RecordError(f"bad request row: {exc}") from exc


def encode_request_groups(requests: Iterable[RequestUsage]) -> list[Any]:
    """Requests grouped by task: ``[[source, task_id, [row, ...]], ...]``."""
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for r in requests:
        groups[(r.source, r.task_id)].append(encode_request(r))
    return [[source, task_id, rows] for (source, task_id), rows in groups.items()]


def decode_request_groups(groups: Any) -> list[RequestUsage]:
    try:
        return [
            decode_request(source, task_id, row) for source, task_id, rows in groups for row in rows
        ]
    except (TypeError, ValueError) as exc:
        raise RecordError(f"bad request group: {exc}") from exc


def migrate_snapshot_header(header: dict[str, Any]) -> dict[str, Any]:
    """Bring a snapshot header up to ``SCHEMA_VERSION``.

    Each schema bump adds a step here (and a row migration beside it). Version 1 needs none:
    its task rows only lack the lengths that let version 2 skip reading entries at load.
    A ledger written by a newer version is refused rather than misread.
    """
    schema = header.get("schema")
    if not isinstance(schema, int):
        raise RecordError("snapshot has no schema version")
    if schema > SCHEMA_VERSION:
        raise RecordError(
            f"ledger schema {schema} is newer than this roo-usage understands ({SCHEMA_VERSION});"
            " upgrade roo-usage"
        )
    return header
