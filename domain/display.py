"""What a person typed, made safe to show without changing what is stored, and read as a reader
sees it.

Bidirectional controls (the right-to-left override U+202E and its kin) reorder the characters
after them, so "Child K‮txt.exe" can be shown as something it is not; zero-width and other
invisible characters hide text inside words or split a word so nobody sees the split. Stored
values keep exactly what was typed (the record and the audit stay faithful). Every output
(cards, Word, CSV, XLSX) shows `shown(text)`, which drops these characters so the reader sees
the characters really there, in their real order.

Which characters are invisible is Unicode's answer, not a list kept by hand: the
Default_Ignorable_Code_Point property (DerivedCoreProperties.txt: PropList's
Other_Default_Ignorable_Code_Point, every format character and every variation selector, less
the few that are drawn), which holds
the zero-width space and joiners, the word joiner and invisible operators, the soft hyphen, the
bidi controls, the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the combining grapheme
joiner, the variation selectors and the tag characters. tests/unit/test_display.py checks the
set against Perl's own `\\p{Default_Ignorable_Code_Point}`.

`shown` keeps, on purpose, the few of them that shape what is drawn and move nothing: the
zero-width joiner and non-joiner (U+200D, U+200C; emoji sequences and several scripts), the
variation selectors (text or emoji style, ideographic variants) and the conjoining Hangul fillers
(U+115F, U+1160, parts of an old Hangul syllable). Line and paragraph separators become ordinary
newlines.

`shown` also drops the interlinear annotation marks (U+FFF9-FFFB): Unicode counts them as drawn,
so they are not default-ignorable, but most renderers draw nothing for them and some hide the
annotation between them; nobody types them in prose.

The identifier guard reads with `read`: every default-ignorable character and annotation mark
dropped (a joiner between two digits of an NHS number hides nothing from a reader), every kind of
space read as a space, every decimal digit as its ASCII digit (Unicode's Nd: fullwidth,
mathematical, Arabic-Indic, Devanagari and every other script's; `unicodedata.decimal`), every
character whose compatibility form (NFKC) is ASCII as that form (fullwidth letters and signs, as in
a postcode typed on a Japanese keyboard, mathematical letters, as in styled text copied from social
media, and forms of several characters: the ligature "ﬃ" as "ffi", "…" as "...", set apart from a
digit beside them as marks are, below), every dash that reads as a hyphen between digits (the
non-breaking hyphen Word puts in, en dash, minus) as a hyphen, a combining mark on a letter or
digit read as ASCII (an underline under each digit, a keycap) read away, and the look-alikes the
cards draw for markup (`LOOKALIKE`, below) read back as the characters they stand for, so an
address copied from a card into a field is still an address. Marks beside the text (superscripts,
subscripts, circled and parenthesised numbers: `MARKS`) are read as their digits and letters, a run
of them set apart from the text beside it by a line end, so a footnote's mark does not join the
number before it and a number typed all in marks is read whole (a superscript ordinal joins a day's
one or two digits: "12ᵗʰ"). Letters of other scripts that look like Latin ones (Unicode's
confusables, UTS #39) are read as those in a word then all ASCII. `read` says where each character
read was typed; `typed_span` turns a span read into a span typed.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from importlib.resources import files
from typing import Final

# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the direction marks
# (U+200E, U+200F, U+061C), which can move neighbouring punctuation and digits.
BIDI_CONTROLS: Final = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
# Zero-width space, word joiner, byte-order mark, Mongolian vowel separator, the invisible
# mathematical operators, and the soft hyphen (invisible unless a line breaks at it).
INVISIBLE: Final = "\u200b\u2060\ufeff\u180e\u2061\u2062\u2063\u2064\u00ad"

# What each Markdown marker shows as on a card (cards/common.py `user_text`, which says why each
# was chosen), and what the guard reads each back as (LOOKALIKE_OF).
LOOKALIKE: Final = {
    "*": "\u2217",  # asterisk operator
    "_": "\u02cd",  # modifier letter low macron
    "`": "\u02cb",  # modifier letter grave accent
    "~": "\u223c",  # tilde operator
    ".": "\u2024",  # one dot leader (in a dotted word only)
}
LOOKALIKE_OF: Final = {shown: typed for typed, shown in LOOKALIKE.items()}

# PropList.txt (Unicode 14, as Python 3.11's unicodedata): Other_Default_Ignorable_Code_Point,
# which with the variation selectors covers all of U+E0000-U+E0FFF (tags and their reserve).
_OTHER_IGNORABLE: Final = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x2065, 0x2065),
    (0x3164, 0x3164),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE0FFF),
)
_VARIATION_SELECTORS: Final = ((0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F))
# Format characters that are drawn, so not ignorable: the prepended concatenation marks (the
# Arabic number signs and their kin), the interlinear annotation marks, and the Egyptian
# hieroglyph format controls (DerivedCoreProperties.txt takes each out by name).
_DRAWN_FORMAT: Final = (
    (0x0600, 0x0605),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1345F),
)
# Format characters are in the first two planes, and in the fourteenth (inside U+E0000-E0FFF);
# so are every decimal digit and every character NFKC makes one ASCII character (Unicode 14;
# tests/unit/test_display.py checks the planes above).
_LOW_PLANES: Final = range(0x20000)


def _code_points(ranges: Iterable[tuple[int, int]]) -> set[int]:
    return {point for first, last in ranges for point in range(first, last + 1)}


def _default_ignorable() -> frozenset[int]:
    drawn = _code_points(_DRAWN_FORMAT)
    formats = {
        point
        for point in _LOW_PLANES
        if point not in drawn and unicodedata.category(chr(point)) == "Cf"
    }
    return frozenset(formats | _code_points(_OTHER_IGNORABLE) | _code_points(_VARIATION_SELECTORS))


# Compatibility forms a reader reads as marks beside the text, not as part of it: a footnote's
# "¹" after an NHS number, "CO₂", a circled list number; and the enclosed alphanumerics (circled,
# parenthesised, "digit full stop", squared; and the dingbats' circled digits, which have no
# compatibility form, only a value). Read as digits run into the text, they joined the number
# before them, which then failed its end check and passed the guard (review12a): so `read`
# reads a run of them as its digits and letters set apart from the text by a line end.
MARKS_BESIDE: Final = ("<super>", "<sub>", "<circle>")
_ENCLOSED: Final = ((0x2460, 0x24FF), (0x2776, 0x2793), (0x1F100, 0x1F1FF))
# Dashes a reader reads as a hyphen between digits: the non-breaking hyphen Word puts in by
# itself (its NFKC form is U+2010, not ASCII), the hyphen, figure and en dashes, and minus.
_DASHES: Final = dict.fromkeys((0x2010, 0x2011, 0x2012, 0x2013, 0x2212), "-")


def _is_enclosed(point: int) -> bool:
    return any(first <= point <= last for first, last in _ENCLOSED)


def _mark_reading(char: str) -> str:
    """What a mark beside the text reads as: its compatibility form when that is ASCII ("⑩"
    "10", "⒈" "1.", "⑴" "(1)", "²" "2", "ᵗʰ" "th"), else an enclosed number's value ("❿")."""
    folded = unicodedata.normalize("NFKC", char)
    if folded and folded.isascii():
        return folded
    value = unicodedata.numeric(char, -1.0)
    return str(int(value)) if value >= 0 and value == int(value) else ""


