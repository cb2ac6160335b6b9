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
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

import orjson

_MARKER = "# Current Mode"
_HEADING_END = re.compile(r"[ \t]*\r?\n")
_SECTION_END = re.compile(r"\r?\n[ \t]*\r?\n|\r?\n#|</environment_details>")
_SLUG = re.compile(r"<slug>\s*([^<]*?)\s*</slug>")
_NAME = re.compile(r"<name>\s*([^<]*?)\s*</name>")
_MODEL = re.compile(r"<model>\s*([^<]*?)\s*</model>")
_BARE_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# The section as Roo writes it (slug, name and, in newer tasks, model lines, then its end),
# matched right after the heading. Its lines hold no "<" and no line break, so no other tag and
# no other section end can come first, and each value stripped is what the general parse below
# captures with `\s*([^<]*?)\s*`: one regex instead of five. Anything else takes the general way.
_USUAL = re.compile(
    r"[ \t]*\r?\n<slug>([^<\r\n]*)</slug>\r?\n<name>([^<\r\n]*)</name>"
    r"(?:\r?\n<model>([^<\r\n]*)</model>)?"
    r"(?:</environment_details>|\r?\n(?:[ \t]*\r?\n|#|</environment_details>)|\r?\n?\Z)"
)
_EDGE_SYMBOLS = re.compile(r"^[\W_]+|[\W_]+$")


class ModeSignal(NamedTuple):
    """The mode (and model, when Roo wrote it) a user message was sent in. A named tuple:
    a long task has thousands, and a tuple is made several times faster than a frozen
    dataclass."""

    ts: int
    slug: str
    name: str | None = None
    model: str | None = None


def display_name(name: str) -> str:
    """A mode's display name without its emoji: ``"🏗️ Architect"`` -> ``"Architect"``."""
    return _EDGE_SYMBOLS.sub("", name).strip() or name.strip()


Mode = tuple[str, str | None, str | None]  # slug, name, model


def parse_current_mode(text: str, usual: dict[str, Mode] | None = None) -> Mode | None:
    """``(slug, name, model)`` from the last ``# Current Mode`` section of ``text``, if any.

    ``usual`` remembers usual sections by their text from the heading on, which alone decides
    them: a task repeats the same few in every user message."""
    at = text.rfind(_MARKER)
    if at == -1:
        return None
    if usual is not None:
        known = usual.get(text[at:])
        if known is not None:
            return known
    match = _USUAL.match(text, at + len(_MARKER))
    if match is not None:
        slug, name, model = match.groups()
        slug = slug.strip()
        if slug:
            found = slug, name.strip() or None, model.strip() or None if model else None
            if usual is not None:
                usual[text[at:]] = found
            return found
    return _parse_sections(text)


def _parse_sections(text: str) -> Mode | None:
    """:func:`parse_current_mode` for any section layout."""
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
    usual: dict[str, Mode] = {}
    for message in conversation:
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        ts = message.get("ts")
        if ts.__class__ is not int and (isinstance(ts, bool) or not isinstance(ts, int | float)):
            continue
        found = None
        for text in _texts(message.get("content")):
            found = parse_current_mode(text, usual)
            if found:
                break
        if found:
            signals.append(ModeSignal(int(ts), *found))
    signals.sort(key=attrgetter("ts"))
    return signals


def mode_names(signals: list[ModeSignal]) -> dict[str, str]:
    """Display name by slug, as the last signal that names a mode shows it."""
    names = {signal.slug: signal.name for signal in signals if signal.name is not None}
    return {slug: display_name(name) for slug, name in names.items()}


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
