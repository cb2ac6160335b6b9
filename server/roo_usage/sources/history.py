"""HistoryItem lists: the extensions' own task metadata and totals.

A HistoryItem can live in several places (see ``editor-storage.md`` sections 2 and 4):
``tasks/<id>/history_item.json`` (Roo >= 3.49, read by :func:`task_folder.read_task`),
``tasks/_index.json`` (Roo >= 3.49, a cache of those), Cline's ``state/taskHistory.json``, and
VS Code's globalState SQLite file ``state.vscdb`` (older Roo, Kilo legacy, older Cline). Every
source may be missing, half-written, locked or stale: each is read independently and a broken
one is skipped. None of them is trusted to list every task (globalState gets reset); the scanner
also walks the task folders.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import orjson

from roo_usage.accounting import normalized_input_tokens, usage_number
from roo_usage.money import usd_to_pico
from roo_usage.records import Source, TaskMeta, Totals
from roo_usage.sources.discovery import StorageFolder

log = logging.getLogger(__name__)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    if value.__class__ is int:  # the usual case, first
        return value if value > 0 else 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return max(0, round(value))
    except (OverflowError, ValueError):  # inf / nan
        return None


def _reported(obj: Mapping[str, Any], source: Source) -> Totals | None:
    get = obj.get
    raw_cost = get("totalCost")
    tokens_in, tokens_out = _int(get("tokensIn")), _int(get("tokensOut"))
    cache_reads, cache_writes = _int(get("cacheReads")), _int(get("cacheWrites"))
    if (tokens_in, tokens_out, cache_reads, cache_writes) == _NO_TOKENS and _int(raw_cost) is None:
        return None
    cost = usage_number(raw_cost)
    cache_reads, cache_writes = cache_reads or 0, cache_writes or 0
    return Totals(
        cost=max(0, usd_to_pico(cost)) if cost is not None else 0,
        tokens_in=normalized_input_tokens(source, tokens_in or 0, cache_reads, cache_writes),
        tokens_out=tokens_out or 0,
        cache_reads=cache_reads,
        cache_writes=cache_writes,
    )


_NO_TOKENS = (None, None, None, None)


def history_item_meta(obj: Mapping[str, Any], source: Source) -> TaskMeta:
    """A task's metadata and reported totals from one HistoryItem (any of its sources).

    Raises ``ValueError`` when the item has no usable ``id``. Only ids, paths, modes, names
    and numbers are kept; the task's prompt text never is.
    """
    task_id = obj.get("id")
    if isinstance(task_id, int | float) and not isinstance(task_id, bool):
        task_id = str(int(task_id))
    if not isinstance(task_id, str) or not task_id:
        raise ValueError("HistoryItem without an id")
    workspace = _text(obj.get("workspace")) or _text(obj.get("cwdOnTaskInitialization"))
    return TaskMeta(
        source=str(source),
        task_id=task_id,
        workspace=workspace,
        mode=_text(obj.get("mode")),
        parent_id=_text(obj.get("parentTaskId")),
        root_id=_text(obj.get("rootTaskId")),
        profile=_text(obj.get("apiConfigName")),
        model=_text(obj.get("modelId")),
        last_ts=_int(obj.get("ts")),
        reported=_reported(obj, source),
    )


_META_FIELDS = tuple(spec.name for spec in fields(TaskMeta))


def merge_meta(older: TaskMeta, newer: TaskMeta) -> TaskMeta:
    """``newer``'s known fields over ``older``'s (``None`` never erases what is known)."""
    merged = TaskMeta(source=older.source, task_id=older.task_id)
    for name in _META_FIELDS:
        new_value = getattr(newer, name)
        setattr(merged, name, new_value if new_value is not None else getattr(older, name))
    return merged


def _load_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as error:
        log.debug("skipping unreadable history file %s: %s", path, error)
        return None


def _items(value: object) -> list[Mapping[str, Any]]:
    """HistoryItems from a list, an ``{entries: [...]}`` index or a ``{taskHistory: [...]}``."""
    if isinstance(value, dict):
        value = value.get("entries", value.get("taskHistory"))
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def read_state_db(db: Path, extension_id: str) -> list[Mapping[str, Any]]:
    """The ``taskHistory`` list an extension keeps in VS Code's globalState (``state.vscdb``).

    Opened read-only (the editor may be writing it); a missing, locked or corrupt database, or
    a row that is not JSON, gives an empty list.
    """
    if not db.is_file():
        return []
    try:
        connection = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=0.5)
    except sqlite3.Error as error:
        log.debug("cannot open %s: %s", db, error)
        return []
    try:
        rows = connection.execute(
            "SELECT value FROM ItemTable WHERE lower(key) = ?", (extension_id.lower(),)
        ).fetchall()
    except sqlite3.Error as error:
        log.debug("cannot read %s: %s", db, error)
        return []
    finally:
        connection.close()
    items: list[Mapping[str, Any]] = []
    for (value,) in rows:
        if not isinstance(value, str | bytes):
            continue
        try:
            state = orjson.loads(value)
        except orjson.JSONDecodeError:
            continue
        if isinstance(state, dict):
            items.extend(_items(state.get("taskHistory")))
    return items


def _add(
    metas: dict[str, TaskMeta], items: Iterable[Mapping[str, Any]], storage: StorageFolder
) -> None:
    for item in items:
        try:
            meta = history_item_meta(item, storage.source)
        except ValueError:
            continue
        meta.storage = str(storage.path)
        known = metas.get(meta.task_id)
        if known is None:
            metas[meta.task_id] = meta
        elif (known.last_ts or 0) > (meta.last_ts or 0):
            metas[meta.task_id] = merge_meta(meta, known)
        else:
            metas[meta.task_id] = merge_meta(known, meta)


def read_history(storage: StorageFolder) -> dict[str, TaskMeta]:
    """Task metadata by task id from every HistoryItem list of a storage folder.

    Sources: globalState (``state.vscdb``), Cline's ``state/taskHistory.json`` and Roo's
    ``tasks/_index.json``. When several hold the same task, the item with the latest ``ts`` wins
    field by field, and fields it lacks are filled from the others. ``exists`` stays ``None``:
    a list does not prove a task folder exists.
    """
    metas: dict[str, TaskMeta] = {}
    if storage.state_db is not None:
        _add(metas, read_state_db(storage.state_db, storage.path.name), storage)
    _add(metas, _items(_load_json(storage.path / "state" / "taskHistory.json")), storage)
    _add(metas, _items(_load_json(storage.tasks_dir / "_index.json")), storage)
    return metas
