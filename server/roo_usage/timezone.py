"""Time zones: the user's own zone by IANA name, and days as ``YYYY-MM-DD``."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def local_zone_name() -> str:
    """The machine's IANA zone: ``$TZ``, else the ``/etc/localtime`` link, else ``UTC``."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz:
        return tz
    try:
        target = os.readlink("/etc/localtime")
        marker = "zoneinfo/"
        if marker in target:
            return target.split(marker, 1)[1]
    except OSError:
        pass
    timezone_file = Path("/etc/timezone")
    if timezone_file.exists():
        name = timezone_file.read_text().strip()
        if name:
            return name
    return "UTC"


def zone(name: str | None = None) -> ZoneInfo:
    """The zone called ``name`` (default: the machine's). Raises ``ValueError`` if unknown."""
    name = name or local_zone_name()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        if name == local_zone_name():
            return ZoneInfo("UTC")  # an odd machine setting must not stop us
        raise ValueError(f"unknown time zone {name!r}") from exc


def parse_day(text: str) -> date:
    """A ``YYYY-MM-DD`` day. Raises ``ValueError`` with a readable message."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a day in YYYY-MM-DD form") from None