def _marks_beside() -> dict[int, str]:
    beside = {
        point
        for point in _LOW_PLANES[0x80:]
        if unicodedata.decomposition(chr(point)).startswith(MARKS_BESIDE)
    }
    marks: dict[int, str] = {}
    for point in sorted(beside | _code_points(_ENCLOSED)):
        reading = _mark_reading(chr(point))
        if reading and unicodedata.category(chr(point)) != "Nd":
            marks[point] = reading
    return marks


def _as_ascii() -> dict[int, str]:
    """Each non-ASCII character a reader reads as ASCII: a decimal digit as its value, else a
    character whose compatibility form is ASCII as that form (one character, as a fullwidth
    A, or several, as the ligature "ﬁ", the ellipsis or "Ⅻ"; not a mark beside the text,
    `MARKS_BESIDE`), else a dash as a hyphen."""
    read: dict[int, str] = dict(_DASHES)
    for point in _LOW_PLANES[0x80:]:
        char = chr(point)
        decomposition = unicodedata.decomposition(char)
        if unicodedata.category(char) == "Nd":
            read[point] = str(unicodedata.decimal(char))
        elif (
            decomposition and not decomposition.startswith(MARKS_BESIDE) and not _is_enclosed(point)
        ):
            folded = unicodedata.normalize("NFKC", char)
            if folded and folded.isascii():
                read[point] = folded
    return read


