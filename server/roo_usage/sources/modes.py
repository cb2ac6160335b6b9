"""Per-request mode and model signals that Roo-family tasks leave behind.

Roo stores no mode on a ui message. Each user message it sends to the model carries an
``<environment_details>`` block with a ``# Current Mode`` section::

    # Current Mode
    <slug>code</slug>
    <name>💻 Code</name>
    <model>anthropic/claude-sonnet-4.5</model>

(older tasks: a bare slug line). This module extracts just those three values from
``api_conversation_history.json`` and nothing else; message text is never kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

_MARKER = "# Current Mode"
_HEADING_END = re.compile(r"[ \t]*\r?\n")
_SECTION_END = re.compile(r"\r?\n[ \t]*\r?\n|\r?\n#|</environment_details>")
_SLUG = re.compile(r"<slug>\s*([^<]*?)\s*</slug>")
_NAME = re.compile(r"<name>\s*([^<]*?)\s*</name>")
_MODEL = re.compile(r"<model>\s*([^<]*?)\s*</model>")
_BARE_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_EDGE_SYMBOLS = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True, slots=True)
class ModeSignal:
    """The mode (and model, when Roo wrote it) a user message was sent in."""

    ts: int
    slug: str
    name: str | None = None
    model: str | None = None


def display_name(name: str) -> str:
    """A mode's display name without its emoji: ``"🏗️ Architect"`` -> ``"Architect"``."""
    return _EDGE_SYMBOLS.sub("", name).strip() or name.strip()


def parse_current_mode(text: str) -> tuple[str, str | None, str | None] | None:
    """``(slug, name, model)`` from the last ``# Current Mode`` section of ``text``, if any."""
    for section in _sections_last_first(text):
        slug = _SLUG.search(section)
        if slug and slug.group(1):
            name = _NAME.search(section)
            model = _MODEL.search(section)
            return (
                slug.group(1),
                name.group(1) or None if name else None,
                model.group(1) or None if model else None,
            )
        first_line = section.strip().splitlines()[0].strip() if section.strip() else ""
        if _BARE_SLUG.match(first_line):
            return (first_line, None, None)
    return None


def _sections_last_first(text: str) -> Iterator[str]:
    """The bodies of the ``# Current Mode`` sections of ``text``, the last one first: from the
    line after the heading to a blank line, the next heading or the end of the details."""
    at = text.rfind(_MARKER)
    while at != -1:
        heading_end = _HEADING_END.match(text, at + len(_MARKER))
        if heading_end:
            start = heading_end.end()
            end = _SECTION_END.search(text, start)
            yield text[start : end.start() if end else len(text)]
        at = text.rfind(_MARKER, 0, at)


def _texts(content: Any) -> Iterator[str]:
    """The message's own text, last block first (Roo appends ``<environment_details>`` as the
    final text block; tool results nested deeper are file contents, not the mode)."""
    if isinstance(content, str):
        yield content
    elif isinstance(content, list):
        for block in reversed(content):
            if isinstance(block, dict):
                text = block.get("text")
                if isinstance(text, str):
                    yield text
            elif isinstance(block, str):
                yield block


def mode_signals(conversation: object) -> list[ModeSignal]:
    """Mode signals of every user message of a parsed ``api_conversation_history.json``."""
    signals: list[ModeSignal] = []
    if not isinstance(conversation, list):
        return signals
    for message in conversation:
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        ts = message.get("ts")
        if isinstance(ts, bool) or not isinstance(ts, int | float):
            continue
        found = None
        for text in _texts(message.get("content")):
            if _MARKER in text:
                found = parse_current_mode(text)
                if found:
                    break
        if found:
            signals.append(ModeSignal(int(ts), *found))
    signals.sort(key=lambda signal: signal.ts)
    return signals


def read_mode_signals(path: Path) -> list[ModeSignal]:
    """Mode signals from an ``api_conversation_history.json`` file.

    The file can be many megabytes: it is not parsed at all unless it mentions a current mode.
    A missing or unreadable file gives no signals (modes then fall back to weaker signals).
    """
    try:
        data = path.read_bytes()
    except OSError:
        return []
    if _MARKER.encode() not in data:
        return []
    try:
        conversation = orjson.loads(data)
    except orjson.JSONDecodeError:
        return []
    return mode_signals(conversation)
