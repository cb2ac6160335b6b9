"""The core's front door, shared by the CLI and the language server: one ledger, the importer
that feeds it from editor storage, and summary indexes per time zone."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import platformdirs

from roo_usage.importer import Importer, ImportReport, Progress
from roo_usage.ledger import Ledger, TaskKey
from roo_usage.records import RequestUsage, TaskMeta
from roo_usage.sources.discovery import (
    StorageFolder,
    default_storage_folders,
    sources_from_env,
    storage_folders_from,
)
from roo_usage.summary import Query, UsageIndex
from roo_usage.timezone import zone

HOME_ENV = "ROO_USAGE_HOME"
log = logging.getLogger("roo_usage")


def default_home() -> Path:
    """The ledger folder: ``$ROO_USAGE_HOME``, else the platform's user data folder."""
    env = os.environ.get(HOME_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir("roo-usage"))


def resolve_storages(explicit: Iterable[Path], use_defaults: bool) -> list[StorageFolder]:
    """Explicit folders (flags, then ``$ROO_USAGE_SOURCES``), then the editors' default folders."""
    found: dict[Path, StorageFolder] = {}
    from_env = sources_from_env()
    for path in from_env:
        if not path.is_dir():
            log.warning("$ROO_USAGE_SOURCES names a folder that does not exist: %s", path)
    for path in [*explicit, *from_env]:
        for storage in storage_folders_from(Path(path).expanduser().absolute()):
            found.setdefault(storage.path.resolve(), storage)
    if use_defaults:
        for storage in default_storage_folders():
            found.setdefault(storage.path.resolve(), storage)
    return list(found.values())


class Tracker:
    """A ledger plus its importer and summary indexes. One lock makes it safe to share between
    the server's event loop and its import thread."""

    def __init__(self, home: Path, storages: Iterable[StorageFolder], time_zone: str | None = None):
        self.lock = threading.RLock()  # the server scans in a worker thread
        self.ledger = Ledger.open(home)
        self.storages = list(storages)
        self.importer = Importer(self.ledger, self.storages, guard=self.lock)
        self.default_zone = zone(time_zone)
        self._indexes: dict[str, UsageIndex] = {}
        self.ledger.on_change = self._changed  # indexes follow every change as it happens
        self.ledger.summaries = self._checkpoints

    @property
    def revision(self) -> int:
        return self.ledger.revision

    def index(self, time_zone: str | None = None) -> UsageIndex:
        tz = zone(time_zone) if time_zone else self.default_zone
        with self.lock:
            index = self._indexes.get(tz.key)
            if index is None:
                index = self._indexes[tz.key] = UsageIndex(self.ledger.state, tz)
            else:
                index.rebind(self.ledger.state)
            return index

    def _changed(self, keys: set[TaskKey]) -> None:
        for index in self._indexes.values():
            if index.state is self.ledger.state:
                index.update(keys)
            else:
                index.rebind(self.ledger.state)

    def _checkpoints(self) -> dict[str, Any]:
        """Kept beside each snapshot, so the next start need not count every task again: the
        running totals of each time zone's index (the default zone's is built if needed)."""
        self.index()
        return {
            key: index.checkpoint()
            for key, index in self._indexes.items()
            if index.state is self.ledger.state and index.overall.consistent()
        }

    def refresh(self) -> bool:
        """Pick up other processes' updates. True when anything changed."""
        with self.lock:
            before = self.ledger.revision
            self.ledger.refresh()
            return self.ledger.revision != before

    def scan(
        self,
        *,
        wait: bool = True,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
        only: set[Path] | None = None,
    ) -> ImportReport:
        """Import changed task files (see ``Importer.scan``); safe from a worker thread."""
        return self.importer.scan(wait=wait, progress=progress, cancelled=cancelled, only=only)

    def record(
        self, tasks: Iterable[TaskMeta] = (), requests: Iterable[RequestUsage] = ()
    ) -> tuple[int, int, int]:
        """Upsert usage reported directly. Returns (revision, requests added, requests updated)."""
        with self.lock:
            result = self.ledger.commit(tasks, requests)
            return result.revision, result.requests_added, result.requests_updated

    def summary(self, query: Query, time_zone: str | None = None) -> dict[str, Any]:
        with self.lock:
            return self.index(time_zone).summarize(query)

    def today_totals(self) -> dict[str, Any]:
        """Today's totals in the default zone, over all workspaces."""
        with self.lock:
            return self.index().day_totals(datetime.now(self.default_zone).date())
