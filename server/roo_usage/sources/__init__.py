"""Readers of the extensions' storage: discovery of folders, task folders, HistoryItem lists.

Pure functions from files to :mod:`roo_usage.records` values; the scanner decides when to call
them and the ledger what to keep.
"""

from roo_usage.sources.discovery import (
    StorageFolder,
    default_storage_folders,
    sources_from_env,
    storage_folders_from,
)
from roo_usage.sources.history import history_item_meta, read_history
from roo_usage.sources.task_folder import UnreadableFile, read_task

__all__ = [
    "StorageFolder",
    "UnreadableFile",
    "default_storage_folders",
    "history_item_meta",
    "read_history",
    "read_task",
    "sources_from_env",
    "storage_folders_from",
]
