"""Finding storage folders with a fake home: editors, platforms, custom paths, explicit folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roo_usage.records import Source
from roo_usage.sources import default_storage_folders, sources_from_env, storage_folders_from
from roo_usage.sources.discovery import strip_jsonc

ROO = "rooveterinaryinc.roo-cline"
CLINE = "saoudrizwan.claude-dev"
KILO = "kilocode.kilo-code"


def install(user_data: Path, *extension_ids: str, state_db: bool = False) -> Path:
    global_storage = user_data / "User" / "globalStorage"
    for extension_id in extension_ids:
        (global_storage / extension_id / "tasks").mkdir(parents=True)
    global_storage.mkdir(parents=True, exist_ok=True)
    if state_db:
        (global_storage / "state.vscdb").write_bytes(b"")
    return global_storage


def test_linux_editors_and_remote_server_are_found(tmp_path: Path) -> None:
    install(tmp_path / ".config" / "Code", ROO, CLINE, state_db=True)
    install(tmp_path / ".config" / "Cursor", KILO)
    install(tmp_path / ".vscode-server" / "data", ROO)
    install(tmp_path / ".config" / "VSCodium")  # editor without any extension
    found = default_storage_folders(home=tmp_path, platform="linux")
    assert sorted((f.editor, f.source) for f in found) == sorted(
        [
            ("Code", Source.ROO),
            ("Code", Source.CLINE),
            ("Cursor", Source.KILO),
            ("vscode-server", Source.ROO),
        ]
    )
    code_roo = next(f for f in found if f.editor == "Code" and f.source == Source.ROO)
    assert code_roo.path == tmp_path / ".config/Code/User/globalStorage" / ROO
    assert code_roo.tasks_dir == code_roo.path / "tasks"
    assert code_roo.state_db == tmp_path / ".config/Code/User/globalStorage/state.vscdb"
    cursor = next(f for f in found if f.editor == "Cursor")
    assert cursor.state_db is None


def test_macos_uses_application_support(tmp_path: Path) -> None:
    install(tmp_path / "Library" / "Application Support" / "Code - Insiders", ROO)
    install(tmp_path / ".config" / "Code", ROO)  # not looked at on macOS
    (found,) = default_storage_folders(home=tmp_path, platform="darwin")
    assert found.editor == "Code - Insiders"


def test_windows_uses_appdata(tmp_path: Path) -> None:
    appdata = tmp_path / "Roaming"
    install(appdata / "Windsurf", CLINE)
    (found,) = default_storage_folders(home=tmp_path / "home", platform="win32", appdata=appdata)
    assert (found.editor, found.source) == ("Windsurf", Source.CLINE)


def test_custom_storage_path_from_jsonc_settings_moves_tasks(tmp_path: Path) -> None:
    user_data = tmp_path / ".config" / "Code"
    install(user_data, ROO, KILO)
    custom = tmp_path / "elsewhere" / "roo"
    (custom / "tasks").mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(
        "{\n"
        "  // where Roo keeps its tasks\n"
        f'  "roo-cline.customStoragePath": "{custom}", /* absolute */\n'
        '  "kilo-code.customStoragePath": "~/kilo",\n'
        '  "editor.fontFamily": "Fira // not a comment",\n'
        "}\n"
    )
    found = {f.source: f for f in default_storage_folders(home=tmp_path, platform="linux")}
    assert found[Source.ROO].tasks_dir == custom / "tasks"
    assert found[Source.ROO].path == user_data / "User" / "globalStorage" / ROO
    assert found[Source.KILO].tasks_dir == tmp_path / "kilo" / "tasks"


def test_broken_settings_file_means_default_paths(tmp_path: Path) -> None:
    user_data = tmp_path / ".config" / "Code"
    install(user_data, ROO)
    (user_data / "User" / "settings.json").write_text('{"roo-cline.customStoragePath": ')
    (found,) = default_storage_folders(home=tmp_path, platform="linux")
    assert found.tasks_dir == found.path / "tasks"


def test_jsonc_keeps_strings_intact() -> None:
    text = '{"a": "x // y /* z */", /* c */ "b": [1, 2,], // d\n "c": "q\\"," ,}'
    assert json.loads(strip_jsonc(text)) == {"a": "x // y /* z */", "b": [1, 2], "c": 'q",'}


def test_empty_home_finds_nothing(tmp_path: Path) -> None:
    assert default_storage_folders(home=tmp_path, platform="linux") == []


@pytest.mark.parametrize(
    ("name", "source"),
    [
        (ROO, Source.ROO),
        ("zoocodeorganization.zoo-code", Source.ZOO),
        (KILO, Source.KILO),
        (CLINE, Source.CLINE),
        ("my-cline-backup", Source.CLINE),
        ("roo", Source.ROO),
    ],
)
def test_explicit_extension_folder_source_comes_from_its_name(
    tmp_path: Path, name: str, source: Source
) -> None:
    (tmp_path / name / "tasks").mkdir(parents=True)
    (found,) = storage_folders_from(tmp_path / name)
    assert (found.source, found.editor, found.tasks_dir) == (
        source,
        None,
        tmp_path / name / "tasks",
    )


def test_explicit_folder_source_comes_from_contents_when_the_name_says_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / "a" / "tasks" / "1768381200000").mkdir(parents=True)
    (tmp_path / "b" / "state").mkdir(parents=True)
    (tmp_path / "b" / "state" / "taskHistory.json").write_text("[]")
    (tmp_path / "c" / "tasks" / "019bb695-5a80-73a1-8c2e-4f9b07d15a6c").mkdir(parents=True)
    sources = [storage_folders_from(tmp_path / name)[0].source for name in "abc"]
    assert sources == [Source.CLINE, Source.CLINE, Source.ROO]


def test_explicit_global_storage_folder_lists_its_extensions(samples: Path) -> None:
    found = storage_folders_from(samples / "real")
    assert [(f.path.name, f.source) for f in found] == [(ROO, Source.ROO), (CLINE, Source.CLINE)]


def test_explicit_global_storage_folder_finds_its_state_db(tmp_path: Path) -> None:
    global_storage = install(tmp_path, ROO, state_db=True)
    (found,) = storage_folders_from(global_storage)
    assert found.state_db == global_storage / "state.vscdb"
    assert storage_folders_from(global_storage / ROO)[0].state_db == found.state_db


def test_sources_from_env_splits_on_pathsep() -> None:
    env = {"ROO_USAGE_SOURCES": "/a/roo::/b/cline: "}
    assert sources_from_env(env, pathsep=":") == [Path("/a/roo"), Path("/b/cline")]
    assert sources_from_env({}, pathsep=":") == []
