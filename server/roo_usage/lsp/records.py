"""``roo/recordUsage`` params turned into the core's records (the same rules as the import)."""

from __future__ import annotations

from roo_usage.accounting import normalized_input_tokens
from roo_usage.lsp.protocol import RecordUsageParams
from roo_usage.money import usd_to_pico
from roo_usage.paths import normalize_path
from roo_usage.records import Kind, RequestUsage, TaskMeta, Totals


def records_from_params(params: RecordUsageParams) -> tuple[list[TaskMeta], list[RequestUsage]]:
    source = params.source.value
    if params.task is not None:
        t = params.task
        tokens_in = t.tokens_in
        if not t.input_includes_cache:
            tokens_in += t.cache_reads + t.cache_writes
        else:
            tokens_in = normalized_input_tokens(source, tokens_in, t.cache_reads, t.cache_writes)
        meta = TaskMeta(
            source,
            t.id,
            workspace=normalize_path(t.workspace) if t.workspace else None,
            mode=t.mode,
            parent_id=t.parent_task_id,
            root_id=t.root_task_id,
            profile=t.api_config_name,
            last_ts=t.ts,
            reported=Totals(
                cost=usd_to_pico(t.total_cost),
                tokens_in=tokens_in,
                tokens_out=t.tokens_out,
                cache_reads=t.cache_reads,
                cache_writes=t.cache_writes,
            ),
        )
        return [meta], []
    assert params.task_id is not None and params.requests is not None
    meta = TaskMeta(
        source,
        params.task_id,
        workspace=normalize_path(params.workspace) if params.workspace else None,
    )
    requests = []
    for r in params.requests:
        figures = (r.tokens_in, r.tokens_out, r.cache_reads, r.cache_writes, r.cost)
        cache_reads = r.cache_reads or 0
        cache_writes = r.cache_writes or 0
        tokens_in = r.tokens_in or 0
        if not r.input_includes_cache or tokens_in < cache_reads + cache_writes:
            tokens_in += cache_reads + cache_writes
        requests.append(
            RequestUsage(
                source,
                params.task_id,
                r.ts,
                kind=Kind.REQUEST,
                known=any(f is not None for f in figures),
                cost=usd_to_pico(r.cost or 0),
                tokens_in=tokens_in,
                tokens_out=r.tokens_out or 0,
                cache_reads=cache_reads,
                cache_writes=cache_writes,
                mode=r.mode,
                model=r.model,
            )
        )
    if requests:
        meta.first_ts = min(r.ts for r in requests)
        meta.last_ts = max(r.ts for r in requests)
    return [meta], requests
