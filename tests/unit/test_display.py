"""domain/display.py: which characters are invisible (Unicode's Default_Ignorable_Code_Point),
what `shown` keeps for display, how the identifier guard reads text (`read`), and where a long
run of text with no space may break (`wrap_points`)."""

from __future__ import annotations

import itertools
import subprocess
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards.common import WRAP_RUN, user_text
from domain import display
from domain.outcome import action_reference
from domain.reviews import format_reference

IGNORABLE = sorted(map(chr, display.DEFAULT_IGNORABLE))
SPACES = [chr(p) for p in range(0x10000) if p != 0x20 and unicodedata.category(chr(p)) == "Zs"]

_PERL_IGNORABLE = r"""
for my $c (0 .. 0x10FFFF) {
    next if $c >= 0xD800 && $c <= 0xDFFF;
    print "$c\n" if chr($c) =~ /\p{Default_Ignorable_Code_Point}/;
}
"""
_PERL_ASSIGNED = r"""
while (my $c = <STDIN>) { chomp $c; print "$c\n" if chr($c) =~ /\p{Assigned}/; }
"""


def _perl(script: str, stdin: str = "") -> set[int]:
    out = subprocess.run(
        ["perl", "-e", script], input=stdin, capture_output=True, text=True, check=True
    )
    return {int(line) for line in out.stdout.split()}


def test_the_invisible_characters_are_unicode_s_default_ignorables() -> None:
    """The set is derived from unicodedata and PropList's short lists; Perl carries the property
    itself (perl-base is part of every Debian system). Where the two Unicode versions differ, a
    character one of them has not assigned yet may differ, nothing else."""
    perl = _perl(_PERL_IGNORABLE)
    differ = perl ^ display.DEFAULT_IGNORABLE
    perl_assigned = _perl(_PERL_ASSIGNED, "\n".join(map(str, sorted(differ))))
    python_assigned = {p for p in differ if unicodedata.category(chr(p)) != "Cn"}
    assert differ <= perl_assigned ^ python_assigned, sorted(map(hex, differ))
    for named in "\u200b\u200c\u200d\u2060\u2063\u00ad\u061c\u180e\u034f\u115f\u1160\u3164":
        assert ord(named) in display.DEFAULT_IGNORABLE, hex(ord(named))
    for named in "\ufe0f\U000e0101\U000e0041\ufeff\u202e\uffa0":
        assert ord(named) in display.DEFAULT_IGNORABLE, hex(ord(named))
    for drawn in "\u0600\u06dd\ufff9 \u00a0a":
        assert ord(drawn) not in display.DEFAULT_IGNORABLE, hex(ord(drawn))


@pytest.mark.parametrize(
    "emoji",
    [
        "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # a family, joined
        "\u2764\ufe0f",  # a red heart, emoji style
        "\U0001f44d\U0001f3fd",  # a thumbs up with a skin tone
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian, with its non-joiner
        "\u8fbb\U000e0100",  # an ideographic variant
    ],
)
def test_shown_keeps_what_shapes_a_character_as_drawn(emoji: str) -> None:
    assert display.shown(emoji) == emoji


@given(st.text(alphabet=st.sampled_from(IGNORABLE) | st.characters(codec="utf-8"), max_size=60))
def test_shown_drops_every_other_invisible_character(typed: str) -> None:
    seen = display.shown(typed)
    assert not {ord(c) for c in seen} & (display.DEFAULT_IGNORABLE - display.SHAPING)
    positions = display.shown_positions(typed)
    assert len(positions) == len(seen)
    for at, char in zip(positions, seen, strict=True):
        assert typed[at] == char or (char == "\n" and typed[at] in "\u2028\u2029")


