"""The ledger's vocabulary: what one model request cost, and what we know of its task.

These are plain dataclasses used on hot paths (import, merge, aggregation). They hold ids, numbers,
workspace paths, modes and model names only: never prompts, message text, file contents or keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Source(StrEnum):
    """The extension family a task belongs to; part of every request's identity."""

    ROO = "roo-code"
    ZOO = "zoo-code"
    KILO = "kilo-code"
    CLINE = "cline"


class Kind(StrEnum):
    """What a usage entry stands for. Only ``REQUEST`` entries count as requests."""

    REQUEST = "request"  # one `api_req_started`
    CONDENSE = "condense"  # a context-condensing call (`condense_context`): cost only
    # usage of requests removed from the file (`api_req_deleted`, `deleted_api_reqs`)
    DELETED = "deleted"
    SUBAGENT = "subagent"  # Cline `subagent_usage`


UNKNOWN_MODE = "unknown"
UNKNOWN_MODEL = "unknown"


@dataclass(slots=True)
class RequestUsage:
    """One usage entry, identified by ``(source, task_id, ts)``.

    ``tokens_in`` always includes cache reads and writes. ``cost`` is in pico-USD, as recorded by
    the extension. ``known`` is false when the extension never wrote usage numbers.
    """

    source: str
    task_id: str
    ts: int
    kind: str = Kind.REQUEST
    known: bool = True
    cost: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cache_reads: int = 0
    cache_writes: int = 0
    mode: str | None = None
    model: str | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.source, self.task_id, self.ts)


@dataclass(slots=True)
class Totals:
    """Usage figures as exact integers (cost in pico-USD, ``tokens_in`` including cache)."""

    cost: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cache_reads: int = 0
    cache_writes: int = 0


@dataclass(slots=True)
class TaskMeta:
    """What we know of a task besides its requests. ``None`` means "not known from this source".

    ``reported`` holds the extension's own totals for the task (from its HistoryItem); the ledger
    never reports less than that for a task.
    """

    source: str
    task_id: str
    workspace: str | None = None
    mode: str | None = None  # the task's last mode slug (HistoryItem.mode)
    parent_id: str | None = None
    root_id: str | None = None
    profile: str | None = None  # provider profile name (HistoryItem.apiConfigName)
    model: str | None = None  # Cline HistoryItem.modelId
    first_ts: int | None = None
    last_ts: int | None = None
    exists: bool | None = None  # does the task still exist in its source?
    storage: str | None = None  # the global-storage folder the task was found in
    reported: Totals | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.task_id)


@dataclass(slots=True)
class ParsedTask:
    """Everything one import of one task yields."""

    meta: TaskMeta
    requests: list[RequestUsage] = field(default_factory=list)
    mode_names: dict[str, str] = field(default_factory=dict)  # slug -> display name
    # sorted `ts` of every message in ui_messages.json; tells which removed requests a
    # deletion marker stands for (see accounting.settle_deletions)
    message_ts: list[int] = field(default_factory=list)
