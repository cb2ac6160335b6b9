"""File-system events (not polling) for the ledger folder and the source task folders.

watchdog's observer thread only records what changed; the callbacks hop onto the server's
event loop, where the coalescing happens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

log = logging.getLogger("roo_usage.watch")

# Only changes. Subscribing to opens and reads too (watchdog's default) overflows the kernel's
# event queue on a storage of thousands of tasks, and lost events mean late or missing pushes.
CHANGES: list[type[FileSystemEvent]] = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileClosedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    DirCreatedEvent,
    DirMovedEvent,
    DirDeletedEvent,
]


class _Handler(FileSystemEventHandler):
    def __init__(self, on_change: Callable[[Path], None], ignore: Callable[[Path], bool]) -> None:
        self.on_change = on_change
        self.ignore = ignore

    def on_any_event(self, event: FileSystemEvent) -> None:
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                path = Path(raw if isinstance(raw, str) else raw.decode())
                if not self.ignore(path):
                    self.on_change(path)


class Watcher:
    """Watches the ledger folder and each storage folder's ``tasks`` tree."""

    def __init__(
        self,
        ledger_dir: Path,
        task_dirs: list[Path],
        on_ledger_change: Callable[[], None],
        on_source_change: Callable[[Path], None],
    ) -> None:
        self._observer = Observer()
        self._observer.daemon = True
        ledger_handler = _Handler(
            lambda _path: on_ledger_change(), lambda p: p.name != "journal.jsonl"
        )
        self._observer.schedule(
            ledger_handler, str(ledger_dir), recursive=False, event_filter=CHANGES
        )
        source_handler = _Handler(on_source_change, lambda p: p.name.startswith("."))
        self.watched: list[Path] = []
        for folder in task_dirs:
            # Watch the storage folder itself when its tasks folder does not exist yet.
            target = folder if folder.is_dir() else folder.parent
            if target.is_dir():
                self._observer.schedule(
                    source_handler, str(target), recursive=True, event_filter=CHANGES
                )
                self.watched.append(target)
            else:
                log.info("not watching %s (missing)", folder)

    def start(self) -> None:
        self._observer.start()

    def stop(self) -> None:
        self._observer.stop()
        self._observer.join(timeout=2)
