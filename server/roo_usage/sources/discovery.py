"""Finding the extensions' global-storage folders.

A storage folder is ``<user-data>/User/globalStorage/<extension-id>/`` (or an explicit folder
given by the user). Home, AppData, platform and environment are parameters everywhere so that
tests never look at the real home folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from roo_usage.records import Source

ENV_SOURCES = "ROO_USAGE_SOURCES"

# extension id (lower case, as the folder is named) -> (source, setting naming a custom path)
EXTENSIONS: dict[str, tuple[Source, str | None]] = {
    "rooveterinaryinc.roo-cline": (Source.ROO, "roo-cline.customStoragePath"),
    "zoocodeorganization.zoo-code": (Source.ZOO, "zoo-code.customStoragePath"),
    "kilocode.kilo-code": (Source.KILO, "kilo-code.customStoragePath"),
    "saoudrizwan.claude-dev": (Source.CLINE, None),
}

EDITORS = ("Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf")
REMOTE_EDITOR = "vscode-server"


@dataclass(slots=True)
class StorageFolder:
    """One extension's storage: where its tasks are and where its globalState lives.

    ``path`` is the extension's global-storage folder (``state/``, default ``tasks/``);
    ``tasks_dir`` differs from ``path / "tasks"`` when a custom storage path is set;
    ``state_db`` is the editor's ``state.vscdb`` holding the extension's globalState, if known.
    """

    path: Path
    source: Source
    editor: str | None
    tasks_dir: Path
    state_db: Path | None


def user_data_dirs(
    home: Path, platform: str = sys.platform, appdata: Path | None = None
) -> list[tuple[str, Path]]:
    """``(editor, <user-data> folder)`` candidates for every supported editor on a platform."""
    if platform.startswith("win"):
        base = appdata if appdata is not None else home / "AppData" / "Roaming"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = home / ".config"
    dirs = [(editor, base / editor) for editor in EDITORS]
    dirs.append((REMOTE_EDITOR, home / ".vscode-server" / "data"))
    return dirs


def _scan_jsonc(text: str, drop_comments: bool) -> str:
    """One string-aware pass: drop comments, or (second pass) drop trailing commas."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif drop_comments and text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif drop_comments and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif not drop_comments and char == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if text[j : j + 1] not in ("}", "]"):
                out.append(char)
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def strip_jsonc(text: str) -> str:
    """JSON text from JSONC: comments and trailing commas removed, strings untouched."""
    return _scan_jsonc(_scan_jsonc(text, drop_comments=True), drop_comments=False)


def read_jsonc(path: Path) -> dict[str, Any]:
    """A VS Code settings file (JSON with comments and trailing commas); ``{}`` if unusable."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {}
    try:
        value = orjson.loads(strip_jsonc(text))
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _custom_path(settings: Mapping[str, Any], key: str | None, home: Path) -> Path | None:
    if key is None:
        return None
    value = settings.get(key)
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    if value == "~" or value.startswith(("~/", "~\\")):
        return home / value[2:]
    return Path(value)


def storage_folders_in(user_data: Path, editor: str | None, home: Path) -> list[StorageFolder]:
    """The extensions' storage folders under one editor's ``<user-data>`` folder."""
    global_storage = user_data / "User" / "globalStorage"
    if not global_storage.is_dir():
        return []
    settings = read_jsonc(user_data / "User" / "settings.json")
    state_db = global_storage / "state.vscdb"
    folders = []
    for extension_id, (source, setting) in EXTENSIONS.items():
        path = global_storage / extension_id
        custom = _custom_path(settings, setting, home)
        tasks_dir = custom / "tasks" if custom is not None else path / "tasks"
        if not path.is_dir() and not tasks_dir.is_dir():
            continue
        folders.append(
            StorageFolder(
                path=path,
                source=source,
                editor=editor,
                tasks_dir=tasks_dir,
                state_db=state_db if state_db.is_file() else None,
            )
        )
    return folders


def default_storage_folders(
    home: Path | None = None, platform: str | None = None, appdata: Path | None = None
) -> list[StorageFolder]:
    """Every installed extension's storage folder in every supported editor.

    VS Code, Code - Insiders, VSCodium, Cursor and Windsurf on Linux, macOS and Windows, plus
    ``~/.vscode-server/data`` (remote, WSL, containers). A ``customStoragePath`` setting in the
    editor's ``User/settings.json`` moves ``tasks/`` to ``<custom>/tasks``.
    """
    home = home if home is not None else Path.home()
    platform = platform if platform is not None else sys.platform
    if appdata is None and platform.startswith("win") and os.environ.get("APPDATA"):
        appdata = Path(os.environ["APPDATA"])
    folders: list[StorageFolder] = []
    for editor, user_data in user_data_dirs(home, platform, appdata):
        folders.extend(storage_folders_in(user_data, editor, home))
    return folders


def source_from_name(name: str) -> Source | None:
    """The extension family a folder name points to, if it tells (``roo-cline`` is Roo)."""
    lowered = name.lower()
    if lowered in EXTENSIONS:
        return EXTENSIONS[lowered][0]
    if "claude-dev" in lowered:
        return Source.CLINE
    # "roo-cline" contains "cline": the Roo-family names are checked before "cline"
    for needle, source in (("kilo", Source.KILO), ("zoo", Source.ZOO), ("roo", Source.ROO)):
        if needle in lowered:
            return source
    if "cline" in lowered:
        return Source.CLINE
    return None


def _looks_like_cline(path: Path) -> bool:
    if (path / "state" / "taskHistory.json").is_file():
        return True
    try:
        return any(child.is_dir() and child.name.isdigit() for child in (path / "tasks").iterdir())
    except OSError:
        return False


def _is_extension_folder(path: Path) -> bool:
    return (path / "tasks").is_dir() or (path / "state" / "taskHistory.json").is_file()


def _explicit_folder(path: Path, state_db: Path | None) -> StorageFolder:
    source = source_from_name(path.name)
    if source is None:
        source = Source.CLINE if _looks_like_cline(path) else Source.ROO
    return StorageFolder(
        path=path,
        source=source,
        editor=None,
        tasks_dir=path / "tasks",
        state_db=state_db if state_db is not None and state_db.is_file() else None,
    )


def storage_folders_from(path: Path) -> list[StorageFolder]:
    """Storage folders for an explicit source folder (CLI flag, environment, client option).

    ``path`` is either one extension folder (holding ``tasks/`` or ``state/``; its family comes
    from its name, else from its contents: Cline when it has ``state/taskHistory.json`` or
    all-digit task ids, Roo otherwise) or a whole ``globalStorage`` folder holding extension
    folders. A folder named like a known extension counts even while still empty.
    """
    if _is_extension_folder(path) or path.name.lower() in EXTENSIONS:
        return [_explicit_folder(path, path.parent / "state.vscdb")]
    try:
        children = sorted(child for child in path.iterdir() if child.is_dir())
    except OSError:
        return []
    return [
        _explicit_folder(child, path / "state.vscdb")
        for child in children
        if child.name.lower() in EXTENSIONS or _is_extension_folder(child)
    ]


def sources_from_env(
    environ: Mapping[str, str] | None = None, pathsep: str = os.pathsep
) -> list[Path]:
    """The folders listed in ``ROO_USAGE_SOURCES`` (``os.pathsep`` separated, empties skipped)."""
    environ = environ if environ is not None else os.environ
    value = environ.get(ENV_SOURCES, "")
    return [Path(part.strip()) for part in value.split(pathsep) if part.strip()]