DEFAULT_IGNORABLE: Final = _default_ignorable()
# The interlinear annotation anchor, separator and terminator (see the module's note).
ANNOTATION: Final = frozenset(_code_points([(0xFFF9, 0xFFFB)]))
# Kept by `shown` (see the module's note): they shape what is drawn and hide nothing.
SHAPING: Final = frozenset(
    {0x200C, 0x200D, 0x115F, 0x1160}
    | _code_points(_VARIATION_SELECTORS)
    | _code_points([(0xE0100, 0xE01EF)])
)
# Every space a reader sees as one (no-break, thin, narrow no-break, ideographic, ...).
_SPACES: Final = frozenset(
    point for point in range(0x10000) if point != 0x20 and unicodedata.category(chr(point)) == "Zs"
)
_LINE_ENDS: Final = {0x2028: "\n", 0x2029: "\n"}

_DROPPED: Final[dict[int, str | None]] = {
    **dict.fromkeys((DEFAULT_IGNORABLE - SHAPING) | ANNOTATION),
    **_LINE_ENDS,
}
# Later entries win: a no-break space NFKC makes " " anyway, and the one dot leader ".".
_READ: Final[dict[int, str]] = {
    **_as_ascii(),
    **dict.fromkeys(DEFAULT_IGNORABLE | ANNOTATION, ""),
    **dict.fromkeys(_SPACES, " "),
    **{ord(lookalike): typed for lookalike, typed in LOOKALIKE_OF.items()},
    **_LINE_ENDS,
}


def _any_of(points: Iterable[int]) -> re.Pattern[str]:
    """One character class for `points`, as ranges: a search finds none in C."""
    ranges: list[list[int]] = []
    for point in sorted(points):
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return re.compile(
        "[" + "".join(f"\\U{first:08x}-\\U{last:08x}" for first, last in ranges) + "]"
    )


_ANY_DROPPED: Final = _any_of(_DROPPED)

# Combining marks (Mn, Me): an underline under each digit ("1̲2̲3̲"), a keycap ("9️⃣"), an
# accent typed as a mark after its letter. After a letter or digit read as ASCII they are read
# away: the reader reads the digit, not the decoration.
_COMBINING: Final = frozenset(
    point for point in _LOW_PLANES if unicodedata.category(chr(point)) in ("Mn", "Me")
)
MARKS: Final[dict[int, str]] = _marks_beside()
# A line end sets a run of marks apart from the text beside it: every detector ends a number, a
# postcode or an address at one, and a date of birth's phrase may still come before it.
_APART: Final = "\n"
_DIGITS: Final = frozenset("0123456789")
# A superscript ordinal after a day's digits belongs to it ("12ᵗʰ March"), not beside it. A day
# is one or two digits, not the end of a longer number or of a date ("5919ᵗʰ", "12/03/15ᵗʰ"):
# joined to those, the ordinal carried the number past its end check and it passed the guard.
_ORDINALS: Final = frozenset({"st", "nd", "rd", "th"})
_A_DAY_BEFORE: Final = re.compile(r"(?<![0-9])(?<![0-9][ /.:,-])[0-9]{1,2}\Z")
_ANY_MARK: Final = _any_of(MARKS).pattern
# A run of marks, with single separators between them: "⑫/③/⑳⑮", "⁹⁴³ ⁴⁷⁶ ⁵⁹¹⁹".
_MARK_RUN: Final = re.compile(rf"{_ANY_MARK}+(?:[ /.:,-]{_ANY_MARK}+)*")