# Forms a reader reads as ASCII: fullwidth, mathematical, Arabic-Indic and Devanagari digits,
# fullwidth and mathematical letters, fullwidth signs, dashes, annotation marks; marks beside the
# text (superscript, subscript, circled, parenthesised, keycap, underlined); forms of several
# characters (a ligature, a circled ten, an ellipsis); look-alike letters of other scripts.
DISGUISED = list(
    "\uff19\uff14\uff13\U0001d7d7\U0001d7ce\u0669\u0664\u096f\u00b2\u2460\uff33\uff57"
    "\U0001d40a\U0001d41e\uff20\uff0e\uff0d\u2011\u2013\u2212\ufff9\ufffa\ufffb"
    "\u2469\u2488\u2474\u2776\ufb01\u2026\u216b\u0332\u20e3\u0301\u200d"
    "\u0410\u0430\u039f\u03bf\u0406\u0417\u1d57\u02b0"
)


@given(
    st.text(alphabet=st.sampled_from(IGNORABLE + SPACES + DISGUISED) | st.characters(), max_size=60)
)
def test_the_guard_s_reading_points_each_character_back_at_what_was_typed(typed: str) -> None:
    """Each character read stands where one was typed, in order (several may stand for one:
    "ﬁ", "⑩"); a line end sets a run of marks apart."""
    seen, positions = display.read(typed)
    if positions is None:
        assert seen is typed
        return
    assert len(positions) == len(seen)
    assert positions == sorted(positions)
    assert all(0 <= at < len(typed) for at in positions)
    for at, char in zip(positions, seen, strict=True):
        assert typed[at] == char or char in display.read(typed[at])[0] or char == "\n"
    assert not {ord(c) for c in seen} & (display.DEFAULT_IGNORABLE | display.ANNOTATION)
    assert not set(seen) & set(SPACES)
    assert not [c for c in seen if c.isdecimal() and not c.isascii()]


def test_every_decimal_digit_reads_as_its_ascii_digit() -> None:
    """Unicode's Nd, in every script: a fullwidth, mathematical, Arabic-Indic or Devanagari
    nine is a nine to a reader, and to the guard."""
    digits = [chr(p) for p in range(0x80, 0x110000) if unicodedata.category(chr(p)) == "Nd"]
    assert len(digits) > 600
    for digit in digits:
        assert display.read(digit) == (str(unicodedata.decimal(digit)), [0]), hex(ord(digit))
    assert display.read(
        "\uff19\uff14\uff13 \U0001d7d2\U0001d7d5\U0001d7d4 \u0665\u0669\u0661\u0669"
    )[0] == ("943 476 5919")


def test_a_character_whose_compatibility_form_is_ascii_reads_as_it() -> None:
    """NFKC, one character at a time: fullwidth and mathematical letters and signs, and forms of
    several characters ("ﬁ" as "fi", "Ⅻ" as "XII", "…" as "..."), each character read standing
    where the one typed does."""
    assert display.read("\uff33\uff37\uff11\uff21\u3000\uff11\uff21\uff21") == (
        "SW1A 1AA",
        list(range(8)),
    )
    assert display.read("\U0001d40a\U0001d41e\U0001d425\U0001d425\U0001d432")[0] == "Kelly"
    assert display.read("carer.k\uff20example\uff0eorg")[0] == "carer.k@example.org"
    assert display.read("\u212a\ufe63\u2011\u2013\u2212")[0] == "K----"
    assert display.read("Gri\ufb03ths") == ("Griffiths", [0, 1, 2, 3, 3, 3, 4, 5, 6])
    assert display.read("Year \u216b\u2026")[0] == "Year XII..."
    for kept in "\u00bd\u00e9\u00b5":
        assert display.read(kept) == (kept, None), hex(ord(kept))
    for point in range(0x80, 0x20000):
        char = chr(point)
        decomposition = unicodedata.decomposition(char)
        folded = unicodedata.normalize("NFKC", char) if decomposition else ""
        if unicodedata.category(char) == "Nd" or point in display.MARKS:
            continue
        if folded and folded.isascii():
            assert display.read(char)[0] == folded, hex(point)


