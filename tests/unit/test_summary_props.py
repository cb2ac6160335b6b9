"""Property tests of summaries: every breakdown sums exactly to the totals, and the totals are
what the ledger holds (entries plus reported usage beyond them) within the query."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roo_usage.ledger import LedgerState
from roo_usage.money import usd_to_pico
from roo_usage.paths import normalize_path, path_key, within
from roo_usage.records import UNKNOWN_MODE, UNKNOWN_MODEL, RequestUsage, TaskMeta, Totals
from roo_usage.summary import Query, UsageIndex
from tests.unit.helpers import pico

COST_TOLERANCE_PICO = (
    1000  # reported cost beyond the entries by no more than this is a float artefact
)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ZONES = [
    "UTC",
    "America/New_York",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Australia/Lord_Howe",
]
# two weeks around a DST change and a year boundary
START = int(datetime(2025, 10, 28, tzinfo=ZoneInfo("UTC")).timestamp() * 1000)
SPAN_MS = 14 * 24 * 3600 * 1000
FIRST_DAY = date(2025, 10, 26)
LAST_DAY = date(2025, 11, 13)
WORKSPACES = [
    "/home/u/acme",
    "/home/u/acme/",
    "file:///home/u/acme/sub",
    "/home/u/acme-other",
    "/home/u/beta",
    "C:\\Users\\U\\Proj",
    "c:/users/u/proj/",
    "file:///c%3A/Users/U/Proj/inner",
]
FOLDERS = [*WORKSPACES, "/home/u", "/home", "C:/", "/nowhere"]
FIELDS = ("tokensIn", "tokensOut", "cacheReads", "cacheWrites", "requests", "unknownRequests")
KINDS = ["request", "request", "request", "condense", "deleted", "subagent"]

labels = st.none() | st.sampled_from(["code", "architect", "debug", "custom-mode"])
models = st.none() | st.sampled_from(["claude", "gpt", "qwen"])
tokens = st.integers(min_value=0, max_value=2_000_000)
cost = st.integers(min_value=0, max_value=5 * 10**12) | st.sampled_from([0, 1, 999, 1000, 1001])
stamp = st.integers(min_value=START, max_value=START + SPAN_MS)


@st.composite
def task_records(draw: st.DrawFn, index: int) -> tuple[TaskMeta, list[RequestUsage]]:
    task_id = f"t{index}"
    source = draw(st.sampled_from(["roo-code", "cline"]))
    reported = draw(st.none() | st.builds(Totals, cost, tokens, tokens, tokens, tokens))
    meta = TaskMeta(
        source,
        task_id,
        workspace=draw(st.none() | st.sampled_from(WORKSPACES)),
        mode=draw(labels),
        model=draw(models),
        first_ts=draw(st.none() | stamp),
        last_ts=draw(st.none() | stamp),
        exists=draw(st.none() | st.booleans()),
        reported=reported,
    )
    requests = []
    for ts in draw(st.lists(stamp, max_size=6, unique=True)):
        known = draw(st.booleans())
        requests.append(
            RequestUsage(
                source,
                task_id,
                ts,
                draw(st.sampled_from(KINDS)),
                known,
                draw(cost) if known else 0,
                draw(tokens),
                draw(tokens),
                draw(tokens),
                draw(tokens),
                draw(labels),
                draw(models),
            )
        )
    return meta, requests


@st.composite
def states(draw: st.DrawFn) -> LedgerState:
    state = LedgerState()
    for i in range(draw(st.integers(min_value=0, max_value=8))):
        meta, requests = draw(task_records(i))
        state.apply([meta], requests, None, i + 1)
    state.mode_names.update(
        draw(
            st.dictionaries(
                st.sampled_from(["code", "custom-mode"]), st.sampled_from(["💻 Code", "Custom"])
            )
        )
    )
    return state


days = st.none() | st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)
queries = st.builds(
    Query,
    scope=st.sampled_from(["all", "current"]),
    workspaces=st.lists(st.sampled_from(FOLDERS), max_size=3),
    since=days,
    until=days,
)


def expected_totals(state: LedgerState, query: Query, tz: ZoneInfo) -> dict[str, int]:
    """An independent reading of the ledger: what the summary's totals must be."""
    folder_keys = [path_key(w) for w in query.workspaces]
    out = dict.fromkeys(("cost", *FIELDS, "tasks", "deletedTasks"), 0)

    def in_range(ts: int) -> bool:
        day = datetime.fromtimestamp(ts / 1000, tz).date()
        return not ((query.since and day < query.since) or (query.until and day > query.until))

    for task in state.tasks.values():
        meta = task.meta
        if query.scope == "current":
            if meta.workspace is None:
                continue
            if not any(within(path_key(meta.workspace), f) for f in folder_keys):
                continue
        figures = dict.fromkeys(("cost", *FIELDS), 0)
        entries = list(task.requests.values())
        sums = [
            sum(getattr(r, f) for r in entries)
            for f in ("cost", "tokens_in", "tokens_out", "cache_reads", "cache_writes")
        ]
        for r in entries:
            if not in_range(r.ts):
                continue
            figures["cost"] += r.cost
            figures["tokensIn"] += r.tokens_in
            figures["tokensOut"] += r.tokens_out
            figures["cacheReads"] += r.cache_reads
            figures["cacheWrites"] += r.cache_writes
            if r.kind == "request":
                figures["requests"] += 1
                figures["unknownRequests"] += not r.known
        if meta.reported is not None:
            rep = meta.reported
            extra = [
                max(0, v - s)
                for v, s in zip(
                    (rep.cost, rep.tokens_in, rep.tokens_out, rep.cache_reads, rep.cache_writes),
                    sums,
                    strict=True,
                )
            ]
            if extra[0] <= COST_TOLERANCE_PICO:
                extra[0] = 0
            when = meta.last_ts or meta.first_ts or max(task.requests, default=0)
            if any(extra) and in_range(when):
                for name, value in zip(
                    ("cost", "tokensIn", "tokensOut", "cacheReads", "cacheWrites"),
                    extra,
                    strict=True,
                ):
                    figures[name] += value
        if figures["requests"] == 0 and not any(
            figures[f] for f in ("cost", "tokensIn", "tokensOut", "cacheReads", "cacheWrites")
        ):
            continue
        for name, value in figures.items():
            out[name] += value
        out["tasks"] += 1
        out["deletedTasks"] += meta.exists is False
    return out


