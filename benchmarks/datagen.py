"""Deterministic synthetic data at heavy-user scale, in the real formats.

- :func:`ledger_dir` a ledger snapshot (tasks with their requests) written through the ledger's
  own generation writer, so the file is exactly what ``Ledger`` writes and reads.
- :func:`storage_dir` a Roo Code global-storage folder: ``tasks/<uuid>/{ui_messages.json,
  api_conversation_history.json, history_item.json}`` plus ``tasks/_index.json``, with bulky
  realistic text around the usage messages (see ``shared/formats/editor-storage.md``).

Both are cached under ``benchmarks/.cache/`` keyed by their parameters (and ``GENERATOR``, bumped
whenever the shape of the data changes). A cache entry is complete only once its ``done.json``
exists, so an interrupted generation is redone.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

GENERATOR = 1
CACHE = Path(__file__).resolve().parent / ".cache"
EXTENSION_ID = "rooveterinaryinc.roo-cline"
SOURCE = "roo-code"
END_DAY = date(2026, 1, 31)  # the last day of synthetic activity (data covers ~1 year before it)
DAY_MS = 86_400_000
STORAGE_PATH = "/home/dev/.config/Code/User/globalStorage/" + EXTENSION_ID

MODES = [
    ("code", "💻 Code", 50),
    ("architect", "🏗️ Architect", 15),
    ("ask", "❓ Ask", 10),
    ("debug", "🪲 Debug", 10),
    ("orchestrator", "🪃 Orchestrator", 8),
    ("docs-writer", "📝 Docs Writer", 4),
    ("reviewer", "🔍 Reviewer", 3),
]
MODELS = [
    ("anthropic/claude-sonnet-4.5", 40),
    ("anthropic/claude-opus-4.1", 8),
    ("openai/gpt-5", 15),
    ("openai/gpt-5-mini", 8),
    ("google/gemini-2.5-pro", 12),
    ("deepseek/deepseek-chat", 7),
    ("x-ai/grok-code-fast-1", 6),
    ("qwen/qwen3-coder", 4),
]
SIZE_CALIBRATION = 0.8  # message overhead and double-escaped tool JSON, measured
PROFILES = ["default", "anthropic-sonnet", "openrouter", "work-openai", "local"]
WORDS = [
    "the",
    "function",
    "returns",
    "value",
    "when",
    "config",
    "file",
    "path",
    "test",
    "error",
    "import",
    "const",
    "let",
    "async",
    "await",
    "class",
    "interface",
    "export",
    "default",
    "string",
    "number",
    "boolean",
    "undefined",
    "null",
    "array",
    "map",
    "filter",
    "reduce",
    "promise",
    "resolve",
    "reject",
    "module",
    "package",
    "build",
    "lint",
    "format",
    "cache",
    "token",
    "request",
    "response",
    "client",
    "server",
    "handler",
    "invoice",
    "total",
    "amount",
    "rounding",
    "ledger",
]


def end_ms() -> int:
    return (
        int(datetime(END_DAY.year, END_DAY.month, END_DAY.day, 23, 0, tzinfo=UTC).timestamp())
        * 1000
    )


def workspace_path(i: int) -> str:
    return f"/home/dev/projects/project-{i:03d}"


def uuid7(rng: random.Random, ms: int) -> str:
    """A UUIDv7-shaped id whose first 48 bits are ``ms`` (as Roo >= 3.41 writes them)."""
    hex_ = f"{ms:012x}" + f"7{rng.getrandbits(12):03x}" + f"{0x8000 | rng.getrandbits(14):04x}"
    hex_ += f"{rng.getrandbits(48):012x}"
    return f"{hex_[0:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:32]}"


def _weighted(rng: random.Random, table: list[tuple[Any, ...]]) -> Any:
    total = sum(row[-1] for row in table)
    x = rng.random() * total
    for row in table:
        x -= row[-1]
        if x < 0:
            return row
    return table[-1]


def _key(params: dict[str, Any]) -> str:
    blob = json.dumps({**params, "generator": GENERATOR}, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def writer_fingerprint() -> str:
    """A hash of the code that writes and shapes ledger files: a cached ledger is rewritten when
    that code changes, so it is always in the format the current code writes."""
    import roo_usage

    package = Path(roo_usage.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(
        [
            *package.glob("ledger/*.py"),
            *(package / name for name in ("records.py", "cells.py", "summary.py", "tracker.py")),
        ]
    ):
        if path.exists():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _cached(kind: str, params: dict[str, Any]) -> tuple[Path, bool]:
    """The cache folder for ``params`` and whether it is complete. Starting a new one removes
    older entries of the same kind and parameters written by other code (``writer``)."""
    path = CACHE / f"{kind}-{_key(params)}"
    done = path / "done.json"
    if done.exists():
        return path, True
    if path.exists():
        shutil.rmtree(path)
    stable = {k: v for k, v in params.items() if k != "writer"}
    for other in CACHE.glob(f"{kind}-*"):
        try:
            old = json.loads((other / "params.json").read_text())
        except (OSError, ValueError):
            continue
        if {k: v for k, v in old.items() if k != "writer"} == stable:
            shutil.rmtree(other, ignore_errors=True)
    path.mkdir(parents=True)
    (path / "params.json").write_text(json.dumps(params))
    return path, False


# ----------------------------------------------------------------------------- the ledger


@dataclass(frozen=True)
class LedgerSpec:
    tasks: int
    requests: int
    workspaces: int = 200
    days: int = 365
    seed: int = 5


def build_state(spec: LedgerSpec) -> Any:
    """A ``LedgerState`` with ``spec.tasks`` tasks holding exactly ``spec.requests`` requests."""
    from roo_usage.ledger.state import LedgerState, TaskState
    from roo_usage.records import RequestUsage, TaskMeta, Totals

    rng = random.Random(spec.seed)
    state = LedgerState()
    state.mode_names = {slug: name.split(" ", 1)[1] for slug, name, _ in MODES}
    last = end_ms()
    span = spec.days * DAY_MS
    mean = spec.requests // spec.tasks
    extra = spec.requests - mean * spec.tasks  # the first `extra` tasks get one more
    modes = [m[0] for m in MODES]
    mode_weights = [m[2] for m in MODES]
    models = [m[0] for m in MODELS]
    model_weights = [m[1] for m in MODELS]
    # pairs of tasks share 2*mean requests, split unevenly: an exact total, a realistic spread
    counts: list[int] = []
    for _ in range(spec.tasks // 2):
        d = rng.randint(-(mean - 1), mean - 1) if mean > 1 else 0
        counts += [mean + d, mean - d]
    if len(counts) < spec.tasks:
        counts.append(mean)
    for i in range(extra):
        counts[i] += 1
    for i, n in enumerate(counts):
        start = last - span + int(rng.random() * (span - 4 * 3_600_000))
        task_id = uuid7(rng, start)
        mode = rng.choices(modes, mode_weights)[0]
        model = rng.choices(models, model_weights)[0]
        requests: dict[int, RequestUsage] = {}
        ts = start + 1500
        sums = [0, 0, 0, 0, 0]
        for _ in range(n):
            ts += rng.randint(3_000, 240_000)
            if rng.random() < 0.1:
                mode = rng.choices(modes, mode_weights)[0]
            if rng.random() < 0.02:
                requests[ts] = RequestUsage(
                    SOURCE, task_id, ts, "request", False, mode=mode, model=model
                )
                continue
            cache_reads = rng.randint(0, 60_000)
            cache_writes = rng.randint(0, 8_000)
            tokens_in = cache_reads + cache_writes + rng.randint(50, 6_000)
            tokens_out = rng.randint(20, 4_000)
            cost = rng.randint(100_000_000, 90_000_000_000)  # $0.0001 .. $0.09 in pico-USD
            requests[ts] = RequestUsage(
                SOURCE,
                task_id,
                ts,
                "request",
                True,
                cost,
                tokens_in,
                tokens_out,
                cache_reads,
                cache_writes,
                mode,
                model,
            )
            sums[0] += cost
            sums[1] += tokens_in
            sums[2] += tokens_out
            sums[3] += cache_reads
            sums[4] += cache_writes
        meta = TaskMeta(
            SOURCE,
            task_id,
            workspace=workspace_path(int(rng.random() * spec.workspaces)),
            mode=mode,
            profile=PROFILES[i % len(PROFILES)],
            first_ts=start,
            last_ts=ts,
            exists=True,
            storage=STORAGE_PATH,
            reported=Totals(*sums),
        )
        state.tasks[meta.key] = TaskState(meta, requests)
    state.revision = 1
    return state


JOURNAL_UPDATES = 200  # requests whose figures grew after the last compaction


def write_ledger(home: Path, spec: LedgerSpec) -> dict[str, Any]:
    """A ledger in ``home`` as the product leaves it: a snapshot written by compaction in a
    tracker (so it keeps the UTC summary totals beside the tasks), then a journal of updates
    since. Generation 1 is written straight from a built state (no replay of 100k commits)."""
    from roo_usage.ledger import Ledger
    from roo_usage.ledger.files import ensure_private_dir
    from roo_usage.tracker import Tracker

    started = time.perf_counter()
    state = build_state(spec)
    built = time.perf_counter()
    ensure_private_dir(home)
    ledger = Ledger(home)
    ledger.state = state
    ledger._write_generation(1)  # the ledger's own snapshot writer (what compaction uses)
    tracker = Tracker(home, [], "UTC")
    tracker.ledger.compact()  # generation 2, with the totals the tracker keeps beside it
    rng = random.Random(spec.seed + 1)
    tasks = list(tracker.ledger.state.tasks.values())
    for _ in range(JOURNAL_UPDATES):
        task = rng.choice(tasks)
        last = max(task.requests.values(), key=lambda r: r.ts)
        grown = replace(last, tokens_out=last.tokens_out + 100, cost=last.cost + 1_500_000_000)
        tracker.record([], [grown])
    info = {
        "tasks": len(tracker.ledger.state.tasks),
        "requests": sum(len(t.requests) for t in tracker.ledger.state.tasks.values()),
        "snapshot_bytes": (home / "ledger.json").stat().st_size,
        "journal_updates": JOURNAL_UPDATES,
        "build_s": round(built - started, 2),
        "write_s": round(time.perf_counter() - built, 2),
    }
    return info


def ledger_dir(spec: LedgerSpec, log: Any = print) -> tuple[Path, dict[str, Any]]:
    """The cached ledger folder for ``spec`` (generated on first use). Copy it before writing."""
    path, ready = _cached("ledger", asdict(spec) | {"writer": writer_fingerprint()})
    home = path / "ledger"
    if not ready:
        log(f"  generating ledger: {spec.tasks:,} tasks / {spec.requests:,} requests ...")
        info = write_ledger(home, spec)
        (path / "done.json").write_text(json.dumps(info))
        log(
            f"  ... done in {info['build_s'] + info['write_s']:.1f} s "
            f"({info['snapshot_bytes'] / 1e6:.0f} MB snapshot)"
        )
    return home, json.loads((path / "done.json").read_text())


def copy_ledger(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True, mode=0o700)
    for name in ("ledger.json", "journal.jsonl"):
        shutil.copyfile(src / name, dst / name)
        os.chmod(dst / name, 0o600)
    return dst


# ----------------------------------------------------------------------------- the storage


@dataclass(frozen=True)
class StorageSpec:
    folders: int
    total_bytes: int
    workspaces: int = 200
    days: int = 365
    seed: int = 7


def _pool_text(seed: int, size: int = 1 << 21) -> str:
    """Text that looks like what tasks carry: prose, code, paths, JSON-ish bits, some unicode."""
    rng = random.Random(seed)
    parts: list[str] = []
    length = 0
    while length < size:
        kind = rng.random()
        if kind < 0.45:
            line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 16))).capitalize() + "."
        elif kind < 0.8:
            indent = "\t" if rng.random() < 0.2 else "    " * rng.randint(0, 3)
            name = rng.choice(WORDS)
            n, call, folder, key, value = (
                rng.randint(0, 99), rng.choice(WORDS), rng.choice(WORDS), rng.choice(WORDS),
                rng.randint(0, 9999),
            )  # fmt: skip
            line = f'{indent}const {name}{n} = await {call}("{folder}/{name}.ts", '
            line += f'{{ "{key}": {value} }});'
        elif kind < 0.95:
            a, b, row, col, code, word = (
                rng.choice(WORDS), rng.choice(WORDS), rng.randint(1, 900), rng.randint(1, 80),
                rng.randint(1000, 9999), rng.choice(WORDS),
            )  # fmt: skip
            line = f"src/{a}/{b}.ts:{row}:{col} - error TS{code}: '{word}' is not assignable \\ ok"
        else:
            line = f"✓ {rng.choice(WORDS)} passed — {rng.randint(1, 500)} ms ⚡"
        parts.append(line)
        length += len(line) + 1
    return "\n".join(parts)


class _Bulk:
    def __init__(self, seed: int) -> None:
        self.text = _pool_text(seed)
        # JSON escaping makes text longer on disk; aim at on-disk sizes
        self.expansion = len(orjson.dumps(self.text)) / len(self.text)

    def take(self, rng: random.Random, disk_bytes: float) -> str:
        n = max(16, int(disk_bytes / self.expansion))
        n = min(n, len(self.text) - 1)
        at = rng.randrange(0, len(self.text) - n)
        return self.text[at : at + n]


def _env_details(slug: str, name: str, model: str, when: int) -> str:
    iso = datetime.fromtimestamp(when / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return (
        "<environment_details>\n# VSCode Visible Files\nsrc/index.ts\n\n# VSCode Open Tabs\n"
        "src/index.ts,src/ledger.ts,tests/ledger.spec.ts\n\n# Current Time\n"
        f"Current time in ISO 8601 UTC format: {iso}\nUser time zone: Europe/Berlin, UTC+1:00\n\n"
        f"# Current Cost\n$0.00\n\n# Current Mode\n<slug>{slug}</slug>\n<name>{name}</name>\n"
        f"<model>{model}</model>\n</environment_details>"
    )


def _make_task(
    spec: StorageSpec, index: int, bulk: _Bulk
) -> tuple[str, dict[str, bytes], dict[str, Any]]:
    """One task folder's files and its HistoryItem."""
    rng = random.Random(spec.seed * 1_000_003 + index)
    span = spec.days * DAY_MS
    start = end_ms() - span + int(rng.random() * (span - 6 * 3_600_000))
    task_id = uuid7(rng, start)
    n_req = rng.randint(4, 30)
    # task sizes vary (lognormal), averaging total_bytes / folders
    size = spec.total_bytes / spec.folders * rng.lognormvariate(0, 0.6) / 1.197 * SIZE_CALIBRATION
    per_req = size / n_req
    workspace = workspace_path(int(rng.random() * spec.workspaces))
    mode = _weighted(rng, MODES)
    model = _weighted(rng, MODELS)[0]
    protocol = (
        "openai"
        if model.startswith(("openai", "google", "x-ai", "qwen", "deepseek"))
        else "anthropic"
    )
    prompt = bulk.take(rng, rng.randint(80, 600))

    ts = start
    ui: list[dict[str, Any]] = [
        {"ts": ts, "type": "say", "say": "text", "text": prompt, "images": []}
    ]
    api: list[dict[str, Any]] = []
    totals = {"tokensIn": 0, "tokensOut": 0, "cacheWrites": 0, "cacheReads": 0, "totalCost": 0.0}
    for k in range(n_req):
        ts += rng.randint(1_500, 9_000)
        if k and rng.random() < 0.08:  # a mode switch the model asked for
            new_mode = _weighted(rng, MODES)
            ui.append(
                {
                    "ts": ts,
                    "type": "ask",
                    "ask": "tool",
                    "partial": False,
                    "text": orjson.dumps(
                        {"tool": "switchMode", "mode": new_mode[0], "reason": "next step"}
                    ).decode(),
                }
            )
            mode = new_mode
            ts += rng.randint(500, 3_000)
        req_ts = ts
        usage: dict[str, Any] = {"apiProtocol": protocol}
        if rng.random() > 0.02:  # 2%: usage never written (unknown)
            reads = rng.randint(0, 60_000)
            writes = rng.randint(0, 8_000)
            usage |= {
                "tokensIn": reads + writes + rng.randint(50, 6_000),
                "tokensOut": rng.randint(20, 4_000),
                "cacheWrites": writes,
                "cacheReads": reads,
                "cost": rng.randint(100, 90_000) / 1_000_000 + 1e-17 * rng.random(),
            }
            for name in ("tokensIn", "tokensOut", "cacheWrites", "cacheReads"):
                totals[name] += usage[name]
            totals["totalCost"] += usage["cost"]
        ui.append(
            {
                "ts": req_ts,
                "type": "say",
                "say": "api_req_started",
                "text": orjson.dumps(usage).decode(),
            }
        )
        # the model's answer and a tool round-trip: most of a task's bytes
        ts += rng.randint(2_000, 30_000)
        ui.append(
            {
                "ts": ts,
                "type": "say",
                "say": "text",
                "partial": False,
                "text": bulk.take(rng, per_req * 0.45 * 0.35),
            }
        )
        ts += rng.randint(200, 2_000)
        if rng.random() < 0.5:
            tool = {
                "tool": "readFile",
                "path": f"src/{rng.choice(WORDS)}.ts",
                "isOutsideWorkspace": False,
                "content": bulk.take(rng, per_req * 0.45 * 0.65),
            }
            ui.append(
                {
                    "ts": ts,
                    "type": "ask",
                    "ask": "tool",
                    "partial": False,
                    "text": orjson.dumps(tool).decode(),
                    "isAnswered": True,
                }
            )
        else:
            ui.append(
                {
                    "ts": ts,
                    "type": "ask",
                    "ask": "command",
                    "partial": False,
                    "text": f"npm test -- {rng.choice(WORDS)}",
                }
            )
            ui.append(
                {
                    "ts": ts + 5,
                    "type": "say",
                    "say": "command_output",
                    "text": bulk.take(rng, per_req * 0.45 * 0.65),
                }
            )
        if rng.random() < 0.03:
            ts += 1_000
            ui.append(
                {
                    "ts": ts,
                    "type": "say",
                    "say": "condense_context",
                    "contextCondense": {
                        "summary": bulk.take(rng, 800),
                        "cost": rng.randint(1000, 20000) / 1e6,
                        "newContextTokens": 2100,
                        "prevContextTokens": 95_000,
                    },
                }
            )
        # the API conversation: the user turn that carries this request's mode, then the reply
        user_text = (
            f"<task>\n{prompt}\n</task>"
            if k == 0
            else "[read_file for 'src/x.ts'] Result:\n" + bulk.take(rng, per_req * 0.55 * 0.7)
        )
        api.append(
            {
                "role": "user",
                "ts": req_ts + 20,
                "content": [
                    {"type": "text", "text": user_text},
                    {"type": "text", "text": _env_details(mode[0], mode[1], model, req_ts)},
                ],
            }
        )
        api.append(
            {
                "role": "assistant",
                "ts": req_ts + 900,
                "content": [{"type": "text", "text": bulk.take(rng, per_req * 0.55 * 0.3)}],
            }
        )
    ts += rng.randint(1_000, 5_000)
    ui.append(
        {"ts": ts, "type": "say", "say": "completion_result", "partial": False, "text": "Done."}
    )
    ui.append({"ts": ts + 10, "type": "ask", "ask": "completion_result", "text": ""})

    ui_bytes = orjson.dumps(ui)
    api_bytes = orjson.dumps(api)
    item = {
        "id": task_id,
        "number": index + 1,
        "ts": ts + 10,
        "task": prompt[:200],
        **totals,
        "size": len(ui_bytes) + len(api_bytes),
        "workspace": workspace,
        "mode": mode[0],
        "apiConfigName": PROFILES[index % len(PROFILES)],
        "status": "completed",
    }
    files = {
        "ui_messages.json": ui_bytes,
        "api_conversation_history.json": api_bytes,
        "history_item.json": orjson.dumps(item),
    }
    return task_id, files, item


