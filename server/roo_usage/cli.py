"""The ``roo-usage`` command: summary, import, sources, export, serve.

Exit codes: 0 success; 2 bad arguments; 3 the ledger cannot be used; 4 a given source folder
does not exist.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import orjson

from roo_usage import __version__
from roo_usage.cells import unattributed_usage
from roo_usage.importer import ImportReport
from roo_usage.ledger import LedgerError
from roo_usage.money import pico_to_text
from roo_usage.records import UNKNOWN_MODE, UNKNOWN_MODEL
from roo_usage.sources.discovery import storage_folders_from
from roo_usage.summary import Query
from roo_usage.timezone import parse_day, zone
from roo_usage.tracker import Tracker, default_home, resolve_storages
from roo_usage.views import render_summary

EXIT_USAGE = 2
EXIT_LEDGER = 3
EXIT_SOURCE = 4

DEMO_STORAGE = Path(__file__).parent / "demo" / "globalStorage"
BREAKDOWNS = {"mode": "byMode", "workspace": "byWorkspace", "model": "byModel", "day": "byDay"}

log = logging.getLogger("roo_usage")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--storage-dir",
        type=Path,
        help="ledger folder (default: $ROO_USAGE_HOME or the platform's user data folder)",
    )
    common.add_argument(
        "--source",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="an extension's global-storage folder, or a globalStorage folder (repeatable;"
        " also $ROO_USAGE_SOURCES)",
    )
    common.add_argument(
        "--no-default-sources",
        action="store_true",
        help="scan only --source / $ROO_USAGE_SOURCES folders, not the editors' default folders",
    )
    common.add_argument("--time-zone", help="IANA zone for days (default: this machine's)")
    common.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")

    parser = argparse.ArgumentParser(
        prog="roo-usage",
        description="What have I spent on AI? A persistent ledger of Roo Code, Kilo Code and"
        " Cline usage.",
    )
    parser.add_argument("--version", action="version", version=f"roo-usage {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    summary = sub.add_parser("summary", parents=[common], help="print total usage")
    summary.add_argument("--json", action="store_true", help="print the summary object as JSON")
    summary.add_argument(
        "--scope",
        choices=["all", "current"],
        help="all workspaces (default), or the current one(s); --workspace implies current",
    )
    summary.add_argument(
        "--workspace",
        action="append",
        default=[],
        metavar="PATH",
        help="workspace folder for --scope current (repeatable; default: this directory)",
    )
    summary.add_argument("--since", type=_day, metavar="YYYY-MM-DD")
    summary.add_argument("--until", type=_day, metavar="YYYY-MM-DD")
    summary.add_argument(
        "--by",
        action="append",
        choices=list(BREAKDOWNS),
        help="breakdowns to show (repeatable; default: mode and workspace)",
    )
    summary.add_argument("--no-scan", action="store_true", help="do not import before summing")
    summary.add_argument(
        "--demo", action="store_true", help="summarize the bundled demo data (separate ledger)"
    )

    sub.add_parser("import", parents=[common], help="import usage from editor storage now")
    sub.add_parser("sources", parents=[common], help="list the storage folders found")

    export = sub.add_parser("export", parents=[common], help="one row per request (CSV or JSON)")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--output", type=Path, help="file to write (default: stdout)")
    export.add_argument("--no-scan", action="store_true", help="do not import first")

    serve = sub.add_parser("serve", parents=[common], help="run the language server")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default)")
    serve.add_argument("--tcp", action="store_true", help="listen on TCP instead of stdio")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=2087)
    return parser


def _day(text: str) -> Any:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="roo-usage: %(message)s",
    )
    logging.getLogger("filelock").setLevel(logging.WARNING)
    if args.command == "serve":
        from roo_usage.lsp.server import run

        return run(args)
    problem = _usage_problem(args)
    if problem:
        print(f"roo-usage: {problem}", file=sys.stderr)
        return EXIT_USAGE
    bad_sources = [
        f"{p}: {'not found' if not p.exists() else 'not a folder'}"
        for p in args.source
        if not p.is_dir()
    ]
    if bad_sources:
        for text in bad_sources:
            print(f"roo-usage: source folder {text}", file=sys.stderr)
        return EXIT_SOURCE
    try:
        return COMMANDS[args.command](args)
    except LedgerError as exc:
        print(f"roo-usage: the ledger cannot be used: {exc}", file=sys.stderr)
        return EXIT_LEDGER
    except OSError as exc:  # the ledger folder: read-only, not a folder, no permission...
        where = exc.filename or _home(args)
        reason = exc.strerror or exc
        print(f"roo-usage: the ledger folder cannot be used: {where}: {reason}", file=sys.stderr)
        return EXIT_LEDGER
    except BrokenPipeError:
        return 0


def _usage_problem(args: argparse.Namespace) -> str | None:
    """Check and complete the arguments; returns what is wrong with them, if anything."""
    if args.time_zone is not None:
        try:
            zone(args.time_zone or "-")
        except ValueError as exc:
            return f"--time-zone: {exc}"
    args.source = [p.expanduser().absolute() for p in args.source]
    if args.storage_dir:
        args.storage_dir = args.storage_dir.expanduser().absolute()
    if args.command == "summary":
        if args.workspace and args.scope == "all":
            return "--workspace selects workspaces: use it with --scope current (or alone)"
        if args.scope is None:
            args.scope = "current" if args.workspace else "all"
        args.workspace = [w if "://" in w else os.path.abspath(w) for w in args.workspace]
        if args.since and args.until and args.since > args.until:
            return f"--since {args.since} is after --until {args.until}"
    return None


def _home(args: argparse.Namespace) -> Path:
    return args.storage_dir if args.storage_dir else default_home()


def _tracker(args: argparse.Namespace) -> Tracker:
    storages = resolve_storages(args.source, not args.no_default_sources)
    for path in args.source:
        if not any(s.path == path or path in s.path.parents for s in storages):
            hint = " (give the folder that contains tasks/)" if path.name == "tasks" else ""
            print(
                f"roo-usage: warning: no Roo Code, Kilo Code or Cline storage in {path}{hint}",
                file=sys.stderr,
            )
    return Tracker(_home(args), storages, args.time_zone)  # ledger warnings are logged


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty() and total >= 200:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        bar = "#" * filled + "-" * (width - filled)
        print(f"\rImporting [{bar}] {done}/{total} tasks", end=end, file=sys.stderr, flush=True)


def _report_skipped(report: ImportReport) -> None:
    for path, reason in report.skipped:
        print(f"roo-usage: skipped {path}: {reason}", file=sys.stderr)


def cmd_summary(args: argparse.Namespace) -> int:
    if args.demo:
        return _demo_summary(args)
    tracker = _tracker(args)
    if not tracker.storages and not tracker.ledger.state.tasks and not args.source:
        print(
            "roo-usage: no Roo Code, Kilo Code or Cline data found on this machine;"
            " showing the bundled demo data.",
            file=sys.stderr,
        )
        return _demo_summary(args)
    if not args.no_scan:
        report = tracker.scan(progress=_progress)
        _report_skipped(report)
    return _print_summary(tracker, args)


def _demo_summary(args: argparse.Namespace) -> int:
    """The demo uses its own ledger, so it never mixes with the user's real data."""
    home = _home(args) / "demo"
    tracker = Tracker(home, storage_folders_from(DEMO_STORAGE), args.time_zone)
    tracker.scan()
    return _print_summary(tracker, args)


