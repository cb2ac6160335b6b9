"""The tracker keeps each time zone's running totals beside the ledger's snapshot, so a new
process starts from them (corrected by what changed since) instead of counting every task."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from roo_usage.summary import Query, UsageIndex
from roo_usage.tracker import Tracker
from tests.unit.helpers import meta, req

DAY_MS = 24 * 3600 * 1000
START = 1_767_225_600_000  # 2026-01-01T00:00Z


def _record_usage(tracker: Tracker, tasks: range) -> None:
    for t in tasks:
        tracker.record(
            [meta(f"t{t}", workspace=f"/w/{t % 3}", exists=t % 4 != 0)],
            [req(f"t{t}", START + t * DAY_MS // 3 + i, cost=t * 10 + i, mode="code")
             for i in range(3)],
        )  # fmt: skip


def _summaries(tracker: Tracker) -> list[dict[str, Any]]:
    return [
        tracker.summary(Query()),
        tracker.summary(Query("current", ["/w/1"])),
        tracker.summary(Query(since=None, until=None), "Asia/Kolkata"),
        tracker.today_totals(),
    ]


def _counted_afresh() -> Any:
    return patch.object(UsageIndex, "_count_all", side_effect=AssertionError("counted afresh"))


def test_a_new_process_resumes_from_the_totals_kept_with_the_snapshot(tmp_path: Path) -> None:
    first = Tracker(tmp_path, [], "UTC")
    _record_usage(first, range(12))
    first.ledger.compact()  # the snapshot keeps the UTC totals
    _record_usage(first, range(8, 20))  # more usage after it, in the journal only
    first.record([meta("t1", workspace="/w/elsewhere", exists=False)])
    with _counted_afresh():
        second = Tracker(tmp_path, [], "UTC")
        second.summary(Query())
    assert _summaries(second) == _summaries(first)


def test_a_zone_without_kept_totals_is_counted_afresh(tmp_path: Path) -> None:
    first = Tracker(tmp_path, [], "UTC")
    _record_usage(first, range(6))
    first.ledger.compact()
    second = Tracker(tmp_path, [], "America/New_York")
    with _counted_afresh(), pytest.raises(AssertionError, match="counted afresh"):
        second.summary(Query())


def test_an_unreadable_line_of_kept_totals_costs_only_a_fresh_count(tmp_path: Path) -> None:
    first = Tracker(tmp_path, [], "UTC")
    _record_usage(first, range(6))
    first.ledger.compact()
    path = first.ledger.snapshot_path
    lines = path.read_bytes().split(b"\n")
    assert lines[1].startswith(b'"summaries":')
    lines[1] = b'"summaries":{"UTC":{"revision":' + b"9" * 30 + b"},"
    path.write_bytes(b"\n".join(lines))
    second = Tracker(tmp_path, [], "UTC")
    assert second.ledger.warnings == []
    assert _summaries(second) == _summaries(first)
