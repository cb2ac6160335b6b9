"""Property tests of the merge rules: any order of the same records gives the same figures,
nothing is ever lowered, and replaying is harmless."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roo_usage.ledger import Ledger, LedgerState
from roo_usage.ledger.state import merge_meta, merge_request
from roo_usage.records import RequestUsage, TaskMeta, Totals
from tests.unit.helpers import ledger_requests

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

small = st.integers(min_value=0, max_value=1000)
label = st.none() | st.sampled_from(["code", "ask", "m1", "m2"])


@st.composite
def requests(draw: st.DrawFn) -> RequestUsage:
    known = draw(st.booleans())
    return RequestUsage(
        source=draw(st.sampled_from(["roo-code", "cline"])),
        task_id=draw(st.sampled_from(["a", "b"])),
        ts=draw(st.integers(min_value=0, max_value=3)),
        kind="request",
        known=known,
        cost=draw(small),
        tokens_in=draw(small),
        tokens_out=draw(small),
        cache_reads=draw(small),
        cache_writes=draw(small),
        mode=draw(label),
        model=draw(label),
    )


totals = st.builds(Totals, small, small, small, small, small)


@st.composite
def metas(draw: st.DrawFn) -> TaskMeta:
    opt_ts = st.none() | st.integers(min_value=0, max_value=10**6)
    return TaskMeta(
        source="roo-code",
        task_id=draw(st.sampled_from(["a", "b"])),
        workspace=draw(st.none() | st.sampled_from(["/w1", "/w2"])),
        mode=draw(label),
        first_ts=draw(opt_ts),
        last_ts=draw(opt_ts),
        exists=draw(st.none() | st.booleans()),
        reported=draw(st.none() | totals),
    )


def figures(r: RequestUsage) -> tuple[bool, int, int, int, int, int]:
    return (r.known, r.cost, r.tokens_in, r.tokens_out, r.cache_reads, r.cache_writes)


def expected_figures(versions: list[RequestUsage]) -> tuple[bool, int, int, int, int, int]:
    """Per-field max over the known versions; over the unknown ones when none is known."""
    known = [v for v in versions if v.known]
    pool = known or versions
    return (
        bool(known),
        *(
            max(getattr(v, f) for v in pool)
            for f in ("cost", "tokens_in", "tokens_out", "cache_reads", "cache_writes")
        ),
    )


def fold(records: list[RequestUsage]) -> dict[tuple[str, str, int], RequestUsage]:
    merged: dict[tuple[str, str, int], RequestUsage] = {}
    for r in records:
        result = merge_request(merged.get(r.key), r)
        if result is not None:
            merged[r.key] = result
    return merged


@SETTINGS
@given(st.lists(requests(), min_size=1, max_size=30), st.randoms(use_true_random=False))
def test_request_figures_do_not_depend_on_the_order_of_updates(
    records: list[RequestUsage], random: st.SearchStrategy
) -> None:
    shuffled = list(records)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    forward, backward, mixed = fold(records), fold(records[::-1]), fold(shuffled)
    assert forward.keys() == backward.keys() == mixed.keys()
    for key, merged in forward.items():
        versions = [r for r in records if r.key == key]
        assert figures(merged) == figures(backward[key]) == figures(mixed[key])
        assert figures(merged) == expected_figures(versions)
        # labels are the newest non-empty value, so some version's value (None only if all are)
        for attr in ("mode", "model"):
            values = {getattr(v, attr) for v in versions}
            assert getattr(merged, attr) in values
            assert getattr(merged, attr) is not None or values == {None}


@SETTINGS
@given(st.lists(requests(), min_size=1, max_size=30))
def test_merging_never_lowers_a_figure_and_replaying_changes_nothing(
    records: list[RequestUsage],
) -> None:
    merged: dict[tuple[str, str, int], RequestUsage] = {}
    for r in records:
        old = merged.get(r.key)
        new = merge_request(old, r)
        if new is None:
            continue
        if old is not None:
            assert not (old.known and not new.known)  # known never turns unknown
            if old.known == new.known:
                assert all(b >= a for a, b in zip(figures(old)[1:], figures(new)[1:], strict=True))
        merged[r.key] = new
    for r in records:  # replaying any record (even an older one) never moves a figure
        again = merge_request(merged[r.key], r)
        assert again is None or figures(again) == figures(merged[r.key])
    for value in merged.values():
        assert merge_request(value, value) is None
    # replaying the whole sequence in order (a journal read twice) changes nothing at all
    assert fold(records + records) == merged


@SETTINGS
@given(st.lists(metas(), min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_task_metadata_merges_widen_and_never_forget(
    records: list[TaskMeta], random: st.SearchStrategy
) -> None:
    def fold_meta(items: list[TaskMeta]) -> dict[tuple[str, str], TaskMeta]:
        out: dict[tuple[str, str], TaskMeta] = {}
        for m in items:
            old = out.get(m.key)
            new = merge_meta(old, m)
            if new is not None:
                if old is not None:  # monotonic at every step
                    for attr in ("workspace", "mode", "exists", "first_ts", "last_ts", "reported"):
                        assert getattr(old, attr) is None or getattr(new, attr) is not None
                out[m.key] = new
        return out

    shuffled = list(records)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    a, b = fold_meta(records), fold_meta(shuffled)
    assert a.keys() == b.keys()
    for key in a:
        versions = [m for m in records if m.key == key]
        firsts = [m.first_ts for m in versions if m.first_ts is not None]
        lasts = [m.last_ts for m in versions if m.last_ts is not None]
        reported = [m.reported for m in versions if m.reported is not None]
        for merged in (a[key], b[key]):
            assert merged.first_ts == (min(firsts) if firsts else None)
            assert merged.last_ts == (max(lasts) if lasts else None)
            if reported:
                assert merged.reported == Totals(
                    *(max(getattr(t, f) for t in reported) for f in Totals.__slots__)
                )
            else:
                assert merged.reported is None
            workspaces = {m.workspace for m in versions} - {None}
            assert merged.workspace in (workspaces or {None})
        for m in versions:  # replaying a record never moves times or reported totals
            again = merge_meta(a[key], m)
            if again is not None:
                assert (again.first_ts, again.last_ts, again.reported) == (
                    a[key].first_ts,
                    a[key].last_ts,
                    a[key].reported,
                )
                assert again.workspace is not None or a[key].workspace is None


@SETTINGS
@given(
    st.lists(st.lists(requests(), min_size=0, max_size=8), min_size=1, max_size=6),
    st.lists(st.lists(metas(), max_size=3), min_size=1, max_size=6),
)
def test_state_diff_then_apply_equals_applying_the_records(
    batches: list[list[RequestUsage]], meta_batches: list[list[TaskMeta]]
) -> None:
    """What ``commit`` writes (the diff) brings a state to the same place as the records."""
    direct, via_diff = LedgerState(), LedgerState()
    for revision, (batch, meta_batch) in enumerate(
        zip(batches, meta_batches + [[]] * len(batches), strict=False), start=1
    ):
        direct.apply(meta_batch, batch, None, revision)
        changes = via_diff.diff(meta_batch, batch)
        via_diff.apply(changes.tasks, changes.requests, None, revision)
        assert not via_diff.diff(meta_batch, batch)  # and then nothing is left to write
        assert not direct.diff(meta_batch, batch)
    assert direct.tasks.keys() == via_diff.tasks.keys()
    for key, task in direct.tasks.items():
        other = via_diff.tasks[key]
        assert {ts: figures(r) for ts, r in task.requests.items()} == {
            ts: figures(r) for ts, r in other.requests.items()
        }
        assert (task.meta.first_ts, task.meta.last_ts, task.meta.reported) == (
            other.meta.first_ts,
            other.meta.last_ts,
            other.meta.reported,
        )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(requests(), min_size=1, max_size=6), min_size=1, max_size=8),
    st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_commits_through_two_ledgers_in_any_order_give_the_merged_figures(
    batches: list[list[RequestUsage]], use_first: list[bool]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        ledgers = (Ledger.open(home), Ledger.open(home))
        revision = 0
        for batch, first in zip(batches, use_first, strict=False):
            result = ledgers[0 if first else 1].commit(requests=batch)
            assert result.revision in (revision, revision + 1)  # one revision per commit at most
            revision = result.revision
            again = ledgers[1 if first else 0].commit(requests=batch)
            assert again.revision == revision  # the same batch again changes nothing
            assert again.requests_added == again.requests_updated == 0
        fresh = Ledger.open(home)
        everything = [r for batch in batches for r in batch]
        stored = ledger_requests(fresh)
        assert stored.keys() == {r.key for r in everything}
        for key, value in stored.items():
            assert figures(value) == expected_figures([r for r in everything if r.key == key])
        assert fresh.revision == revision
