"""Turn what a person typed into a command the bot understands.

Teams puts the bot's @mention into channel messages (`<at>Line of Sight</at> dashboard`), and
people type loosely, so text is normalised before it is matched.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from domain import phrasing
from domain.errors import InvalidInput

MAX_MESSAGE_CHARS = 10_000

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]{0,200}>")
_SPACE = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[?!.,;:]+$")


@dataclass(frozen=True)
class Command:
    name: str
    argument: str = ""


def normalise(text: str) -> str:
    """Strip mentions and markup, collapse whitespace, lower-case, drop trailing punctuation."""
    without_mentions = _MENTION.sub(" ", text)
    plain = html.unescape(_TAG.sub(" ", without_mentions))
    return _PUNCTUATION.sub("", _SPACE.sub(" ", plain).strip().lower())


def check_length(text: str) -> None:
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(
            f"That message is {len(text):,} characters long; the limit is "
            f"{MAX_MESSAGE_CHARS:,}. Please send a shorter message."
        )


def parse(text: str, known: tuple[str, ...]) -> Command | None:
    """Match the longest known command at the start of the text; None when nothing matches.

    `known` comes from the handlers the bot has registered, so the parser never offers a
    command nobody handles.
    """
    check_length(text)
    cleaned = normalise(text)
    for name in sorted(known, key=len, reverse=True):
        if cleaned == name or cleaned.startswith(name + " "):
            return Command(name, cleaned[len(name) :].strip())
    return None


def interpret(text: str, known: tuple[str, ...]) -> Command | None:
    """Like `parse`, and also natural phrasing (issue 6): "show me the summary for
    LOS-2026-004" is `summary LOS-2026-004`, "what's overdue for Police?" is `overdue police`.

    Only commands in `known` are ever returned; None still means "show the help card".
    """
    command = parse(text, known)
    cleaned = normalise(text)
    if command is not None:
        if command.name in phrasing.ASKING_COMMANDS:
            return Command(command.name, phrasing.argument_for(command.name, cleaned))
        return command
    found = phrasing.natural(cleaned, known)
    return Command(*found) if found else None
