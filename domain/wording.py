"""Counts and shortened text as a card or document says them: "1 entry", "3 entries", and a
long description cut at a word with "…" so nobody reads half a word as the whole."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final

_VOWELS: Final = frozenset("aeiou")


def plural_of(noun: str) -> str:
    """The regular English plural of `noun`'s last word: "agency" -> "agencies", "day" ->
    "days", "box" -> "boxes"; anything irregular is given to `counted` by its caller."""
    if noun.endswith("y") and noun[-2:-1] not in _VOWELS:
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` with its noun in the right number: "1 agency return", "2 agency returns"."""
    return f"{count} {noun if count == 1 else plural or plural_of(noun)}"


def listed(items: Sequence[str], last: str = "or") -> str:
    """Items as a sentence says them: "a", "a or b", "a, b or c" (no list machinery showing)."""
    if len(items) <= 2:
        return f" {last} ".join(items)
    return f"{', '.join(items[:-1])} {last} {items[-1]}"


def with_article(noun: str) -> str:
    """ "a chair", "an admin", "an LIC group member" (an initialism is read letter by letter)."""
    first = noun.split(" ", 1)[0]
    sounds_vowel = noun[:1].lower() in _VOWELS or (first.isupper() and first[:1] in "AEFHILMNORSX")
    return f"{'an' if sounds_vowel else 'a'} {noun}"


def shortened(text: str, limit: int) -> str:
    """`text` in at most `limit` characters: whole when it fits, otherwise cut after the last
    whole word that fits and ended with "…". A single word longer than half the room is cut
    inside (a long link or code), still with the "…" so the reader knows there is more."""
    if len(text) <= limit:
        return text
    room = max(limit - 1, 0)  # the "…" takes one
    cut = text[:room]
    if not text[room].isspace():
        space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
        if space > room // 2:
            cut = cut[:space]
    return cut.rstrip(" \t\n,;:") + "…"


def one_line(text: str | None) -> str:
    """`text` with every run of spaces and line breaks made one space: for a title or a fact."""
    return " ".join((text or "").split())


_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def short_date(day: date | None) -> str:
    """A date as every card and message writes it: "Mon 5 Apr 2027" (no leading zero, and
    English names whatever the machine's locale, which strftime would follow)."""
    if day is None:
        return "no date"
    return f"{_WEEKDAYS[day.weekday()]} {plain_date(day)}"


def plain_date(day: date) -> str:
    """A date without its weekday, as the pack, the chronology, returns and documents write
    it: "5 Apr 2027" (one helper: each wrote "%d %b %Y", a leading zero and the locale's
    month names)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