def _write_chunk(args: tuple[StorageSpec, str, int, int]) -> tuple[list[dict[str, Any]], int]:
    spec, tasks_dir, first, last = args
    bulk = _Bulk(spec.seed)
    items = []
    size = 0
    for index in range(first, last):
        task_id, files, item = _make_task(spec, index, bulk)
        folder = Path(tasks_dir) / task_id
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
            size += len(data)
        items.append(item)
    return items, size


def storage_dir(spec: StorageSpec, log: Any = print) -> tuple[Path, dict[str, Any]]:
    """The cached extension folder (``.../rooveterinaryinc.roo-cline``) for ``spec``.

    Treat it as read-only: benchmarks work on a hard-linked copy (:func:`link_copy`) and replace
    files by rename, as the extension does, so the cached files never change.
    """
    path, ready = _cached("storage", asdict(spec))
    extension = path / "globalStorage" / EXTENSION_ID
    if not ready:
        log(
            f"  generating storage: {spec.folders:,} task folders,"
            f" ~{spec.total_bytes / 1e6:,.0f} MB ..."
        )
        started = time.perf_counter()
        tasks_dir = extension / "tasks"
        tasks_dir.mkdir(parents=True)
        workers = max(1, min(os.cpu_count() or 1, 4))
        chunk = max(1, min(500, spec.folders // (workers * 4) or 1))
        jobs = [
            (spec, str(tasks_dir), a, min(a + chunk, spec.folders))
            for a in range(0, spec.folders, chunk)
        ]
        items: list[dict[str, Any]] = []
        size = 0
        with ProcessPoolExecutor(workers) as pool:
            for chunk_items, chunk_size in pool.map(_write_chunk, jobs):
                items.extend(chunk_items)
                size += chunk_size
        items.sort(key=lambda item: item["ts"])
        index = orjson.dumps({"version": 1, "updatedAt": end_ms(), "entries": items})
        (tasks_dir / "_index.json").write_bytes(index)
        info = {
            "folders": spec.folders,
            "task_file_bytes": size,
            "index_bytes": len(index),
            "generate_s": round(time.perf_counter() - started, 1),
        }
        (path / "done.json").write_text(json.dumps(info))
        log(f"  ... done in {info['generate_s']:.0f} s ({size / 1e6:,.0f} MB of task files)")
    return extension, json.loads((path / "done.json").read_text())


def link_copy(src: Path, dst: Path) -> Path:
    """A hard-linked copy of a storage folder (fast, no extra space; replace files by rename)."""
    shutil.copytree(src, dst, copy_function=os.link)
    return dst


def last_days(n: int) -> tuple[date, date]:
    """The last ``n`` days of synthetic activity, for by-day summaries."""
    return END_DAY - timedelta(days=n - 1), END_DAY