def _confusables() -> dict[str, list[dict[str, str]]]:
    """Unicode's confusables.txt as the `confusable-homoglyphs` wheel ships it (MIT): each
    character, and the characters it may be confused with ("c"). Read as data, as
    domain/name_lexicon.py reads its packages: none of the package's code runs, and its
    CONFUSABLE_DATA variable cannot point the guard at another table."""
    table: dict[str, list[dict[str, str]]] = json.loads(
        (files("confusable_homoglyphs") / "confusables.json").read_text(encoding="utf-8")
    )
    return table


def _look_alikes() -> dict[int, str]:
    """Each letter or digit that Unicode's confusables (UTS #39, confusables.txt; the
    `confusable_homoglyphs` package's data) say looks like one ASCII letter or digit, as that
    one: Cyrillic A, Greek capital omicron, Cherokee GO, Latin alpha. The table names one
    prototype for look-alikes ("l" for "I", "1" and Cyrillic I): a capital reads as a capital
    (Cyrillic I as "I")."""

    confusables_data = _confusables()

    def prototype(char: str) -> str:
        ascii_ones = [each["c"] for each in confusables_data.get(char, []) if each["c"].isascii()]
        one = ascii_ones[0] if len(ascii_ones) == 1 else ""
        return one if len(one) == 1 and one.isalnum() else ""

    alnums = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    alike: dict[str, str] = {}  # a prototype and an ASCII capital that looks like it
    for char in alnums:
        if char.isupper() and prototype(char):
            alike.setdefault(prototype(char), char)
    look_alikes: dict[int, str] = {}
    for char in confusables_data:
        if len(char) != 1 or char.isascii() or unicodedata.category(char)[0] not in "LN":
            continue
        target = prototype(char)
        if target:
            upper = unicodedata.category(char) == "Lu" and not target.isupper()
            look_alikes[ord(char)] = alike.get(target, target) if upper else target
    return look_alikes


# Read only in a word every character of which is then ASCII: a word of another script that
# shares a few letters with Latin ("Москва") is left as typed.
_LOOK_ALIKES: Final = {
    point: ascii
    for point, ascii in _look_alikes().items()
    if point not in _READ and point not in MARKS and point not in _COMBINING
}
_WORD: Final = re.compile(r"\w+")

# As sets of characters: a text's few distinct characters are looked up in them (in C), where a
# character class of thousands of ranges costs a scan of them per character.
_EACH: Final = frozenset(map(chr, _READ.keys() | _COMBINING))
_MARK_CHARS: Final = frozenset(map(chr, MARKS))
_LOOK_ALIKE_CHARS: Final = frozenset(map(chr, _LOOK_ALIKES))
_ANY_READ: Final = _EACH | _MARK_CHARS | _LOOK_ALIKE_CHARS