def test_marks_beside_the_text_read_as_their_digits_set_apart() -> None:
    """A superscript, subscript, circled or parenthesised mark is read as its digits, the run set
    apart from the text beside it by a line end: a footnote's "¹" does not join the number
    before it (review12a), and a number typed all in marks is read whole."""
    assert display.read("5919\u00b9")[0] == "5919\n1"
    assert display.read("5919.\u00b9 more")[0] == "5919.\n1\n more"
    assert display.read("\u2079\u2074\u00b3 \u2074\u2077\u2076")[0] == "943 476"
    assert display.read("born \u246b/\u2462/\u2473\u246e")[0] == "born \n12/3/2015"
    assert display.read("\u2469 \u2488 \u2474 \u277f")[0] == "10 1. (1) 10"
    assert display.read("12\u1d57\u02b0 May")[0] == "12th\n May"
    for mark in "\u2460\u00b2\u2083\u1d43\u24b6\u2122":
        assert ord(mark) in display.MARKS, hex(ord(mark))


def test_letters_read_from_a_mark_or_a_form_are_set_apart_from_the_digit_before() -> None:
    """review13b M2: a superscript ordinal joins only a day's one or two digits, and a form
    read as several characters ("ﬁ", "Ⅻ", "№") is set apart from a digit beside it, so a
    number or a date starts and ends where it was typed to. Beside a letter a form still joins
    it."""
    assert display.read("12\u1d57\u02b0")[0] == "12th"
    assert display.read("on 3\u02b3\u1d48 May")[0] == "on 3rd\n May"
    assert display.read("5919\u1d57\u02b0")[0] == "5919\nth"
    assert display.read("12/03/15\u1d57\u02b0")[0] == "12/03/15\nth"
    assert display.read("03 12\u1d57\u02b0")[0] == "03 12\nth"
    assert display.read("5919\ufb01") == ("5919\nfi", [0, 1, 2, 3, 4, 4, 4])
    assert display.read("5919\u216b")[0] == "5919\nXII"
    assert display.read("2020\u2116, seen")[0] == "2020\nNo, seen"
    assert display.read("\u216b943") == ("XII\n943", [0, 0, 0, 0, 1, 2, 3])
    assert display.read("\ufb01\uff19")[0] == "fi\n9"
    assert display.read("\uff15\uff19\u200b\ufb01")[0] == "59\nfi"
    assert display.read("Gri\ufb03ths")[0] == "Griffiths"
    assert display.read("5\uff21")[0] == "5A"


def test_combining_marks_on_a_letter_or_digit_read_as_ascii_are_read_away() -> None:
    """An underline under each digit, a keycap, an accent typed as a mark: the reader reads the
    digit or letter. On a letter of another script the mark stays."""
    assert display.read("1\u03322\u03323\u0332") == ("123", [0, 2, 4])
    assert display.read("9\ufe0f\u20e3")[0] == "9"
    assert display.read("Zoe\u0308")[0] == "Zoe"
    assert display.read("\u0436\u0301")[0] == "\u0436\u0301"
    assert display.typed_span("1\u03322\u03323\u0332!", [0, 2, 4, 6], 0, 3) == (0, 6)


def test_look_alike_letters_of_other_scripts_read_as_latin_in_a_word_read_as_latin() -> None:
    """Unicode's confusables: Cyrillic A and e, Greek capital omicron read as Latin letters in a
    word every other character of which is Latin; a word of another script stays as typed."""
    assert display.read("K\u0435lly") == ("Kelly", [0, 1, 2, 3, 4])
    assert display.read("SW1A 1\u0410\u0410")[0] == "SW1A 1AA"
    assert display.read("\u039f\u0421\u0410")[0] == "OCA"
    assert display.read("\u0406an")[0] == "Ian"
    assert display.read("\u041c\u043e\u0441\u043a\u0432\u0430")[0] == (
        "\u041c\u043e\u0441\u043a\u0432\u0430"
    )


def test_the_annotation_marks_are_dropped_for_display_and_for_the_guard() -> None:
    """U+FFF9-FFFB are drawn by Unicode's rule, not by most renderers, and some hide the
    annotation between them."""
    typed = "943\ufff9476\ufffa5919\ufffb"
    assert display.shown(typed) == "9434765919"
    assert display.shown_positions(typed) == [0, 1, 2, 4, 5, 6, 8, 9, 10, 11]
    assert display.read(typed) == ("9434765919", [0, 1, 2, 4, 5, 6, 8, 9, 10, 11])


