"""The accounting rules: usage parsing, the per-record cache rule, deletion settlement."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roo_usage.accounting import (
    ROO_INCLUSIVE_SINCE_MS,
    RecordedUsage,
    condense_usage,
    normalized_input_tokens,
    parse_usage_text,
    recorded_usage,
    request_usage,
    settle_deletions,
    usage_number,
)
from roo_usage.money import usd_to_pico
from roo_usage.records import Kind, RequestUsage, Source

BEFORE = ROO_INCLUSIVE_SINCE_MS - 1  # 2025-10-31T23:59:59.999Z
AFTER = ROO_INCLUSIVE_SINCE_MS


USAGE_FIELDS = ["tokensIn", "tokensOut", "cacheReads", "cacheWrites", "cost"]


def usage_text(**fields: object) -> str:
    return json.dumps(fields)


# -- parsing ---------------------------------------------------------------------------------


def test_usage_text_that_is_not_a_json_object_reports_nothing() -> None:
    assert parse_usage_text(None) == {}
    assert parse_usage_text("") == {}
    assert parse_usage_text('{"tokensIn": 5, "cost"') == {}
    assert parse_usage_text("[1, 2]") == {}
    assert parse_usage_text("plain words") == {}


def test_missing_numeric_fields_count_as_zero() -> None:
    usage = recorded_usage({"tokensOut": 7})
    assert usage.known
    assert (usage.tokens_in, usage.tokens_out, usage.cache_reads, usage.cost) == (0, 7, 0, 0)


def test_record_without_any_usage_number_is_unknown() -> None:
    assert not recorded_usage({"apiProtocol": "openai", "request": "[request]"}).known
    assert not recorded_usage({"tokensIn": "12", "cost": None}).known


USAGE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(-1e6, 1e6),
    st.sampled_from([float("inf"), float("nan"), 0.5, 2.5, -0.5, "12", [1]]),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(USAGE_FIELDS), USAGE_VALUES))
def test_recorded_usage_follows_the_field_rules_for_any_values(record: dict[str, Any]) -> None:
    """The usual record (whole token counts) takes a shortcut: it must agree with the rules."""
    numbers = {name: usage_number(record.get(name)) for name in USAGE_FIELDS}
    if all(value is None for value in numbers.values()):
        assert recorded_usage(record) == RecordedUsage(known=False)
        return

    def tokens(name: str) -> int:
        value = numbers[name]
        return max(0, round(value)) if value is not None else 0

    cost = numbers["cost"]
    assert recorded_usage(record) == RecordedUsage(
        known=True,
        tokens_in=tokens("tokensIn"),
        tokens_out=tokens("tokensOut"),
        cache_reads=tokens("cacheReads"),
        cache_writes=tokens("cacheWrites"),
        cost=max(0, usd_to_pico(cost)) if cost is not None else 0,
    )


def test_cost_is_kept_as_recorded_with_float_artefacts() -> None:
    usage = recorded_usage({"tokensIn": 1, "cost": 0.058584000000000006})
    assert usage.cost == usd_to_pico("0.058584")


def test_zero_cost_with_tokens_is_a_known_free_request() -> None:
    entry = request_usage(
        Source.ROO, "t", AFTER, usage_text(apiProtocol="openai", tokensIn=900, tokensOut=40, cost=0)
    )
    assert entry.known and entry.cost == 0 and entry.tokens_in == 900


def test_all_zero_usage_is_known_zero_not_unknown() -> None:
    entry = request_usage(
        Source.ROO,
        "t",
        AFTER,
        usage_text(apiProtocol="openai", tokensIn=0, tokensOut=0, cost=0, cancelReason="x"),
    )
    assert entry.known and entry.cost == 0


def test_condense_counts_its_cost_without_tokens() -> None:
    usage = condense_usage({"summary": "...", "cost": 0.0123, "newContextTokens": 2100})
    assert usage.known and usage.cost == usd_to_pico("0.0123") and usage.tokens_in == 0
    assert not condense_usage({"summary": "..."}).known


# -- the cache rule --------------------------------------------------------------------------


def tokens_in(source: Source, ts: int, **record: object) -> int:
    return request_usage(source, "t", ts, usage_text(**record), provider_id=None).tokens_in


def test_roo_openai_protocol_input_already_includes_cache() -> None:
    record = {"apiProtocol": "openai", "tokensIn": 1000, "cacheReads": 800, "cacheWrites": 100}
    assert tokens_in(Source.ROO, BEFORE, **record) == 1000


def test_roo_anthropic_protocol_excludes_cache_before_3_29_5() -> None:
    record = {"apiProtocol": "anthropic", "tokensIn": 1000, "cacheReads": 800, "cacheWrites": 100}
    assert tokens_in(Source.ROO, BEFORE, **record) == 1900


def test_roo_anthropic_protocol_includes_cache_from_november_2025() -> None:
    record = {"apiProtocol": "anthropic", "tokensIn": 1000, "cacheReads": 800, "cacheWrites": 100}
    assert tokens_in(Source.ROO, AFTER, **record) == 1000


def test_roo_record_without_protocol_excludes_cache() -> None:
    assert tokens_in(Source.ROO, BEFORE, tokensIn=3, cacheWrites=16042) == 16045


def test_fewer_input_than_cache_tokens_forces_the_excluding_kind() -> None:
    record = {"apiProtocol": "openai", "tokensIn": 10, "cacheReads": 500, "cacheWrites": 20}
    assert tokens_in(Source.ROO, AFTER, **record) == 530


def test_cline_input_excludes_cache_except_for_openai_compatible_providers() -> None:
    text = usage_text(tokensIn=1000, cacheReads=800, cacheWrites=100)
    anthropic = request_usage(Source.CLINE, "t", AFTER, text, provider_id="anthropic")
    openai = request_usage(Source.CLINE, "t", AFTER, text, provider_id="openai")
    native = request_usage(Source.CLINE, "t", AFTER, text, provider_id="openai-native")
    unknown = request_usage(Source.CLINE, "t", AFTER, text, provider_id=None)
    assert anthropic.tokens_in == 1900
    assert openai.tokens_in == native.tokens_in == 1000
    assert unknown.tokens_in == 1900


def test_cline_deepseek_style_usage_adds_cache_to_zero_input() -> None:
    text = usage_text(tokensIn=0, cacheWrites=5000, cacheReads=20000, cost=0.0021)
    assert request_usage(Source.CLINE, "t", AFTER, text, provider_id="openai").tokens_in == 25000


def test_history_totals_include_cache_unless_clearly_excluded() -> None:
    assert normalized_input_tokens(Source.ROO, 48864, 26290, 17780) == 48864
    assert normalized_input_tokens(Source.ROO, 14, 46360, 17610) == 63984
    assert normalized_input_tokens(Source.CLINE, 90000, 100, 100) == 90200


# -- deletion settlement ---------------------------------------------------------------------


def entry(ts: int, kind: str = Kind.REQUEST, cost: str = "0", tokens: int = 0) -> RequestUsage:
    return RequestUsage(
        source=Source.ROO,
        task_id="t",
        ts=ts,
        kind=kind,
        cost=usd_to_pico(cost),
        tokens_in=tokens,
        tokens_out=tokens // 10,
        cache_reads=tokens // 2,
        cache_writes=tokens // 4,
    )


# The current file after a restore: messages 100 (task), 200 (request), 300 (checkpoint),
# then the marker at 900. Requests 400 and 600 were removed by the restore.
MESSAGE_TS = [100, 200, 300, 900]


def test_marker_counts_in_full_when_removed_requests_were_never_seen() -> None:
    marker = entry(900, Kind.DELETED, "0.05", 3000)
    settle_deletions([marker], {200: entry(200, cost="0.01", tokens=1000)}, MESSAGE_TS)
    assert marker.cost == usd_to_pico("0.05") and marker.tokens_in == 3000


def test_marker_counts_nothing_when_the_ledger_saw_every_removed_request() -> None:
    marker = entry(900, Kind.DELETED, "0.05", 3000)
    seen = {
        200: entry(200, cost="0.01", tokens=1000),
        400: entry(400, cost="0.02", tokens=1000),
        600: entry(600, cost="0.03", tokens=2000),
    }
    settle_deletions([marker], seen, MESSAGE_TS)
    assert (marker.cost, marker.tokens_in, marker.tokens_out) == (0, 0, 0)
    assert (marker.cache_reads, marker.cache_writes) == (0, 0)


def test_marker_keeps_the_part_the_ledger_did_not_see() -> None:
    marker = entry(900, Kind.DELETED, "0.05", 3000)
    settle_deletions([marker], {400: entry(400, cost="0.02", tokens=1000)}, MESSAGE_TS)
    assert marker.cost == usd_to_pico("0.03")
    assert (marker.tokens_in, marker.tokens_out, marker.cache_reads) == (2000, 200, 1000)


def test_requests_still_in_the_file_or_outside_the_removed_range_are_not_covered() -> None:
    marker = entry(900, Kind.DELETED, "0.05", 3000)
    seen = {
        200: entry(200, cost="0.01", tokens=1000),  # still in the file
        50: entry(50, cost="0.01", tokens=1000),  # before the checkpoint message
        950: entry(950, cost="0.01", tokens=1000),  # after the marker
    }
    settle_deletions([marker], seen, MESSAGE_TS)
    assert marker.cost == usd_to_pico("0.05")


def test_marker_never_goes_below_zero() -> None:
    marker = entry(900, Kind.DELETED, "0.03", 1000)
    seen = {
        400: entry(400, cost="0.0100000000001", tokens=1000),
        600: entry(600, cost="0.02", tokens=600),
    }
    settle_deletions([marker], seen, MESSAGE_TS)
    assert marker.cost == 0
    assert marker.tokens_in == 0


@pytest.mark.parametrize("kind", [Kind.REQUEST, Kind.CONDENSE, Kind.SUBAGENT])
def test_only_deletion_markers_are_settled(kind: str) -> None:
    other = entry(900, kind, "0.05", 3000)
    settle_deletions([other], {400: entry(400, cost="0.05", tokens=3000)}, MESSAGE_TS)
    assert other.cost == usd_to_pico("0.05")


def test_marker_cost_left_under_a_nano_dollar_is_float_dust() -> None:
    marker = entry(900, Kind.DELETED, "0.0300000000009", 1000)
    settle_deletions([marker], {400: entry(400, cost="0.03", tokens=1000)}, MESSAGE_TS)
    assert marker.cost == 0
