"""Workspace paths: every spelling of one folder normalizes to one form and one key."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from roo_usage.paths import folder_name, is_windows_path, normalize_path, path_key, within


@pytest.mark.parametrize(
    ("spelling", "normalized"),
    [
        ("/home/u/proj", "/home/u/proj"),
        ("/home/u/proj/", "/home/u/proj"),
        ("/home/u/proj//", "/home/u/proj"),
        ("  /home/u/proj  ", "/home/u/proj"),
        ("/home/u/./proj", "/home/u/proj"),
        ("/home/u/x/../proj", "/home/u/proj"),
        ("file:///home/u/proj", "/home/u/proj"),
        ("file:///home/u/proj/", "/home/u/proj"),
        ("FILE:///home/u/proj", "/home/u/proj"),
        ("file://localhost/home/u/proj", "/home/u/proj"),
        ("file:///home/u/my%20proj", "/home/u/my proj"),
        ("file:///home/u/%E2%9C%93", "/home/u/✓"),
        ("file:///home/u/a%23b", "/home/u/a#b"),
        ("/", "/"),
        ("", ""),
    ],
)
def test_posix_spellings_normalize(spelling: str, normalized: str) -> None:
    assert normalize_path(spelling) == normalized


@pytest.mark.parametrize(
    "spelling",
    [
        "C:\\Users\\Me\\Proj",
        "C:\\Users\\Me\\Proj\\",
        "c:\\Users\\Me\\Proj",
        "C:/Users/Me/Proj",
        "c:/Users/Me/Proj/",
        "/c:/Users/Me/Proj",
        "file:///c%3A/Users/Me/Proj",
        "file:///C:/Users/Me/Proj/",
        "file:///c:/Users/Me/Proj",
        "C:\\Users\\Me\\.\\Proj",
    ],
)
def test_windows_spellings_normalize_to_one_form(spelling: str) -> None:
    assert normalize_path(spelling) == "C:/Users/Me/Proj"
    assert path_key(spelling) == "c:/users/me/proj"


def test_windows_paths_compare_case_insensitively_posix_paths_do_not() -> None:
    assert path_key("C:\\USERS\\me\\PROJ") == path_key("c:/users/Me/proj")
    assert normalize_path("C:\\USERS\\me") != normalize_path("c:/users/Me")  # display keeps case
    assert path_key("/home/U/Proj") != path_key("/home/u/proj")


@pytest.mark.parametrize("spelling", ["C:", "c:\\", "C:/", "file:///c%3A/", "file:///C:"])
def test_a_drive_root_keeps_its_separator(spelling: str) -> None:
    assert normalize_path(spelling) == "C:/"
    assert within(path_key("C:\\Users\\x"), path_key(spelling))


@pytest.mark.parametrize(
    "spelling", ["\\\\server\\share\\dir", "\\\\server\\share\\dir\\", "file://server/share/dir"]
)
def test_unc_shares_normalize(spelling: str) -> None:
    assert normalize_path(spelling) == "//server/share/dir"
    assert is_windows_path(normalize_path(spelling))
    assert path_key(spelling) == path_key("\\\\SERVER\\Share\\DIR")


def test_within_matches_whole_components_only() -> None:
    assert within(path_key("/home/u/acme/sub"), path_key("/home/u/acme/"))
    assert within(path_key("/home/u/acme"), path_key("file:///home/u/acme"))
    assert not within(path_key("/home/u/acme-other"), path_key("/home/u/acme"))
    assert within(path_key("/anything"), path_key("/"))
    assert within(path_key("c:\\Work\\A"), path_key("C:/work"))
    assert not within(path_key("c:\\Workshop"), path_key("C:/work"))


def test_folder_names() -> None:
    assert folder_name(normalize_path("/home/u/acme-billing/")) == "acme-billing"
    assert folder_name(normalize_path("C:\\Users\\Me\\Proj\\")) == "Proj"
    assert folder_name("/") == "/"
    assert folder_name("C:/") == "C:"


component = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/\\\x00%?#:"),
    min_size=1,
    max_size=8,
).filter(lambda c: c not in (".", "..") and c.strip() == c)


@settings(max_examples=100, deadline=None)
@given(st.lists(component, min_size=1, max_size=5), st.booleans(), st.integers(0, 2))
@example(["\U0002f800", "e\u0301"], True, 0)  # escaped names not yet in NFC
def test_any_posix_folder_has_one_key_however_spelled(
    parts: list[str], as_uri: bool, trailing: int
) -> None:
    from urllib.parse import quote

    path = "/" + "/".join(parts)
    spelled = ("file://" + quote(path) if as_uri else path) + "/" * trailing
    path = unicodedata.normalize("NFC", path)  # one form for composed and decomposed names
    assert normalize_path(spelled) == path
    assert path_key(spelled) == path_key(path)
    assert normalize_path(normalize_path(spelled)) == normalize_path(spelled)  # idempotent


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from("cdCD"),
    st.lists(component, min_size=0, max_size=4),
    st.sampled_from(["\\", "/"]),
    st.booleans(),
)
def test_any_windows_folder_has_one_key_however_spelled(
    drive: str, parts: list[str], sep: str, trailing: bool
) -> None:
    spelled = f"{drive}:{sep}" + sep.join(parts) + (sep if trailing and parts else "")
    canonical = unicodedata.normalize("NFC", f"{drive.upper()}:/" + "/".join(parts))
    assert normalize_path(spelled) == canonical
    assert path_key(spelled) == canonical.lower()
    assert normalize_path(canonical) == canonical


def test_composed_and_decomposed_names_are_the_same_folder() -> None:
    composed = "/home/dev/caf\u00e9"
    decomposed = "/home/dev/cafe\u0301"  # as macOS may spell it
    assert path_key(decomposed) == path_key(composed)