def _print_summary(tracker: Tracker, args: argparse.Namespace) -> int:
    workspaces = args.workspace or ([str(Path.cwd())] if args.scope == "current" else [])
    query = Query(args.scope, workspaces, args.since, args.until)
    summary = tracker.summary(query)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        breakdowns = [BREAKDOWNS[b] for b in (args.by or ["mode", "workspace"])]
        sys.stdout.write(render_summary(summary, breakdowns))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    tracker = _tracker(args)
    if not tracker.storages:
        print("roo-usage: no storage folders found (see `roo-usage sources`)", file=sys.stderr)
    report = tracker.scan(progress=_progress)
    print(
        f"Imported from {len(report.sources)} folder(s): "
        f"{report.tasks_added} tasks added, {report.tasks_updated} updated, "
        f"{report.tasks_deleted} marked deleted; "
        f"{report.requests_added} requests added, {report.requests_updated} updated; "
        f"{report.files_scanned} task folder(s) read, {report.files_unchanged} unchanged; "
        f"{len(report.skipped)} skipped. Ledger revision {report.revision}."
    )
    for path, reason in report.skipped:
        print(f"  skipped {path}: {reason}")
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    storages = resolve_storages(args.source, not args.no_default_sources)
    if not storages:
        print("No storage folders found. Give one with --source DIR or $ROO_USAGE_SOURCES.")
        return 0
    for storage in storages:
        editor = f" ({storage.editor})" if storage.editor else ""
        tasks = storage.tasks_dir
        count = sum(1 for p in tasks.iterdir() if p.is_dir()) if tasks.is_dir() else 0
        print(f"{storage.source.value}{editor}: {storage.path}")
        print(f"    tasks: {tasks} ({count} task folders)")
        if storage.state_db:
            print(f"    history: {storage.state_db}")
    return 0


