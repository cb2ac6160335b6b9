"""Where a request's cost and token counts are decided.

Every usage figure the extensions record passes through here: the usage JSON of
``api_req_started`` (and its relatives), the cache rule that makes ``tokens_in`` always include
cache reads and writes, and the settlement of deletion markers against requests the ledger has
already seen. Everything is a pure function over already-parsed values; no file access.

Rules (see ``editor-storage.md`` sections 3, 6 and 8):

- Money is the extension's own ``cost``, converted exactly with :func:`money.usd_to_pico`;
  it is never recomputed from tokens. ``cost: 0`` with tokens is a real (free) request.
- A missing numeric field is "not reported" (0). A request without any usage number at all
  has *unknown* usage (``known=False``); it is still a request.
- Whether the recorded ``tokensIn`` already includes cache is decided per record:
  Roo-family ``apiProtocol: "openai"`` includes it; any protocol from Roo >= 3.29.5 (records
  from 2025-11-01T00:00Z on) includes it; older ``anthropic`` and protocol-less records
  exclude it; Cline includes it only for OpenAI-compatible providers. Whatever the rule says, a
  record whose ``tokensIn`` is smaller than its cache reads + writes can only be the excluding
  kind.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import orjson

from roo_usage.money import usd_to_pico
from roo_usage.records import Kind, RequestUsage, Source

# Roo 3.29.5 made tokensIn include cache for every protocol; it shipped at the end of October
# 2025, so records from 2025-11-01T00:00Z on follow the new rule.
ROO_INCLUSIVE_SINCE_MS = 1_761_955_200_000

# Cline providers whose handlers report OpenAI-style usage (prompt tokens include cached ones).
CLINE_INCLUSIVE_PROVIDERS = frozenset({"openai", "openai-native", "openai-codex", "azure-openai"})

# A deletion marker's cost that differs from what the ledger saw by less than this is rounding.
COST_EPSILON_PICO = usd_to_pico("1e-9")

_USAGE_FIELDS = ("tokensIn", "tokensOut", "cacheWrites", "cacheReads", "cost")


class RecordedUsage(NamedTuple):
    """Usage numbers exactly as one record holds them (``tokens_in`` as recorded, raw).

    ``known`` is false when the record has none of the usage fields. ``cost`` is pico-USD.
    (A named tuple: one is made per request of every task read, several times faster than a
    frozen dataclass.)
    """

    known: bool = False
    tokens_in: int = 0
    tokens_out: int = 0
    cache_reads: int = 0
    cache_writes: int = 0
    cost: int = 0


def parse_usage_text(text: object) -> dict[str, Any]:
    """Parse the JSON *string* an ``api_req_started``-style message carries in ``text``.

    Returns an empty dict for anything that is not a JSON object (missing, empty, truncated,
    plain text), so callers treat it as "no usage reported".
    """
    if text.__class__ is not str:  # the usual case first: a str
        if isinstance(text, dict):
            return text
        if not isinstance(text, str | bytes):
            return {}
    if not text:
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


_NOTHING_REPORTED = (None, None, None, None, None)


def usage_number(value: object) -> float | None:
    """A usage number, or None when the field is absent or not a finite number."""
    kind = value.__class__  # exact types: a bool is not a number here
    if kind is int:
        return value  # type: ignore[return-value]
    if kind is float and math.isfinite(value):  # type: ignore[arg-type]
        return value  # type: ignore[return-value]
    return None


def _tokens(value: float | None) -> int:
    return max(0, round(value)) if value is not None else 0


def recorded_usage(record: Mapping[str, Any]) -> RecordedUsage:
    """Read the five usage fields of a parsed usage record; missing fields count as 0."""
    get = record.get
    tokens_in, tokens_out = get("tokensIn"), get("tokensOut")
    cache_reads, cache_writes = get("cacheReads"), get("cacheWrites")
    if (
        tokens_in.__class__ is int
        and tokens_out.__class__ is int
        and cache_reads.__class__ is int
        and cache_writes.__class__ is int
    ):  # the usual record, with whole token counts: the same as below, in fewer steps
        cost = usage_number(get("cost"))
        return RecordedUsage(
            True,
            max(0, tokens_in),
            max(0, tokens_out),
            max(0, cache_reads),
            max(0, cache_writes),
            max(0, usd_to_pico(cost)) if cost is not None else 0,
        )
    tokens_in = usage_number(get("tokensIn"))
    tokens_out = usage_number(get("tokensOut"))
    cache_reads = usage_number(get("cacheReads"))
    cache_writes = usage_number(get("cacheWrites"))
    cost = usage_number(get("cost"))
    if (tokens_in, tokens_out, cache_reads, cache_writes, cost) == _NOTHING_REPORTED:
        return RecordedUsage(known=False)
    return RecordedUsage(
        known=True,
        tokens_in=_tokens(tokens_in),
        tokens_out=_tokens(tokens_out),
        cache_reads=_tokens(cache_reads),
        cache_writes=_tokens(cache_writes),
        cost=max(0, usd_to_pico(cost)) if cost is not None else 0,
    )


def condense_usage(context_condense: object) -> RecordedUsage:
    """Usage of a ``condense_context`` message: ``contextCondense.cost`` only, no tokens."""
    if not isinstance(context_condense, Mapping):
        return RecordedUsage(known=False)
    cost = usage_number(context_condense.get("cost"))
    if cost is None:
        return RecordedUsage(known=False)
    return RecordedUsage(known=True, cost=max(0, usd_to_pico(cost)))


def input_includes_cache(
    source: str,
    ts: int,
    *,
    api_protocol: str | None,
    provider_id: str | None,
    tokens_in: int,
    cache_reads: int,
    cache_writes: int,
) -> bool:
    """Does this record's recorded ``tokensIn`` already include its cache reads and writes?

    Decided per record, never per task: one task can switch protocol halfway.
    """
    if tokens_in < cache_reads + cache_writes:
        return False  # an including record can never hold fewer input tokens than cache tokens
    if source == Source.CLINE:
        return provider_id is not None and provider_id.lower() in CLINE_INCLUSIVE_PROVIDERS
    if not api_protocol:
        return False  # early Roo (no apiProtocol) reported Anthropic-style input
    if api_protocol == "openai":
        return True
    return ts >= ROO_INCLUSIVE_SINCE_MS


def normalize_usage(
    source: str,
    task_id: str,
    ts: int,
    usage: RecordedUsage,
    *,
    kind: str = Kind.REQUEST,
    api_protocol: str | None = None,
    provider_id: str | None = None,
    mode: str | None = None,
    model: str | None = None,
) -> RequestUsage:
    """Turn recorded usage into a ledger entry whose ``tokens_in`` includes cache."""
    known, tokens_in, tokens_out, cache_reads, cache_writes, cost = usage
    if not input_includes_cache(
        source,
        ts,
        api_protocol=api_protocol,
        provider_id=provider_id,
        tokens_in=tokens_in,
        cache_reads=cache_reads,
        cache_writes=cache_writes,
    ):
        tokens_in += cache_reads + cache_writes
    return RequestUsage(
        str(source), task_id, ts, str(kind), known, cost, tokens_in, tokens_out, cache_reads,
        cache_writes, mode, model,
    )  # fmt: skip


def request_usage(
    source: str,
    task_id: str,
    ts: int,
    text: object,
    *,
    kind: str = Kind.REQUEST,
    provider_id: str | None = None,
    api_protocol: str | None = None,
    mode: str | None = None,
    model: str | None = None,
) -> RequestUsage:
    """One entry from a usage text (``api_req_started``, ``api_req_deleted``, ...).

    The record's own ``apiProtocol`` wins over ``api_protocol`` (a fallback for markers that
    carry none, e.g. the protocol of the request before them).
    """
    record = parse_usage_text(text)
    protocol = record.get("apiProtocol")
    return normalize_usage(
        source,
        task_id,
        ts,
        recorded_usage(record),
        kind=kind,
        api_protocol=protocol if isinstance(protocol, str) else api_protocol,
        provider_id=provider_id,
        mode=mode,
        model=model,
    )


def normalized_input_tokens(
    source: str, tokens_in: int, cache_reads: int, cache_writes: int
) -> int:
    """A task total's input tokens including cache (for HistoryItem totals).

    Totals mix records of both kinds, so only the sure cases are used: Cline totals and totals
    with fewer input than cache tokens exclude cache; other Roo-family totals include it.
    """
    if source == Source.CLINE or tokens_in < cache_reads + cache_writes:
        return tokens_in + cache_reads + cache_writes
    return tokens_in


def _removed_before(
    marker_ts: int, ledger_requests: Mapping[int, RequestUsage], present: set[int], after: int
) -> Iterable[RequestUsage]:
    for ts, entry in ledger_requests.items():
        if after < ts < marker_ts and ts not in present and entry.kind != Kind.DELETED:
            yield entry


def settle_deletions(
    entries: list[RequestUsage],
    ledger_requests: Mapping[int, RequestUsage],
    message_ts: Sequence[int],
) -> None:
    """Reduce each deletion marker in ``entries`` to the usage the ledger has not seen.

    A checkpoint restore removes the messages after the checkpoint and appends a marker
    (``Kind.DELETED``) holding the summed usage of what it removed. The removed requests are
    those with ``P < ts < T``, where ``T`` is the marker's ts and ``P`` the ts of the message just
    before it in the current file (``message_ts``: sorted ts of every message in the file).
    Entries of ``ledger_requests`` (the task's entries the ledger already holds, by ts) that lie
    in that range and are absent from the current file are already counted, so each marker keeps,
    field by field, only ``max(0, marker - covered)``; a cost left under 1e-9 USD becomes 0.
    Thus usage really spent counts once: via the marker when the requests were never seen, via
    the requests when they were. Markers are modified in place.
    """
    if not ledger_requests:
        return
    present = set(message_ts)
    ordered = sorted(present)
    for marker in entries:
        if marker.kind != Kind.DELETED:
            continue
        index = bisect_left(ordered, marker.ts)
        after = ordered[index - 1] if index > 0 else -(1 << 62)
        covered = list(_removed_before(marker.ts, ledger_requests, present, after))
        if not covered:
            continue
        cost = marker.cost - sum(entry.cost for entry in covered)
        marker.cost = cost if cost >= COST_EPSILON_PICO else 0
        marker.tokens_in = max(0, marker.tokens_in - sum(e.tokens_in for e in covered))
        marker.tokens_out = max(0, marker.tokens_out - sum(e.tokens_out for e in covered))
        marker.cache_reads = max(0, marker.cache_reads - sum(e.cache_reads for e in covered))
        marker.cache_writes = max(0, marker.cache_writes - sum(e.cache_writes for e in covered))