def check_breakdowns(summary: dict[str, Any]) -> None:
    totals = summary["totals"]
    total_cost = Decimal(totals["costExact"])
    assert abs(totals["cost"] - float(total_cost)) <= 1e-9 * max(1.0, float(total_cost))
    for name in ("byMode", "byWorkspace", "byModel", "byDay"):
        rows = summary[name]
        assert sum((Decimal(row["costExact"]) for row in rows), Decimal(0)) == total_cost, name
        for field in FIELDS:
            assert sum(row[field] for row in rows) == totals[field], (name, field)
        for row in rows:
            assert 1 <= row["tasks"] <= totals["tasks"], name
        keys = [
            row[
                {"byMode": "mode", "byWorkspace": "workspace", "byModel": "model", "byDay": "day"}[
                    name
                ]
            ]
            for row in rows
        ]
        assert len(keys) == len(set(keys)), f"{name} repeats a key"
    assert sum(row["tasks"] for row in summary["byWorkspace"]) == totals["tasks"]
    assert totals["deletedTasks"] <= totals["tasks"]
    assert [row["day"] for row in summary["byDay"]] == sorted(
        row["day"] for row in summary["byDay"]
    )
    if summary["since"]:
        assert all(row["day"] >= summary["since"] for row in summary["byDay"])
    if summary["until"]:
        assert all(row["day"] <= summary["until"] for row in summary["byDay"])


@SETTINGS
@given(states(), st.lists(queries, min_size=1, max_size=4), st.sampled_from(ZONES))
def test_every_breakdown_sums_exactly_to_the_totals(
    state: LedgerState, query_list: list[Query], zone_name: str
) -> None:
    tz = ZoneInfo(zone_name)
    index = UsageIndex(state, tz)
    for query in query_list:
        summary = index.summarize(query)
        check_breakdowns(summary)
        expected = expected_totals(state, query, tz)
        actual = {name: summary["totals"][name] for name in expected if name != "cost"}
        actual["cost"] = pico(summary["totals"])
        assert actual == expected


