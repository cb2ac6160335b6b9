"""The ``# Current Mode`` section of Roo's environment details: the usual layout takes a one-regex
fast path, which must find exactly what the general section parse finds, whatever the text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roo_usage.sources.modes import (
    ModeSignal,
    _parse_sections,
    mode_names,
    mode_signals,
    parse_current_mode,
)

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

USUAL = (
    "<environment_details>\n# Current Cost\n$0.00\n\n# Current Mode\n"
    "<slug>code</slug>\n<name>💻 Code</name>\n<model>openai/gpt-5</model>\n</environment_details>"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (USUAL, ("code", "💻 Code", "openai/gpt-5")),
        (USUAL.replace("\n", "\r\n"), ("code", "💻 Code", "openai/gpt-5")),
        # before Roo wrote the model
        ("# Current Mode\n<slug>ask</slug>\n<name>❓ Ask</name>\n</environment_details>",
         ("ask", "❓ Ask", None)),
        # another section follows, after a blank line or straight away
        ("# Current Mode\n<slug>a</slug>\n<name>A</name>\n\n# Current Workspace\n<model>x</model>",
         ("a", "A", None)),
        ("# Current Mode\n<slug>a</slug>\n<name>A</name>\n# Next\n<model>x</model>",
         ("a", "A", None)),
        ("# Current Mode  \n<slug> a </slug>\n<name>\u00a0A\u2003</name>\n<model> </model>",
         ("a", "A", None)),
        ("# Current Mode\n<slug>a</slug>\n<name></name>\n<model>m</model>", ("a", None, "m")),
        # the last section counts; an empty slug falls back to the one before
        (USUAL + "\n# Current Mode\n<slug>debug</slug>\n<name>Debug</name>",
         ("debug", "Debug", None)),
        (USUAL + "\n# Current Mode\n<slug> </slug>\n<name>Debug</name>",
         ("code", "💻 Code", "openai/gpt-5")),
        # unusual layouts: the general parse decides
        ("# Current Mode\n<slug>a</slug><name>A</name>", ("a", "A", None)),
        ("# Current Mode\n<slug>a</slug>\n<name>A</name>\nmore <model>m</model>",
         ("a", "A", "m")),
        ("# Current Mode\n<slug>\na</slug>\n<name>A</name>", ("a", "A", None)),
        ("# Current Mode\r<slug>a</slug>", None),
        ("# Current Mode\ncode\n", ("code", None, None)),
        ("# Current Modes\n<slug>a</slug>\n<name>A</name>", None),
        ("no mode here", None),
    ],
)  # fmt: skip
def test_current_mode_sections(text: str, expected: tuple[str, str | None, str | None]) -> None:
    assert parse_current_mode(text) == expected
    assert _parse_sections(text) == expected


FRAGMENTS = [
    "# Current Mode", "# Current Mode\n", "\n", "\r\n", "\r", " ", "\t", "\u00a0", "\x85",
    "\u2028", "\x1c", "<slug>", "</slug>", "<name>", "</name>", "<model>", "</model>",
    "</environment_details>", "#", "<", "code", "💻 Code", "a-b.c", "",
]  # fmt: skip
VALUES = st.text(st.sampled_from(["a", "💻", " ", "\t", "\u00a0", "\u3000", "\x1f", "\n", "<"]))
ENDS = ["", "\n", "\r\n", "</environment_details>", "\n</environment_details>", "\n\n# X",
        "\n#", "\n \t\r\n", "\n<model>m</model>", " ", "\nmore"]  # fmt: skip


@SETTINGS
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30))
def test_fast_path_agrees_with_the_general_parse_on_any_text(parts: list[str]) -> None:
    text = "".join(parts)
    assert parse_current_mode(text) == _parse_sections(text)


@SETTINGS
@given(
    prefix=st.sampled_from(["", "x\n", USUAL + "\n"]),
    heading=st.sampled_from(["\n", " \t\n", "\r\n", "  \r\n", "x\n"]),
    slug=VALUES,
    name=VALUES,
    model=st.none() | VALUES,
    newline=st.sampled_from(["\n", "\r\n"]),
    end=st.sampled_from(ENDS),
)
def test_fast_path_agrees_with_the_general_parse_on_near_usual_sections(
    prefix: str, heading: str, slug: str, name: str, model: str | None, newline: str, end: str
) -> None:
    text = f"{prefix}# Current Mode{heading}<slug>{slug}</slug>{newline}<name>{name}</name>"
    if model is not None:
        text += f"{newline}<model>{model}</model>"
    text += end
    assert parse_current_mode(text) == _parse_sections(text)


def test_mode_signals_of_user_messages_in_time_order() -> None:
    def user(ts: object, content: object) -> dict[str, object]:
        return {"role": "user", "ts": ts, "content": content}

    conversation = [
        user(30, [{"type": "text", "text": "[tool]"}, {"type": "text", "text": USUAL}]),
        user(10, USUAL.replace("code", "debug").replace("💻 Code", "🪲 Debug")),
        {"role": "assistant", "ts": 20, "content": USUAL},
        user(True, USUAL),  # a bool is no time
        user(40.5, [USUAL, {"type": "image"}]),
        user(50, [{"type": "text", "text": "no mode"}]),
        "not a message",
    ]
    assert mode_signals(conversation) == [
        ModeSignal(10, "debug", "🪲 Debug", "openai/gpt-5"),
        ModeSignal(30, "code", "💻 Code", "openai/gpt-5"),
        ModeSignal(40, "code", "💻 Code", "openai/gpt-5"),
    ]
    assert mode_signals({"not": "a list"}) == []


def test_mode_names_take_the_last_name_of_each_slug() -> None:
    signals = [
        ModeSignal(1, "code", "💻 Code"),
        ModeSignal(2, "code", "🛠️ Builder"),
        ModeSignal(3, "code"),
        ModeSignal(4, "ask", "❓ Ask"),
    ]
    assert mode_names(signals) == {"code": "Builder", "ask": "Ask"}


@SETTINGS
@given(st.lists(st.lists(st.sampled_from(FRAGMENTS), max_size=20).map("".join), max_size=8))
def test_remembered_sections_change_nothing(texts: list[str]) -> None:
    usual: dict[str, tuple[str, str | None, str | None]] = {}
    for text in [*texts, USUAL, USUAL + "\n", *texts]:
        assert parse_current_mode(text, usual) == parse_current_mode(text)