EXPORT_COLUMNS = [
    "source", "taskId", "ts", "time", "kind", "known", "workspace", "mode", "model",
    "cost", "tokensIn", "tokensOut", "cacheReads", "cacheWrites", "taskDeleted",
]  # fmt: skip


def export_rows(tracker: Tracker) -> list[dict[str, Any]]:
    """One row per usage entry, plus one per task for usage known only from its totals."""
    tz = tracker.default_zone
    rows: list[dict[str, Any]] = []
    for (source, task_id), task in sorted(tracker.ledger.state.tasks.items()):
        meta = task.meta
        common = {"source": source, "taskId": task_id, "workspace": meta.workspace or ""}
        deleted = meta.exists is False
        for r in sorted(task.requests.values(), key=lambda r: r.ts):
            rows.append(
                common
                | {
                    "ts": r.ts,
                    "time": datetime.fromtimestamp(r.ts / 1000, tz).isoformat(),
                    "kind": r.kind,
                    "known": r.known,
                    "mode": r.mode or UNKNOWN_MODE,
                    "model": r.model or meta.model or UNKNOWN_MODEL,
                    "cost": pico_to_text(r.cost),
                    "tokensIn": r.tokens_in,
                    "tokensOut": r.tokens_out,
                    "cacheReads": r.cache_reads,
                    "cacheWrites": r.cache_writes,
                    "taskDeleted": deleted,
                }
            )
        extra = unattributed_usage(task.requests.values(), meta)
        if any(extra):
            ts = meta.last_ts or meta.first_ts or 0
            rows.append(
                common
                | {
                    "ts": ts,
                    "time": datetime.fromtimestamp(ts / 1000, tz).isoformat(),
                    "kind": "unattributed",
                    "known": True,
                    "mode": meta.mode or UNKNOWN_MODE,
                    "model": meta.model or UNKNOWN_MODEL,
                    "cost": pico_to_text(extra[0]),
                    "tokensIn": extra[1],
                    "tokensOut": extra[2],
                    "cacheReads": extra[3],
                    "cacheWrites": extra[4],
                    "taskDeleted": deleted,
                }
            )
    return rows


def cmd_export(args: argparse.Namespace) -> int:
    tracker = _tracker(args)
    if not args.no_scan:
        _report_skipped(tracker.scan(progress=_progress))
    rows = export_rows(tracker)
    with contextlib.ExitStack() as stack:
        out: TextIO = sys.stdout
        if args.output:
            out = stack.enter_context(open(args.output, "w", newline="", encoding="utf-8"))
        if args.format == "json":
            out.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        else:
            writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    return 0


COMMANDS = {
    "summary": cmd_summary,
    "import": cmd_import,
    "sources": cmd_sources,
    "export": cmd_export,
}

__all__ = ["main"]
