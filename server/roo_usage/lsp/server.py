"""The Roo Usage language server: a thin pygls face over the core's ``Tracker``.

It answers ``roo/usageSummary`` from the ledger at once, imports in a worker thread, watches the
ledger and the source task folders with file-system events, and pushes ``roo/usageChanged``
(coalesced) whenever the figures move, whoever moved them. Method names: ``protocol.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcServerNotInitialized
from pygls.lsp.server import LanguageServer

from roo_usage import __version__
from roo_usage.importer import ImportReport
from roo_usage.ledger import LedgerError
from roo_usage.lsp import protocol
from roo_usage.lsp.options import InitializationOptions, parse_options
from roo_usage.lsp.protocol import RecordUsageParams, SummaryParams, parse_params
from roo_usage.lsp.records import records_from_params
from roo_usage.lsp.watch import Watcher
from roo_usage.paths import normalize_path
from roo_usage.summary import Query
from roo_usage.timezone import zone
from roo_usage.tracker import Tracker, default_home, resolve_storages

log = logging.getLogger("roo_usage.server")

PUSH_MIN_INTERVAL_S = 0.25  # at most ~4 pushes a second, however busy the ledger is
PUSH_DELAY_S = 0.03  # gather a burst of events before pushing
SCAN_DEBOUNCE_S = 0.05
BUSY_RETRY_S = 1.0
PARENT_CHECK_S = 5.0


class RooUsageServer(LanguageServer):
    """Server state: the tracker, the current workspace, background work and pushes."""

    def __init__(self, cli_args: argparse.Namespace | None = None) -> None:
        super().__init__("roo-usage", __version__, converter_factory=protocol.plain_converter)
        self.cli_args = cli_args
        self.tracker: Tracker | None = None
        self.options = InitializationOptions()
        self.workspaces: list[str] = []
        self.client_pid: int | None = None
        self.watcher: Watcher | None = None
        self.background: set[asyncio.Task[Any]] = set()
        self.pending_folders: set[Path] = set()
        self.full_scan_pending = False
        self.scanning = False
        self.shutting_down = False
        self.got_shutdown = False
        self._push_handle: asyncio.TimerHandle | None = None
        self._scan_handle: asyncio.TimerHandle | None = None
        self._last_push = 0.0
        self._pushed: tuple[int, tuple[str, ...], str] | None = None
        self._reported_skips: set[str] = set()
        self.startup_problems: list[str] = []

    # ------------------------------------------------------------------ helpers

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    def spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    def say(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        """Log to stderr and the client's log."""
        log.log(logging.WARNING if kind <= types.MessageType.Warning else logging.INFO, message)
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def show_once(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        self.say(message, kind)
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def require_tracker(self) -> Tracker:
        if self.tracker is None:
            reason = "; ".join(self.startup_problems) or "initialize first"
            raise JsonRpcServerNotInitialized(message=f"no usable ledger: {reason}")
        return self.tracker

    # ------------------------------------------------------------------ lifecycle

    def start_tracker(self) -> list[str]:
        """Open the ledger and find sources from options and CLI flags. Returns problems."""
        args = self.cli_args
        problems: list[str] = []
        home = self.options.storage_dir or (
            args.storage_dir.expanduser() if args and args.storage_dir else default_home()
        )
        explicit = [*(args.source if args else []), *self.options.sources]
        use_defaults = self.options.scan_default_sources and not (args and args.no_default_sources)
        storages = resolve_storages(explicit, use_defaults)
        for path in explicit:
            if not path.exists():
                problems.append(f"source folder not found: {path}")
        time_zone = self.options.time_zone or (args.time_zone if args else None)
        try:
            self.tracker = Tracker(home, storages, time_zone)
        except (LedgerError, OSError) as exc:
            if self.options.storage_dir is None:
                raise
            problems.append(f"storageDir {home} cannot be used ({exc}); using the default folder")
            self.tracker = Tracker(default_home(), storages, time_zone)
        for warning in self.tracker.ledger.warnings:
            problems.append(warning)
        return problems

    def start_watching(self) -> None:
        tracker = self.require_tracker()
        loop = self.loop

        def ledger_changed() -> None:
            loop.call_soon_threadsafe(self.on_ledger_changed)

        def source_changed(path: Path) -> None:
            loop.call_soon_threadsafe(self.on_source_changed, path)

        try:
            self.watcher = Watcher(
                tracker.ledger.home,
                [s.tasks_dir for s in tracker.storages],
                ledger_changed,
                source_changed,
            )
            self.watcher.start()
            self.on_ledger_changed()  # anything committed before the watch began
        except OSError as exc:  # e.g. inotify limits: keep serving, without live updates
            self.say(f"cannot watch files ({exc}); figures update on roo/rescan only")
            self.watcher = None

    def stop_background(self) -> None:
        self.shutting_down = True
        for handle in (self._push_handle, self._scan_handle):
            if handle:
                handle.cancel()
        for task in list(self.background):
            task.cancel()
        if self.watcher:
            self.watcher.stop()
            self.watcher = None

    # ------------------------------------------------------------------ changes and pushes

    def on_ledger_changed(self) -> None:
        if self.tracker and not self.shutting_down and self.tracker.refresh():
            self.schedule_push()

    def on_source_changed(self, path: Path) -> None:
        if self.shutting_down or self.tracker is None:
            return
        for storage in self.tracker.storages:
            try:
                relative = path.relative_to(storage.tasks_dir)
            except ValueError:
                if path.is_relative_to(storage.path):
                    self.full_scan_pending = True  # history files (state/, _index.json, ...)
                continue
            if not relative.parts or relative.parts[0].startswith(("_", ".")):
                self.full_scan_pending = True
            else:
                folder = storage.tasks_dir / relative.parts[0]
                if folder.is_dir():
                    self.pending_folders.add(folder)
                else:
                    self.full_scan_pending = True  # a task folder deleted
        self.schedule_scan(SCAN_DEBOUNCE_S)

    def schedule_scan(self, delay: float) -> None:
        if self._scan_handle is None and not self.shutting_down:
            self._scan_handle = self.loop.call_later(delay, self._start_scan)

    def _start_scan(self) -> None:
        self._scan_handle = None
        if self.scanning:
            return  # the running scan reschedules when it ends
        if not (self.full_scan_pending or self.pending_folders):
            return
        only = None if self.full_scan_pending else set(self.pending_folders)
        self.full_scan_pending = False
        self.pending_folders.clear()
        self.spawn(self.scan(only=only))

    async def scan(
        self,
        *,
        only: set[Path] | None = None,
        token: types.ProgressToken | None = None,
        wait: bool = False,
    ) -> ImportReport:
        """Import in a worker thread; requests keep being answered meanwhile. With ``wait``,
        wait for another process's import to finish instead of leaving the work to it."""
        tracker = self.require_tracker()
        loop = self.loop
        self.scanning = True

        def progress(done: int, total: int) -> None:
            if token is not None:
                pct = int(100 * done / total) if total else 100
                value = types.WorkDoneProgressReport(
                    message=f"{done}/{total} tasks", percentage=pct
                )
                loop.call_soon_threadsafe(self.work_done_progress.report, token, value)

        try:
            report = await loop.run_in_executor(
                None,
                lambda: tracker.scan(
                    wait=wait,
                    progress=progress,
                    cancelled=lambda: self.shutting_down,
                    only=only,
                ),
            )
        finally:
            self.scanning = False
        if report.busy:  # another window is importing; its results reach us via the ledger
            if only is None:
                self.full_scan_pending = True
            else:
                self.pending_folders |= only
            self.schedule_scan(BUSY_RETRY_S)
        else:
            self.report_skipped(report)
            if self.full_scan_pending or self.pending_folders:
                self.schedule_scan(SCAN_DEBOUNCE_S)
        self.schedule_push()
        return report

    def report_skipped(self, report: ImportReport) -> None:
        for path, reason in report.skipped:
            if path not in self._reported_skips:
                self._reported_skips.add(path)
                self.say(f"skipped {path}: {reason}", types.MessageType.Warning)

    def schedule_push(self) -> None:
        if self._push_handle is not None or self.shutting_down:
            return
        wait = max(PUSH_DELAY_S, self._last_push + PUSH_MIN_INTERVAL_S - time.monotonic())
        self._push_handle = self.loop.call_later(wait, self.push)

    def push(self) -> None:
        self._push_handle = None
        tracker = self.tracker
        if tracker is None or self.shutting_down:
            return
        today = datetime.now(tracker.default_zone).date().isoformat()
        key = (tracker.revision, tuple(self.workspaces), today)
        if key == self._pushed:
            return
        self._pushed = key
        self._last_push = time.monotonic()
        self.protocol.notify(protocol.USAGE_CHANGED, self.changed_payload())

    def changed_payload(self) -> dict[str, Any]:
        tracker = self.require_tracker()
        return {
            "revision": tracker.revision,
            "timeZone": tracker.default_zone.key,
            "workspaces": self.workspaces,
            "all": tracker.summary(Query("all"))["totals"],
            "current": tracker.summary(Query("current", self.workspaces))["totals"],
            "today": tracker.today_totals(),
        }


def _folders_from(params: types.InitializeParams) -> list[str]:
    if params.workspace_folders:
        return [normalize_path(f.uri) for f in params.workspace_folders]
    if params.root_uri:
        return [normalize_path(params.root_uri)]
    if params.root_path:
        return [normalize_path(params.root_path)]
    return []


def build_server(cli_args: argparse.Namespace | None = None) -> RooUsageServer:
    """A server with every handler registered."""
    ls = RooUsageServer(cli_args)

    @ls.feature(types.INITIALIZE)
    def initialize(ls: RooUsageServer, params: types.InitializeParams) -> None:
        ls.client_pid = params.process_id
        ls.workspaces = _folders_from(params)
        ls.options, problems = parse_options(params.initialization_options)
        try:
            problems += ls.start_tracker()
        except (LedgerError, OSError) as exc:
            problems.append(f"the ledger cannot be used: {exc}")
        ls.startup_problems = problems

    @ls.feature(types.INITIALIZED)
    async def initialized(ls: RooUsageServer, params: types.InitializedParams) -> None:
        for problem in ls.startup_problems:
            ls.show_once(f"Roo Usage: {problem}")
        if ls.tracker is None:
            return
        ls.start_watching()
        ls.schedule_push()  # what the ledger already holds
        ls.full_scan_pending = True
        ls.schedule_scan(0)
        if ls.client_pid:
            ls.spawn(watch_parent(ls, ls.client_pid))

    @ls.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def folders_changed(ls: RooUsageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        removed = {normalize_path(f.uri) for f in params.event.removed}
        kept = [w for w in ls.workspaces if w not in removed]
        added = [normalize_path(f.uri) for f in params.event.added]
        ls.workspaces = kept + [w for w in added if w not in kept]
        ls.schedule_push()

    @ls.feature(protocol.USAGE_SUMMARY)
    def usage_summary(ls: RooUsageServer, params: Any) -> dict[str, Any]:
        tracker = ls.require_tracker()
        parsed = parse_params(SummaryParams, params)
        workspaces = parsed.workspaces
        if workspaces is None:
            workspaces = ls.workspaces if parsed.scope == "current" else []
        query = Query(parsed.scope, workspaces, parsed.since, parsed.until)
        return tracker.summary(query, parsed.time_zone)

    @ls.feature(protocol.RECORD_USAGE)
    def record_usage(ls: RooUsageServer, params: Any) -> dict[str, Any]:
        tracker = ls.require_tracker()
        parsed = parse_params(RecordUsageParams, params)
        metas, requests = records_from_params(parsed)
        revision, added, updated = tracker.record(metas, requests)
        ls.schedule_push()
        return {
            "revision": revision,
            "tasks": len(metas),
            "requestsAdded": added,
            "requestsUpdated": updated,
        }

    @ls.feature(protocol.RESCAN)
    async def rescan(ls: RooUsageServer, params: Any) -> dict[str, Any]:
        ls.require_tracker()
        token: types.ProgressToken | None = None
        capabilities = ls.client_capabilities.window
        if capabilities and capabilities.work_done_progress:
            token = str(uuid.uuid4())
            try:
                await ls.work_done_progress.create_async(token)
                ls.work_done_progress.begin(
                    token, types.WorkDoneProgressBegin(title="Roo Usage: importing", percentage=0)
                )
            except Exception:  # the client refused a token: scan without progress
                token = None
        try:
            report = await ls.scan(token=token, wait=True)
        finally:
            if token is not None:
                ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
        return report.to_json()

    @ls.feature(types.SHUTDOWN)
    def shutdown(ls: RooUsageServer, params: Any) -> None:
        ls.got_shutdown = True
        ls.stop_background()

    return ls


async def watch_parent(ls: RooUsageServer, pid: int) -> None:
    """Exit when the editor that started us is gone (no orphaned servers)."""
    while not ls.shutting_down:
        await asyncio.sleep(PARENT_CHECK_S)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            log.warning("the client process %d is gone; exiting", pid)
            ls.stop_background()
            os._exit(0)
        except PermissionError:
            pass  # exists, owned by someone else


class _ClientLogHandler(logging.Handler):
    """Forward warnings of the core (ledger recovery, ...) to the client's log."""

    def __init__(self, ls: RooUsageServer) -> None:
        super().__init__(logging.WARNING)
        self.ls = ls

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("roo_usage.server"):
            return  # already sent by `say`
        try:
            asyncio.get_running_loop()  # the protocol may only be used from the loop's thread
        except RuntimeError:
            return
        message = types.LogMessageParams(
            type=types.MessageType.Warning, message=self.format(record)
        )
        with contextlib.suppress(Exception):  # logging must never break the server
            self.ls.window_log_message(message)


def run(args: argparse.Namespace) -> int:
    """``roo-usage serve``: stdio by default, TCP on 127.0.0.1 with ``--tcp``."""
    logging.getLogger("pygls").setLevel(logging.WARNING)
    if args.time_zone:
        try:
            zone(args.time_zone)
        except ValueError as exc:
            log.error("--time-zone: %s", exc)
            return 2
    ls = build_server(args)
    logging.getLogger("roo_usage").addHandler(_ClientLogHandler(ls))
    if args.tcp:
        ls.start_tcp(args.host, args.port)
    else:
        ls.start_io()
    ls.stop_background()
    return 0 if ls.got_shutdown else 1
