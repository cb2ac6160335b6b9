"""Workspace paths as the ledger compares them.

Editors and extensions spell the same folder many ways: trailing separators, ``file://`` URIs
with percent-encoding, Windows drive letters in either case, backslashes. ``normalize_path``
gives one display form; ``path_key`` the form that is compared (case-folded on Windows paths).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from urllib.parse import unquote, urlparse

_DRIVE = re.compile(r"^/?([A-Za-z]):(?:[\\/]|$)")


def normalize_path(value: str) -> str:
    """A workspace path or ``file://`` URI in one canonical form (no trailing separator)."""
    text = value.strip()
    if text.lower().startswith("file:"):
        parsed = urlparse(text)
        text = unquote(parsed.path)
        if parsed.netloc and parsed.netloc.lower() != "localhost":
            text = f"//{parsed.netloc}{text}"  # a UNC share
    # after decoding, so a URI's escaped name gets the same form: macOS may hand out
    # decomposed names
    text = unicodedata.normalize("NFC", text)
    drive = _DRIVE.match(text)
    if drive or "\\" in text:
        text = text.replace("\\", "/")
        if drive:
            rest = text[drive.end() :]
            text = f"{drive.group(1).upper()}:/{rest}"
        unc = text.startswith("//")
        text = posixpath.normpath(text)
        if unc and not text.startswith("//"):
            text = "/" + text
        if drive and text.endswith(":"):
            text += "/"
        return text
    if not text:
        return text
    return posixpath.normpath(text) if text != "/" else "/"


def is_windows_path(path: str) -> bool:
    return bool(_DRIVE.match(path)) or path.startswith("//")


def path_key(value: str) -> str:
    """The comparison key of a workspace path (Windows paths compare case-insensitively)."""
    path = normalize_path(value)
    return path.lower() if is_windows_path(path) else path


def folder_name(path: str) -> str:
    """The last component of a normalized path (``acme-billing``)."""
    stripped = path.rstrip("/")
    return stripped.rsplit("/", 1)[-1] or path


def within(key: str, folder_key: str) -> bool:
    """Is the path with ``key`` the folder ``folder_key`` or inside it?"""
    if key == folder_key:
        return True
    prefix = folder_key if folder_key.endswith("/") else folder_key + "/"
    return key.startswith(prefix)
