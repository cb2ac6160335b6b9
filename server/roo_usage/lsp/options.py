"""``initializationOptions``, parsed once into a typed object.

A bad value never fails ``initialize``: it is reported (logged and shown once) and its default
is used, field by field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from roo_usage.paths import normalize_path
from roo_usage.timezone import zone


@dataclass
class InitializationOptions:
    storage_dir: Path | None = None
    sources: list[Path] = field(default_factory=list)
    scan_default_sources: bool = True
    time_zone: str | None = None


def parse_options(raw: Any) -> tuple[InitializationOptions, list[str]]:
    """The options, and one message per rejected value."""
    options = InitializationOptions()
    problems: list[str] = []
    if raw is None:
        return options, problems
    if not isinstance(raw, dict):
        return options, ["initializationOptions: expected an object; using defaults"]

    storage = raw.get("storageDir")
    if storage is not None:
        if isinstance(storage, str) and storage.strip():
            options.storage_dir = Path(normalize_path(storage)).expanduser()
        else:
            problems.append("storageDir: expected a folder path; using the default folder")

    sources = raw.get("sources")
    if sources is not None:
        if isinstance(sources, list) and all(isinstance(s, str) and s for s in sources):
            options.sources = [Path(normalize_path(s)).expanduser() for s in sources]
        else:
            problems.append("sources: expected a list of folder paths; ignoring it")

    scan_defaults = raw.get("scanDefaultSources")
    if scan_defaults is not None:
        if isinstance(scan_defaults, bool):
            options.scan_default_sources = scan_defaults
        else:
            problems.append("scanDefaultSources: expected true or false; using true")

    time_zone = raw.get("timeZone")
    if time_zone is not None:
        try:
            if not isinstance(time_zone, str):
                raise ValueError("expected an IANA zone name")
            zone(time_zone)
            options.time_zone = time_zone
        except ValueError as exc:
            problems.append(f"timeZone: {exc}; using this machine's zone")
    return options, problems
