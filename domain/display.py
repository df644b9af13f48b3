"""What a person typed, made safe to show without changing what is stored.

Bidirectional controls (the right-to-left override U+202E and its kin) reorder the characters
after them, so "Child K‮txt.exe" can be shown as something it is not; zero-width and other
invisible characters hide text inside words or split a word so nobody sees the split. Stored
values keep exactly what was typed (the record and the audit stay faithful); the identifier guard
reads what a reader would see, so a zero-width space inside an NHS number hides nothing from it
(`domain/identifiers.py`); every output (cards, Word, CSV, XLSX) shows `shown(text)`, which drops
these characters so the reader sees the characters really there, in their real order.

Kept on purpose: the zero-width joiner and non-joiner (U+200D, U+200C), which shape emoji and
several scripts and move nothing; line and paragraph separators become ordinary newlines.
"""

from __future__ import annotations

import re
from typing import Final

# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the direction marks
# (U+200E, U+200F, U+061C), which can move neighbouring punctuation and digits.
BIDI_CONTROLS: Final = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
# Zero-width space, word joiner, byte-order mark, Mongolian vowel separator, the invisible
# mathematical operators, and the soft hyphen (invisible unless a line breaks at it).
INVISIBLE: Final = "\u200b\u2060\ufeff\u180e\u2061\u2062\u2063\u2064\u00ad"
# Unicode "tag" characters (U+E0000-U+E007F) spell hidden ASCII that no font draws.
_TAGS: Final = range(0xE0000, 0xE0080)

_DROPPED: Final[dict[int, str | None]] = {
    **{ord(c): None for c in BIDI_CONTROLS + INVISIBLE},
    **dict.fromkeys(_TAGS),
    0x2028: "\n",
    0x2029: "\n",
}


# str.translate looks every character up in Python; a regex search finds none in C first.
_ANY_DROPPED: Final = re.compile(
    "[" + BIDI_CONTROLS + INVISIBLE + "\U000e0000-\U000e007f\u2028\u2029]"
)


def shown(text: str) -> str:
    """`text` as it should be displayed: no bidi controls, no invisible characters."""
    if text.isascii() or _ANY_DROPPED.search(text) is None:
        return text
    return text.translate(_DROPPED)


def shown_positions(text: str) -> list[int]:
    """Where each character of `shown(text)` stands in `text`, so that something found in what
    a reader sees can be pointed at in what was typed."""
    return [i for i, c in enumerate(text) if _DROPPED.get(ord(c), "") is not None]