@SETTINGS
@given(states(), st.sampled_from(ZONES))
def test_a_task_never_shows_less_than_its_extension_reported(
    state: LedgerState, zone_name: str
) -> None:
    summary = UsageIndex(state, ZoneInfo(zone_name)).summarize(Query())
    floor = {"cost": 0, "tokensIn": 0, "tokensOut": 0, "cacheReads": 0, "cacheWrites": 0}
    for task in state.tasks.values():
        rep = task.meta.reported or Totals()
        entries = list(task.requests.values())
        floor["cost"] += max(rep.cost - COST_TOLERANCE_PICO, sum(r.cost for r in entries))
        floor["tokensIn"] += max(rep.tokens_in, sum(r.tokens_in for r in entries))
        floor["tokensOut"] += max(rep.tokens_out, sum(r.tokens_out for r in entries))
        floor["cacheReads"] += max(rep.cache_reads, sum(r.cache_reads for r in entries))
        floor["cacheWrites"] += max(rep.cache_writes, sum(r.cache_writes for r in entries))
    totals = summary["totals"]
    assert pico(totals) >= floor["cost"]
    for name in ("tokensIn", "tokensOut", "cacheReads", "cacheWrites"):
        assert totals[name] >= floor[name]


@SETTINGS
@given(states(), states(), queries, st.sampled_from(ZONES))
def test_an_index_kept_current_from_change_sets_equals_a_fresh_one(
    first: LedgerState, second: LedgerState, query: Query, zone_name: str
) -> None:
    tz = ZoneInfo(zone_name)
    index = UsageIndex(first, tz)
    index.summarize(query)
    for task in second.tasks.values():  # more records arrive for some of the same tasks
        changed = first.apply([task.meta], list(task.requests.values()), None, first.revision + 1)
        index.update(changed)
    assert index.summarize(query) == UsageIndex(first, tz).summarize(query)


@SETTINGS
@given(states(), st.sampled_from(ZONES))
def test_days_split_a_range_exactly(state: LedgerState, zone_name: str) -> None:
    """The figures of [since, until] are the sum of those of its single days."""
    index = UsageIndex(state, ZoneInfo(zone_name))
    whole = index.summarize(Query(since=FIRST_DAY, until=LAST_DAY))
    day_costs = []
    requests = 0
    day = FIRST_DAY
    while day <= LAST_DAY:
        one = index.summarize(Query(since=day, until=day))["totals"]
        day_costs.append(pico(one))
        requests += one["requests"]
        day += timedelta(days=1)
    assert sum(day_costs) == pico(whole["totals"])
    assert requests == whole["totals"]["requests"]


def test_breakdowns_sum_exactly_with_float_artefact_costs() -> None:
    state = LedgerState()
    artefacts = [
        "0.058584000000000006",
        "0.1",
        "0.2",
        "0.30000000000000004",
        "0.022337999999999997",
    ]
    for i, text in enumerate(artefacts * 20):
        state.apply(
            [TaskMeta("roo-code", f"t{i % 7}", workspace=f"/w/{i % 3}")],
            [
                RequestUsage(
                    "roo-code",
                    f"t{i % 7}",
                    START + i * 3_600_000,
                    cost=usd_to_pico(float(text)),
                    mode=["code", "ask"][i % 2],
                )
            ],
            None,
            i + 1,
        )
    summary = UsageIndex(state, ZoneInfo("UTC")).summarize(Query())
    check_breakdowns(summary)
    expected = 20 * sum(usd_to_pico(float(t)) for t in artefacts)
    assert pico(summary["totals"]) == expected
    assert summary["totals"]["costExact"] == "13.61844"


def test_unknown_mode_and_model_are_their_own_rows() -> None:
    state = LedgerState()
    state.apply(
        [TaskMeta("roo-code", "t", workspace=normalize_path("/w"))],
        [
            RequestUsage("roo-code", "t", START, cost=5),
            RequestUsage("roo-code", "t", START + 1, cost=7, mode="code"),
        ],
        None,
        1,
    )
    summary = UsageIndex(state, ZoneInfo("UTC")).summarize(Query())
    by_mode = {row["mode"]: pico(row) for row in summary["byMode"]}
    assert by_mode == {UNKNOWN_MODE: 5, "code": 7}
    assert [row["model"] for row in summary["byModel"]] == [UNKNOWN_MODEL]


