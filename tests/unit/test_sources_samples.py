"""The sample folders read to exactly the figures their READMEs state."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from roo_usage.accounting import settle_deletions
from roo_usage.money import usd_to_pico
from roo_usage.records import Kind, ParsedTask, RequestUsage, Source
from roo_usage.sources import read_history, read_task, storage_folders_from

PARENT = "019bb695-5a80-73a1-8c2e-4f9b07d15a6c"
CHILD = "019bb69b-07a0-71c5-a8e2-b4d6f80917e3"
MICRO_USD = 10**6  # pico-USD in 1e-6 USD


def read_folder(path: Path) -> dict[str, ParsedTask]:
    tasks = {}
    for storage in storage_folders_from(path):
        history = read_history(storage)
        for folder in sorted(storage.tasks_dir.iterdir()):
            if folder.is_dir() and not folder.name.startswith(("_", ".")):
                task = read_task(folder, storage.source, history.get(folder.name))
                settle_deletions(task.requests, {}, task.message_ts)
                tasks[folder.name] = task
    return tasks


def figures(entries: list[RequestUsage]) -> tuple[int, int, int, int, int]:
    return (
        sum(e.cost for e in entries),
        sum(e.tokens_in for e in entries),
        sum(e.tokens_out for e in entries),
        sum(e.cache_writes for e in entries),
        sum(e.cache_reads for e in entries),
    )


def requests(task: ParsedTask) -> list[RequestUsage]:
    return [e for e in task.requests if e.kind == Kind.REQUEST]


def test_roo_parent_requests_have_the_readme_figures_and_modes(samples: Path) -> None:
    task = read_folder(samples / "roo")[PARENT]
    rows = [
        (e.kind, e.mode, e.tokens_in, e.tokens_out, e.cache_writes, e.cache_reads, e.cost)
        for e in task.requests
    ]
    assert rows == [
        ("request", "architect", 12458, 812, 12040, 0, usd_to_pico("0.058584")),
        ("request", "architect", 16080, 455, 2210, 12040, usd_to_pico("0.0242145")),
        ("request", "code", 14986, 1320, 640, 14250, usd_to_pico("0.026763")),
        ("condense", "code", 0, 0, 0, 0, usd_to_pico("0.0123")),
        ("request", "code", 5340, 240, 2890, 0, usd_to_pico("0.0217875")),
    ]
    assert {e.model for e in task.requests} == {"anthropic/claude-sonnet-4.5"}
    assert task.mode_names == {"architect": "Architect", "code": "Code"}


def test_roo_parent_totals_match_its_history_item(samples: Path) -> None:
    task = read_folder(samples / "roo")[PARENT]
    total = figures(task.requests)
    assert total == (usd_to_pico("0.143649"), 48864, 2827, 17780, 26290)
    assert total[1] - total[3] - total[4] == 4794  # uncached input
    reported = task.meta.reported
    assert reported is not None
    assert (reported.cost, reported.tokens_in) == (usd_to_pico("0.143649"), 48864)


def test_roo_child_counts_cancelled_requests_with_zero_usage(samples: Path) -> None:
    task = read_folder(samples / "roo")[CHILD]
    assert [(e.tokens_in, e.cost, e.known) for e in task.requests] == [
        (9800, usd_to_pico("0.011508"), True),
        (0, 0, True),
        (0, 0, True),
        (10310, usd_to_pico("0.01083"), True),
    ]
    assert figures(task.requests) == (usd_to_pico("0.022338"), 20110, 808, 0, 18560)
    assert {e.mode for e in task.requests} == {"debug"}  # incl. the retry r4
    assert task.mode_names == {"debug": "Debug"}


def test_roo_child_meta_links_to_its_parent(samples: Path) -> None:
    meta = read_folder(samples / "roo")[CHILD].meta
    assert (meta.parent_id, meta.root_id, meta.mode) == (PARENT, PARENT, "debug")
    assert meta.workspace == "/home/dev/projects/acme-billing"
    assert meta.profile == "openrouter-mixed"
    assert meta.exists is True
    assert meta.storage == str(samples / "roo")
    assert (meta.first_ts, meta.last_ts) == (1768295174100, 1768295190900)


def test_roo_folder_totals_and_cost_per_request_mode(samples: Path) -> None:
    tasks = read_folder(samples / "roo")
    entries = [e for task in tasks.values() for e in task.requests]
    assert figures(entries) == (usd_to_pico("0.165987"), 68974, 3635, 17780, 44850)
    assert len(tasks) == 2
    assert sum(len(requests(task)) for task in tasks.values()) == 8
    by_mode: dict[str | None, int] = defaultdict(int)
    for e in entries:
        by_mode[e.mode] += e.cost
    assert by_mode == {
        "architect": usd_to_pico("0.0827985"),
        "code": usd_to_pico("0.0608505"),
        "debug": usd_to_pico("0.022338"),
    }


def test_cline_sample_counts_the_deletion_marker_and_plan_act_modes(samples: Path) -> None:
    (task,) = read_folder(samples / "cline").values()
    assert task.meta.source == Source.CLINE
    assert [e.kind for e in task.requests] == ["request", "request", "deleted", "request"]
    # input excludes cache in Cline's Anthropic records: 14 + 17610 + 46360
    assert figures(task.requests) == (usd_to_pico("0.1210125"), 63984, 2735, 17610, 46360)
    by_mode: dict[str | None, int] = defaultdict(int)
    for e in task.requests:
        by_mode[e.mode] += e.cost
    assert by_mode == {"plan": usd_to_pico("0.062859"), "act": usd_to_pico("0.0581535")}
    assert task.meta.workspace == "/home/dev/projects/acme-auth"
    assert task.meta.model == "claude-sonnet-4-5-20250929"


REAL = [
    # task id, cost, input incl. cache, output, cache reads, cache writes, requests, unknown
    ("1770482470358", "1.247611", 1111219, 11035, 1038797, 72182, 24, 0),
    ("187700e7-7712-4d52-a24b-f4882ca71ef9", "0.568659", 191206, 824, None, None, 4, 0),
    ("6a716972-c33f-444f-a8f2-613f03410ace", "0.06592275", 16044, 384, None, None, 1, 0),
    ("eaece8cc-d874-4e46-9330-52d772f31492", "0.06162525", 15794, 160, None, None, 1, 0),
    ("0199a0c4-5b1e-7000-8000-00000000c0de", "2.324234913", 2293053, 32273, 1654231, 0, 32, 1),
]


@pytest.mark.parametrize(
    ("task_id", "cost", "tokens_in", "tokens_out", "reads", "writes", "count", "unknown"), REAL
)
def test_real_task_files_give_the_expected_figures(
    samples: Path,
    task_id: str,
    cost: str,
    tokens_in: int,
    tokens_out: int,
    reads: int | None,
    writes: int | None,
    count: int,
    unknown: int,
) -> None:
    task = read_folder(samples / "real")[task_id]
    total = figures(task.requests)
    assert abs(total[0] - usd_to_pico(cost)) <= MICRO_USD
    assert (total[1], total[2]) == (tokens_in, tokens_out)
    if reads is not None:
        assert (total[4], total[3]) == (reads, writes)
    assert len(requests(task)) == count
    assert sum(not e.known for e in requests(task)) == unknown


def test_real_folder_totals(samples: Path) -> None:
    tasks = read_folder(samples / "real")
    entries = [e for task in tasks.values() for e in task.requests]
    assert len(tasks) == 5
    assert abs(figures(entries)[0] - usd_to_pico("4.268052913")) <= MICRO_USD
    assert sum(len(requests(task)) for task in tasks.values()) == 62
    assert sum(not e.known for e in entries) == 1


def test_real_tasks_without_metadata_have_unknown_workspace_and_roo_mode(samples: Path) -> None:
    tasks = read_folder(samples / "real")
    roo = tasks["187700e7-7712-4d52-a24b-f4882ca71ef9"]
    assert roo.meta.workspace is None
    assert {e.mode for e in roo.requests} == {None}
    assert {e.mode for e in tasks["1770482470358"].requests} == {"act"}