@functools.lru_cache(maxsize=256)
def _any_char_of(chars: frozenset[str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(map(re.escape, sorted(chars))) + "]")


def shown(text: str) -> str:
    """`text` as it should be displayed: no bidi controls, no invisible characters, no
    annotation marks."""
    if text.isascii() or _ANY_DROPPED.search(text) is None:
        return text
    return text.translate(_DROPPED)


def shown_positions(text: str) -> list[int]:
    """Where each character of `shown(text)` stands in `text`."""
    return [i for i, c in enumerate(text) if _DROPPED.get(ord(c), "") is not None]


def read(text: str) -> tuple[str, list[int] | None]:
    """`text` as the identifier guard reads it (the module's note says how), and where each of
    its characters stands in `text`: None when it is `text` itself (most text is). A character
    typed may be read as several ("ﬁ", "⑩") or none; positions never go back, so a finding's
    first and last characters read give where it was typed (`typed_span`)."""
    if text.isascii() or _ANY_READ.isdisjoint(text):
        return text, None
    seen, positions = _read_each(text)
    if not _MARK_CHARS.isdisjoint(seen):
        seen, positions = _rewrite(seen, positions, _mark_runs(seen, positions))
    if not _LOOK_ALIKE_CHARS.isdisjoint(seen):
        seen, positions = _rewrite(seen, positions, _look_alike_words(seen, positions))
    return seen, positions


def _read_each(text: str) -> tuple[str, list[int]]:
    """Each character on its own (`_READ`; a form of several characters set apart from a digit
    beside it), and a combining mark after a letter or digit read as ASCII read away."""
    parts: list[str] = []
    positions: list[int] = []
    done = 0
    last = ""
    each = _EACH.intersection(text)
    if not each:
        return text, list(range(len(text)))
    for found in _any_char_of(frozenset(each)).finditer(text):
        at = found.start()
        if at > done:
            parts.append(text[done:at])
            positions.extend(range(done, at))
            last = text[at - 1]
        point = ord(text[at])
        if point in _READ:
            instead = _READ[point]
            if len(instead) > 1:
                instead = _set_apart_from_digits(instead, last, text[at + 1 : at + 2])
        else:  # a combining mark
            instead = "" if last.isascii() and last.isalnum() else text[at]
        parts.append(instead)
        positions.extend([at] * len(instead))
        last = instead[-1:] or last
        done = at + 1
    parts.append(text[done:])
    positions.extend(range(done, len(text)))
    return "".join(parts), positions


def _set_apart_from_digits(reading: str, before: str, after: str) -> str:
    """A form read as several characters ("ﬁ", "Ⅻ", "№"), set apart from a digit read just
    before it or typed just after it, as marks are: a number starts and ends where it was typed
    to, not carried past its end check by the letters."""
    if before in _DIGITS:
        reading = _APART + reading
    if after and _READ.get(ord(after), after)[:1] in _DIGITS:
        reading += _APART
    return reading


# An edit: where in the text read so far, what is read instead, and where each of its
# characters was typed.
_Edit = tuple[int, int, str, list[int]]


def _mark_runs(seen: str, positions: list[int]) -> Iterator[_Edit]:
    for run in _MARK_RUN.finditer(seen):
        start, end = run.span()
        reading = "".join(MARKS.get(ord(char), char) for char in run.group())
        at = [
            p
            for i in range(start, end)
            for p in [positions[i]] * len(MARKS.get(ord(seen[i]), seen[i]))
        ]
        ordinal = (
            reading.lower() in _ORDINALS
            and _A_DAY_BEFORE.search(seen, max(0, start - 2), start) is not None
        )
        if start > 0 and seen[start - 1] != _APART and not ordinal:
            reading, at = _APART + reading, [positions[start], *at]
        if end < len(seen) and seen[end] != _APART:
            reading, at = reading + _APART, [*at, positions[end - 1]]
        yield start, end, reading, at


def _look_alike_words(seen: str, positions: list[int]) -> Iterator[_Edit]:
    for word in _WORD.finditer(seen):
        text = word.group()
        if text.isascii() or not all(c.isascii() or ord(c) in _LOOK_ALIKES for c in text):
            continue
        reading = "".join(_LOOK_ALIKES.get(ord(c), c) for c in text)
        yield word.start(), word.end(), reading, positions[word.start() : word.end()]


def _rewrite(seen: str, positions: list[int], edits: Iterable[_Edit]) -> tuple[str, list[int]]:
    parts: list[str] = []
    moved: list[int] = []
    done = 0
    for start, end, instead, at in edits:
        parts += [seen[done:start], instead]
        moved += positions[done:start] + at
        done = end
    parts.append(seen[done:])
    moved += positions[done:]
    return "".join(parts), moved


# Marks drawn on the character before them: a finding ends after them (not after an invisible
# character, unless a mark follows it: a keycap's "9", U+FE0F, U+20E3).
_DRAWN_ON: Final = _COMBINING - DEFAULT_IGNORABLE


def typed_span(text: str, positions: list[int], start: int, end: int) -> tuple[int, int]:
    """Where the characters `start` to `end` of `read(text)` were typed in `text`: from the
    first one's character to the last one's, with any combining marks drawn on it."""
    typed_end = positions[end - 1] + 1
    after = typed_end
    while after < len(text) and (
        ord(text[after]) in _COMBINING or ord(text[after]) in DEFAULT_IGNORABLE
    ):
        after += 1
        if ord(text[after - 1]) in _DRAWN_ON:
            typed_end = after
    return positions[start], typed_end


# --- where a long run may break ----------------------------------------------------------------
#
# A card renderer wraps a line only at a break opportunity, so a run with no space (a reason
# pasted as one long word, references joined by commas) gets an invisible break every so often
# (cards/common.py `user_text`). Where it goes is decided here: after a comma, semicolon, slash
# or another point where a line reads naturally, when there is one in the second half of the
# line; never inside a review's or an action's reference ("LOS-2026-001", "LOS-2026-001/A3",
# which a reader copies and searches for whole), nor inside a character as drawn (before a
# combining mark, a joiner, a variation selector or an emoji's skin tone; after a joiner;
# between the two letters of a flag), nor beside an underscore (an inner one could then pair up
# as Markdown emphasis).

# domain/reviews.py `format_reference` and domain/outcome.py `action_reference` write these.
_REFERENCE: Final = re.compile(r"LOS-\d{4}-\d{1,4}(?:/A\d+)?", re.IGNORECASE)
# A line reads naturally after these, and after a hyphen between words (not in a date or a
# number: "2026-12-01", "0161-496").
_NATURAL: Final = re.compile(r"[,;/|!?)]|-(?!\d)|(?<!\d)-")
_JOINERS: Final = "\u200c\u200d"


def _joins_before(char: str) -> bool:
    """Whether `char` belongs to the character before it, so no break goes in front of it."""
    return (
        char in _JOINERS
        or char == "_"
        or unicodedata.category(char) in ("Mn", "Mc", "Me")
        or "\U0001f3fb" <= char <= "\U0001f3ff"
        or ord(char) in DEFAULT_IGNORABLE
    )


def _may_break(run: str, at: int) -> bool:
    before, after = run[at - 1], run[at]
    if before in _JOINERS or before == "_" or _joins_before(after):
        return False
    flags = "\U0001f1e6" <= before <= "\U0001f1ff" and "\U0001f1e6" <= after <= "\U0001f1ff"
    return not flags


def wrap_points(run: str, width: int) -> list[int]:
    """Where a run of text with no space gets a break, so that no piece is much longer than
    `width`: each an index into `run`, the break going before that character. A piece is longer
    only where nothing inside the line may be broken (one long reference, or a long cluster)."""
    unsplit = {
        inside
        for reference in _REFERENCE.finditer(run)
        for inside in range(reference.start() + 1, reference.end())
    }
    natural = [found.end() for found in _NATURAL.finditer(run)]
    points: list[int] = []
    start = 0

    def may_break(at: int) -> bool:
        return at not in unsplit and _may_break(run, at)

    while len(run) - start > width:
        # The latest natural place in the line's second half, else the latest place at all,
        # else (nothing in the line may break) the first place after it.
        last = min(start + width, len(run) - 1)
        line = range(last, start, -1)
        in_line = natural[
            bisect.bisect_left(natural, start + width // 2) : bisect.bisect_right(natural, last)
        ]
        found = next((at for at in reversed(in_line) if may_break(at)), None)
        found = found or next((at for at in line if may_break(at)), None)
        found = found or next((at for at in range(last + 1, len(run)) if may_break(at)), None)
        if found is None:
            break
        points.append(found)
        start = found
    return points