def _saved(index: UsageIndex) -> dict[str, Any]:
    """What a snapshot keeps for ``index``'s zone, as read back from its JSON."""
    return dict(orjson.loads(orjson.dumps({index.tz.key: index.checkpoint()})))


@SETTINGS
@given(states(), states(), st.lists(queries, min_size=1, max_size=3), st.sampled_from(ZONES))
def test_an_index_resumed_from_saved_totals_equals_a_fresh_count(
    first: LedgerState, second: LedgerState, query_list: list[Query], zone_name: str
) -> None:
    tz = ZoneInfo(zone_name)
    first.since_snapshot(_saved(UsageIndex(first, tz)))  # a snapshot is written
    for task in second.tasks.values():  # then more records for some of the same tasks
        first.apply([task.meta], list(task.requests.values()), None, first.revision + 1)
    with patch.object(UsageIndex, "_count_all", side_effect=AssertionError("counted afresh")):
        resumed = UsageIndex(first, tz)
    first.summaries = None
    fresh = UsageIndex(first, tz)
    assert resumed.overall.consistent() and fresh.overall.consistent()
    for query in query_list:
        assert resumed.summarize(query) == fresh.summarize(query)
    for day in (FIRST_DAY, date(2025, 11, 2), LAST_DAY):
        assert resumed.day_totals(day) == fresh.day_totals(day)


@pytest.mark.parametrize(
    "damage",
    [
        lambda saved: saved.update(revision=saved["revision"] + 1),  # of another state
        lambda saved: saved.update(version=saved["version"] + 1),  # counted another way
        lambda saved: saved["overall"].update(tasks=saved["overall"]["tasks"] + 1),
        lambda saved: saved["overall"]["totals"].append(1),
        lambda saved: saved["overall"].update(byDay="nonsense"),
        lambda saved: saved["overall"]["byMode"][0].__setitem__(1, -5),
        lambda saved: saved["overall"]["byMode"][0].__setitem__(0, "0ode"),  # no such mode
        lambda saved: saved["overall"]["totals"].__setitem__(0, 4),  # the tables say 5
        lambda saved: saved["overall"]["byDay"][0].__setitem__(0, "2025-13-45"),
        lambda saved: saved.update(midnights=saved["midnights"] + 1),  # other time-zone rules
    ],
)
def test_saved_totals_that_do_not_fit_are_ignored(damage: Any) -> None:
    state = LedgerState()
    state.apply(
        [TaskMeta("roo-code", "t", workspace="/w")],
        [RequestUsage("roo-code", "t", START, cost=5, mode="code")],
        None,
        1,
    )
    tz = ZoneInfo("UTC")
    saved = _saved(UsageIndex(state, tz))
    damage(saved["UTC"])
    state.since_snapshot(saved)
    state.apply([], [RequestUsage("roo-code", "t", START + 1, cost=2, mode="code")], None, 2)
    summary = UsageIndex(state, tz).summarize(Query())
    assert pico(summary["totals"]) == 7
    assert [(row["mode"], pico(row), row["tasks"]) for row in summary["byMode"]] == [("code", 7, 1)]
    assert summary["totals"]["tasks"] == 1


ranges = st.tuples(days, days).filter(lambda r: r != (None, None))


@SETTINGS
@given(states(), ranges, st.sampled_from(ZONES))
def test_a_first_date_range_walks_the_tasks_and_agrees_with_the_day_tables(
    state: LedgerState, day_range: tuple[date | None, date | None], zone_name: str
) -> None:
    index = UsageIndex(state, ZoneInfo(zone_name))
    query = Query(since=day_range[0], until=day_range[1])
    with patch.object(UsageIndex, "_build_days", side_effect=AssertionError("built day tables")):
        walked = index.summarize(query)
    build = UsageIndex._build_days
    with patch.object(UsageIndex, "_build_days", autospec=True, side_effect=build) as built:
        from_tables = index.summarize(query)  # a second range builds the tables
    assert built.called
    assert walked == from_tables
    check_breakdowns(walked)
