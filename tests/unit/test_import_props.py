"""Property tests of the import: re-importing is idempotent, and shortening a source file (as
an extension rewriting it, a crash, or a user's edit may do) never lowers a total."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roo_usage.importer import SCAN_STATE_NAME
from roo_usage.summary import Query
from roo_usage.tracker import Tracker
from tests.unit.helpers import EXPECTED, SAMPLES, assert_totals, copy_sample, pico, storages

SETTINGS = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SAMPLE_NAMES = ["roo", "cline", "real"]
FIGURES = ("tokensIn", "tokensOut", "cacheReads", "cacheWrites", "requests", "tasks")


def source_files(sample: str) -> list[str]:
    """Every file of a sample that an import reads, relative to the sample folder."""
    root = SAMPLES / sample
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.json") if p.is_file())


@contextmanager
def imported(sample: str) -> Iterator[tuple[Tracker, Path, Path]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = copy_sample(sample, Path(tmp) / "storage")
        home = Path(tmp) / "home"
        tracker = Tracker(home, storages(folder), "UTC")
        tracker.scan()
        yield tracker, folder, home


def figures(summary: dict[str, Any]) -> dict[str, int]:
    totals = summary["totals"]
    return {"cost": pico(totals)} | {name: totals[name] for name in FIGURES}


ACTIONS = ["rescan", "forget-scan-state", "touch", "reopen", "rewrite-same-bytes", "reformat"]


@SETTINGS
@given(st.sampled_from(SAMPLE_NAMES), st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=5))
def test_reimporting_unchanged_data_changes_nothing(sample: str, actions: list[str]) -> None:
    with imported(sample) as (tracker, folder, home):
        revision = tracker.revision
        summary = tracker.summary(Query())
        for action in actions:
            if action == "forget-scan-state":
                (home / SCAN_STATE_NAME).unlink(missing_ok=True)
            elif action == "touch":  # every file looks changed: all are read again
                for path in folder.rglob("*.json"):
                    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
            elif action == "reopen":  # a new process
                tracker = Tracker(home, storages(folder), "UTC")
            elif action == "rewrite-same-bytes":
                for path in folder.rglob("ui_messages.json"):
                    path.write_bytes(path.read_bytes())
            elif action == "reformat":  # same content, other spelling (pretty-printed)
                for path in folder.rglob("*.json"):
                    path.write_text(json.dumps(json.loads(path.read_text()), indent=2))
            report = tracker.scan()
            assert report.revision == revision, action
            assert (report.requests_added, report.requests_updated, report.tasks_added) == (0, 0, 0)
            assert tracker.summary(Query()) == summary, action


@st.composite
def truncations(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, float]]]:
    """A sample and a few cuts: (file, how, where as a fraction of its length)."""
    sample = draw(st.sampled_from(SAMPLE_NAMES))
    files = source_files(sample)
    cuts = draw(
        st.lists(
            st.tuples(
                st.sampled_from(files),
                st.sampled_from(["items", "bytes", "empty"]),
                st.floats(min_value=0, max_value=1),
            ),
            min_size=1,
            max_size=3,
        )
    )
    return sample, cuts


def shorten(path: Path, how: str, where: float) -> None:
    data = path.read_bytes()
    if how == "empty":
        path.write_bytes(b"")
    elif how == "bytes":
        path.write_bytes(data[: int(len(data) * where)])
    else:  # keep the first k items of the JSON array (or of its "entries"), still valid JSON
        try:
            value = json.loads(data)
        except ValueError:  # already cut into invalid JSON
            value = None
        items = value if isinstance(value, list) else (value or {}).get("entries")
        if not isinstance(items, list):
            path.write_bytes(data[: int(len(data) * where)])
            return
        del items[int(len(items) * where) :]
        path.write_text(json.dumps(value, separators=(",", ":")))


@SETTINGS
@given(truncations())
def test_shortening_source_files_never_lowers_a_total(
    case: tuple[str, list[tuple[str, str, float]]],
) -> None:
    sample, cuts = case
    with imported(sample) as (tracker, folder, home):
        full = figures(tracker.summary(Query()))
        originals = {name: (folder / name).read_bytes() for name, _, _ in cuts}
        before = full
        for name, how, where in cuts:
            shorten(folder / name, how, where)
            tracker.scan()
            after = figures(tracker.summary(Query()))
            for key, value in before.items():
                assert after[key] >= value, (
                    f"{key} fell from {value} to {after[key]} ({name} {how})"
                )
            before = after
        # a new process reading the same ledger agrees
        assert figures(Tracker(home, storages(folder), "UTC").summary(Query())) == before
        # the files come back whole: exactly the original totals, nothing counted twice
        for name, data in originals.items():
            (folder / name).write_bytes(data)
        tracker.scan()
        assert figures(tracker.summary(Query())) == full
        assert_totals(tracker.summary(Query())["totals"], EXPECTED[sample])