def test_the_guard_reads_every_space_as_a_space_and_the_cards_look_alikes_back() -> None:
    assert display.read("943\u2009476\u202f5919")[0] == "943 476 5919"
    assert display.read("carer\u2024k@example\u2024org")[0] == "carer.k@example.org"
    looks = "pre\u02cdanalysis \u2217 \u02cbx\u02cb \u223c"
    assert display.read(looks)[0] == "pre_analysis * `x` ~"


@given(st.text(alphabet=st.sampled_from("*_`~[]:<&./,;-\\") | st.characters(), max_size=120))
def test_text_copied_back_from_a_card_reads_to_the_guard_as_typed(typed: str) -> None:
    """Whatever `user_text` drew (look-alikes, breaks after markup, wrap breaks in long runs),
    the guard reads back what was typed."""
    lines = typed.replace("\r\n", "\n").replace("\r", "\n")
    assert display.read(user_text(typed))[0] == display.read(lines)[0]


def _pieces(run: str) -> list[str]:
    ends = [0, *display.wrap_points(run, WRAP_RUN), len(run)]
    return [run[start:end] for start, end in itertools.pairwise(ends)]


def test_a_run_of_references_breaks_after_its_commas_never_inside_one() -> None:
    """review10: "…/A3,LOS-2026-001" got its wrap break inside the second reference."""
    refs = [action_reference(format_reference(2026, n), a) for n in (1, 2) for a in (1, 3, 12)]
    run = ",".join([*refs, format_reference(2026, 1), format_reference(2026, 117)])
    pieces = _pieces(run)
    assert "".join(pieces) == run
    assert all(piece.endswith(",") for piece in pieces[:-1]), pieces
    for piece in pieces:
        assert piece.rstrip(",") in {*refs, "LOS-2026-001", "LOS-2026-117"} or "," in piece


@given(
    st.lists(
        st.sampled_from(["LOS-2026-001", "LOS-2026-001/A3", "LOS-2027-1042/A12", "and", "2026"])
        | st.text(alphabet=st.sampled_from("abc-/,;é\u0301\u200d_1"), max_size=12),
        max_size=20,
    ),
    st.sampled_from(["", ",", ";", "/", "-", ")"]),
)
def test_no_break_falls_inside_a_reference_or_a_character_as_drawn(
    parts: list[str], glue: str
) -> None:
    run = glue.join(parts)
    points = display.wrap_points(run, WRAP_RUN)
    assert points == sorted(set(points))
    assert all(0 < at < len(run) for at in points)
    for reference in display._REFERENCE.finditer(run):
        assert not [at for at in points if reference.start() < at < reference.end()], run
    for at in points:
        assert run[at - 1] not in "_\u200d", (run, at)
        assert run[at] not in "_\u200d\u0301", (run, at)
    # Every piece fits, unless nothing in its line could be broken.
    for start, end in zip([0, *points], [*points, len(run)], strict=True):
        assert end - start <= WRAP_RUN or not [
            at
            for at in range(start + 1, start + WRAP_RUN + 1)
            if display._may_break(run, at)
            and not any(r.start() < at < r.end() for r in display._REFERENCE.finditer(run))
        ], (run, run[start:end])


def test_a_long_hyphenated_word_breaks_after_a_hyphen_and_a_date_stays_whole() -> None:
    run = "Safeguarding-partnership-wide-considerations-across-all-agencies-2026-12-01"
    assert _pieces(run) == [
        "Safeguarding-partnership-wide-",
        "considerations-across-all-",
        "agencies-2026-12-01",
    ]


def test_a_run_with_nowhere_natural_breaks_every_width_characters() -> None:
    assert _pieces("x" * 70) == ["x" * 30, "x" * 30, "x" * 10]
